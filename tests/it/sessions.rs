//! One agent id per agent session: a host process (here a shell standing in for Claude
//! Code, Codex or Gemini CLI) starts `git-coord mcp`, its pre-edit guard and its shell's
//! commands; all of them act as one agent, and two hosts — in two worktrees, or two
//! terminals in one worktree — are two agents whose claims conflict. Nobody sets an id.

use std::process::Command;

use serde_json::{json, Value};

use crate::support::{isolate, Repo, World, BIN, NOW};

/// What one host saw: the server's answers, the guard's exit code and stdout, and the
/// `status --json` its shell printed.
struct Host {
    answers: Vec<Value>,
    guard_code: i32,
    guard_out: String,
    status: Value,
}

/// Run one host in `repo`: a shell that feeds `calls` to `git-coord mcp`, then runs the
/// pre-edit guard on an edit of `file`, then `git-coord status --json`.
fn host(repo: &Repo, calls: &[Value], file: &str) -> Host {
    let dir = tempfile::tempdir().unwrap();
    let requests: String = calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({"jsonrpc": "2.0", "id": i + 1, "method": "tools/call", "params": {"name": c[0], "arguments": c[1]}})
                .to_string()
                + "\n"
        })
        .collect();
    std::fs::write(dir.path().join("requests"), requests).unwrap();
    let edit = json!({"hook_event_name": "PreToolUse", "cwd": repo.dir, "tool_name": "Write",
        "tool_input": {"file_path": repo.dir.join(file), "content": "export const total = 2;\n"}});
    std::fs::write(dir.path().join("edit.json"), edit.to_string()).unwrap();
    // The host: no agent id anywhere in its environment.
    let script = r#"
        "$BIN" mcp < "$D/requests" > "$D/answers"
        "$BIN" hook pre-edit < "$D/edit.json" > "$D/guard" 2>/dev/null
        echo $? > "$D/guard_code"
        "$BIN" status --json > "$D/status"
        true
    "#;
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(script).current_dir(&repo.dir);
    isolate(&mut cmd, &repo.home);
    cmd.env("BIN", BIN).env("D", dir.path()).env("GIT_COORD_NOW", NOW);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    Host {
        answers: read("answers")
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        guard_code: read("guard_code").trim().parse().unwrap(),
        guard_out: read("guard"),
        status: serde_json::from_str(&read("status")).unwrap(),
    }
}

fn text(answer: &Value) -> String {
    answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn each_agent_session_is_its_own_agent_in_its_server_its_guard_and_its_shell() {
    let w = World::new();
    let a = w.clone("a");
    // A second worktree of the same repository.
    a.git(&["worktree", "add", "-q", "../a-wt", "-b", "wt"]);
    let wt = w.repo("a-wt");
    let claim = |scope: &str| json!(["claim", {"scopes": [scope], "verbose": true}]);

    // Session 1 (worktree a) claims the invoice; its own guard lets it edit the file.
    let one = host(&a, &[claim("src/billing/invoice.ts")], "src/billing/invoice.ts");
    let report: Value = serde_json::from_str(&text(&one.answers[0])).unwrap();
    assert_eq!(report["decision"], "granted", "{report}");
    let id_one = report["claims"][0]["agent"].as_str().unwrap().to_owned();
    assert_eq!(one.guard_code, 0, "{}", one.guard_out);
    assert_eq!(
        one.status["agent"],
        id_one.as_str(),
        "the host's shell acts as the session"
    );
    assert_eq!(one.status["agent_source"], "session");

    // Session 2, in the other worktree: a different agent; its claim conflicts and its
    // guard refuses the edit.
    let two = host(&wt, &[claim("src/billing/invoice.ts")], "src/billing/invoice.ts");
    let report: Value = serde_json::from_str(&text(&two.answers[0])).unwrap();
    assert_eq!(report["decision"], "conflict", "{report}");
    assert_eq!(report["conflicts"][0]["claim"]["agent"], id_one.as_str());
    assert_eq!(two.guard_code, 2, "{}", two.guard_out);
    assert!(two.guard_out.contains("deny"), "{}", two.guard_out);
    let id_two = two.status["agent"].as_str().unwrap().to_owned();
    assert_ne!(id_one, id_two);

    // Session 3: a second terminal in the first worktree — again its own agent.
    let three = host(&a, &[claim("src/billing/invoice.ts")], "src/billing/invoice.ts");
    let report: Value = serde_json::from_str(&text(&three.answers[0])).unwrap();
    assert_eq!(report["decision"], "conflict", "{report}");
    assert_eq!(three.guard_code, 2);
    let id_three = three.status["agent"].as_str().unwrap();
    assert!(id_three != id_one && id_three != id_two);

    // Outside any session (a person's terminal), the person's own id: none of the above.
    let mine = a.run(&["status", "--json"]).json();
    assert_eq!(mine["agent_source"], "default");
    for id in [&id_one, &id_two] {
        assert!(
            id.starts_with(mine["agent"].as_str().unwrap()),
            "{id} is the person's id plus the session"
        );
    }
}
