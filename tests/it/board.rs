//! The task board and handoffs across clones: the whole life of a task, leases and
//! takeover, revisions, ranking, concurrent claim-next, handoffs read with plain git.

use std::process::Stdio;

use serde_json::Value;

use crate::support::{Repo, Run, World, NOW};

fn id(r: &Run) -> String {
    r.ok();
    r.json()["task"]["id"].as_str().unwrap().to_owned()
}

fn add(r: &Repo, args: &[&str]) -> String {
    let mut full = vec!["task", "add"];
    full.extend_from_slice(args);
    full.push("--json");
    id(&r.as_("lead", &full))
}

#[test]
fn the_whole_life_of_a_task_across_clones() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    let c = w.clone("c");
    let schema = add(
        &a,
        &[
            "schema",
            "--priority",
            "2",
            "--scope",
            "src/auth/**",
            "--specialty",
            "backend",
        ],
    );
    let endpoint = add(&a, &["endpoint", "--priority", "1", "--depends-on", &schema]);
    // The blocked task is skipped with its reason.
    let next = b.as_("bob", &["task", "next", "--json"]).json();
    assert_eq!(next["task"]["id"], schema.as_str());
    assert!(next["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .contains(&format!("blocked by {schema}")));
    assert!(next["revision"].is_string());
    // Claiming a task claims its scopes in the same commit.
    let r = b.as_("bob", &["task", "claim-next", "--json"]);
    r.ok();
    let j = r.json();
    assert_eq!(j["task"]["id"], schema.as_str());
    let token = j["lease"]["token"].as_str().unwrap().to_owned();
    // The token is the holder's secret: the board (and everyone reading it) has a hash, and
    // that hash does not work as a token.
    let shown = c.as_("carol", &["task", "show", &schema, "--json"]).json();
    let stored = shown["tasks"][0]["lease"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(stored.starts_with("h:") && !stored.contains(&token), "{shown}");
    assert!(!w.board_claims_text().contains(&token));
    let files = w.git_in(&w.remote(), &["ls-tree", "-r", "--name-only", "refs/coord/claims"]);
    for f in files.lines() {
        let text = w.git_in(&w.remote(), &["show", &format!("refs/coord/claims:{f}")]);
        assert!(!text.contains(&token), "{f} holds the token");
    }
    c.as_("carol", &["task", "renew", &schema, "--token", &stored]).code(1);
    let msg = w.git_in(&w.remote(), &["log", "-1", "--format=%B", "refs/coord/claims"]);
    assert!(
        msg.contains(&format!("Coord-Task: {schema}")) && msg.contains("Coord-Claims: c-"),
        "{msg}"
    );
    c.as_("carol", &["check", "src/auth/login.ts"]).code(1);
    let agents = c.as_("carol", &["agents", "--json"]).json();
    let bob = agents["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["agent"] == "bob")
        .unwrap()
        .clone();
    assert_eq!(bob["claims"], 1);
    assert_eq!(bob["tasks"][0], schema.as_str());
    assert!(bob["host"].as_str().is_some_and(|h| !h.is_empty()), "{bob}");
    // Done needs a handoff; the worker cannot review its own work.
    let r = b.as_("bob", &["task", "done", &schema, "--token", &token]);
    r.code(1);
    assert!(r.stderr.contains("handoff write"), "{}", r.stderr);
    b.as_(
        "bob",
        &[
            "handoff",
            "write",
            "--task",
            &schema,
            "--to",
            "reviewers",
            "--summary",
            "schema ready",
        ],
    )
    .ok();
    b.as_("bob", &["task", "done", &schema, "--token", &token]).ok();
    b.as_("bob", &["task", "approve", &schema]).code(1);
    // A reviewer rejects; the reason is in the history; the worker takes it again.
    let inbox = c.as_("carol", &["inbox", "--json"]).json();
    assert_eq!(inbox["reviews"][0]["id"], schema.as_str());
    assert_eq!(inbox["handoffs"][0]["task"], schema.as_str());
    c.as_("carol", &["task", "reject", &schema, "--reason", "missing index"])
        .ok();
    let shown = b.as_("bob", &["task", "show", &schema, "--json"]).json();
    assert_eq!(shown["tasks"][0]["status"], "claimed");
    assert!(shown["tasks"][0]["history"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["reason"] == "missing index"));
    let token = b.as_("bob", &["task", "claim", &schema, "--json"]).json()["lease"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    b.as_("bob", &["task", "done", &schema, "--token", &token]).ok();
    c.as_("carol", &["task", "review-next", "--specialty", "backend"]).ok();
    c.as_("carol", &["task", "approve", &schema]).ok();
    // Approval releases the task's claims and unblocks the dependent task.
    assert!(c.as_("carol", &["who", "src/auth/login.ts", "--json"]).json()["claims"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        c.as_("carol", &["task", "next", "--json"]).json()["task"]["id"],
        endpoint.as_str()
    );
    c.as_("carol", &["task", "cancel", &endpoint]).ok();
    assert_eq!(
        a.as_("lead", &["task", "list", "--status", "cancelled", "--json"])
            .json()["tasks"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn an_expired_lease_is_taken_over_and_the_old_token_stops_working() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    let t = add(&a, &["fix", "--scope", "docs/**"]);
    let token = a.as_("alice", &["task", "claim", &t, "--ttl", "10m", "--json"]).json()["lease"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    b.as_("bob", &["task", "claim-next"]).code(1);
    let later = "2026-11-21T10:30:00Z";
    let r = b.at("bob", later, &["task", "claim-next", "--json"]);
    r.ok();
    let j = r.json();
    assert_eq!(j["takeover"], true);
    assert_eq!(j["task"]["worker"], "bob");
    let r = a.at("alice", later, &["task", "renew", &t, "--token", &token, "--json"]);
    r.code(1);
    assert_eq!(r.json()["error"]["code"], "lease-token-conflict");
    a.at("alice", later, &["task", "done", &t, "--token", &token]).code(1);
    a.at("alice", later, &["task", "renew", &t, "--token", "not-it"])
        .code(1);
}

#[test]
fn a_stale_expected_revision_is_refused() {
    let w = World::new();
    let a = w.clone("a");
    let first = a.as_("lead", &["task", "add", "one", "--json"]);
    let rev = first.json()["revision"].as_str().unwrap().to_owned();
    add(&a, &["two"]);
    let r = a.as_("lead", &["task", "add", "three", "--expected-revision", &rev, "--json"]);
    r.code(1);
    assert_eq!(r.json()["error"]["code"], "state-revision-conflict");
    let now = a.as_("lead", &["task", "list", "--json"]).json()["revision"]
        .as_str()
        .unwrap()
        .to_owned();
    a.as_("lead", &["task", "add", "three", "--expected-revision", &now])
        .ok();
}

#[test]
fn ranking_is_priority_then_dependents_then_age() {
    let w = World::new();
    let a = w.clone("a");
    let old_p3 = add(&a, &["old p3", "--priority", "3"]);
    let p3_with_dependent = a.at(
        "lead",
        "2026-11-21T10:01:00Z",
        &["task", "add", "p3 with dependents", "--priority", "3", "--json"],
    );
    let p3d = id(&p3_with_dependent);
    add(&a, &["depends", "--priority", "9", "--depends-on", &p3d]);
    let next = a.as_("x", &["task", "next", "--json"]).json();
    assert_eq!(
        next["task"]["id"],
        p3d.as_str(),
        "more dependents wins at equal priority"
    );
    let p1 = add(&a, &["urgent", "--priority", "1"]);
    assert_eq!(
        a.as_("x", &["task", "next", "--json"]).json()["task"]["id"],
        p1.as_str()
    );
    a.as_("x", &["task", "cancel", &p1]).ok();
    a.as_("x", &["task", "cancel", &p3d]).ok();
    assert_eq!(
        a.as_("x", &["task", "next", "--json"]).json()["task"]["id"],
        old_p3.as_str(),
        "then age"
    );
    // Bad input.
    a.as_("lead", &["task", "add", "x", "--priority", "0"]).code(2);
    a.as_("lead", &["task", "add", "x", "--depends-on", "t-00000000"])
        .code(2);
    a.as_("lead", &["task", "add", "x", "--depends-on", "nope"]).code(2);
    a.as_("lead", &["handoff", "write", "--summary", "  "]).code(2);
}

#[test]
fn concurrent_claim_next_never_hands_out_a_task_twice() {
    let w = World::new();
    let clones: Vec<Repo> = (0..4).map(|i| w.clone(&format!("c{i}"))).collect();
    for i in 0..6 {
        add(&clones[0], &[&format!("task {i}")]);
    }
    let children: Vec<_> = (0..8)
        .map(|i| {
            clones[i % 4]
                .command(Some(&format!("agent{i}")), NOW, &["task", "claim-next", "--json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut got: Vec<(String, String)> = Vec::new();
    let mut refused = 0;
    for (i, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        match out.status.code() {
            Some(0) => {
                let j: Value = serde_json::from_slice(&out.stdout).unwrap();
                got.push((j["task"]["id"].as_str().unwrap().to_owned(), format!("agent{i}")));
            }
            Some(1) => refused += 1,
            other => panic!("exit {other:?}: {}", String::from_utf8_lossy(&out.stderr)),
        }
    }
    assert_eq!(got.len(), 6, "six tasks, six winners ({refused} refused)");
    let mut ids: Vec<&String> = got.iter().map(|(t, _)| t).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "no task handed out twice: {got:?}");
    // The remote agrees on who got what.
    let fresh = w.clone("check");
    let list = fresh.as_("x", &["task", "list", "--json"]).json();
    for (t, agent) in &got {
        let task = list["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == t.as_str())
            .unwrap();
        assert_eq!(task["worker"], agent.as_str());
    }
}

#[test]
fn a_handoff_written_on_one_machine_is_read_on_another_with_git_alone() {
    let w = World::new();
    let a = w.clone("a");
    a.write(
        "notes.md",
        "## Done\n- wrote the parser\n\n## Open questions\n- keep v1?\n",
    );
    a.write("src/main.ts", "// changed\nexport {};\n");
    a.commit_all("parser");
    a.git(&["push", "-q", "--no-verify", "origin", "main:refs/heads/feature"]);
    a.write("src/main.ts", "// changed twice\nexport {};\n");
    a.commit_all("parser 2");
    let r = a.as_(
        "alice",
        &[
            "handoff",
            "write",
            "--to",
            "bob",
            "--summary",
            "parser half done",
            "--file",
            "notes.md",
            "--json",
        ],
    );
    r.ok();
    let j = r.json();
    let show = j["git_show"].as_str().unwrap().to_owned();
    let path = j["path"].as_str().unwrap().to_owned();
    // Machine B: plain git only.
    let b = w.plain_clone("b");
    b.git(&["fetch", "-q", "origin", "refs/coord/*:refs/coord/*"]);
    let doc = b.git(&["show", &format!("refs/coord/claims:{path}")]);
    assert_eq!(show, format!("git show refs/coord/claims:{path}"));
    for needle in [
        "from: alice",
        "to: bob",
        "## Summary",
        "parser half done",
        "- wrote the parser",
        "- keep v1?",
        "## Relevant files",
        "src/main.ts",
        "## Commits",
        "parser 2",
        "## Claims held",
        "## Next steps",
    ] {
        assert!(doc.contains(needle), "missing {needle}:\n{doc}");
    }
    let log = b.git(&["log", "--format=%s", "refs/coord/claims"]);
    assert!(log.contains("alice hands off"), "{log}");
    // Recipient flow: inbox, claim, ack.
    let b = w.clone("b2");
    let inbox = b.as_("bob", &["inbox", "--json"]).json();
    let hid = inbox["handoffs"][0]["id"].as_str().unwrap().to_owned();
    b.as_("bob", &["handoff", "claim", &hid]).ok();
    b.as_("carol", &["handoff", "ack", &hid]).code(1);
    b.as_("bob", &["handoff", "ack", &hid]).ok();
    assert!(b.as_("bob", &["inbox", "--json"]).json()["handoffs"]
        .as_array()
        .unwrap()
        .is_empty());
    let shown = b.as_("bob", &["handoff", "show", &hid]);
    assert!(
        shown.stdout.contains("git show refs/coord/claims:") && shown.stdout.contains("parser half done"),
        "{}",
        shown.stdout
    );
    assert_eq!(
        b.as_("bob", &["handoff", "list", "--status", "acked", "--json"]).json()["handoffs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let agents = b.as_("bob", &["agents", "--json"]).json();
    assert!(agents["agents"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["agent"] == "alice"));
}

/// Workers that keep taking tasks until none is left, from four clones at once: every task
/// on the board is held by exactly the worker that was told it got it, and every worker was
/// told of every task it holds (a take must never land unreported: staged twice, or replayed
/// as a second task under one lease token).
#[test]
fn every_task_taken_is_reported_to_the_worker_that_holds_it() {
    let w = World::new();
    let clones: Vec<Repo> = (0..4).map(|i| w.clone(&format!("c{i}"))).collect();
    for i in 0..24 {
        add(&clones[0], &[&format!("task {i}")]);
    }
    let workers: Vec<_> = (0..8)
        .map(|i| {
            let repo = Repo {
                dir: clones[i % 4].dir.clone(),
                home: clones[i % 4].home.clone(),
            };
            std::thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    let out = repo
                        .command(Some(&format!("agent{i}")), NOW, &["task", "claim-next", "--json"])
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .output()
                        .unwrap();
                    match out.status.code() {
                        Some(0) => {
                            let j: Value = serde_json::from_slice(&out.stdout).unwrap();
                            got.push((j["task"]["id"].as_str().unwrap().to_owned(), format!("agent{i}")));
                        }
                        Some(1) => return got,
                        other => panic!("exit {other:?}: {}", String::from_utf8_lossy(&out.stderr)),
                    }
                }
            })
        })
        .collect();
    let mut told: Vec<(String, String)> = workers.into_iter().flat_map(|h| h.join().unwrap()).collect();
    told.sort();
    let fresh = w.clone("check");
    let list = fresh.as_("x", &["task", "list", "--json"]).json();
    let mut held: Vec<(String, String)> = list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["worker"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect();
    held.sort();
    assert_eq!(held.len(), 24);
    assert_eq!(told, held, "what each worker was told is what the board holds");
}
