//! The server's judgement of board writes: every new commit on a board ref must be one
//! valid git-coord operation on its parent's state, whoever made it and however it was
//! pushed. Used by the pre-receive hook.
//!
//! Each commit is read whole (a malformed tree is refused), its operation is taken from
//! the `Coord-Data` trailer git-coord writes, and the claims it adds, drops and changes on
//! its ref are held against that operation:
//! - a claim is added only by the operation that grants it (`claim`, a task grant, or a
//!   waiter of the queue granted by `Coord-Granted`), or copied from a claim the board
//!   already had (a wide claim laid into a new shard, a claim moved by a layout upgrade);
//!   a granted claim never overlaps an active claim of another agent on the same ref;
//! - a claim is dropped only by its holder (`release`, a task), by a recorded `--force`,
//!   when it has expired by this server's clock, or when it moved to another ref;
//! - a claim is changed (expiry, note) only by its holder; another agent may only add the
//!   symbols its own claim carves out of a narrowable claim;
//! - every claim sits where the layout puts it (its home shard, or a wide claim on the root
//!   and every shard), so the compare-and-swap that decides overlapping claims is never
//!   side-stepped by a hand-placed entry;
//! - a commit has exactly one parent on its ref (the history is one line), tasks and
//!   handoffs change only by the operation naming them.
//!
//! Why judging one ref at a time is enough: two claims that can overlap always live on a
//! common ref (see `model::layout`), so a conflict is always visible on the ref both write.

mod step;

use std::collections::{BTreeSet, HashMap};

use step::Step;

use super::context::Context;
use super::error::Error;
use super::hook::RefUpdate;
use crate::engine::conflict::Judge;
use crate::model::{Claim, ClaimId, ClaimsState, Trust};
use crate::store::{codec, refs};

/// Why the board updates of one push must be refused, one line per bad commit (empty: all
/// good). `moves` are the board refs the push moves (never deletions: those are refused
/// before).
pub fn judge_board_push(ctx: &Context, moves: &[&RefUpdate]) -> Result<Vec<String>, Error> {
    judge_board_moves(ctx, moves, &|name| ctx.store.tip(name))
}

/// [`judge_board_push`] with the board before the moves at `base` (each ref's tip there).
pub fn judge_board_moves(ctx: &Context, moves: &[&RefUpdate], base: &Base) -> Result<Vec<String>, Error> {
    let moved: HashMap<&str, Option<gix::ObjectId>> = moves.iter().map(|u| (u.refname.as_str(), u.new)).collect();
    let before = ctx.store.load_board(base, &[])?.state;
    let tip_after = |name: &str| moved.get(name).map_or_else(|| base(name), |new| Ok(*new));
    let names: Vec<String> = moves.iter().map(|u| u.refname.clone()).collect();
    let after = ctx.store.load_board(&tip_after, &names)?.state;
    let judge = Judge::new(&[], &ctx.policy.shared_files)?;
    let mut problems = Vec::new();
    // The commits of each moved ref, oldest first, with the state each starts from.
    let mut chains = Vec::new();
    for u in moves {
        let Some(new) = u.new else { continue };
        match chain(ctx, u.old, new)? {
            Ok(c) => chains.push((u, c)),
            Err(why) => problems.push(format!("{}: {why}", u.refname)),
        }
    }
    // Waiters any state of this push or the board before it knows: their claims may be
    // granted from the queue.
    let mut waiting: HashMap<ClaimId, Claim> = HashMap::new();
    let mut note_waiters = |s: &ClaimsState| {
        for w in &s.queue {
            for c in &w.claims {
                waiting.insert(c.id.clone(), c.clone());
            }
        }
    };
    note_waiters(&before);
    let states = load_states(ctx, &chains, &mut note_waiters)?;
    let mut added_wide: BTreeSet<ClaimId> = BTreeSet::new();
    let mut verifier = ctx
        .policy
        .trust
        .require
        .then(|| super::trust::verifier(ctx))
        .transpose()?;
    for ((u, _), list) in chains.iter().zip(&states) {
        let mut parent = match u.old {
            Some(old) => ctx.store.load_claims(&u.refname, Some(old))?.state,
            None => ClaimsState::default(),
        };
        let step = Step {
            ctx,
            judge: &judge,
            refname: &u.refname,
            before: &before,
            after: &after,
            waiting: &waiting,
        };
        for (id, message, state) in list {
            let short = &id.to_string()[..10];
            let state = match state {
                Ok(s) => s,
                Err(why) => {
                    problems.push(format!("{} {short}: {why}", u.refname));
                    break;
                }
            };
            let checked = step
                .check(&parent, state, message)
                .and_then(|wide| match &mut verifier {
                    Some(v) => signed_as_required(ctx, v, *id, message).map(|()| wide),
                    None => Ok(wide),
                });
            match checked {
                Ok(wide) => added_wide.extend(wide),
                Err(why) => {
                    problems.push(format!("{} {short}: {why}", u.refname));
                    break;
                }
            }
            parent = state.clone();
        }
    }
    if problems.is_empty() {
        problems.extend(laid_out(ctx, moves, &tip_after, &added_wide)?);
    }
    Ok(problems)
}

/// Under `[trust] require`: the commit is signed by a key the allowed signers give the agent
/// its operation names, and a forced release by a key of a maintainer. (`init`'s empty board
/// records no operation and needs no signature.)
fn signed_as_required(
    ctx: &Context,
    verifier: &mut crate::store::signing::Verifier,
    id: gix::ObjectId,
    message: &str,
) -> Result<(), String> {
    let Some(op) = super::trust::op_of(message) else {
        return Ok(());
    };
    let trust = |v: &mut crate::store::signing::Verifier, who: &str| {
        super::trust::commit_trust(ctx, v, id, who).map_err(|e| e.to_string())
    };
    let agent = op.agent().to_string();
    match trust(verifier, &agent)? {
        Trust::Verified => {}
        Trust::Unsigned => {
            return Err(format!(
                "not signed ([trust] require): {agent} must sign its operations"
            ))
        }
        Trust::Forged => {
            return Err(format!(
                "signed by a key the allowed signers do not give {agent} ([trust] require)"
            ))
        }
    }
    if let crate::model::Op::Release { force: true, .. } = op {
        let maintainers = &ctx.policy.trust.maintainers;
        let mut allowed = false;
        for m in maintainers {
            allowed = allowed || trust(verifier, m)? == Trust::Verified;
        }
        if !allowed {
            return Err(format!(
                "{agent} forces a release but is not signed by a maintainer ([trust] maintainers: {})",
                if maintainers.is_empty() {
                    "none".to_owned()
                } else {
                    maintainers.join(", ")
                }
            ));
        }
    }
    verifier.save();
    Ok(())
}

/// Each pushed commit's state on its ref (or why it cannot be read), in chain order.
#[allow(clippy::type_complexity)]
fn load_states(
    ctx: &Context,
    chains: &[(&&RefUpdate, Vec<(gix::ObjectId, String)>)],
    note_waiters: &mut impl FnMut(&ClaimsState),
) -> Result<Vec<Vec<(gix::ObjectId, String, Result<ClaimsState, String>)>>, Error> {
    let mut states: Vec<Vec<(gix::ObjectId, String, Result<ClaimsState, String>)>> = Vec::new();
    for (u, commits) in chains {
        let mut list = Vec::new();
        for (id, message) in commits {
            let state = match ctx.store.load_claims(&u.refname, Some(*id)) {
                Ok(l) if l.schema < codec::SCHEMA => Err(format!(
                    "written in board schema {} (this server's board is schema {}): upgrade git-coord",
                    l.schema,
                    codec::SCHEMA
                )),
                Ok(l) => {
                    note_waiters(&l.state);
                    Ok(l.state)
                }
                Err(e) => Err(format!("malformed board ({})", chain_of(&e))),
            };
            list.push((*id, message.clone(), state));
        }
        states.push(list);
    }
    Ok(states)
}

/// The layout after a push must hold: every shard that exists is on the root's list (a wide
/// write leases the root and writes the shards listed there, so an unlisted shard would
/// escape it), and a wide claim the push adds is on the root and every listed shard.
fn laid_out(
    ctx: &Context,
    moves: &[&RefUpdate],
    tip_after: &dyn Fn(&str) -> Result<Option<gix::ObjectId>, crate::store::StoreError>,
    added_wide: &BTreeSet<ClaimId>,
) -> Result<Option<String>, Error> {
    let mut names = vec![refs::CLAIMS.to_owned()];
    names.extend(ctx.store.refs_with_prefix(refs::SHARDS)?.into_iter().map(|(n, _)| n));
    names.extend(moves.iter().map(|u| u.refname.clone()));
    names.sort();
    names.dedup();
    let current = |name: &str| {
        name.strip_prefix(refs::SHARDS)
            .is_some_and(crate::model::layout::is_current)
    };
    names.retain(|n| n == refs::CLAIMS || current(n));
    let listed = ctx
        .store
        .load_claims(refs::CLAIMS, tip_after(refs::CLAIMS)?)?
        .state
        .shards;
    for name in names.iter().filter(|n| current(n)) {
        let key = name.strip_prefix(refs::SHARDS).unwrap_or(name);
        if tip_after(name)?.is_some() && !listed.contains(key) {
            return Ok(Some(format!(
                "{name}: the shard is not on the root's list of shards (a shard is created together with its place on that list)"
            )));
        }
    }
    if added_wide.is_empty() {
        return Ok(None);
    }
    // Every listed shard, created by the wide write where it did not exist.
    names.extend(listed.iter().map(|k| refs::board_ref(Some(k))));
    names.sort();
    names.dedup();
    for name in names {
        let held = ctx.store.load_claims(&name, tip_after(&name)?)?.state;
        if let Some(missing) = added_wide.iter().find(|id| !held.claims.contains_key(*id)) {
            return Ok(Some(format!(
                    "{name}: the wide claim {missing} is not on every board ref (a wide claim lives on the root and every shard)"
                )));
        }
    }
    Ok(None)
}

/// Where each board ref stood before the moves judged.
pub type Base<'a> = dyn Fn(&str) -> Result<Option<gix::ObjectId>, crate::store::StoreError> + 'a;

/// The commits `old..new` of one board ref, oldest first, with their messages; `Err` when
/// the history is not one line of commits descending from `old`.
#[allow(clippy::type_complexity)]
fn chain(
    ctx: &Context,
    old: Option<gix::ObjectId>,
    new: gix::ObjectId,
) -> Result<Result<Vec<(gix::ObjectId, String)>, String>, Error> {
    let mut out = Vec::new();
    let mut next = Some(new);
    while let Some(id) = next {
        if Some(id) == old {
            break;
        }
        let (_, parents) = ctx.store.commit_info(id)?;
        if parents.len() > 1 {
            return Ok(Err(format!(
                "{} is a merge: a board's history is one line of operations",
                &id.to_string()[..10]
            )));
        }
        let message = ctx.store.commit_message(id)?;
        next = parents.first().copied();
        if next.is_none() {
            // Only a compaction may start the line again: at the tree of the tip it archived,
            // which `old` is, or leads to (judged on from there).
            let short = &id.to_string()[..10];
            match crate::store::message::archived_by(&message) {
                Some(a) if ctx.store.has_commit(a) && ctx.store.commit_info(a)?.0 == ctx.store.commit_info(id)?.0 => {
                    next = Some(a);
                }
                Some(a) if ctx.store.has_commit(a) => {
                    return Ok(Err(format!(
                        "{short} is a compaction whose tree is not that of the commit it archives"
                    )))
                }
                Some(a) => {
                    return Ok(Err(format!(
                        "{short} compacts history this repository lacks ({a}): fetch refs/coord-archive/* to judge it"
                    )))
                }
                None if old.is_some() => {
                    return Ok(Err("not a fast-forward: coordination history is append-only".into()))
                }
                None => {}
            }
        }
        out.push((id, message));
    }
    out.reverse();
    Ok(Ok(out))
}

fn chain_of(e: &dyn std::error::Error) -> String {
    let mut why = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        why.push_str(&format!(": {s}"));
        src = s.source();
    }
    why
}

/// Where `verify --board` records how far each board ref has been judged (local refs,
/// outside `refs/coord/`, so fetch and push never carry them).
pub const VERIFIED: &str = "refs/coord-verified/";

/// What `verify --board` found.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct BoardVerdict {
    /// The board refs with commits not judged before, and how many commits each had.
    pub judged: Vec<(String, usize)>,
    /// One line per bad commit (empty: every new commit is a valid operation).
    pub problems: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch_error: Option<String>,
}

/// For CI on a host without server hooks: judge every board commit this clone has not
/// judged before (after a fetch), exactly as the pre-receive hook would have; when all are
/// valid, remember the tips judged (`refs/coord-verified/…`).
pub fn verify_board(ctx: &Context, fetch: bool) -> Result<BoardVerdict, Error> {
    let mut fetch_error = None;
    if fetch {
        if let Some(remote) = ctx.online_remote() {
            if let crate::store::Fetch::Unreachable(e) | crate::store::Fetch::Diverged(e) = remote.fetch()? {
                fetch_error = Some(e);
            }
            // Compacted history is judged too: its archives come along (once; later runs
            // fetch only what is new).
            let archives = format!("{}*:{}*", refs::ARCHIVE, refs::ARCHIVE);
            if let Err(e) = remote.fetch_specs(&[&archives])? {
                fetch_error.get_or_insert(e);
            }
        }
    }
    let marker = |name: &str| format!("{VERIFIED}{}", name.strip_prefix(refs::NAMESPACE).unwrap_or(name));
    let mut names: Vec<String> = vec![refs::CLAIMS.to_owned()];
    names.extend(ctx.store.refs_with_prefix(refs::SHARDS)?.into_iter().map(|(n, _)| n));
    let mut updates = Vec::new();
    let mut judged = Vec::new();
    for name in names {
        let (tip, done) = (ctx.store.tip(&name)?, ctx.store.tip(&marker(&name))?);
        let Some(new) = tip.filter(|t| Some(*t) != done) else {
            continue;
        };
        let hidden: Vec<gix::ObjectId> = done.into_iter().collect();
        judged.push((
            name.clone(),
            ctx.store.commits_between(&[new], &hidden, usize::MAX)?.len(),
        ));
        updates.push(RefUpdate {
            refname: name,
            old: done,
            new: Some(new),
        });
    }
    let moves: Vec<&RefUpdate> = updates.iter().collect();
    let base = |name: &str| ctx.store.tip(&marker(name));
    let problems = if moves.is_empty() {
        Vec::new()
    } else {
        judge_board_moves(ctx, &moves, &base)?
    };
    if problems.is_empty() {
        for u in &updates {
            let new = u.new.expect("because only refs with a tip are judged");
            ctx.store
                .cas(&marker(&u.refname), u.old, new, ctx.agent.as_str(), ctx.now())?;
        }
    }
    Ok(BoardVerdict {
        judged,
        problems,
        fetch_error,
    })
}
