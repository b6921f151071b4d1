//! The task board: add, rank and take tasks with leases, review, approve, reject, cancel.
//!
//! Tasks live in the same board ref as claims, so claiming a task and its scopes is one
//! commit decided by one compare-and-swap, and two agents can never take the same task.
//!
//! Rank (`next`, `claim-next`): unblocked tasks only (every dependency approved); then
//! priority (1 first); then how many tasks transitively depend on it (more first); then
//! age (older first); then id. A task whose scopes conflict with another agent's active
//! claims is skipped, with the reason.

use crate::ops::Next;
use serde::Serialize;

mod review;
mod take;

pub use review::{decide, review_claim};
pub use take::{claim, claim_next_waiting, done, next, renew, TaskWait};

use super::context::Context;
use super::error::Error;
use super::report::Delivery;
use super::txn::{transact_at, Plan};
use crate::engine::conflict::Judge;
use crate::model::{
    Claim, ClaimId, ClaimsState, Lease, Op, OpId, Scope, Task, TaskEvent, TaskGraph, TaskId, TaskStatus,
};

/// A task as reported, with what the board knows about it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TaskView {
    #[serde(flatten)]
    pub task: Task,
    pub blocked_by: Vec<TaskId>,
    pub dependents: usize,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TaskListReport {
    pub revision: Option<String>,
    /// How old the view this answers from is, in ms (`[network] fresh_for`).
    pub view_age_ms: Option<u64>,
    pub tasks: Vec<TaskView>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Skipped {
    pub task: TaskId,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NextReport {
    pub revision: Option<String>,
    /// How old the view this answers from is, in ms (`[network] fresh_for`).
    pub view_age_ms: Option<u64>,
    pub task: Option<TaskView>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TaskWriteReport {
    pub revision: Option<String>,
    pub task: TaskView,
    /// The lease (with its token) when this write took the task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease: Option<Lease>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<Claim>,
    /// The task was taken over from a holder whose lease had expired.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub takeover: bool,
    /// How the write reached the arbiter (flattened: `synced`, `pending`, `error`, `reason`).
    #[serde(flatten)]
    pub delivery: Delivery,
    /// Compare-and-swap attempts this write took (1 = no contention).
    pub attempts: u32,
}

/// What `task add` needs.
#[derive(Debug, Clone, Default)]
pub struct AddRequest {
    pub title: String,
    pub body: Option<String>,
    pub priority: u8,
    pub depends_on: Vec<String>,
    pub specialty: Option<String>,
    pub scopes: Vec<String>,
}

fn view(state: &ClaimsState, t: &Task) -> TaskView {
    let g = TaskGraph { tasks: &state.tasks };
    view_with(&g, &g.dependents(), t)
}

/// One task's view, given the board's dependents counted once (a list of n tasks must not
/// count them n times).
fn view_with(g: &TaskGraph, dependents: &std::collections::HashMap<&TaskId, usize>, t: &Task) -> TaskView {
    TaskView {
        task: t.clone(),
        blocked_by: g.blockers(t).into_iter().cloned().collect(),
        dependents: dependents.get(&t.id).copied().unwrap_or(0),
    }
}

fn find<'a>(state: &'a ClaimsState, id: &TaskId) -> Result<&'a Task, Error> {
    state
        .tasks
        .get(id)
        .ok_or_else(|| Error::usage(format!("no task {id} on the board"), Next::ListTasks))
}

pub fn parse_id(text: &str) -> Result<TaskId, Error> {
    TaskId::parse(text)
        .ok_or_else(|| Error::usage(format!("invalid task id '{text}': task ids look like t-1a2b3c4d"), None))
}

fn check_revision(expected: &Option<String>, tip: Option<gix::ObjectId>) -> Result<(), Error> {
    let Some(want) = expected else { return Ok(()) };
    let have = tip.map(|t| t.to_string()).unwrap_or_default();
    if want.len() >= 4 && have.starts_with(want.as_str()) {
        return Ok(());
    }
    Err(Error::Conflict {
        code: "state-revision-conflict",
        message: format!(
            "the board moved: expected revision {want}, it is at {}",
            if have.is_empty() { "none" } else { &have[..12] }
        ),
        hint: Some(Next::RetryWithRevision),
    })
}

fn event(ctx: &Context, what: &str, reason: Option<String>) -> TaskEvent {
    TaskEvent {
        at: ctx.now(),
        agent: ctx.agent.clone(),
        what: what.to_owned(),
        reason,
    }
}

/// Write a new version of one task (and claims granted or released with it).
fn write(
    ctx: &Context,
    expected: &Option<String>,
    change: impl FnMut(&ClaimsState) -> Result<(Task, Vec<Claim>, Vec<ClaimId>, Option<Lease>, bool), Error>,
) -> Result<TaskWriteReport, Error> {
    write_unless(ctx, expected, |_| None, change)
}

/// [`write`], unless `done` finds the board already holds what this write makes (it landed
/// in an earlier attempt): then that is reported, and nothing is written again.
fn write_unless(
    ctx: &Context,
    expected: &Option<String>,
    done: impl Fn(&ClaimsState) -> Option<Task>,
    mut change: impl FnMut(&ClaimsState) -> Result<(Task, Vec<Claim>, Vec<ClaimId>, Option<Lease>, bool), Error>,
) -> Result<TaskWriteReport, Error> {
    let op_id = OpId::from_bits(ctx.random());
    let outcome = transact_at(ctx, |state, tip| {
        if let Some(task) = done(state) {
            return Ok(Plan::Done(TaskWriteReport {
                revision: None,
                task: view(state, &task),
                lease: task.lease.clone(),
                claims: task
                    .claims
                    .iter()
                    .filter_map(|id| state.claims.get(id).cloned())
                    .collect(),
                takeover: false,
                delivery: Delivery::default(),
                attempts: 0,
            }));
        }
        check_revision(expected, tip)?;
        let (task, grant, release, lease, takeover) = change(state)?;
        let based_on = state.tasks.get(&task.id).map(|t| t.history.len());
        let mut after = state.clone();
        after.tasks.insert(task.id.clone(), task.clone());
        let report = TaskWriteReport {
            revision: None,
            task: view(&after, &task),
            lease,
            claims: grant.clone(),
            takeover,
            delivery: Delivery::default(),
            attempts: 0,
        };
        Ok(Plan::Write(
            Op::Task {
                id: op_id.clone(),
                agent: ctx.agent.clone(),
                task,
                based_on,
                grant,
                release,
            },
            report,
        ))
    })?;
    let delivery = Delivery::of(&outcome);
    let mut r = outcome.result;
    r.revision = outcome.commit.map(|c| c.to_string());
    r.attempts = outcome.attempts;
    // A write the remote did not confirm is reported whole (the task, its lease token) with
    // `pending` set: the front end says so and exits 3, and the token is never lost.
    r.delivery = delivery;
    Ok(r)
}

pub fn add(ctx: &Context, req: &AddRequest, expected: &Option<String>) -> Result<TaskWriteReport, Error> {
    let title = req.title.trim().to_owned();
    if title.is_empty() {
        return Err(Error::usage("a task needs a title", None));
    }
    {
        use crate::model::text::limits;
        limits::check("the title", &title, limits::SUMMARY)
            .and_then(|()| {
                req.body
                    .as_deref()
                    .map_or(Ok(()), |b| limits::check("the body", b, limits::BODY))
            })
            .map_err(|m| Error::usage(m, None))?;
    }
    if !(1..=9).contains(&req.priority) {
        return Err(Error::usage(
            format!("invalid priority {}: use 1 (most urgent) to 9", req.priority),
            None,
        ));
    }
    let deps: Vec<TaskId> = req.depends_on.iter().map(|d| parse_id(d)).collect::<Result<_, _>>()?;
    let tracked = ctx.store.tracked_files()?;
    let judge = Judge::new(&tracked, &ctx.policy.shared_files)?;
    let scopes = if req.scopes.is_empty() {
        Vec::new()
    } else {
        super::scopes::resolve(ctx, &req.scopes, &judge, tracked.len(), super::scopes::Purpose::Query)?
    };
    let id = TaskId::from_bits(ctx.random() as u32);
    write(ctx, expected, |state| {
        for d in &deps {
            find(state, d)?;
        }
        if (TaskGraph { tasks: &state.tasks }).creates_cycle(&id, &deps) {
            return Err(Error::usage("these dependencies would make a cycle", None));
        }
        let task = Task {
            id: id.clone(),
            title: title.clone(),
            body: req.body.clone(),
            priority: req.priority,
            depends_on: deps.clone(),
            specialty: req.specialty.clone(),
            scopes: scopes.clone(),
            status: TaskStatus::Open,
            created_at: ctx.now(),
            created_by: ctx.agent.clone(),
            worker: None,
            lease: None,
            claims: Vec::new(),
            reviewer: None,
            handoff: None,
            history: vec![event(ctx, "adds", None)],
        };
        Ok((task, Vec::new(), Vec::new(), None, false))
    })
}

/// The board's tasks (of one status / specialty, when given), most urgent first.
pub fn views(state: &ClaimsState, status: Option<TaskStatus>, specialty: Option<&str>) -> Vec<TaskView> {
    let g = TaskGraph { tasks: &state.tasks };
    let dependents = g.dependents();
    let mut tasks: Vec<TaskView> = state
        .tasks
        .values()
        .filter(|t| status.is_none_or(|s| t.status == s))
        .filter(|t| specialty.is_none_or(|s| t.specialty.as_deref() == Some(s)))
        .map(|t| view_with(&g, &dependents, t))
        .collect();
    tasks.sort_by(|a, b| {
        (a.task.priority, a.task.created_at, &a.task.id).cmp(&(b.task.priority, b.task.created_at, &b.task.id))
    });
    tasks
}

pub fn list(
    ctx: &Context,
    status: Option<TaskStatus>,
    specialty: Option<&str>,
    fetch: bool,
) -> Result<TaskListReport, Error> {
    let v = super::txn::view(ctx, fetch)?;
    Ok(TaskListReport {
        revision: v.board.revision().map(|t| t.to_string()),
        view_age_ms: v.age_ms,
        tasks: views(&v.state, status, specialty),
    })
}

pub fn show(ctx: &Context, id: &str, fetch: bool) -> Result<TaskListReport, Error> {
    let id = parse_id(id)?;
    let v = super::txn::view(ctx, fetch)?;
    let t = find(&v.state, &id)?;
    Ok(TaskListReport {
        revision: v.board.revision().map(|t| t.to_string()),
        view_age_ms: v.age_ms,
        tasks: vec![view(&v.state, t)],
    })
}

/// The task's claims that are still on the board (to release with it).
fn live_claims(t: &Task, state: &ClaimsState) -> Vec<ClaimId> {
    t.claims
        .iter()
        .filter(|c| state.claims.contains_key(*c))
        .cloned()
        .collect()
}

/// Scopes of a task, as text (for messages).
pub fn scope_list(scopes: &[Scope]) -> String {
    scopes.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}
