//! `git coord log`

use std::time::Duration;

use crate::front::render::Out;
use crate::front::Exit;
use crate::model::time::parse_when;
use crate::ops::log::{log, Event};
use crate::ops::txn::view;
use crate::ops::{Context, Error};

/// Show the history of coordination events, newest first (--follow: oldest first, then new ones)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only events since WHEN (RFC 3339, or a duration back from now like 2h)
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    /// At most N events
    #[arg(long, value_name = "N", default_value_t = 50)]
    limit: usize,
    /// Keep printing new events as they arrive (fetching every 2s)
    #[arg(long)]
    follow: bool,
}

fn line(e: &Event) -> String {
    format!("{}  {}  {:<8} {}", &e.commit[..10], e.time, e.op, e.subject)
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let since = a.since.as_deref().map(|s| parse_when(s, ctx.now())).transpose()?;
    if a.follow && out.json {
        return Err(Error::usage("--follow prints a stream: use it without --json", None));
    }
    let _ = view(ctx, true)?;
    let report = log(ctx, since, a.limit, None)?;
    if out.json {
        out.json(&report);
        return Ok(Exit::Ok);
    }
    if !a.follow {
        // Newest first, as `git log` and `--json`.
        out.page(ctx.store.config_string("core.pager"));
        for e in &report.events {
            out.line(line(e));
        }
        for a in &report.archived_elsewhere {
            out.line(format!(
                "older history is archived at {a} on the remote: `git fetch {} '{}*:{}*'` brings it",
                ctx.remote.as_ref().map_or("origin", |r| r.name.as_str()),
                crate::ops::compact::ARCHIVE,
                crate::ops::compact::ARCHIVE
            ));
        }
        return Ok(Exit::Ok);
    }
    // A stream reads top to bottom: oldest first, then new events as they come.
    for e in report.events.iter().rev() {
        out.line(line(e));
    }
    let mut last = report.events.first().map(|e| e.commit.clone());
    loop {
        out.flush();
        std::thread::sleep(Duration::from_secs(2));
        let _ = view(ctx, true)?;
        let fresh = log(ctx, None, 1000, last.as_deref())?;
        for e in fresh.events.iter().rev() {
            out.line(line(e));
        }
        if let Some(e) = fresh.events.first() {
            last = Some(e.commit.clone());
        }
    }
}
