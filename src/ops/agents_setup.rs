//! `init --agents`: wire coding agents to git-coord in the work tree, and take exactly
//! that back out with `--uninstall`. Nothing here holds a secret (there are none).
//!
//! - `.mcp.json` (Claude Code), `.cursor/mcp.json` (Cursor), `.gemini/settings.json`
//!   (Gemini CLI): an `mcpServers."git-coord"` entry, merged into what is there;
//! - `.codex/config.toml` (Codex CLI): a marker-delimited block with the
//!   `[mcp_servers.git-coord]` table (left out when the user registered the server
//!   themselves) and a PreToolUse hook for `apply_patch`; the file must still parse as TOML;
//! - `.claude/settings.json`: a PreToolUse hook for Edit/Write/MultiEdit/NotebookEdit, and
//!   `.gemini/settings.json` a BeforeTool hook for write_file/replace, running
//!   `git-coord hook pre-edit`;
//! - `AGENTS.md`, `CLAUDE.md`: a marker-delimited protocol block.
//!
//! Idempotent: a second run changes nothing, and whatever the user added (their own server
//! entry with its `env`, other hooks, other tables) is kept.

use std::path::Path;

use serde_json::{json, Map, Value};

use super::context::Context;
use super::error::Error;
use super::setup::{SetupReport, Status, Step};

const MD_BEGIN: &str = "<!-- >>> git-coord >>> -->";
const MD_END: &str = "<!-- <<< git-coord <<< -->";
const TOML_BEGIN: &str = "# >>> git-coord >>>";
const TOML_END: &str = "# <<< git-coord <<<";
const HOOK_COMMAND: &str = "git-coord hook pre-edit";

const PROTOCOL: &str = "## Coordinating with other agents (git-coord)\n\n\
This repository is shared with other agents through git-coord (`git coord`, or its MCP tools).\n\n\
1. **Claim before editing.** Claim the files or symbols you will change: `git coord claim src/x.ts::Class::method --note \"what\"`\n   (MCP: `claim`). If the answer is a conflict, do not edit them: pick other work or `--wait`.\n\
2. **Check before pushing.** `git coord check <scopes>`; the pre-push hook refuses changes to what others hold.\n\
3. **Release when done** (`git coord release --all`), and **write a handoff when you stop**:\n   `git coord handoff write --summary \"…\" [--task ID]` (MCP: `handoff_write`).\n\
4. Start by reading your inbox: `git coord inbox` (MCP: `inbox`).\n";

fn server_entry() -> Value {
    json!({"command": "git-coord", "args": ["mcp"]})
}

fn read_json(path: &Path) -> Result<Option<Map<String, Value>>, Error> {
    match std::fs::read_to_string(path) {
        Ok(t) if t.trim().is_empty() => Ok(Some(Map::new())),
        Ok(t) => match serde_json::from_str::<Value>(&t) {
            Ok(Value::Object(m)) => Ok(Some(m)),
            _ => Err(Error::usage(
                format!(
                    "{} is not a JSON object; fix or move it, then run init --agents again",
                    path.display()
                ),
                None,
            )),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::usage(format!("cannot read {}: {e}", path.display()), None)),
    }
}

fn write_text(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).map_err(|e| Error::usage(format!("cannot create {}: {e}", p.display()), None))?;
    }
    std::fs::write(path, text).map_err(|e| Error::usage(format!("cannot write {}: {e}", path.display()), None))
}

fn write_json(path: &Path, m: Map<String, Value>) -> Result<(), Error> {
    if m.is_empty() {
        let _ = std::fs::remove_file(path);
        return Ok(());
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(m)).expect("because JSON serialises");
    text.push('\n');
    write_text(path, &text)
}

/// Add or remove `mcpServers."git-coord"`.
fn mcp_json(path: &Path, install: bool) -> Result<Status, Error> {
    let existing = read_json(path)?;
    if !install && existing.is_none() {
        return Ok(Status::Already);
    }
    let mut m = existing.unwrap_or_default();
    let servers = m.entry("mcpServers").or_insert_with(|| json!({}));
    let Some(servers) = servers.as_object_mut() else {
        return Err(Error::usage(
            format!("mcpServers in {} is not an object", path.display()),
            None,
        ));
    };
    let status = if install {
        // The user's own entry (another command, an `env`) is theirs: keep it.
        if servers.contains_key("git-coord") {
            return Ok(Status::Already);
        }
        servers.insert("git-coord".into(), server_entry());
        Status::Done
    } else {
        if servers.remove("git-coord").is_none() {
            return Ok(Status::Already);
        }
        Status::Done
    };
    if servers.is_empty() {
        m.remove("mcpServers");
    }
    write_json(path, m)?;
    Ok(status)
}

/// Add or remove our pre-tool hook (`event`, for the tools `matcher` names) in a host's
/// JSON settings.
fn json_hook(path: &Path, event: &str, matcher: &str, install: bool) -> Result<Status, Error> {
    let existing = read_json(path)?;
    if !install && existing.is_none() {
        return Ok(Status::Already);
    }
    let mut m = existing.unwrap_or_default();
    let hooks = m.entry("hooks").or_insert_with(|| json!({}));
    let pre = hooks
        .as_object_mut()
        .map(|h| h.entry(event).or_insert_with(|| json!([])));
    let Some(Value::Array(list)) = pre else {
        return Err(Error::usage(
            format!("hooks.{event} in {} is not a list", path.display()),
            None,
        ));
    };
    let ours = |v: &Value| {
        v["hooks"]
            .as_array()
            .is_some_and(|h| h.iter().any(|x| x["command"] == HOOK_COMMAND))
    };
    let entry = json!({"matcher": matcher, "hooks": [{"type": "command", "command": HOOK_COMMAND}]});
    let had = list.iter().any(ours);
    let current = list.iter().any(|v| ours(v) && v["matcher"] == matcher);
    let status = match (install, had) {
        (true, true) if current => Status::Already,
        (false, false) => Status::Already,
        (true, _) => {
            // Ours from an older version (fewer tools): replaced, the user's hooks kept.
            list.retain(|v| !ours(v));
            list.push(entry);
            Status::Done
        }
        (false, true) => {
            list.retain(|v| !ours(v));
            Status::Done
        }
    };
    if status == Status::Already {
        return Ok(status);
    }
    if list.is_empty() {
        if let Some(h) = m.get_mut("hooks").and_then(Value::as_object_mut) {
            h.remove(event);
            if h.is_empty() {
                m.remove("hooks");
            }
        }
    }
    write_json(path, m)?;
    Ok(status)
}

/// Our block of Codex's config: the server table unless the user registered `git-coord`
/// themselves outside the block (Codex refuses a config that defines a table twice), and
/// the pre-edit hook.
fn codex_body(path: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let (outside, _) = crate::model::text::remove_block(&text, TOML_BEGIN, TOML_END);
    let theirs = toml::from_str::<toml::Table>(&outside)
        .map_err(|e| {
            Error::usage(
                format!(
                    "{} is not valid TOML ({}); fix it, then run init --agents again",
                    path.display(),
                    e.message()
                ),
                None,
            )
        })?
        .get("mcp_servers")
        .and_then(|t| t.get("git-coord"))
        .is_some();
    let server = if theirs {
        ""
    } else {
        "[mcp_servers.git-coord]\ncommand = \"git-coord\"\nargs = [\"mcp\"]\n\n"
    };
    Ok(format!(
        "{server}[[hooks.PreToolUse]]\nmatcher = \"apply_patch\"\n\n[[hooks.PreToolUse.hooks]]\ntype = \"command\"\ncommand = \"{HOOK_COMMAND}\"\n"
    ))
}

/// Add or remove a marker-delimited block in a text file.
fn block(path: &Path, begin: &str, end: &str, body: &str, install: bool) -> Result<Status, Error> {
    let existing = match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::usage(format!("cannot read {}: {e}", path.display()), None)),
    };
    let text = existing.clone().unwrap_or_default();
    let (rest, _) = crate::model::text::remove_block(&text, begin, end);
    let ours = format!("{begin}\n{body}{end}\n");
    if install {
        let new = if rest.trim().is_empty() {
            ours
        } else {
            format!("{}\n\n{ours}", rest.trim_end())
        };
        if existing.as_deref() == Some(new.as_str()) {
            return Ok(Status::Already);
        }
        write_text(path, &new)?;
        Ok(Status::Done)
    } else {
        if existing.is_none() || !text.contains(begin) {
            return Ok(Status::Already);
        }
        if rest.trim().is_empty() {
            let _ = std::fs::remove_file(path);
        } else {
            write_text(path, &format!("{}\n", rest.trim_end()))?;
        }
        Ok(Status::Done)
    }
}

pub fn agents(ctx: &Context, install: bool) -> Result<SetupReport, Error> {
    let Some(root) = ctx.store.workdir() else {
        return Err(Error::usage("init --agents needs a work tree", None));
    };
    let mut steps = Vec::new();
    let word = if install { "registered" } else { "removed" };
    for (name, rel) in [
        ("claude-code", ".mcp.json"),
        ("cursor", ".cursor/mcp.json"),
        ("gemini", ".gemini/settings.json"),
    ] {
        let st = mcp_json(&root.join(rel), install)?;
        steps.push(Step::new(name, st, format!("{rel}: MCP server git-coord {word}")));
    }
    let codex = root.join(".codex/config.toml");
    let before = std::fs::read_to_string(&codex).ok();
    let st = block(&codex, TOML_BEGIN, TOML_END, &codex_body(&codex)?, install)?;
    if let Some(Err(e)) = std::fs::read_to_string(&codex)
        .ok()
        .map(|t| toml::from_str::<toml::Table>(&t))
    {
        // Never leave Codex a config it refuses: put the user's file back as it was.
        match &before {
            Some(b) => write_text(&codex, b)?,
            None => {
                let _ = std::fs::remove_file(&codex);
            }
        }
        return Err(Error::usage(
            format!(
                "adding git-coord to {} would make it invalid TOML ({}); add the server and the hook by hand (see the README)",
                codex.display(),
                e.message()
            ),
            None,
        ));
    }
    steps.push(Step::new(
        "codex",
        st,
        format!(".codex/config.toml: MCP server git-coord and PreToolUse hook `{HOOK_COMMAND}` {word}"),
    ));
    for (name, rel, event, matcher) in [
        (
            "pre-edit",
            ".claude/settings.json",
            "PreToolUse",
            "Edit|Write|MultiEdit|NotebookEdit",
        ),
        ("pre-edit", ".gemini/settings.json", "BeforeTool", "write_file|replace"),
    ] {
        let st = json_hook(&root.join(rel), event, matcher, install)?;
        steps.push(Step::new(
            name,
            st,
            format!("{rel}: {event} hook `{HOOK_COMMAND}` {word}"),
        ));
    }
    for f in ["AGENTS.md", "CLAUDE.md"] {
        let st = block(&root.join(f), MD_BEGIN, MD_END, PROTOCOL, install)?;
        steps.push(Step::new(
            "protocol",
            st,
            format!("{f}: coordination protocol block {word}"),
        ));
    }
    Ok(SetupReport::for_steps(ctx, steps))
}
