//! The board tools: tasks, handoffs, inbox.

use serde_json::Value;

use super::args::{claim_line, flag, full, s, span};
use crate::model::HandoffStatus;
use crate::ops::{handoff, task, Context, Error};

pub(super) fn task_next(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
        let r = task::next(ctx, s(args, "specialty").as_deref(), true)?;
        if verbose {
            full(&r)
        } else {
            r.task
                .as_ref()
                .map(|t| format!("{} p{} {}", t.task.id, t.task.priority, t.task.title))
                .unwrap_or_else(|| "no task to take".into())
        }
    })
}

pub(super) fn task_claim_next(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
        let r = task::claim(ctx, None, s(args, "specialty").as_deref(), span(args, "ttl")?, &None)?;
        if verbose {
            full(&r)
        } else {
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
    })
}

pub(super) fn task_done(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
        let id = s(args, "id").unwrap_or_default();
        let r = task::done(
            ctx,
            &id,
            &s(args, "token").unwrap_or_default(),
            flag(args, "no_review"),
            &None,
        )?;
        if verbose {
            full(&r)
        } else {
            format!("{} is {}", r.task.task.id, r.task.task.status.name().to_owned())
        }
    })
}

pub(super) fn task_renew(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
        let id = s(args, "id").unwrap_or_default();
        let r = task::renew(
            ctx,
            &id,
            &s(args, "token").unwrap_or_default(),
            span(args, "ttl")?,
            &None,
        )?;
        if verbose {
            full(&r)
        } else {
            format!(
                "renewed {} until {}",
                r.task.task.id,
                r.lease.as_ref().map(|l| l.expires_at.to_string()).unwrap_or_default()
            )
        }
    })
}

pub(super) fn handoff_write(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
        let req = handoff::WriteRequest {
            task: s(args, "task"),
            to: s(args, "to"),
            summary: s(args, "summary").unwrap_or_default(),
            notes: s(args, "notes"),
        };
        let r = handoff::write(ctx, &req)?;
        if verbose {
            full(&r)
        } else {
            format!("wrote {}; read it with: {}", r.handoff.id, r.git_show)
        }
    })
}

pub(super) fn handoff_list(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
        let status = s(args, "status")
            .map(|t| {
                serde_json::from_value::<HandoffStatus>(Value::String(t.clone()))
                    .map_err(|_| Error::usage(format!("invalid status '{t}'"), None))
            })
            .transpose()?;
        let r = handoff::list(ctx, s(args, "to").as_deref(), status, true)?;
        if verbose {
            full(&r)
        } else if r.handoffs.is_empty() {
            "no handoffs".into()
        } else {
            r.handoffs
                .iter()
                .map(|h| format!("{} from {}: {}", h.handoff.id, h.handoff.from, h.handoff.summary))
                .collect::<Vec<_>>()
                .join("\n")
        }
    })
}

pub(super) fn handoff_read(ctx: &Context, args: &Value, _verbose: bool) -> Result<String, Error> {
    Ok({
        let r = handoff::show(ctx, &s(args, "id").unwrap_or_default(), true)?;
        r.document.unwrap_or_default()
    })
}

pub(super) fn inbox(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
        let r = crate::ops::inbox::inbox(ctx, s(args, "specialty").as_deref(), true)?;
        if verbose {
            full(&r)
        } else if r.handoffs.is_empty()
            && r.reviews.is_empty()
            && r.notices.is_empty()
            && r.granted_from_queue.is_empty()
        {
            "inbox empty".into()
        } else {
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
            lines.join("\n")
        }
    })
}
