//! The tools' arguments as Rust types. Their JSON Schemas (what `tools/list` shows) are
//! generated from these types (`schema.rs`), and every call is checked against the same
//! schema before it is read. Must not call ops.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::model::text::limits;
use crate::model::{HandoffStatus, TaskStatus, Urgency};

/// Arguments of a tool that takes none but `verbose`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plain {
    /// Answer with the full JSON report as text instead of the short answer.
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimArgs {
    /// Globs or paths (src/auth/**), symbols (src/a.ts::Class::method) or keys (db:schema:users); all are granted together or none.
    #[schemars(length(min = 1, max = limits::SCOPES), inner(length(min = 1, max = 4096)))]
    pub scopes: Vec<String>,
    /// How long the claim lasts, e.g. 30m, 2h (default: the repository's policy).
    pub ttl: Option<String>,
    /// Wait up to this long (e.g. 10m) for the holders to let go, in a fair queue; the answer comes when granted or at the deadline.
    pub wait: Option<String>,
    /// How badly you need it while waiting: the queue serves higher urgency first.
    pub urgency: Option<Urgency>,
    /// What you are doing, for the other agents.
    #[schemars(length(max = limits::NOTE))]
    pub note: Option<String>,
    /// A shared claim: only exclusive claims conflict with it.
    #[serde(default)]
    pub shared: bool,
    /// The file or symbol does not exist yet (you are about to create it).
    #[serde(default)]
    pub new: bool,
    /// A whole-file claim others may narrow by claiming single symbols inside it.
    #[serde(default)]
    pub narrowable: bool,
    /// The task this work is for (t-…).
    pub task: Option<String>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseArgs {
    /// Claim ids (c-1a2b3c4d).
    #[serde(default)]
    #[schemars(length(max = 100))]
    pub ids: Vec<String>,
    /// Release your claims on exactly these scopes.
    #[serde(default)]
    #[schemars(length(max = 100))]
    pub scopes: Vec<String>,
    /// Release all your claims.
    #[serde(default)]
    pub all: bool,
    /// Release claims another agent holds (stale ones); recorded in the history with your id.
    #[serde(default)]
    pub force: bool,
    /// With force: why (recorded in the history and told to the holder).
    #[serde(default)]
    #[schemars(length(max = 500))]
    pub reason: Option<String>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewArgs {
    /// Claim ids to extend.
    #[serde(default)]
    #[schemars(length(max = 100))]
    pub ids: Vec<String>,
    /// Extend all your claims.
    #[serde(default)]
    pub all: bool,
    /// New length from now, e.g. 1h.
    pub ttl: Option<String>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopesArgs {
    /// Globs/paths, symbols (file::Class::method) or keys (ns:name).
    #[schemars(length(min = 1, max = limits::SCOPES), inner(length(min = 1, max = 4096)))]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhoArgs {
    /// A path, glob, symbol or key.
    #[schemars(length(min = 1, max = 4096))]
    pub target: String,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SymbolsArgs {
    /// The file, from the repository root.
    #[schemars(length(min = 1, max = 4096))]
    pub file: String,
    /// Read the file at this revision instead of the working tree.
    pub rev: Option<String>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogArgs {
    /// How many events (newest first).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// Only events after this time: RFC 3339, or a duration back from now (2h).
    pub since: Option<String>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialtyArgs {
    /// Only tasks (or handoffs) for this specialty.
    pub specialty: Option<String>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskAddArgs {
    /// One line: what is to be done.
    #[schemars(length(min = 1, max = limits::SUMMARY))]
    pub title: String,
    /// Details (Markdown).
    #[schemars(length(max = limits::BODY))]
    pub body: Option<String>,
    /// 1 = most urgent … 9 (default 5).
    #[schemars(range(min = 1, max = 9))]
    pub priority: Option<u8>,
    /// Tasks that must be approved first.
    #[serde(default)]
    #[schemars(length(max = 100))]
    pub depends_on: Vec<String>,
    /// Who should take it (e.g. frontend, reviewer).
    pub specialty: Option<String>,
    /// Scopes the task will touch (claimed when it is taken).
    #[serde(default)]
    #[schemars(length(max = 100))]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskListArgs {
    /// Only tasks in this state.
    pub status: Option<TaskStatus>,
    pub specialty: Option<String>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskIdArgs {
    /// The task (t-…).
    pub id: String,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskTakeArgs {
    /// A task id to take; without it, the best-ranked task for you.
    pub id: Option<String>,
    pub specialty: Option<String>,
    /// Lease length, e.g. 2h.
    pub ttl: Option<String>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskLeaseArgs {
    /// The task (t-…).
    pub id: String,
    /// The lease token task_claim_next returned.
    pub token: String,
    /// Lease length from now (task_renew).
    pub ttl: Option<String>,
    /// Straight to approved, without review (task_done; only if policy allows).
    #[serde(default)]
    pub no_review: bool,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskReviewArgs {
    /// A task in review; without it, the oldest one waiting (never your own).
    pub id: Option<String>,
    pub specialty: Option<String>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskVerdictArgs {
    /// The task (t-…).
    pub id: String,
    /// Why (required to reject).
    #[schemars(length(max = limits::NOTE))]
    pub reason: Option<String>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoffWriteArgs {
    /// One line for the history: what this handoff is.
    #[schemars(length(min = 1, max = limits::SUMMARY))]
    pub summary: String,
    /// The task it belongs to (t-…).
    pub task: Option<String>,
    /// An agent id, `reviewers`, or `reviewers:SPECIALTY`.
    pub to: Option<String>,
    /// Markdown with ## Done, ## In progress, ## Decisions, ## Next steps, ## Open questions.
    #[schemars(length(max = limits::NOTES))]
    pub notes: Option<String>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoffListArgs {
    /// Only handoffs to this agent or role.
    pub to: Option<String>,
    pub status: Option<HandoffStatus>,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoffIdArgs {
    /// The handoff (h-…).
    pub id: String,
    #[serde(default)]
    pub verbose: bool,
}
