//! The remote: init, offline work, an unreachable remote, sync and its conflicts.

use crate::support::World;

#[test]
fn init_is_idempotent_and_leaves_branch_pushes_alone() {
    let w = World::new();
    let a = w.plain_clone("a");
    let first = a.run(&["init", "--no-hooks", "--json"]);
    first.ok();
    let j = first.json();
    assert_eq!(j["ok"], true);
    let probe = j["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "probe")
        .unwrap();
    assert_eq!(probe["status"], "ok");
    a.write(".coord.toml", "# mine\n");
    a.run(&["init", "--no-hooks"]).ok();
    let fetch = a.git(&["config", "--get-all", "remote.origin.fetch"]);
    assert_eq!(fetch.matches("refs/coord/*:refs/coord/*").count(), 1, "{fetch}");
    assert!(
        !fetch.contains("+refs/coord"),
        "never a forced refspec into refs/coord: {fetch}"
    );
    assert_eq!(std::fs::read_to_string(a.dir.join(".coord.toml")).unwrap(), "# mine\n");
    assert!(a
        .git_status(&["config", "--get-all", "remote.origin.push"])
        .stdout
        .is_empty());
    // The probe ref is gone; a plain branch push still pushes only the branch.
    assert!(w.remote_coord_refs().is_empty(), "{}", w.remote_coord_refs());
    a.as_("alice", &["claim", "src/main.ts"]).ok();
    a.write("new.txt", "x");
    a.git(&["add", "new.txt"]);
    a.git(&["commit", "-q", "-m", "work"]);
    a.git(&["push", "-q", "origin", "main"]);
    // And a plain fetch brings the board to another clone.
    let b = w.clone("b");
    b.git(&["fetch", "-q", "origin"]);
    assert!(!b.git(&["for-each-ref", "refs/coord/claims"]).is_empty());
}

#[test]
fn init_reports_a_remote_that_refuses_coord_refs() {
    let w = World::new();
    let hook = w.remote().join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\nwhile read old new ref; do case \"$ref\" in refs/coord/*) echo 'custom refs are not allowed' >&2; exit 1;; esac; done\n").unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&hook)
        .status()
        .unwrap();
    let a = w.plain_clone("a");
    let r = a.run(&["init", "--no-hooks"]);
    r.code(3);
    assert!(r.stdout.contains("refuses refs under refs/coord/"), "{}", r.stdout);
    let r = a.as_("alice", &["claim", "src/main.ts"]);
    r.code(3);
    assert!(r.stderr.contains("refused"), "{}", r.stderr);
    assert!(r.stderr.contains("pending"), "{}", r.stderr);
}

#[test]
fn offline_claims_are_pending_until_sync() {
    let w = World::new();
    let a = w.clone("a");
    let j = a.as_("alice", &["claim", "src/main.ts", "--offline", "--json"]);
    j.ok();
    let j = j.json();
    assert_eq!(j["pending"], true);
    assert_eq!(j["synced"], false);
    assert!(w.remote_coord_refs().is_empty(), "offline must not touch the remote");
    let s = a.as_("alice", &["status", "--json", "--offline"]).json();
    assert_eq!(s["pending"].as_array().unwrap().len(), 1);
    assert_eq!(
        s["claims"].as_array().unwrap().len(),
        1,
        "the local view includes pending ops"
    );
    let doctor = a.as_("alice", &["doctor"]);
    assert!(doctor.stdout.contains("git coord sync"), "{}", doctor.stdout);
    let r = a.as_("alice", &["sync", "--json"]);
    r.ok();
    assert_eq!(r.json()["confirmed"].as_array().unwrap().len(), 1);
    let b = w.clone("b");
    let r = b.as_("bob", &["check", "src/main.ts", "--json"]);
    r.code(1);
    assert!(a.as_("alice", &["status", "--json"]).json()["pending"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn an_unreachable_remote_keeps_the_operation_pending_and_exits_3() {
    let w = World::new();
    let a = w.clone("a");
    let url = w.remote().to_str().unwrap().to_owned();
    a.git(&["remote", "set-url", "origin", "/nonexistent/remote.git"]);
    let r = a.as_("alice", &["claim", "src/auth/**", "--json"]);
    r.code(3);
    let j = r.json();
    assert_eq!(j["pending"], true);
    assert_eq!(j["reason"], "unreachable", "{j}");
    assert!(j["error"].as_str().unwrap().contains("nonexistent"), "{j}");
    let human = a.as_("alice", &["claim", "db:users"]);
    human.code(3);
    assert!(human.stderr.contains("unreachable"), "{}", human.stderr);
    // Reads fall back to the local copy and say so.
    let s = a.as_("alice", &["status"]);
    s.ok();
    assert!(s.stderr.contains("could not refresh"), "{}", s.stderr);
    let r = a.as_("alice", &["sync"]);
    r.code(3);
    assert!(r.stderr.contains("2 operation(s) kept as pending"), "{}", r.stderr);
    a.git(&["remote", "set-url", "origin", &url]);
    let r = a.as_("alice", &["sync", "--json"]);
    r.ok();
    assert_eq!(r.json()["confirmed"].as_array().unwrap().len(), 2);
    let b = w.clone("b");
    assert_eq!(b.claim_ids().len(), 2);
}

#[test]
fn a_pending_claim_that_now_conflicts_is_reported_by_sync() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_("alice", &["claim", "src/auth/**", "--offline"]).ok();
    b.as_("bob", &["claim", "src/auth/login.ts"]).ok();
    let r = a.as_("alice", &["sync", "--json"]);
    r.code(1);
    let j = r.json();
    assert_eq!(j["conflicted"].as_array().unwrap().len(), 1);
    assert_eq!(j["conflicted"][0]["conflicts"][0]["claim"]["agent"], "bob");
    let human_pending = a.as_("alice", &["status", "--json"]).json();
    assert!(
        human_pending["pending"].as_array().unwrap().is_empty(),
        "reported, then dropped"
    );
}

#[test]
fn a_lost_race_is_replayed_against_the_new_state() {
    // b writes on a stale tip: its lease fails, it fetches, re-judges and is refused.
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    b.as_("bob", &["claim", "docs/**"]).ok();
    a.as_("alice", &["status"]).ok();
    a.as_("alice", &["claim", "src/auth/**"]).ok();
    // b has not fetched since; its claim must not be granted on the stale view.
    let r = b.as_("bob", &["claim", "src/auth/login.ts", "--json"]);
    r.code(1);
    assert_eq!(r.json()["conflicts"][0]["claim"]["agent"], "alice");
    // And a free claim from the stale clone lands on top of alice's.
    b.as_("bob", &["claim", "db:users"]).ok();
    let log = w.git_in(&w.remote(), &["log", "--format=%s", "refs/coord/claims"]);
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        ["bob claims db:users", "alice claims src/auth/**", "bob claims docs/**"]
    );
}

#[test]
fn a_replaced_remote_board_is_reported_as_diverged_with_what_to_do() {
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "docs/**"]).ok();
    // Somebody replaces the remote's board with one of unrelated history.
    let other = crate::support::World::new();
    let o = other.clone("o");
    o.as_("mallory", &["claim", "db:x"]).ok();
    other.git_in(
        &other.remote(),
        &[
            "push",
            "-q",
            "-f",
            w.remote().to_str().unwrap(),
            "refs/coord/claims:refs/coord/claims",
        ],
    );
    let r = a.as_("alice", &["claim", "src/main.ts", "--json"]);
    r.code(3);
    let j = r.json();
    assert_eq!(j["error"]["code"], "diverged", "{j}");
    assert!(
        j["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("+refs/coord/claims:refs/coord/claims"),
        "{j}"
    );
    let r = a.as_("alice", &["sync"]);
    r.code(3);
    assert!(r.stderr.contains("does not descend"), "{}", r.stderr);
}

#[test]
fn a_refusal_by_the_servers_hook_is_not_reported_as_an_outage() {
    let w = World::new();
    let a = w.clone("a");
    let hook = w.remote().join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'board frozen for the release' >&2\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = a.as_("alice", &["claim", "docs/**", "--json"]);
    r.code(3);
    let j = r.json();
    assert_eq!(j["error"]["code"], "remote-refused", "{j}");
    assert!(
        r.stderr.contains("board frozen for the release"),
        "the server's reason: {}",
        r.stderr
    );
    assert!(r.stderr.contains("the remote is up"), "{}", r.stderr);
    assert!(!r.stderr.contains("when the remote is back"), "{}", r.stderr);
}
