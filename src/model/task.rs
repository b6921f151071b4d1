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
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TaskId(pub String);

/// A handoff's id: `h-` and 8 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    Open,
    Claimed,
    Review,
    Approved,
    Cancelled,
}

impl TaskStatus {
    pub fn is_final(self) -> bool {
        matches!(self, TaskStatus::Approved | TaskStatus::Cancelled)
    }
}

/// Who holds a task, until when, with which token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub agent: AgentId,
    pub token: String,
    pub expires_at: Timestamp,
}

/// One line of a task's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskEvent {
    pub at: Timestamp,
    pub agent: AgentId,
    pub what: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HandoffStatus {
    Ready,
    Claimed,
    Acked,
}

/// A handoff's metadata; its Markdown document lives at `handoff-docs/<id>.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
