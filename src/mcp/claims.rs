//! The claim tools: claim, release, renew, check, who, symbols, status, log. Each reads its
//! arguments, runs the operation and hands the report to `answers`.

use serde_json::Value;

use super::answers::{self, answer};
use super::args::{flag, list, s, span};
use crate::ops::claim::{claim as claim_op, ClaimReport, ClaimRequest, WaitObserver};
use crate::ops::{query, release, symbols, Context, Error};

/// MCP calls never wait in the foreground.
struct NoWait;
impl WaitObserver for NoWait {
    fn queued(&mut self, _: &ClaimReport, _: crate::model::Timestamp) {}
}

pub(super) fn claim(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let req = ClaimRequest {
        scopes: list(args, "scopes"),
        shared: flag(args, "shared"),
        new: flag(args, "new"),
        ttl: span(args, "ttl")?,
        wait: None,
        urgency: Default::default(),
        note: s(args, "note"),
        task: s(args, "task"),
        narrowable: false,
    };
    Ok(answer(verbose, &claim_op(ctx, &req, &mut NoWait)?, answers::claim))
}

pub(super) fn release(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let req = release::ReleaseRequest {
        ids: list(args, "ids"),
        scopes: list(args, "scopes"),
        all: flag(args, "all"),
        force: false,
    };
    Ok(answer(verbose, &release::release(ctx, &req)?, answers::release))
}

pub(super) fn renew(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let req = release::RenewRequest {
        ids: list(args, "ids"),
        all: flag(args, "all"),
        ttl: span(args, "ttl")?,
    };
    Ok(answer(verbose, &release::renew(ctx, &req)?, answers::renew))
}

pub(super) fn check(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let r = query::check(ctx, &list(args, "scopes"), false, true)?;
    Ok(answer(verbose, &r, answers::check))
}

pub(super) fn who(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let target = s(args, "target").ok_or_else(|| Error::usage("who needs a target", None))?;
    Ok(answer(verbose, &query::who(ctx, &target, true)?, answers::who))
}

pub(super) fn symbols(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let file = s(args, "file").ok_or_else(|| Error::usage("symbols needs a file", None))?;
    let src = match s(args, "rev") {
        Some(r) => symbols::Source::Rev(r),
        None => symbols::Source::WorkingTree,
    };
    Ok(answer(verbose, &symbols::symbols(ctx, &file, src)?, answers::symbols))
}

pub(super) fn status(ctx: &Context, _args: &Value, verbose: bool) -> Result<String, Error> {
    let r = query::status(ctx, true)?;
    Ok(answer(verbose, &r, |r| answers::status(r, &ctx.agent)))
}

pub(super) fn log(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let since = s(args, "since")
        .map(|t| crate::model::time::parse_when(&t, ctx.now()))
        .transpose()?;
    let limit = args.get("limit").and_then(Value::as_u64).unwrap_or(20) as usize;
    Ok(answer(
        verbose,
        &crate::ops::log::log(ctx, since, limit, None)?,
        answers::log,
    ))
}
