//! Review: take a task in review, approve, reject (back to its worker) or cancel. The
//! transitions themselves are the model's (`Task::decide`).

use super::super::context::Context;
use super::super::error::Error;
use super::{event, find, live_claims, parse_id, write, TaskWriteReport};
use crate::model::{Task, TaskStatus, Verdict};

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
    if let Verdict::Reject(r) | Verdict::Cancel(Some(r)) = verdict {
        use crate::model::text::limits;
        limits::check("the reason", r, limits::NOTE).map_err(|m| Error::usage(m, None))?;
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
