//! Taking tasks: the rank (`next`), atomic `claim` / `claim-next` with a lease and the
//! task's scopes claimed in the same commit, takeover of expired leases, `renew` and `done`
//! with the lease token.

use super::super::context::Context;
use super::super::error::Error;
use super::{event, find, live_claims, parse_id, view, write, write_unless, NextReport, Skipped, TaskWriteReport};
use crate::engine::conflict::Judge;
use crate::model::{Claim, ClaimId, ClaimsState, Lease, Mode, Op, Span, Task, TaskGraph, TaskId, TaskStatus, Urgency};
use crate::ops::Next;

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
        s => return Err(format!("status is {}", s.name().to_owned())),
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
    let v = super::super::txn::view(ctx, fetch)?;
    let (ok, skipped) = ranked(ctx, &v.state, &judge, specialty);
    Ok(NextReport {
        revision: v.board.revision().map(|t| t.to_string()),
        view_age_ms: v.age_ms,
        task: ok.first().map(|(t, _)| view(&v.state, t)),
        skipped,
    })
}

/// `task claim ID` (Some) or `task claim-next` (None).
/// The start of the refusal when no task can be taken now (`claim-next --wait` waits on it).
const NO_TASK: &str = "no task to claim";

/// What `claim-next --wait` shows while it waits, and whether its caller gave up.
pub trait TaskWait {
    fn waiting(&mut self, waited: std::time::Duration);
    fn cancelled(&self) -> bool;
}

/// `claim-next --wait`: take the best task, polling the board (growing pauses, at most 5 s)
/// while there is none, until one can be taken or `wait` has passed.
pub fn claim_next_waiting(
    ctx: &Context,
    specialty: Option<&str>,
    ttl: Option<Span>,
    wait: Span,
    observer: &mut dyn TaskWait,
) -> Result<TaskWriteReport, Error> {
    let start_now = ctx.now();
    let started = ctx.elapsed();
    let mut nap = std::time::Duration::from_millis(500);
    loop {
        match claim(ctx, None, specialty, ttl, &None) {
            Err(Error::Refused(m, h)) if m.starts_with(NO_TASK) => {
                let waited = ctx.elapsed() - started;
                if waited.as_secs() >= wait.0.max(0) as u64 || observer.cancelled() {
                    return Err(Error::Refused(m, h));
                }
                observer.waiting(waited);
                let until = std::time::Instant::now() + nap;
                while std::time::Instant::now() < until && !observer.cancelled() {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                nap = (nap * 3 / 2).min(std::time::Duration::from_secs(5));
                ctx.advance_to(start_now.plus(Span((ctx.elapsed() - started).as_secs() as i64)));
            }
            other => return other,
        }
    }
}

/// The task to take: the one asked for (refused when it cannot be taken), or the best
/// ranked one not already taken by a pending write of this clone; with whether it is a
/// takeover of an expired lease.
fn pick<'a>(
    ctx: &Context,
    state: &'a ClaimsState,
    judge: &Judge,
    wanted: Option<&TaskId>,
    specialty: Option<&str>,
    taken_here: &[TaskId],
) -> Result<(&'a Task, bool), Error> {
    if let Some(id) = wanted {
        if taken_here.contains(id) {
            return Err(Error::refused(
                format!("{id} was taken by a write still pending in this clone"),
                Next::Sync,
            ));
        }
        let t = find(state, id)?;
        let takeover =
            takeable(ctx, state, judge, t).map_err(|r| Error::refused(format!("cannot claim {id}: {r}"), None))?;
        return Ok((t, takeover));
    }
    let (ok, skipped) = ranked(ctx, state, judge, specialty);
    if let Some(&(t, takeover)) = ok.iter().find(|(t, _)| !taken_here.contains(&t.id)) {
        return Ok((t, takeover));
    }
    let why = skipped
        .iter()
        .map(|s| format!("{}: {}", s.task, s.reason))
        .collect::<Vec<_>>()
        .join("; ");
    Err(Error::refused(
        format!(
            "{NO_TASK}{}",
            specialty.map(|s| format!(" for specialty {s}")).unwrap_or_default()
        ),
        (!why.is_empty()).then_some(format!("skipped: {why}")),
    ))
}

/// Exclusive claims of the task's scopes for this agent, for `ttl`.
fn task_claims(ctx: &Context, task: &Task, ids: &[ClaimId], ttl: Span, branch: &Option<String>) -> Vec<Claim> {
    let now = ctx.now();
    task.scopes
        .iter()
        .zip(ids)
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
            trust: None,
        })
        .collect()
}

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
    // The board keeps only a hash of the token: it is the holder's secret.
    let stored = token_hash(&token);
    crate::store::tokens::remember(ctx.store.common_dir(), &stored, &token);
    let ids: Vec<ClaimId> = (0..64).map(|_| ClaimId::from_bits(ctx.random() as u32)).collect();
    let branch = ctx.store.branch();
    // Tasks this clone took in a write left for `sync` (one still in flight is on the stage,
    // where the plan sees it): never handed out a second time from here.
    let taken_here: Vec<TaskId> = ctx
        .pending
        .list_left()?
        .into_iter()
        .filter_map(|p| match p.op {
            Op::Task { task, .. } if task.status == TaskStatus::Claimed => Some(task.id),
            _ => None,
        })
        .collect();
    // Our lease token on the board means this take already landed (in an attempt whose
    // outcome we missed): report it rather than take another task.
    let mine = |state: &ClaimsState| {
        state
            .tasks
            .values()
            .find(|t| {
                t.lease
                    .as_ref()
                    .is_some_and(|l| l.token == stored && l.agent == ctx.agent)
            })
            .cloned()
    };
    write_unless(ctx, expected, mine, |state| {
        let (t, takeover) = pick(ctx, state, &judge, wanted.as_ref(), specialty, &taken_here)?;
        let now = ctx.now();
        let mut task = t.clone();
        let release: Vec<ClaimId> = live_claims(&task, state);
        let grant = task_claims(ctx, &task, &ids, ttl, &branch);
        let lease = Lease {
            agent: ctx.agent.clone(),
            token: stored.clone(),
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
    .map(|mut r| {
        // The holder is told the token itself; the board has its hash.
        if let Some(l) = r.lease.as_mut().filter(|l| l.token == stored) {
            l.token = token.clone();
        }
        r
    })
}

/// What the board keeps of a lease token: `h:` and its SHA-1 (the token is 64 random bits,
/// so the hash gives nothing away).
pub(super) fn token_hash(token: &str) -> String {
    let id = gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, token.as_bytes())
        .expect("because hashing bytes in memory cannot fail");
    format!("h:{id}")
}

fn token_ok(t: &Task, token: &str) -> Result<(), Error> {
    match &t.lease {
        // A lease written before tokens were hashed holds the token itself.
        Some(l) if l.token == token_hash(token) || (!l.token.starts_with("h:") && l.token == token) => Ok(()),
        _ => Err(Error::Conflict {
            code: "lease-token-conflict",
            message: format!("the lease token does not match task {}'s current lease", t.id),
            hint: Some(Next::TaskMoved {
                task: t.id.clone(),
                holder: t.lease.as_ref().map(|l| l.agent.clone()),
                status: t.status,
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
        let lease = t.lease.clone().map(|l| Lease {
            token: token.to_owned(),
            ..l
        });
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
                        Next::WriteHandoff { task: id.clone() },
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
