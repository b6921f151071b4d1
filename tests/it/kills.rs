//! kill -9 at random points of every kind of write — claim, release, renew, task add,
//! claim-next, handoff, sync, compact — a few hundred times over two clones: afterwards no lock
//! blocks the next command, no ref is corrupt, nothing exits outside the contract, and
//! every operation a process reported as done is on the remote after a `sync`.

use std::time::{Duration, Instant};

use crate::concurrency::{audit_remote, spawn, FILES, SCOPES};
use crate::support::{Repo, World};

const KILLS: usize = 240;

#[test]
fn kill_9_at_random_points_of_every_write_loses_nothing_reported_done() {
    let w = World::with_files(FILES);
    let clones: Vec<Repo> = (0..2).map(|i| w.clone(&format!("k{i}"))).collect();
    for i in 0..8 {
        clones[0].as_("lead", &["task", "add", &format!("task {i}")]).ok();
    }
    let mut seed: u64 = 0xdead_beef;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        seed >> 33
    };
    let (mut claims, mut tasks, mut handoffs) = (Vec::new(), Vec::new(), Vec::new());
    let started = Instant::now();
    for i in 0..KILLS {
        let repo = &clones[i % 2];
        let agent = format!("agent{}", next() % 4);
        let scope = SCOPES[(next() as usize) % SCOPES.len()];
        let args: Vec<&str> = match next() % 8 {
            0 | 1 => vec!["claim", scope, "--json"],
            2 => vec!["release", "--all", "--json"],
            3 => vec!["renew", "--all", "--json"],
            4 => vec!["task", "claim-next", "--json"],
            5 => vec!["handoff", "write", "--summary", "killed mid-way", "--json"],
            6 => vec!["compact", "--after", "3", "--json"],
            _ => vec!["sync", "--json"],
        };
        let mut child = spawn(repo, &agent, &args);
        std::thread::sleep(Duration::from_millis(next() % 150));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        if out.status.code() != Some(0) {
            continue;
        }
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        match args[0] {
            "claim" if j["pending"] == false => claims.extend(
                j["claims"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_str().unwrap().to_owned()),
            ),
            "task" if j["pending"] == false => tasks.push(j["task"]["id"].as_str().unwrap().to_owned()),
            "handoff" => handoffs.push(j["id"].as_str().unwrap_or_default().to_owned()),
            _ => {}
        }
    }
    assert!(started.elapsed() < Duration::from_secs(240));
    for c in &clones {
        // The very next command is not blocked by anything a killed process left.
        let t = Instant::now();
        let r = c.as_("agent0", &["sync", "--json"]);
        assert!([0, 1].contains(&r.code), "{}", r.stderr);
        assert!(t.elapsed() < Duration::from_secs(5), "sync took {:?}", t.elapsed());
        let fsck = c.git_status(&["fsck", "--no-dangling"]);
        assert_eq!(fsck.code, 0, "{}", fsck.stderr);
        c.as_("agent0", &["status"]).ok();
        c.as_("agent0", &["task", "list"]).ok();
        let d = c.as_("agent0", &["doctor", "--json"]).json();
        for step in ["pending", "locks"] {
            let s = d["steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == step)
                .unwrap()
                .clone();
            assert_eq!(s["status"], "ok", "{s}");
        }
    }
    // Compactions landed among the kills (the audit below reads on through their archives).
    let archives = w.git_in(
        &w.remote(),
        &["for-each-ref", "--format=%(refname)", "refs/coord-archive/"],
    );
    assert!(!archives.trim().is_empty(), "no compaction landed");
    let named = audit_remote(&w);
    for id in &claims {
        assert!(named.contains(id), "{id} was reported granted but is not on the remote");
    }
    let fresh = w.clone("check");
    let list = fresh.as_("observer", &["task", "list", "--json"]).json();
    let text = list.to_string();
    for t in &tasks {
        assert!(
            text.contains(t.as_str()),
            "task {t} reported taken but unknown on the remote"
        );
    }
    let h = fresh.as_("observer", &["handoff", "list", "--json"]).json().to_string();
    for id in handoffs.iter().filter(|i| !i.is_empty()) {
        assert!(
            h.contains(id.as_str()),
            "handoff {id} reported written but not on the remote"
        );
    }
    eprintln!(
        "{KILLS} kills: {} claims, {} task takes, {} handoffs reported done, all on the remote; {} compactions",
        claims.len(),
        tasks.len(),
        handoffs.len(),
        archives.lines().count()
    );
}
