//! Enforcement: which pushed or verified commits change what another agent holds.
//!
//! For every commit in the range, the files it changes (a rename counts for both paths;
//! a merge only for what differs from every parent); each file is matched against the
//! active exclusive claims of other agents. A glob claim is touched by any change to a
//! file it matches, new files included. A symbol claim (or a narrowed whole-file claim) is
//! touched only when the change touches that symbol's body, old side or new side.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use crate::engine::glob::{Excluded, Glob};
use crate::engine::symbols::touched::within;
use crate::engine::symbols::{touched_with, Touched};
use crate::model::{AgentId, Claim, ClaimsState, Mode, Scope};
use crate::store::FileChange;

/// One change to something another agent holds.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Violation {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    pub claim: Claim,
    pub commits: Vec<String>,
    /// A line to point at (the first changed line of the new version, when known).
    pub line: usize,
}

/// Judge `changes` (commit, change) against the active exclusive claims of everyone but
/// `exempt`.
pub fn judge(
    ctx: &Context,
    state: &ClaimsState,
    exempt: Option<&AgentId>,
    changes: &[(String, FileChange)],
) -> Result<Vec<Violation>, Error> {
    let active: Vec<&Claim> = state.active(ctx.expiry_now(), ctx.skew()).collect();
    let held: Vec<&Claim> = active
        .iter()
        .copied()
        .filter(|c| c.mode == Mode::Exclusive && Some(&c.agent) != exempt)
        .collect();
    if held.is_empty() || changes.is_empty() {
        return Ok(Vec::new());
    }
    let mut j = Judgement::new(ctx, &active, held)?;
    for (commit, change) in changes {
        j.change(commit, change)?;
    }
    // Under [trust] require, unsigned and forged claims hold nothing.
    let gone = super::trust::discounted(ctx, j.found.iter().map(|v| &v.claim));
    Ok(j.found
        .into_iter()
        .filter(|v| !gone.iter().any(|(id, _)| *id == v.claim.id))
        .collect())
}

/// The claims one judgement holds changes against, indexed for lookup, and what it found.
struct Judgement<'a> {
    ctx: &'a Context,
    held: Vec<&'a Claim>,
    active_ids: HashSet<&'a crate::model::ClaimId>,
    shared: Option<Excluded>,
    /// Glob claims by literal prefix; symbol claims by file.
    by_prefix: HashMap<String, Vec<(usize, Glob)>>,
    by_file: HashMap<&'a str, Vec<usize>>,
    /// Each changed file is parsed once per (old, new) pair.
    touched: HashMap<(Option<gix::ObjectId>, Option<gix::ObjectId>, String), Option<Touched>>,
    /// Files' symbols kept between commands.
    kept: super::symbols::Kept,
    found: Vec<Violation>,
    /// Where each (file, symbol, claim) is in `found` (thousands of touched symbols of one
    /// regenerated file stay linear).
    found_at: HashMap<(String, Option<String>, String), usize>,
}

impl<'a> Judgement<'a> {
    fn new(ctx: &'a Context, active: &[&'a Claim], held: Vec<&'a Claim>) -> Result<Judgement<'a>, Error> {
        let mut by_prefix: HashMap<String, Vec<(usize, Glob)>> = HashMap::new();
        let mut by_file: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, c) in held.iter().enumerate() {
            match &c.scope {
                Scope::Glob(g) => {
                    let glob = Glob::lazy(g);
                    by_prefix.entry(glob.prefix().to_owned()).or_default().push((i, glob));
                }
                Scope::Symbol(s) => by_file.entry(s.file.as_str()).or_default().push(i),
                Scope::Key(_) => {}
            }
        }
        Ok(Judgement {
            ctx,
            held,
            active_ids: active.iter().map(|c| &c.id).collect(),
            shared: Excluded::new(&ctx.policy.shared_files)?,
            by_prefix,
            by_file,
            touched: HashMap::new(),
            kept: super::symbols::kept(ctx),
            found: Vec::new(),
            found_at: HashMap::new(),
        })
    }

    /// One changed file of one commit.
    fn change(&mut self, commit: &str, change: &FileChange) -> Result<(), Error> {
        let path = change.path.as_str();
        if self.shared.as_ref().is_some_and(|s| s.is_match(path)) {
            return Ok(());
        }
        // Globs whose literal prefix is a prefix of the path.
        let mut globs: Vec<usize> = Vec::new();
        for end in (0..=path.len()).filter(|&e| path.is_char_boundary(e)) {
            if let Some(list) = self.by_prefix.get(&path[..end]) {
                globs.extend(list.iter().filter(|(_, g)| g.is_match(path)).map(|(i, _)| *i));
            }
        }
        let symbols = self.by_file.get(path).cloned().unwrap_or_default();
        if globs.is_empty() && symbols.is_empty() {
            return Ok(());
        }
        let needs_symbols = !symbols.is_empty() || globs.iter().any(|&i| !self.held[i].narrowed.is_empty());
        let t = if needs_symbols { self.touched_by(change)? } else { None };
        let line = t.as_ref().and_then(|t| t.first_line).unwrap_or(1);
        for i in globs {
            let c = self.held[i];
            let carved: Vec<&str> = c
                .narrowed
                .iter()
                .filter(|n| self.active_ids.contains(&n.claim))
                .map(|n| n.symbol.as_str())
                .collect();
            // A narrowed whole-file claim: only changes outside the carved-out symbols count.
            let inside_carved = !carved.is_empty()
                && t.as_ref()
                    .is_some_and(|t| !t.outside && t.all().iter().all(|s| carved.iter().any(|k| within(s, k))));
            if !inside_carved {
                self.record(path, None, c, commit, line);
            }
        }
        for i in symbols {
            let c = self.held[i];
            let Scope::Symbol(sym) = &c.scope else { continue };
            let claimed = sym.path.join("::");
            match &t {
                Some(t) => {
                    for s in t.all().iter().filter(|s| t.concerns(s, &claimed)) {
                        self.record(path, Some(s.clone()), c, commit, line);
                    }
                }
                // Symbols cannot be read (language, encoding, size): any change counts.
                None => self.record(path, Some(claimed.clone()), c, commit, line),
            }
        }
        Ok(())
    }

    /// The symbols a change touches (cached; `None` when they cannot be read).
    fn touched_by(&mut self, change: &FileChange) -> Result<Option<Touched>, Error> {
        let key = (change.old, change.new, change.path.clone());
        if let Some(t) = self.touched.get(&key) {
            return Ok(t.clone());
        }
        let bytes = |id: Option<gix::ObjectId>| -> Result<Option<Vec<u8>>, Error> {
            id.map(|i| self.ctx.store.blob_bytes(i))
                .transpose()
                .map_err(Error::from)
        };
        let (old, new) = (bytes(change.old)?, bytes(change.new)?);
        let t = touched_with(&change.path, old.as_deref(), new.as_deref(), &self.kept).ok();
        self.touched.insert(key, t.clone());
        Ok(t)
    }

    /// One violation, merged with an earlier one of the same file, symbol and claim.
    fn record(&mut self, file: &str, symbol: Option<String>, claim: &Claim, commit: &str, line: usize) {
        let key = (file.to_owned(), symbol.clone(), claim.id.to_string());
        match self.found_at.get(&key).map(|&i| &mut self.found[i]) {
            Some(v) => {
                if !v.commits.iter().any(|c| c == commit) {
                    v.commits.push(commit.to_owned());
                }
            }
            None => {
                self.found_at.insert(key, self.found.len());
                self.found.push(Violation {
                    file: file.to_owned(),
                    symbol,
                    claim: claim.clone(),
                    commits: vec![commit.to_owned()],
                    line,
                });
            }
        }
    }
}

/// The file changes of `commits`: each commit against its parent. A merge counts a path
/// when its result is not what merging would give on its own: it differs from every parent,
/// or it drops what one side changed since the merge base (an "evil" merge taking an old
/// version back); such a change is judged against the parent whose work it drops.
pub fn changes_of(ctx: &Context, commits: &[gix::ObjectId]) -> Result<Vec<(String, FileChange)>, Error> {
    let mut out = Vec::new();
    for &id in commits {
        let (tree, parents) = ctx.store.commit_info(id)?;
        let short = id.to_string()[..10].to_owned();
        if parents.is_empty() {
            out.extend(
                ctx.store
                    .diff_trees(None, Some(tree))?
                    .into_iter()
                    .map(|c| (short.clone(), c)),
            );
            continue;
        }
        let mut per_parent: Vec<Vec<FileChange>> = Vec::new();
        for p in &parents {
            let (ptree, _) = ctx.store.commit_info(*p)?;
            per_parent.push(ctx.store.diff_trees(Some(ptree), Some(tree))?);
        }
        if per_parent.len() == 1 {
            out.extend(per_parent.remove(0).into_iter().map(|c| (short.clone(), c)));
            continue;
        }
        let base_tree = match ctx.store.merge_base(&parents)? {
            Some(b) => Some(ctx.store.commit_info(b)?.0),
            None => None,
        };
        let mut paths: Vec<&str> = per_parent.iter().flatten().map(|c| c.path.as_str()).collect();
        paths.sort_unstable();
        paths.dedup();
        for path in paths {
            // Each parent's version of the path (unchanged against the result: the result's).
            let changes: Vec<Option<&FileChange>> =
                per_parent.iter().map(|d| d.iter().find(|c| c.path == path)).collect();
            if changes.iter().all(Option::is_some) {
                // Differs from every parent: the merge's own change.
                out.push((short.clone(), changes[0].expect("checked").clone()));
                continue;
            }
            let base = match base_tree {
                Some(t) => ctx.store.blob_in_tree(t, path)?,
                None => None,
            };
            // A parent whose version the result drops, though that parent changed it.
            if let Some(c) = changes.iter().flatten().find(|c| c.old != base) {
                out.push((short.clone(), (*c).clone()));
            }
        }
    }
    Ok(out)
}
