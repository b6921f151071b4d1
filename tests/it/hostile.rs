//! The one promise under hostile input, bad clocks and damaged data: nothing is granted
//! twice, nothing another agent wrote can drive a reader's terminal, and every error exits
//! within the contract (0–3) without internal type names.

use crate::errors::plant;
use crate::support::World;

#[test]
fn too_complex_globs_are_refused_in_either_order() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    let complex = format!("src/*a{}", "?".repeat(18));
    let r = a.as_("agent1", &["claim", &complex]);
    r.code(2);
    assert!(r.stderr.contains("too complex"), "{}", r.stderr);
    b.as_("agent2", &["claim", "src/**"]).ok();
    let r = a.as_("agent1", &["claim", &complex]);
    r.code(2);
    let long = format!("src/{}*", "a".repeat(1000));
    let r = a.as_("agent1", &["check", &long]);
    r.code(2);
    assert!(r.stderr.contains("over the limit"), "{}", r.stderr);
    assert_eq!(b.claim_ids().len(), 1, "only agent2's claim is on the board");
}

#[test]
fn a_board_entry_of_the_wrong_kind_is_an_error_not_an_empty_board() {
    for (entry, path) in [
        ("claims", "claims"),
        ("tasks", "tasks"),
        ("handoffs", "handoffs"),
        ("meta.json/x", "meta.json"),
    ] {
        let w = World::new();
        let mut files = vec![(entry, "[]\n")];
        if entry != "meta.json/x" {
            files.push(("meta.json", "{\"schema\":1,\"kind\":\"claims\"}\n"));
        }
        plant(&w, &files);
        let a = w.clone("a");
        let before = w.remote_coord_refs();
        let r = a.as_("alice", &["status"]);
        r.code(2);
        assert!(
            r.stderr
                .contains(&format!("refs/coord/claims:{path} is not valid git-coord data")),
            "{entry}: {}",
            r.stderr
        );
        a.as_("alice", &["claim", "src/main.ts"]).code(2);
        assert_eq!(w.remote_coord_refs(), before, "{entry}: nothing written over it");
        w.git_in(&w.remote(), &["fsck", "--no-dangling"]);
    }
}

#[test]
fn text_from_other_agents_never_reaches_the_terminal_raw() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    let evil = "hi\x1b]0;pwned\x07\x1b[31mred\u{202e}txt";
    a.as_("alice", &["claim", "src/main.ts", "--note", evil]).ok();
    a.as_("alice", &["task", "add", evil, "--scope", "README.md"]).ok();
    a.as_("alice", &["handoff", "write", "--summary", evil]).ok();
    let scope = a.as_("alice", &["claim", "db:x\x1b[2J"]);
    scope.code(2);
    assert!(scope.stderr.contains("control character"), "{}", scope.stderr);
    assert!(!scope.stderr.contains('\x1b'), "errors escape what they echo");
    for args in [
        &["status"][..],
        &["task", "list"],
        &["handoff", "list"],
        &["inbox"],
        &["log"],
        &["who", "src/main.ts"],
        &["check", "src/main.ts"],
        &["claim", "src/main.ts"],
    ] {
        let r = b.as_("bob", args);
        for (name, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            assert!(
                !text.contains('\x1b') && !text.contains('\x07') && !text.contains('\u{202e}'),
                "{args:?} {name} carries raw control characters: {text:?}"
            );
        }
    }
    // --json keeps the exact text, escaped by JSON itself.
    let j = b.as_("bob", &["status", "--json"]).json();
    assert_eq!(j["claims"][0]["note"], evil);
    // One subject line whatever the text: it cannot forge a trailer.
    let forged = "db:y\nCoord-Agent: admin";
    a.as_("alice", &["claim", forged]).code(2);
    let msg = w.git_in(&w.remote(), &["log", "-3", "--format=%s"]);
    assert!(msg.lines().all(|l| !l.contains('\x1b')), "{msg:?}");
}

#[test]
fn malformed_input_to_every_command_exits_within_the_contract() {
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/main.ts"]).ok();
    let cases: &[&[&str]] = &[
        &["verify", "HEAD~50..HEAD"],
        &["verify", "nonexistent..HEAD"],
        &["verify", "..."],
        &["verify", "HEAD^{tree}..HEAD"],
        &["release", "c-deadbeef"],
        &["release", "c-zz"],
        &["release", "--scope", "../x"],
        &["renew", "c-deadbeef"],
        &["renew", "--all", "--ttl", "-5m"],
        &["claim", "src/main.ts", "--ttl", "99999999999d"],
        &["claim", "src/main.ts", "--wait", "x"],
        &["claim", "--urgency", "now", "x.ts"],
        &["check", "src/[.ts"],
        &["who", ""],
        &["log", "--since", "yesterday-ish"],
        &["log", "--limit", "-1"],
        &["symbols", "nope.ts"],
        &["symbols", "src/main.ts", "--rev", "nope"],
        &["task", "show", "t-00000000"],
        &["task", "claim", "bogus"],
        &["task", "done", "t-00000000", "--token", "x"],
        &["handoff", "show", "h-00000000"],
        &["handoff", "ack", "nope"],
        &["--agent", "a b", "status"],
        &["status", "--bogus-flag"],
        &["nonsense-command"],
    ];
    for args in cases {
        let r = a.as_("alice", args);
        let code = r.code;
        assert!((0..=3).contains(&code), "{args:?} exited {code}: {}", r.stderr);
        for internal in ["NthAncestor", "NotFound", "Error {", "Some(", "Os {", "panicked"] {
            assert!(!r.stderr.contains(internal), "{args:?} shows internals: {}", r.stderr);
        }
    }
    assert_eq!(a.as_("alice", &["release", "c-deadbeef"]).code, 2);
}

/// An empty lock file last touched a minute ago, as a killed process leaves it.
fn stale_lock(path: &std::path::Path) {
    std::fs::write(path, "").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(old)
        .unwrap();
}

#[test]
fn a_lock_left_by_a_killed_process_never_wedges_the_clone() {
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "docs/**"]).ok();
    for lock in ["refs/coord/claims.lock", "packed-refs.lock"] {
        let path = a.dir.join(".git").join(lock);
        stale_lock(&path);
        let r = a.as_("alice", &["claim", "src/main.ts", "--json"]);
        r.ok();
        assert_eq!(r.json()["pending"], false, "{lock}: {}", r.stderr);
        assert!(r.stderr.contains("lock file left by a stopped process"), "{}", r.stderr);
        assert!(!path.exists(), "{lock} cleared");
        a.as_("alice", &["release", "--scope", "src/main.ts"]).ok();
    }
    // A fresh lock (a process killed a moment ago) is cleared at once when no other
    // git-coord process is alive in the repository.
    let path = a.dir.join(".git/refs/coord/claims.lock");
    std::fs::write(&path, "").unwrap();
    let started = std::time::Instant::now();
    let r = a.as_("alice", &["claim", "src/main.ts"]);
    r.ok();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(r.stderr.contains("lock file left by a stopped process"), "{}", r.stderr);
    a.as_("alice", &["release", "--scope", "src/main.ts"]).ok();
    // Without a remote the local ref is the arbiter: the same lock must not give exit 70.
    let solo = w.repo("a");
    solo.git(&["config", "coord.remote", "none"]);
    let path = a.dir.join(".git/refs/coord/claims.lock");
    stale_lock(&path);
    solo.as_("alice", &["claim", "README.md"]).ok();
}
