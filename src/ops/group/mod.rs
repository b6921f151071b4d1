//! Group commit: the write protocol when a remote is the arbiter. Work that arrives together
//! on one clone leaves in one push.
//!
//! A writer plans its operation on the clone's stage (the board this clone last confirmed
//! with the remote, plus the commits its other writers staged since) and appends one commit
//! to it, without waiting for the network. Then it waits for its turn at the remote (one
//! writer per clone talks to it at a time) and pushes the whole staged chain, leased on the
//! confirmed board with a non-forced refspec, so the remote still decides every write by one
//! compare-and-swap on its old value. If its own commit is already on the confirmed board
//! (an earlier writer pushed the chain), it is done without a push.
//!
//! Why nothing is granted twice: every commit of a chain was planned on the state made by
//! all the commits below it, and the chain lands only as a fast-forward of the board the
//! remote holds; when the lease is lost the whole chain is dropped and each writer plans
//! again on the remote's new board. Chains of several refs that share no operation (each
//! operation on them moves one ref) are pushed ref by ref in that one push: a lease lost on
//! one ref drops only the chain staged there. An operation that moves several refs makes the
//! push all or nothing, so it always lands whole. A refusal seen on a staged (unconfirmed) state is never
//! final: the writer first pushes what is staged, then plans again on what the remote holds.
//! Each operation is saved as pending before it is staged, so a writer killed at any point
//! loses nothing `sync` cannot finish, and a chain whose writers died is pushed by the next.
//! When the remote cannot be reached the stage is emptied and its operations stay pending,
//! exactly as offline writes do.

use std::collections::{BTreeMap, BTreeSet};

use gix::ObjectId;

mod flush;

use flush::{flush, stage_base};

use super::context::Context;
use super::error::Error;
use super::txn::{commit_op, gave_up, Outcome, Plan, MAX_ATTEMPTS};
use crate::model::{ClaimId, ClaimsState};
use crate::store::stage::Held;
use crate::store::{Board, Fetch, RefWrite, Stage};

/// How far back a staged commit is looked for on the confirmed board.
const LANDED_WITHIN: usize = 4096;

/// Our staged commits (one per board ref the operation changes) and what to report when
/// they land.
struct Mine<R> {
    writes: Vec<RefWrite>,
    result: R,
    granted: Vec<ClaimId>,
}

/// How pushing the stage ended.
enum Flushed {
    /// Nothing staged, or the chain landed.
    Done,
    /// Someone else wrote first; the board was refreshed and the chain dropped.
    Lost,
    Unreachable(String),
}

/// What the protocol carries between rounds.
struct Round<R> {
    mine: Option<Mine<R>>,
    saved: Option<std::path::PathBuf>,
    fetched: bool,
    /// Board refs the remote does not have although this clone does.
    lacking: BTreeSet<String>,
}

impl<R> Round<R> {
    fn new() -> Round<R> {
        Round {
            mine: None,
            saved: None,
            fetched: false,
            lacking: BTreeSet::new(),
        }
    }
}

/// Run one operation to completion through the clone's stage (see the module comment).
pub fn transact_staged<R>(
    ctx: &Context,
    plan: &mut impl FnMut(&ClaimsState, Option<ObjectId>) -> Result<Plan<R>, Error>,
) -> Result<Outcome<R>, Error> {
    let stage = Stage::new(ctx.store.common_dir());
    let mut round = Round::new();
    // Stage without waiting for the network; anything but a write is decided on the
    // confirmed board below.
    {
        let _held = stage.lock()?;
        let staged = stage_base(ctx, &stage)?;
        stage_if_write(ctx, &stage, &mut round, plan, &staged)?;
    }
    // Not a write on the stage: a refusal that the remote's own board confirms is final at
    // once, without waiting in line for this clone's turn at the remote.
    if round.mine.is_none() {
        if let Some(end) = confirm_refusal(ctx, &mut round, plan)? {
            return end;
        }
    }
    // Wait for this clone's turn at the remote; meanwhile the writer whose turn it is may
    // push ours (then we are done without a push), or lose its race and drop the chain
    // (then ours is staged again, on the board it fetched).
    let _turn = match wait_turn(ctx, &stage, &mut round, plan)? {
        Ok(turn) => turn,
        Err(done) => return Ok(done),
    };
    let mut unreachable = None;
    for attempt in 1..=MAX_ATTEMPTS {
        if unreachable.is_none() {
            match flush(ctx, &stage, &mut round, attempt)? {
                Flushed::Done | Flushed::Lost => {}
                Flushed::Unreachable(e) => unreachable = Some(e),
            }
        }
        if let Some(m) = &round.mine {
            if landed(ctx, &m.writes)? {
                return won(ctx, round, attempt);
            }
            if let Some(e) = unreachable {
                let mine = round.mine.expect("because it is checked above");
                return Ok(pending_of(mine, attempt, e));
            }
        }
        // Ours is not on the board: never staged, or dropped with a lost chain.
        if let Some(end) = replan(ctx, &stage, &mut round, plan, attempt, unreachable.as_deref())? {
            return Ok(end);
        }
    }
    Err(gave_up(ctx, usize::from(round.saved.is_some())))
}

/// Wait for this clone's turn at the remote; meanwhile the writer whose turn it is may push
/// ours (then we are done without a push: `Err(outcome)`), or lose its race and drop the
/// chain (then ours is staged again, on the board it fetched).
fn wait_turn<R>(
    ctx: &Context,
    stage: &Stage,
    round: &mut Round<R>,
    plan: &mut impl FnMut(&ClaimsState, Option<ObjectId>) -> Result<Plan<R>, Error>,
) -> Result<Result<Held, Outcome<R>>, Error> {
    // Waiters poll: a short nap that doubles up to 32 ms, so a clone with many writers in
    // line spends its CPU on pushing, not on asking whose turn it is.
    let mut nap = 2;
    loop {
        if let Some(turn) = stage.try_push_turn()? {
            return Ok(Ok(turn));
        }
        if let Some(m) = &round.mine {
            if landed(ctx, &m.writes)? {
                return won(ctx, std::mem::replace(round, Round::new()), 1).map(Err);
            }
            // `[network] timeout` bounds the whole command, waiting in line included: ours
            // stays staged and pending (the writer whose turn it is, or `sync`, pushes it).
            let budget = std::time::Duration::from_secs(ctx.policy.network_timeout.0.max(1) as u64);
            if ctx.elapsed() > budget {
                let mine = round.mine.take().expect("because it is checked above");
                let e = format!(
                    "timed out waiting for this clone's turn at the remote ([network] timeout is {}s)",
                    budget.as_secs()
                );
                return Ok(Err(pending_of(mine, 1, e)));
            }
            // Still staged, as far as the stage file says: nothing to do but wait. Else,
            // under the stage lock, make sure (a lost race dropped the chain: stage again).
            if !still_staged(ctx, &stage.heads(), &m.writes) {
                let _held = stage.lock()?;
                let staged = stage_base(ctx, stage)?;
                if !still_staged(ctx, &staged, &m.writes) && !landed(ctx, &m.writes)? {
                    round.mine = None;
                    stage_if_write(ctx, stage, round, plan, &staged)?;
                }
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(nap + ctx.random() % (nap + 1)));
        nap = (nap * 2).min(32);
    }
}

/// Fetch and plan on the remote's board as fetched (the stage aside): a refusal there is
/// final (someone holds it on the remote); anything else goes the staged way.
fn confirm_refusal<R>(
    ctx: &Context,
    round: &mut Round<R>,
    plan: &mut impl FnMut(&ClaimsState, Option<ObjectId>) -> Result<Plan<R>, Error>,
) -> Result<Option<Result<Outcome<R>, Error>>, Error> {
    let Some(remote) = ctx.online_remote() else {
        return Ok(None);
    };
    if remote.fetch()? != Fetch::Fetched {
        return Ok(None);
    }
    round.fetched = true;
    let board = ctx.store.load_board_at_tips()?;
    ctx.observe();
    Ok(match plan(&board.state, board.revision()) {
        Err(e @ Error::Refused(..)) => Some(Err(e)),
        Ok(Plan::Refused(r)) => Some(Ok(Outcome::new(r, 1))),
        _ => None,
    })
}

/// Whether our commits are on the stage (`staged` holds only heads ahead of the confirmed
/// board; the writes of one operation are staged and pushed together, so the first tells).
fn still_staged(ctx: &Context, staged: &BTreeMap<String, ObjectId>, writes: &[RefWrite]) -> bool {
    let Some(w) = writes.first() else { return false };
    staged
        .get(&w.name)
        .is_some_and(|h| ctx.store.reaches(*h, Some(w.new), LANDED_WITHIN).unwrap_or(false))
}

/// The board as staged: each ref at its staged head, or at its confirmed tip.
fn load_staged(ctx: &Context, staged: &BTreeMap<String, ObjectId>) -> Result<Board, Error> {
    let names: Vec<String> = staged.keys().cloned().collect();
    Ok(ctx.store.load_board(
        &|name| match staged.get(name) {
            Some(h) => Ok(Some(*h)),
            None => ctx.store.tip(name),
        },
        &names,
    )?)
}

/// Plan on the stage head `base` (with the stage held) and stage the operation if it is a
/// write; anything else is decided later, on the confirmed board.
fn stage_if_write<R>(
    ctx: &Context,
    stage: &Stage,
    round: &mut Round<R>,
    plan: &mut impl FnMut(&ClaimsState, Option<ObjectId>) -> Result<Plan<R>, Error>,
    staged: &BTreeMap<String, ObjectId>,
) -> Result<(), Error> {
    let board = load_staged(ctx, staged)?;
    if let Ok(Plan::Write(op, result)) = plan(&board.state, board.revision()) {
        let _unchanged = append(ctx, stage, round, &board, staged, &op, result)?;
    }
    Ok(())
}

/// Whether our commits are on the confirmed board (they land together: the first tells).
fn landed(ctx: &Context, writes: &[RefWrite]) -> Result<bool, Error> {
    let Some(w) = writes.first() else { return Ok(false) };
    Ok(match ctx.store.tip(&w.name)? {
        Some(c) => ctx.store.reaches(c, Some(w.new), LANDED_WITHIN)?,
        None => false,
    })
}

/// Plan again on the stage (under its lock): stage a write, or end with a decision that
/// stands on the confirmed board. `None`: go round again (flush first).
fn replan<R>(
    ctx: &Context,
    stage: &Stage,
    round: &mut Round<R>,
    plan: &mut impl FnMut(&ClaimsState, Option<ObjectId>) -> Result<Plan<R>, Error>,
    attempt: u32,
    unreachable: Option<&str>,
) -> Result<Option<Outcome<R>>, Error> {
    let _held = stage.lock()?;
    let staged = stage_base(ctx, stage)?;
    if let Some(m) = &round.mine {
        // Still staged (the push that carried it yielded its turn, or someone else's chain
        // moved on top): plan nothing again, push it. Planning on a stage that holds our own
        // operation would add a second one (a second task taken under one token).
        if unreachable.is_none() && still_staged(ctx, &staged, &m.writes) {
            return Ok(None);
        }
    }
    let settled = staged.is_empty() || unreachable.is_some();
    let board = load_staged(ctx, &staged)?;
    let confirmed = board.revision();
    let offline_now = unreachable.is_some();
    match plan(&board.state, board.revision()) {
        Err(e @ (Error::Refused(..) | Error::NotFound(..))) => {
            if settled && !refetched(ctx, &mut round.fetched, confirmed, offline_now)? {
                drop_saved(ctx, round)?;
                return Err(e);
            }
        }
        Err(e) => {
            drop_saved(ctx, round)?;
            return Err(e);
        }
        Ok(Plan::Done(r)) if settled => {
            drop_saved(ctx, round)?;
            return Ok(Some(Outcome::new(r, attempt)));
        }
        Ok(Plan::Refused(r)) if settled => {
            if !refetched(ctx, &mut round.fetched, confirmed, offline_now)? {
                drop_saved(ctx, round)?;
                return Ok(Some(Outcome::new(r, attempt)));
            }
        }
        Ok(Plan::Done(_) | Plan::Refused(_)) => {}
        Ok(Plan::Write(op, result)) if offline_now => {
            // Recorded here as pending, as offline writes are; `sync` confirms it.
            ctx.pending.save(&op, ctx.now(), round.saved.as_deref())?;
            let mut o = Outcome::new(result, attempt);
            (o.pending, o.remote_error) = (true, unreachable.map(str::to_owned));
            return Ok(Some(o));
        }
        Ok(Plan::Write(op, result)) => match append(ctx, stage, round, &board, &staged, &op, result)? {
            // The board already is what the operation asks for.
            Some(result) if settled => {
                drop_saved(ctx, round)?;
                let mut o = Outcome::new(result, attempt);
                o.synced = !offline_now;
                return Ok(Some(o));
            }
            Some(_) | None => {}
        },
    }
    Ok(None)
}

/// Commit `op` on `board` (as staged: `staged`), save it as pending, and stage it; the
/// result comes back when the operation changes nothing.
fn append<R>(
    ctx: &Context,
    stage: &Stage,
    round: &mut Round<R>,
    board: &Board,
    staged: &BTreeMap<String, ObjectId>,
    op: &crate::model::Op,
    result: R,
) -> Result<Option<R>, Error> {
    let Some((writes, granted)) = commit_op(ctx, board, op, ctx.agent.as_str())? else {
        return Ok(Some(result));
    };
    ctx.crash_point("after-commit");
    round.saved = Some(ctx.pending.save(op, ctx.now(), round.saved.as_deref())?);
    ctx.crash_point("before-push");
    let mut heads = staged.clone();
    heads.extend(writes.iter().map(|w| (w.name.clone(), w.new)));
    stage.set(&heads)?;
    round.mine = Some(Mine {
        writes,
        result,
        granted,
    });
    Ok(None)
}

/// Fetch once per write to confirm a refusal; true when the board moved (plan again).
fn refetched(ctx: &Context, fetched: &mut bool, tip: Option<ObjectId>, offline_now: bool) -> Result<bool, Error> {
    let Some(remote) = ctx.online_remote() else {
        return Ok(false);
    };
    if *fetched || offline_now {
        return Ok(false);
    }
    *fetched = true;
    Ok(remote.fetch()? == Fetch::Fetched && ctx.store.load_board_at_tips()?.revision() != tip)
}

fn drop_saved<R>(ctx: &Context, round: &Round<R>) -> Result<(), Error> {
    if let Some(p) = &round.saved {
        ctx.pending.remove(p)?;
    }
    Ok(())
}

fn won<R>(ctx: &Context, round: Round<R>, attempt: u32) -> Result<Outcome<R>, Error> {
    drop_saved(ctx, &round)?;
    let m = round.mine.expect("because only a staged write lands");
    let mut o = Outcome::new(m.result, attempt);
    let commit = m.writes.first().map(|w| w.new);
    (o.wrote, o.synced, o.commit, o.granted_waiters) = (true, true, commit, m.granted);
    Ok(o)
}

/// The remote could not be reached: ours stays staged and pending (`sync`, or the next
/// writer of this clone, pushes it).
fn pending_of<R>(mine: Mine<R>, attempt: u32, e: String) -> Outcome<R> {
    let mut o = Outcome::new(mine.result, attempt);
    o.pending = true;
    o.remote_error = Some(e);
    o
}
