//! History stays small: `git coord compact` starts a long board ref again at one commit with
//! the same state, its history archived under refs/coord-archive/ — tried against a real
//! bare remote with the pre-receive hook, with a clone that had not seen the compaction and a
//! fresh clone that never saw the old history.

use crate::enforce::{server_with_pre_receive, world};
use crate::support::{Repo, World, NOW};

/// The shard that holds `scope`.
fn shard_of(scope: &str) -> String {
    let home = git_coord::model::Scope::parse(scope, &[]).unwrap().home();
    git_coord::store::refs::board_ref(home.as_deref())
}

/// `rounds` claim/release pairs of `file` by `agent`.
fn churn(r: &Repo, agent: &str, file: &str, rounds: usize) {
    for _ in 0..rounds {
        let j = r.as_(agent, &["claim", file, "--json"]).ok().json();
        let id = j["claims"][0]["id"].as_str().unwrap().to_owned();
        r.as_(agent, &["release", &id]).ok();
    }
}

fn count(r: &Repo, rev: &str) -> usize {
    r.git(&["rev-list", "--count", rev]).trim().parse().unwrap()
}

/// a compacts its shard (alice holds router.ts across it); b has not fetched since.
fn compacted_world() -> (World, Repo, Repo, serde_json::Value) {
    let w = world();
    let _server = server_with_pre_receive(&w);
    let (a, b) = (w.clone_hooked("a"), w.clone_hooked("b"));
    a.as_("alice", &["claim", "src/auth/router.ts"]).ok();
    b.as_("bob", &["status"]).ok();
    churn(&a, "alice", "src/auth/login.ts", 6);
    let r = a.as_("alice", &["compact", "--after", "5", "--json"]);
    (w, a, b, r.ok().json())
}

#[test]
fn a_compacted_board_keeps_its_claims_and_a_fresh_clone_fetches_only_what_came_after() {
    let (w, a, b, report) = compacted_world();
    let shard = shard_of("src/auth/**");
    let compacted = report["compacted"].as_array().unwrap();
    let entry = compacted.iter().find(|c| c["ref"] == shard.as_str()).unwrap();
    assert!(entry["commits"].as_u64().unwrap() >= 13, "{report}");
    let archive = entry["archive"].as_str().unwrap();
    let archived = archive.rsplit('/').next().unwrap();
    // On the remote: the shard is one root commit with the archived tip's tree, and the
    // archive ref keeps the history.
    let server = w.repo("remote.git");
    assert_eq!(count(&server, &shard), 1);
    assert_eq!(server.git(&["rev-parse", archive]).trim(), archived);
    assert_eq!(
        server.git(&["rev-parse", &format!("{shard}^{{tree}}")]),
        server.git(&["rev-parse", &format!("{archived}^{{tree}}")])
    );
    assert!(count(&server, archive) >= 13);

    // b had not seen the churn or the compaction: its next write takes the compacted ref,
    // sees alice's claim, and lands on top of the compaction (the server judges it).
    let r = b.as_("bob", &["claim", "src/auth/router.ts"]);
    r.code(1);
    assert!(r.stdout.contains("alice"), "{}", r.stdout);
    b.as_("bob", &["claim", "src/auth/login.ts"]).ok();
    assert_eq!(count(&server, &shard), 2);
    // b's log reads on into the archive it fetched: alice's first claim is there.
    let log = b.as_("bob", &["log", "--json", "--limit", "100"]).ok().json();
    let events = log["events"].as_array().unwrap();
    assert!(
        events.iter().any(|e| e["op"] == "compact" && e["agent"] == "alice"),
        "{log}"
    );
    let claims_of_router = events
        .iter()
        .filter(|e| e["op"] == "claim" && e["subject"].as_str().unwrap().contains("src/auth/router.ts"))
        .count();
    assert!(claims_of_router >= 1, "{log}");
    assert!(events.len() >= 15, "{log}");

    // A fresh clone fetches the compacted line only, and works.
    // (over git's transport, not a local clone's copy of every object)
    w.git_in(
        w.root(),
        &["clone", "-q", "--no-local", w.remote().to_str().unwrap(), "c"],
    );
    let c = w.repo("c");
    c.run(&["init"]).ok();
    assert_eq!(count(&c, &shard), 2);
    assert!(
        c.git_status(&["cat-file", "-e", archived]).code != 0,
        "the archive came along"
    );
    let who = c.as_("carol", &["status", "--json"]).ok().json();
    let holders: Vec<&str> = who["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["agent"].as_str().unwrap())
        .collect();
    assert!(holders.contains(&"alice") && holders.contains(&"bob"), "{who}");
    // Nothing left to compact now.
    let again = a.as_("alice", &["compact", "--after", "5", "--json"]).ok().json();
    assert_eq!(again["compacted"].as_array().unwrap().len(), 0, "{again}");
}

/// Compacted twice while a clone was away: the newer compaction names only the older one's
/// archive, which names the line this clone knows; the clone fetches both archives, takes the
/// compacted ref and sees every claim (it was reported as a diverged board, exit 3, when only
/// the newest archive was fetched — found by the kill -9 test).
#[test]
fn a_clone_away_for_two_compactions_follows_both_archives() {
    let (w, a, b, _) = compacted_world();
    let shard = shard_of("src/auth/**");
    churn(&a, "alice", "src/auth/login.ts", 3);
    let second = a.as_("alice", &["compact", "--after", "5", "--json"]).ok().json();
    assert!(
        second["compacted"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["ref"] == shard.as_str()),
        "{second}"
    );
    let server = w.repo("remote.git");
    assert_eq!(
        count(&server, &shard),
        1,
        "the shard starts again at the second compaction"
    );
    let s = b.as_("bob", &["status", "--json"]).ok().json();
    assert!(
        s["claims"].as_array().unwrap().iter().any(|c| c["agent"] == "alice"),
        "{s}"
    );
    let r = b.as_("bob", &["claim", "src/auth/router.ts"]);
    r.code(1);
    assert!(r.stdout.contains("alice"), "{}", r.stdout);
    b.as_("bob", &["claim", "src/auth/login.ts"]).ok();
    b.as_("bob", &["sync"]).ok();
}

/// A hand-made commit on the shard, from `b`: `tree`, no parent, `message`.
fn root_commit(b: &Repo, tree: &str, message: &str) -> String {
    b.git(&["commit-tree", tree, "-m", message]).trim().to_owned()
}

fn refused(r: &crate::support::Run, says: &str) {
    assert_ne!(r.code, 0, "the server must refuse: {}", r.stderr);
    assert!(r.stderr.contains(says), "expected {says:?} in: {}", r.stderr);
}

#[test]
fn the_server_takes_a_rewrite_only_when_it_is_a_compaction_that_keeps_the_history() {
    let w = world();
    let _server = server_with_pre_receive(&w);
    let (a, b) = (w.clone_hooked("a"), w.clone_hooked("b"));
    a.as_("alice", &["claim", "src/auth/router.ts"]).ok();
    churn(&a, "alice", "src/auth/login.ts", 2);
    b.as_("bob", &["status"]).ok();
    let shard = shard_of("src/auth/**");
    let tip = b.git(&["rev-parse", &shard]).trim().to_owned();
    let tree = b.git(&["rev-parse", &format!("{shard}^{{tree}}")]).trim().to_owned();
    let archive = format!("refs/coord-archive/{}/{tip}", shard.trim_start_matches("refs/coord/"));
    let push = |specs: &[&str]| {
        let mut args = vec!["push", "--atomic", "--no-verify", "origin"];
        let leased: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
        let lease = format!("--force-with-lease={shard}:{tip}");
        args.push(&lease);
        args.extend(leased.iter().map(String::as_str));
        b.git_as("bob", NOW, &args)
    };
    let compaction = |tree: &str, archived: &str| {
        let seq = "Coord-Seq: 99";
        root_commit(
            &b,
            tree,
            &format!("bob compacts\n\nCoord-Op: compact\nCoord-Agent: bob\nCoord-Archived: {archived}\n{seq}\n"),
        )
    };
    // A root commit that is no compaction: history rewritten.
    let plain = root_commit(&b, &tree, "fresh start");
    refused(&push(&[&format!("{plain}:{shard}")]), "not a fast-forward");
    // A compaction that does not archive what it replaces.
    let good = compaction(&tree, &tip);
    refused(&push(&[&format!("{good}:{shard}")]), "must archive the tip it replaces");
    // A compaction that changes the state on the way (the tree of an older one).
    let older = b.git(&["rev-parse", &format!("{shard}~1^{{tree}}")]).trim().to_owned();
    let dropping = compaction(&older, &tip);
    refused(
        &push(&[&format!("{dropping}:{shard}"), &format!("{tip}:{archive}")]),
        "tree is not that of the commit it archives",
    );
    // An archive ref made up on its own.
    let r = b.git_as(
        "bob",
        NOW,
        &["push", "--no-verify", "origin", &format!("{tip}:{archive}")],
    );
    refused(&r, "archived history is created only by the push that compacts");
    // The real thing is taken, and the archive can never be moved or deleted after.
    push(&[&format!("{good}:{shard}"), &format!("{tip}:{archive}")]).ok();
    let r = b.git_as("bob", NOW, &["push", "--no-verify", "origin", &format!(":{archive}")]);
    refused(&r, "never moved or deleted");
    // alice, behind the compaction, still holds router.ts and works on.
    let r = a.as_("bob", &["claim", "src/auth/router.ts"]);
    r.code(1);
    assert!(r.stdout.contains("held by alice"), "{}", r.stdout);
    let head = a.git(&["rev-parse", &shard]).trim().to_owned();
    assert_eq!(head, good, "a took the compacted ref");
}

#[test]
fn writes_compact_a_ref_by_themselves_past_compact_after_and_lose_nothing() {
    let w = world();
    let _server = server_with_pre_receive(&w);
    let (a, b) = (w.clone_hooked("a"), w.clone_hooked("b"));
    for r in [&a, &b] {
        r.write(".coord.toml", "[network]\ncompact_after = 4\n");
    }
    a.as_("alice", &["claim", "src/auth/router.ts"]).ok();
    churn(&a, "alice", "src/auth/login.ts", 3);
    churn(&b, "bob", "src/auth/login.ts", 3);
    let shard = shard_of("src/auth/**");
    let server = w.repo("remote.git");
    let archives = server.git(&["for-each-ref", "--format=%(refname)", "refs/coord-archive/"]);
    assert!(archives.lines().count() >= 2, "{archives}");
    assert!(
        count(&server, &shard) <= 4,
        "the shard kept growing: {}",
        count(&server, &shard)
    );
    // Nothing was lost on the way: alice still holds router.ts, login.ts is free, and the
    // whole history is there to read (13 operations on the shard).
    let status = b.as_("bob", &["status", "--json"]).ok().json();
    let claims = status["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 1, "{status}");
    assert_eq!(claims[0]["scope"]["text"], "src/auth/router.ts");
    // bob's clone never had the oldest part: log says where it is, and a fetch brings it.
    let log = b.as_("bob", &["log", "--json", "--limit", "200"]).ok().json();
    let elsewhere = log["archived_elsewhere"].as_array().unwrap();
    assert_eq!(elsewhere.len(), 1, "{log}");
    let human = b.as_("bob", &["log", "--limit", "200"]).ok().stdout.clone();
    assert!(
        human.contains("older history is archived at refs/coord-archive/"),
        "{human}"
    );
    b.git(&["fetch", "-q", "origin", "refs/coord-archive/*:refs/coord-archive/*"]);
    let log = b.as_("bob", &["log", "--json", "--limit", "200"]).ok().json();
    assert!(log.get("archived_elsewhere").is_none(), "{log}");
    let ops = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["op"] != "compact")
        .count();
    assert_eq!(ops, 13, "{log}");
}

/// A host without server hooks: CI's `verify --board` judges compacted history too, and
/// catches a compaction that changes the board.
#[test]
fn verify_board_judges_through_compactions_and_refuses_one_that_changes_the_board() {
    let w = world();
    let (a, ci) = (w.clone("a"), w.clone("ci"));
    a.as_("alice", &["claim", "src/auth/router.ts"]).ok();
    ci.as_("ci", &["verify", "--board"]).ok();
    churn(&a, "alice", "src/auth/login.ts", 3);
    a.as_("alice", &["compact", "--after", "3"]).ok();
    churn(&a, "alice", "src/auth/login.ts", 1);
    let r = ci.as_("ci", &["verify", "--board", "--json"]);
    r.ok();
    assert_eq!(r.json()["problems"].as_array().unwrap().len(), 0, "{}", r.stdout);
    w.git_in(
        w.root(),
        &["clone", "-q", "--no-local", w.remote().to_str().unwrap(), "ci2"],
    );
    let ci2 = w.repo("ci2");
    ci2.run(&["init", "--no-hooks"]).ok();
    let r = ci2.as_("ci", &["verify", "--board", "--json"]);
    r.ok();
    let judged = r.json()["judged"].to_string();
    assert!(judged.contains("shards"), "{judged}");
    // A "compaction" that brings back an older state (login.ts held again), pushed straight
    // to the hookless remote.
    let shard = shard_of("src/auth/**");
    let tip = a.git(&["rev-parse", &shard]).trim().to_owned();
    let older = a.git(&["rev-parse", &format!("{shard}~1^{{tree}}")]).trim().to_owned();
    let message = format!("alice compacts\n\nCoord-Op: compact\nCoord-Agent: alice\nCoord-Archived: {tip}\n");
    let forged = root_commit(&a, &older, &message);
    let archive = format!("refs/coord-archive/{}/{tip}", shard.trim_start_matches("refs/coord/"));
    let lease = format!("--force-with-lease={shard}:{tip}");
    a.git(&[
        "push",
        "-q",
        "--no-verify",
        "origin",
        &lease,
        &format!("{forged}:{shard}"),
        &format!("{tip}:{archive}"),
    ]);
    let r = ci.as_("ci", &["verify", "--board", "--json"]);
    r.code(1);
    let problems = r.json()["problems"].to_string();
    assert!(problems.contains("not that of the commit it archives"), "{problems}");
}

/// Compactions racing writers of the same shard, from other clones, through a server that
/// judges every board write: every claim reported granted is on the final board or was
/// released by its holder, and a contended key is granted exactly once.
#[test]
fn compactions_racing_writers_lose_nothing_and_grant_nothing_twice() {
    let w = world();
    let _server = server_with_pre_receive(&w);
    let names = ["a", "b", "c"];
    for n in names {
        w.clone_hooked(n);
    }
    let kept = std::sync::Mutex::new(Vec::new());
    let hot = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for (i, n) in ["a", "a", "b", "b"].iter().enumerate() {
            let (w, kept, hot) = (&w, &kept, &hot);
            s.spawn(move || {
                let r = w.repo(n);
                let agent = format!("agent{i}");
                for round in 0..6 {
                    let key = format!("db:users:{agent}:{round}");
                    let j = r.as_(&agent, &["claim", &key, "--json"]);
                    j.ok();
                    let id = j.json()["claims"][0]["id"].as_str().unwrap().to_owned();
                    if round % 2 == 0 {
                        kept.lock().unwrap().push(key);
                    } else {
                        r.as_(&agent, &["release", &id]).ok();
                    }
                }
                let h = r.as_(&agent, &["claim", "db:users:hot"]);
                assert!(h.code == 0 || h.code == 1, "{} {}", h.stdout, h.stderr);
                if h.code == 0 {
                    hot.lock().unwrap().push(agent);
                }
            });
        }
        let w = &w;
        s.spawn(move || {
            let c = w.repo("c");
            for _ in 0..8 {
                c.as_("compactor", &["compact", "--after", "2"]).ok();
                std::thread::sleep(std::time::Duration::from_millis(150));
            }
        });
    });
    assert_eq!(hot.lock().unwrap().len(), 1, "{:?}", hot.lock().unwrap());
    let c = w.repo("c");
    let status = c.as_("carol", &["status", "--json"]).ok().json();
    let mut on_board: Vec<String> = status["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["scope"]["text"].as_str().unwrap().to_owned())
        .filter(|s| s != "db:users:hot")
        .collect();
    on_board.sort();
    let mut expected = kept.into_inner().unwrap();
    expected.sort();
    assert_eq!(on_board, expected);
    let archives = w.git_in(
        &w.remote(),
        &["for-each-ref", "--format=%(refname)", "refs/coord-archive/"],
    );
    assert!(!archives.trim().is_empty(), "no compaction landed among the writes");
}
