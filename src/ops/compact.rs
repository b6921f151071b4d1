//! `compact`: start each long board ref's history again at a compaction commit, keeping
//! what led there under an archive ref (`store::repo::compaction`), so fetches and fresh
//! clones of the board stay cheap however many operations a team has made.
//!
//! A compaction is an ordinary board write: one atomic push that moves each compacted ref,
//! leased on the tip it compacts, and creates its archive ref (leased on "must not exist").
//! It changes no state (the compaction commit has the tip's very tree), so it can never
//! grant or drop anything; a write that lands first wins the lease, and the compaction is
//! planned again on the new tip.

use std::collections::BTreeSet;

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use super::swap::{swap, Lease, Swap};
use super::txn::{backoff, MAX_ATTEMPTS};
use crate::store::{refs, Fetch, RefWrite};

/// Where archived history lives (on the remote and in the clone that compacted).
pub const ARCHIVE: &str = refs::ARCHIVE;

/// One board ref compacted.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Compacted {
    /// The board ref (`refs/coord/claims`, `refs/coord/shards/<k>`).
    #[serde(rename = "ref")]
    pub board_ref: String,
    /// How many commits its line held since its root or last compaction.
    pub commits: usize,
    /// Where that history is kept (`refs/coord-archive/…`, on the remote too).
    pub archive: String,
    /// The compaction commit the ref now starts at.
    pub commit: String,
}

/// What `compact` did.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CompactReport {
    /// Refs whose line held at least this many commits were compacted.
    pub after: usize,
    pub compacted: Vec<Compacted>,
    /// Board refs left as they were (shorter lines).
    pub kept: usize,
}

/// Compact every board ref whose line holds at least `after` commits.
pub fn compact(ctx: &Context, after: usize) -> Result<CompactReport, Error> {
    compact_refs(ctx, after, None)
}

/// [`compact`], only of the refs in `only` when given.
fn compact_refs(ctx: &Context, after: usize, only: Option<&BTreeSet<String>>) -> Result<CompactReport, Error> {
    if after < 2 {
        return Err(Error::usage(
            format!("--after {after}: a line of fewer than 2 commits has nothing to compact"),
            None,
        ));
    }
    if let Some(remote) = &ctx.remote {
        if ctx.online_remote().is_none() {
            return Err(Error::usage(
                "compact rewrites the remote's board: it cannot run offline",
                None,
            ));
        }
        let (what, detail) = match remote.fetch()? {
            Fetch::Fetched => (None, String::new()),
            Fetch::Unreachable(e) => (Some("cannot be reached"), e),
            Fetch::Diverged(e) => (Some("holds a claims board that does not descend from this clone's"), e),
        };
        if let Some(what) = what {
            return Err(Error::Remote {
                remote: remote.name.clone(),
                what: what.into(),
                detail,
                pending: 0,
            });
        }
    }
    for attempt in 1..=MAX_ATTEMPTS {
        let (writes, report) = plan(ctx, after, only)?;
        if report.compacted.is_empty() {
            return Ok(report);
        }
        match swap(
            ctx,
            &writes,
            &BTreeSet::new(),
            0,
            &|| backoff(ctx, attempt),
            Lease::Atomic,
        )? {
            Swap::Won => {
                // The push moved the board refs here; the archive refs are kept here too.
                for w in writes.iter().filter(|w| w.name.starts_with(refs::ARCHIVE)) {
                    let _ = ctx.store.cas(&w.name, None, w.new, ctx.agent.as_str(), ctx.now())?;
                }
                return Ok(report);
            }
            Swap::Lost { .. } => continue,
            Swap::Unreachable(detail) => {
                return Err(Error::Remote {
                    remote: ctx.remote.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
                    what: "cannot be reached".into(),
                    detail,
                    pending: 0,
                })
            }
        }
    }
    Err(Error::Remote {
        remote: ctx.remote.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
        what: "kept moving while compacting".into(),
        detail: "too many concurrent writers".into(),
        pending: 0,
    })
}

/// The writes that compact each long ref at its current tip, and what they will have done.
fn plan(ctx: &Context, after: usize, only: Option<&BTreeSet<String>>) -> Result<(Vec<RefWrite>, CompactReport), Error> {
    let mut names = vec![(refs::CLAIMS.to_owned(), ctx.store.tip(refs::CLAIMS)?)];
    for (name, tip) in ctx.store.refs_with_prefix(refs::SHARDS)? {
        names.push((name, Some(tip)));
    }
    let mut writes = Vec::new();
    let mut report = CompactReport {
        after,
        compacted: Vec::new(),
        kept: 0,
    };
    for (name, tip) in names {
        let Some(tip) = tip else { continue };
        if only.is_some_and(|o| !o.contains(&name)) {
            continue;
        }
        // A short line is walked no further than `after`; a long one whole (what it archives).
        if ctx.store.line_length(tip, after)? < after {
            report.kept += 1;
            continue;
        }
        let commits = ctx.store.line_length(tip, usize::MAX)?;
        let commit = ctx.store.write_compaction(&name, tip, ctx.agent.as_str(), ctx.now())?;
        let archive = refs::archive_ref(&name, &tip);
        writes.push(RefWrite {
            name: name.clone(),
            old: Some(tip),
            new: commit,
        });
        writes.push(RefWrite {
            name: archive.clone(),
            old: None,
            new: tip,
        });
        report.compacted.push(Compacted {
            board_ref: name,
            commits,
            archive,
            commit: commit.to_string(),
        });
    }
    Ok((writes, report))
}

/// After a write landed: about once in `compact_after / 4` writes of the board (by its
/// `Coord-Seq`, so every clone samples alike), look whether a ref the write moved has grown
/// to `[network] compact_after` commits, and compact it then. The look walks at most
/// `compact_after` commits, so it costs at most ~4 commit reads per write on average, and a
/// ref grows about a quarter past the limit before it is compacted. Best effort: a compaction that
/// fails leaves the ref as it was, and the write is done either way.
pub(super) fn after_write(ctx: &Context, writes: &[RefWrite]) {
    let after = ctx.policy.network_compact_after;
    let board = |w: &&RefWrite| w.name == refs::CLAIMS || w.name.starts_with(refs::SHARDS);
    if after < 2 || writes.iter().any(|w| w.name.starts_with(refs::ARCHIVE)) {
        return;
    }
    let every = (after / 4).max(1) as u64;
    let Some(first) = writes.iter().find(board) else { return };
    if ctx.store.seq_at(first.new).map_or(true, |s| s % every != 0) {
        return;
    }
    let long: BTreeSet<String> = writes
        .iter()
        .filter(board)
        .filter(|w| ctx.store.line_length(w.new, after).is_ok_and(|n| n >= after))
        .map(|w| w.name.clone())
        .collect();
    if !long.is_empty() {
        let _ = compact_refs(ctx, after, Some(&long));
    }
}
