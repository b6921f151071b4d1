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
    // The probe ref is gone (init started an empty board root); a plain branch push still
    // pushes only the branch.
    let coord = w.remote_coord_refs();
    assert_eq!(coord.lines().count(), 1, "{coord}");
    assert!(coord.ends_with("refs/coord/claims\n"), "{coord}");
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
    let before = w.remote_coord_refs();
    let j = a.as_("alice", &["claim", "src/main.ts", "--offline", "--json"]);
    j.ok();
    let j = j.json();
    assert_eq!(j["pending"], true);
    assert_eq!(j["synced"], false);
    assert_eq!(w.remote_coord_refs(), before, "offline must not touch the remote");
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
    // The history over every board ref lists each operation once, in the order they saw
    // each other (bob's last write planned on a board that held alice's claim).
    let log = b.as_("bob", &["log", "--json"]).json();
    let subjects: Vec<&str> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
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
    o.as_("mallory", &["claim", "docs/**"]).ok();
    other.git_in(
        &other.remote(),
        &[
            "push",
            "-q",
            "-f",
            w.remote().to_str().unwrap(),
            "refs/coord/*:refs/coord/*",
        ],
    );
    let r = a.as_("alice", &["release", "--scope", "docs/**", "--json"]);
    r.code(3);
    let j = r.json();
    assert_eq!(j["error"]["code"], "diverged", "{j}");
    assert!(
        j["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("'+refs/coord/*:refs/coord/*'"),
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

/// A board written before shards (schema 1: every claim on the root) is read as it is, and
/// the next write moves its claims to their shards and marks the root schema 3, so a client
/// of the old version stops there instead of reading a root without the claims.
#[test]
fn a_board_from_before_shards_is_read_and_upgraded_by_the_next_write() {
    // A claim as this version stores it, planted on a schema 1 root.
    let donor = World::new();
    let d = donor.clone("d");
    let id = d.as_("alice", &["claim", "src/main.ts", "--json"]).json()["claims"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bucket = &id[2..4];
    let text = donor.board_claims_text();
    assert!(text.contains(&id), "{text}");
    let w = World::new();
    crate::errors::plant(
        &w,
        &[
            ("meta.json", "{\"schema\":1,\"kind\":\"claims\"}\n"),
            (&format!("claims/{bucket}.json"), text.as_str()),
        ],
    );
    let b = w.clone("b");
    let who = b.as_("bob", &["who", "src/main.ts", "--json"]).json();
    assert_eq!(who["claims"][0]["id"], id.as_str(), "{who}");
    b.as_("bob", &["claim", "src/main.ts"]).code(1);
    // bob's next write (elsewhere) upgrades the board: the root turns schema 3 and alice's
    // claim moves to its shard, where it still blocks bob.
    b.as_("bob", &["claim", "db:users"]).ok();
    let meta = w.git_in(&w.remote(), &["show", "refs/coord/claims:meta.json"]);
    assert!(meta.contains("\"schema\":3"), "{meta}");
    let root_tree = w.git_in(&w.remote(), &["ls-tree", "-r", "--name-only", "refs/coord/claims"]);
    assert!(!root_tree.contains("claims/"), "{root_tree}");
    assert!(w.board_claims_text().contains(&id));
    let fresh = w.clone("c");
    fresh.as_("carol", &["claim", "src/main.ts"]).code(1);
    let who = fresh.as_("carol", &["who", "src/main.ts", "--json"]).json();
    assert_eq!(who["claims"][0]["agent"], "alice", "{who}");
}

/// Reads of one clone share a fetch younger than `[network] fresh_for` (default 1s) and say
/// how old their view is; `coord.freshFor` sets it for one clone; writes always decide on
/// the remote's board.
#[test]
fn reads_share_a_fetch_within_fresh_for() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.plain_clone("b");
    b.run(&["init", "--no-hooks"]).ok();
    let first = b.as_("bob", &["check", "src/main.ts", "--json"]).json();
    assert_eq!(first["safe"], true);
    assert!(first["view_age_ms"].as_u64().unwrap() < 1000, "{first}");
    a.as_("alice", &["claim", "src/main.ts"]).ok();
    // Within the window bob's clone answers from the fetch it just made, and says so.
    let t = std::time::Instant::now();
    let again = b.as_("bob", &["check", "src/main.ts", "--json"]).json();
    if t.elapsed() < std::time::Duration::from_millis(900) {
        assert_eq!(again["safe"], true, "{again}");
        assert!(again["view_age_ms"].as_u64().unwrap() > 0, "{again}");
    }
    // A write never trusts the window: bob's claim is refused on the remote's board.
    b.as_("bob", &["claim", "src/main.ts"]).code(1);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let later = b.as_("bob", &["check", "src/main.ts", "--json"]).json();
    assert_eq!(later["safe"], false, "{later}");
    // With coord.freshFor = 0s every read fetches.
    b.fresh_reads();
    a.as_("alice", &["release", "--all"]).ok();
    let now = b.as_("bob", &["check", "src/main.ts", "--json"]).json();
    assert_eq!(now["safe"], true, "{now}");
    b.git(&["config", "coord.freshFor", "soon"]);
    let bad = b.as_("bob", &["status"]);
    bad.code(2);
    assert!(bad.stderr.contains("coord.freshFor"), "{}", bad.stderr);
}

/// A write that moves many refs lands whole or not at all: a wide claim planned on a stale
/// board is pushed to the root and every shard at once, loses its lease on the one shard
/// another clone moved meanwhile, and leaves nothing on any ref; planned again on the
/// fetched board it is refused.
#[test]
fn a_lease_lost_on_one_shard_fails_the_whole_push() {
    let w = World::with_files(crate::concurrency::FILES);
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_("alice", &["claim", "src/main.ts"]).ok();
    b.as_("bob", &["status"]).ok();
    // bob moves the docs shard; alice's clone has not seen it.
    b.as_("bob", &["claim", "docs/x.md"]).ok();
    let before = w.remote_coord_refs();
    let r = a.as_("alice", &["claim", "**/*.md", "--json"]);
    r.code(1);
    let j = r.json();
    assert_eq!(j["decision"], "conflict", "{j}");
    assert_eq!(j["conflicts"][0]["claim"]["agent"], "bob", "{j}");
    let after = w.remote_coord_refs();
    let moved: Vec<&str> = after
        .lines()
        .filter(|l| l.contains("refs/coord/claims") || l.contains("refs/coord/shards/"))
        .filter(|l| !before.contains(*l))
        .collect();
    assert!(moved.is_empty(), "no board ref moved: {moved:?}");
    // The push of every shard went through temporary refs, all gone again.
    assert_eq!(a.git(&["for-each-ref", "refs/coord-push/"]), "");
    assert!(!w.board_claims_text().contains("**/*.md"));
    // And once bob lets go, the wide claim lands on the root and in every shard, each one
    // on the root's list.
    b.as_("bob", &["release", "--all"]).ok();
    a.as_("alice", &["claim", "**/*.md"]).ok();
    let shards = w.git_in(
        &w.remote(),
        &["for-each-ref", "--format=%(refname)", "refs/coord/shards/"],
    );
    let list = w.git_in(&w.remote(), &["show", "refs/coord/claims:shards.json"]);
    let listed: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    assert_eq!(
        shards.lines().count(),
        listed.len(),
        "every listed shard exists: {shards}"
    );
    assert_eq!(listed.len(), git_coord::model::layout::SHARDS as usize, "{list}");
    let lines: Vec<&str> = shards.lines().collect();
    for shard in [lines[0], lines[lines.len() / 2], lines[lines.len() - 1]] {
        let key = shard.trim_start_matches("refs/coord/shards/");
        assert!(list.contains(&format!("\"{key}\"")), "{key} listed: {list}");
        let held = w.git_in(&w.remote(), &["show", &format!("{shard}:claims/all.json")]);
        assert!(held.contains("**/*.md"), "{shard}: {held}");
    }
    b.as_("bob", &["claim", "docs/x.md"]).code(1);
    crate::concurrency::audit_remote(&w);
}

#[test]
fn a_lost_race_on_a_shard_the_remote_lacks_fetches_nothing_for_it_and_creates_it_again() {
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/x/**"]).ok();
    let listed = |w: &World| {
        w.git_in(
            &w.remote(),
            &["for-each-ref", "--format=%(refname)", "refs/coord/shards/"],
        )
    };
    let shard = listed(&w).trim().to_owned();
    assert!(shard.starts_with("refs/coord/shards/"), "{shard}");
    // The remote loses that shard (restored from an older backup); alice's clone still has it.
    w.git_in(&w.remote(), &["update-ref", "-d", &shard]);
    // Her next write there is leased on a commit the remote lacks: the push loses, the fetch
    // of the refs it leased finds nothing for that one (not an error: nothing is pending),
    // and the write creates the shard again.
    let r = a.as_("alice", &["claim", "src/y/**", "--json"]);
    r.ok();
    let j = r.json();
    assert_eq!(
        (j["decision"].as_str(), j["pending"].as_bool()),
        (Some("granted"), Some(false)),
        "{j}"
    );
    assert_eq!(listed(&w).trim(), shard);
    let board = w.board_claims_text();
    assert!(board.contains("src/x/**") && board.contains("src/y/**"), "{board}");
}
