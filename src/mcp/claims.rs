//! The claim tools: claim, release, renew, check, who, symbols, status, sync, agents, log.
//! Each reads its typed arguments, runs the operation and hands the report to `answers`.

use std::sync::atomic::Ordering;

use super::answers;
use super::args::{ClaimArgs, LogArgs, Plain, ReleaseArgs, RenewArgs, ScopesArgs, SymbolsArgs, WhoArgs};
use super::tools::{reply, span, Call, Failure, Reply};
use crate::ops::claim::{claim as claim_op, ClaimReport, ClaimRequest, Decision, WaitObserver};
use crate::ops::{query, release, symbols};

/// A wait over MCP runs in its own thread; a `notifications/cancelled` ends it (the claim
/// leaves the queue).
struct Waiting<'a>(&'a std::sync::atomic::AtomicBool);
impl WaitObserver for Waiting<'_> {
    fn queued(&mut self, _: &ClaimReport, _: crate::model::Timestamp) {}
    fn cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

pub(super) fn claim(c: &Call) -> Result<Reply, Failure> {
    let a: ClaimArgs = c.args()?;
    let req = ClaimRequest {
        scopes: a.scopes,
        shared: a.shared,
        new: a.new,
        ttl: span(&a.ttl, "ttl")?,
        wait: span(&a.wait, "wait")?,
        urgency: a.urgency.unwrap_or_default(),
        note: a.note,
        task: a.task,
        narrowable: a.narrowable,
    };
    let r = claim_op(c.ctx, &req, &mut Waiting(c.cancel))?;
    let refused = r.decision == Decision::Conflict || r.decision == Decision::Queued;
    Ok(tool_words(reply(
        a.verbose,
        &r,
        answers::claim(&r),
        refused || r.pending,
    )))
}

/// The report's suggestion names command-line flags; an agent is told in tool calls.
fn tool_words(mut r: Reply) -> Reply {
    if let Some(s) = r.structured.get_mut("suggestion").filter(|s| s.is_string()) {
        *s = answers::NEXT_ON_CONFLICT.into();
    }
    r
}

pub(super) fn release(c: &Call) -> Result<Reply, Failure> {
    let a: ReleaseArgs = c.args()?;
    let req = release::ReleaseRequest {
        ids: a.ids,
        scopes: a.scopes,
        all: a.all,
        force: a.force,
        reason: a.reason,
    };
    let r = release::release(c.ctx, &req)?;
    Ok(reply(a.verbose, &r, answers::release(&r), r.delivery.pending))
}

pub(super) fn renew(c: &Call) -> Result<Reply, Failure> {
    let a: RenewArgs = c.args()?;
    let req = release::RenewRequest {
        ids: a.ids,
        all: a.all,
        ttl: span(&a.ttl, "ttl")?,
    };
    let r = release::renew(c.ctx, &req)?;
    Ok(reply(a.verbose, &r, answers::renew(&r), r.delivery.pending))
}

pub(super) fn check(c: &Call) -> Result<Reply, Failure> {
    let a: ScopesArgs = c.args()?;
    let r = query::check(c.ctx, &a.scopes, false, true)?;
    Ok(tool_words(reply(a.verbose, &r, answers::check(&r), !r.safe)))
}

pub(super) fn who(c: &Call) -> Result<Reply, Failure> {
    let a: WhoArgs = c.args()?;
    let r = query::who(c.ctx, &a.target, true)?;
    Ok(reply(a.verbose, &r, answers::who(&r), false))
}

pub(super) fn symbols(c: &Call) -> Result<Reply, Failure> {
    let a: SymbolsArgs = c.args()?;
    let src = match a.rev {
        Some(r) => symbols::Source::Rev(r),
        None => symbols::Source::WorkingTree,
    };
    let r = symbols::symbols(c.ctx, &a.file, src)?;
    Ok(reply(a.verbose, &r, answers::symbols(&r), false))
}

pub(super) fn status(c: &Call) -> Result<Reply, Failure> {
    let a: Plain = c.args()?;
    let r = query::status(c.ctx, true)?;
    Ok(reply(a.verbose, &r, answers::status(&r, &c.ctx.agent), false))
}

pub(super) fn sync(c: &Call) -> Result<Reply, Failure> {
    let a: Plain = c.args()?;
    let r = crate::ops::sync::sync(c.ctx)?;
    Ok(reply(a.verbose, &r, answers::sync(&r), !r.conflicted.is_empty()))
}

/// The agents seen on the board, as an object (structured content must be one).
#[derive(serde::Serialize, schemars::JsonSchema)]
pub(super) struct AgentsReport {
    agents: Vec<crate::ops::inbox::AgentView>,
}

pub(super) fn agents(c: &Call) -> Result<Reply, Failure> {
    let a: Plain = c.args()?;
    let r = AgentsReport {
        agents: crate::ops::inbox::agents(c.ctx, true)?,
    };
    Ok(reply(a.verbose, &r, answers::agents(&r.agents), false))
}

pub(super) fn log(c: &Call) -> Result<Reply, Failure> {
    let a: LogArgs = c.args()?;
    let since = a
        .since
        .map(|t| crate::model::time::parse_when(&t, c.ctx.now()))
        .transpose()
        .map_err(|e| Failure::Invalid(format!("`since`: {e}")))?;
    let r = crate::ops::log::log(c.ctx, since, a.limit.unwrap_or(20) as usize, None)?;
    Ok(reply(a.verbose, &r, answers::log(&r), false))
}
