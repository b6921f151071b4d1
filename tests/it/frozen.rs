//! A server that accepts connections and then says nothing (frozen, SIGSTOPped, a proxy that
//! stopped forwarding): every command that touches the network still ends within
//! `[network] timeout` + 1 s, with the operation pending (exit 3) and what timed out named.
//! Covered over git:// (git talks itself), smart HTTP (git's `git-remote-http` helper, which
//! outlived git before process groups were ended as a whole) and ssh (git's `ssh` child).

use std::io::Write;
use std::net::TcpListener;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{World, NOW};

/// Accept every connection and hold it open without a byte, until the test ends.
fn frozen_server() -> (u16, std::sync::mpsc::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        let until = Instant::now() + Duration::from_secs(120);
        while stopped.try_recv().is_err() && Instant::now() < until {
            if let Ok((s, _)) = listener.accept() {
                held.push(s);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    (port, stop)
}

/// Run a hook as bob with `input` on stdin, as git or the editor would.
fn hook(repo: &crate::support::Repo, args: &[&str], input: &str) -> std::process::Output {
    let mut child = repo
        .command(Some("bob"), NOW, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_frozen_server_never_holds_a_command_past_its_timeout() {
    let (port, _stop) = frozen_server();
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/main.ts"]).ok();
    a.write(".coord.toml", "[network]\ntimeout = \"2s\"\n");
    let budget = Duration::from_secs(3);
    let mut urls = vec![
        format!("git://127.0.0.1:{port}/repo.git"),
        format!("http://127.0.0.1:{port}/repo.git"),
    ];
    // Over ssh, git starts `ssh`, which waits for the server's banner forever.
    if std::process::Command::new("ssh").arg("-V").output().is_ok() {
        urls.push(format!("ssh://git@127.0.0.1:{port}/repo.git"));
    } else {
        eprintln!("no ssh client on this machine: the ssh case is not run");
    }
    for url in urls {
        a.git(&["remote", "set-url", "origin", &url]);
        let cases: &[(&[&str], i32)] = &[
            (&["claim", "feature:x"], 3),
            (&["release", "--all"], 3),
            (&["sync"], 3),
            (&["check", "src/main.ts"], 0),
            (&["status"], 0),
        ];
        for (args, want) in cases {
            let started = Instant::now();
            let r = a.as_("alice", args);
            let took = started.elapsed();
            assert!(took < budget, "{url} {args:?} took {took:?}: {}", r.stderr);
            assert_eq!(r.code, *want, "{url} {args:?}: {}", r.stderr);
            assert!(
                r.stderr.contains("timed out"),
                "{url} {args:?} says what timed out: {}",
                r.stderr
            );
        }
        let j = a.as_("alice", &["claim", "feature:y", "--json"]).json();
        assert_eq!(
            (j["pending"].clone(), j["reason"].clone()),
            (true.into(), "timeout".into()),
            "{j}"
        );
        // So does the pre-push hook (git hands it the refs on stdin).
        let head = a.git(&["rev-parse", "HEAD"]).trim().to_owned();
        let line = format!("refs/heads/main {head} refs/heads/main {}\n", "0".repeat(40));
        let started = Instant::now();
        let out = hook(&a, &["hook", "pre-push", "origin", &url], &line);
        assert!(
            started.elapsed() < budget,
            "{url} pre-push took {:?}",
            started.elapsed()
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("timed out") && err.contains("local copy"),
            "{url} pre-push: {err}"
        );
        // The pre-edit guard shares the bound.
        let payload = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pre-edit/edit-auth.json"),
        )
        .unwrap()
        .replace("__REPO__", a.dir.to_str().unwrap());
        let started = Instant::now();
        let out = hook(&a, &["hook", "pre-edit"], &payload);
        assert!(
            started.elapsed() < budget,
            "{url} pre-edit took {:?}",
            started.elapsed()
        );
        assert!(out.status.code().is_some(), "pre-edit ended by itself");
    }
    // Nothing was lost: the writes are pending and listed.
    let s = a.as_("alice", &["status", "--offline", "--json"]).json();
    assert!(s["pending"].as_array().is_some_and(|p| !p.is_empty()), "{s}");
}
