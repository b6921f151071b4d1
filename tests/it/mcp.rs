//! The MCP server driven by an MCP client over stdio, against real repositories: two
//! servers in two clones of one bare remote.
//!
//! The client is written here in Rust (newline-delimited JSON-RPC, the stdio transport), so
//! `cargo test` needs nothing but cargo and git. With `GIT_COORD_MCP_CLIENT=python` the same
//! tests drive the server with the official Python SDK instead (`tests/interop.sh`, run by
//! `.ci/run`).

use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{json, Value};

use crate::support::{isolate, Repo, World, BIN, NOW};

/// The server's stdin and its answers, one line each.
type Server = (Child, ChildStdin, Lines<BufReader<ChildStdout>>);

/// `git coord mcp` started in `repo` as `agent`.
fn start(repo: &Repo, agent: &str) -> Server {
    let mut cmd = Command::new(BIN);
    cmd.arg("mcp").current_dir(&repo.dir);
    isolate(&mut cmd, &repo.home);
    cmd.env("GIT_COORD_NOW", NOW).env("GIT_COORD_AGENT", agent);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let stdin = child.stdin.take().unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, stdin, lines)
}

fn mcp(repo: &Repo, agent: &str, calls: Value) -> Value {
    if std::env::var("GIT_COORD_MCP_CLIENT").as_deref() == Ok("python") {
        return python_client(repo, agent, calls);
    }
    let (mut child, mut stdin, mut lines) = start(repo, agent);
    let mut next_id = 0;
    let mut request = |method: &str, params: Value| -> Value {
        next_id += 1;
        let msg = json!({"jsonrpc": "2.0", "id": next_id, "method": method, "params": params});
        writeln!(stdin, "{msg}").unwrap();
        stdin.flush().unwrap();
        let line = lines.next().expect("the server answers").unwrap();
        let answer: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(answer["id"], next_id, "{answer}");
        assert!(answer.get("error").is_none(), "{method}: {answer}");
        answer["result"].clone()
    };
    let init = request(
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "it", "version": "1"}}),
    );
    let listed = request("tools/list", json!({}));
    let mut results = Vec::new();
    for call in calls.as_array().unwrap() {
        let r = request("tools/call", json!({"name": call[0], "arguments": call[1]}));
        let text: String = r["content"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["text"].as_str())
            .collect();
        results.push(json!({"tool": call[0], "text": text, "is_error": r["isError"] == true}));
    }
    let _ = request;
    drop(stdin);
    child.wait().unwrap();
    let tools: Vec<Value> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            json!({
                "name": t["name"],
                "described": t["description"].as_str().is_some_and(|d| !d.is_empty()),
                "schema": t["inputSchema"],
            })
        })
        .collect();
    json!({"server": init["serverInfo"]["name"], "tools": tools, "results": results})
}

fn python_client(repo: &Repo, agent: &str, calls: Value) -> Value {
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
        "the Python MCP client failed (is the `mcp` package installed? tests/interop.sh installs it):\n{}",
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
        "handoff_show",
        "task_add",
        "task_list",
        "task_show",
        "task_review",
        "task_approve",
        "task_reject",
        "task_cancel",
        "handoff_claim",
        "handoff_ack",
        "sync",
        "agents",
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
    assert!(
        res[1]["text"]
            .as_str()
            .unwrap()
            .starts_with("free (you hold src/auth/** (c-"),
        "the agent's own claim does not block it: {}",
        res[1]
    );
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

/// An agent is told what to call next in tool names, not in commands it cannot run; the
/// command line keeps its own words for the same error.
#[test]
fn hints_name_tools_over_mcp_and_commands_on_the_command_line() {
    let w = World::new();
    let a = w.clone("a");
    std::fs::create_dir_all(a.dir.join("src")).unwrap();
    std::fs::write(a.dir.join("src/util.py"), "def parse(x):\n    return x\n").unwrap();
    a.as_("lead", &["task", "add", "bill run", "--scope", "src/main.ts"])
        .ok();
    let r = mcp(
        &a,
        "bob",
        json!([["task_claim_next", {}], ["symbols", {"file": "src/util.py"}], ["claim", {"scopes": ["src/util.py::prase"]}]]),
    );
    let took = r["results"][0]["text"].as_str().unwrap();
    let token = took.split("lease token ").nth(1).unwrap().split(' ').next().unwrap();
    let id = took.split_whitespace().nth(1).unwrap();
    let r = mcp(
        &a,
        "bob",
        json!([["task_done", {"id": id, "token": token}], ["claim", {"scopes": ["src/util.py::prase"]}]]),
    );
    let done = &r["results"][0];
    assert_eq!(done["is_error"], true, "{done}");
    let text = done["text"].as_str().unwrap();
    assert!(text.contains("hint: write one with `handoff_write`"), "{text}");
    assert!(!text.contains("git coord"), "{text}");
    let sym = r["results"][1]["text"].as_str().unwrap();
    assert!(
        sym.contains("did you mean parse?") && sym.contains("the `symbols` tool"),
        "{sym}"
    );
    assert!(!sym.contains("--new") && !sym.contains("git coord"), "{sym}");
    // The same two errors on the command line name commands and flags.
    let out = a.as_("bob", &["task", "done", id, "--token", token]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("hint: write one: git coord handoff write --task"),
        "{}",
        out.stderr
    );
    let out = a.as_("bob", &["claim", "src/util.py::prase"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("`git coord symbols src/util.py` lists them; --new"),
        "{}",
        out.stderr
    );
}

/// A git-coord process starts on small pages (`main.rs`): mimalloc starts before `main`, and
/// its first allocation must not land in a 2 MB page the kernel zeroes on the spot (that
/// page made 1 short command in a few hundred take 25 times as long). Checked on a running
/// server after it has answered; skipped where huge pages are off for the whole machine.
#[cfg(target_os = "linux")]
#[test]
fn a_started_process_holds_no_transparent_huge_page() {
    let mode = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
    if mode.is_empty() || mode.contains("[never]") {
        eprintln!(
            "skipped: transparent huge pages are off on this machine ({})",
            mode.trim()
        );
        return;
    }
    let world = World::new();
    let repo = world.clone("a");
    let (mut child, mut stdin, mut lines) = start(&repo, "a");
    let msg = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}});
    writeln!(stdin, "{msg}").unwrap();
    stdin.flush().unwrap();
    let answer = lines.next().expect("the server answers").unwrap();
    assert!(answer.contains("\"tools\""), "{answer}");
    let proc_file = |f: &str| std::fs::read_to_string(format!("/proc/{}/{f}", child.id())).unwrap();
    let (rollup, status) = (proc_file("smaps_rollup"), proc_file("status"));
    drop(stdin);
    child.wait().unwrap();
    let huge = rollup
        .lines()
        .find(|l| l.starts_with("AnonHugePages:"))
        .expect("smaps_rollup has AnonHugePages");
    assert_eq!(huge.split_whitespace().nth(1), Some("0"), "{huge}\n{rollup}");
    if let Some(line) = status.lines().find(|l| l.starts_with("THP_enabled:")) {
        assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
    }
}
