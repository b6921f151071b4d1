//! `git coord hook …` (hidden): what the installed git hooks call.

use std::io::Read;

use super::render::Out;
use super::warn;
use crate::front::Exit;
use crate::model::{AgentId, HookMode};
use crate::ops::hook::{pre_push, pre_receive, HookReport, RefUpdate};
use crate::ops::pre_edit::{EditChange, PendingEdit};
use crate::ops::{Context, Error};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    which: Which,
}

impl Args {
    pub fn is_pre_edit(&self) -> bool {
        matches!(self.which, Which::PreEdit)
    }
}

/// Named after the git hooks they serve.
#[derive(clap::Subcommand, Debug)]
#[allow(clippy::enum_variant_names)]
enum Which {
    /// Judge a push (git's pre-push stdin) against other agents' claims
    PrePush {
        /// The remote's name (or URL), as git passes it
        #[arg(value_name = "REMOTE")]
        push_remote: String,
        /// The remote's URL, as git passes it
        #[arg(value_name = "URL")]
        push_url: Option<String>,
    },
    /// Judge a push on the server (git's pre-receive stdin); --no-verify cannot skip it
    PreReceive,
    /// Judge an editor's pending edit (Claude Code PreToolUse JSON on stdin); exit 2 blocks
    PreEdit,
}

/// Claude Code's PreToolUse payload for Edit, Write and MultiEdit, as a pending edit.
fn pending_edit(payload: &serde_json::Value) -> Option<PendingEdit> {
    let input = &payload["tool_input"];
    let text = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or("").to_owned();
    let replace = |e: &serde_json::Value| (text(e, "old_string"), text(e, "new_string"), e["replace_all"] == true);
    let change = match payload["tool_name"].as_str()? {
        "Write" => EditChange::Write(text(input, "content")),
        "Edit" => EditChange::Replace(vec![replace(input)]),
        "MultiEdit" => EditChange::Replace(input["edits"].as_array()?.iter().map(replace).collect()),
        _ => return None,
    };
    Some(PendingEdit {
        file: input["file_path"].as_str()?.to_owned(),
        change,
    })
}

/// The editor hook must never block by accident: any failure lets the edit through, with a
/// visible warning.
pub fn pre_edit_fail_open(settings: crate::ops::Settings, out: &mut Out) -> Exit {
    let input = match stdin() {
        Ok(i) => i,
        Err(e) => {
            warn(&format!("git-coord pre-edit: {e}; edit allowed without a claim check"));
            return Exit::Ok;
        }
    };
    let payload: serde_json::Value = serde_json::from_str(&input).unwrap_or(serde_json::Value::Null);
    let mut settings = settings;
    if let Some(cwd) = payload["cwd"].as_str() {
        settings.cwd = cwd.into();
    }
    let decided = match pending_edit(&payload) {
        Some(edit) => Context::open(settings).and_then(|ctx| crate::ops::pre_edit::pre_edit(&ctx, &edit)),
        // Not an edit of a file (another tool, or no path): nothing to judge.
        None => Ok(crate::ops::pre_edit::PreEdit {
            allowed: true,
            file: None,
            reason: None,
            claimed: None,
        }),
    };
    match decided {
        Ok(r) => {
            if out.json {
                out.json(&r);
            }
            if let Some(c) = &r.claimed {
                warn(&format!(
                    "git-coord: claimed {} for this edit ({c})",
                    r.file.as_deref().unwrap_or("")
                ));
            }
            if r.allowed {
                Exit::Ok
            } else {
                warn(&format!(
                    "git-coord: {}",
                    r.reason.as_deref().unwrap_or("held by another agent")
                ));
                Exit::Usage // 2: the blocking exit code of editor hooks
            }
        }
        Err(e) => {
            warn(&format!(
                "git-coord pre-edit: not checked ({}); the edit is allowed. Run `git coord doctor` to set this repository up.",
                super::render::error_text(&e).trim().replace('\n', "; ")
            ));
            Exit::Ok
        }
    }
}

fn stdin() -> Result<String, Error> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| Error::usage(format!("cannot read the hook's input: {e}"), None))?;
    Ok(s)
}

/// The pusher's agent id from push options (`git push -o coord-agent=ID`).
fn push_option_agent() -> Result<Option<AgentId>, Error> {
    let n: usize = std::env::var("GIT_PUSH_OPTION_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for i in 0..n {
        if let Some(v) = std::env::var(format!("GIT_PUSH_OPTION_{i}"))
            .ok()
            .and_then(|v| v.strip_prefix("coord-agent=").map(str::to_owned))
        {
            return Ok(Some(AgentId::new(v)?));
        }
    }
    Ok(None)
}

/// git's all-zeros id: that side of the update does not exist.
const ZERO: &str = "0000000000000000000000000000000000000000";

/// git's hook stdin, one update per line: pre-push gives `<local ref> <local oid> <remote
/// ref> <remote oid>`, pre-receive `<old> <new> <ref>`.
fn ref_updates(input: &str, which: &Which) -> Result<Vec<RefUpdate>, Error> {
    let oid = |hex: &str| -> Result<Option<gix::ObjectId>, Error> {
        if hex == ZERO {
            return Ok(None);
        }
        gix::ObjectId::from_hex(hex.as_bytes())
            .map(Some)
            .map_err(|_| Error::usage(format!("not an object id: '{hex}'"), None))
    };
    let mut out = Vec::new();
    for line in input.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let update = match (which, &parts[..]) {
            (Which::PrePush { .. }, [_local_ref, local, remote_ref, remote_oid]) => RefUpdate {
                refname: (*remote_ref).to_owned(),
                old: oid(remote_oid)?,
                new: oid(local)?,
            },
            (Which::PreReceive, [old, new, refname]) => RefUpdate {
                refname: (*refname).to_owned(),
                old: oid(old)?,
                new: oid(new)?,
            },
            _ => {
                let hook = if matches!(which, Which::PreReceive) {
                    "pre-receive"
                } else {
                    "pre-push"
                };
                return Err(Error::usage(format!("unexpected {hook} input: '{line}'"), None));
            }
        };
        out.push(update);
    }
    Ok(out)
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let updates = ref_updates(&stdin()?, &a.which)?;
    let report = match &a.which {
        Which::PrePush { push_remote, .. } => pre_push(ctx, push_remote, &updates)?,
        Which::PreReceive => pre_receive(ctx, &updates, push_option_agent()?.as_ref())?,
        Which::PreEdit => unreachable!("pre-edit fails open and is handled before the context opens"),
    };
    if out.json {
        out.json(&report);
    } else {
        explain(ctx, &report, matches!(a.which, Which::PreReceive));
    }
    Ok(if report.refuse { Exit::Refused } else { Exit::Ok })
}

/// The hook's words go to stderr (git shows them; on a server, as `remote:` lines).
fn explain(ctx: &Context, r: &HookReport, server: bool) {
    if let Some(e) = &r.fetch_error {
        warn(&format!(
            "git-coord: could not refresh claims from the remote ({e}); judging on the local copy"
        ));
    }
    for c in &r.refused_coord {
        warn(&format!("git-coord: refused {c}"));
    }
    if r.violations.is_empty() {
        return;
    }
    let verdict = if r.mode == HookMode::Enforce {
        "push refused"
    } else {
        "warning (hook mode is warn; pushing anyway)"
    };
    warn(&format!("git-coord: {verdict}: it changes what other agents hold\n"));
    for l in super::render::table(&r.violations, ctx.now()) {
        warn(&l);
    }
    let first = &r.violations[0];
    let scope = first.claim.scope.to_string();
    warn("\nways forward:");
    warn(&format!(
        "  - ask {} to release it (see `git coord who {}`)",
        first.claim.agent, first.file
    ));
    warn(&format!(
        "  - wait for it: git coord claim {scope} --wait 30m, then push again"
    ));
    warn(&format!(
        "  - if the claim is stale: git coord release --force {} (recorded in the history)",
        first.claim.id
    ));
    if server {
        warn("  - this check runs on the server: identify yourself with `git push -o coord-agent=<your id>` if you hold the claim");
    } else {
        warn("  - or skip this check with `git push --no-verify` (the push lands over their claim; a server-side hook may still refuse)");
    }
}
