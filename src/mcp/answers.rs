//! The short answers an agent reads: one function per tool, from the tool's report to a few
//! lines of text (an agent pays for every byte; `verbose: true` returns the report as JSON
//! instead). Must not call ops or read arguments.

use crate::model::{AgentId, Claim};
use crate::ops::claim::{ClaimReport, Decision};
use crate::ops::handoff::{HandoffList, HandoffReport};
use crate::ops::inbox::AgentView;
use crate::ops::inbox::Inbox;
use crate::ops::log::LogReport;
use crate::ops::query::{CheckReport, StatusReport, WhoReport};
use crate::ops::release::{ReleaseReport, RenewReport};
use crate::ops::symbols::SymbolsReport;
use crate::ops::sync::SyncReport;
use crate::ops::task::{NextReport, TaskListReport, TaskWriteReport};

/// What an agent can do about a conflict, in tool calls (`suggestion` in the structured
/// answer says the same).
pub(super) const NEXT_ON_CONFLICT: &str = "Next: work on something else, call `claim` again with `wait` (e.g. \"15m\") to queue for it, or `release` with `force: true` only if the claim is stale.";

/// At most 10 items, then how many more.
fn capped(items: Vec<String>, sep: &str) -> String {
    let n = items.len();
    let mut shown: Vec<String> = items.into_iter().take(10).collect();
    if n > 10 {
        shown.push(format!("… and {} more (verbose: true lists all)", n - 10));
    }
    shown.join(sep)
}

fn short(text: &str) -> String {
    if text.chars().count() <= 120 {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(119).collect::<String>())
    }
}

/// One claim, as an answer line.
fn claim_line(c: &Claim) -> String {
    format!("{} {} until {}", c.id, c.scope, c.expires_at)
}

pub(super) fn claim(r: &ClaimReport) -> String {
    let mut t = match r.decision {
        Decision::Conflict => {
            let held: Vec<String> = r
                .conflicts
                .iter()
                .map(|c| {
                    format!(
                        "{} is held by {} ({}, until {}{})",
                        c.requested,
                        c.claim.agent,
                        c.claim.id,
                        c.claim.expires_at,
                        c.claim.note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
                    )
                })
                .collect();
            format!(
                "CONFLICT — do not edit these. {}. {}",
                held.join("; "),
                NEXT_ON_CONFLICT
            )
        }
        d => format!(
            "{}: {}",
            d.name(),
            r.claims.iter().map(claim_line).collect::<Vec<_>>().join("; ")
        ),
    };
    if r.pending {
        t = format!(
            "PENDING — the remote did not confirm this ({}): it is recorded on this clone only and may still conflict. Call `sync` when the remote is reachable, then `status`. {t}",
            r.error.as_deref().unwrap_or("offline")
        );
    }
    t
}

pub(super) fn release(r: &ReleaseReport) -> String {
    if r.released.is_empty() {
        return "released nothing".into();
    }
    let items = r.released.iter().map(|c| format!("{} {}", c.id, c.scope)).collect();
    format!("released {}", capped(items, ", "))
}

pub(super) fn renew(r: &RenewReport) -> String {
    format!("renewed {}", capped(r.renewed.iter().map(claim_line).collect(), "; "))
}

pub(super) fn check(r: &CheckReport) -> String {
    if r.safe && !r.yours.is_empty() {
        let held: Vec<String> = r.yours.iter().map(|c| format!("{} ({})", c.scope, c.id)).collect();
        return format!("free (you hold {})", capped(held, ", "));
    }
    if r.safe {
        return "free".into();
    }
    let held: Vec<String> = r
        .conflicts
        .iter()
        .map(|c| {
            format!(
                "{} by {} ({}, until {})",
                c.requested, c.claim.agent, c.claim.id, c.claim.expires_at
            )
        })
        .collect();
    format!("held: {}", held.join("; "))
}

pub(super) fn who(r: &WhoReport) -> String {
    if r.claims.is_empty() {
        return "nobody".into();
    }
    let lines: Vec<String> = r
        .claims
        .iter()
        .map(|c| format!("{} {}", c.agent, claim_line(c)))
        .collect();
    lines.join("\n")
}

pub(super) fn symbols(r: &SymbolsReport) -> String {
    let lines: Vec<String> = r
        .tree
        .symbols
        .iter()
        .map(|x| format!("{} {} {}-{}", x.path, x.kind, x.start_line, x.end_line))
        .collect();
    lines.join("\n")
}

pub(super) fn status(r: &StatusReport, me: &AgentId) -> String {
    let mine: Vec<String> = r.claims.iter().filter(|c| &c.agent == me).map(claim_line).collect();
    let mine = if mine.is_empty() {
        "none".to_owned()
    } else {
        capped(mine, "; ")
    };
    format!(
        "you: {me}\nyour claims: {mine}\nothers hold {} claim(s); tasks: {} open, {} claimed, {} in review; pending ops: {}",
        r.claims.iter().filter(|c| &c.agent != me).count(),
        r.tasks.open,
        r.tasks.claimed,
        r.tasks.review,
        r.pending.len()
    )
}

pub(super) fn log(r: &LogReport) -> String {
    let lines: Vec<String> = r
        .events
        .iter()
        .map(|e| short(&format!("{} {}", e.time, e.subject)))
        .collect();
    lines.join("\n")
}

pub(super) fn task_next(r: &NextReport) -> String {
    r.task
        .as_ref()
        .map(|t| format!("{} p{} {}", t.task.id, t.task.priority, t.task.title))
        .unwrap_or_else(|| "no task to take".into())
}

pub(super) fn task_taken(r: &TaskWriteReport) -> String {
    format!(
        "{}took {} \"{}\"; lease token {} until {}",
        if r.delivery.pending {
            "PENDING (not confirmed by the remote; call sync when it is back) — "
        } else {
            ""
        },
        r.task.task.id,
        r.task.task.title,
        r.lease.as_ref().map(|l| l.token.as_str()).unwrap_or(""),
        r.lease.as_ref().map(|l| l.expires_at.to_string()).unwrap_or_default()
    )
}

/// A task write: `verb` then the task.
pub(super) fn task_written(verb: &str, r: &TaskWriteReport) -> String {
    let t = &r.task.task;
    let pending = if r.delivery.pending {
        "PENDING (not confirmed by the remote; call `sync` when it is back) — "
    } else {
        ""
    };
    match verb {
        "is now" => format!("{pending}{} is now {}", t.id, t.status.name()),
        _ => format!(
            "{pending}{verb} {} p{} \"{}\" ({})",
            t.id,
            t.priority,
            t.title,
            t.status.name()
        ),
    }
}

pub(super) fn task_list(r: &TaskListReport) -> String {
    if r.tasks.is_empty() {
        return "no tasks".into();
    }
    let items = r
        .tasks
        .iter()
        .map(|v| {
            let t = &v.task;
            let who = t.worker.as_ref().map(|w| format!(" worker {w}")).unwrap_or_default();
            let blocked = if v.blocked_by.is_empty() {
                String::new()
            } else {
                format!(
                    " blocked by {}",
                    v.blocked_by
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                )
            };
            short(&format!(
                "{} p{} {} {}{who}{blocked}",
                t.id,
                t.priority,
                t.status.name(),
                t.title
            ))
        })
        .collect();
    capped(items, "\n")
}

pub(super) fn task_show(r: &TaskListReport) -> String {
    let Some(v) = r.tasks.first() else {
        return "no such task".into();
    };
    let t = &v.task;
    let mut lines = vec![format!("{} p{} {} {}", t.id, t.priority, t.status.name(), t.title)];
    if let Some(b) = &t.body {
        lines.push(short(b));
    }
    if !t.scopes.is_empty() {
        lines.push(format!("scopes: {}", crate::ops::task::scope_list(&t.scopes)));
    }
    if let Some(w) = &t.worker {
        lines.push(format!("worker: {w}"));
    }
    lines.join("\n")
}

pub(super) fn sync(r: &SyncReport) -> String {
    let mut t = format!("confirmed {}, already there {}", r.confirmed.len(), r.already.len());
    if !r.conflicted.is_empty() {
        t = format!(
            "CONFLICT — {} pending operation(s) were refused: another agent holds what they asked for. {t}",
            r.conflicted.len()
        );
    }
    t
}

pub(super) fn agents(a: &[AgentView]) -> String {
    if a.is_empty() {
        return "no agents on the board".into();
    }
    let items = a
        .iter()
        .map(|v| format!("{} {} claim(s), last seen {}", v.agent, v.claims, v.last_seen))
        .collect();
    capped(items, "\n")
}

pub(super) fn handoff_advanced(r: &HandoffReport) -> String {
    format!("{} is {}", r.handoff.id, r.handoff.status.name())
}

pub(super) fn task_renewed(r: &TaskWriteReport) -> String {
    format!(
        "renewed {} until {}",
        r.task.task.id,
        r.lease.as_ref().map(|l| l.expires_at.to_string()).unwrap_or_default()
    )
}

pub(super) fn handoff_written(r: &HandoffReport) -> String {
    format!("wrote {}; read it with: {}", r.handoff.id, r.git_show)
}

pub(super) fn handoff_list(r: &HandoffList) -> String {
    if r.handoffs.is_empty() {
        return "no handoffs".into();
    }
    let lines: Vec<String> = r
        .handoffs
        .iter()
        .map(|h| format!("{} from {}: {}", h.handoff.id, h.handoff.from, h.handoff.summary))
        .collect();
    lines.join("\n")
}

pub(super) fn inbox(r: &Inbox) -> String {
    let mut lines: Vec<String> = r
        .handoffs
        .iter()
        .map(|h| {
            format!(
                "handoff {} from {}: {}",
                h.handoff.id, h.handoff.from, h.handoff.summary
            )
        })
        .collect();
    lines.extend(r.reviews.iter().map(|t| format!("review {} {}", t.id, t.title)));
    lines.extend(r.notices.iter().cloned());
    lines.extend(
        r.granted_from_queue
            .iter()
            .map(|c| format!("granted from queue: {}", claim_line(c))),
    );
    if lines.is_empty() {
        "inbox empty".into()
    } else {
        lines.join("\n")
    }
}
