//! One board commit held against the operation it records (see the parent module).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::engine::conflict::Judge;
use crate::model::{Claim, ClaimId, ClaimsState, Op};
use crate::ops::context::Context;
use crate::store::message::trailers;
use crate::store::refs;

/// What one commit is judged with.
pub(super) struct Step<'a> {
    pub(super) ctx: &'a Context,
    pub(super) judge: &'a Judge<'a>,
    pub(super) refname: &'a str,
    /// The whole board before the push and after it.
    pub(super) before: &'a ClaimsState,
    pub(super) after: &'a ClaimsState,
    pub(super) waiting: &'a HashMap<ClaimId, Claim>,
}

impl Step<'_> {
    /// Is `state` one valid operation on `parent`? `Ok` with the wide claims it added.
    pub(super) fn check(
        &self,
        parent: &ClaimsState,
        state: &ClaimsState,
        message: &str,
    ) -> Result<Vec<ClaimId>, String> {
        let t = trailers(message);
        let Some(op) = self.operation(&t, parent, state)? else {
            return Ok(Vec::new());
        };
        self.placement(state)?;
        let (added_new, added_wide) = self.added(&op, &t, parent, state)?;
        self.no_conflict(&added_new, state)?;
        self.dropped(&op, parent, state)?;
        self.changed(&op, parent, state)?;
        tasks_and_handoffs(&op, parent, state)?;
        Ok(added_wide)
    }

    /// The operation a commit records (`None`: the empty board `init` starts).
    fn operation(&self, t: &[(&str, &str)], parent: &ClaimsState, state: &ClaimsState) -> Result<Option<Op>, String> {
        let get = |k: &str| t.iter().rev().find(|(key, _)| *key == k).map(|(_, v)| *v);
        let Some(data) = get("Coord-Data") else {
            // `init` starts an empty board; anything else must say what it does.
            let empty = state.claims.is_empty()
                && state.tasks.is_empty()
                && state.handoffs.is_empty()
                && state.queue.is_empty()
                && parent.claims.is_empty();
            return match get("Coord-Op") {
                Some("init") if empty => Ok(None),
                // A compaction restarts the line at the same tree (checked by the chain).
                Some("compact") if state == parent => Ok(None),
                Some("compact") => Err("a compaction that changes the board".into()),
                _ => Err("not a git-coord operation (no Coord-Data trailer)".into()),
            };
        };
        let op: Op = serde_json::from_str(data).map_err(|e| format!("unreadable Coord-Data ({e})"))?;
        if get("Coord-Agent") != Some(op.agent().as_str()) || get("Coord-Op") != Some(op.name()) {
            return Err("its Coord-Op/Coord-Agent trailers do not match the operation it records".into());
        }
        Ok(Some(op))
    }

    /// Every claim sits on its home ref (or is wide).
    fn placement(&self, state: &ClaimsState) -> Result<(), String> {
        for c in state.claims.values() {
            let home = c.scope.home();
            if home.is_some() && refs::board_ref(home.as_deref()) != self.refname {
                return Err(format!(
                    "claim {} ({}) is not on its home ref {}",
                    c.id,
                    c.scope,
                    refs::board_ref(home.as_deref())
                ));
            }
        }
        Ok(())
    }

    /// The claims `state` adds to `parent`, each granted by the operation, the queue, or
    /// copied from the board: the new grants, and the wide claims added.
    #[allow(clippy::type_complexity)]
    fn added<'s>(
        &self,
        op: &Op,
        t: &[(&str, &str)],
        parent: &ClaimsState,
        state: &'s ClaimsState,
    ) -> Result<(Vec<&'s Claim>, Vec<ClaimId>), String> {
        let get = |k: &str| t.iter().rev().find(|(key, _)| *key == k).map(|(_, v)| *v);
        let agent = op.agent();
        let granted: HashSet<&str> = get("Coord-Granted")
            .map(|g| g.split_whitespace().collect())
            .unwrap_or_default();
        let mut grants: BTreeMap<&ClaimId, &Claim> = BTreeMap::new();
        match op {
            Op::Claim { new, .. } => grants.extend(new.iter().map(|c| (&c.id, c))),
            Op::Task { grant, .. } => grants.extend(grant.iter().map(|c| (&c.id, c))),
            _ => {}
        }
        let mut added_new: Vec<&Claim> = Vec::new();
        let mut added_wide = Vec::new();
        for (id, c) in state.claims.iter().filter(|(id, _)| !parent.claims.contains_key(*id)) {
            if let Some(g) = grants.get(id) {
                if g.agent != c.agent || g.scope != c.scope || g.mode != c.mode || &c.agent != agent {
                    return Err(format!("claim {id} is not the claim its operation grants"));
                }
                added_new.push(c);
            } else if granted.contains(id.as_str()) {
                match self.waiting.get(id) {
                    Some(w) if w.agent == c.agent && w.scope == c.scope && w.mode == c.mode => added_new.push(c),
                    _ => {
                        return Err(format!(
                            "claim {id} is granted from the queue but no waiter asked for it"
                        ))
                    }
                }
            } else if self.before.claims.get(id).is_some_and(|b| same_claim(b, c)) {
                // Copied or moved from where the board already had it.
            } else {
                return Err(format!(
                    "adds claim {id} ({} for {}) that its {} operation does not grant",
                    c.scope,
                    c.agent,
                    op.name()
                ));
            }
            if c.scope.home().is_none() {
                added_wide.push(id.clone());
            }
        }
        Ok((added_new, added_wide))
    }

    fn no_conflict(&self, added_new: &[&Claim], state: &ClaimsState) -> Result<(), String> {
        let (now, skew) = (self.ctx.now(), self.ctx.skew());
        // A granted claim never overlaps an active claim of another agent on this ref (the
        // claims granted with it included; a symbol carved out of a narrowable claim counts as
        // carved only while the carving claim is active, so all of them are passed).
        let active: Vec<&Claim> = state.claims.values().filter(|c| c.is_active(now, skew)).collect();
        for c in added_new {
            let conflicts =
                self.judge
                    .conflicts(&c.agent, std::slice::from_ref(&c.scope), c.mode, active.iter().copied());
            if let Some(k) = conflicts.iter().find(|k| self.counts(&k.claim)) {
                return Err(format!(
                    "grants {} to {} while {} holds {} ({}), active until {}",
                    c.scope, c.agent, k.claim.agent, k.claim.scope, k.claim.id, k.claim.expires_at
                ));
            }
        }
        Ok(())
    }

    /// Does `claim` block others? Under `[trust] require`, a claim the server already had
    /// that is not signed by its agent does not (as for every client); a claim this push adds
    /// counts, its own commit is held to the signature rule.
    fn counts(&self, claim: &Claim) -> bool {
        if !self.ctx.policy.trust.require || self.before.claims.get(&claim.id) != Some(claim) {
            return true;
        }
        match crate::ops::trust::verdicts(self.ctx, std::iter::once(claim)) {
            Ok(v) => v.first() == Some(&crate::model::Trust::Verified),
            // A verdict that cannot be reached leaves the claim counting (fail closed).
            Err(_) => true,
        }
    }

    fn dropped(&self, op: &Op, parent: &ClaimsState, state: &ClaimsState) -> Result<(), String> {
        let (now, skew, agent) = (self.ctx.now(), self.ctx.skew(), op.agent());
        // Dropped claims.
        let released: HashSet<&ClaimId> = match op {
            Op::Release { claims, .. } => claims.iter().collect(),
            Op::Task { release, .. } => release.iter().collect(),
            _ => HashSet::new(),
        };
        let forced = matches!(op, Op::Release { force: true, .. });
        for (id, c) in parent.claims.iter().filter(|(id, _)| !state.claims.contains_key(*id)) {
            let by_holder = released.contains(id) && (&c.agent == agent || task_owns(op, c));
            let by_force = forced && released.contains(id);
            let expired = !c.is_active(now, skew);
            let moved = self.after.claims.contains_key(id);
            if !(by_holder || by_force || expired || moved) {
                return Err(if released.contains(id) {
                    format!(
                        "{agent} drops claim {id} ({}) held by {} without --force",
                        c.scope, c.agent
                    )
                } else {
                    format!(
                        "drops claim {id} ({}, held by {}) as expired, but by this server's clock it is active until {}; the pushing machine's clock may run ahead",
                        c.scope, c.agent, c.expires_at
                    )
                });
            }
        }
        Ok(())
    }

    fn changed(&self, op: &Op, parent: &ClaimsState, state: &ClaimsState) -> Result<(), String> {
        let agent = op.agent();
        // Changed claims.
        let narrowing: HashSet<&ClaimId> = match op {
            Op::Claim { narrow, .. } => narrow.iter().map(|n| &n.claim).collect(),
            _ => HashSet::new(),
        };
        for (id, c) in state.claims.iter() {
            let Some(p) = parent.claims.get(id) else { continue };
            if p == c {
                continue;
            }
            if p.id != c.id
                || p.agent != c.agent
                || p.scope != c.scope
                || p.mode != c.mode
                || p.created_at != c.created_at
            {
                return Err(format!("rewrites claim {id} ({}) of {}", p.scope, p.agent));
            }
            let mut only_narrowed = p.clone();
            only_narrowed.narrowed = c.narrowed.clone();
            let narrowed_only = &only_narrowed == c;
            let fewer_narrowed = c.narrowed.iter().all(|n| p.narrowed.contains(n));
            let ok = if &c.agent == agent && matches!(op, Op::Claim { .. } | Op::Renew { .. } | Op::Task { .. }) {
                true
            } else {
                narrowed_only && (fewer_narrowed || narrowing.contains(id))
            };
            if !ok {
                return Err(format!(
                    "{agent} changes claim {id} ({}) held by {}: only the holder renews or edits a claim",
                    p.scope, p.agent
                ));
            }
        }
        Ok(())
    }
}

/// Tasks and handoffs change only by the operation naming them.
fn tasks_and_handoffs(op: &Op, parent: &ClaimsState, state: &ClaimsState) -> Result<(), String> {
    let task_id = match op {
        Op::Task { task, .. } => Some(&task.id),
        _ => None,
    };
    for (id, t) in &state.tasks {
        if parent.tasks.get(id) != Some(t) && task_id != Some(id) {
            return Err(format!(
                "changes task {id}, which its {} operation does not name",
                op.name()
            ));
        }
    }
    if let Some(id) = parent.tasks.keys().find(|id| !state.tasks.contains_key(*id)) {
        return Err(format!("drops task {id}"));
    }
    let handoff_id = match op {
        Op::Handoff { handoff, .. } => Some(&handoff.id),
        _ => None,
    };
    for (id, h) in &state.handoffs {
        if parent.handoffs.get(id) != Some(h) && handoff_id != Some(id) {
            return Err(format!(
                "changes handoff {id}, which its {} operation does not name",
                op.name()
            ));
        }
    }
    if let Some(id) = parent.handoffs.keys().find(|id| !state.handoffs.contains_key(*id)) {
        return Err(format!("drops handoff {id}"));
    }
    Ok(())
}

/// The same claim, wherever it is stored.
fn same_claim(a: &Claim, b: &Claim) -> bool {
    a.id == b.id && a.agent == b.agent && a.scope == b.scope && a.mode == b.mode
}

/// A task operation may drop the claims made for that task.
fn task_owns(op: &Op, c: &Claim) -> bool {
    matches!(op, Op::Task { task, .. } if c.task.as_deref() == Some(task.id.0.as_str()))
}
