//! The editor's pre-edit guard: judge one pending edit (the file, and the symbols the edit
//! touches) against the board before the editor writes it. Parsing the host's payload is
//! the front end's job (cli/hook.rs); this takes the JSON value.

use serde::Serialize;

use super::context::Context;
use super::enforce::judge;
use super::error::Error;
use super::txn::view;

/// What the editor's pre-edit hook decided.
#[derive(Debug, Clone, Serialize)]
pub struct PreEdit {
    pub allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The claim `auto_claim` took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed: Option<String>,
}

/// Judge an editor's pending edit (Claude Code's PreToolUse payload for Edit, Write and
/// MultiEdit): blocked when the file, or a symbol the edit touches, is held by another
/// agent. With `auto_claim`, a free file is claimed for the agent.
pub fn pre_edit(ctx: &Context, payload: &serde_json::Value) -> Result<PreEdit, Error> {
    let allow = |file: Option<String>| PreEdit {
        allowed: true,
        file,
        reason: None,
        claimed: None,
    };
    let tool = payload["tool_name"].as_str().unwrap_or("");
    if !matches!(tool, "Edit" | "Write" | "MultiEdit") {
        return Ok(allow(None));
    }
    let Some(abs) = payload["tool_input"]["file_path"].as_str() else {
        return Ok(allow(None));
    };
    let Some(root) = ctx.store.workdir() else {
        return Ok(allow(None));
    };
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let path = std::path::Path::new(abs);
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    };
    let full = full
        .parent()
        .and_then(|p| p.canonicalize().ok())
        .map(|p| p.join(full.file_name().unwrap_or_default()))
        .unwrap_or(full);
    let Ok(rel) = full.strip_prefix(&root) else {
        return Ok(allow(None));
    };
    let rel = rel.to_string_lossy().replace('\\', "/");
    let old = std::fs::read_to_string(&full).ok();
    let input = &payload["tool_input"];
    let new = match tool {
        "Write" => input["content"].as_str().unwrap_or("").to_owned(),
        _ => {
            let mut text = old.clone().unwrap_or_default();
            let edits: Vec<&serde_json::Value> = match tool {
                "MultiEdit" => input["edits"]
                    .as_array()
                    .map(|a| a.iter().collect())
                    .unwrap_or_default(),
                _ => vec![input],
            };
            for e in edits {
                let (from, to) = (
                    e["old_string"].as_str().unwrap_or(""),
                    e["new_string"].as_str().unwrap_or(""),
                );
                text = if e["replace_all"].as_bool().unwrap_or(false) {
                    text.replace(from, to)
                } else {
                    text.replacen(from, to, 1)
                };
            }
            text
        }
    };
    let change = crate::store::FileChange {
        path: rel.clone(),
        old: old.as_ref().map(|o| ctx.store.write_blob(o.as_bytes())).transpose()?,
        new: Some(ctx.store.write_blob(new.as_bytes())?),
    };
    let state = view(ctx, ctx.online_remote().is_some())?.state;
    let violations = judge(ctx, &state, Some(&ctx.agent), &[("edit".to_owned(), change)])?;
    if let Some(v) = violations.first() {
        let what = v
            .symbol
            .as_ref()
            .map(|s| format!("{rel}::{s}"))
            .unwrap_or_else(|| rel.clone());
        return Ok(PreEdit {
            allowed: false,
            file: Some(rel.clone()),
            reason: Some(format!(
                "{what} is held by {} ({}, until {}{}). Do not edit it now: work on something else, wait with `git coord claim {} --wait 10m`, or ask {} to release it.",
                v.claim.agent,
                v.claim.id,
                v.claim.expires_at,
                v.claim.note.as_ref().map(|n| format!(": {n}")).unwrap_or_default(),
                v.symbol.as_ref().map(|_| what.clone()).unwrap_or_else(|| rel.clone()),
                v.claim.agent
            )),
            claimed: None,
        });
    }
    let mut out = allow(Some(rel.clone()));
    if ctx.policy.auto_claim {
        let req = super::claim::ClaimRequest {
            scopes: vec![rel.clone()],
            new: old.is_none(),
            note: Some("auto-claimed by the pre-edit hook".into()),
            ..Default::default()
        };
        struct Quiet;
        impl super::claim::WaitObserver for Quiet {
            fn queued(&mut self, _: &super::claim::ClaimReport, _: crate::model::Timestamp) {}
        }
        let r = super::claim::claim(ctx, &req, &mut Quiet)?;
        if r.decision == super::claim::Decision::Conflict {
            let c = &r.conflicts[0];
            out.allowed = false;
            out.reason = Some(format!(
                "{rel} is held by {} ({}). Do not edit it now.",
                c.claim.agent, c.claim.id
            ));
        } else {
            out.claimed = r.claims.first().map(|c| c.id.to_string());
        }
    }
    Ok(out)
}
