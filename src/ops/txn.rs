//! The write protocol: read tip → plan the whole operation → commit → compare-and-swap.
//!
//! Without a remote the local ref is the arbiter (a gix ref transaction with the expected
//! old value). With one, the commit is built on the last known remote tip and pushed with
//! `--force-with-lease=<ref>:<expected>` and a non-forced refspec: one push when nobody
//! else wrote. A lost lease means fetch, plan the whole operation again against the new
//! state (so a claim that now conflicts is refused, never merged), and retry with jittered
//! backoff, bounded. The operation is recorded as pending before the first push, so a
//! process killed at any point loses nothing that `sync` cannot finish.

use std::time::Duration;

use gix::ObjectId;

use super::context::Context;
use super::error::Error;
use super::swap::{swap, Lease, Swap};
use crate::engine::conflict::Judge;
use crate::model::layout;
use crate::model::{ClaimId, ClaimsState, Op, Scope, Waiter};
use crate::store::message::describe;
use crate::store::{Board, Fetch, Freshness, Pending, RefWrite};

/// How often a write is tried before giving up with exit 3.
pub const MAX_ATTEMPTS: u32 = 64;

/// What a plan decided, given the current state. (Short-lived, one per attempt: the size
/// difference between variants does not matter.)
#[allow(clippy::large_enum_variant)]
pub enum Plan<R> {
    /// Write this operation; report `R` when it lands.
    Write(Op, R),
    /// Nothing to write; final.
    Done(R),
    /// Refused because of what the state holds: confirm against a fresh fetch first.
    Refused(R),
}

/// How a transaction ended.
#[derive(Debug)]
pub struct Outcome<R> {
    pub result: R,
    /// A commit was made (locally or on the remote).
    pub wrote: bool,
    /// The arbiter (the remote, or the local repository when there is none) has it.
    pub synced: bool,
    /// Recorded locally only; `git coord sync` will confirm it.
    pub pending: bool,
    pub commit: Option<ObjectId>,
    /// Why a remote write did not happen (with `pending`).
    pub remote_error: Option<String>,
    pub attempts: u32,
    /// Waiters granted by this write (their agents learn on their next command).
    pub granted_waiters: Vec<ClaimId>,
}

impl<R> Outcome<R> {
    pub(super) fn new(result: R, attempts: u32) -> Outcome<R> {
        Outcome {
            result,
            wrote: false,
            synced: false,
            pending: false,
            commit: None,
            remote_error: None,
            attempts,
            granted_waiters: Vec::new(),
        }
    }
}

/// The current board as this clone sees it: the shared tips plus this clone's pending ops.
pub struct View {
    /// The shared board as read (its `state` is moved into `state` below).
    pub board: Board,
    /// The board with this clone's pending operations applied.
    pub state: ClaimsState,
    pub pending: Vec<Pending>,
    /// Set when a refresh from the remote was attempted and failed.
    pub fetch_error: Option<String>,
    pub fetched: bool,
    /// How old the view is: since the fetch it reads started (0 without a remote, `None`
    /// when this clone never fetched).
    pub age_ms: Option<u64>,
}

/// Read the board, refreshing from the remote first when `fetch` (and online): reads of one
/// clone share a fetch younger than `[network] fresh_for`, and wait for one in flight.
pub fn view(ctx: &Context, fetch: bool) -> Result<View, Error> {
    let mut fetch_error = None;
    let mut fetched = false;
    let fresh = Freshness::new(ctx.store.common_dir());
    let mut age = if ctx.remote.is_some() {
        fresh.age()
    } else {
        Some(Duration::ZERO)
    };
    if fetch {
        if let Some(remote) = ctx.online_remote() {
            let window = Duration::from_secs(ctx.policy.network_fresh_for.0.max(0) as u64);
            let young = |a: Option<Duration>| a.is_some_and(|a| a < window);
            if !young(age) {
                let _one = fresh.lock()?;
                age = fresh.age();
                if !young(age) {
                    let started = std::time::SystemTime::now();
                    match remote.fetch()? {
                        Fetch::Fetched => {
                            fetched = true;
                            fresh.mark(started)?;
                            age = Some(started.elapsed().unwrap_or_default());
                        }
                        Fetch::Diverged(e) | Fetch::Unreachable(e) => fetch_error = Some(e),
                    }
                }
            }
        }
    }
    let mut board = ctx.store.read_board()?;
    ctx.observe();
    let pending = ctx.pending.list()?;
    let mut state = std::mem::take(&mut board.state);
    for p in &pending {
        state.apply(&p.op);
    }
    Ok(View {
        board,
        state,
        pending,
        fetch_error,
        fetched,
        age_ms: age.map(|a| a.as_millis() as u64),
    })
}

/// Run one operation to completion under the protocol above.
pub fn transact<R>(
    ctx: &Context,
    mut plan: impl FnMut(&ClaimsState) -> Result<Plan<R>, Error>,
) -> Result<Outcome<R>, Error> {
    transact_at(ctx, |state, _| plan(state))
}

/// Documents an operation adds to the tree (`handoff-docs/<id>.md`).
pub fn op_docs(op: &Op) -> Vec<(String, String)> {
    match op {
        Op::Handoff {
            handoff, doc: Some(d), ..
        } => vec![(format!("{}.md", handoff.id), d.clone())],
        _ => Vec::new(),
    }
}

/// [`transact`], with the plan also seeing the tip it reads (for `--expected-revision`).
/// With a remote online, see `group`; here the local ref is the arbiter, or (offline) the
/// operation is recorded as pending.
pub fn transact_at<R>(
    ctx: &Context,
    mut plan: impl FnMut(&ClaimsState, Option<ObjectId>) -> Result<Plan<R>, Error>,
) -> Result<Outcome<R>, Error> {
    if ctx.online_remote().is_some() {
        return super::group::transact_staged(ctx, &mut plan);
    }
    for attempt in 1..=MAX_ATTEMPTS {
        let board = ctx.store.load_board_at_tips()?;
        ctx.observe();
        let (op, result) = match plan(&board.state, board.revision())? {
            Plan::Write(op, r) => (op, r),
            Plan::Done(r) | Plan::Refused(r) => return Ok(Outcome::new(r, attempt)),
        };
        if ctx.remote.is_some() {
            // Offline: recorded here, confirmed by `git coord sync`.
            ctx.pending.save(&op, ctx.now(), None)?;
            let mut o = Outcome::new(result, attempt);
            o.pending = true;
            return Ok(o);
        }
        let Some((writes, granted)) = commit_op(ctx, &board, &op, ctx.agent.as_str())? else {
            let mut o = Outcome::new(result, attempt);
            o.synced = true;
            return Ok(o);
        };
        ctx.crash_point("after-commit");
        let none = Default::default();
        match swap(ctx, &writes, &none, 1, &|| backoff(ctx, attempt), Lease::Atomic)? {
            Swap::Won => {
                let mut o = Outcome::new(result, attempt);
                let commit = Some(writes[0].new);
                (o.wrote, o.synced, o.commit, o.granted_waiters) = (true, true, commit, granted);
                return Ok(o);
            }
            Swap::Lost { .. } => {}
            Swap::Unreachable(e) => return Ok(pending_outcome(result, attempt, e)),
        }
    }
    Err(gave_up(ctx, 0))
}

/// The ref moves that write one operation, and the waiters it granted.
pub(super) type Committed = (Vec<RefWrite>, Vec<ClaimId>);

/// The board after `op` (expired claims dropped, waiters that can now be served granted),
/// committed on `board` by `author` as one commit on each ref whose content changes: those
/// writes and the waiters granted, or `None` when the operation changes nothing.
///
/// Expired claims and waiters are dropped only from refs the write changes anyway (a tidy
/// drops them everywhere), so an unrelated write never contends on another shard.
pub(super) fn commit_op(ctx: &Context, board: &Board, op: &Op, author: &str) -> Result<Option<Committed>, Error> {
    let mut next = board.state.clone();
    next.apply(op);
    // A board of an older layout is moved to this one (every ref written, the old shards
    // retired). A write that changes a wide item, or that reads refs torn on them (some read
    // behind the others), writes the root and every shard (see `layout::wide_differ`): a ref
    // read behind fails its lease and the board is read again.
    let migrate = board.migrating();
    let shard_states = board.shards.iter().map(|(k, l)| (k.clone(), &l.state)).collect();
    let torn = !migrate && layout::torn(&board.root.state, &shard_states);
    // `next` laid out over the refs, and the refs to write.
    let lay_out = |next: &crate::model::ClaimsState| {
        let mut split = layout::split(next);
        let mut refs = if torn || layout::wide_differ(&board.state, next) {
            layout::every_ref(&split)
        } else {
            board.changed(&split)
        };
        if board.needs_root() {
            refs.insert(None);
        }
        if migrate {
            for k in layout::retired() {
                split.shards.insert(k.clone(), Default::default());
                refs.insert(Some(k));
            }
        }
        (split, refs)
    };
    let (first, touched) = lay_out(&next);
    let queued = next.queue.len();
    let index: std::collections::BTreeSet<_> = first.shards.keys().cloned().collect();
    let everywhere = matches!(op, Op::Tidy { .. });
    let expired = next.drop_expired_where(ctx.expiry_now(), ctx.skew(), |claims| {
        everywhere || layout::held_within(claims, &index, &touched)
    });
    let granted = promote_waiters(ctx, &mut next);
    // Nothing dropped or granted: the board is as first laid out.
    let (after, changed) = if expired.is_empty() && granted.is_empty() && next.queue.len() == queued {
        (first, touched)
    } else {
        lay_out(&next)
    };
    if changed.is_empty() {
        return Ok(None);
    }
    let mut message = describe(op, &board.state, &expired, &granted);
    message.push_str(&format!("Coord-Seq: {}\n", board.seq() + 1));
    let writes = ctx
        .store
        .commit_split(board, &after, &changed, &op_docs(op), &message, author, ctx.now())?;
    Ok(Some((writes, granted)))
}

/// Lost the race [`MAX_ATTEMPTS`] times: the board is too busy right now.
pub(super) fn gave_up(ctx: &Context, pending: usize) -> Error {
    Error::Remote {
        remote: ctx
            .remote
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_else(|| "(local)".into()),
        what: format!("kept changing: gave up after {MAX_ATTEMPTS} attempts"),
        detail: "too many concurrent writers".into(),
        pending,
    }
}

fn pending_outcome<R>(result: R, attempts: u32, err: String) -> Outcome<R> {
    let mut o = Outcome::new(result, attempts);
    o.pending = true;
    o.remote_error = Some(err);
    o
}

/// Sleep a random time that grows with the attempt number (full jitter, capped).
pub(super) fn backoff(ctx: &Context, attempt: u32) {
    let cap_ms = (5u64 << attempt.min(8)).min(800);
    let ms = ctx.random() % cap_ms.max(1);
    std::thread::sleep(Duration::from_millis(ms));
}

/// Grant waiters whose scopes are now free, most urgent and oldest first. A waiter also
/// yields to a better-ranked waiter of another agent that overlaps it and is still blocked.
pub fn promote_waiters(ctx: &Context, state: &mut ClaimsState) -> Vec<ClaimId> {
    if state.queue.is_empty() {
        return Vec::new();
    }
    let Ok(judge) = Judge::new(&[], &ctx.policy.shared_files) else {
        return Vec::new();
    };
    let mut order: Vec<Waiter> = state.queue.clone();
    order.sort_by_key(Waiter::rank_key);
    let mut blocked: Vec<Waiter> = Vec::new();
    let mut granted = Vec::new();
    for w in order {
        let scopes: Vec<Scope> = w.claims.iter().map(|c| c.scope.clone()).collect();
        let mode = w.claims[0].mode;
        let held = !judge
            .conflicts(&w.agent, &scopes, mode, state.active(ctx.expiry_now(), ctx.skew()))
            .is_empty();
        let behind = blocked.iter().any(|b| {
            b.agent != w.agent
                && b.claims.iter().any(|bc| {
                    !(bc.mode == crate::model::Mode::Shared && mode == crate::model::Mode::Shared)
                        && scopes.iter().any(|s| judge.overlap(s, &bc.scope).is_some())
                })
        });
        if held || behind {
            blocked.push(w);
        } else {
            state.grant_waiter(&w.claims[0].id, ctx.now());
            granted.push(w.claims[0].id.clone());
        }
    }
    granted
}
