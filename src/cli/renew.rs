//! `git coord renew`

use super::span;
use crate::front::render::{self, Out};
use crate::front::Exit;
use crate::ops::release::{renew, RenewRequest};
use crate::ops::{Context, Error};

/// Extend your claims
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Claim ids to extend
    #[arg(value_name = "CLAIM-ID")]
    ids: Vec<String>,
    /// Extend all your active claims
    #[arg(long)]
    all: bool,
    /// New lease length from now (90s, 15m, 4h, 2d); default from .coord.toml, else 2h
    #[arg(long, value_name = "DUR")]
    ttl: Option<String>,
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let report = renew(
        ctx,
        &RenewRequest {
            ids: a.ids.clone(),
            all: a.all,
            ttl: span("--ttl", &a.ttl)?,
        },
    )?;
    let exit = super::pending_exit(ctx, report.delivery.pending, Exit::Ok);
    if out.json {
        out.json(&report);
        return Ok(exit);
    }
    if report.renewed.is_empty() {
        out.line(format!("nothing to renew: {} holds no active claims", ctx.agent));
    }
    if !report.renewed.is_empty() {
        out.line(format!("renewed {} claim(s)", report.renewed.len()));
        let claims: Vec<&crate::model::Claim> = report.renewed.iter().collect();
        out.table(
            render::claims_table(&claims, ctx.now(), None)
                .into_iter()
                .map(|l| format!("  {l}"))
                .collect(),
        );
    }
    if report.delivery.pending {
        super::pending_warning(ctx, report.delivery.error.as_deref());
    }
    Ok(exit)
}
