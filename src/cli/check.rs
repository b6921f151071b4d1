//! `git coord check`

use super::warn;
use crate::front::render::{self, Out};
use crate::front::Exit;
use crate::ops::query::check;
use crate::ops::{Context, Error};

/// Would these scopes conflict for me? Exit 0 safe, 1 conflict (writes nothing)
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    s: super::ScopeArgs,
    /// Answer from the local copy without fetching first
    #[arg(long)]
    no_fetch: bool,
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let report = check(ctx, &a.s.scopes, a.s.shared, !a.no_fetch)?;
    super::notices(&report.notices);
    let exit = if report.safe { Exit::Ok } else { Exit::Refused };
    if let Some(e) = &report.fetch_error {
        warn(&format!(
            "warning: could not refresh from the remote ({e}); answering from the local copy"
        ));
    }
    if out.json {
        out.json(&report);
        return Ok(exit);
    }
    let names: Vec<String> = report.scopes.iter().map(ToString::to_string).collect();
    if report.safe && !report.yours.is_empty() {
        let held: Vec<String> = report.yours.iter().map(|c| format!("{} ({})", c.scope, c.id)).collect();
        out.styled(
            crate::front::pager::Style::Good,
            format!(
                "free: {} can claim {} (you already hold {})",
                ctx.agent,
                names.join(", "),
                held.join(", ")
            ),
        );
    } else if report.safe {
        out.styled(
            crate::front::pager::Style::Good,
            format!("free: {} can claim {}", ctx.agent, names.join(", ")),
        );
    } else {
        out.styled(
            crate::front::pager::Style::Bad,
            format!(
                "conflict: {} is held by {}",
                names.join(", "),
                render::holders(&report.conflicts)
            ),
        );
        render::conflicts(out, &report.conflicts, ctx.now());
        if let Some(s) = &report.suggestion {
            out.line(format!("hint: {s}"));
        }
    }
    Ok(exit)
}
