//! `git coord board`: the whole board at a glance, or as one self-contained HTML page.

use std::path::PathBuf;

use super::board_html::page;
use crate::front::render::Out;
use crate::front::Exit;
use crate::ops::board::board;
use crate::ops::{Context, Error};

/// The whole board: claims by area, tasks by state, handoffs, agents, history; --html writes it as one page
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Write a self-contained HTML page (no network needed to view it) to FILE (- for stdout)
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// How many history events to include
    #[arg(long, value_name = "N", default_value_t = 50)]
    history: usize,
    /// Answer from the local copy without fetching first
    #[arg(long)]
    no_fetch: bool,
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let r = board(ctx, !a.no_fetch, a.history)?;
    if let Some(e) = &r.fetch_error {
        super::warn(&format!(
            "warning: could not refresh from the remote ({e}); showing the local copy"
        ));
    }
    if let Some(path) = &a.html {
        let html = page(&r);
        if path.as_os_str() == "-" {
            out.raw(&html);
        } else {
            std::fs::write(path, &html)
                .map_err(|e| Error::usage(format!("cannot write {}: {e}", path.display()), None))?;
            if out.json {
                out.json(&serde_json::json!({"html": path, "bytes": html.len(), "claims": r.claims.len(), "tasks": r.tasks.len()}));
            } else {
                out.line(format!(
                    "wrote {} ({} KiB): {} claims, {} tasks, {} open handoffs, {} agents",
                    path.display(),
                    html.len().div_ceil(1024),
                    r.claims.len(),
                    r.tasks.len(),
                    r.handoffs.len(),
                    r.agents.len()
                ));
            }
        }
        return Ok(Exit::Ok);
    }
    if out.json {
        out.json(&r);
        return Ok(Exit::Ok);
    }
    out.line(format!(
        "board {}: {} claims, {} tasks, {} open handoffs, {} agents (git coord board --html FILE for the page)",
        r.revision
            .as_deref()
            .map(|s| &s[..12.min(s.len())])
            .unwrap_or("none yet"),
        r.claims.len(),
        r.tasks.len(),
        r.handoffs.len(),
        r.agents.len()
    ));
    Ok(Exit::Ok)
}
