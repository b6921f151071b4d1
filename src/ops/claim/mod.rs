//! `claim`: take scopes, all or nothing; refresh what the agent already holds; optionally
//! queue and wait for blockers to let go.

use std::time::Duration;

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use super::report::{suggestion, ConflictReport};
use super::scopes::{resolve, Purpose};
use super::txn::{transact, Plan};
use crate::engine::conflict::Judge;
use crate::model::{Claim, ClaimId, ClaimsState, Mode, Narrow, Narrowing, Op, OpId, Refresh, Scope, Span, Urgency};
use crate::ops::Next;

mod wait;
use wait::wait;

/// A validated claim request.
#[derive(Debug, Clone, Default)]
pub struct ClaimRequest {
    pub scopes: Vec<String>,
    pub shared: bool,
    pub new: bool,
    pub ttl: Option<Span>,
    pub wait: Option<Span>,
    pub urgency: Urgency,
    pub note: Option<String>,
    pub task: Option<String>,
    /// A whole-file claim others may narrow by claiming symbols inside it.
    pub narrowable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Granted,
    Refreshed,
    Coexist,
    Narrowed,
    Queued,
    Conflict,
}

impl Decision {
    /// The name used in JSON and in answers.
    pub fn name(self) -> &'static str {
        match self {
            Decision::Granted => "granted",
            Decision::Refreshed => "refreshed",
            Decision::Coexist => "coexist",
            Decision::Narrowed => "narrowed",
            Decision::Queued => "queued",
            Decision::Conflict => "conflict",
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ClaimReport {
    pub decision: Decision,
    pub claims: Vec<Claim>,
    pub conflicts: Vec<ConflictReport>,
    pub synced: bool,
    pub pending: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// How long the claim waited in the queue, when `--wait` was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waited: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// With `pending`: `unreachable` or `timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// Things this agent is told once (its claims that others narrowed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

/// A plain path (no wildcard) must name a tracked file or directory, or something in the
/// work tree, unless the claim says it is new — as a symbol must exist.
fn path_exists(ctx: &Context, judge: &Judge, tracked: &[String], g: &str) -> Result<(), Error> {
    if crate::model::scope::has_glob_meta(g) || g.ends_with("**") || judge.is_tracked(g) || judge.is_tracked_dir(g) {
        return Ok(());
    }
    if ctx.store.workdir().is_some_and(|w| w.join(g).exists()) {
        return Ok(());
    }
    let name = g.rsplit('/').next().unwrap_or(g);
    let dir = g.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut close: Vec<(usize, &String)> = tracked
        .iter()
        .filter(|t| t.rsplit_once('/').map(|(d, _)| d).unwrap_or("") == dir || t.rsplit('/').next() == Some(name))
        .map(|t| (crate::model::text::edit_distance(t, g), t))
        .filter(|(d, _)| *d <= (name.chars().count() / 3).max(2))
        .collect();
    close.sort();
    Err(Error::usage(
        format!("no file or directory '{g}' in the repository"),
        Next::PickPath {
            close: close.into_iter().take(3).map(|(_, t)| t.clone()).collect(),
        },
    ))
}

fn within_limits(req: &ClaimRequest) -> Result<(), Error> {
    use crate::model::text::limits;
    if req.scopes.len() > limits::SCOPES {
        return Err(Error::usage(
            format!(
                "{} scopes in one claim; at most {} are taken (claim a directory or glob, or split the call)",
                req.scopes.len(),
                limits::SCOPES
            ),
            None,
        ));
    }
    if let Some(n) = &req.note {
        limits::check("the note", n, limits::NOTE).map_err(|m| Error::usage(m, None))?;
    }
    Ok(())
}

/// Progress while waiting, for the front end to show.
pub trait WaitObserver {
    fn queued(&mut self, report: &ClaimReport, deadline: crate::model::Timestamp);
    /// Each poll while waiting: this request's place in the queue (1 = next), how many wait,
    /// who holds what it wants, and how long it has waited.
    fn waiting(&mut self, _place: usize, _waiting: usize, _holders: &[String], _waited: Duration) {}
    /// The caller gave up waiting (an MCP cancellation, Ctrl-C): leave the queue now.
    fn cancelled(&self) -> bool {
        false
    }
}

pub fn claim(ctx: &Context, req: &ClaimRequest, observer: &mut dyn WaitObserver) -> Result<ClaimReport, Error> {
    within_limits(req)?;
    let tracked = ctx.store.tracked_files()?;
    let judge = Judge::new(&tracked, &ctx.policy.shared_files)?;
    let scopes = resolve(ctx, &req.scopes, &judge, tracked.len(), Purpose::Claim)?;
    if req.narrowable
        && !scopes
            .iter()
            .all(|s| matches!(s, Scope::Glob(g) if !crate::model::scope::has_glob_meta(g) && !g.ends_with("**")))
    {
        return Err(Error::usage(
            "a narrowable claim must be a whole file (a path, not a glob, symbol or key)",
            None,
        ));
    }
    for s in &scopes {
        match s {
            Scope::Symbol(sym) => super::symbols::validate(ctx, sym, req.new)?,
            Scope::Glob(g) if !req.new => path_exists(ctx, &judge, &tracked, g)?,
            _ => {}
        }
    }
    let ttl = req.ttl.unwrap_or(ctx.policy.default_ttl);
    if ttl.0 == 0 {
        return Err(Error::usage("the ttl must be longer than 0s", None));
    }
    let mode = if req.shared { Mode::Shared } else { Mode::Exclusive };
    let ids: Vec<ClaimId> = scopes.iter().map(|_| ClaimId::from_bits(ctx.random() as u32)).collect();
    let op_id = OpId::from_bits(ctx.random());
    let branch = ctx.store.branch();
    let build = |state: &ClaimsState| -> Plan<ClaimReport> {
        plan(
            ctx,
            state,
            &judge,
            &scopes,
            &ids,
            &op_id,
            mode,
            ttl,
            req,
            branch.clone(),
        )
    };
    // Notices are computed on every attempt but marked as told only once the write is over
    // (a lost race re-runs this closure).
    let mut notes = super::notices::Notices::default();
    let outcome = transact(ctx, |s| {
        notes = super::notices::collect(ctx, s);
        Ok(build(s))
    })?;
    let mut report = outcome.result;
    let mut told = notes.mark(ctx);
    told.append(&mut report.notices);
    report.notices = told;
    report.synced = outcome.synced;
    report.pending = outcome.pending;
    report.reason = outcome.remote_error.as_deref().map(super::error::pending_reason);
    report.error = outcome.remote_error;
    if report.decision != Decision::Conflict || req.wait.is_none() {
        return Ok(report);
    }
    wait(ctx, req, &judge, report, ids, mode, ttl, branch, observer)
}

#[allow(clippy::too_many_arguments)]
fn plan(
    ctx: &Context,
    state: &ClaimsState,
    judge: &Judge,
    scopes: &[Scope],
    ids: &[ClaimId],
    op_id: &OpId,
    mode: Mode,
    ttl: Span,
    req: &ClaimRequest,
    branch: Option<String>,
) -> Plan<ClaimReport> {
    let now = ctx.now();
    let active: Vec<&Claim> = state.active(ctx.expiry_now(), ctx.skew()).collect();
    let conflicts: Vec<ConflictReport> = judge
        .conflicts(&ctx.agent, scopes, mode, active.iter().copied())
        .into_iter()
        .map(ConflictReport::from)
        .collect();
    // Under [trust] require, unsigned and forged claims block nobody (and are reported).
    let (conflicts, discounted) = super::trust::sift(ctx, conflicts);
    let narrow = match narrowings(ctx, scopes, ids, &conflicts) {
        Some(narrow) => narrow,
        None => {
            let mut r = ClaimReport::new(Decision::Conflict, Vec::new());
            r.suggestion = suggestion(&conflicts, now);
            r.conflicts = conflicts;
            return Plan::Refused(r);
        }
    };
    let mut new = Vec::new();
    let mut refresh = Vec::new();
    let mut shown = Vec::new();
    for (scope, id) in scopes.iter().zip(ids) {
        let mine = active
            .iter()
            .find(|c| c.agent == ctx.agent && &c.scope == scope && c.mode == mode);
        match mine {
            Some(c) => {
                refresh.push(Refresh {
                    claim: c.id.clone(),
                    expires_at: now.plus(ttl),
                    note: req.note.clone(),
                });
                let mut shown_claim = (*c).clone();
                shown_claim.expires_at = now.plus(ttl);
                if req.note.is_some() {
                    shown_claim.note = req.note.clone();
                }
                shown.push(shown_claim);
            }
            None => {
                let c = new_claim(ctx, req, id, scope, mode, now, ttl, &branch);
                shown.push(c.clone());
                new.push(c);
            }
        }
    }
    let decision = decision(ctx, &active, &new, &narrow);
    let op = Op::Claim {
        id: op_id.clone(),
        agent: ctx.agent.clone(),
        new,
        refresh,
        narrow,
    };
    let mut report = ClaimReport::new(decision, shown);
    report.notices = discounted;
    Plan::Write(op, report)
}

/// What the conflicts leave of the request: nothing when there are none; the symbols to
/// carve out when every conflict is a narrowable whole-file claim on a requested symbol's
/// file; `None` (refused) otherwise.
fn narrowings(ctx: &Context, scopes: &[Scope], ids: &[ClaimId], conflicts: &[ConflictReport]) -> Option<Vec<Narrow>> {
    let mut narrow = Vec::new();
    for c in conflicts {
        let pos = scopes.iter().position(|s| s.to_string() == c.requested)?;
        let Scope::Symbol(sym) = &scopes[pos] else { return None };
        if !(c.claim.narrowable && c.claim.scope == Scope::Glob(sym.file.clone())) {
            return None;
        }
        narrow.push(Narrow {
            claim: c.claim.id.clone(),
            narrowing: Narrowing {
                symbol: sym.path.join("::"),
                by: ctx.agent.clone(),
                claim: ids[pos].clone(),
                at: ctx.now(),
            },
        });
    }
    Some(narrow)
}

/// The decision a write of `new` claims (with `narrow` carve-outs) reports.
fn decision(ctx: &Context, active: &[&Claim], new: &[Claim], narrow: &[Narrow]) -> Decision {
    let coexist = new.iter().any(|c| match &c.scope {
        Scope::Symbol(s) => active
            .iter()
            .any(|o| o.agent != ctx.agent && o.scope.file() == Some(s.file.as_str())),
        _ => false,
    });
    if new.is_empty() {
        Decision::Refreshed
    } else if !narrow.is_empty() {
        Decision::Narrowed
    } else if coexist {
        Decision::Coexist
    } else {
        Decision::Granted
    }
}

impl ClaimReport {
    /// A report of `decision` on `claims`, before the write's delivery is known.
    pub fn new(decision: Decision, claims: Vec<Claim>) -> ClaimReport {
        ClaimReport {
            decision,
            claims,
            conflicts: Vec::new(),
            synced: false,
            pending: false,
            suggestion: None,
            waited: None,
            error: None,
            reason: None,
            notices: Vec::new(),
        }
    }
}

/// A claim of `scope` by this agent from `now` for `ttl`, as the request describes it.
#[allow(clippy::too_many_arguments)]
fn new_claim(
    ctx: &Context,
    req: &ClaimRequest,
    id: &ClaimId,
    scope: &Scope,
    mode: Mode,
    now: crate::model::Timestamp,
    ttl: Span,
    branch: &Option<String>,
) -> Claim {
    Claim {
        id: id.clone(),
        agent: ctx.agent.clone(),
        scope: scope.clone(),
        mode,
        created_at: now,
        expires_at: now.plus(ttl),
        note: req.note.clone(),
        task: req.task.clone(),
        branch: branch.clone(),
        urgency: req.urgency,
        host: ctx.host.clone(),
        narrowable: req.narrowable,
        narrowed: Vec::new(),
        trust: None,
    }
}

fn granted(state: &ClaimsState, ids: &[ClaimId], waited: Duration) -> Option<ClaimReport> {
    let claims: Vec<Claim> = ids.iter().filter_map(|id| state.claims.get(id).cloned()).collect();
    (claims.len() == ids.len()).then(|| {
        let mut r = ClaimReport::new(Decision::Granted, claims);
        r.synced = true;
        r.waited = Some(Span(waited.as_secs() as i64).human());
        r
    })
}
