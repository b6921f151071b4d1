//! The short answers an agent reads: one function per tool, from the tool's report to a few
//! lines of text (an agent pays for every byte; `verbose: true` returns the report as JSON
//! instead). Must not call ops or read arguments.

use crate::model::{AgentId, Claim};
use crate::ops::claim::{ClaimReport, Decision};
use crate::ops::handoff::{HandoffList, HandoffReport};
use crate::ops::inbox::Inbox;
use crate::ops::log::LogReport;
use crate::ops::query::{CheckReport, StatusReport, WhoReport};
use crate::ops::release::{ReleaseReport, RenewReport};
use crate::ops::symbols::SymbolsReport;
use crate::ops::task::{NextReport, TaskWriteReport};

/// The answer: the full report as JSON when asked, else the short text.
pub(super) fn answer<T: serde::Serialize>(verbose: bool, report: &T, short: impl FnOnce(&T) -> String) -> String {
    if verbose {
        serde_json::to_string(report).expect("because reports serialise")
    } else {
        short(report)
    }
}

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
            format!("CONFLICT — do not edit these. {}", held.join("; "))
        }
        d => format!(
            "{}: {}",
            d.name(),
            r.claims.iter().map(claim_line).collect::<Vec<_>>().join("; ")
        ),
    };
    if r.pending {
        t.push_str(&format!(
            " (pending: {}; run sync later)",
            r.error.as_deref().unwrap_or("offline")
        ));
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

pub(super) fn task_done(r: &TaskWriteReport) -> String {
    format!("{} is {}", r.task.task.id, r.task.task.status.name())
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
