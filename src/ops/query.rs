//! Read-only questions: `check`, `who`, `status`. None of them writes anything; each
//! refreshes from the remote first unless told not to (and says when it could not).

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use super::report::{suggestion, ConflictReport};
use super::scopes::{resolve, Purpose};
use super::txn::view;
use crate::engine::conflict::Judge;
use crate::model::{Claim, Mode, Op, Scope, Timestamp, Waiter};

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CheckReport {
    pub safe: bool,
    pub scopes: Vec<Scope>,
    pub conflicts: Vec<ConflictReport>,
    /// This agent's own active claims that overlap the scopes (they never block it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub yours: Vec<Claim>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    pub revision: Option<String>,
    /// How old the view this answers from is, in ms (`[network] fresh_for`).
    pub view_age_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch_error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

pub fn check(ctx: &Context, raw: &[String], shared: bool, fetch: bool) -> Result<CheckReport, Error> {
    let tracked = ctx.store.tracked_files()?;
    let judge = Judge::new(&tracked, &ctx.policy.shared_files)?;
    let scopes = resolve(ctx, raw, &judge, tracked.len(), Purpose::Query)?;
    let v = view(ctx, fetch)?;
    let mode = if shared { Mode::Shared } else { Mode::Exclusive };
    let mut conflicts: Vec<ConflictReport> = judge
        .conflicts(&ctx.agent, &scopes, mode, v.state.active(ctx.expiry_now(), ctx.skew()))
        .into_iter()
        .map(ConflictReport::from)
        .collect();
    // Under [trust] require, unsigned and forged claims block nobody (and are reported).
    let (kept, discounted) = super::trust::sift(ctx, conflicts);
    conflicts = kept;
    super::trust::annotate(ctx, conflicts.iter_mut().map(|c| &mut c.claim))?;
    let mut yours: Vec<Claim> = v
        .state
        .active(ctx.expiry_now(), ctx.skew())
        .filter(|c| c.agent == ctx.agent && scopes.iter().any(|s| judge.overlap(&c.scope, s).is_some()))
        .cloned()
        .collect();
    super::trust::annotate(ctx, yours.iter_mut())?;
    Ok(CheckReport {
        safe: conflicts.is_empty(),
        yours,
        suggestion: suggestion(&conflicts, ctx.now()),
        scopes,
        conflicts,
        revision: v.board.revision().map(|t| t.to_string()),
        view_age_ms: v.age_ms,
        fetch_error: v.fetch_error,
        notices: [super::notices::take(ctx, &v.state), discounted].concat(),
    })
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WhoReport {
    pub target: Scope,
    pub claims: Vec<Claim>,
    /// How old the view this answers from is, in ms (`[network] fresh_for`).
    pub view_age_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch_error: Option<String>,
}

pub fn who(ctx: &Context, target: &str, fetch: bool) -> Result<WhoReport, Error> {
    let tracked = ctx.store.tracked_files()?;
    let judge = Judge::new(&tracked, &[])?;
    let scope = resolve(ctx, &[target.to_owned()], &judge, tracked.len(), Purpose::Query)?.remove(0);
    let v = view(ctx, fetch)?;
    let mut claims: Vec<Claim> = v
        .state
        .active(ctx.expiry_now(), ctx.skew())
        .filter(|c| judge.covers(&c.scope, &scope))
        .cloned()
        .collect();
    super::trust::annotate(ctx, claims.iter_mut())?;
    Ok(WhoReport {
        target: scope,
        claims,
        view_age_ms: v.age_ms,
        fetch_error: v.fetch_error,
    })
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PendingView {
    pub id: String,
    pub op: &'static str,
    pub agent: String,
    pub recorded_at: Timestamp,
    pub claims: Vec<String>,
    /// The task a task operation writes, and the lease token it took (shown to its holder).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handoff: Option<String>,
}

impl PendingView {
    /// `common_dir`: where this clone remembers the lease tokens it took (the board has
    /// only their hashes).
    pub fn of(op: &Op, recorded_at: Timestamp, common_dir: &std::path::Path) -> PendingView {
        let (task, token) = match op {
            Op::Task { task, agent, .. } => (
                Some(task.id.to_string()),
                task.lease
                    .as_ref()
                    // The op carries the hash; the holder needs the token this clone kept.
                    .filter(|l| &l.agent == agent)
                    .and_then(|l| match l.token.starts_with("h:") {
                        true => crate::store::tokens::recall(common_dir, &l.token),
                        false => Some(l.token.clone()),
                    }),
            ),
            _ => (None, None),
        };
        PendingView {
            id: op.id().0.clone(),
            op: op.name(),
            agent: op.agent().to_string(),
            recorded_at,
            claims: op.claim_ids().iter().map(ToString::to_string).collect(),
            task,
            token,
            handoff: match op {
                Op::Handoff { handoff, .. } => Some(handoff.id.to_string()),
                _ => None,
            },
        }
    }

    /// What the operation names, for one line of human output.
    pub fn subject(&self) -> String {
        let mut parts: Vec<String> = self.claims.clone();
        if let Some(t) = &self.task {
            parts.push(format!("task {t}"));
        }
        if let Some(t) = &self.token {
            parts.push(format!("(lease token {t})"));
        }
        if let Some(h) = &self.handoff {
            parts.push(format!("handoff {h}"));
        }
        parts.join(" ")
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StatusReport {
    pub agent: String,
    /// Where the id came from: flag, env, session, config, default.
    pub agent_source: &'static str,
    pub remote: Option<String>,
    pub now: Timestamp,
    pub revision: Option<String>,
    /// How old the view this answers from is, in ms (`[network] fresh_for`).
    pub view_age_ms: Option<u64>,
    pub claims: Vec<Claim>,
    pub queue: Vec<Waiter>,
    pub pending: Vec<PendingView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch_error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    /// Tasks not yet final, by status.
    pub tasks: TaskCounts,
    /// Handoffs not yet acknowledged.
    pub handoffs: usize,
}

#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct TaskCounts {
    pub open: usize,
    pub claimed: usize,
    pub review: usize,
    /// Tasks this agent works on.
    pub mine: Vec<crate::model::TaskId>,
}

/// Claims (given in id order, as the board holds them) by agent, then age, then id. The
/// order is found on small keys — the agent's rank among the agents, the age, the claim's
/// place (which is its id order) — and the claims put in place by following its cycles, each
/// claim moved once (sorting 10,000 claims directly moves each many times; comparing them
/// through their indices reads scattered 300-byte claims at every step).
fn sorted_by_agent(mut claims: Vec<Claim>) -> Vec<Claim> {
    debug_assert!(claims.windows(2).all(|w| w[0].id < w[1].id), "claims come in id order");
    let mut order: Vec<usize> = {
        let mut agents: std::collections::BTreeMap<&str, u32> = claims.iter().map(|c| (c.agent.as_str(), 0)).collect();
        for (rank, r) in agents.values_mut().enumerate() {
            *r = rank as u32;
        }
        let mut keys: Vec<(u32, i64, u32)> = claims
            .iter()
            .enumerate()
            .map(|(i, c)| (agents[c.agent.as_str()], c.created_at.0, i as u32))
            .collect();
        keys.sort_unstable();
        keys.into_iter().map(|k| k.2 as usize).collect()
    };
    // Position i takes the claim at order[i]: walk each cycle of the permutation once.
    for start in 0..order.len() {
        let mut i = start;
        while order[i] != start {
            let from = order[i];
            claims.swap(i, from);
            order[i] = i;
            i = from;
        }
        order[i] = i;
    }
    claims
}

pub fn status(ctx: &Context, fetch: bool) -> Result<StatusReport, Error> {
    let mut v = view(ctx, fetch)?;
    let now = ctx.now();
    let notices = super::notices::take(ctx, &v.state);
    let tasks = task_counts(ctx, &v.state);
    let queue = v.state.queue.iter().filter(|w| w.deadline >= now).cloned().collect();
    // The view is this command's own: its claims move into the report (10,000 claims cost
    // ~5 ms to copy).
    let (expiry_now, skew) = (ctx.expiry_now(), ctx.skew());
    let all = std::mem::take(&mut v.state.claims);
    let mut claims: Vec<Claim> = Vec::with_capacity(all.len());
    claims.extend(all.into_values().filter(|c| c.is_active(expiry_now, skew)));
    let mut claims = sorted_by_agent(claims);
    super::trust::annotate(ctx, claims.iter_mut())?;
    Ok(StatusReport {
        agent: ctx.agent.to_string(),
        agent_source: ctx.agent_source.name(),
        remote: ctx.remote.as_ref().map(|r| r.name.clone()),
        now,
        revision: v.board.revision().map(|t| t.to_string()),
        view_age_ms: v.age_ms,
        claims,
        queue,
        pending: v
            .pending
            .iter()
            .map(|p| PendingView::of(&p.op, p.recorded_at, ctx.store.common_dir()))
            .collect(),
        notices,
        tasks,
        handoffs: v
            .state
            .handoffs
            .values()
            .filter(|h| h.status != crate::model::HandoffStatus::Acked)
            .count(),
        fetch_error: v.fetch_error,
    })
}

fn task_counts(ctx: &Context, state: &crate::model::ClaimsState) -> TaskCounts {
    use crate::model::TaskStatus;
    let mut c = TaskCounts::default();
    for t in state.tasks.values() {
        match t.status {
            TaskStatus::Open => c.open += 1,
            TaskStatus::Claimed => c.claimed += 1,
            TaskStatus::Review => c.review += 1,
            _ => {}
        }
        if t.worker.as_ref() == Some(&ctx.agent) && !t.status.is_final() {
            c.mine.push(t.id.clone());
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use crate::model::{Claim, Mode};

    #[test]
    fn claims_are_put_in_agent_order_by_following_the_cycles() {
        // Agents and ages mixed so that the permutation has cycles of many lengths.
        let claims: Vec<Claim> = (0..200u32)
            .map(|i| {
                let mut c = Claim::example(i, &format!("agent{}", (i * 7919) % 13), "db:x", Mode::Exclusive);
                c.created_at.0 += i64::from((i * 104_729) % 17);
                c
            })
            .collect();
        let mut want = claims.clone();
        want.sort_by(|a, b| (&a.agent, a.created_at, &a.id).cmp(&(&b.agent, b.created_at, &b.id)));
        assert_eq!(super::sorted_by_agent(claims), want);
    }
}
