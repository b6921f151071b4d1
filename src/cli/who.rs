//! `git coord who`

use super::warn;
use crate::front::render::{self, Out};
use crate::front::Exit;
use crate::ops::query::who;
use crate::ops::{Context, Error};

/// List the active claims that cover a path or scope
#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(value_name = "PATH-OR-SCOPE")]
    target: String,
    /// Answer from the local copy without fetching first
    #[arg(long)]
    no_fetch: bool,
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let report = who(ctx, &a.target, !a.no_fetch)?;
    if let Some(e) = &report.fetch_error {
        warn(&format!(
            "warning: could not refresh from the remote ({e}); answering from the local copy"
        ));
    }
    if out.json {
        out.json(&report);
        return Ok(Exit::Ok);
    }
    if report.claims.is_empty() {
        out.line(format!("nobody holds {}", report.target));
    }
    if !report.claims.is_empty() {
        out.page(ctx.store.config_string("core.pager"));
        let claims: Vec<&crate::model::Claim> = report.claims.iter().collect();
        out.table(render::claims_table(&claims, ctx.now(), None));
    }
    Ok(Exit::Ok)
}
