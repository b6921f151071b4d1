//! `git coord sync`

use crate::front::render::Out;
use crate::front::Exit;
use crate::ops::sync::sync;
use crate::ops::{Context, Error};

/// Fetch, replay pending operations, push; report what was confirmed and what conflicted
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(ctx: &Context, _a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let r = sync(ctx)?;
    let exit = if r.conflicted.is_empty() {
        Exit::Ok
    } else {
        Exit::Refused
    };
    if out.json {
        out.json(&r);
        return Ok(exit);
    }
    let Some(remote) = &r.remote else {
        out.line("no remote: the local repository is the arbiter, nothing to sync");
        return Ok(exit);
    };
    out.line(format!(
        "synced with {remote}: {} confirmed, {} already there, {} conflicted",
        r.confirmed.len(),
        r.already.len(),
        r.conflicted.len()
    ));
    for c in &r.confirmed {
        out.line(format!("  confirmed  {} {}", c.op.op, c.op.subject()));
    }
    for c in &r.already {
        out.line(format!("  already    {} {}", c.op.op, c.op.subject()));
    }
    for c in &r.conflicted {
        out.line(format!(
            "  CONFLICT   {} {}: {}",
            c.op.op,
            c.op.subject(),
            c.reason.as_deref().unwrap_or("")
        ));
        for x in &c.conflicts {
            out.line(format!(
                "             {} is held by {} ({})",
                x.requested, x.claim.agent, x.claim.id
            ));
        }
    }
    if !r.conflicted.is_empty() {
        out.line(
            "hint: the conflicted operations were dropped; claim again (perhaps with --wait) once the holders are done",
        );
    }
    Ok(exit)
}
