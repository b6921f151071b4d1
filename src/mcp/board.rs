//! The board tools: tasks, handoffs, inbox. Each reads its typed arguments, runs the
//! operation and hands the report to `answers`.

use super::answers;
use super::args::{
    HandoffIdArgs, HandoffListArgs, HandoffWriteArgs, SpecialtyArgs, TaskAddArgs, TaskIdArgs, TaskLeaseArgs,
    TaskListArgs, TaskReviewArgs, TaskTakeArgs, TaskVerdictArgs,
};
use super::tools::{reply, span, Call, Failure, Reply};
use crate::model::{HandoffStatus, Verdict};
use crate::ops::{handoff, task};

pub(super) fn task_add(c: &Call) -> Result<Reply, Failure> {
    let a: TaskAddArgs = c.args()?;
    let req = task::AddRequest {
        title: a.title,
        body: a.body,
        priority: a.priority.unwrap_or(5),
        depends_on: a.depends_on,
        specialty: a.specialty,
        scopes: a.scopes,
    };
    let r = task::add(c.ctx, &req, &None)?;
    Ok(reply(
        a.verbose,
        &r,
        answers::task_written("added", &r),
        r.delivery.pending,
    ))
}

pub(super) fn task_list(c: &Call) -> Result<Reply, Failure> {
    let a: TaskListArgs = c.args()?;
    let r = task::list(c.ctx, a.status, a.specialty.as_deref(), true)?;
    Ok(reply(a.verbose, &r, answers::task_list(&r), false))
}

pub(super) fn task_show(c: &Call) -> Result<Reply, Failure> {
    let a: TaskIdArgs = c.args()?;
    let r = task::show(c.ctx, &a.id, true)?;
    Ok(reply(a.verbose, &r, answers::task_show(&r), false))
}

pub(super) fn task_next(c: &Call) -> Result<Reply, Failure> {
    let a: SpecialtyArgs = c.args()?;
    let r = task::next(c.ctx, a.specialty.as_deref(), true)?;
    Ok(reply(a.verbose, &r, answers::task_next(&r), false))
}

pub(super) fn task_claim(c: &Call) -> Result<Reply, Failure> {
    let a: TaskTakeArgs = c.args()?;
    let r = task::claim(
        c.ctx,
        a.id.as_deref(),
        a.specialty.as_deref(),
        span(&a.ttl, "ttl")?,
        &None,
    )?;
    Ok(reply(a.verbose, &r, answers::task_taken(&r), r.delivery.pending))
}

pub(super) fn task_done(c: &Call) -> Result<Reply, Failure> {
    let a: TaskLeaseArgs = c.args()?;
    let r = task::done(c.ctx, &a.id, &a.token, a.no_review, &None)?;
    Ok(reply(
        a.verbose,
        &r,
        answers::task_written("is now", &r),
        r.delivery.pending,
    ))
}

pub(super) fn task_renew(c: &Call) -> Result<Reply, Failure> {
    let a: TaskLeaseArgs = c.args()?;
    let r = task::renew(c.ctx, &a.id, &a.token, span(&a.ttl, "ttl")?, &None)?;
    Ok(reply(a.verbose, &r, answers::task_renewed(&r), r.delivery.pending))
}

pub(super) fn task_review(c: &Call) -> Result<Reply, Failure> {
    let a: TaskReviewArgs = c.args()?;
    let r = task::review_claim(c.ctx, a.id.as_deref(), a.specialty.as_deref(), &None)?;
    Ok(reply(
        a.verbose,
        &r,
        answers::task_written("you review", &r),
        r.delivery.pending,
    ))
}

fn verdict(c: &Call, make: fn(Option<String>) -> Result<Verdict, Failure>) -> Result<Reply, Failure> {
    let a: TaskVerdictArgs = c.args()?;
    let r = task::decide(c.ctx, &a.id, &make(a.reason)?, &None)?;
    Ok(reply(
        a.verbose,
        &r,
        answers::task_written("is now", &r),
        r.delivery.pending,
    ))
}

pub(super) fn task_approve(c: &Call) -> Result<Reply, Failure> {
    verdict(c, |_| Ok(Verdict::Approve))
}

pub(super) fn task_reject(c: &Call) -> Result<Reply, Failure> {
    verdict(c, |reason| {
        reason
            .filter(|r| !r.trim().is_empty())
            .map(Verdict::Reject)
            .ok_or_else(|| Failure::Invalid("missing required field `reason`: say what the worker must change".into()))
    })
}

pub(super) fn task_cancel(c: &Call) -> Result<Reply, Failure> {
    verdict(c, |reason| Ok(Verdict::Cancel(reason)))
}

pub(super) fn handoff_write(c: &Call) -> Result<Reply, Failure> {
    let a: HandoffWriteArgs = c.args()?;
    let req = handoff::WriteRequest {
        task: a.task,
        to: a.to,
        summary: a.summary,
        notes: a.notes,
    };
    let r = handoff::write(c.ctx, &req)?;
    Ok(reply(a.verbose, &r, answers::handoff_written(&r), false))
}

pub(super) fn handoff_list(c: &Call) -> Result<Reply, Failure> {
    let a: HandoffListArgs = c.args()?;
    let r = handoff::list(c.ctx, a.to.as_deref(), a.status, true)?;
    Ok(reply(a.verbose, &r, answers::handoff_list(&r), false))
}

pub(super) fn handoff_show(c: &Call) -> Result<Reply, Failure> {
    let a: HandoffIdArgs = c.args()?;
    let r = handoff::show(c.ctx, &a.id, true)?;
    let text = r.document.clone().unwrap_or_default();
    Ok(reply(a.verbose, &r, text, false))
}

fn advance(c: &Call, to: HandoffStatus) -> Result<Reply, Failure> {
    let a: HandoffIdArgs = c.args()?;
    let r = handoff::advance(c.ctx, &a.id, to)?;
    Ok(reply(a.verbose, &r, answers::handoff_advanced(&r), false))
}

pub(super) fn handoff_claim(c: &Call) -> Result<Reply, Failure> {
    advance(c, HandoffStatus::Claimed)
}

pub(super) fn handoff_ack(c: &Call) -> Result<Reply, Failure> {
    advance(c, HandoffStatus::Acked)
}

pub(super) fn inbox(c: &Call) -> Result<Reply, Failure> {
    let a: SpecialtyArgs = c.args()?;
    let r = crate::ops::inbox::inbox(c.ctx, a.specialty.as_deref(), true)?;
    Ok(reply(a.verbose, &r, answers::inbox(&r), false))
}
