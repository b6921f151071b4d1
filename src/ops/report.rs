//! Report types shared by several use cases (rendered by the front ends).

use serde::Serialize;

use super::txn::Outcome;
use crate::engine::conflict::Conflict;
use crate::model::Claim;

/// One requested scope meeting one held claim, as reported.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ConflictReport {
    pub requested: String,
    pub claim: Claim,
    pub files: Vec<String>,
    pub symbols: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<String>,
    /// Too complex to compare exactly: judged overlapping (fail closed).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub undecided: bool,
}

impl From<Conflict> for ConflictReport {
    fn from(c: Conflict) -> Self {
        ConflictReport {
            requested: c.requested.to_string(),
            claim: c.claim,
            files: c.overlap.files,
            symbols: c.overlap.symbols,
            witness: c.overlap.witness,
            undecided: c.overlap.undecided,
        }
    }
}

/// What to do about conflicts, in one sentence.
pub fn suggestion(conflicts: &[ConflictReport], now: crate::model::Timestamp) -> Option<String> {
    let first = conflicts.first()?;
    let mut holders: Vec<&str> = conflicts.iter().map(|c| c.claim.agent.as_str()).collect();
    holders.sort_unstable();
    holders.dedup();
    let soonest = conflicts
        .iter()
        .map(|c| c.claim.expires_at)
        .min()
        .unwrap_or(first.claim.expires_at);
    Some(format!(
        "ask {} to release, wait with `--wait {}` (the earliest claim expires in {}), claim a narrower scope, or `git coord release --force {}` if it is stale",
        holders.join(", "),
        now.until(soonest).human(),
        now.until(soonest).human(),
        first.claim.id
    ))
}

/// How a write reached the arbiter, as every write report tells it.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Delivery {
    /// The arbiter (the remote, or the local repository when there is none) has it.
    pub synced: bool,
    /// Recorded in this clone only; `git coord sync` will confirm it.
    pub pending: bool,
    /// Why the remote did not confirm it (with `pending`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// With `pending`: `unreachable` or `timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

impl Delivery {
    pub fn of<R>(o: &Outcome<R>) -> Delivery {
        Delivery {
            synced: o.synced,
            pending: o.pending,
            error: o.remote_error.clone(),
            reason: o.remote_error.as_deref().map(super::error::pending_reason),
        }
    }
}
