//! Claims, waiters and the operations that change the claims board.
//!
//! Operations carry their ids and absolute instants, so applying one twice is the same as
//! applying it once: a replay after a crash or a lost race cannot duplicate anything.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ids::{AgentId, ClaimId};
use super::op::{Op, Refresh};
use super::scope::Scope;
use super::task::{Handoff, HandoffId, Task, TaskId};
use super::time::{Span, Timestamp};

/// Exclusive claims block others; shared claims only block exclusive ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Exclusive,
    Shared,
}

/// How badly a waiter needs its scopes; the queue is served in this order, then by age.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    Low,
    #[default]
    Normal,
    High,
    Blocking,
}

impl Urgency {
    pub fn parse(text: &str) -> Option<Urgency> {
        match text {
            "low" => Some(Urgency::Low),
            "normal" => Some(Urgency::Normal),
            "high" => Some(Urgency::High),
            "blocking" => Some(Urgency::Blocking),
            _ => None,
        }
    }
}

/// One agent's hold on one scope until an absolute instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Claim {
    pub id: ClaimId,
    pub agent: AgentId,
    pub scope: Scope,
    pub mode: Mode,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub urgency: Urgency,
    /// The machine the claim was made on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// A whole-file claim others may narrow by claiming symbols inside it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub narrowable: bool,
    /// Symbols carved out of this claim by others (while their claims are active).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub narrowed: Vec<Narrowing>,
    /// Whether the operation that asked for this claim is signed by a key the allowed
    /// signers give its agent (`[trust]`). Only in what reads report; never stored.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub trust: Option<Trust>,
}

/// How much a claim's signature is worth for the agent it names (SPEC 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Trust {
    /// Signed by a key the allowed signers give to that agent.
    Verified,
    /// Not signed.
    Unsigned,
    /// Signed, but not by a key allowed for that agent (or the signature is bad).
    Forged,
}

impl Trust {
    pub fn name(self) -> &'static str {
        match self {
            Trust::Verified => "verified",
            Trust::Unsigned => "unsigned",
            Trust::Forged => "forged",
        }
    }

    pub fn parse(s: &str) -> Option<Trust> {
        match s {
            "verified" => Some(Trust::Verified),
            "unsigned" => Some(Trust::Unsigned),
            "forged" => Some(Trust::Forged),
            _ => None,
        }
    }
}

/// One symbol carved out of a narrowable whole-file claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Narrowing {
    /// The symbol path inside the file (`Router::handleAuth`).
    pub symbol: String,
    pub by: AgentId,
    /// The claim that carved it out; the carve-out lapses when that claim does.
    pub claim: ClaimId,
    pub at: Timestamp,
}

/// Record a narrowing on a held claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Narrow {
    pub claim: ClaimId,
    pub narrowing: Narrowing,
}

impl Claim {
    /// Active for readers: not past its expiry plus the clock-skew margin.
    pub fn is_active(&self, now: Timestamp, skew: Span) -> bool {
        now <= self.expires_at.plus(skew)
    }
}

/// A claim request waiting in the queue for its blockers to go away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Waiter {
    /// The claims to grant, ids fixed in advance; their instants are reset at grant time.
    pub claims: Vec<Claim>,
    pub agent: AgentId,
    pub urgency: Urgency,
    pub queued_at: Timestamp,
    /// After this instant the waiter gives up and is dropped.
    pub deadline: Timestamp,
    /// The lease length each claim gets when granted.
    pub ttl: Span,
}

impl Waiter {
    /// The waiter's key: the id of its first claim.
    pub fn id(&self) -> &ClaimId {
        &self.claims[0].id
    }

    /// Serving order: most urgent first, then oldest, then id.
    pub fn rank_key(&self) -> (std::cmp::Reverse<Urgency>, Timestamp, ClaimId) {
        (std::cmp::Reverse(self.urgency), self.queued_at, self.id().clone())
    }
}

/// The current claims board: what the tip of `refs/coord/claims` holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimsState {
    pub claims: BTreeMap<ClaimId, Claim>,
    pub queue: Vec<Waiter>,
    pub tasks: BTreeMap<TaskId, Task>,
    pub handoffs: BTreeMap<HandoffId, Handoff>,
    /// The shards that exist (the root's index; see `model::layout`).
    pub shards: std::collections::BTreeSet<String>,
}

/// What applying an operation did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Applied {
    /// Nothing changed: the operation was already in the state (a replay) or had no effect.
    pub noop: bool,
}

impl ClaimsState {
    /// Claims active at `now` (allowing `skew`), in id order.
    pub fn active(&self, now: Timestamp, skew: Span) -> impl Iterator<Item = &Claim> {
        self.claims.values().filter(move |c| c.is_active(now, skew))
    }

    /// Apply the state change of `op`. Conflict judgement is the caller's: this only
    /// records. Idempotent for every operation.
    pub fn apply(&mut self, op: &Op) -> Applied {
        match op {
            Op::Claim {
                new, refresh, narrow, ..
            } => {
                let already = new.iter().all(|c| self.claims.contains_key(&c.id));
                let mut changed = false;
                if !already {
                    for c in new {
                        changed |= self.claims.insert(c.id.clone(), c.clone()).as_ref() != Some(c);
                    }
                }
                changed |= self.refresh(refresh);
                for n in narrow {
                    if let Some(held) = self.claims.get_mut(&n.claim) {
                        if !held.narrowed.contains(&n.narrowing) {
                            held.narrowed.push(n.narrowing.clone());
                            changed = true;
                        }
                    }
                }
                Applied { noop: !changed }
            }
            Op::Release { claims, .. } => {
                let mut changed = false;
                for id in claims {
                    changed |= self.claims.remove(id).is_some();
                }
                Applied { noop: !changed }
            }
            Op::Renew { refresh, .. } => Applied {
                noop: !self.refresh(refresh),
            },
            Op::Enqueue { waiter, .. } => {
                let present = self.queue.iter().any(|w| w.id() == waiter.id()) || self.claims.contains_key(waiter.id());
                if !present {
                    self.queue.push(waiter.clone());
                    self.queue.sort_by_key(Waiter::rank_key);
                }
                Applied { noop: present }
            }
            Op::Dequeue { waiter, .. } => {
                let before = self.queue.len();
                self.queue.retain(|w| w.id() != waiter);
                Applied {
                    noop: before == self.queue.len(),
                }
            }
            Op::Tidy { .. } => Applied { noop: true },
            Op::Task {
                task, grant, release, ..
            } => {
                let mut changed = self.tasks.get(&task.id) != Some(task);
                self.tasks.insert(task.id.clone(), task.clone());
                for c in grant {
                    changed |= self.claims.insert(c.id.clone(), c.clone()).as_ref() != Some(c);
                }
                for id in release {
                    changed |= self.claims.remove(id).is_some();
                }
                Applied { noop: !changed }
            }
            Op::Handoff { handoff, .. } => {
                let changed = self.handoffs.get(&handoff.id) != Some(handoff);
                self.handoffs.insert(handoff.id.clone(), handoff.clone());
                Applied { noop: !changed }
            }
        }
    }

    fn refresh(&mut self, refresh: &[Refresh]) -> bool {
        let mut changed = false;
        for r in refresh {
            if let Some(c) = self.claims.get_mut(&r.claim) {
                if c.expires_at != r.expires_at || (r.note.is_some() && c.note != r.note) {
                    c.expires_at = r.expires_at;
                    if r.note.is_some() {
                        c.note = r.note.clone();
                    }
                    changed = true;
                }
            }
        }
        changed
    }

    /// The narrowings of `agent`'s active claims by claims that are still active.
    pub fn narrowings_of(&self, agent: &AgentId, now: Timestamp, skew: Span) -> Vec<(&Claim, &Narrowing)> {
        self.active(now, skew)
            .filter(|c| &c.agent == agent)
            .flat_map(|c| c.narrowed.iter().map(move |n| (c, n)))
            .filter(|(_, n)| self.claims.get(&n.claim).is_some_and(|by| by.is_active(now, skew)))
            .collect()
    }

    /// Drop claims past expiry + skew and waiters past their deadline.
    /// Returns the ids of dropped claims.
    pub fn drop_expired(&mut self, now: Timestamp, skew: Span) -> Vec<ClaimId> {
        self.drop_expired_where(now, skew, |_| true)
    }

    /// [`ClaimsState::drop_expired`], only for items whose claims `may` drop.
    pub fn drop_expired_where(&mut self, now: Timestamp, skew: Span, may: impl Fn(&[&Claim]) -> bool) -> Vec<ClaimId> {
        let gone: Vec<ClaimId> = self
            .claims
            .values()
            .filter(|c| !c.is_active(now, skew) && may(&[c]))
            .map(|c| c.id.clone())
            .collect();
        for id in &gone {
            self.claims.remove(id);
        }
        self.queue
            .retain(|w| w.deadline >= now || !may(&w.claims.iter().collect::<Vec<_>>()));
        gone
    }

    /// Move a waiter into the claims, stamping its claims with `now` and its ttl.
    pub fn grant_waiter(&mut self, waiter_id: &ClaimId, now: Timestamp) -> bool {
        let Some(pos) = self.queue.iter().position(|w| w.id() == waiter_id) else {
            return false;
        };
        let w = self.queue.remove(pos);
        for mut c in w.claims {
            c.created_at = now;
            c.expires_at = now.plus(w.ttl);
            self.claims.insert(c.id.clone(), c);
        }
        true
    }
}

#[cfg(test)]
impl Claim {
    /// A claim for tests: created at 0, expiring at 100, key namespace `db` known.
    pub(crate) fn example(id: u32, agent: &str, scope: &str, mode: Mode) -> Claim {
        Claim {
            id: ClaimId::from_bits(id),
            agent: AgentId::new(agent).expect("a valid test agent"),
            scope: Scope::parse(scope, &["db".into()]).expect("a valid test scope"),
            mode,
            created_at: Timestamp(0),
            expires_at: Timestamp(100),
            note: None,
            task: None,
            branch: None,
            urgency: Urgency::Normal,
            host: None,
            narrowable: false,
            narrowed: vec![],
            trust: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OpId;

    fn claim(id: u32, agent: &str, scope: &str, exp: i64) -> Claim {
        Claim {
            expires_at: Timestamp(exp),
            ..Claim::example(id, agent, scope, Mode::Exclusive)
        }
    }

    #[test]
    fn applying_twice_is_applying_once() {
        let mut s = ClaimsState::default();
        let op = Op::Claim {
            id: OpId::from_bits(1),
            agent: AgentId::new("a").unwrap(),
            new: vec![claim(1, "a", "src/**", 100)],
            refresh: vec![],
            narrow: vec![],
        };
        assert!(!s.apply(&op).noop);
        let snapshot = s.clone();
        assert!(s.apply(&op).noop);
        assert_eq!(s, snapshot);
        let rel = Op::Release {
            id: OpId::from_bits(2),
            agent: AgentId::new("a").unwrap(),
            claims: vec![ClaimId::from_bits(1)],
            force: false,
            holders: vec![],
            reason: None,
        };
        assert!(!s.apply(&rel).noop);
        assert!(s.apply(&rel).noop);
        assert!(s.claims.is_empty());
    }

    #[test]
    fn expiry_respects_skew() {
        let mut s = ClaimsState::default();
        s.claims.insert(ClaimId::from_bits(1), claim(1, "a", "x", 100));
        assert_eq!(s.active(Timestamp(104), Span(5)).count(), 1);
        assert_eq!(s.active(Timestamp(106), Span(5)).count(), 0);
        assert!(s.drop_expired(Timestamp(105), Span(5)).is_empty());
        assert_eq!(s.drop_expired(Timestamp(106), Span(5)).len(), 1);
    }
}
