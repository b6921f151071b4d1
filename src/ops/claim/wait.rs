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
use crate::model::{Claim, ClaimId, ClaimsState, Mode, Op, OpId, Scope, Span, Timestamp, Waiter};
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
    let deadline = start_now.plus(req.wait.unwrap_or(Span(0)));
    // Every requested scope goes into the waiter, not only the blocked ones: all or nothing.
    let all_scopes = resolve(ctx, &req.scopes, judge, 0, Purpose::Query)?;
    let w = Waiting {
        ctx,
        judge,
        all_scopes,
        mode,
        key: ids[0].clone(),
        ids,
        started: ctx.elapsed(),
    };
    let out = w.enqueue(req, ttl, &branch, start_now, deadline)?;
    let mut latest = first;
    latest.decision = Decision::Queued;
    if out.pending {
        latest.pending = true;
        latest.error = out.remote_error;
        return Ok(latest);
    }
    observer.queued(&latest, deadline);
    let mut nap = Duration::from_millis(150);
    loop {
        let now = start_now.plus(Span(w.waited().as_secs() as i64));
        ctx.advance_to(now);
        if let Some(remote) = ctx.online_remote() {
            remote.renew_budget();
            if let Fetch::Unreachable(e) = remote.fetch()? {
                latest.error = Some(e);
            }
        }
        let state = w.board()?;
        if let Some(report) = granted(&state, &w.ids, w.waited()) {
            return Ok(report);
        }
        // Who still holds what it wants: judged once per poll, for the progress and the tidy.
        let held = w.held(&state);
        let place = state.queue.iter().position(|x| x.id() == &w.key);
        if let Some(place) = place {
            let holders: Vec<String> = held
                .iter()
                .map(|c| format!("{} ({})", c.claim.agent, c.claim.id))
                .collect();
            observer.waiting(place + 1, state.queue.len(), &holders, w.waited());
        }
        if now >= deadline || observer.cancelled() || place.is_none() {
            return w.leave(latest, now);
        }
        if held.is_empty() {
            // The blockers are gone (released or expired): a tidy write grants the queue.
            let tidy = Op::Tidy {
                id: OpId::from_bits(ctx.random()),
                agent: ctx.agent.clone(),
            };
            transact(ctx, |_| Ok(Plan::Write(tidy.clone(), ())))?;
            continue;
        }
        let jitter = Duration::from_millis(ctx.random() % 100);
        // Sleep in short steps so a cancellation is seen promptly.
        let until = std::time::Instant::now() + nap + jitter;
        while std::time::Instant::now() < until && !observer.cancelled() {
            std::thread::sleep(Duration::from_millis(25).min(until - std::time::Instant::now()));
        }
        nap = next_nap(nap, place);
    }
}

/// The pause before the next poll. The head of the queue is granted by whichever write comes
/// next (a release serves the queue): it looks often, so the scope does not sit idle granted
/// to nobody who knows; the rest of the queue backs off.
fn next_nap(nap: Duration, place: Option<usize>) -> Duration {
    match place {
        Some(0) => Duration::from_millis(150),
        _ => (nap * 3 / 2).min(Duration::from_secs(2)),
    }
}

/// One claim request waiting in the queue.
struct Waiting<'a> {
    ctx: &'a Context,
    judge: &'a Judge<'a>,
    all_scopes: Vec<Scope>,
    mode: Mode,
    ids: Vec<ClaimId>,
    /// The waiter's id in the queue (its first claim's).
    key: ClaimId,
    started: Duration,
}

impl Waiting<'_> {
    /// Join the queue (unless this request is already granted or queued).
    fn enqueue(
        &self,
        req: &ClaimRequest,
        ttl: Span,
        branch: &Option<String>,
        start_now: Timestamp,
        deadline: Timestamp,
    ) -> Result<super::super::txn::Outcome<()>, Error> {
        let ctx = self.ctx;
        let claims: Vec<Claim> = self
            .all_scopes
            .iter()
            .zip(&self.ids)
            .map(|(s, id)| new_claim(ctx, req, id, s, self.mode, start_now, ttl, branch))
            .collect();
        let enqueue = Op::Enqueue {
            id: OpId::from_bits(ctx.random()),
            waiter: Waiter {
                claims,
                agent: ctx.agent.clone(),
                urgency: req.urgency,
                queued_at: start_now,
                deadline,
                ttl,
            },
        };
        transact(ctx, |state| {
            let known = state.claims.contains_key(&self.key) || state.queue.iter().any(|x| x.id() == &self.key);
            Ok(if known {
                Plan::Done(())
            } else {
                Plan::Write(enqueue.clone(), ())
            })
        })
    }

    fn waited(&self) -> Duration {
        self.ctx.elapsed() - self.started
    }

    fn board(&self) -> Result<ClaimsState, Error> {
        self.ctx.observe();
        Ok(self.ctx.store.load_board_at_tips()?.state)
    }

    /// Who still holds what the request wants.
    fn held(&self, state: &ClaimsState) -> Vec<ConflictReport> {
        let held = self
            .judge
            .conflicts(
                &self.ctx.agent,
                &self.all_scopes,
                self.mode,
                state.active(self.ctx.expiry_now(), self.ctx.skew()),
            )
            .into_iter()
            .map(ConflictReport::from)
            .collect();
        super::super::trust::sift(self.ctx, held).0
    }

    /// The deadline passed (or the waiter left the queue): leave it, and report who still
    /// holds the scopes — unless the grant came in the meantime.
    fn leave(&self, mut latest: ClaimReport, now: Timestamp) -> Result<ClaimReport, Error> {
        let leave = Op::Dequeue {
            id: OpId::from_bits(self.ctx.random()),
            agent: self.ctx.agent.clone(),
            waiter: self.key.clone(),
        };
        let out = transact(self.ctx, |state| {
            Ok(if state.queue.iter().any(|w| w.id() == &self.key) {
                Plan::Write(leave.clone(), ())
            } else {
                Plan::Done(())
            })
        })?;
        let state = self.board()?;
        if let Some(report) = granted(&state, &self.ids, self.waited()) {
            return Ok(report);
        }
        let conflicts = self.held(&state);
        latest.decision = Decision::Conflict;
        latest.suggestion = suggestion(&conflicts, now);
        if !conflicts.is_empty() {
            latest.conflicts = conflicts;
        }
        latest.synced = out.synced;
        latest.waited = Some(Span(self.waited().as_secs() as i64).human());
        Ok(latest)
    }
}
