//! `sync`: fetch, replay this clone's pending operations against the remote state (each
//! re-judged: a pending claim that now conflicts is reported and dropped, never silently),
//! and push them in one compare-and-swap.

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use super::query::PendingView;
use super::report::ConflictReport;
use super::swap::{swap, Lease, Swap};
use super::txn::{commit_op, gave_up};
use crate::engine::conflict::Judge;
use crate::model::{ClaimsState, Op};
use std::collections::BTreeMap;

use crate::store::{Fetch, RefWrite};

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Replayed {
    #[serde(flatten)]
    pub op: PendingView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<ConflictReport>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SyncReport {
    pub remote: Option<String>,
    pub revision: Option<String>,
    /// Written to the remote by this sync.
    pub confirmed: Vec<Replayed>,
    /// Already on the remote (an earlier process pushed them before it stopped).
    pub already: Vec<Replayed>,
    /// Refused now: they conflict with what others hold.
    pub conflicted: Vec<Replayed>,
}

enum Verdict {
    Apply,
    Already,
    Conflict(String, Vec<ConflictReport>),
}

fn judge_op(ctx: &Context, judge: &Judge, state: &ClaimsState, op: &Op) -> Verdict {
    let now = ctx.expiry_now();
    match op {
        Op::Claim {
            agent, new, refresh, ..
        } => {
            if !new.is_empty() && new.iter().all(|c| state.claims.contains_key(&c.id)) {
                return Verdict::Already;
            }
            let scopes: Vec<_> = new.iter().map(|c| c.scope.clone()).collect();
            let mode = new.first().map(|c| c.mode).unwrap_or(crate::model::Mode::Exclusive);
            let conflicts: Vec<ConflictReport> = judge
                .conflicts(agent, &scopes, mode, state.active(now, ctx.skew()))
                .into_iter()
                .map(ConflictReport::from)
                .collect();
            if !conflicts.is_empty() {
                return Verdict::Conflict("conflicts with claims made meanwhile".into(), conflicts);
            }
            if refresh
                .iter()
                .any(|r| !state.claims.get(&r.claim).is_some_and(|c| c.is_active(now, ctx.skew())))
            {
                return Verdict::Conflict("a claim it refreshes has expired or was released".into(), Vec::new());
            }
            Verdict::Apply
        }
        Op::Renew { refresh, .. } => {
            if refresh
                .iter()
                .all(|r| state.claims.get(&r.claim).is_some_and(|c| c.expires_at == r.expires_at))
            {
                return Verdict::Already;
            }
            if refresh
                .iter()
                .any(|r| !state.claims.get(&r.claim).is_some_and(|c| c.is_active(now, ctx.skew())))
            {
                return Verdict::Conflict("a claim it renews has expired or was released".into(), Vec::new());
            }
            Verdict::Apply
        }
        Op::Release { claims, .. } => {
            if claims.iter().all(|id| !state.claims.contains_key(id)) {
                Verdict::Already
            } else {
                Verdict::Apply
            }
        }
        Op::Enqueue { waiter, .. } => {
            if state.claims.contains_key(waiter.id()) || state.queue.iter().any(|w| w.id() == waiter.id()) {
                Verdict::Already
            } else {
                Verdict::Apply
            }
        }
        Op::Dequeue { .. } | Op::Tidy { .. } => Verdict::Apply,
        Op::Task { task, based_on, .. } => match (state.tasks.get(&task.id), based_on) {
            (Some(now_t), _) if now_t == task => Verdict::Already,
            (None, None) => Verdict::Apply,
            (Some(now_t), Some(n)) if now_t.history.len() == *n => Verdict::Apply,
            _ => Verdict::Conflict("the task changed meanwhile".into(), Vec::new()),
        },
        Op::Handoff { handoff, .. } => match state.handoffs.get(&handoff.id) {
            Some(h) if h == handoff => Verdict::Already,
            _ => Verdict::Apply,
        },
    }
}

pub fn sync(ctx: &Context) -> Result<SyncReport, Error> {
    let Some(remote) = ctx.remote.as_ref() else {
        let revision = ctx.store.load_board_at_tips()?.revision();
        return Ok(SyncReport {
            remote: None,
            revision: revision.map(|t| t.to_string()),
            confirmed: vec![],
            already: vec![],
            conflicted: vec![],
        });
    };
    let tracked = ctx.store.tracked_files()?;
    let judge = Judge::new(&tracked, &ctx.policy.shared_files)?;
    let count = ctx.pending.list()?.len();
    let unreachable = |detail: String| Error::Remote {
        remote: remote.name.clone(),
        what: "cannot be reached".into(),
        detail,
        pending: count,
    };
    match remote.fetch()? {
        Fetch::Fetched => {}
        Fetch::Unreachable(e) => return Err(unreachable(e)),
        Fetch::Diverged(e) => {
            return Err(Error::Remote {
                remote: remote.name.clone(),
                what: "holds a claims board that does not descend from this clone's".into(),
                detail: e,
                pending: count,
            })
        }
    }
    for attempt in 1..=super::txn::MAX_ATTEMPTS {
        let pending = ctx.pending.list()?;
        let board = ctx.store.load_board_at_tips()?;
        ctx.observe();
        let (mut report, writes) = replay(ctx, &judge, &pending, board)?;
        report.remote = Some(remote.name.clone());
        let done = |report: SyncReport| -> Result<SyncReport, Error> {
            for p in &pending {
                ctx.pending.remove(&p.path)?;
            }
            Ok(report)
        };
        if writes.is_empty() {
            return done(report);
        }
        let none = Default::default();
        match swap(
            ctx,
            &writes,
            &none,
            count,
            &|| super::txn::backoff(ctx, attempt),
            Lease::Atomic,
        )? {
            Swap::Won => {
                let revision = ctx.store.load_board_at_tips()?.revision();
                report.revision = revision.map(|t| t.to_string());
                return done(report);
            }
            Swap::Lost { .. } => {}
            Swap::Unreachable(e) => return Err(unreachable(e)),
        }
    }
    Err(gave_up(ctx, count))
}

/// Judge each pending operation against `board` and commit the ones that stand, one commit
/// each (on each ref it changes), on top of one another: the report and the ref moves that
/// write them all (none when nothing was written).
fn replay(
    ctx: &Context,
    judge: &Judge,
    pending: &[crate::store::Pending],
    board: crate::store::Board,
) -> Result<(SyncReport, Vec<RefWrite>), Error> {
    let tips: BTreeMap<String, Option<gix::ObjectId>> = board.tips().into_iter().collect();
    let mut heads: BTreeMap<String, gix::ObjectId> = BTreeMap::new();
    let mut report = SyncReport {
        remote: None,
        revision: board.revision().map(|t| t.to_string()),
        confirmed: vec![],
        already: vec![],
        conflicted: vec![],
    };
    let mut board = board;
    for p in pending {
        let replayed = |reason: Option<String>, conflicts: Vec<ConflictReport>| Replayed {
            op: PendingView::of(&p.op, p.recorded_at, ctx.store.common_dir()),
            reason,
            conflicts,
        };
        match judge_op(ctx, judge, &board.state, &p.op) {
            Verdict::Already => report.already.push(replayed(None, vec![])),
            Verdict::Conflict(reason, conflicts) => report.conflicted.push(replayed(Some(reason), conflicts)),
            Verdict::Apply => {
                if let Some((writes, _)) = commit_op(ctx, &board, &p.op, p.op.agent().as_str())? {
                    heads.extend(writes.into_iter().map(|w| (w.name, w.new)));
                    let names: Vec<String> = heads.keys().cloned().collect();
                    board = ctx.store.load_board(
                        &|name| match heads.get(name) {
                            Some(h) => Ok(Some(*h)),
                            None => ctx.store.tip(name),
                        },
                        &names,
                    )?;
                }
                report.confirmed.push(replayed(None, vec![]));
            }
        }
    }
    let writes = heads
        .into_iter()
        .map(|(name, new)| RefWrite {
            old: tips.get(&name).copied().flatten(),
            name,
            new,
        })
        .collect();
    Ok((report, writes))
}
