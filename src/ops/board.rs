//! `board`: everything on the board at once, as one report (for the board page): active
//! claims, the queue, tasks with what blocks them, open handoffs, agents and the recent
//! history. Read from the refs alone, with one fetch.

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use super::inbox::AgentView;
use super::log::Event;
use super::task::TaskView;
use super::txn::view;
use crate::model::{Claim, Handoff, HandoffStatus, Timestamp, Waiter};

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BoardReport {
    pub revision: Option<String>,
    /// How old the view this answers from is, in ms (`[network] fresh_for`).
    pub view_age_ms: Option<u64>,
    pub now: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch_error: Option<String>,
    /// Active claims, by scope.
    pub claims: Vec<Claim>,
    pub queue: Vec<Waiter>,
    /// Every task, most urgent first.
    pub tasks: Vec<TaskView>,
    /// Handoffs not yet acknowledged, newest first.
    pub handoffs: Vec<Handoff>,
    pub agents: Vec<AgentView>,
    /// The newest coordination events, newest first.
    pub history: Vec<Event>,
}

pub fn board(ctx: &Context, fetch: bool, history: usize) -> Result<BoardReport, Error> {
    let v = view(ctx, fetch)?;
    let now = ctx.now();
    let mut claims: Vec<Claim> = v.state.active(ctx.expiry_now(), ctx.skew()).cloned().collect();
    claims.sort_by_key(|c| (c.scope.to_string(), c.created_at));
    super::trust::annotate(ctx, claims.iter_mut())?;
    let queue = v.state.queue.iter().filter(|w| w.deadline >= now).cloned().collect();
    let mut handoffs: Vec<Handoff> = v
        .state
        .handoffs
        .values()
        .filter(|h| h.status != HandoffStatus::Acked)
        .cloned()
        .collect();
    handoffs.sort_by_key(|h| std::cmp::Reverse(h.created_at));
    Ok(BoardReport {
        revision: v.board.revision().map(|t| t.to_string()),
        view_age_ms: v.age_ms,
        now,
        remote: ctx.remote.as_ref().map(|r| r.name.clone()),
        fetch_error: v.fetch_error,
        claims,
        queue,
        tasks: super::task::views(&v.state, None, None),
        handoffs,
        agents: super::inbox::agents_of(ctx, &v.state),
        history: super::log::log(ctx, None, history, None)?.events,
    })
}
