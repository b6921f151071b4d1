//! `git coord symbols`

use super::warn;
use crate::front::render::Out;
use crate::front::Exit;
use crate::ops::symbols::{Source, SymbolsReport};
use crate::ops::symbols_many::{answer, Answer};
use crate::ops::{Context, Error};

/// List the symbol paths in files, with kinds and line ranges, to name what you claim
///
/// Each file's symbols are kept in .git/coord/symbols-cache by content (git's blob id), so
/// a file read before is not parsed again; an entry is never stale, and deleting the
/// directory is always safe.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files or directories, relative to the current directory as git takes them; a
    /// directory lists every supported file under it that git does not ignore
    #[arg(required = true, num_args = 1..)]
    file: Vec<String>,
    /// Read the files at this revision instead of the working tree
    #[arg(long, value_name = "REV")]
    rev: Option<String>,
}

fn source(a: &Args) -> Source {
    match &a.rev {
        Some(r) => Source::Rev(r.clone()),
        None => Source::WorkingTree,
    }
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let many = match answer(ctx, &a.file, source(a))? {
        Answer::One(r) => {
            warn_about(&r);
            match out.json {
                true => out.json(&r),
                false => print_tree(out, &r),
            }
            return Ok(Exit::Ok);
        }
        Answer::Many(many) => many,
    };
    for r in &many.files {
        warn_about(r);
    }
    for s in &many.skipped {
        warn(&format!("warning: {}: {}", s.file, s.reason));
    }
    match out.json {
        true => out.json(&many),
        false => many.files.iter().for_each(|r| print_tree(out, r)),
    }
    Ok(Exit::Ok)
}

fn warn_about(r: &SymbolsReport) {
    if let Some(l) = r.tree.error_line {
        warn(&format!(
            "warning: {} has a syntax error at line {l}; symbols near it may be missing",
            r.file
        ));
    }
    if let Some(w) = &r.tree.warning {
        warn(&format!("warning: {w}"));
    }
}

fn print_tree(out: &mut Out, r: &SymbolsReport) {
    out.line(format!("{} ({}, {})", r.file, r.tree.language, r.source));
    // Indented under the symbol it nests in (`X.prototype.m` with no `X` declared in the
    // file is `X::m` at the top). Parents come before their children.
    let mut depths: Vec<usize> = Vec::with_capacity(r.tree.symbols.len());
    for s in &r.tree.symbols {
        let depth = s.parent.and_then(|p| depths.get(p)).map_or(1, |d| d + 1);
        depths.push(depth);
        // Pathological nesting stays readable and linear: indent and path are capped.
        let indent = "  ".repeat(depth.min(32));
        let path = match s.path.len() > crate::ops::symbols::MAX_JSON_PATH {
            true => format!("…::{}", s.name),
            false => s.path.clone(),
        };
        out.line(format!(
            "{indent}{:<10} {:<40} {}-{}   {}::{}",
            s.kind, s.name, s.start_line, s.end_line, r.file, path
        ));
    }
}
