//! `git coord status`

use super::warn;
use crate::front::render::{self, Out};
use crate::front::Exit;
use crate::ops::query::status;
use crate::ops::{Context, Error};

/// Show active claims, the queue, tasks, handoffs and pending operations at a glance
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Answer from the local copy without fetching first
    #[arg(long)]
    no_fetch: bool,
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let r = status(ctx, !a.no_fetch)?;
    super::notices(&r.notices);
    if let Some(e) = &r.fetch_error {
        warn(&format!(
            "warning: could not refresh from the remote ({e}); showing the local copy"
        ));
    }
    if out.json {
        out.json(&r);
        // The process ends next: freeing 10,000 claims one by one would cost ~5 ms.
        std::mem::forget(r);
        return Ok(Exit::Ok);
    }
    let now = ctx.now();
    let rev = r
        .revision
        .as_deref()
        .map(|s| &s[..12.min(s.len())])
        .unwrap_or("none yet");
    out.page(ctx.store.config_string("core.pager"));
    out.line(format!(
        "agent {} · remote {} · board {rev}",
        r.agent,
        r.remote.as_deref().unwrap_or("none (local arbiter)")
    ));
    let mine = r.claims.iter().filter(|c| c.agent.as_str() == r.agent).count();
    out.line(format!("claims ({}; {mine} yours, marked *)", r.claims.len()));
    let claims: Vec<&crate::model::Claim> = r.claims.iter().collect();
    if !claims.is_empty() {
        out.table(render::claims_table(&claims, now, Some(&r.agent)));
    }
    for c in &r.claims {
        for n in &c.narrowed {
            out.line(format!(
                "      narrowed: except {}::{} held by {} ({})",
                c.scope, n.symbol, n.by, n.claim
            ));
        }
    }
    if !r.queue.is_empty() {
        out.line(format!("queue ({}, served in this order)", r.queue.len()));
        out.table(queue_table(&r.queue, now));
    }
    let t = &r.tasks;
    if t.open + t.claimed + t.review > 0 || r.handoffs > 0 {
        out.line(format!(
            "tasks: {} open, {} claimed, {} in review{} · handoffs waiting: {}",
            t.open,
            t.claimed,
            t.review,
            if t.mine.is_empty() {
                String::new()
            } else {
                format!(
                    " (yours: {})",
                    t.mine.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
                )
            },
            r.handoffs
        ));
    }
    if !r.pending.is_empty() {
        out.line(format!("pending ({}) — run `git coord sync`", r.pending.len()));
        for p in &r.pending {
            out.line(format!("  {:<8} {}  recorded {}", p.op, p.subject(), p.recorded_at));
        }
    }
    Ok(Exit::Ok)
}

/// The waiters, in the order they are served.
fn queue_table(queue: &[crate::model::Waiter], now: crate::model::Timestamp) -> Vec<String> {
    let rows = queue
        .iter()
        .map(|w| {
            let scopes: Vec<String> = w.claims.iter().map(|c| c.scope.to_string()).collect();
            vec![
                w.id().to_string(),
                w.agent.to_string(),
                scopes.join(", "),
                format!("{:?}", w.urgency).to_lowercase(),
                format!("gives up {}", render::relative(now, w.deadline)),
            ]
        })
        .collect();
    render::columns(&["WAITER", "AGENT", "SCOPES", "URGENCY", "DEADLINE"], rows)
        .into_iter()
        .map(|l| format!("  {l}"))
        .collect()
}
