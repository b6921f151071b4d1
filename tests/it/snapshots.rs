//! Snapshots of what people and agents read: the human tables of `status`, `check`, a
//! refused `claim`, `who`, and the MCP tool list with its schemas. Ids, revisions and the
//! host are filtered so the snapshots hold only what a change to the output would change.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use crate::support::{isolate, World, BIN, NOW};

macro_rules! snap {
    ($name:expr, $text:expr) => {{
        let mut settings = insta::Settings::clone_current();
        // Same width as what they replace, so the snapshots show the real alignment.
        settings.add_filter(r"\bc-[0-9a-f]{8}\b", "c-########");
        settings.add_filter(r"\bt-[0-9a-f]{8}\b", "t-########");
        settings.add_filter(r"\b[0-9a-f]{12,40}\b", "[rev]");
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!($name, $text));
    }};
}

#[test]
fn human_tables() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_("alice", &["claim", "src/main.ts", "--note", "refactor the entry point"])
        .ok();
    // Claimed a minute later, so the table's order (agent, then age) is fixed.
    a.at("alice", "2026-11-21T10:01:00Z", &["claim", "db:users", "--ttl", "30m"])
        .ok();
    b.as_("bob", &["claim", "docs/**", "--shared"]).ok();
    snap!("status_as_bob", b.as_("bob", &["status"]).stdout);
    snap!("check_held", b.as_("bob", &["check", "src/main.ts"]).stdout);
    snap!("claim_refused", b.as_("bob", &["claim", "src/**"]).stdout);
    snap!("who", b.as_("bob", &["who", "src/main.ts"]).stdout);
    // The same tables with much wider content: every column still lines up.
    let long = "carol.longname@build-machine-42.example.com/worktree-feature-x-3f9c1a";
    a.as_(
        long,
        &[
            "claim",
            "src/auth/deep/token.ts",
            "--note",
            "rotating the signing keys; ask before touching",
        ],
    )
    .ok();
    a.as_("d", &["claim", "src/auth_v2/login.ts", "--note", "ünïcödé ✓ 漢字"])
        .ok();
    snap!("status_wide", b.as_("bob", &["status"]).stdout);
    snap!(
        "claim_refused_wide",
        b.as_("bob", &["claim", "src/auth/**", "src/auth_v2/**"]).stdout
    );
}

#[test]
fn mcp_tool_list_and_schemas() {
    let w = World::new();
    let a = w.clone("a");
    let mut cmd = Command::new(BIN);
    cmd.arg("mcp").current_dir(&a.dir);
    isolate(&mut cmd, &a.home);
    cmd.env("GIT_COORD_NOW", NOW).env("GIT_COORD_AGENT", "alice");
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{{}}}}"#
    )
    .unwrap();
    let line = lines.next().unwrap().unwrap();
    drop(stdin);
    child.wait().unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    // The inputs and annotations agents read; output schemas are checked against every
    // answer in debug builds instead (they are large).
    let mut tools = v["result"]["tools"].clone();
    for t in tools.as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("outputSchema");
    }
    snap!("mcp_tools", serde_json::to_string_pretty(&tools).unwrap());
}
