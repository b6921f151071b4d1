//! The MCP server driven by a real MCP client (the official Python SDK), against real
//! repositories: two servers in two clones of one bare remote.

use std::process::Command;

use serde_json::{json, Value};

use crate::support::{isolate, Repo, World, BIN, NOW};

fn mcp(repo: &Repo, agent: &str, calls: Value) -> Value {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/client.py");
    let mut cmd = Command::new("python3");
    cmd.arg(&script)
        .arg(BIN)
        .arg(&repo.dir)
        .arg(agent)
        .arg(calls.to_string());
    isolate(&mut cmd, &repo.home);
    cmd.env("GIT_COORD_NOW", NOW);
    let out = cmd.output().expect("python3 runs");
    assert!(
        out.status.success(),
        "the MCP client failed (is the `mcp` package installed? .ci/run installs it):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn a_real_mcp_client_lists_and_calls_the_tools() {
    let w = World::new();
    let a = w.clone("a");
    let r = mcp(
        &a,
        "alice",
        json!([
            ["claim", {"scopes": ["src/auth/**"], "note": "auth"}],
            ["check", {"scopes": ["src/auth/login.ts"]}],
            ["symbols", {"file": "src/main.ts"}],
            ["status", {}],
            ["claim", {"scopes": ["../outside"]}],
            ["release", {"all": true}],
            ["inbox", {}],
            ["log", {"limit": 5}],
        ]),
    );
    assert_eq!(r["server"], "git-coord");
    let names: Vec<&str> = r["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for t in [
        "claim",
        "release",
        "renew",
        "check",
        "who",
        "symbols",
        "status",
        "task_next",
        "task_claim_next",
        "task_done",
        "task_renew",
        "handoff_write",
        "handoff_list",
        "handoff_read",
        "inbox",
        "log",
    ] {
        assert!(names.contains(&t), "missing tool {t}: {names:?}");
    }
    assert!(r["tools"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["described"] == true && t["schema"]["type"] == "object"));
    let res = r["results"].as_array().unwrap();
    assert!(
        res[0]["text"].as_str().unwrap().starts_with("granted: c-"),
        "{}",
        res[0]
    );
    assert_eq!(res[1]["text"], "free", "the agent's own claim does not block it");
    assert_eq!(res[4]["is_error"], true);
    assert!(
        res[4]["text"]
            .as_str()
            .unwrap()
            .contains("error: path '../outside' leaves the repository"),
        "{}",
        res[4]
    );
    assert!(
        res[5]["text"].as_str().unwrap().starts_with("released c-"),
        "{}",
        res[5]
    );
    assert_eq!(res[6]["text"], "inbox empty");
    assert!(
        res[7]["text"].as_str().unwrap().contains("alice claims src/auth/**"),
        "{}",
        res[7]
    );
}

#[test]
fn two_servers_in_two_clones_see_each_others_claims() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    let r = mcp(
        &a,
        "alice",
        json!([["claim", {"scopes": ["src/billing/**"], "note": "invoices"}]]),
    );
    assert!(r["results"][0]["text"].as_str().unwrap().starts_with("granted"));
    let r = mcp(
        &b,
        "bob",
        json!([["claim", {"scopes": ["src/billing/invoice.ts"]}], ["check", {"scopes": ["src/billing/invoice.ts"]}], ["who", {"target": "src/billing/invoice.ts"}]]),
    );
    let res = r["results"].as_array().unwrap();
    let t = res[0]["text"].as_str().unwrap();
    assert!(
        t.starts_with("CONFLICT") && t.contains("held by alice") && t.contains("invoices"),
        "{t}"
    );
    assert!(
        res[1]["text"]
            .as_str()
            .unwrap()
            .starts_with("held: src/billing/invoice.ts by alice"),
        "{}",
        res[1]
    );
    assert!(res[2]["text"].as_str().unwrap().starts_with("alice c-"), "{}", res[2]);
    // Tasks and handoffs through the same server.
    a.as_("lead", &["task", "add", "bill run", "--scope", "src/main.ts"])
        .ok();
    let r = mcp(
        &b,
        "bob",
        json!([["task_claim_next", {}], ["handoff_write", {"summary": "half done"}]]),
    );
    let took = r["results"][0]["text"].as_str().unwrap();
    assert!(took.starts_with("took t-") && took.contains("lease token"), "{took}");
    assert!(
        r["results"][1]["text"]
            .as_str()
            .unwrap()
            .contains("git show refs/coord/claims:handoff-docs/"),
        "{}",
        r["results"][1]
    );
}
