//! The claim tools: claim, release, renew, check, who, symbols, status, log.

use serde_json::Value;

use super::args::{capped, claim_line, flag, full, list, s, short, span};
use crate::ops::claim::{claim as claim_op, ClaimReport, ClaimRequest, Decision, WaitObserver};
use crate::ops::{query, release, symbols, Context, Error};

/// MCP calls never wait in the foreground.
struct NoWait;
impl WaitObserver for NoWait {
    fn queued(&mut self, _: &ClaimReport, _: crate::model::Timestamp) {}
}

pub(super) fn claim(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
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
        let r = claim_op(ctx, &req, &mut NoWait)?;
        if verbose {
            return Ok(full(&r));
        }
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
                d.name().to_owned(),
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
    })
}

pub(super) fn release(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
        let req = release::ReleaseRequest {
            ids: list(args, "ids"),
            scopes: list(args, "scopes"),
            all: flag(args, "all"),
            force: false,
        };
        let r = release::release(ctx, &req)?;
        if verbose {
            full(&r)
        } else {
            format!(
                "released {}",
                if r.released.is_empty() {
                    "nothing".into()
                } else {
                    capped(
                        r.released.iter().map(|c| format!("{} {}", c.id, c.scope)).collect(),
                        ", ",
                    )
                }
            )
        }
    })
}

pub(super) fn renew(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
        let r = release::renew(
            ctx,
            &release::RenewRequest {
                ids: list(args, "ids"),
                all: flag(args, "all"),
                ttl: span(args, "ttl")?,
            },
        )?;
        if verbose {
            full(&r)
        } else {
            format!("renewed {}", capped(r.renewed.iter().map(claim_line).collect(), "; "))
        }
    })
}

pub(super) fn check(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
        let r = query::check(ctx, &list(args, "scopes"), false, true)?;
        if verbose {
            full(&r)
        } else if r.safe {
            "free".into()
        } else {
            format!(
                "held: {}",
                r.conflicts
                    .iter()
                    .map(|c| format!(
                        "{} by {} ({}, until {})",
                        c.requested, c.claim.agent, c.claim.id, c.claim.expires_at
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
    })
}

pub(super) fn who(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
        let target = s(args, "target").ok_or_else(|| Error::usage("who needs a target", None))?;
        let r = query::who(ctx, &target, true)?;
        if verbose {
            full(&r)
        } else if r.claims.is_empty() {
            "nobody".into()
        } else {
            r.claims
                .iter()
                .map(|c| format!("{} {}", c.agent, claim_line(c)))
                .collect::<Vec<_>>()
                .join("\n")
        }
    })
}

pub(super) fn symbols(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
        let file = s(args, "file").ok_or_else(|| Error::usage("symbols needs a file", None))?;
        let src = match s(args, "rev") {
            Some(r) => symbols::Source::Rev(r),
            None => symbols::Source::WorkingTree,
        };
        let r = symbols::symbols(ctx, &file, src)?;
        if verbose {
            full(&r)
        } else {
            r.tree
                .symbols
                .iter()
                .map(|x| format!("{} {} {}-{}", x.path, x.kind, x.start_line, x.end_line))
                .collect::<Vec<_>>()
                .join("\n")
        }
    })
}

pub(super) fn status(ctx: &Context, _args: &Value, verbose: bool) -> Result<String, Error> {
    Ok({
        let r = query::status(ctx, true)?;
        if verbose {
            full(&r)
        } else {
            let mine: Vec<String> = r
                .claims
                .iter()
                .filter(|c| c.agent == ctx.agent)
                .map(claim_line)
                .collect();
            let mine = if mine.is_empty() {
                "none".to_owned()
            } else {
                capped(mine, "; ")
            };
            format!(
            "you: {}\nyour claims: {}\nothers hold {} claim(s); tasks: {} open, {} claimed, {} in review; pending ops: {}",
            ctx.agent,
            mine,
            r.claims.iter().filter(|c| c.agent != ctx.agent).count(),
            r.tasks.open, r.tasks.claimed, r.tasks.review, r.pending.len()
        )
        }
    })
}

pub(super) fn log(ctx: &Context, args: &Value, verbose: bool) -> Result<String, Error> {
    let now = ctx.now();
    Ok({
        let since = s(args, "since")
            .map(|t| crate::model::time::parse_when(&t, now))
            .transpose()?;
        let limit = args.get("limit").and_then(Value::as_u64).unwrap_or(20) as usize;
        let r = crate::ops::log::log(ctx, since, limit, None)?;
        if verbose {
            full(&r)
        } else {
            r.events
                .iter()
                .map(|e| short(&format!("{} {}", e.time, e.subject)))
                .collect::<Vec<_>>()
                .join("\n")
        }
    })
}
