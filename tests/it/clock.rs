//! Clocks that run ahead: where the pre-receive hook runs, the server's clock decides
//! whether a claim may be dropped as expired.

use crate::support::{Repo, World, BIN, NOW};

#[test]
fn the_servers_clock_decides_what_has_expired() {
    let w = World::new();
    let server = Repo {
        dir: w.remote(),
        home: w.home(),
    };
    server.run(&["init"]).ok();
    // The server's clock reads NOW (a wrapper pins it, as the test pins every clock).
    let hook = w.remote().join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\nGIT_COORD_NOW={NOW} exec {BIN} hook pre-receive\n"),
    )
    .unwrap();
    let a = w.clone("a");
    let b = w.clone("b");
    let id = a.as_("alice", &["claim", "src/main.ts", "--json"]).json()["claims"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Bob's clone watched the board from the start and its clock then jumps three hours:
    // locally everything says alice's claim expired, so it drops it — the server refuses.
    b.at("bob", NOW, &["status"]).ok();
    let r = b.at("bob", "2026-11-21T13:00:00Z", &["claim", "src/main.ts"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("by this server's clock it is active"), "{}", r.stderr);
    let c = w.clone("c");
    assert_eq!(c.claim_ids(), vec![id], "alice's claim is still on the server");
    // A release by its holder drops it, of course.
    a.as_("alice", &["release", "--all"]).ok();
}
