//! `git coord release`

use crate::front::render::Out;
use crate::front::Exit;
use crate::ops::release::{release, ReleaseRequest};
use crate::ops::{Context, Error};

/// Release your claims (another agent's only with --force, which is recorded)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Claim ids (c-1a2b3c4d), as shown by `git coord status`
    #[arg(value_name = "CLAIM-ID")]
    ids: Vec<String>,
    /// Release your claims on exactly this scope
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// Release all your claims
    #[arg(long)]
    all: bool,
    /// Release claims held by another agent (recorded in the history)
    #[arg(long)]
    force: bool,
    /// With --force: why (recorded in the history and told to the holder)
    #[arg(long, value_name = "TEXT", requires = "force")]
    reason: Option<String>,
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let req = ReleaseRequest {
        ids: a.ids.clone(),
        scopes: a.scopes.clone(),
        all: a.all,
        force: a.force,
        reason: a.reason.clone(),
    };
    let report = release(ctx, &req)?;
    let exit = super::pending_exit(ctx, report.delivery.pending, Exit::Ok);
    if out.json {
        out.json(&report);
        return Ok(exit);
    }
    if report.released.is_empty() {
        out.line(format!("nothing to release: {} holds no claims", ctx.agent));
    } else {
        out.line(format!(
            "released {} claim(s){}",
            report.released.len(),
            if report.forced { " (forced, recorded)" } else { "" }
        ));
        for c in &report.released {
            let how = if report.cancelled.contains(&c.id) {
                "  (was pending: cancelled here, never sent)"
            } else {
                ""
            };
            out.line(format!("  {}  {:<20} {}{how}", c.id, c.agent.as_str(), c.scope));
        }
    }
    if report.delivery.pending {
        super::pending_warning(ctx, report.delivery.error.as_deref());
    }
    Ok(exit)
}
