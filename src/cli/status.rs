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
        return Ok(Exit::Ok);
    }
    let now = ctx.now();
    let rev = r
        .revision
        .as_deref()
        .map(|s| &s[..12.min(s.len())])
        .unwrap_or("none yet");
    out.line(format!(
        "agent {} · remote {} · board {rev}",
        r.agent,
        r.remote.as_deref().unwrap_or("none (local arbiter)")
    ));
    out.line(format!("claims ({})", r.claims.len()));
    for c in &r.claims {
        let me = if c.agent.as_str() == r.agent { "*" } else { " " };
        out.line(format!(" {me}{}", render::claim_line(c, now)));
        for n in &c.narrowed {
            out.line(format!(
                "      narrowed: except {}::{} held by {} ({})",
                c.scope, n.symbol, n.by, n.claim
            ));
        }
    }
    if !r.queue.is_empty() {
        out.line(format!("queue ({})", r.queue.len()));
        for w in &r.queue {
            let scopes: Vec<String> = w.claims.iter().map(|c| c.scope.to_string()).collect();
            out.line(
                format!(
                    "  {}  {:<20} {}  {:?}  gives up {}",
                    w.id(),
                    w.agent.as_str(),
                    scopes.join(", "),
                    w.urgency,
                    render::relative(now, w.deadline)
                )
                .to_lowercase(),
            );
        }
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
            out.line(format!("  {} {} {}", p.op, p.claims.join(" "), p.recorded_at));
        }
    }
    Ok(Exit::Ok)
}
