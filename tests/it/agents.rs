//! Agent wiring: `init --agents` and its exact uninstall, and the editor pre-edit hook
//! with real Claude Code PreToolUse payloads.

use std::io::Write;
use std::process::Stdio;

use crate::support::{fixture, Repo, Run, World, NOW};

fn world() -> World {
    World::with_sources(&[
        ("src/auth/router.ts", fixture("symbols/router.ts")),
        ("src/billing/invoice.ts", "export const total = 1;\n".to_string()),
        ("AGENTS.md", "# Agents\n\nOur own rules.\n".to_string()),
        (
            ".mcp.json",
            "{\n  \"mcpServers\": {\n    \"other\": {\"command\": \"other-server\"}\n  }\n}\n".to_string(),
        ),
    ])
}

fn pre_edit(repo: &Repo, agent: &str, payload: &str) -> Run {
    let text = fixture(&format!("pre-edit/{payload}")).replace("__REPO__", repo.dir.to_str().unwrap());
    guard(repo, Some(agent), &text)
}

/// The guard with this exact input, run in the repository as the default agent.
fn guard_raw(repo: &Repo, text: &str) -> Run {
    guard(repo, None, text)
}

fn guard(repo: &Repo, agent: Option<&str>, text: &str) -> Run {
    let mut child = repo
        .command(agent, NOW, &["hook", "pre-edit"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    child.wait_with_output().unwrap().into()
}

#[test]
fn init_agents_wires_every_editor_and_uninstall_takes_exactly_that_out() {
    let w = world();
    let a = w.plain_clone("a");
    a.run(&["init", "--agents"]).ok();
    a.run(&["init", "--agents"]).ok();
    let mcp: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.dir.join(".mcp.json")).unwrap()).unwrap();
    assert_eq!(mcp["mcpServers"]["git-coord"]["args"][0], "mcp");
    assert_eq!(
        mcp["mcpServers"]["other"]["command"], "other-server",
        "the user's server is kept"
    );
    for f in [".cursor/mcp.json", ".gemini/settings.json"] {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(a.dir.join(f)).unwrap()).unwrap();
        assert_eq!(v["mcpServers"]["git-coord"]["command"], "git-coord", "{f}");
    }
    let codex = std::fs::read_to_string(a.dir.join(".codex/config.toml")).unwrap();
    assert_eq!(codex.matches("[mcp_servers.git-coord]").count(), 1, "{codex}");
    toml::from_str::<toml::Value>(&codex).expect("valid TOML");
    let claude: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.dir.join(".claude/settings.json")).unwrap()).unwrap();
    assert_eq!(
        claude["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
        "git-coord hook pre-edit"
    );
    assert_eq!(
        claude["hooks"]["PreToolUse"].as_array().unwrap().len(),
        1,
        "not duplicated"
    );
    let agents = std::fs::read_to_string(a.dir.join("AGENTS.md")).unwrap();
    assert!(
        agents.starts_with("# Agents\n\nOur own rules.") && agents.contains("Claim before editing"),
        "{agents}"
    );
    assert_eq!(agents.matches(">>> git-coord >>>").count(), 1);
    assert!(std::fs::read_to_string(a.dir.join("CLAUDE.md"))
        .unwrap()
        .contains("Check before pushing"));
    a.run(&["init", "--agents", "--uninstall"]).ok();
    assert_eq!(
        std::fs::read_to_string(a.dir.join("AGENTS.md")).unwrap(),
        "# Agents\n\nOur own rules.\n"
    );
    let mcp: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.dir.join(".mcp.json")).unwrap()).unwrap();
    assert!(mcp["mcpServers"].get("git-coord").is_none() && mcp["mcpServers"]["other"].is_object());
    for gone in [
        ".cursor/mcp.json",
        ".gemini/settings.json",
        ".codex/config.toml",
        ".claude/settings.json",
        "CLAUDE.md",
    ] {
        assert!(!a.dir.join(gone).exists(), "{gone} should be gone");
    }
}

#[test]
fn the_pre_edit_hook_blocks_edits_to_what_others_hold() {
    let w = world();
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_(
        "alice",
        &["claim", "src/auth/router.ts::Router::handleAuth", "--note", "auth"],
    )
    .ok();
    a.as_("alice", &["claim", "src/billing/**"]).ok();
    pre_edit(&b, "bob", "edit-logout.json").ok();
    let r = pre_edit(&b, "bob", "edit-auth.json");
    r.code(2);
    assert!(
        r.stderr
            .contains("src/auth/router.ts::Router::handleAuth is held by alice")
            && r.stderr.contains("auth"),
        "{}",
        r.stderr
    );
    pre_edit(&b, "bob", "multiedit-auth.json").code(2);
    let r = pre_edit(&b, "bob", "write-billing.json");
    r.code(2);
    assert!(r.stderr.contains("src/billing/new.ts is held by alice"), "{}", r.stderr);
    pre_edit(&b, "bob", "read-only.json").ok();
    pre_edit(&a, "alice", "edit-auth.json").ok();
    // Claude Code (and Codex) read the refusal from their PreToolUse answer.
    let r = pre_edit(&b, "bob", "edit-auth.json");
    let said: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let out = &said["hookSpecificOutput"];
    assert_eq!(
        (out["hookEventName"].as_str(), out["permissionDecision"].as_str()),
        (Some("PreToolUse"), Some("deny"))
    );
    assert!(
        out["permissionDecisionReason"]
            .as_str()
            .unwrap()
            .contains("held by alice"),
        "{said}"
    );
    // A notebook is guarded as a whole file.
    a.as_("alice", &["claim", "docs/**"]).ok();
    let nb = format!(
        r#"{{"hook_event_name":"PreToolUse","cwd":"{0}","tool_name":"NotebookEdit","tool_input":{{"notebook_path":"{0}/docs/analysis.ipynb","new_source":"x = 1","cell_id":"c1"}}}}"#,
        b.dir.display()
    );
    assert!(guard(&b, Some("bob"), &nb)
        .code(2)
        .stderr
        .contains("docs/analysis.ipynb is held by alice"));
    // Gemini CLI: BeforeTool with write_file / replace, answered with its decision JSON.
    let gemini = format!(
        r#"{{"hook_event_name":"BeforeTool","cwd":"{0}","tool_name":"replace","tool_input":{{"file_path":"{0}/src/billing/invoice.ts","old_string":"total = 1","new_string":"total = 2"}}}}"#,
        b.dir.display()
    );
    let r = guard(&b, Some("bob"), &gemini);
    r.code(2);
    let said: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(said["decision"], "deny", "{said}");
    assert!(said["reason"]
        .as_str()
        .unwrap()
        .contains("src/billing/invoice.ts is held by alice"));
    // Codex: an apply_patch touching a held symbol is refused; one elsewhere passes.
    let patch = |body: &str| {
        serde_json::json!({"hook_event_name": "PreToolUse", "cwd": b.dir, "tool_name": "apply_patch",
            "tool_input": {"command": format!("*** Begin Patch\n{body}*** End Patch\n")}})
        .to_string()
    };
    let held = patch("*** Update File: src/auth/router.ts\n@@\n-    audit(`login ${session.id}`);\n+    audit(`login ${session.id} ok`);\n");
    assert!(guard(&b, Some("bob"), &held)
        .code(2)
        .stderr
        .contains("Router::handleAuth is held by alice"));
    guard(
        &b,
        Some("bob"),
        &patch("*** Add File: src/free.ts\n+export const x = 1;\n"),
    )
    .ok();
}

#[test]
fn the_guard_can_fail_closed_and_says_why() {
    let w = world();
    let b = w.clone("b");
    b.write(".coord.toml", "[agents]\non_error = \"deny\"\n");
    // An edit tool whose file cannot be read from the payload, and input that is no JSON.
    let unreadable = format!(
        r#"{{"hook_event_name":"PreToolUse","cwd":"{}","tool_name":"Edit","tool_input":{{}}}}"#,
        b.dir.display()
    );
    for input in [unreadable.as_str(), "garbage"] {
        let r = guard(&b, Some("bob"), input);
        r.code(2);
        let said: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let reason = said["hookSpecificOutput"]["permissionDecisionReason"].as_str().unwrap();
        assert!(
            reason.contains("could not check this edit") && reason.contains("on_error"),
            "{reason}"
        );
    }
    // Other tools pass untouched and silently.
    let bash = format!(
        r#"{{"hook_event_name":"PreToolUse","cwd":"{}","tool_name":"Bash","tool_input":{{"command":"ls"}}}}"#,
        b.dir.display()
    );
    let r = guard(&b, Some("bob"), &bash);
    r.ok();
    assert_eq!(r.stdout, "");
}

#[test]
fn the_pre_edit_hook_fails_open_visibly_and_can_auto_claim() {
    let w = world();
    let outside = tempfile::tempdir().unwrap();
    let stray = Repo {
        dir: outside.path().to_path_buf(),
        home: w.home(),
    };
    let r = pre_edit(&stray, "bob", "edit-auth.json");
    r.ok();
    assert!(
        r.stderr.contains("could not check this edit") && r.stderr.contains("goes ahead"),
        "{}",
        r.stderr
    );
    // The host shows the user why (its own JSON on stdout).
    let shown: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        shown["systemMessage"]
            .as_str()
            .unwrap()
            .contains("not inside a git repository"),
        "{shown}"
    );
    for garbage in ["", "not json {"] {
        let r = guard_raw(&w.clone(&format!("g{}", garbage.len())), garbage);
        r.ok();
        let shown: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert!(
            shown["systemMessage"].as_str().unwrap().contains("could not check"),
            "{shown}"
        );
    }
    let b = w.clone("b");
    b.write(".coord.toml", "[agents]\nauto_claim = true\n");
    let r = pre_edit(&b, "bob", "edit-logout.json");
    r.ok();
    assert!(r.stderr.contains("claimed src/auth/router.ts"), "{}", r.stderr);
    let who = b.as_("carol", &["who", "src/auth/router.ts", "--json"]).json();
    assert_eq!(who["claims"][0]["agent"], "bob");
}

#[test]
fn init_agents_keeps_what_the_user_registered_and_every_host_still_parses_its_config() {
    let w = world();
    let a = w.plain_clone("a");
    // The user registered the server themselves (as `codex mcp add git-coord …` does), with
    // their own environment, and has their own Claude Code hook.
    a.write(
        ".codex/config.toml",
        "model = \"o3\"\n\n[mcp_servers.git-coord]\ncommand = \"/opt/bin/git-coord\"\nargs = [\"mcp\"]\nenv = { GIT_COORD_REMOTE = \"upstream\" }\n",
    );
    a.write(
        ".mcp.json",
        r#"{"mcpServers": {"git-coord": {"command": "git-coord", "args": ["mcp"], "env": {"X": "1"}}}}"#,
    );
    a.write(
        ".claude/settings.json",
        r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "lint-shell"}]}]}}"#,
    );
    for _ in 0..3 {
        a.run(&["init", "--agents"]).ok();
    }
    let codex = std::fs::read_to_string(a.dir.join(".codex/config.toml")).unwrap();
    let parsed: toml::Table = toml::from_str(&codex).unwrap_or_else(|e| panic!("{e}\n{codex}"));
    assert_eq!(parsed["model"].as_str(), Some("o3"));
    assert_eq!(
        parsed["mcp_servers"]["git-coord"]["command"].as_str(),
        Some("/opt/bin/git-coord")
    );
    assert_eq!(codex.matches("mcp_servers.git-coord]").count(), 1, "{codex}");
    let hooks = parsed["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(hooks.len(), 1, "{codex}");
    assert_eq!(
        hooks[0]["hooks"][0]["command"].as_str(),
        Some("git-coord hook pre-edit")
    );
    let mcp: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.dir.join(".mcp.json")).unwrap()).unwrap();
    assert_eq!(
        mcp["mcpServers"]["git-coord"]["env"]["X"], "1",
        "the user's env is kept"
    );
    let claude: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.dir.join(".claude/settings.json")).unwrap()).unwrap();
    let pre = claude["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(pre.len(), 2, "{claude}");
    assert_eq!(pre[0]["hooks"][0]["command"], "lint-shell");
    assert_eq!(pre[1]["matcher"], "Edit|Write|MultiEdit|NotebookEdit");
    let gemini: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.dir.join(".gemini/settings.json")).unwrap()).unwrap();
    assert_eq!(gemini["hooks"]["BeforeTool"][0]["matcher"], "write_file|replace");
    assert_eq!(gemini["hooks"]["BeforeTool"].as_array().unwrap().len(), 1);
    // A Codex config that is not TOML is named and left alone.
    a.write(".codex/config.toml", "model = \n");
    let r = a.run(&["init", "--agents"]);
    r.code(2);
    assert!(
        r.stderr.contains(".codex/config.toml is not valid TOML"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(a.dir.join(".codex/config.toml")).unwrap(),
        "model = \n"
    );
}
