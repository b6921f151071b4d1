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
//! again on the remote's new board. A refusal seen on a staged (unconfirmed) state is never
//! final: the writer first pushes what is staged, then plans again on what the remote holds.
//! Each operation is saved as pending before it is staged, so a writer killed at any point
//! loses nothing `sync` cannot finish, and a chain whose writers died is pushed by the next.
//! When the remote cannot be reached the stage is emptied and its operations stay pending,
//! exactly as offline writes do.

use gix::ObjectId;

use super::context::Context;
use super::error::Error;
use super::swap::{ask_for_a_turn, swap, Swap};
use super::txn::{backoff, commit_op, gave_up, Outcome, Plan, MAX_ATTEMPTS};
use crate::model::{ClaimId, ClaimsState};
use crate::store::stage::Held;
use crate::store::{refs, Fetch, Stage};

/// How far back a staged commit is looked for on the confirmed board.
const LANDED_WITHIN: usize = 4096;

/// Our staged commit and what to report when it lands.
struct Mine<R> {
    commit: ObjectId,
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
    remote_lacks_ref: bool,
}

impl<R> Round<R> {
    fn new() -> Round<R> {
        Round {
            mine: None,
            saved: None,
            fetched: false,
            remote_lacks_ref: false,
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
        let (base, _) = stage_base(ctx, &stage)?;
        stage_if_write(ctx, &stage, &mut round, plan, base)?;
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
            if landed(ctx, m.commit)? {
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
    loop {
        if let Some(turn) = stage.try_push_turn()? {
            return Ok(Ok(turn));
        }
        if let Some(m) = &round.mine {
            if landed(ctx, m.commit)? {
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
            let _held = stage.lock()?;
            let (base, confirmed) = stage_base(ctx, stage)?;
            if !still_staged(ctx, base, confirmed, m.commit) && !landed(ctx, m.commit)? {
                round.mine = None;
                stage_if_write(ctx, stage, round, plan, base)?;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(2 + ctx.random() % 8));
    }
}

/// Whether `commit` is on the stage (`base`, its head, is ahead of `confirmed` and holds it).
fn still_staged(ctx: &Context, base: Option<ObjectId>, confirmed: Option<ObjectId>, commit: ObjectId) -> bool {
    base != confirmed && base.is_some_and(|b| ctx.store.reaches(b, Some(commit), LANDED_WITHIN).unwrap_or(false))
}

/// Plan on the stage head `base` (with the stage held) and stage the operation if it is a
/// write; anything else is decided later, on the confirmed board.
fn stage_if_write<R>(
    ctx: &Context,
    stage: &Stage,
    round: &mut Round<R>,
    plan: &mut impl FnMut(&ClaimsState, Option<ObjectId>) -> Result<Plan<R>, Error>,
    base: Option<ObjectId>,
) -> Result<(), Error> {
    let loaded = ctx.store.load_claims(refs::CLAIMS, base)?;
    if let Ok(Plan::Write(op, result)) = plan(&loaded.state, base) {
        let _unchanged = append(ctx, stage, round, &loaded, &op, result)?;
    }
    Ok(())
}

/// Whether `commit` is on the confirmed board.
fn landed(ctx: &Context, commit: ObjectId) -> Result<bool, Error> {
    Ok(match ctx.store.tip(refs::CLAIMS)? {
        Some(c) => ctx.store.reaches(c, Some(commit), LANDED_WITHIN)?,
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
    let (base, confirmed) = stage_base(ctx, stage)?;
    if let Some(m) = &round.mine {
        // Still staged (the push that carried it yielded its turn, or someone else's chain
        // moved on top): plan nothing again, push it. Planning on a stage that holds our own
        // operation would add a second one (a second task taken under one token).
        if unreachable.is_none() && still_staged(ctx, base, confirmed, m.commit) {
            return Ok(None);
        }
    }
    let settled = base == confirmed || unreachable.is_some();
    let loaded = ctx.store.load_claims(refs::CLAIMS, base)?;
    let offline_now = unreachable.is_some();
    match plan(&loaded.state, base) {
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
        Ok(Plan::Write(op, result)) => match append(ctx, stage, round, &loaded, &op, result)? {
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

/// Commit `op` on `loaded` (the stage head), save it as pending, and stage it; the result
/// comes back when the operation changes nothing.
fn append<R>(
    ctx: &Context,
    stage: &Stage,
    round: &mut Round<R>,
    loaded: &crate::store::Loaded,
    op: &crate::model::Op,
    result: R,
) -> Result<Option<R>, Error> {
    let Some((commit, granted)) = commit_op(ctx, loaded, op, ctx.agent.as_str())? else {
        return Ok(Some(result));
    };
    ctx.crash_point("after-commit");
    round.saved = Some(ctx.pending.save(op, ctx.now(), round.saved.as_deref())?);
    ctx.crash_point("before-push");
    stage.set(Some(commit))?;
    round.mine = Some(Mine {
        commit,
        result,
        granted,
    });
    Ok(None)
}

/// The stage head to plan on, and the confirmed board; a stage that no longer builds on the
/// confirmed board (its chain lost a race, or it landed) is emptied. Call with the stage held.
fn stage_base(ctx: &Context, stage: &Stage) -> Result<(Option<ObjectId>, Option<ObjectId>), Error> {
    let confirmed = ctx.store.tip(refs::CLAIMS)?;
    ctx.observe(confirmed);
    match stage.head() {
        Some(h) if Some(h) != confirmed && ctx.store.reaches(h, confirmed, LANDED_WITHIN).unwrap_or(false) => {
            Ok((Some(h), confirmed))
        }
        Some(_) => {
            stage.set(None)?;
            Ok((confirmed, confirmed))
        }
        None => Ok((confirmed, confirmed)),
    }
}

/// Push whatever is staged, leased on the confirmed board. The stage is only read under its
/// lock: other writers keep appending while the push is on the wire.
fn flush<R>(ctx: &Context, stage: &Stage, round: &mut Round<R>, attempt: u32) -> Result<Flushed, Error> {
    let (head, confirmed) = {
        let _held = stage.lock()?;
        stage_base(ctx, stage)?
    };
    if head == confirmed {
        return Ok(Flushed::Done);
    }
    let head = head.expect("because a staged chain has a head");
    let lease = if round.remote_lacks_ref { None } else { confirmed };
    let pending = usize::from(round.saved.is_some());
    // From the second loss of one write on, ask the clone that keeps winning to yield, and
    // then fetch at once: the clone that yields leaves us a window.
    let pause = || {
        if attempt >= 2 {
            let _ = ask_for_a_turn(ctx);
        } else {
            backoff(ctx, attempt);
        }
    };
    Ok(
        match swap(ctx, confirmed, head, lease, pending, &pause, attempt == 1)? {
            Swap::Won => Flushed::Done,
            Swap::Lost { remote_lacks_ref } => {
                round.fetched = true;
                round.remote_lacks_ref = !round.remote_lacks_ref && remote_lacks_ref;
                Flushed::Lost
            }
            Swap::Unreachable(e) => {
                // The staged operations stay pending, as offline writes do (`sync` confirms
                // them); later writers plan on the confirmed board, as before.
                let _held = stage.lock()?;
                if stage.head() == Some(head)
                    || stage
                        .head()
                        .is_some_and(|h| ctx.store.reaches(h, Some(head), LANDED_WITHIN).unwrap_or(false))
                {
                    stage.set(None)?;
                }
                Flushed::Unreachable(e)
            }
        },
    )
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
    Ok(remote.fetch()? == Fetch::Fetched && ctx.store.tip(refs::CLAIMS)? != tip)
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
    (o.wrote, o.synced, o.commit, o.granted_waiters) = (true, true, Some(m.commit), m.granted);
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
