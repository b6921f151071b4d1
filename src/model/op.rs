//! Operations on the board: what one commit records and what `sync` replays. Each carries
//! its own ids and absolute instants, so applying it twice is applying it once. Pure data;
//! how an operation changes the board is `ClaimsState::apply` (claim.rs).

use serde::{Deserialize, Serialize};

use super::claim::{Claim, Narrow, Waiter};
use super::ids::{AgentId, ClaimId, OpId};
use super::task::{Handoff, Task};
use super::time::Timestamp;

/// A change to the claims board, as recorded in a commit and replayed by `sync`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    /// Grant new claims (all or none) and refresh the agent's existing identical ones.
    Claim {
        id: OpId,
        agent: AgentId,
        new: Vec<Claim>,
        #[serde(default)]
        refresh: Vec<Refresh>,
        /// Narrowable claims of others this claim carves its symbols out of.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        narrow: Vec<Narrow>,
    },
    /// Remove claims; `force` when some belong to another agent, whose holders are named
    /// (so each is told) with the reason given.
    Release {
        id: OpId,
        agent: AgentId,
        claims: Vec<ClaimId>,
        force: bool,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        holders: Vec<AgentId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Move expiries.
    Renew {
        id: OpId,
        agent: AgentId,
        refresh: Vec<Refresh>,
    },
    /// Join the queue.
    Enqueue { id: OpId, waiter: Waiter },
    /// Leave the queue.
    Dequeue { id: OpId, agent: AgentId, waiter: ClaimId },
    /// Drop what expired and grant what waiters can now have; no other change.
    Tidy { id: OpId, agent: AgentId },
    /// Put a task (new, or a new version of one). `based_on` is the length of the history
    /// the change was planned on: a replay onto a task that moved since is refused.
    Task {
        id: OpId,
        agent: AgentId,
        task: Task,
        based_on: Option<usize>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        grant: Vec<Claim>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        release: Vec<ClaimId>,
    },
    /// Put a handoff (new, with its Markdown document, or a new status of one).
    Handoff {
        id: OpId,
        agent: AgentId,
        handoff: Handoff,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
}

/// A new expiry (and optionally note) for an existing claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Refresh {
    pub claim: ClaimId,
    pub expires_at: Timestamp,
    #[serde(default)]
    pub note: Option<String>,
}

impl Op {
    pub fn id(&self) -> &OpId {
        match self {
            Op::Claim { id, .. }
            | Op::Release { id, .. }
            | Op::Renew { id, .. }
            | Op::Enqueue { id, .. }
            | Op::Dequeue { id, .. }
            | Op::Tidy { id, .. }
            | Op::Task { id, .. }
            | Op::Handoff { id, .. } => id,
        }
    }

    pub fn agent(&self) -> &AgentId {
        match self {
            Op::Claim { agent, .. }
            | Op::Release { agent, .. }
            | Op::Renew { agent, .. }
            | Op::Dequeue { agent, .. }
            | Op::Tidy { agent, .. }
            | Op::Task { agent, .. }
            | Op::Handoff { agent, .. } => agent,
            Op::Enqueue { waiter, .. } => &waiter.agent,
        }
    }

    /// The operation's name in trailers and the log.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Claim { .. } => "claim",
            Op::Release { .. } => "release",
            Op::Renew { .. } => "renew",
            Op::Enqueue { .. } => "enqueue",
            Op::Dequeue { .. } => "dequeue",
            Op::Tidy { .. } => "tidy",
            Op::Task { .. } => "task",
            Op::Handoff { .. } => "handoff",
        }
    }

    /// The claim ids this operation names.
    pub fn claim_ids(&self) -> Vec<ClaimId> {
        match self {
            Op::Claim { new, refresh, .. } => new
                .iter()
                .map(|c| c.id.clone())
                .chain(refresh.iter().map(|r| r.claim.clone()))
                .collect(),
            Op::Release { claims, .. } => claims.clone(),
            Op::Renew { refresh, .. } => refresh.iter().map(|r| r.claim.clone()).collect(),
            Op::Enqueue { waiter, .. } => waiter.claims.iter().map(|c| c.id.clone()).collect(),
            Op::Dequeue { waiter, .. } => vec![waiter.clone()],
            Op::Tidy { .. } | Op::Handoff { .. } => Vec::new(),
            Op::Task { grant, release, .. } => grant
                .iter()
                .map(|c| c.id.clone())
                .chain(release.iter().cloned())
                .collect(),
        }
    }
}
