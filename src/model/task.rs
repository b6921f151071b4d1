//! Tasks, their leases and legal transitions, and handoffs.
//!
//! `open → claimed → review → approved`; `reject` returns a task in review to its worker
//! (`claimed`), `cancel` ends any non-final task. A task is blocked while a dependency is
//! not approved. Claiming returns a lease (token + expiry); renew and done need the token.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::ids::{AgentId, ClaimId};
use super::scope::Scope;
use super::time::Timestamp;

/// A task's id: `t-` and 8 hex digits (random, so never renumbered by a sync).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TaskId(pub String);

/// A handoff's id: `h-` and 8 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HandoffId(pub String);

fn hex_id(prefix: &str, text: &str) -> bool {
    text.len() == prefix.len() + 8
        && text.starts_with(prefix)
        && text[prefix.len()..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl TaskId {
    pub fn parse(text: &str) -> Option<TaskId> {
        hex_id("t-", text.trim()).then(|| TaskId(text.trim().to_owned()))
    }
    pub fn from_bits(bits: u32) -> TaskId {
        TaskId(format!("t-{bits:08x}"))
    }
    pub fn bucket(&self) -> &str {
        &self.0[2..4]
    }
}

impl HandoffId {
    pub fn parse(text: &str) -> Option<HandoffId> {
        hex_id("h-", text.trim()).then(|| HandoffId(text.trim().to_owned()))
    }
    pub fn from_bits(bits: u32) -> HandoffId {
        HandoffId(format!("h-{bits:08x}"))
    }
    pub fn bucket(&self) -> &str {
        &self.0[2..4]
    }
}

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for HandoffId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    Open,
    Claimed,
    Review,
    Approved,
    Cancelled,
}

impl TaskStatus {
    /// The name used in JSON and in messages.
    pub fn name(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::Claimed => "claimed",
            TaskStatus::Review => "review",
            TaskStatus::Approved => "approved",
            TaskStatus::Cancelled => "cancelled",
        }
    }
}

impl TaskStatus {
    pub fn is_final(self) -> bool {
        matches!(self, TaskStatus::Approved | TaskStatus::Cancelled)
    }
}

/// Who holds a task, until when, with which token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Lease {
    pub agent: AgentId,
    pub token: String,
    pub expires_at: Timestamp,
}

/// One line of a task's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TaskEvent {
    pub at: Timestamp,
    pub agent: AgentId,
    pub what: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Task {
    pub id: TaskId,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// 1 = most urgent … 9.
    pub priority: u8,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<TaskId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialty: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<Scope>,
    pub status: TaskStatus,
    pub created_at: Timestamp,
    pub created_by: AgentId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<Lease>,
    /// The claims taken for the task's scopes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<HandoffId>,
    #[serde(default)]
    pub history: Vec<TaskEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HandoffStatus {
    Ready,
    Claimed,
    Acked,
}

impl HandoffStatus {
    /// The name used in JSON and in messages.
    pub fn name(self) -> &'static str {
        match self {
            HandoffStatus::Ready => "ready",
            HandoffStatus::Claimed => "claimed",
            HandoffStatus::Acked => "acked",
        }
    }
}

/// A handoff's metadata; its Markdown document lives at `handoff-docs/<id>.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Handoff {
    pub id: HandoffId,
    pub from: AgentId,
    /// An agent id, `reviewers`, or `reviewers:<specialty>`; none = anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskId>,
    pub summary: String,
    pub status: HandoffStatus,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_by: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acked_by: Option<AgentId>,
    /// Where the document is in the board's tree.
    pub path: String,
}

/// Tasks of a board, with the questions the ranking asks.
pub struct TaskGraph<'a> {
    pub tasks: &'a BTreeMap<TaskId, Task>,
}

impl<'a> TaskGraph<'a> {
    /// Dependencies that are not approved yet.
    pub fn blockers(&self, t: &Task) -> Vec<&'a TaskId> {
        t.depends_on
            .iter()
            .filter_map(|d| self.tasks.get_key_value(d))
            .filter(|(_, d)| d.status != TaskStatus::Approved)
            .map(|(k, _)| k)
            .collect()
    }

    /// How many tasks transitively depend on each task.
    pub fn dependents(&self) -> HashMap<&'a TaskId, usize> {
        let mut direct: HashMap<&TaskId, Vec<&TaskId>> = HashMap::new();
        for t in self.tasks.values() {
            for d in &t.depends_on {
                direct.entry(d).or_default().push(&t.id);
            }
        }
        let mut out = HashMap::new();
        for id in self.tasks.keys() {
            let mut seen: HashSet<&TaskId> = HashSet::new();
            let mut stack: Vec<&TaskId> = direct.get(id).cloned().unwrap_or_default();
            while let Some(n) = stack.pop() {
                if seen.insert(n) {
                    stack.extend(direct.get(n).cloned().unwrap_or_default());
                }
            }
            out.insert(id, seen.len());
        }
        out
    }

    /// Would `task` depending on `deps` close a cycle?
    pub fn creates_cycle(&self, task: &TaskId, deps: &[TaskId]) -> bool {
        let mut stack: Vec<&TaskId> = deps.iter().collect();
        let mut seen = HashSet::new();
        while let Some(n) = stack.pop() {
            if n == task {
                return true;
            }
            if seen.insert(n) {
                if let Some(t) = self.tasks.get(n) {
                    stack.extend(t.depends_on.iter());
                }
            }
        }
        false
    }
}

/// A reviewer's or lead's decision on a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Accept the work: the task is done and its claims are released.
    Approve,
    /// Send it back to its worker, with the reason (required).
    Reject(String),
    /// Stop the task, from any state but a final one; its claims are released.
    Cancel(Option<String>),
}

/// Why a task cannot make the transition asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("task {0} is not in review")]
    NotInReview(TaskId),
    #[error("{agent} did the work on {task}; another agent must review it")]
    OwnWork { agent: AgentId, task: TaskId },
    #[error("task {0} is already final")]
    Final(TaskId),
    #[error("a rejection needs a reason")]
    NoReason,
}

impl Task {
    /// Apply `verdict` given by `by` at `at`: review → approved (or back to claimed, lease
    /// cleared, on a rejection); any non-final state → cancelled. Records the event. Returns
    /// whether the task's claims are to be released.
    pub fn decide(&mut self, verdict: &Verdict, by: &AgentId, at: Timestamp) -> Result<bool, TransitionError> {
        let event = |what: &str, reason: Option<String>| TaskEvent {
            at,
            agent: by.clone(),
            what: what.to_owned(),
            reason,
        };
        match verdict {
            Verdict::Approve | Verdict::Reject(_) => {
                if let Verdict::Reject(r) = verdict {
                    if r.trim().is_empty() {
                        return Err(TransitionError::NoReason);
                    }
                }
                if self.status != TaskStatus::Review {
                    return Err(TransitionError::NotInReview(self.id.clone()));
                }
                if self.worker.as_ref() == Some(by) {
                    return Err(TransitionError::OwnWork {
                        agent: by.clone(),
                        task: self.id.clone(),
                    });
                }
                self.reviewer = Some(by.clone());
                if let Verdict::Reject(r) = verdict {
                    self.status = TaskStatus::Claimed;
                    self.lease = None;
                    self.history.push(event("rejects", Some(r.clone())));
                    return Ok(false);
                }
                self.status = TaskStatus::Approved;
                self.history.push(event("approves", None));
                Ok(true)
            }
            Verdict::Cancel(reason) => {
                if self.status.is_final() {
                    return Err(TransitionError::Final(self.id.clone()));
                }
                self.status = TaskStatus::Cancelled;
                self.lease = None;
                self.history.push(event("cancels", reason.clone()));
                Ok(true)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(status: TaskStatus, worker: Option<&str>) -> Task {
        let json = serde_json::json!({
            "id": TaskId::from_bits(1).to_string(), "title": "t", "priority": 5, "status": status,
            "created_at": "2026-11-21T10:00:00Z", "created_by": "lead", "worker": worker,
        });
        serde_json::from_value(json).expect("a valid task")
    }

    /// (from, worker, verdict, by) → Ok((to, releases)) | Err(what the message says)
    type Row<'a> = (
        TaskStatus,
        Option<&'a str>,
        &'a Verdict,
        &'a str,
        Result<(TaskStatus, bool), &'a str>,
    );

    #[test]
    fn names_are_the_json_names() {
        use TaskStatus::*;
        for s in [Open, Claimed, Review, Approved, Cancelled] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.name());
        }
        for h in [HandoffStatus::Ready, HandoffStatus::Claimed, HandoffStatus::Acked] {
            assert_eq!(serde_json::to_value(h).unwrap(), h.name());
        }
    }

    #[test]
    fn decisions_follow_the_task_state_machine() {
        use TaskStatus::*;
        let rej = Verdict::Reject("tests fail".into());
        let table: &[Row] = &[
            (Review, Some("w"), &Verdict::Approve, "r", Ok((Approved, true))),
            (Review, Some("w"), &rej, "r", Ok((Claimed, false))),
            (Review, Some("w"), &Verdict::Approve, "w", Err("must review")),
            (Claimed, Some("w"), &Verdict::Approve, "r", Err("not in review")),
            (Open, None, &rej, "r", Err("not in review")),
            (
                Review,
                Some("w"),
                &Verdict::Reject("  ".into()),
                "r",
                Err("needs a reason"),
            ),
            (Open, None, &Verdict::Cancel(None), "lead", Ok((Cancelled, true))),
            (
                Claimed,
                Some("w"),
                &Verdict::Cancel(Some("dup".into())),
                "lead",
                Ok((Cancelled, true)),
            ),
            (
                Approved,
                Some("w"),
                &Verdict::Cancel(None),
                "lead",
                Err("already final"),
            ),
            (Cancelled, None, &Verdict::Cancel(None), "lead", Err("already final")),
        ];
        for (from, worker, verdict, by, want) in table {
            let mut t = task(*from, *worker);
            let before = t.history.len();
            let got = t.decide(verdict, &AgentId::new(*by).unwrap(), Timestamp(0));
            match (want, got) {
                (Ok((to, releases)), Ok(r)) => {
                    assert_eq!((t.status, r), (*to, *releases), "{from:?} {verdict:?}");
                    assert_eq!(t.history.len(), before + 1, "the event is recorded");
                }
                (Err(kind), Err(e)) => assert!(e.to_string().contains(kind), "{from:?} {verdict:?}: {e}"),
                (w, g) => panic!("{from:?} {verdict:?} by {by}: wanted {w:?}, got {g:?}"),
            }
        }
    }
}
