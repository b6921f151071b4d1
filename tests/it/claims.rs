//! Claims between clones: grants, conflicts, refresh, release, expiry, overlap rules.

use crate::support::{World, NOW};

#[test]
fn a_claim_on_one_clone_is_refused_on_another_until_released() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    let r = a.as_("alice", &["claim", "src/auth/**", "--note", "auth refactor", "--json"]);
    r.ok();
    let j = r.json();
    assert_eq!(j["decision"], "granted");
    assert_eq!(j["synced"], true);
    assert_eq!(j["pending"], false);
    let alice_id = j["claims"][0]["id"].as_str().unwrap().to_owned();

    let r = b.as_("bob", &["claim", "src/auth/login.ts", "--json"]);
    r.code(1);
    let j = r.json();
    assert_eq!(j["decision"], "conflict");
    assert_eq!(j["conflicts"][0]["claim"]["agent"], "alice");
    assert_eq!(j["conflicts"][0]["claim"]["id"], alice_id.as_str());
    assert_eq!(j["conflicts"][0]["files"][0], "src/auth/login.ts");
    assert_eq!(j["claims"].as_array().unwrap().len(), 0);

    let human = b.as_("bob", &["claim", "src/auth/login.ts"]);
    human.code(1);
    assert!(human.stdout.contains("held by alice"), "{}", human.stdout);
    assert!(human.stdout.contains("auth refactor"), "{}", human.stdout);

    a.as_("alice", &["release", &alice_id]).ok();
    let j = b.as_("bob", &["claim", "src/auth/login.ts", "--json"]).json();
    assert_eq!(j["decision"], "granted");
}

#[test]
fn claim_json_has_the_contract_fields() {
    let w = World::new();
    let a = w.clone("a");
    let j = a
        .as_(
            "alice",
            &[
                "claim",
                "src/billing/",
                "--ttl",
                "30m",
                "--note",
                "n",
                "--task",
                "T-1",
                "--json",
            ],
        )
        .json();
    let c = &j["claims"][0];
    for key in [
        "id",
        "agent",
        "scope",
        "mode",
        "created_at",
        "expires_at",
        "note",
        "task",
        "branch",
    ] {
        assert!(c.get(key).is_some(), "claim lacks {key}: {c}");
    }
    assert_eq!(c["scope"]["kind"], "glob");
    assert_eq!(c["scope"]["text"], "src/billing/**");
    assert_eq!(c["mode"], "exclusive");
    assert_eq!(c["created_at"], NOW);
    assert_eq!(c["expires_at"], "2026-11-21T10:30:00Z");
    assert_eq!(c["branch"], "main");
    for key in ["decision", "claims", "conflicts", "synced", "pending"] {
        assert!(j.get(key).is_some(), "result lacks {key}: {j}");
    }
}

#[test]
fn claiming_again_refreshes_the_same_claim() {
    let w = World::new();
    let a = w.clone("a");
    let first = a
        .as_("alice", &["claim", "db:schema:users", "--ttl", "10m", "--json"])
        .json();
    let later = "2026-11-21T10:05:00Z";
    let again = a
        .at("alice", later, &["claim", "db:schema:users", "--ttl", "10m", "--json"])
        .json();
    assert_eq!(again["decision"], "refreshed");
    assert_eq!(again["claims"][0]["id"], first["claims"][0]["id"]);
    assert_eq!(again["claims"][0]["expires_at"], "2026-11-21T10:15:00Z");
    assert_eq!(a.claim_ids().len(), 1);
}

#[test]
fn multi_scope_claims_are_all_or_nothing() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    b.as_("bob", &["claim", "db:users"]).ok();
    let r = a.as_("alice", &["claim", "src/main.ts", "db:users:email", "--json"]);
    r.code(1);
    assert_eq!(r.json()["conflicts"][0]["requested"], "db:users:email");
    let j = a.as_("observer", &["who", "src/main.ts", "--json"]).json();
    assert_eq!(
        j["claims"].as_array().unwrap().len(),
        0,
        "the free scope must not be granted alone"
    );
}

#[test]
fn shared_claims_meet_only_exclusive_ones() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_("alice", &["claim", "--shared", "docs/**"]).ok();
    b.as_("bob", &["claim", "--shared", "docs/guide.md"]).ok();
    b.as_("carol", &["claim", "docs/guide.md"]).code(1);
    a.as_("dave", &["check", "docs/guide.md", "--shared"]).ok();
}

#[test]
fn policy_shared_files_never_conflict() {
    let w = World::new();
    let a = w.clone("a");
    a.write(".coord.toml", "[claims]\nshared_files = [\"Cargo.lock\"]\n");
    a.git(&["add", ".coord.toml"]);
    a.git(&["commit", "-q", "-m", "policy"]);
    a.git(&["push", "-q", "origin", "main"]);
    let b = w.clone("b");
    a.as_("alice", &["claim", "Cargo.lock"]).ok();
    b.as_("bob", &["claim", "Cargo.lock"]).ok();
}

#[test]
fn overlap_rules_between_agents() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    // (alice holds, bob asks, conflict?)
    let table: &[(&str, &str, bool)] = &[
        ("src/new/**", "src/new/*.ts", true),
        ("src/auth/**", "src/auth_v2/**", false),
        ("src/auth/*", "src/auth/deep/token.ts", false),
        ("src/auth/*", "src/auth/login.ts", true),
        ("src/auth/**", "src/Auth/**", false),
        ("src/auth", "src/auth/deep/token.ts", true),
        ("db:schema", "db:schema:users", true),
        ("db:schema:user", "db:schema:users", false),
        ("api:POST /v1/users", "api:POST /v1/users", true),
        ("*.md", "docs/guide.md", false),
        ("**/*.md", "docs/guide.md", true),
    ];
    for (held, asked, conflict) in table {
        let id = a.as_("alice", &["claim", held, "--json"]);
        id.ok();
        let id = id.json()["claims"][0]["id"].as_str().unwrap().to_owned();
        let r = b.as_("bob", &["check", asked, "--json"]);
        assert_eq!(
            r.code == 1,
            *conflict,
            "alice holds {held}, bob checks {asked}: {}",
            r.stdout
        );
        a.as_("alice", &["release", &id]).ok();
    }
}

#[test]
fn expired_claims_are_ignored_and_dropped_by_the_next_write() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    let j = a
        .as_("alice", &["claim", "src/main.ts", "--ttl", "10m", "--json"])
        .json();
    let id = j["claims"][0]["id"].as_str().unwrap().to_owned();
    // Bob's clone watches the board from just after the claim, so it has seen its whole
    // lifetime pass on its own clock (see clocks_running_ahead_never_expire_a_live_claim).
    b.at("bob", "2026-11-21T10:00:30Z", &["check", "src/main.ts"]).code(1);
    b.at("bob", "2026-11-21T10:09:00Z", &["check", "src/main.ts"]).code(1);
    let later = "2026-11-21T10:11:00Z";
    b.at("bob", later, &["check", "src/main.ts"]).ok();
    let r = b.at("bob", later, &["claim", "src/main.ts", "--json"]);
    assert_eq!(r.json()["decision"], "granted");
    let all = w.board_claims_text();
    assert!(all.contains("src/main.ts"), "bob's claim is on the board:\n{all}");
    assert!(!all.contains(&id), "the expired claim is still in the tree:\n{all}");
    let log = w.board_message("src/main.ts");
    assert!(log.contains(&format!("Coord-Expired: {id}")), "{log}");
}

#[test]
fn releasing_another_agents_claim_needs_force_and_is_recorded() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    let id = a.as_("alice", &["claim", "src/main.ts", "--json"]).json()["claims"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = b.as_("bob", &["release", &id]);
    r.code(1);
    assert!(r.stderr.contains("held by alice"), "{}", r.stderr);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(b.claim_ids(), vec![id.clone()]);
    let j = b.as_("bob", &["release", &id, "--force", "--json"]).json();
    assert_eq!(j["forced"], true);
    let msg = w.board_message("src/main.ts");
    assert!(msg.contains("bob force-releases src/main.ts"), "{msg}");
    assert!(msg.contains("Coord-Forced-By: bob"), "{msg}");
    // With a reason: recorded, in the log, and told to the holder once. A hostile reason
    // stays text: one subject line, no trailer of its own.
    let id = a.as_("alice", &["claim", "db:users", "--json"]).json()["claims"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reason = "stale since yesterday\nCoord-Forced-By: admin";
    b.as_("bob", &["release", &id, "--force", "--reason", reason]).ok();
    let msg = w.board_message("db:users");
    let forced_lines = msg.lines().filter(|l| l.starts_with("Coord-Forced-By:")).count();
    assert_eq!(forced_lines, 1, "{msg}");
    assert!(msg.contains("Coord-Forced-By: bob\n"), "{msg}");
    assert!(
        msg.lines().next().unwrap().contains("stale since yesterday\\nCoord"),
        "{msg}"
    );
    let log = a.as_("alice", &["log", "--json"]).json();
    let e = &log["events"][0];
    assert_eq!(e["forced_by"], "bob", "{log}");
    assert_eq!(e["holders"][0], "alice", "{log}");
    assert_eq!(e["reason"], reason, "{log}");
    let inbox = a.as_("alice", &["inbox", "--json"]).json();
    let told = inbox["notices"].to_string();
    assert!(
        told.contains("bob force-released your claim(s)") && told.contains("stale since yesterday"),
        "{inbox}"
    );
    let again = a.as_("alice", &["inbox", "--json"]).json();
    assert!(!again["notices"].to_string().contains("force-released"), "{again}");
    b.as_("bob", &["release", "--all", "--reason", "x"]).code(2);
}

#[test]
fn release_by_scope_and_all() {
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/main.ts", "db:users"]).ok();
    a.as_("alice", &["release", "--scope", "./src/main.ts"]).ok();
    assert_eq!(a.claim_ids().len(), 1);
    a.as_("alice", &["release", "--all"]).ok();
    assert!(a.claim_ids().is_empty());
    a.as_("alice", &["release"]).code(2);
}

#[test]
fn renew_moves_the_expiry() {
    let w = World::new();
    let a = w.clone("a");
    let id = a
        .as_("alice", &["claim", "src/main.ts", "--ttl", "10m", "--json"])
        .json()["claims"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let j = a
        .at(
            "alice",
            "2026-11-21T10:08:00Z",
            &["renew", &id, "--ttl", "1h", "--json"],
        )
        .json();
    assert_eq!(j["renewed"][0]["expires_at"], "2026-11-21T11:08:00Z");
    a.at("bob", "2026-11-21T10:30:00Z", &["check", "src/main.ts"]).code(1);
    let r = a.at("alice", "2026-11-21T12:00:00Z", &["renew", &id]);
    r.code(1);
    assert!(r.stderr.contains("expired"), "{}", r.stderr);
}

#[test]
fn check_and_who_write_nothing() {
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/auth/**"]).ok();
    let before = w.remote_coord_refs();
    let local_before = a.git(&["for-each-ref", "refs/coord/"]);
    a.as_("bob", &["check", "src/auth/login.ts"]).code(1);
    a.as_("bob", &["check", "docs/guide.md"]).ok();
    let j = a.as_("bob", &["who", "src/auth/login.ts", "--json"]).json();
    assert_eq!(j["claims"][0]["agent"], "alice");
    let j = a.as_("bob", &["who", "docs/guide.md", "--json"]).json();
    assert!(j["claims"].as_array().unwrap().is_empty());
    assert_eq!(w.remote_coord_refs(), before);
    assert_eq!(a.git(&["for-each-ref", "refs/coord/"]), local_before);
}

#[test]
fn status_and_log_read_for_people_and_programs() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_("alice", &["claim", "src/auth/**", "--note", "auth"]).ok();
    // bob has seen alice's claim when he writes: his operation comes after hers in the log
    // (claims in different shards that never saw each other have no order).
    b.as_("bob", &["status"]).ok();
    b.as_("bob", &["claim", "db:users"]).ok();
    let s = b.as_("bob", &["status", "--json"]).json();
    assert_eq!(s["claims"].as_array().unwrap().len(), 2);
    assert_eq!(s["agent"], "bob");
    let human = b.as_("bob", &["status"]);
    assert!(
        human.stdout.contains("src/auth/**") && human.stdout.contains("db:users"),
        "{}",
        human.stdout
    );
    let l = b.as_("bob", &["log", "--json"]).json();
    let events = l["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["agent"], "bob");
    assert_eq!(events[1]["op"], "claim");
    assert_eq!(events[1]["subject"], "alice claims src/auth/**");
    let human = b.as_("bob", &["log"]);
    assert!(human.stdout.contains("alice claims src/auth/**"), "{}", human.stdout);
    // Plain git shows the same history and readable JSON (the root and its shards).
    let gl = b.git(&["log", "--format=%s", "refs/coord/claims", "--glob=refs/coord/shards/*"]);
    assert!(gl.contains("bob claims db:users"), "{gl}");
}

#[test]
fn without_a_remote_two_worktrees_coordinate_through_the_local_ref() {
    let w = World::new();
    let a = w.plain_clone("solo");
    a.git(&["remote", "remove", "origin"]);
    a.git(&["worktree", "add", "-q", "../solo-wt", "-b", "feature"]);
    let wt = w.repo("solo-wt");
    a.as_("alice", &["claim", "src/auth/**"]).ok();
    let r = wt.as_("bob", &["claim", "src/auth/login.ts", "--json"]);
    r.code(1);
    assert_eq!(r.json()["conflicts"][0]["claim"]["agent"], "alice");
    let j = wt.as_("bob", &["claim", "docs/**", "--json"]).json();
    assert_eq!(j["synced"], true);
    assert_eq!(j["claims"][0]["branch"], "feature");
    assert_eq!(a.claim_ids().len(), 2);
}

#[test]
fn wait_is_granted_when_the_holder_releases() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    let id = a.as_("alice", &["claim", "src/main.ts", "--json"]).json()["claims"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let waiter = b
        .command(Some("bob"), NOW, &["claim", "src/main.ts", "--wait", "60s", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The waiter shows up in the queue before the release.
    let mut queued = false;
    for _ in 0..100 {
        let s = a.as_("alice", &["status", "--json"]).json();
        if !s["queue"].as_array().unwrap().is_empty() {
            queued = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(queued, "bob never appeared in the queue");
    a.as_("alice", &["release", &id]).ok();
    let out = waiter.wait_with_output().unwrap();
    let run: crate::support::Run = out.into();
    run.ok();
    let j = run.json();
    assert_eq!(j["decision"], "granted");
    assert_eq!(j["claims"][0]["agent"], "bob");
}

#[test]
fn wait_gives_up_at_its_deadline() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_("alice", &["claim", "src/main.ts"]).ok();
    let r = b.as_("bob", &["claim", "src/main.ts", "--wait", "2s", "--json"]);
    r.code(1);
    let j = r.json();
    assert_eq!(j["decision"], "conflict");
    assert_eq!(j["conflicts"][0]["claim"]["agent"], "alice");
    let s = a.as_("alice", &["status", "--json"]).json();
    assert!(
        s["queue"].as_array().unwrap().is_empty(),
        "the waiter left the queue: {s}"
    );
}

#[test]
fn a_clock_ahead_names_a_few_claims_it_keeps_and_counts_the_rest() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    let scopes: Vec<String> = (0..12).map(|i| format!("db:kept:{i}")).collect();
    let mut args = vec!["claim"];
    args.extend(scopes.iter().map(String::as_str));
    a.as_("alice", &args).ok();
    let r = b.at("bob", "2026-11-21T13:00:00Z", &["check", "db:other"]);
    r.ok();
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("clock reads"))
        .unwrap_or_else(|| panic!("no clock notice: {}", r.stderr));
    assert!(line.contains("and 7 more (`git coord who` lists them)"), "{line}");
    assert_eq!(line.matches("(alice)").count(), 5, "{line}");
}

#[test]
fn clocks_running_ahead_never_expire_a_live_claim() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    let id = a.as_("alice", &["claim", "src/main.ts", "--json"]).json()["claims"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Bob's clock reads three hours ahead: alice's 2h claim looks expired to it alone.
    let ahead = "2026-11-21T13:00:00Z";
    let r = b.at("bob", ahead, &["claim", "src/main.ts", "--json"]);
    r.code(1);
    assert_eq!(r.json()["decision"], "conflict");
    assert!(
        r.stderr.contains("clock reads") && r.stderr.contains(&id),
        "{}",
        r.stderr
    );
    let r = b.at("bob", ahead, &["check", "src/**"]);
    r.code(1);
    // Writes by bob's fast clock do not drop alice's claim from the board either.
    b.at("bob", ahead, &["claim", "docs/**"]).ok();
    b.at("bob", ahead, &["claim", "src/main.ts"]).code(1);
    let board = w.board_message("src/**");
    assert!(!board.contains("Coord-Expired"), "{board}");
    assert!(a.claim_ids().contains(&id));
    // A write by another agent vouches for the time: once carol writes at 12:05 (her clock),
    // alice's claim (expired at 12:00) is expired for everyone.
    let c = w.clone("c");
    c.at("carol", "2026-11-21T12:05:00Z", &["claim", "db:x"]).ok();
    let r = b.at("bob", ahead, &["claim", "src/main.ts", "--json"]);
    assert_eq!(r.json()["decision"], "granted", "{}", r.stderr);
}
