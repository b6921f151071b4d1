//! The pre-edit guard: an agent host (Claude Code, Codex, Gemini CLI) asks before a tool
//! writes a file. The answer is in the host's own hook format on stdout, with the reason on
//! stderr and exit 2 for a refusal (every host blocks on exit 2 and shows stderr to the
//! agent). An edit the guard cannot judge goes ahead with a visible message, or is refused
//! when `.coord.toml` says `[agents] on_error = "deny"`.

use serde_json::{json, Value};

use super::payload::{self, Host};
use crate::front::render::{self, warn, Out};
use crate::front::Exit;
use crate::model::GuardOnError;
use crate::ops::pre_edit::{pre_edit, PreEdit};
use crate::ops::{Context, Error, Settings};

/// Judge the pending edit in the hook's standard input.
pub fn guard(settings: Result<Settings, Error>, out: &mut Out) -> Exit {
    let input = payload::stdin();
    let parsed: Option<Value> = input.as_ref().ok().and_then(|i| serde_json::from_str(i).ok());
    let host = parsed.as_ref().map(payload::host).unwrap_or(Host::Claude);
    let answer = Answer { host, json: out.json };
    let mut settings = match settings {
        Ok(s) => s,
        Err(e) => return answer.undecided(GuardOnError::Allow, &one_line(&e)),
    };
    if let Some(cwd) = parsed.as_ref().and_then(|p| p["cwd"].as_str()) {
        settings.cwd = cwd.into();
    }
    let edits = parsed.as_ref().and_then(payload::pending_edits);
    if parsed.is_some() && edits.is_none() {
        // A tool that writes no file: nothing to judge, nothing to say, no repository read.
        return answer.pass(None);
    }
    // The repository (for its policy) even when the input is unreadable.
    let ctx = Context::open(settings);
    let on_error = ctx.as_ref().map(|c| c.policy.guard_on_error).unwrap_or_default();
    let (payload, edits) = match (input, parsed, edits) {
        (Err(e), ..) => return answer.undecided(on_error, &one_line(&e)),
        (Ok(i), None, _) if i.trim().is_empty() => return answer.undecided(on_error, "the hook got no input"),
        (Ok(_), None, _) => return answer.undecided(on_error, "the hook's input is not JSON"),
        (Ok(_), Some(p), Some(e)) => (p, e),
        (Ok(_), Some(_), None) => unreachable!("a tool that writes no file passed above"),
    };
    let ctx = match ctx {
        Ok(c) => c,
        Err(e) => return answer.undecided(on_error, &one_line(&e)),
    };
    if edits.is_empty() {
        let tool = payload["tool_name"].as_str().unwrap_or("?");
        return answer.undecided(on_error, &format!("cannot read which file the {tool} call edits"));
    }
    let mut claimed = Vec::new();
    for edit in &edits {
        match pre_edit(&ctx, edit) {
            Ok(r) if !r.allowed => return answer.deny(&r),
            Ok(r) => claimed.extend(
                r.claimed
                    .map(|c| format!("claimed {} for this edit ({c})", r.file.unwrap_or_default())),
            ),
            Err(e) => return answer.undecided(on_error, &one_line(&e)),
        }
    }
    if out.json {
        out.json(
            &json!({"allowed": true, "files": edits.iter().map(|e| &e.file).collect::<Vec<_>>(), "claimed": claimed}),
        );
        return Exit::Ok;
    }
    answer.pass((!claimed.is_empty()).then(|| format!("git-coord: {}", claimed.join("; "))))
}

fn one_line(e: &Error) -> String {
    render::error_text(e).trim().replace('\n', "; ")
}

struct Answer {
    host: Host,
    /// `--json`: git-coord's own report instead of the host's format.
    json: bool,
}

impl Answer {
    fn print(&self, v: &Value) {
        println!("{v}");
    }

    /// The edit goes ahead; `message` is shown to the user.
    fn pass(&self, message: Option<String>) -> Exit {
        if let Some(m) = message {
            warn(&m);
            if !self.json {
                self.print(&json!({"systemMessage": m}));
            }
        }
        Exit::Ok
    }

    /// The edit is refused: the reason reaches the agent.
    fn deny(&self, r: &PreEdit) -> Exit {
        let reason = format!("git-coord: {}", r.reason.as_deref().unwrap_or("held by another agent"));
        warn(&reason);
        if self.json {
            self.print(&serde_json::to_value(r).expect("because the report serialises"));
        } else {
            self.print(&match self.host {
                Host::Gemini => json!({"decision": "deny", "reason": reason}),
                Host::Claude | Host::Codex => json!({"hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": "deny",
                    "permissionDecisionReason": reason}}),
            });
        }
        Exit::Usage // 2: the blocking exit code of every host's hooks
    }

    /// The guard could not judge the edit: it goes ahead with a message, or is refused.
    fn undecided(&self, on_error: GuardOnError, why: &str) -> Exit {
        match on_error {
            GuardOnError::Allow => self.pass(Some(format!(
                "git-coord could not check this edit ({why}); it goes ahead unchecked. Run `git coord doctor` in the repository."
            ))),
            GuardOnError::Deny => self.deny(&PreEdit {
                allowed: false,
                file: None,
                reason: Some(format!(
                    "could not check this edit ({why}), and .coord.toml says [agents] on_error = \"deny\". Run `git coord doctor` in the repository."
                )),
                claimed: None,
            }),
        }
    }
}
