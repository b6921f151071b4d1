//! `git coord symbols`

use super::warn;
use crate::front::render::Out;
use crate::front::Exit;
use crate::ops::symbols::{symbols, Source};
use crate::ops::{Context, Error};

/// List the symbol paths in a file, with kinds and line ranges, to name what you claim
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A file, relative to the repository root
    file: String,
    /// Read the file at this revision instead of the working tree
    #[arg(long, value_name = "REV")]
    rev: Option<String>,
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let source = match &a.rev {
        Some(r) => Source::Rev(r.clone()),
        None => Source::WorkingTree,
    };
    let r = symbols(ctx, &a.file, source)?;
    if let Some(l) = r.tree.error_line {
        warn(&format!(
            "warning: {} has a syntax error at line {l}; symbols near it may be missing",
            r.file
        ));
    }
    if out.json {
        out.json(&r);
        return Ok(Exit::Ok);
    }
    out.line(format!("{} ({}, {})", r.file, r.tree.language, r.source));
    for s in &r.tree.symbols {
        let depth = s.depth();
        let leaf = s.path.rsplit("::").next().unwrap_or(&s.path);
        let indent = "  ".repeat(depth);
        out.line(format!(
            "{indent}{:<10} {:<40} {}-{}   {}::{}",
            s.kind, leaf, s.start_line, s.end_line, r.file, s.path
        ));
    }
    Ok(Exit::Ok)
}
