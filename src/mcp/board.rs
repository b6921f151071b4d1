//! The board tools: tasks, handoffs, inbox. Each reads its arguments, runs the operation and
//! hands the report to `answers`.

use serde_json::Value;

use super::answers::{self, answer};
use super::args::{flag, s, span};
use crate::model::HandoffStatus;
use crate::ops::{handoff, task, Context, Error};

pub(super) fn task_next(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let r = task::next(ctx, s(args, "specialty").as_deref(), true)?;
    Ok(answer(verbose, &r, answers::task_next))
}

pub(super) fn task_claim_next(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let r = task::claim(ctx, None, s(args, "specialty").as_deref(), span(args, "ttl")?, &None)?;
    Ok(answer(verbose, &r, answers::task_taken))
}

pub(super) fn task_done(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let id = s(args, "id").unwrap_or_default();
    let token = s(args, "token").unwrap_or_default();
    let r = task::done(ctx, &id, &token, flag(args, "no_review"), &None)?;
    Ok(answer(verbose, &r, answers::task_done))
}

pub(super) fn task_renew(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let id = s(args, "id").unwrap_or_default();
    let token = s(args, "token").unwrap_or_default();
    let r = task::renew(ctx, &id, &token, span(args, "ttl")?, &None)?;
    Ok(answer(verbose, &r, answers::task_renewed))
}

pub(super) fn handoff_write(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let req = handoff::WriteRequest {
        task: s(args, "task"),
        to: s(args, "to"),
        summary: s(args, "summary").unwrap_or_default(),
        notes: s(args, "notes"),
    };
    Ok(answer(verbose, &handoff::write(ctx, &req)?, answers::handoff_written))
}

pub(super) fn handoff_list(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let status = s(args, "status")
        .map(|t| {
            serde_json::from_value::<HandoffStatus>(Value::String(t.clone()))
                .map_err(|_| Error::usage(format!("invalid status '{t}'"), None))
        })
        .transpose()?;
    let r = handoff::list(ctx, s(args, "to").as_deref(), status, true)?;
    Ok(answer(verbose, &r, answers::handoff_list))
}

pub(super) fn handoff_read(ctx: &Context, args: &Value, _verbose: bool) -> Result<String, Error> {
    let r = handoff::show(ctx, &s(args, "id").unwrap_or_default(), true)?;
    Ok(r.document.unwrap_or_default())
}

pub(super) fn inbox(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let r = crate::ops::inbox::inbox(ctx, s(args, "specialty").as_deref(), true)?;
    Ok(answer(verbose, &r, answers::inbox))
}
