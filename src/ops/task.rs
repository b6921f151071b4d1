//! The task board: add, rank and take tasks with leases, review, approve, reject, cancel.
//!
//! Tasks live in the same board ref as claims, so claiming a task and its scopes is one
//! commit decided by one compare-and-swap, and two agents can never take the same task.
//!
//! Rank (`next`, `claim-next`): unblocked tasks only (every dependency approved); then
//! priority (1 first); then how many tasks transitively depend on it (more first); then
//! age (older first); then id. A task whose scopes conflict with another agent's active
//! claims is skipped, with the reason.

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use super::txn::{transact_at, Plan};
use crate::engine::conflict::Judge;
use crate::model::{
    Claim, ClaimId, ClaimsState, Lease, Mode, Op, OpId, Scope, Span, Task, TaskEvent, TaskGraph, TaskId, TaskStatus,
    Urgency, Verdict,
};

/// A task as reported, with what the board knows about it.
#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    #[serde(flatten)]
    pub task: Task,
    pub blocked_by: Vec<TaskId>,
    pub dependents: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskListReport {
    pub revision: Option<String>,
    pub tasks: Vec<TaskView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub task: TaskId,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NextReport {
    pub revision: Option<String>,
    pub task: Option<TaskView>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, Serialize)]
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
    pub synced: bool,
    pub pending: bool,
    /// Why the remote did not confirm it (with `pending`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// With `pending`: `unreachable` or `timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
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
    TaskView {
        task: t.clone(),
        blocked_by: g.blockers(t).into_iter().cloned().collect(),
        dependents: g.dependents().get(&t.id).copied().unwrap_or(0),
    }
}

fn find<'a>(state: &'a ClaimsState, id: &TaskId) -> Result<&'a Task, Error> {
    state.tasks.get(id).ok_or_else(|| {
        Error::usage(
            format!("no task {id} on the board"),
            Some("`git coord task list` shows the tasks".to_string()),
        )
    })
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
        hint: Some("read the board again (`git coord task list`) and retry with its revision".into()),
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
    mut change: impl FnMut(&ClaimsState) -> Result<(Task, Vec<Claim>, Vec<ClaimId>, Option<Lease>, bool), Error>,
) -> Result<TaskWriteReport, Error> {
    let op_id = OpId::from_bits(ctx.random());
    let outcome = transact_at(ctx, |state, tip| {
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
            synced: false,
            pending: false,
            error: None,
            reason: None,
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
    let mut r = outcome.result;
    r.revision = outcome.commit.map(|c| c.to_string());
    r.synced = outcome.synced;
    r.pending = outcome.pending;
    r.attempts = outcome.attempts;
    // A write the remote did not confirm is reported whole (the task, its lease token) with
    // `pending` set: the front end says so and exits 3, and the token is never lost.
    r.reason = outcome.remote_error.as_deref().map(super::error::pending_reason);
    r.error = outcome.remote_error;
    Ok(r)
}

pub fn add(ctx: &Context, req: &AddRequest, expected: &Option<String>) -> Result<TaskWriteReport, Error> {
    let title = req.title.trim().to_owned();
    if title.is_empty() {
        return Err(Error::usage("a task needs a title", None));
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

pub fn list(
    ctx: &Context,
    status: Option<TaskStatus>,
    specialty: Option<&str>,
    fetch: bool,
) -> Result<TaskListReport, Error> {
    let v = super::txn::view(ctx, fetch)?;
    let mut tasks: Vec<TaskView> = v
        .state
        .tasks
        .values()
        .filter(|t| status.is_none_or(|s| t.status == s))
        .filter(|t| specialty.is_none_or(|s| t.specialty.as_deref() == Some(s)))
        .map(|t| view(&v.state, t))
        .collect();
    tasks.sort_by(|a, b| {
        (a.task.priority, a.task.created_at, &a.task.id).cmp(&(b.task.priority, b.task.created_at, &b.task.id))
    });
    Ok(TaskListReport {
        revision: v.loaded.tip.map(|t| t.to_string()),
        tasks,
    })
}

pub fn show(ctx: &Context, id: &str, fetch: bool) -> Result<TaskListReport, Error> {
    let id = parse_id(id)?;
    let v = super::txn::view(ctx, fetch)?;
    let t = find(&v.state, &id)?;
    Ok(TaskListReport {
        revision: v.loaded.tip.map(|t| t.to_string()),
        tasks: vec![view(&v.state, t)],
    })
}

fn lease_expired(ctx: &Context, t: &Task) -> bool {
    t.lease
        .as_ref()
        .is_none_or(|l| ctx.expiry_now() > l.expires_at.plus(ctx.skew()))
}

/// Can `ctx.agent` take `t` now? Err(reason) when not.
fn takeable(ctx: &Context, state: &ClaimsState, judge: &Judge, t: &Task) -> Result<bool, String> {
    let takeover = match t.status {
        TaskStatus::Open => false,
        TaskStatus::Claimed if t.worker.as_ref() == Some(&ctx.agent) && lease_expired(ctx, t) => false,
        TaskStatus::Claimed if lease_expired(ctx, t) => true,
        TaskStatus::Claimed => {
            return Err(format!(
                "claimed by {} until {}",
                t.worker.as_ref().map(|w| w.to_string()).unwrap_or_default(),
                t.lease.as_ref().map(|l| l.expires_at.to_string()).unwrap_or_default()
            ))
        }
        s => {
            return Err(format!(
                "status is {}",
                serde_json::to_value(s)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ))
        }
    };
    let blockers = (TaskGraph { tasks: &state.tasks }).blockers(t);
    if !blockers.is_empty() {
        return Err(format!(
            "blocked by {}",
            blockers.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(", ")
        ));
    }
    let mine: Vec<&ClaimId> = t.claims.iter().collect();
    let others = state
        .active(ctx.expiry_now(), ctx.skew())
        .filter(|c| !mine.contains(&&c.id));
    let conflicts = judge.conflicts(&ctx.agent, &t.scopes, Mode::Exclusive, others);
    if let Some(c) = conflicts.first() {
        return Err(format!("{} is held by {} ({})", c.requested, c.claim.agent, c.claim.id));
    }
    Ok(takeover)
}

fn ranked<'a>(
    ctx: &Context,
    state: &'a ClaimsState,
    judge: &Judge,
    specialty: Option<&str>,
) -> (Vec<(&'a Task, bool)>, Vec<Skipped>) {
    let deps = (TaskGraph { tasks: &state.tasks }).dependents();
    let mut ok = Vec::new();
    let mut skipped = Vec::new();
    for t in state.tasks.values() {
        if t.status.is_final()
            || t.status == TaskStatus::Review
            || specialty.is_some_and(|s| t.specialty.as_deref() != Some(s))
        {
            continue;
        }
        match takeable(ctx, state, judge, t) {
            Ok(takeover) => ok.push((t, takeover)),
            Err(reason) if t.status == TaskStatus::Open || lease_expired(ctx, t) => skipped.push(Skipped {
                task: t.id.clone(),
                reason,
            }),
            Err(_) => {}
        }
    }
    ok.sort_by_key(|(t, _)| {
        (
            t.priority,
            std::cmp::Reverse(deps.get(&t.id).copied().unwrap_or(0)),
            t.created_at,
            t.id.clone(),
        )
    });
    (ok, skipped)
}

pub fn next(ctx: &Context, specialty: Option<&str>, fetch: bool) -> Result<NextReport, Error> {
    let tracked = ctx.store.tracked_files()?;
    let judge = Judge::new(&tracked, &ctx.policy.shared_files)?;
    let v = super::txn::view(ctx, fetch)?;
    let (ok, skipped) = ranked(ctx, &v.state, &judge, specialty);
    Ok(NextReport {
        revision: v.loaded.tip.map(|t| t.to_string()),
        task: ok.first().map(|(t, _)| view(&v.state, t)),
        skipped,
    })
}

/// `task claim ID` (Some) or `task claim-next` (None).
pub fn claim(
    ctx: &Context,
    id: Option<&str>,
    specialty: Option<&str>,
    ttl: Option<Span>,
    expected: &Option<String>,
) -> Result<TaskWriteReport, Error> {
    let wanted = id.map(parse_id).transpose()?;
    let ttl = ttl.unwrap_or(ctx.policy.default_ttl);
    let tracked = ctx.store.tracked_files()?;
    let judge = Judge::new(&tracked, &ctx.policy.shared_files)?;
    let token = format!("{:016x}", ctx.random());
    let ids: Vec<ClaimId> = (0..64).map(|_| ClaimId::from_bits(ctx.random() as u32)).collect();
    let branch = ctx.store.branch();
    // Tasks this clone already took in a write the remote has not confirmed: never handed
    // out a second time from here.
    let taken_here: Vec<TaskId> = ctx
        .pending
        .list()?
        .into_iter()
        .filter_map(|p| match p.op {
            Op::Task { task, .. } if task.status == TaskStatus::Claimed => Some(task.id),
            _ => None,
        })
        .collect();
    write(ctx, expected, |state| {
        let (t, takeover) = match &wanted {
            Some(id) if taken_here.contains(id) => {
                return Err(Error::refused(
                    format!("{id} was taken by a write still pending in this clone"),
                    Some("run `git coord sync` to confirm it".to_string()),
                ))
            }
            Some(id) => {
                let t = find(state, id)?;
                let takeover = takeable(ctx, state, &judge, t)
                    .map_err(|r| Error::refused(format!("cannot claim {id}: {r}"), None))?;
                (t, takeover)
            }
            None => {
                let (ok, skipped) = ranked(ctx, state, &judge, specialty);
                match ok.iter().find(|(t, _)| !taken_here.contains(&t.id)) {
                    Some(&(t, takeover)) => (t, takeover),
                    None => {
                        let why = skipped
                            .iter()
                            .map(|s| format!("{}: {}", s.task, s.reason))
                            .collect::<Vec<_>>()
                            .join("; ");
                        return Err(Error::refused(
                            format!(
                                "no task to claim{}",
                                specialty.map(|s| format!(" for specialty {s}")).unwrap_or_default()
                            ),
                            (!why.is_empty()).then_some(format!("skipped: {why}")),
                        ));
                    }
                }
            }
        };
        let now = ctx.now();
        let mut task = t.clone();
        let release: Vec<ClaimId> = live_claims(&task, state);
        let grant: Vec<Claim> = task
            .scopes
            .iter()
            .zip(&ids)
            .map(|(s, id)| Claim {
                id: id.clone(),
                agent: ctx.agent.clone(),
                scope: s.clone(),
                mode: Mode::Exclusive,
                created_at: now,
                expires_at: now.plus(ttl),
                note: Some(format!("task {}: {}", task.id, task.title)),
                task: Some(task.id.to_string()),
                branch: branch.clone(),
                urgency: Urgency::Normal,
                host: ctx.host.clone(),
                narrowable: false,
                narrowed: Vec::new(),
            })
            .collect();
        let lease = Lease {
            agent: ctx.agent.clone(),
            token: token.clone(),
            expires_at: now.plus(ttl),
        };
        let previous = task.worker.clone();
        task.status = TaskStatus::Claimed;
        task.worker = Some(ctx.agent.clone());
        task.lease = Some(lease.clone());
        task.claims = grant.iter().map(|c| c.id.clone()).collect();
        let what = if takeover {
            format!(
                "takes over (lease of {} expired)",
                previous.map(|p| p.to_string()).unwrap_or_default()
            )
        } else {
            "claims".into()
        };
        task.history.push(event(ctx, &what, None));
        Ok((task, grant, release, Some(lease), takeover))
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

fn token_ok(t: &Task, token: &str) -> Result<(), Error> {
    match &t.lease {
        Some(l) if l.token == token => Ok(()),
        _ => Err(Error::Conflict {
            code: "lease-token-conflict",
            message: format!("the lease token does not match task {}'s current lease", t.id),
            hint: Some(match (&t.lease, t.status) {
                (Some(l), _) => format!("{} holds the lease now; see `git coord task show {}`", l.agent, t.id),
                (None, TaskStatus::Claimed | TaskStatus::Open) => {
                    format!("claim it again: git coord task claim {}", t.id)
                }
                (None, s) => format!(
                    "the task is {} now; see `git coord task show {}`",
                    serde_json::to_value(s)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    t.id
                ),
            }),
        }),
    }
}

pub fn renew(
    ctx: &Context,
    id: &str,
    token: &str,
    ttl: Option<Span>,
    expected: &Option<String>,
) -> Result<TaskWriteReport, Error> {
    let id = parse_id(id)?;
    let ttl = ttl.unwrap_or(ctx.policy.default_ttl);
    write(ctx, expected, |state| {
        let mut t = find(state, &id)?.clone();
        token_ok(&t, token)?;
        let until = ctx.now().plus(ttl);
        if let Some(l) = &mut t.lease {
            l.expires_at = until;
        }
        let grant: Vec<Claim> = t
            .claims
            .iter()
            .filter_map(|c| state.claims.get(c))
            .map(|c| Claim {
                expires_at: until,
                ..c.clone()
            })
            .collect();
        t.history.push(event(ctx, "renews", None));
        let lease = t.lease.clone();
        Ok((t, grant, Vec::new(), lease, false))
    })
}

pub fn done(
    ctx: &Context,
    id: &str,
    token: &str,
    no_review: bool,
    expected: &Option<String>,
) -> Result<TaskWriteReport, Error> {
    let id = parse_id(id)?;
    if no_review && !ctx.policy.allow_no_review {
        return Err(Error::usage(
            "--no-review is not allowed here",
            Some("set `[tasks] allow_no_review = true` in .coord.toml to allow it".to_string()),
        ));
    }
    write(ctx, expected, |state| {
        let mut t = find(state, &id)?.clone();
        token_ok(&t, token)?;
        let mut release = Vec::new();
        if no_review {
            t.status = TaskStatus::Approved;
            release = live_claims(&t, state);
            t.history.push(event(ctx, "finishes (no review)", None));
        } else {
            let handoff = state
                .handoffs
                .values()
                .filter(|h| h.task.as_ref() == Some(&id) && h.from == ctx.agent)
                .max_by_key(|h| (h.created_at, h.id.clone()))
                .ok_or_else(|| {
                    Error::refused(
                        format!("task {id} needs a handoff before review"),
                        Some(format!(
                            "write one: git coord handoff write --task {id} --to reviewers --summary \"…\""
                        )),
                    )
                })?;
            t.status = TaskStatus::Review;
            t.handoff = Some(handoff.id.clone());
            t.history.push(event(ctx, "finishes; ready for review", None));
        }
        t.lease = None;
        Ok((t, Vec::new(), release, None, false))
    })
}

/// Take a task in review: `id` or the oldest one for `specialty`. Never one's own work.
pub fn review_claim(
    ctx: &Context,
    id: Option<&str>,
    specialty: Option<&str>,
    expected: &Option<String>,
) -> Result<TaskWriteReport, Error> {
    let wanted = id.map(parse_id).transpose()?;
    write(ctx, expected, |state| {
        let mut candidates: Vec<&Task> = state
            .tasks
            .values()
            .filter(|t| t.status == TaskStatus::Review)
            .filter(|t| wanted.as_ref().is_none_or(|w| &t.id == w))
            .filter(|t| specialty.is_none_or(|s| t.specialty.as_deref() == Some(s)))
            .collect();
        candidates.sort_by_key(|t| (t.priority, t.created_at, t.id.clone()));
        let pick = candidates
            .into_iter()
            .find(|t| t.worker.as_ref() != Some(&ctx.agent) && t.reviewer.as_ref().is_none_or(|r| r == &ctx.agent));
        let Some(t) = pick else {
            return Err(Error::refused(
                match &wanted {
                    Some(w) => format!(
                        "{} cannot review {w}: it is not in review, is its own work, or has another reviewer",
                        ctx.agent
                    ),
                    None => "no task waiting for review".into(),
                },
                None,
            ));
        };
        let mut t = t.clone();
        t.reviewer = Some(ctx.agent.clone());
        t.history.push(event(ctx, "starts reviewing", None));
        Ok((t, Vec::new(), Vec::new(), None, false))
    })
}

/// Approve, reject or cancel.
pub fn decide(ctx: &Context, id: &str, verdict: &Verdict, expected: &Option<String>) -> Result<TaskWriteReport, Error> {
    let id = parse_id(id)?;
    if let Verdict::Reject(r) = verdict {
        if r.trim().is_empty() {
            return Err(Error::usage("a rejection needs --reason", None));
        }
    }
    write(ctx, expected, |state| {
        let mut t = find(state, &id)?.clone();
        let releases = t
            .decide(verdict, &ctx.agent, ctx.now())
            .map_err(|e| Error::refused(e.to_string(), None))?;
        let release = if releases { live_claims(&t, state) } else { Vec::new() };
        Ok((t, Vec::new(), release, None, false))
    })
}

/// Scopes of a task, as text (for messages).
pub fn scope_list(scopes: &[Scope]) -> String {
    scopes.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}
