//! The compare-and-swap at the heart of the one write protocol, shared by every write
//! (claims, releases, tasks, handoffs through `txn::transact`) and by `sync`'s replay.
//!
//! A write moves one or more board refs (the root and shards, `model::layout`) all or none.
//! Without a remote the local refs are the arbiter (one ref transaction that must still see
//! each old value). With one, one atomic push leased on each ref's old value, with non-forced
//! refspecs (a `+` would ignore the lease); when it lands the local refs follow, and when a lease is
//! lost, `pause` runs (the caller's backoff) and only then is the remote's board fetched, so
//! the caller's next attempt plans on a board as fresh as it can be (sleeping after the fetch
//! would plan on a board already old, and a busy writer elsewhere would win every time).
//! Must not retry or print: the caller owns the loop.

use std::collections::BTreeSet;

use super::context::Context;
use super::error::Error;
use crate::store::{refs, Cas, Fetch, Push, RefWrite};

/// How one compare-and-swap ended (the failures that end the write are errors).
pub enum Swap {
    /// The arbiter has every ref at its `new`.
    Won,
    /// Someone else wrote first; the board was refreshed. `lacking`: refs this clone has but
    /// the remote does not (the fetch brought nothing for them): lease them on "must not
    /// exist" next time.
    Lost { lacking: BTreeSet<String> },
    /// The remote could not be reached (or timed out): the write stays pending.
    Unreachable(String),
}

/// How a push to the remote leases the refs it moves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// All refs or none, each leased on its `old`.
    Atomic,
    /// All or none, and the contention markers of those refs leased too
    /// ([`refs::turn_ref`]), so a writer that keeps losing there can make this one yield.
    Guarded,
    /// Each ref on its own: for refs whose commits belong to operations that each move one
    /// ref only (a lost lease on one drops only the operations staged on it).
    EachRef,
}

/// Move each ref of `writes` from its `old` to its `new`: locally one ref transaction, all
/// or none; with a remote one push, each ref leased on its `old` (on "must not exist" for the
/// refs in `lacking`), all or none unless `lease` is [`Lease::EachRef`].
/// `pending` is how many operations stay pending if the remote refuses; `pause` runs after a
/// lost race, before the board is refreshed.
pub fn swap(
    ctx: &Context,
    writes: &[RefWrite],
    lacking: &BTreeSet<String>,
    pending: usize,
    pause: &dyn Fn(),
    lease: Lease,
) -> Result<Swap, Error> {
    let cas_local = || ctx.store.cas_many(writes, ctx.agent.as_str(), ctx.now());
    let Some(remote) = ctx.remote.as_ref() else {
        return swap_local(ctx, writes, pause);
    };
    let started = std::time::Instant::now();
    let leased: Vec<RefWrite> = writes
        .iter()
        .map(|w| RefWrite {
            old: if lacking.contains(&w.name) { None } else { w.old },
            ..w.clone()
        })
        .collect();
    let (pushed, landed) = if ctx.inject_lost_race() {
        (Push::Stale, Vec::new())
    } else {
        match lease {
            Lease::EachRef => remote.push_each(&leased)?,
            Lease::Guarded => (remote.push_refs(&leased, &turns(ctx, writes)?)?, Vec::new()),
            Lease::Atomic => (remote.push_refs(&leased, &[])?, Vec::new()),
        }
    };
    if !landed.is_empty() && !matches!(pushed, Push::Pushed) {
        return landed_in_part(ctx, remote, writes, &landed, pending, pause);
    }
    match pushed {
        Push::Pushed => {
            ctx.crash_point("after-push");
            // git's push already moved the local refs when the fetch refspec maps them (the
            // usual case after `init`). Only when another process of this clone moved one
            // elsewhere meanwhile does a fetch bring them to the remote's board, which now
            // holds ours.
            if let Cas::Lost { .. } = cas_local()? {
                let mut behind = false;
                for w in writes {
                    behind |= ctx.store.tip(&w.name)? != Some(w.new);
                }
                if behind {
                    let _ = remote.fetch()?;
                }
            }
            super::compact::after_write(ctx, writes);
            Ok(Swap::Won)
        }
        Push::Yield => {
            // Another clone asked for a turn and our board lease still held: stay off the
            // remote for about three of our pushes, so its fetch, plan and push fit in between.
            let took = started.elapsed().min(std::time::Duration::from_secs(2));
            std::thread::sleep(took * 3 + std::time::Duration::from_millis(ctx.random() % 20));
            refresh(ctx, remote, &[], pending)
        }
        Push::Stale => {
            pause();
            refresh(ctx, remote, writes, pending)
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

/// With no remote, the local refs are the arbiter: one ref transaction.
fn swap_local(ctx: &Context, writes: &[RefWrite], pause: &dyn Fn()) -> Result<Swap, Error> {
    let lost = ctx.inject_lost_race()
        || matches!(
            ctx.store.cas_many(writes, ctx.agent.as_str(), ctx.now())?,
            Cas::Lost { .. }
        );
    if lost {
        pause();
        return Ok(Swap::Lost {
            lacking: BTreeSet::new(),
        });
    }
    super::compact::after_write(ctx, writes);
    Ok(Swap::Won)
}

/// Some refs of a [`Lease::EachRef`] push landed and others did not: the local refs of those
/// that landed follow, and the board is refreshed for the others (whose operations are then
/// planned again). The caller sees a lost race.
fn landed_in_part(
    ctx: &Context,
    remote: &crate::store::Remote,
    writes: &[RefWrite],
    landed: &[String],
    pending: usize,
    pause: &dyn Fn(),
) -> Result<Swap, Error> {
    let (done, lost): (Vec<RefWrite>, Vec<RefWrite>) = writes.iter().cloned().partition(|w| landed.contains(&w.name));
    // git's push moved the local refs that landed where the fetch refspec maps them; the
    // fetch below brings any other.
    let _ = ctx.store.cas_many(&done, ctx.agent.as_str(), ctx.now())?;
    super::compact::after_write(ctx, &done);
    pause();
    refresh(ctx, remote, &lost, pending)
}

/// The contention markers of the refs `writes` move, each to be pushed its current value
/// (or its first commit) and leased on it.
fn turns(ctx: &Context, writes: &[RefWrite]) -> Result<Vec<RefWrite>, Error> {
    let mut out = Vec::new();
    for w in writes {
        let name = refs::turn_ref(&w.name);
        let marker = ctx.store.tip(&name)?;
        let new = match marker {
            Some(m) => m,
            None => ctx.store.contend_root()?,
        };
        out.push(RefWrite { name, old: marker, new });
    }
    Ok(out)
}

/// Advance the contention markers of the refs `writes` move (best effort: if another writer
/// advanced one first, theirs does the same job). Every clone whose next push of one of those
/// refs is leased on the old marker loses that push once, and plans again on a fresh board:
/// the writer that kept losing gets a turn there, and writers of other refs never notice.
pub fn ask_for_a_turn(ctx: &Context, writes: &[RefWrite]) -> Result<(), Error> {
    let Some(remote) = ctx.online_remote() else {
        return Ok(());
    };
    let tree = ctx.store.empty_tree()?;
    let message = format!("{} waits for the board\n", ctx.agent);
    let mut bumps = Vec::new();
    for t in turns(ctx, writes)? {
        let bump = ctx
            .store
            .write_commit(tree, Some(t.new), &message, ctx.agent.as_str(), ctx.now())?;
        bumps.push(RefWrite { new: bump, ..t });
    }
    let _ = remote.push_refs(&bumps, &[])?;
    Ok(())
}

/// A lost write that leased more refs than this (a wide claim) fetches the whole board.
const FETCH_BY_NAME: usize = 8;

/// After a lost race: fetch the remote's board (the refs of `leased` only, when there are
/// any). `leased`: the writes whose push was lost;
/// when the fetch moves none of their refs, the remote may lack some of them (asked with
/// one `ls-remote`, a rare path).
fn refresh(ctx: &Context, remote: &crate::store::Remote, leased: &[RefWrite], pending: usize) -> Result<Swap, Error> {
    // The refs leased (and their turn markers) are what the next plan needs fresh; the rest
    // of the board is read as the clone has it (a ref read behind only fails its lease).
    let fetched = if leased.is_empty() || leased.len() > FETCH_BY_NAME {
        remote.fetch()?
    } else {
        let names: Vec<String> = leased
            .iter()
            .flat_map(|w| [w.name.clone(), refs::turn_ref(&w.name)])
            .collect();
        remote.fetch_refs(&names)?
    };
    match fetched {
        Fetch::Fetched => {
            let mut lacking = BTreeSet::new();
            let mut moved = false;
            for w in leased {
                moved |= ctx.store.tip(&w.name)? != w.old;
            }
            if !moved && leased.iter().any(|w| w.old.is_some()) {
                if let Ok(there) = remote.ls_remote()? {
                    for w in leased.iter().filter(|w| w.old.is_some()) {
                        if !there.iter().any(|(name, _)| name == &w.name) {
                            lacking.insert(w.name.clone());
                        }
                    }
                }
            }
            Ok(Swap::Lost { lacking })
        }
        Fetch::Unreachable(e) => Ok(Swap::Unreachable(e)),
        Fetch::Diverged(detail) => Err(Error::Remote {
            remote: remote.name.clone(),
            what: "holds a claims board that does not descend from this clone's".into(),
            detail,
            pending,
        }),
    }
}
