//! The tools an agent sees: names, titles, when to use them, annotations, and input and
//! output schemas generated from the Rust types the call is read into and answered from.

use std::sync::atomic::AtomicBool;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::args::*;
use super::schema;
use super::{board, claims};
use crate::model::Span;
use crate::ops::{Context, Error};

/// Most items of one list an answer carries; the rest is counted in `omitted`.
pub const MAX_ITEMS: usize = 100;

/// One call of a tool.
pub struct Call<'a> {
    pub ctx: &'a Context,
    pub args: &'a Value,
    /// Set when the client cancels the request.
    pub cancel: &'a AtomicBool,
}

impl Call<'_> {
    /// The arguments, checked against their schema.
    pub fn args<T: DeserializeOwned + schemars::JsonSchema>(&self) -> Result<T, Failure> {
        schema::parse(self.args).map_err(Failure::Invalid)
    }
}

/// Why a call has no answer: arguments that do not fit the schema (a JSON-RPC
/// invalid-params error), or the operation's own error (a tool error the agent reads).
pub enum Failure {
    Invalid(String),
    Op(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Op(e)
    }
}

/// A tool's answer: the report (structured), a short text, and whether it is a refusal
/// (a conflict, a pending write) rather than a success.
pub struct Reply {
    pub structured: Value,
    pub text: String,
    pub is_error: bool,
}

/// The answer to a call: the short text, or the report itself as text with `verbose`.
pub fn reply<T: Serialize>(verbose: bool, report: &T, text: String, is_error: bool) -> Reply {
    let structured = cap(serde_json::to_value(report).expect("because reports serialise"));
    let text = if verbose {
        serde_json::to_string(&structured).expect("because JSON serialises")
    } else {
        text
    };
    Reply {
        structured,
        text,
        is_error,
    }
}

/// Top-level lists longer than [`MAX_ITEMS`] are cut, and `omitted` says by how much.
fn cap(mut v: Value) -> Value {
    let Some(o) = v.as_object_mut() else {
        return json!({"value": v});
    };
    let mut omitted = serde_json::Map::new();
    for (k, val) in o.iter_mut() {
        if let Some(list) = val.as_array_mut().filter(|l| l.len() > MAX_ITEMS) {
            omitted.insert(k.clone(), json!(list.len() - MAX_ITEMS));
            list.truncate(MAX_ITEMS);
        }
    }
    if !omitted.is_empty() {
        o.insert("omitted".into(), Value::Object(omitted));
    }
    v
}

/// A duration argument (`30m`, `2h`).
pub fn span(text: &Option<String>, field: &str) -> Result<Option<Span>, Failure> {
    text.as_deref()
        .map(|t| Span::parse(t).map_err(|e| Failure::Invalid(format!("`{field}`: {e}"))))
        .transpose()
}

pub struct Tool {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub read_only: bool,
    /// It may undo another agent's work (force release, cancel).
    pub destructive: bool,
    pub input: fn() -> Value,
    pub output: fn() -> Value,
    pub run: fn(&Call) -> Result<Reply, Failure>,
}

macro_rules! tool {
    ($name:literal, $title:literal, $ro:expr, $destr:expr, $args:ty, $out:ty, $run:path, $desc:literal) => {
        Tool {
            name: $name,
            title: $title,
            description: $desc,
            read_only: $ro,
            destructive: $destr,
            input: schema::schema::<$args>,
            output: schema::output_schema::<$out>,
            run: $run,
        }
    };
}

use crate::ops::{claim::ClaimReport, handoff, inbox::Inbox, log::LogReport, query, release, symbols, sync, task};

/// Every tool, in the order `tools/list` shows them.
pub fn all() -> Vec<Tool> {
    vec![
        tool!("claim", "Claim before editing", false, false, ClaimArgs, ClaimReport, claims::claim,
            "Claim files, symbols or keys BEFORE you edit them, so no other agent edits them at the same time. All scopes are granted together or not at all. A conflict comes back as an error: do not edit those; pick other work, or call again with `wait`."),
        tool!("release", "Release claims", false, true, ReleaseArgs, release::ReleaseReport, claims::release,
            "Release your claims when you are done editing (or give up), so others can proceed. `force` releases another agent's stale claim and is recorded."),
        tool!("renew", "Extend claims", false, false, RenewArgs, release::RenewReport, claims::renew,
            "Extend your claims when your work takes longer than their ttl."),
        tool!("check", "Are these free?", true, false, ScopesArgs, query::CheckReport, claims::check,
            "Ask whether scopes are free for you (writes nothing). Held scopes come back as an error naming the holders. Use before planning edits, and before pushing."),
        tool!("who", "Who holds it", true, false, WhoArgs, query::WhoReport, claims::who,
            "Who holds a path, symbol or key right now."),
        tool!("symbols", "Symbols of a file", true, false, SymbolsArgs, symbols::SymbolsReport, claims::symbols,
            "List the symbol paths of a file (Class::method …) so you can claim one declaration instead of the whole file."),
        tool!("status", "Status", true, false, Plain, query::StatusReport, claims::status,
            "Your id and claims, other agents' claims, tasks and pending operations at a glance."),
        tool!("sync", "Sync pending work", false, false, Plain, sync::SyncReport, claims::sync,
            "Send operations recorded while the remote was unreachable; refused ones come back as an error."),
        tool!("agents", "Agents", true, false, Plain, claims::AgentsReport, claims::agents,
            "The agents seen on the board: their claims, tasks and when they were last active."),
        tool!("log", "Coordination history", true, false, LogArgs, LogReport, claims::log,
            "Recent coordination events (claims, releases, tasks, handoffs)."),
        tool!("inbox", "Inbox", true, false, SpecialtyArgs, Inbox, board::inbox,
            "What waits for you: handoffs to you or your role, reviews, notices about your claims. Check it when you start."),
        tool!("task_add", "Add a task", false, false, TaskAddArgs, task::TaskWriteReport, board::task_add,
            "Add a task to the board, with priority, dependencies and the scopes it will touch."),
        tool!("task_list", "List tasks", true, false, TaskListArgs, task::TaskListReport, board::task_list,
            "The tasks on the board, most urgent first."),
        tool!("task_show", "Show a task", true, false, TaskIdArgs, task::TaskListReport, board::task_show,
            "One task with its scopes, worker and history."),
        tool!("task_next", "Next task", true, false, SpecialtyArgs, task::NextReport, board::task_next,
            "Which task you would get next (writes nothing)."),
        tool!("task_claim", "Take a task", false, false, TaskTakeArgs, task::TaskWriteReport, board::task_claim,
            "Take a task (by id, or the best-ranked one) atomically with its scopes; returns the lease token task_renew and task_done need."),
        tool!("task_claim_next", "Take the next task", false, false, TaskTakeArgs, task::TaskWriteReport, board::task_claim,
            "Take the best next task atomically; it claims the task's scopes and returns a lease token you need for task_renew and task_done."),
        tool!("task_renew", "Extend a task lease", false, false, TaskLeaseArgs, task::TaskWriteReport, board::task_renew,
            "Extend your task's lease (and its claims) while you still work on it."),
        tool!("task_done", "Finish a task", false, false, TaskLeaseArgs, task::TaskWriteReport, board::task_done,
            "Finish a task: it goes to review (write a handoff first with handoff_write)."),
        tool!("task_review", "Review a task", false, false, TaskReviewArgs, task::TaskWriteReport, board::task_review,
            "Take a task waiting for review (never your own work)."),
        tool!("task_approve", "Approve a task", false, false, TaskVerdictArgs, task::TaskWriteReport, board::task_approve,
            "Approve a task you review: it is done and its claims are released."),
        tool!("task_reject", "Reject a task", false, false, TaskVerdictArgs, task::TaskWriteReport, board::task_reject,
            "Send a task you review back to its worker, with the reason."),
        tool!("task_cancel", "Cancel a task", false, true, TaskVerdictArgs, task::TaskWriteReport, board::task_cancel,
            "Cancel a task that is no longer wanted; its claims are released."),
        tool!("handoff_write", "Write a handoff", false, false, HandoffWriteArgs, handoff::HandoffReport, board::handoff_write,
            "Write a handoff when you stop or hand work over: what is done, in progress, decided, next, open. Git facts (commits, files, claims) are filled in."),
        tool!("handoff_list", "List handoffs", true, false, HandoffListArgs, handoff::HandoffList, board::handoff_list,
            "List handoffs (filter by recipient or status: ready, claimed, acked)."),
        tool!("handoff_show", "Read a handoff", true, false, HandoffIdArgs, handoff::HandoffReport, board::handoff_show,
            "Read one handoff document."),
        tool!("handoff_claim", "Take a handoff", false, false, HandoffIdArgs, handoff::HandoffReport, board::handoff_claim,
            "Say you are picking up a handoff, so nobody else does."),
        tool!("handoff_ack", "Acknowledge a handoff", false, false, HandoffIdArgs, handoff::HandoffReport, board::handoff_ack,
            "Acknowledge a handoff you have read and acted on."),
    ]
}

/// The `tools/list` entry of a tool.
pub fn listing(t: &Tool) -> Value {
    json!({
        "name": t.name,
        "title": t.title,
        "description": t.description,
        "inputSchema": (t.input)(),
        "outputSchema": (t.output)(),
        "annotations": {
            "title": t.title,
            "readOnlyHint": t.read_only,
            "destructiveHint": t.destructive,
            "idempotentHint": t.read_only,
            "openWorldHint": false
        }
    })
}
