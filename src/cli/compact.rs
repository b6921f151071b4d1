//! `git coord compact`

use crate::front::render::Out;
use crate::front::Exit;
use crate::ops::compact::compact;
use crate::ops::{Context, Error};

/// Keep the board cheap to fetch: start each board ref whose history holds at least N
/// commits again at one commit with the same state, its history kept under refs/coord-archive/
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Compact refs whose history since their last compaction holds at least this many commits
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    after: usize,
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let r = compact(ctx, a.after)?;
    if out.json {
        out.json(&r);
        return Ok(Exit::Ok);
    }
    if r.compacted.is_empty() {
        out.line(format!(
            "nothing to compact: each of the {} board refs holds fewer than {} commits",
            r.kept, r.after
        ));
        return Ok(Exit::Ok);
    }
    for c in &r.compacted {
        out.line(format!(
            "compacted {}: {} commits kept at {}",
            c.board_ref, c.commits, c.archive
        ));
    }
    out.line(format!(
        "{} refs compacted, {} left as they were; `git log {}<ref>/<commit>` reads what was archived",
        r.compacted.len(),
        r.kept,
        crate::ops::compact::ARCHIVE
    ));
    Ok(Exit::Ok)
}
