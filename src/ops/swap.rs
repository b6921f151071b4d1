//! The compare-and-swap at the heart of the one write protocol, shared by every write
//! (claims, releases, tasks, handoffs through `txn::transact`) and by `sync`'s replay.
//!
//! Without a remote the local ref is the arbiter (a ref transaction that must still see
//! `tip`). With one, a push leased on the remote's old value, with a non-forced refspec (a
//! `+` would ignore the lease); when it lands the local ref follows, and when the lease is
//! lost the remote's board is fetched so the caller's next attempt plans on it. Must not
//! sleep, retry or print: the caller owns the loop and its backoff.

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

/// Move the board from `tip` to `new`; with a remote, the push is leased on `lease`.
/// `pending` is how many operations stay pending if the remote refuses.
pub fn swap(
    ctx: &Context,
    tip: Option<ObjectId>,
    new: ObjectId,
    lease: Option<ObjectId>,
    pending: usize,
) -> Result<Swap, Error> {
    let cas_local = || ctx.store.cas(refs::CLAIMS, tip, new, ctx.agent.as_str(), ctx.now());
    let Some(remote) = ctx.remote.as_ref() else {
        let lost = ctx.inject_lost_race() || matches!(cas_local()?, Cas::Lost { .. });
        return Ok(if lost {
            Swap::Lost {
                remote_lacks_ref: false,
            }
        } else {
            Swap::Won
        });
    };
    let pushed = if ctx.inject_lost_race() {
        Push::Stale
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
        Push::Stale => match remote.fetch()? {
            Fetch::Fetched => Ok(Swap::Lost {
                remote_lacks_ref: tip.is_some() && ctx.store.tip(refs::CLAIMS)? == tip,
            }),
            Fetch::Unreachable(e) => Ok(Swap::Unreachable(e)),
            Fetch::Diverged(e) => Err(Error::Remote {
                remote: remote.name.clone(),
                what: "holds a claims board that does not descend from this clone's".into(),
                detail: e,
                pending,
            }),
        },
        Push::Rejected(e) => Err(Error::Remote {
            remote: remote.name.clone(),
            what: "refused the write".into(),
            detail: e,
            pending,
        }),
        Push::Unreachable(e) => Ok(Swap::Unreachable(e)),
    }
}
