//! Pushing the stage, and reading it: which staged heads still build on the confirmed board.

use std::collections::{BTreeMap, BTreeSet};

use gix::ObjectId;

use super::super::context::Context;
use super::super::error::Error;
use super::super::swap::{ask_for_a_turn, swap, Lease, Swap};
use super::super::txn::backoff;
use super::{Flushed, Round, LANDED_WITHIN};
use crate::store::{RefWrite, Stage};

/// The staged heads to plan on (each ahead of its ref's confirmed tip). A stage that no
/// longer builds on the confirmed board (a chain lost a race) is emptied; refs whose chain
/// landed leave it. Call with the stage held.
pub(super) fn stage_base(ctx: &Context, stage: &Stage) -> Result<BTreeMap<String, ObjectId>, Error> {
    ctx.observe();
    let staged = stage.heads();
    let mut keep = BTreeMap::new();
    let mut broken = false;
    for (name, head) in &staged {
        let confirmed = ctx.store.tip(name)?;
        if Some(*head) == confirmed {
            continue;
        }
        if ctx.store.reaches(*head, confirmed, LANDED_WITHIN).unwrap_or(false) {
            keep.insert(name.clone(), *head);
        } else {
            broken = true;
        }
    }
    if broken {
        keep.clear();
    }
    if keep != staged {
        stage.set(&keep)?;
    }
    Ok(keep)
}

/// Push whatever is staged, each ref leased on its confirmed tip, in one atomic push. The
/// stage is only read under its lock: other writers keep appending while the push is on
/// the wire.
pub(super) fn flush<R>(ctx: &Context, stage: &Stage, round: &mut Round<R>, attempt: u32) -> Result<Flushed, Error> {
    let staged = {
        let _held = stage.lock()?;
        stage_base(ctx, stage)?
    };
    if staged.is_empty() {
        return Ok(Flushed::Done);
    }
    let mut writes = Vec::new();
    for (name, head) in &staged {
        writes.push(RefWrite {
            name: name.clone(),
            old: ctx.store.tip(name)?,
            new: *head,
        });
    }
    if let Some(e) = wait_for_budget(ctx, stage) {
        return Ok(Flushed::Unreachable(e));
    }
    let pending = usize::from(round.saved.is_some());
    // Chains that share no operation land ref by ref: a lost lease on one ref then drops only
    // the operations staged there, not every writer's on the other refs. A chain of one ref
    // keeps its turn marker (the fairness between clones that want the same ref).
    let lease = if independent(ctx, &staged)? {
        Lease::EachRef
    } else if attempt == 1 {
        Lease::Guarded
    } else {
        Lease::Atomic
    };
    // From the second loss of one write on, ask the clone that keeps winning to yield, and
    // then fetch at once: the clone that yields leaves us a window.
    // Asking for a turn is a push too: only when the push budget allows one now.
    let pause = || {
        if attempt >= 2 && take_push(ctx, stage).is_ok() {
            let _ = ask_for_a_turn(ctx, &writes);
        } else {
            backoff(ctx, attempt);
        }
    };
    Ok(match swap(ctx, &writes, &round.lacking, pending, &pause, lease)? {
        Swap::Won => {
            round.lacking.clear();
            Flushed::Done
        }
        Swap::Lost { lacking } => {
            round.fetched = true;
            round.lacking = lacking;
            Flushed::Lost
        }
        Swap::Unreachable(e) => {
            // The staged operations stay pending, as offline writes do (`sync` confirms
            // them); later writers plan on the confirmed board, as before.
            let _held = stage.lock()?;
            let now = stage.heads();
            let ours = staged.iter().all(|(name, head)| {
                now.get(name)
                    .is_some_and(|h| ctx.store.reaches(*h, Some(*head), LANDED_WITHIN).unwrap_or(false))
            });
            if ours {
                stage.set(&BTreeMap::new())?;
            }
            Flushed::Unreachable(e)
        }
    })
}

/// Whether the staged chains (more than one ref) may land ref by ref: no operation has a
/// commit on two of them. An operation that moves several refs (a wide claim, a write on a
/// board read torn, a task with its claim) writes the same `Coord-Op-Id` on each, and must
/// land whole; any doubt (a chain that does not reach its confirmed tip, a commit without
/// an id) answers no.
fn independent(ctx: &Context, staged: &BTreeMap<String, ObjectId>) -> Result<bool, Error> {
    if staged.len() < 2 {
        return Ok(false);
    }
    let mut ops = BTreeSet::new();
    for (name, head) in staged {
        let confirmed = ctx.store.tip(name)?;
        let mut next = Some(*head);
        for _ in 0..LANDED_WITHIN {
            if next == confirmed {
                break;
            }
            let Some(id) = next else { return Ok(false) };
            let (message, parent, _) = ctx.store.commit_step(id)?;
            let op = crate::store::message::trailers(&message)
                .into_iter()
                .find(|(k, _)| *k == "Coord-Op-Id")
                .map(|(_, v)| v.trim().to_owned());
            if !op.is_some_and(|op| ops.insert(op)) {
                return Ok(false);
            }
            next = parent;
        }
        if next != confirmed {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `[network] push_budget`: with the push turn held, wait until this clone may push again
/// (writers arriving meanwhile stage their work, which leaves in this push), then log the push.
/// `Some(why)` when the wait would outlast `[network] timeout`: the write stays pending.
fn wait_for_budget(ctx: &Context, stage: &Stage) -> Option<String> {
    let b = ctx.policy.network_push_budget?;
    let limit = std::time::Duration::from_secs(ctx.policy.network_timeout.0.max(1) as u64);
    loop {
        let Err(wait) = take_push(ctx, stage) else {
            return None;
        };
        if ctx.elapsed() + wait > limit {
            return Some(format!(
                "this clone's push budget ([network] push_budget, {} per {}s) is used up for {:.1}s more, past [network] timeout ({}s)",
                b.pushes,
                b.per.0,
                wait.as_secs_f64(),
                limit.as_secs()
            ));
        }
        std::thread::sleep(wait.min(std::time::Duration::from_millis(250)));
    }
}

/// Count one push against the budget if it allows one now (`Ok`, logged), else how long until
/// it does. With the push turn held.
pub(super) fn take_push(ctx: &Context, stage: &Stage) -> Result<(), std::time::Duration> {
    let Some(b) = ctx.policy.network_push_budget else {
        return Ok(());
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let window = b.per.0 as u64 * 1000;
    let recent = stage.pushes_since(now.saturating_sub(window));
    if recent.len() < b.pushes as usize {
        stage.record_push(now, now.saturating_sub(window));
        return Ok(());
    }
    // The oldest push in the window leaves it then.
    let free = recent.iter().min().copied().unwrap_or(now) + window;
    Err(std::time::Duration::from_millis(free.saturating_sub(now) + 1))
}
