//! Many processes at once, and processes killed mid-write. Correctness is checked from the
//! remote's history afterwards, against a hand-written overlap table (not the engine).

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use git_coord::model::Mode;
use git_coord::store::{refs, Store};

use crate::support::{Repo, World, NOW};

pub const SCOPES: &[&str] = &[
    "src/a/**",
    "src/a/one.ts",
    "src/b/**",
    "src/b/two.ts",
    "db:users",
    "db:users:email",
    "src/*.ts",
    "src/main.ts",
    "docs/**",
    // wide: it lives on the root and in every shard (model::layout)
    "**/*.ts",
];

/// The oracle: which scope pairs overlap (symmetric; every scope overlaps itself).
fn overlaps(x: &str, y: &str) -> bool {
    let pairs = [
        ("src/a/**", "src/a/one.ts"),
        ("src/b/**", "src/b/two.ts"),
        ("db:users", "db:users:email"),
        ("src/*.ts", "src/main.ts"),
        ("**/*.ts", "src/a/**"),
        ("**/*.ts", "src/a/one.ts"),
        ("**/*.ts", "src/b/**"),
        ("**/*.ts", "src/b/two.ts"),
        ("**/*.ts", "src/*.ts"),
        ("**/*.ts", "src/main.ts"),
    ];
    x == y || pairs.iter().any(|(p, q)| (x == *p && y == *q) || (x == *q && y == *p))
}

pub const FILES: &[&str] = &["src/main.ts", "src/a/one.ts", "src/b/two.ts", "docs/x.md"];

/// Every state the remote's board was ever in: no two overlapping exclusive claims of
/// different agents active together; returns every claim id ever named in a trailer.
///
/// The board is several refs (the root and its shards), so the states are rebuilt from the
/// remote's log of ref transactions (`World::record_transactions`), replayed in the order
/// they took their locks: two pushes that move a common ref are ordered, and pushes that
/// move none in common commute. Each state is the whole board read as one, so a double grant
/// across refs would show as much as one within a ref.
pub fn audit_remote(w: &World) -> BTreeSet<String> {
    let store = Store::discover(&w.remote()).expect("remote opens");
    let mut named = BTreeSet::new();
    for h in store.board_history(usize::MAX, None).unwrap() {
        for line in h.message.lines() {
            if let Some(ids) = line.strip_prefix("Coord-Claims: ") {
                named.extend(ids.split_whitespace().map(str::to_owned));
            }
        }
    }
    let log = std::fs::read_to_string(w.root().join("transactions.log")).expect("the remote logged its transactions");
    let mut states = 0;
    for tips in replay_transactions(&log) {
        let names: Vec<String> = tips.keys().cloned().collect();
        let board = store.load_board(&|name| Ok(tips.get(name).copied()), &names).unwrap();
        states += 1;
        let claims: Vec<_> = board.state.claims.values().collect();
        for (i, x) in claims.iter().enumerate() {
            for y in &claims[i + 1..] {
                let both_exclusive = x.mode == Mode::Exclusive && y.mode == Mode::Exclusive;
                if x.agent != y.agent && both_exclusive {
                    let (sx, sy) = (x.scope.to_string(), y.scope.to_string());
                    assert!(
                        !overlaps(&sx, &sy),
                        "board state {states}: {} holds {sx} while {} holds {sy}",
                        x.agent,
                        y.agent
                    );
                }
            }
        }
    }
    assert!(states > 0, "no board state was logged");
    named
}

/// The board refs after each committed transaction of the log, in lock order.
fn replay_transactions(log: &str) -> Vec<BTreeMap<String, git_coord::store::ObjectId>> {
    // (updates, committed) in the order each was prepared
    type Txn = (Vec<(String, String)>, bool);
    let mut txns: Vec<Txn> = Vec::new();
    let mut open: BTreeMap<String, usize> = BTreeMap::new();
    for line in log.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let [state, pid, _old, new, name] = f[..] else { continue };
        match state {
            "prepared" => {
                let i = *open.entry(pid.to_owned()).or_insert_with(|| {
                    txns.push((Vec::new(), false));
                    txns.len() - 1
                });
                txns[i].0.push((name.to_owned(), new.to_owned()));
            }
            "committed" | "aborted" => {
                if let Some(i) = open.remove(pid) {
                    txns[i].1 = state == "committed";
                }
            }
            _ => {}
        }
    }
    let mut tips = BTreeMap::new();
    let mut out = Vec::new();
    for (updates, _) in txns.into_iter().filter(|t| t.1) {
        let mut board_moved = false;
        for (name, new) in updates {
            if name != refs::CLAIMS && !name.starts_with(refs::SHARDS) {
                continue;
            }
            board_moved = true;
            match git_coord::store::ObjectId::from_hex(new.as_bytes()) {
                Ok(id) if !id.is_null() => tips.insert(name, id),
                _ => tips.remove(&name),
            };
        }
        if board_moved {
            out.push(tips.clone());
        }
    }
    out
}

pub fn spawn(repo: &Repo, agent: &str, args: &[&str]) -> Child {
    repo.command(Some(agent), NOW, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns")
}

#[test]
fn eight_agents_in_four_clones_never_hold_overlapping_claims() {
    let w = World::with_files(FILES);
    let clones: Vec<Repo> = (0..4).map(|i| w.clone(&format!("c{i}"))).collect();
    let rounds = 10;
    let mut workers = Vec::new();
    for agent_no in 0..8 {
        let repo = Repo {
            dir: clones[agent_no % 4].dir.clone(),
            home: clones[0].home.clone(),
        };
        workers.push(std::thread::spawn(move || {
            let agent = format!("agent{agent_no}");
            let mut granted: Vec<String> = Vec::new();
            let mut codes = BTreeMap::new();
            for round in 0..rounds {
                let scope = SCOPES[(agent_no * 7 + round * 3) % SCOPES.len()];
                let out = spawn(&repo, &agent, &["claim", scope, "--json"])
                    .wait_with_output()
                    .unwrap();
                let code = out.status.code().unwrap_or(-1);
                *codes.entry(code).or_insert(0) += 1;
                assert!(
                    [0, 1, 3].contains(&code),
                    "{agent} claim {scope}: exit {code}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                if code == 0 {
                    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                    if j["decision"] == "granted" {
                        granted.push(j["claims"][0]["id"].as_str().unwrap().to_owned());
                    }
                }
                if round % 3 == 2 {
                    let out = spawn(&repo, &agent, &["release", "--all", "--json"])
                        .wait_with_output()
                        .unwrap();
                    assert!(
                        [0, 3].contains(&out.status.code().unwrap_or(-1)),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            }
            (granted, codes)
        }));
    }
    let mut granted = Vec::new();
    let mut codes: BTreeMap<i32, usize> = BTreeMap::new();
    for h in workers {
        let (g, c) = h.join().expect("worker finished");
        granted.extend(g);
        for (k, v) in c {
            *codes.entry(k).or_default() += v;
        }
    }
    let named = audit_remote(&w);
    for id in &granted {
        assert!(
            named.contains(id),
            "claim {id} was reported granted but is not in the remote's history; {}",
            std::fs::read_to_string(w.root().join("judged.log")).unwrap_or_default()
        );
    }
    assert!(granted.len() >= 8, "too few grants to mean anything: {codes:?}");
    assert!(
        codes.get(&1).copied().unwrap_or(0) > 0,
        "the workload should produce conflicts: {codes:?}"
    );
}

#[test]
fn concurrent_claims_of_one_scope_grant_exactly_one() {
    one_winner_per_round(&World::with_files(FILES));
}

/// The same races through a remote whose pre-receive hook judges every push (git-coord in
/// the bare repository while receive-pack holds its ref locks: it must never take them).
#[test]
fn through_a_server_hook_one_scope_still_has_one_winner() {
    let w = World::with_files(FILES);
    w.judge_board_writes();
    one_winner_per_round(&w);
    let judged = std::fs::read_to_string(w.root().join("judged.log")).unwrap_or_default();
    assert!(!judged.contains("lock file"), "{judged}");
}

fn one_winner_per_round(w: &World) {
    let clones: Vec<Repo> = (0..4).map(|i| w.clone(&format!("c{i}"))).collect();
    // Every round: eight racers over four clones, one scope; exactly one wins, the other
    // seven are refused naming the winner.
    for (round, scope) in ["src/main.ts", "src/a/**", "db:users", "src/b/two.ts"]
        .iter()
        .enumerate()
    {
        let children: Vec<(String, Child)> = (0..8)
            .map(|i| {
                let agent = format!("r{round}agent{i}");
                let child = spawn(&clones[i % 4], &agent, &["claim", scope, "--json"]);
                (agent, child)
            })
            .collect();
        let mut winners = Vec::new();
        let mut refused = Vec::new();
        for (agent, c) in children {
            let out = c.wait_with_output().unwrap();
            match out.status.code() {
                Some(0) => winners.push(agent),
                Some(1) => refused.push(String::from_utf8_lossy(&out.stdout).into_owned()),
                other => panic!("exit {other:?}: {}", String::from_utf8_lossy(&out.stderr)),
            }
        }
        assert_eq!(
            winners.len(),
            1,
            "round {round} ({scope}): winners {winners:?}; {}",
            std::fs::read_to_string(w.root().join("judged.log")).unwrap_or_default()
        );
        assert_eq!(refused.len(), 7, "round {round}");
        for r in &refused {
            assert!(
                r.contains(&winners[0]),
                "round {round}: a refusal names the winner: {r}"
            );
        }
    }
    audit_remote(w);
}

/// A claim that dies at each named point of the write leaves no corrupt ref and no lost
/// confirmed claim; doctor says how to finish and sync finishes.
#[test]
fn a_claim_killed_at_each_point_of_the_write_loses_nothing() {
    for (point, on_remote_after_sync) in [("after-commit", false), ("before-push", true), ("after-push", true)] {
        let w = World::with_files(FILES);
        let a = w.clone("a");
        a.as_("alice", &["claim", "docs/**"]).ok();
        let out = a
            .command(Some("alice"), NOW, &["claim", "src/main.ts", "--json"])
            .env("GIT_COORD_CRASH_AT", point)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{point}: the process was meant to die");
        assert!(out.stdout.is_empty(), "{point}: a dead process reported nothing");
        let fsck = a.git_status(&["fsck", "--no-dangling"]);
        assert_eq!(fsck.code, 0, "{point}: {}", fsck.stderr);
        let doctor = a.as_("alice", &["doctor", "--json"]).json();
        let pending = doctor["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "pending")
            .unwrap()
            .clone();
        let board = doctor["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "board")
            .unwrap()
            .clone();
        assert_eq!(board["status"], "ok", "{point}: {board}");
        if on_remote_after_sync {
            assert_eq!(pending["fix"], "git coord sync", "{point}: {pending}");
        } else {
            assert_eq!(pending["status"], "ok", "{point}: {pending}");
        }
        a.as_("alice", &["sync"]).ok();
        let b = w.clone("b");
        let who = b.as_("bob", &["who", "src/main.ts", "--json"]).json();
        assert_eq!(
            who["claims"].as_array().unwrap().len(),
            usize::from(on_remote_after_sync),
            "{point}: {who}"
        );
        assert_eq!(
            b.as_("bob", &["who", "docs/x.md", "--json"]).json()["claims"]
                .as_array()
                .unwrap()
                .len(),
            1,
            "{point}: the earlier claim survives"
        );
        audit_remote(&w);
    }
}

/// Claim processes killed at random moments, then every clone syncs: the board is readable,
/// git is consistent, and every claim a process reported as granted is on the remote.
#[test]
fn claims_killed_at_random_moments_leave_a_consistent_board() {
    let w = World::with_files(FILES);
    let clones: Vec<Repo> = (0..2).map(|i| w.clone(&format!("c{i}"))).collect();
    let mut seed: u64 = 0x5eed;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        seed >> 33
    };
    let mut granted = Vec::new();
    let started = Instant::now();
    for i in 0..24 {
        let repo = &clones[i % 2];
        let scope = SCOPES[(next() as usize) % SCOPES.len()];
        let mut child = spawn(repo, &format!("agent{}", i % 5), &["claim", scope, "--json"]);
        std::thread::sleep(Duration::from_millis(next() % 40));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        if out.status.code() == Some(0) {
            let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            if let Some(id) = j["claims"][0]["id"].as_str() {
                granted.push(id.to_owned());
            }
        }
    }
    assert!(started.elapsed() < Duration::from_secs(120));
    for c in &clones {
        let fsck = c.git_status(&["fsck", "--no-dangling"]);
        assert_eq!(fsck.code, 0, "{}", fsck.stderr);
        // A process killed inside a ref transaction leaves a lock file; doctor says how to
        // finish, and we do exactly that.
        let d = c.as_("agent0", &["doctor", "--json"]).json();
        let locks = d["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "locks")
            .unwrap()
            .clone();
        if let Some(fix) = locks["fix"].as_str() {
            let cmd = fix.split_once(": ").unwrap().1;
            assert!(
                std::process::Command::new("sh")
                    .arg("-c")
                    .arg(cmd)
                    .status()
                    .unwrap()
                    .success(),
                "{cmd}"
            );
        }
        let r = c.as_("agent0", &["sync", "--json"]);
        assert!([0, 1].contains(&r.code), "{}", r.stderr);
        c.as_("agent0", &["status"]).ok();
        let d = c.as_("agent0", &["doctor", "--json"]).json();
        let pending = d["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "pending")
            .unwrap()
            .clone();
        assert_eq!(pending["status"], "ok", "{pending}");
    }
    let named = audit_remote(&w);
    for id in &granted {
        assert!(named.contains(id), "{id} was reported granted but is not on the remote");
    }
}

/// Writers of one clone that arrive together leave together: twelve agents claim disjoint
/// scopes at once from one clone; every claim is granted, the remote's board holds all twelve
/// with one commit each, and the remote saw fewer pushes than writes (counted by a real
/// pre-receive hook on the bare remote).
#[test]
fn writers_of_one_clone_share_pushes_and_each_keeps_its_own_outcome() {
    let w = World::with_files(FILES);
    let a = w.clone("a");
    let count = w.root().join("pushes.log");
    let hook = w.remote().join("hooks").join("pre-receive");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\ncat >/dev/null\necho push >> '{}'\n", count.display()),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let children: Vec<(String, Child)> = (0..12)
        .map(|i| {
            let scope = format!("db:table{i}");
            let child = spawn(&a, &format!("agent{i}"), &["claim", &scope, "--json"]);
            (scope, child)
        })
        .collect();
    // One more, in the same burst, that conflicts with the first: refused alone.
    let rival = spawn(&a, "rival", &["claim", "db:table0", "--json"]);
    let mut granted = 0;
    for (scope, c) in children {
        let out = c.wait_with_output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        if code == 0 {
            granted += 1;
        } else {
            // Only db:table0 can be lost, and only to the rival.
            assert_eq!(
                (scope.as_str(), code),
                ("db:table0", 1),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let rival = rival.wait_with_output().unwrap();
    let rival_code = rival.status.code().unwrap_or(-1);
    assert!(
        [0, 1].contains(&rival_code),
        "{}",
        String::from_utf8_lossy(&rival.stderr)
    );
    assert_eq!(
        granted + usize::from(rival_code == 0),
        12,
        "exactly one of agent0 and rival holds db:table0"
    );
    let named = audit_remote(&w);
    assert_eq!(named.len(), 12, "{named:?}");
    let b = w.clone("b");
    assert_eq!(b.claim_ids().len(), 12);
    let pushes = std::fs::read_to_string(&count).unwrap_or_default().lines().count();
    assert!((1..12).contains(&pushes), "{pushes} pushes for 12 grants");
}

/// A clone that keeps the board busy yields to one that keeps losing: agent A claims and
/// releases in a tight loop from one clone (each of its pushes lands before the other
/// clone's fetch → plan → push can), and B's one claim from another clone still goes
/// through while A is running, instead of waiting for A to stop.
#[test]
fn a_busy_clone_yields_to_one_that_keeps_losing() {
    let w = World::with_files(FILES);
    let a = w.clone("a");
    let b = w.clone("b");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let busy = {
        let (stop, repo) = (
            stop.clone(),
            Repo {
                dir: a.dir.clone(),
                home: a.home.clone(),
            },
        );
        std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(40);
            let mut ops = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < until {
                for args in [&["claim", "db:busy"][..], &["release", "--all"][..]] {
                    let out = spawn(&repo, "alice", args).wait_with_output().unwrap();
                    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                    ops += 1;
                }
            }
            ops
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    let out = spawn(&b, "bob", &["claim", "db:quiet", "--json"])
        .wait_with_output()
        .unwrap();
    let still_busy = !busy.is_finished();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let ops = busy.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(still_busy, "bob was only granted once alice stopped ({ops} ops)");
    assert!(ops >= 4, "alice kept the board busy: {ops} ops");
    audit_remote(&w);
}

/// A clone's push that loses the lease of one shard: bob (another clone) wrote shard `db:x`
/// after this clone last looked, while three writers of this clone staged behind a held turn
/// (alice on bob's key, dave on another key of that shard, carol on shard `db:y`). Each keeps
/// its own outcome once the turn is free: alice is refused (bob holds it), dave and carol are
/// granted, nothing is granted twice, and the remote holds exactly bob's, dave's and carol's.
#[test]
fn a_lease_lost_on_one_shard_of_a_shared_push_leaves_each_writer_its_own_outcome() {
    let w = World::with_files(FILES);
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_("alice", &["claim", "db:x:warm", "--json"]).ok();
    a.as_("alice", &["release", "--all"]).ok();
    b.as_("bob", &["claim", "db:x:a", "--json"]).ok();
    let turn = git_coord::store::Stage::new(&a.dir.join(".git")).push_turn().unwrap();
    let kids: Vec<(&str, Child)> = [("alice", "db:x:a"), ("dave", "db:x:b"), ("carol", "db:y:c")]
        .into_iter()
        .map(|(who, key)| (who, spawn(&a, who, &["claim", key, "--json"])))
        .collect();
    // Each writer stages before it waits for the turn: wait until both shards are staged.
    let stage = a.dir.join(".git/coord/stage");
    let started = Instant::now();
    while std::fs::read_to_string(&stage).unwrap_or_default().lines().count() < 2
        && started.elapsed() < Duration::from_secs(20)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    drop(turn);
    let mut codes = BTreeMap::new();
    for (who, kid) in kids {
        let out = kid.wait_with_output().unwrap();
        codes.insert(who, out.status.code().unwrap_or(-1));
        if who == "alice" {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("bob"), "alice is told who holds it: {text}");
        }
    }
    assert_eq!(
        codes,
        BTreeMap::from([("alice", 1), ("carol", 0), ("dave", 0)]),
        "each writer keeps its own outcome"
    );
    let held = w.clone("c").holders(true);
    assert_eq!(held, ["bob db:x:a", "carol db:y:c", "dave db:x:b"]);
}

/// A shared push whose chains share no operation lands ref by ref: bob (another clone) wrote
/// shard `db:x` after this clone last looked, while dave (shard `db:x`) and carol (shard
/// `db:y`) staged behind a held turn. carol's commit reaches the remote in the first push,
/// alone (the lease lost on `db:x` does not take it down too); dave plans again on bob's
/// board and lands in the next: two pushes for two writes (an all-or-nothing push would have
/// landed neither, and taken a third).
#[test]
fn a_lease_lost_on_one_shard_does_not_hold_back_the_other_shards_of_the_push() {
    let (x, y) = (shard("db:x:b"), shard("db:y:c"));
    assert_ne!(x, y, "the two keys live in two shards");
    let (received, started) = staged_behind_bobs_write(&[("dave", "db:x:b"), ("carol", "db:y:c")]);
    assert_eq!(received, [y.clone(), x], "carol's shard first, alone; then dave's");
    assert_eq!(started, 2, "two pushes for two writes");
}

/// The same race with carol's claim wide (`**/*.md` lives on every ref, `db:x`'s shard among
/// them): an operation that moves several refs lands whole or not at all, so no push the
/// remote receives moves a shard without moving the others.
#[test]
fn an_operation_on_several_refs_still_lands_whole_in_a_shared_push() {
    let (x, y) = (shard("db:x:b"), shard("db:y:c"));
    let (received, _) = staged_behind_bobs_write(&[("dave", "db:x:b"), ("carol", "**/*.md")]);
    let wide = received
        .iter()
        .find(|r| r.contains(&y))
        .expect("carol's claim reached the remote");
    assert!(wide.contains(&x) && wide.contains("refs/coord/claims"), "{received:?}");
}

/// The ref of the shard `key` lives in.
fn shard(key: &str) -> String {
    let scope = git_coord::model::Scope::parse(key, &["db".into()]).unwrap();
    format!("refs/coord/shards/{}", scope.home().unwrap())
}

/// bob (clone b) claims `db:x:a` after clone a last looked; then `writers` (agent, scope)
/// of clone a stage behind a held turn and push once it is free. Each must be granted, and
/// the board must then hold them and bob's. Returns the refs of each push the remote
/// received (sorted, space-separated, by a pre-receive hook) and how many pushes the
/// writers started (git's own trace).
fn staged_behind_bobs_write(writers: &[(&str, &str)]) -> (Vec<String>, usize) {
    let w = World::with_files(FILES);
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_("alice", &["claim", "db:x:warm", "db:y:warm", "--json"]).ok();
    a.as_("alice", &["release", "--all"]).ok();
    b.as_("bob", &["claim", "db:x:a", "--json"]).ok();
    let log = w.root().join("pushes.log");
    let hook = w.remote().join("hooks").join("pre-receive");
    let script = format!(
        "#!/bin/sh\nrefs=$(awk '{{print $3}}' | sort | tr '\\n' ' ')\necho \"$refs\" >> '{}'\n",
        log.display()
    );
    std::fs::write(&hook, script).unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let turn = git_coord::store::Stage::new(&a.dir.join(".git")).push_turn().unwrap();
    let trace = w.root().join("git-trace.log");
    let kids: Vec<(&str, Child)> = writers
        .iter()
        .map(|&(who, scope)| {
            let kid = a
                .command(Some(who), NOW, &["claim", scope, "--json"])
                .env("GIT_TRACE", &trace)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawns");
            (who, kid)
        })
        .collect();
    // Each writer stages before it waits for the turn: wait until every one is staged.
    let stage = a.dir.join(".git/coord/stage");
    let started = Instant::now();
    while std::fs::read_to_string(&stage).unwrap_or_default().lines().count() < writers.len()
        && started.elapsed() < Duration::from_secs(20)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    drop(turn);
    for (who, kid) in kids {
        let out = kid.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{who}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let received: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| l.trim().to_owned())
        .collect();
    let mut want: Vec<String> = writers.iter().map(|(who, scope)| format!("{who} {scope}")).collect();
    want.push("bob db:x:a".into());
    want.sort();
    assert_eq!(w.clone("c").holders(true), want);
    let trace = std::fs::read_to_string(&trace).unwrap();
    let pushes = trace.lines().filter(|l| l.contains("built-in: git push")).count();
    (received, pushes)
}

/// A clone whose refs were read torn (one shard left behind, as a fetch or an adoption killed
/// half-way leaves them): alice's wide claim was released everywhere, but this clone's copy
/// of one shard still holds it. bob's write must not lay that stale copy out again over the
/// refs that had dropped it: it writes every ref, the stale one fails its lease, the board is
/// read again, and alice's released claim stays released (found by the kill -9 test).
#[test]
fn a_torn_view_never_brings_back_a_released_wide_claim() {
    let w = World::with_files(FILES);
    let (a, b) = (w.clone("a"), w.clone("b"));
    // A shard exists (listed on the root), so the wide claim is copied into it.
    a.as_("alice", &["claim", "db:warm:x"]).ok();
    a.as_("alice", &["release", "--all"]).ok();
    a.as_("alice", &["claim", "**/*.ts", "--json"]).ok();
    b.as_("bob", &["status"]).ok();
    let stale_ref = &shard("db:warm:x");
    let stale = b.git(&["rev-parse", stale_ref]).trim().to_owned();
    let held = b.git(&["show", &format!("{stale}:claims/all.json")]);
    assert!(
        held.contains("**/*.ts"),
        "the shard holds a copy of the wide claim: {held}"
    );
    a.as_("alice", &["release", "--all"]).ok();
    b.as_("bob", &["status"]).ok();
    assert_ne!(b.git(&["rev-parse", stale_ref]).trim(), stale, "b saw the release");
    b.git(&["update-ref", stale_ref, &stale]);
    b.as_("bob", &["claim", "db:orders", "--json"]).ok();
    b.as_("bob", &["claim", "src/main.ts", "--json"]).ok();
    let c = w.clone("c");
    let s = c.as_("observer", &["status", "--json"]).json();
    let holders: Vec<&str> = s["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["agent"].as_str().unwrap())
        .collect();
    assert_eq!(holders, ["bob", "bob"], "{s}");
}

/// `[network] timeout` bounds a write that waits in line behind another writer of its clone
/// (here the turn is held by this test through the same lock): it ends pending (exit 3, reason
/// `timeout`), nothing is lost, and `sync` confirms it once the line moves.
#[test]
fn waiting_in_line_past_the_timeout_keeps_the_write_pending() {
    let w = World::with_files(FILES);
    let a = w.clone("a");
    a.write(".coord.toml", "[network]\ntimeout = \"2s\"\n");
    let turn = git_coord::store::Stage::new(&a.dir.join(".git")).push_turn().unwrap();
    let started = Instant::now();
    let out = a.as_("alice", &["claim", "db:line", "--json"]);
    out.code(3);
    assert!(started.elapsed() < Duration::from_secs(20), "bounded by the timeout");
    let j = out.json();
    assert_eq!(
        (j["pending"].as_bool(), j["reason"].as_str()),
        (Some(true), Some("timeout")),
        "{j}"
    );
    assert!(j["error"].as_str().unwrap().contains("turn at the remote"), "{j}");
    drop(turn);
    a.as_("alice", &["sync"]).ok();
    let b = w.clone("b");
    assert_eq!(b.claim_ids().len(), 1, "confirmed by sync");
    audit_remote(&w);
}

/// Pushes that moved a board ref at the remote since `record_transactions` (one
/// receive-pack each).
fn pushes_at_remote(w: &World) -> usize {
    let log = std::fs::read_to_string(w.root().join("transactions.log")).unwrap_or_default();
    let pids: BTreeSet<&str> = log
        .lines()
        .filter(|l| {
            l.starts_with("committed ") && (l.ends_with(" refs/coord/claims") || l.contains(" refs/coord/shards/"))
        })
        .filter_map(|l| l.split(' ').nth(1))
        .collect();
    pids.len()
}

/// A remote whose `.coord.toml` is `policy`, and a clone of it.
fn remote_with_policy(policy: &str) -> (World, Repo) {
    let w = World::new();
    let setup = w.clone("setup");
    setup.write(".coord.toml", policy);
    setup.commit_all("policy");
    setup.git(&["push", "-q", "origin", "main"]);
    let a = w.clone("a");
    (w, a)
}

#[test]
fn a_push_budget_holds_writes_back_and_they_leave_in_one_push() {
    let (w, a) = remote_with_policy("[network]\npush_budget = \"1/4s\"\n");
    w.record_transactions();
    // The first claim spends the window's one push.
    let before = pushes_at_remote(&w);
    a.as_("alice", &["claim", "db:first"]).ok();
    assert_eq!(pushes_at_remote(&w), before + 1);
    // Six writers at once wait for the next window, and their claims leave together.
    let started = std::time::Instant::now();
    let kids: Vec<Child> = (0..6)
        .map(|i| spawn(&a, &format!("agent{i}"), &["claim", &format!("db:k{i}"), "--json"]))
        .collect();
    for k in kids {
        let run: crate::support::Run = k.wait_with_output().unwrap().into();
        run.ok();
        assert_eq!(run.json()["decision"], "granted", "{}", run.stdout);
    }
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(3),
        "the budget held nobody back: {:?}",
        started.elapsed()
    );
    let pushes = pushes_at_remote(&w) - before;
    assert!(
        (2..=3).contains(&pushes),
        "7 claims took {pushes} pushes under a budget of 1 per 4s"
    );
    // Every claim is on the remote's board.
    let board = w.board_claims_text();
    for i in 0..6 {
        assert!(board.contains(&format!("db:k{i}")), "db:k{i} missing: {board}");
    }
}

#[test]
fn a_push_budget_that_outlasts_the_timeout_leaves_the_write_pending_with_why() {
    let (_w, a) = remote_with_policy("[network]\npush_budget = \"1/1h\"\ntimeout = \"2s\"\n");
    a.as_("alice", &["claim", "db:first"]).ok();
    let r = a.as_("alice", &["claim", "db:second"]);
    r.code(3);
    assert!(r.stderr.contains("push budget"), "{}", r.stderr);
    // Pending, not lost: it is listed, and `sync` pushes it once the budget allows.
    let s = a.as_("alice", &["status", "--json"]).json();
    assert_eq!(s["pending"].as_array().map(Vec::len), Some(1), "{s}");
}
