//! `inbox` (what waits for this agent: handoffs, reviews, notices, claims granted from the
//! queue) and `agents` (who is active on the board, derived from the board itself: no
//! heartbeat writes). Read-only.

use std::collections::BTreeMap;

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use super::handoff::{addressed, report, HandoffReport};
use super::txn::view;
use crate::model::{AgentId, Claim, Handoff, HandoffStatus, Task, TaskId, TaskStatus, Timestamp};

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Inbox {
    pub agent: String,
    pub handoffs: Vec<HandoffReport>,
    pub reviews: Vec<Task>,
    pub notices: Vec<String>,
    /// Claims of mine that came from the queue (granted while I waited).
    pub granted_from_queue: Vec<Claim>,
}

pub fn inbox(ctx: &Context, specialty: Option<&str>, fetch: bool) -> Result<Inbox, Error> {
    let v = view(ctx, fetch)?;
    let mut handoffs: Vec<&Handoff> = v
        .state
        .handoffs
        .values()
        .filter(|h| h.from != ctx.agent && h.status != HandoffStatus::Acked)
        .filter(|h| h.claimed_by.as_ref().is_none_or(|c| c == &ctx.agent))
        .filter(|h| addressed(h, &ctx.agent, specialty))
        .collect();
    handoffs.sort_by_key(|h| (h.created_at, h.id.clone()));
    let reviews: Vec<Task> = v
        .state
        .tasks
        .values()
        .filter(|t| t.status == TaskStatus::Review && t.worker.as_ref() != Some(&ctx.agent))
        .filter(|t| t.reviewer.as_ref().is_none_or(|r| r == &ctx.agent))
        .filter(|t| specialty.is_none_or(|s| t.specialty.as_deref() == Some(s)))
        .cloned()
        .collect();
    let granted_from_queue = v
        .state
        .active(ctx.expiry_now(), ctx.skew())
        .filter(|c| {
            c.agent == ctx.agent && c.created_at > Timestamp(0) && v.state.queue.iter().all(|w| w.id() != &c.id)
        })
        .filter(|c| was_queued(ctx, &c.id))
        .cloned()
        .collect();
    let mut notices = super::notices::take(ctx, &v.state);
    notices.extend(super::notices::forced_releases(ctx)?);
    Ok(Inbox {
        agent: ctx.agent.to_string(),
        handoffs: handoffs.into_iter().map(|h| report(h, None)).collect(),
        reviews,
        notices,
        granted_from_queue,
    })
}

/// Did this claim come out of the queue? (the commit that granted it says so; the last
/// 200 board commits are searched)
fn was_queued(ctx: &Context, id: &crate::model::ClaimId) -> bool {
    ctx.store
        .board_history(200, None)
        .map(|h| {
            h.iter().any(|e| {
                e.message
                    .lines()
                    .any(|l| l.starts_with("Coord-Granted:") && l.contains(id.as_str()))
            })
        })
        .unwrap_or(false)
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AgentView {
    pub agent: String,
    /// The machine of its latest claim, when it holds one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    pub claims: usize,
    pub tasks: Vec<TaskId>,
    pub last_seen: Timestamp,
}

/// Agents seen on the board: active claim holders, task workers, handoff writers. Derived
/// from the board itself, so there is nothing extra to write (and nothing to contend on).
pub fn agents(ctx: &Context, fetch: bool) -> Result<Vec<AgentView>, Error> {
    Ok(agents_of(ctx, &view(ctx, fetch)?.state))
}

/// The agents of a board already read.
pub fn agents_of(ctx: &Context, state: &crate::model::ClaimsState) -> Vec<AgentView> {
    let mut map: BTreeMap<String, AgentView> = BTreeMap::new();
    let mut touch = |a: &AgentId, at: Timestamp| {
        let e = map.entry(a.to_string()).or_insert(AgentView {
            agent: a.to_string(),
            host: None,
            claims: 0,
            tasks: vec![],
            last_seen: at,
        });
        e.last_seen = e.last_seen.max(at);
    };
    for c in state.active(ctx.expiry_now(), ctx.skew()) {
        touch(&c.agent, c.created_at);
    }
    for t in state.tasks.values() {
        for e in &t.history {
            touch(&e.agent, e.at);
        }
    }
    for h in state.handoffs.values() {
        touch(&h.from, h.created_at);
    }
    let mut latest: BTreeMap<String, Timestamp> = BTreeMap::new();
    for c in state.active(ctx.expiry_now(), ctx.skew()) {
        if let Some(a) = map.get_mut(c.agent.as_str()) {
            a.claims += 1;
            let seen = latest.entry(a.agent.clone()).or_insert(Timestamp(i64::MIN));
            if c.host.is_some() && c.created_at >= *seen {
                *seen = c.created_at;
                a.host = c.host.clone();
            }
        }
    }
    for t in state.tasks.values().filter(|t| t.status == TaskStatus::Claimed) {
        if let Some(w) = &t.worker {
            if let Some(a) = map.get_mut(w.as_str()) {
                a.tasks.push(t.id.clone());
            }
        }
    }
    let mut out: Vec<AgentView> = map.into_values().collect();
    out.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then(a.agent.cmp(&b.agent)));
    out
}
