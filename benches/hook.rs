//! Whole-process benchmarks of the pre-push hook:
//! - 1 changed file against 1,000 active claims (target ≤ 100 ms for the hook's own work)
//! - 1,000 changed files against 10,000 active claims (target ≤ 300 ms)
//! - the whole `git push` with the hook installed, as a ratio to `git push --no-verify`
//! - the server's pre-receive judging a push of 100 board commits, every one checked as an
//!   operation on its parent (target <= 200 ms)
//!
//! The boards mix glob claims elsewhere in the tree with symbol claims on the changed files
//! (on symbols the change does not touch), so the hook parses what it must and passes.
//!
//! Run: `cargo bench --bench hook` (add `-- --quick` for fewer repetitions).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{board_with, median, ms, Bench};
use git_coord::model::{Scope, SymbolScope};

/// A clone of a bare remote with `files` TypeScript files, hooks installed.
fn setup(b: &Bench, name: &str, files: usize) -> PathBuf {
    let seed = b.root.join(format!("{name}-seed"));
    b.git(&b.root, &["init", "-q", "-b", "main", seed.to_str().unwrap()]);
    for i in 0..files {
        let p = seed.join(format!("src/pkg{}/file{i}.ts", i / 50));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, format!("export class Svc{i} {{\n  run(): number {{\n    return {i};\n  }}\n\n  other(): number {{\n    return 0;\n  }}\n}}\n")).unwrap();
    }
    b.git(&seed, &["add", "-A"]);
    b.git(&seed, &["commit", "-q", "-m", "seed"]);
    let bare = b.root.join(format!("{name}.git"));
    b.git(
        &b.root,
        &["clone", "-q", "--bare", seed.to_str().unwrap(), bare.to_str().unwrap()],
    );
    let clone = b.root.join(name);
    b.git(
        &b.root,
        &["clone", "-q", bare.to_str().unwrap(), clone.to_str().unwrap()],
    );
    b.coord(&clone, &["init"]);
    clone
}

/// `claims` claims by other agents: globs outside src/, plus symbol claims on the untouched
/// `other` method of the first `symbols` changed files.
fn board(b: &Bench, clone: &Path, claims: usize, symbols: usize) {
    let scopes = (0..claims).map(|i| {
        if i < symbols {
            Scope::Symbol(SymbolScope {
                file: format!("src/pkg{}/file{i}.ts", i / 50),
                path: vec![format!("Svc{i}"), "other".into()],
            })
        } else {
            Scope::Glob(format!("area{i}/**"))
        }
    });
    board_with(clone, 1, scopes);
    b.git(
        clone,
        &[
            "push",
            "-q",
            "--no-verify",
            "origin",
            "refs/coord/claims:refs/coord/claims",
        ],
    );
}

/// Change the `run` body of the first `n` files and commit.
fn change(b: &Bench, clone: &Path, n: usize, round: usize) {
    for i in 0..n {
        let p = clone.join(format!("src/pkg{}/file{i}.ts", i / 50));
        let text = std::fs::read_to_string(&p).unwrap();
        let start = text.find("    return ").unwrap();
        let end = start + text[start..].find(';').unwrap();
        std::fs::write(
            &p,
            format!(
                "{}    return {};{}",
                &text[..start],
                round * 100_000 + i + 1,
                &text[end + 1..]
            ),
        )
        .unwrap();
    }
    b.git(clone, &["add", "-A"]);
    b.git(
        clone,
        &["commit", "-q", "-m", &format!("change {n} files, round {round}")],
    );
}

/// Time `git coord hook pre-push origin URL` fed the line git would feed it.
/// 100 claims made through one remote, then their board commits judged by a server's
/// pre-receive as one push (the objects are already in the server repository, as they are
/// in its quarantine when git runs the hook): the median time of the hook.
fn board_push(b: &Bench, signed: bool) -> Duration {
    let name = if signed { "signedpush" } else { "boardpush" };
    let clone = b.repo(name, true);
    if signed {
        let key = clone.join(".git/bench_key");
        let out = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f"])
            .arg(&key)
            .output()
            .expect("ssh-keygen runs");
        assert!(out.status.success());
        let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
        std::fs::create_dir_all(clone.join(".coord")).unwrap();
        std::fs::write(clone.join(".coord/allowed_signers"), format!("bench {public}")).unwrap();
        std::fs::write(clone.join(".coord.toml"), "[trust]\nsign = true\nrequire = true\n").unwrap();
        b.git(&clone, &["add", "-A"]);
        b.git(&clone, &["commit", "-q", "-m", "trust"]);
        b.git(&clone, &["push", "-q", "origin", "HEAD"]);
        b.git(&clone, &["config", "user.signingKey", key.to_str().unwrap()]);
    }
    for i in 0..100 {
        b.coord(&clone, &["claim", &format!("db:t{i}")]);
    }
    let server = b.root.join(format!("{name}-server.git"));
    let origin = b.root.join(format!("{name}.git"));
    b.git(
        &b.root,
        &[
            "clone",
            "-q",
            "--bare",
            origin.to_str().unwrap(),
            server.to_str().unwrap(),
        ],
    );
    b.coord(&server, &["init"]);
    // The commits, under a name the hook ignores; the update lines as git would give them.
    b.git(
        &clone,
        &[
            "push",
            "-q",
            "--no-verify",
            server.to_str().unwrap(),
            "refs/coord/*:refs/staged/*",
        ],
    );
    let zero = "0".repeat(40);
    let refs = b.git(
        &clone,
        &["for-each-ref", "--format=%(objectname) %(refname)", "refs/coord/"],
    );
    let mut input = String::new();
    let mut commits = 0;
    for line in refs.lines() {
        let (id, name) = line.split_once(' ').unwrap();
        if name == "refs/coord/claims" || name.starts_with("refs/coord/shards/") {
            input.push_str(&format!("{zero} {id} {name}\n"));
            commits += b.git(&clone, &["rev-list", "--count", id]).parse::<usize>().unwrap();
        }
    }
    assert!(commits >= 100, "{commits} board commits");
    let times: Vec<Duration> = (0..b.reps)
        .map(|_| {
            let mut c = Command::new(&b.exe);
            c.current_dir(&server)
                .args(["hook", "pre-receive"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            b.isolate(&mut c);
            let t = Instant::now();
            let mut child = c.spawn().unwrap();
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
            let out = child.wait_with_output().unwrap();
            let d = t.elapsed();
            assert!(
                out.status.success(),
                "refused: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            d
        })
        .collect();
    median(times)
}

fn hook_once(b: &Bench, clone: &Path) -> Duration {
    let head = b.git(clone, &["rev-parse", "HEAD"]);
    let base = b.git(clone, &["rev-parse", "origin/main"]);
    let mut c = Command::new(&b.exe);
    c.current_dir(clone)
        .args(["hook", "pre-push", "origin", "unused-url"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    b.isolate(&mut c);
    let t = Instant::now();
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("refs/heads/main {head} refs/heads/main {base}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let d = t.elapsed();
    assert!(
        out.status.success(),
        "the hook refused: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    d
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let exe = common::exe();
    let tmp = std::env::temp_dir().join(format!("git-coord-hookbench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("home")).unwrap();
    let b = Bench {
        exe,
        home: tmp.join("home"),
        root: tmp.clone(),
        reps: if quick { 5 } else { 21 },
    };
    println!(
        "git-coord pre-push hook benchmarks ({} repetitions, medians, whole process)",
        b.reps
    );

    let small = setup(&b, "small", 200);
    board(&b, &small, 1_000, 1);
    change(&b, &small, 1, 0);
    let t: Vec<Duration> = (0..b.reps).map(|_| hook_once(&b, &small)).collect();
    println!(
        "hook, 1 changed file, 1,000 claims:          {:>10}   (target <= 100 ms; includes the claims fetch)",
        ms(median(t))
    );

    let big = setup(&b, "big", 1_000);
    board(&b, &big, 10_000, 50);
    change(&b, &big, 1_000, 0);
    let t: Vec<Duration> = (0..b.reps).map(|_| hook_once(&b, &big)).collect();
    println!(
        "hook, 1,000 changed files, 10,000 claims:    {:>10}   (target <= 300 ms; 50 of the files parsed for symbols)",
        ms(median(t))
    );

    // Whole pushes, interleaved: with the hook, and with --no-verify.
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for round in 0..b.reps {
        for (verify, into) in [(true, &mut with), (false, &mut without)] {
            change(&b, &small, 1, round * 2 + usize::from(verify) + 1);
            let mut c = Command::new("git");
            c.current_dir(&small).args([
                "push",
                "-q",
                "origin",
                &format!("HEAD:refs/heads/bench-{round}-{verify}"),
            ]);
            if !verify {
                c.arg("--no-verify");
            }
            b.isolate(&mut c);
            if let Some(t) = std::env::var_os("GIT_COORD_BENCH_TRACE") {
                c.env("GIT_TRACE2_PERF", t);
            }
            let t = Instant::now();
            let out = c.output().unwrap();
            into.push(t.elapsed());
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
    }
    let (w, n) = (median(with), median(without));
    println!(
        "git push with the hook {:>10}   --no-verify {:>10}   ratio {:.2}",
        ms(w),
        ms(n),
        w.as_secs_f64() / n.as_secs_f64()
    );
    let t = board_push(&b, false);
    println!(
        "pre-receive, a push of 100 board commits:   {:>10}   (target <= 200 ms; each commit judged as an operation)",
        ms(t)
    );
    let t = board_push(&b, true);
    println!(
        "the same, signed, under [trust] require:    {:>10}   (target <= 200 ms; every ed25519 signature checked in-process)",
        ms(t)
    );
    if std::env::var_os("GIT_COORD_BENCH_KEEP").is_some() {
        println!("kept {}", tmp.display());
    } else {
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
