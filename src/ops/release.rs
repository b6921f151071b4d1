//! `release` and `renew`: change the agent's own claims (another agent's only with
//! `--force`, which the commit records).

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use super::report::Delivery;
use super::txn::{transact, Plan};
use crate::model::{Claim, ClaimId, ClaimsState, Op, OpId, Refresh, Scope, Span};
use crate::ops::Next;

#[derive(Debug, Clone, Default)]
pub struct ReleaseRequest {
    pub ids: Vec<String>,
    pub scopes: Vec<String>,
    pub all: bool,
    pub force: bool,
    /// Why another agent's claim is taken (recorded, and told to the holder).
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ReleaseReport {
    pub released: Vec<Claim>,
    /// Claims that were only pending in this clone (never confirmed): cancelled here, with
    /// no push. They are also listed in `released`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cancelled: Vec<ClaimId>,
    pub forced: bool,
    /// How the write reached the arbiter (flattened: `synced`, `pending`, `error`, `reason`).
    #[serde(flatten)]
    pub delivery: Delivery,
}

pub fn release(ctx: &Context, req: &ReleaseRequest) -> Result<ReleaseReport, Error> {
    if req.ids.is_empty() && req.scopes.is_empty() && !req.all {
        return Err(Error::usage("name the claims to release", Next::NameClaims));
    }
    if let Some(r) = &req.reason {
        crate::model::text::limits::check("--reason", r, crate::model::text::limits::NOTE)
            .map_err(|e| Error::usage(e, None))?;
    }
    let ids: Vec<ClaimId> = req
        .ids
        .iter()
        .map(|i| ClaimId::new(i.trim()))
        .collect::<Result<_, _>>()?;
    let scopes: Vec<Scope> = req
        .scopes
        .iter()
        .map(|s| Scope::parse(s, &ctx.policy.namespaces))
        .collect::<Result<_, _>>()?;
    // A claim still pending in this clone is cancelled here; if an earlier run did reach the
    // remote after all, the board copy is released below like any other.
    let cancelled = cancel_pending(ctx, &ids, &scopes, req.all)?;
    let cancelled_ids: Vec<ClaimId> = cancelled.iter().map(|c| c.id.clone()).collect();
    let board_ids: Vec<ClaimId> = ids.iter().filter(|i| !cancelled_ids.contains(i)).cloned().collect();
    let board_scopes: Vec<Scope> = scopes
        .iter()
        .filter(|s| !cancelled.iter().any(|c| &&c.scope == s))
        .cloned()
        .collect();
    let op_id = OpId::from_bits(ctx.random());
    let outcome = transact(ctx, |state| {
        let mut targets = select(ctx, state, &board_ids, &board_scopes, req.all, req.force)?;
        for id in &cancelled_ids {
            if let Some(c) = state.claims.get(id).filter(|c| !targets.iter().any(|t| t.id == c.id)) {
                targets.push(c.clone());
            }
        }
        let foreign: Vec<&Claim> = targets.iter().filter(|c| c.agent != ctx.agent).collect();
        if !foreign.is_empty() && !req.force {
            let c = foreign[0];
            return Err(Error::refused(
                format!("{} ({}) is held by {}, not by {}", c.id, c.scope, c.agent, ctx.agent),
                Next::ForceRelease {
                    holder: c.agent.clone(),
                },
            ));
        }
        if targets.is_empty() {
            return Ok(Plan::Done(Vec::new()));
        }
        let mut holders: Vec<crate::model::AgentId> = foreign.iter().map(|c| c.agent.clone()).collect();
        holders.sort();
        holders.dedup();
        let op = Op::Release {
            id: op_id.clone(),
            agent: ctx.agent.clone(),
            claims: targets.iter().map(|c| c.id.clone()).collect(),
            force: !foreign.is_empty(),
            holders,
            reason: req.reason.clone().filter(|_| !foreign.is_empty()),
        };
        Ok(Plan::Write(op, targets))
    })?;
    let forced = outcome.result.iter().any(|c| c.agent != ctx.agent);
    let delivery = Delivery::of(&outcome);
    let mut released = outcome.result;
    let extra: Vec<Claim> = cancelled
        .into_iter()
        .filter(|c| !released.iter().any(|r| r.id == c.id))
        .collect();
    released.extend(extra);
    Ok(ReleaseReport {
        released,
        cancelled: cancelled_ids,
        forced,
        delivery,
    })
}

/// Take this agent's selected claims out of its pending (unconfirmed) claim operations;
/// returns the claims taken out.
fn cancel_pending(ctx: &Context, ids: &[ClaimId], scopes: &[Scope], all: bool) -> Result<Vec<Claim>, Error> {
    rewrite_pending(
        ctx,
        |c| all || ids.contains(&c.id) || scopes.contains(&c.scope),
        |_| None,
    )
}

/// Apply `change` to this agent's pending (unconfirmed) new claims that `pick` selects
/// (`None` removes the claim); an operation left with nothing to do is deleted. Returns the
/// selected claims as they are after the change (as they were, for removed ones).
fn rewrite_pending(
    ctx: &Context,
    pick: impl Fn(&Claim) -> bool,
    change: impl Fn(Claim) -> Option<Claim>,
) -> Result<Vec<Claim>, Error> {
    let mut out = Vec::new();
    for p in ctx.pending.list()? {
        let Op::Claim {
            id,
            agent,
            new,
            refresh,
            narrow,
        } = &p.op
        else {
            continue;
        };
        if agent != &ctx.agent || !new.iter().any(&pick) {
            continue;
        }
        let mut keep = Vec::new();
        for c in new {
            if !pick(c) {
                keep.push(c.clone());
                continue;
            }
            match change(c.clone()) {
                Some(changed) => {
                    out.push(changed.clone());
                    keep.push(changed);
                }
                None => out.push(c.clone()),
            }
        }
        if keep.is_empty() && refresh.is_empty() {
            ctx.pending.remove(&p.path)?;
        } else {
            let op = Op::Claim {
                id: id.clone(),
                agent: agent.clone(),
                new: keep,
                refresh: refresh.clone(),
                narrow: narrow.clone(),
            };
            ctx.pending.save(&op, p.recorded_at, Some(&p.path))?;
        }
    }
    Ok(out)
}

fn select(
    ctx: &Context,
    state: &ClaimsState,
    ids: &[ClaimId],
    scopes: &[Scope],
    all: bool,
    force: bool,
) -> Result<Vec<Claim>, Error> {
    let mut out: Vec<Claim> = Vec::new();
    let mut push = |c: &Claim| {
        if !out.iter().any(|o| o.id == c.id) {
            out.push(c.clone());
        }
    };
    for id in ids {
        match state.claims.get(id) {
            Some(c) => push(c),
            None => {
                return Err(Error::not_found(
                    format!("no claim {id} on the board"),
                    Next::ListClaims {
                        why: Some("it may have been released or expired".into()),
                    },
                ))
            }
        }
    }
    for s in scopes {
        let matches: Vec<&Claim> = state
            .claims
            .values()
            .filter(|c| &c.scope == s && (c.agent == ctx.agent || force))
            .collect();
        if matches.is_empty() {
            return Err(Error::refused(
                format!("{} holds no claim on {s}", ctx.agent),
                Next::ListClaims { why: None },
            ));
        }
        matches.into_iter().for_each(&mut push);
    }
    if all {
        state
            .claims
            .values()
            .filter(|c| c.agent == ctx.agent)
            .for_each(&mut push);
    }
    Ok(out)
}

#[derive(Debug, Clone, Default)]
pub struct RenewRequest {
    pub ids: Vec<String>,
    pub all: bool,
    pub ttl: Option<Span>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RenewReport {
    pub renewed: Vec<Claim>,
    /// How the write reached the arbiter (flattened: `synced`, `pending`, `error`, `reason`).
    #[serde(flatten)]
    pub delivery: Delivery,
}

pub fn renew(ctx: &Context, req: &RenewRequest) -> Result<RenewReport, Error> {
    if req.ids.is_empty() && !req.all {
        return Err(Error::usage(
            "name the claims to renew",
            Some("give claim ids or --all".to_string()),
        ));
    }
    let ids: Vec<ClaimId> = req
        .ids
        .iter()
        .map(|i| ClaimId::new(i.trim()))
        .collect::<Result<_, _>>()?;
    let ttl = req.ttl.unwrap_or(ctx.policy.default_ttl);
    if ttl.0 == 0 {
        return Err(Error::usage("the ttl must be longer than 0s", None));
    }
    // Pending claims are renewed where they wait, in this clone.
    let until = ctx.now().plus(ttl);
    let renewed_here = rewrite_pending(
        ctx,
        |c| req.all || ids.contains(&c.id),
        |mut c| {
            c.expires_at = until;
            Some(c)
        },
    )?;
    let op_id = OpId::from_bits(ctx.random());
    let outcome = transact(ctx, |state| {
        let now = ctx.now();
        let mut targets: Vec<Claim> = Vec::new();
        for id in &ids {
            if renewed_here.iter().any(|c| &c.id == id) && !state.claims.contains_key(id) {
                continue;
            }
            targets.push(own_live_claim(ctx, state, id)?.clone());
        }
        if req.all {
            targets.extend(
                state
                    .active(now, ctx.skew())
                    .filter(|c| c.agent == ctx.agent && !ids.contains(&c.id))
                    .cloned(),
            );
        }
        if targets.is_empty() {
            return Ok(Plan::Done(Vec::new()));
        }
        let until = now.plus(ttl);
        let refresh = targets
            .iter()
            .map(|c| Refresh {
                claim: c.id.clone(),
                expires_at: until,
                note: None,
            })
            .collect();
        for c in &mut targets {
            c.expires_at = until;
        }
        Ok(Plan::Write(
            Op::Renew {
                id: op_id.clone(),
                agent: ctx.agent.clone(),
                refresh,
            },
            targets,
        ))
    })?;
    let delivery = Delivery::of(&outcome);
    let mut renewed = outcome.result;
    let extra: Vec<Claim> = renewed_here
        .into_iter()
        .filter(|c| !renewed.iter().any(|r| r.id == c.id))
        .collect();
    renewed.extend(extra);
    Ok(RenewReport { renewed, delivery })
}

/// `id` on the board, held by this agent and not expired: what `renew` may extend.
fn own_live_claim<'a>(ctx: &Context, state: &'a ClaimsState, id: &ClaimId) -> Result<&'a Claim, Error> {
    let Some(c) = state.claims.get(id) else {
        return Err(Error::not_found(
            format!("no claim {id} on the board"),
            Some("claim the scope again".to_string()),
        ));
    };
    if c.agent != ctx.agent {
        return Err(Error::refused(
            format!("{id} ({}) is held by {}, not by {}", c.scope, c.agent, ctx.agent),
            None,
        ));
    }
    if !c.is_active(ctx.now(), ctx.skew()) {
        return Err(Error::refused(
            format!("{id} ({}) expired at {}", c.scope, c.expires_at),
            Some("claim the scope again: someone else may hold it now".to_string()),
        ));
    }
    Ok(c)
}
