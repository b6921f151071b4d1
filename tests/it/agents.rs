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
    let mut child = repo
        .command(Some(agent), NOW, &["hook", "pre-edit"])
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
        r.stderr.contains("not checked") && r.stderr.contains("allowed"),
        "{}",
        r.stderr
    );
    let b = w.clone("b");
    b.write(".coord.toml", "[agents]\nauto_claim = true\n");
    let r = pre_edit(&b, "bob", "edit-logout.json");
    r.ok();
    assert!(r.stderr.contains("claimed src/auth/router.ts"), "{}", r.stderr);
    let who = b.as_("carol", &["who", "src/auth/router.ts", "--json"]).json();
    assert_eq!(who["claims"][0]["agent"], "bob");
}
