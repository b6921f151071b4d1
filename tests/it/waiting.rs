//! Waiting you can see: `claim --wait` and `task claim-next --wait` show a progress line
//! only on a terminal (nothing when piped), and Ctrl-C leaves no queue entry behind.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{eventually, World, NOW};

fn until(what: &str, f: impl FnMut() -> bool) {
    assert!(eventually(Duration::from_secs(30), f), "timed out waiting until {what}");
}

fn interrupt(pid: u32) {
    assert!(Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap()
        .success());
}

#[test]
fn ctrl_c_leaves_the_queue_and_nothing_is_drawn_when_piped() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_("alice", &["claim", "src/billing/**", "--ttl", "2h"]).ok();
    let child = b
        .command(Some("bob"), NOW, &["claim", "src/billing/invoice.ts", "--wait", "10m"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    until("bob waits in the queue", || a.queue_len() == 1);
    std::thread::sleep(Duration::from_millis(400));
    interrupt(child.id());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted: left the queue"), "{stderr}");
    assert!(
        !stderr.contains('\r') && !stderr.contains("waiting:"),
        "no progress line when piped: {stderr:?}"
    );
    assert_eq!(a.queue_len(), 0, "no queue entry left behind");
    assert_eq!(
        b.as_("bob", &["status", "--json"]).json()["claims"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "only alice's claim"
    );
}

#[test]
fn claim_next_waits_for_a_task_and_takes_it_when_one_is_added() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    let child = b
        .command(Some("bob"), NOW, &["task", "claim-next", "--wait", "1m", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    a.as_("lead", &["task", "add", "write the invoice export"]).ok();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["task"]["title"], "write the invoice export");
    assert_eq!(r["task"]["worker"], "bob");
    // With nothing to take, Ctrl-C stops the wait.
    let child = b
        .command(Some("bob"), NOW, &["task", "claim-next", "--wait", "10m"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    interrupt(child.id());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
}

/// On a terminal the wait draws its progress line (run under `script(1)` for a pty when
/// `GIT_COORD_PTY` is set, as `tests/interop.sh` does; piped runs above show it is absent).
#[test]
fn a_terminal_sees_the_queue_place_holder_and_time_waited() {
    if std::env::var_os("GIT_COORD_PTY").is_none() {
        return;
    }
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/billing/**", "--ttl", "2h"]).ok();
    let cmd = format!("'{}' claim src/billing/invoice.ts --wait 4s", crate::support::BIN);
    let mut script = Command::new("script");
    script.args(["-qec", &cmd, "/dev/null"]).current_dir(&a.dir);
    crate::support::isolate(&mut script, &w.home());
    script.env("GIT_COORD_AGENT", "bob").env("GIT_COORD_NOW", NOW);
    let out = script.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("waiting: 1st of 1 in the queue, held by alice (c-"),
        "{text}"
    );
    assert!(text.contains('\r'), "the line is redrawn in place");
}
