//! `claim --wait`: join the queue behind the blockers and poll (fetch, with growing jittered
//! pauses) until the scopes are granted from the queue or the deadline passes.

use std::time::Duration;

use super::super::context::Context;
use super::super::error::Error;
use super::super::report::{suggestion, ConflictReport};
use super::super::scopes::{resolve, Purpose};
use super::super::txn::{transact, Plan};
use super::{granted, new_claim, ClaimReport, ClaimRequest, Decision, WaitObserver};
use crate::engine::conflict::Judge;
use crate::model::{Claim, ClaimId, Mode, Op, OpId, Span, Waiter};
use crate::store::Fetch;

/// Queue behind the blockers and poll until granted or the deadline passes.
#[allow(clippy::too_many_arguments)]
pub(super) fn wait(
    ctx: &Context,
    req: &ClaimRequest,
    judge: &Judge,
    first: ClaimReport,
    ids: Vec<ClaimId>,
    mode: Mode,
    ttl: Span,
    branch: Option<String>,
    observer: &mut dyn WaitObserver,
) -> Result<ClaimReport, Error> {
    let start_now = ctx.now();
    let started = ctx.elapsed();
    let wait = req.wait.unwrap_or(Span(0));
    let deadline = start_now.plus(wait);
    // Every requested scope goes into the waiter, not only the blocked ones: all or nothing.
    let all_scopes = resolve(ctx, &req.scopes, judge, 0, Purpose::Query)?;
    let claims: Vec<Claim> = all_scopes
        .iter()
        .zip(&ids)
        .map(|(s, id)| new_claim(ctx, req, id, s, mode, start_now, ttl, &branch))
        .collect();
    let waiter = Waiter {
        claims: claims.clone(),
        agent: ctx.agent.clone(),
        urgency: req.urgency,
        queued_at: start_now,
        deadline,
        ttl,
    };
    let key = ids[0].clone();
    let enqueue = Op::Enqueue {
        id: OpId::from_bits(ctx.random()),
        waiter,
    };
    let out = transact(ctx, |state| {
        Ok(
            if state.claims.contains_key(&key) || state.queue.iter().any(|w| w.id() == &key) {
                Plan::Done(())
            } else {
                Plan::Write(enqueue.clone(), ())
            },
        )
    })?;
    if out.pending {
        let mut r = first;
        r.decision = Decision::Queued;
        r.pending = true;
        r.error = out.remote_error;
        return Ok(r);
    }
    let mut latest = first;
    latest.decision = Decision::Queued;
    observer.queued(&latest, deadline);
    let mut nap = Duration::from_millis(150);
    loop {
        let now = start_now.plus(Span((ctx.elapsed() - started).as_secs() as i64));
        ctx.advance_to(now);
        if let Some(remote) = ctx.online_remote() {
            remote.renew_budget();
            if let Fetch::Unreachable(e) = remote.fetch()? {
                latest.error = Some(e);
            }
        }
        let tip = ctx.store.tip(crate::store::refs::CLAIMS)?;
        let state = ctx.store.load_claims(crate::store::refs::CLAIMS, tip)?.state;
        if let Some(report) = granted(&state, &ids, ctx.elapsed() - started) {
            return Ok(report);
        }
        let queued = state.queue.iter().any(|w| w.id() == &key);
        if now >= deadline || !queued {
            // Leave the queue (if still in it) and report who still holds the scopes.
            let leave = Op::Dequeue {
                id: OpId::from_bits(ctx.random()),
                agent: ctx.agent.clone(),
                waiter: key.clone(),
            };
            let out = transact(ctx, |state| {
                Ok(if state.queue.iter().any(|w| w.id() == &key) {
                    Plan::Write(leave.clone(), ())
                } else {
                    Plan::Done(())
                })
            })?;
            let state = ctx
                .store
                .load_claims(crate::store::refs::CLAIMS, ctx.store.tip(crate::store::refs::CLAIMS)?)?
                .state;
            if let Some(report) = granted(&state, &ids, ctx.elapsed() - started) {
                return Ok(report);
            }
            let conflicts: Vec<ConflictReport> = judge
                .conflicts(
                    &ctx.agent,
                    &all_scopes,
                    mode,
                    state.active(ctx.expiry_now(), ctx.skew()),
                )
                .into_iter()
                .map(ConflictReport::from)
                .collect();
            latest.decision = Decision::Conflict;
            latest.suggestion = suggestion(&conflicts, now);
            if !conflicts.is_empty() {
                latest.conflicts = conflicts;
            }
            latest.synced = out.synced;
            latest.waited = Some(Span((ctx.elapsed() - started).as_secs() as i64).human());
            return Ok(latest);
        }
        let blocked = !judge
            .conflicts(
                &ctx.agent,
                &all_scopes,
                mode,
                state.active(ctx.expiry_now(), ctx.skew()),
            )
            .is_empty();
        if !blocked {
            // The blockers are gone (released or expired): a tidy write grants the queue.
            let tidy = Op::Tidy {
                id: OpId::from_bits(ctx.random()),
                agent: ctx.agent.clone(),
            };
            transact(ctx, |_| Ok(Plan::Write(tidy.clone(), ())))?;
            continue;
        }
        let jitter = Duration::from_millis(ctx.random() % 100);
        std::thread::sleep(nap + jitter);
        nap = (nap * 3 / 2).min(Duration::from_secs(2));
    }
}
