//! The compare-and-swap at the heart of the one write protocol, shared by every write
//! (claims, releases, tasks, handoffs through `txn::transact`) and by `sync`'s replay.
//!
//! Without a remote the local ref is the arbiter (a ref transaction that must still see
//! `tip`). With one, a push leased on the remote's old value, with a non-forced refspec (a
//! `+` would ignore the lease); when it lands the local ref follows, and when the lease is
//! lost, `pause` runs (the caller's backoff) and only then is the remote's board fetched, so
//! the caller's next attempt plans on a board as fresh as it can be (sleeping after the fetch
//! would plan on a board already old, and a busy writer elsewhere would win every time).
//! Must not retry or print: the caller owns the loop.

use gix::ObjectId;

use super::context::Context;
use super::error::Error;
use crate::store::{refs, Cas, Fetch, Push};

/// How one compare-and-swap ended (the failures that end the write are errors).
pub enum Swap {
    /// The arbiter has `new`.
    Won,
    /// Someone else wrote first; the board was refreshed. `remote_lacks_ref`: the fetch
    /// brought nothing, so the remote has no board yet (lease on "must not exist").
    Lost { remote_lacks_ref: bool },
    /// The remote could not be reached (or timed out): the write stays pending.
    Unreachable(String),
}

/// Move the board from `tip` to `new`; with a remote, the push is leased on `lease` (and,
/// when `guarded`, on the contention marker [`refs::CONTEND`] too, so a writer that keeps
/// losing elsewhere can make this one yield). `pending` is how many operations stay pending
/// if the remote refuses; `pause` runs after a lost race, before the board is refreshed.
pub fn swap(
    ctx: &Context,
    tip: Option<ObjectId>,
    new: ObjectId,
    lease: Option<ObjectId>,
    pending: usize,
    pause: &dyn Fn(),
    guarded: bool,
) -> Result<Swap, Error> {
    let cas_local = || ctx.store.cas(refs::CLAIMS, tip, new, ctx.agent.as_str(), ctx.now());
    let Some(remote) = ctx.remote.as_ref() else {
        let lost = ctx.inject_lost_race() || matches!(cas_local()?, Cas::Lost { .. });
        if lost {
            pause();
        }
        return Ok(if lost {
            Swap::Lost {
                remote_lacks_ref: false,
            }
        } else {
            Swap::Won
        });
    };
    let started = std::time::Instant::now();
    let pushed = if ctx.inject_lost_race() {
        Push::Stale
    } else if guarded {
        let marker = ctx.store.tip(refs::CONTEND)?;
        let value = match marker {
            Some(m) => m,
            None => ctx.store.contend_root()?,
        };
        remote.push_guarded(refs::CLAIMS, new, lease, (refs::CONTEND, value, marker))?
    } else {
        remote.push(refs::CLAIMS, new, lease)?
    };
    match pushed {
        Push::Pushed => {
            ctx.crash_point("after-push");
            // git's push already moved the local ref when the fetch refspec maps it (the usual
            // case after `init`). Only when another process of this clone moved it elsewhere
            // meanwhile does a fetch bring it to the remote's board, which now holds ours.
            if let Cas::Lost { actual } = cas_local()? {
                if actual != Some(new) {
                    let _ = remote.fetch()?;
                }
            }
            Ok(Swap::Won)
        }
        Push::Yield => {
            // Another clone asked for a turn and our board lease still held: stay off the
            // remote for about three of our pushes, so its fetch, plan and push fit in between.
            let took = started.elapsed().min(std::time::Duration::from_secs(2));
            std::thread::sleep(took * 3 + std::time::Duration::from_millis(ctx.random() % 20));
            refresh(ctx, remote, None, pending)
        }
        Push::Stale => {
            pause();
            refresh(ctx, remote, tip, pending)
        }
        Push::Rejected(e) => Err(Error::Remote {
            remote: remote.name.clone(),
            what: "refused the write".into(),
            detail: e,
            pending,
        }),
        Push::Unreachable(e) => Ok(Swap::Unreachable(e)),
    }
}

/// Advance the contention marker (best effort: if another writer advanced it first, theirs
/// does the same job). Every clone whose next board push is leased on the old marker loses
/// that push once, and plans again on a fresh board: the writer that kept losing gets a turn.
pub fn ask_for_a_turn(ctx: &Context) -> Result<(), Error> {
    let Some(remote) = ctx.online_remote() else {
        return Ok(());
    };
    let marker = ctx.store.tip(refs::CONTEND)?;
    let parent = match marker {
        Some(m) => m,
        None => ctx.store.contend_root()?,
    };
    let tree = ctx.store.empty_tree()?;
    let message = format!("{} waits for the board\n", ctx.agent);
    let bump = ctx
        .store
        .write_commit(tree, Some(parent), &message, ctx.agent.as_str(), ctx.now())?;
    let _ = remote.push(refs::CONTEND, bump, marker)?;
    Ok(())
}

/// After a lost race: fetch the remote's board. `leased`: the board the lost push was leased
/// on (when the fetch brings nothing newer, the remote has no board at all).
fn refresh(
    ctx: &Context,
    remote: &crate::store::Remote,
    leased: Option<ObjectId>,
    pending: usize,
) -> Result<Swap, Error> {
    match remote.fetch()? {
        Fetch::Fetched => Ok(Swap::Lost {
            remote_lacks_ref: leased.is_some() && ctx.store.tip(refs::CLAIMS)? == leased,
        }),
        Fetch::Unreachable(e) => Ok(Swap::Unreachable(e)),
        Fetch::Diverged(detail) => Err(Error::Remote {
            remote: remote.name.clone(),
            what: "holds a claims board that does not descend from this clone's".into(),
            detail,
            pending,
        }),
    }
}
