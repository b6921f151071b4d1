//! The editor's pre-edit guard: judge one pending edit (the file, and the symbols the edit
//! touches) against the board before the editor writes it. Parsing the host's payload is
//! the front end's job (cli/hook.rs); this takes a [`PendingEdit`].

use serde::Serialize;

use super::context::Context;
use super::enforce::judge;
use super::error::Error;
use super::txn::view;

/// What the editor's pre-edit hook decided.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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

/// One edit an editor is about to make, as the front end read it from the host's payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEdit {
    /// The file, absolute or relative to the repository root.
    pub file: String,
    pub change: EditChange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditChange {
    /// The whole new content.
    Write(String),
    /// Replacements applied in order to the current content (`old`, `new`, all occurrences).
    /// One whose `old` text is not in the file is judged as a change of the whole file.
    Replace(Vec<(String, String, bool)>),
    /// A change that cannot be read line by line (a notebook, a deleted or moved file):
    /// judged as touching the whole file.
    Whole,
}

/// Judge a pending edit: blocked when the file, or a symbol the edit touches (judged on the
/// final text), is held by another agent. With `auto_claim`, a free file is claimed for the
/// agent.
pub fn pre_edit(ctx: &Context, edit: &PendingEdit) -> Result<PreEdit, Error> {
    let Some((rel, full)) = inside_repo(ctx, &edit.file) else {
        return Ok(PreEdit::allow(None));
    };
    let old = std::fs::read_to_string(&full).ok();
    let new = match &edit.change {
        EditChange::Write(text) => Some(text.clone()),
        EditChange::Replace(edits) => {
            edits
                .iter()
                .try_fold(old.clone().unwrap_or_default(), |text, (from, to, all)| {
                    // Text the file does not hold: the edit is judged as touching all of it.
                    (!from.is_empty() && text.contains(from.as_str())).then(|| {
                        if *all {
                            text.replace(from.as_str(), to)
                        } else {
                            text.replacen(from.as_str(), to, 1)
                        }
                    })
                })
        }
        EditChange::Whole => None,
    };
    // A whole-file change: every symbol of the old file goes (or, for a file not there yet,
    // the file appears).
    let new = match (new, &old) {
        (Some(n), _) => Some(n),
        (None, Some(_)) => None,
        (None, None) => Some(String::new()),
    };
    let change = crate::store::FileChange {
        path: rel.clone(),
        old: old.as_ref().map(|o| ctx.store.write_blob(o.as_bytes())).transpose()?,
        new: new.map(|n| ctx.store.write_blob(n.as_bytes())).transpose()?,
    };
    let state = view(ctx, ctx.online_remote().is_some())?.state;
    let violations = judge(ctx, &state, Some(&ctx.agent), &[("edit".to_owned(), change)])?;
    if let Some(v) = violations.first() {
        return Ok(refusal(&rel, v));
    }
    if ctx.policy.auto_claim {
        return auto_claim(ctx, rel, old.is_none());
    }
    Ok(PreEdit::allow(Some(rel)))
}

impl PreEdit {
    fn allow(file: Option<String>) -> PreEdit {
        PreEdit {
            allowed: true,
            file,
            reason: None,
            claimed: None,
        }
    }
}

/// The file's path relative to the work tree and its full path, when it lies inside.
fn inside_repo(ctx: &Context, file: &str) -> Option<(String, std::path::PathBuf)> {
    let root = ctx.store.workdir()?;
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let path = std::path::Path::new(file);
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
    let rel = full.strip_prefix(&root).ok()?.to_string_lossy().replace('\\', "/");
    Some((rel, full))
}

fn refusal(rel: &str, v: &super::enforce::Violation) -> PreEdit {
    let what = v
        .symbol
        .as_ref()
        .map(|s| format!("{rel}::{s}"))
        .unwrap_or_else(|| rel.to_owned());
    PreEdit {
        allowed: false,
        file: Some(rel.to_owned()),
        reason: Some(format!(
            "{what} is held by {} ({}, until {}{}). Do not edit it now: work on something else, claim {} with a wait (MCP tool `claim` with `wait`; `git coord claim … --wait 10m`), or ask {} to release it.",
            v.claim.agent,
            v.claim.id,
            v.claim.expires_at,
            v.claim.note.as_ref().map(|n| format!(": {n}")).unwrap_or_default(),
            what,
            v.claim.agent
        )),
        claimed: None,
    }
}

fn auto_claim(ctx: &Context, rel: String, new_file: bool) -> Result<PreEdit, Error> {
    let req = super::claim::ClaimRequest {
        scopes: vec![rel.clone()],
        new: new_file,
        note: Some("auto-claimed by the pre-edit hook".into()),
        ..Default::default()
    };
    struct Quiet;
    impl super::claim::WaitObserver for Quiet {
        fn queued(&mut self, _: &super::claim::ClaimReport, _: crate::model::Timestamp) {}
    }
    let r = super::claim::claim(ctx, &req, &mut Quiet)?;
    let mut out = PreEdit::allow(Some(rel.clone()));
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
    Ok(out)
}
