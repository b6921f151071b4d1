//! Pending is a first-class state: what this clone holds but the remote has not confirmed
//! can be shown, counted, released and renewed like the rest, and `sync` says what became
//! of each operation.

use crate::support::World;

#[test]
fn a_pending_claim_can_be_released_before_sync_and_is_never_confirmed() {
    let w = World::new();
    let a = w.clone("a");
    let url = w.remote().to_str().unwrap().to_owned();
    a.git(&["remote", "set-url", "origin", "/nonexistent/remote.git"]);
    let by_id = a.as_("alice", &["claim", "src/auth/**", "--json"]);
    by_id.code(3);
    let id = by_id.json()["claims"][0]["id"].as_str().unwrap().to_owned();
    let human = a.as_("alice", &["claim", "db:users"]);
    human.code(3);
    assert!(
        human.stdout.starts_with("pending"),
        "never a bare granted: {}",
        human.stdout
    );
    a.as_("alice", &["claim", "db:orders", "--offline"]).ok();
    a.as_("alice", &["claim", "README.md", "--offline"]).ok();
    // Every count agrees.
    let s = a.as_("alice", &["status", "--json", "--offline"]).json();
    assert_eq!(s["claims"].as_array().unwrap().len(), 4, "{s}");
    let d = a.as_("alice", &["doctor", "--offline"]);
    assert!(d.stdout.contains("4 active claims"), "{}", d.stdout);
    // Renew works on a pending claim like on a confirmed one.
    let r = a.as_("alice", &["renew", &id, "--ttl", "5h", "--json"]);
    r.ok();
    assert_eq!(
        r.json()["renewed"][0]["expires_at"],
        "2026-11-21T15:00:00Z",
        "{}",
        r.stdout
    );
    let s = a.as_("alice", &["status", "--json", "--offline"]).json();
    let mine = s["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["expires_at"], "2026-11-21T15:00:00Z", "{mine}");
    // Release by id, by scope, and all: each cancels locally, with no push.
    let r = a.as_("alice", &["release", &id, "--json"]);
    r.ok();
    assert_eq!(r.json()["cancelled"][0], id.as_str(), "{}", r.stdout);
    a.as_("alice", &["release", "--scope", "db:users"]).ok();
    let r = a.as_("alice", &["release", "--all"]);
    r.ok();
    assert!(r.stdout.contains("never sent"), "{}", r.stdout);
    let s = a.as_("alice", &["status", "--json", "--offline"]).json();
    assert!(s["claims"].as_array().unwrap().is_empty(), "{s}");
    // Back online: nothing released comes back to life.
    a.git(&["remote", "set-url", "origin", &url]);
    a.as_("alice", &["sync"]).ok();
    let b = w.clone("b");
    assert!(b.claim_ids().is_empty(), "{:?}", b.claim_ids());
}

#[test]
fn a_pending_claim_that_did_reach_the_remote_is_released_there_too() {
    let w = World::new();
    let a = w.clone("a");
    // Killed right after its push: the claim is on the remote and still pending here.
    let r = a
        .command(Some("alice"), crate::support::NOW, &["claim", "docs/**", "--json"])
        .env("GIT_COORD_CRASH_AT", "after-push")
        .output()
        .unwrap();
    assert!(!r.status.success());
    let b = w.clone("b");
    assert_eq!(b.claim_ids().len(), 1);
    a.as_("alice", &["release", "--scope", "docs/**"]).ok();
    let c = w.clone("c");
    assert!(c.claim_ids().is_empty(), "released on the remote as well");
    a.as_("alice", &["sync"]).ok();
    let d = w.clone("d");
    assert!(d.claim_ids().is_empty(), "a later sync does not bring it back");
}

#[test]
fn claim_next_with_the_remote_down_keeps_the_task_and_its_token() {
    let w = World::new();
    let a = w.clone("a");
    a.as_("lead", &["task", "add", "one", "--scope", "src/main.ts"]).ok();
    a.as_("lead", &["task", "add", "two", "--scope", "README.md"]).ok();
    let url = w.remote().to_str().unwrap().to_owned();
    a.git(&["remote", "set-url", "origin", "/nonexistent/remote.git"]);
    let r = a.as_("bob", &["task", "claim-next", "--json"]);
    r.code(3);
    let j = r.json();
    assert_eq!(j["pending"], true, "{j}");
    let task = j["task"]["id"].as_str().unwrap().to_owned();
    let token = j["lease"]["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 16, "{j}");
    // A second claim-next in this clone takes the other task, not the same one again.
    let second = a.as_("carol", &["task", "claim-next", "--json"]);
    second.code(3);
    assert_ne!(second.json()["task"]["id"].as_str().unwrap(), task);
    a.git(&["remote", "set-url", "origin", &url]);
    let s = a.as_("bob", &["sync"]);
    s.ok();
    assert!(s.stdout.contains(&task) && s.stdout.contains(&token), "{}", s.stdout);
    // The token works once confirmed.
    a.as_("bob", &["task", "renew", &task, "--token", &token]).ok();
}
