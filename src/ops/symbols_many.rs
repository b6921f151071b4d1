//! `symbols` over many files and directories in one call: paths as git takes them (relative
//! to the current directory), directories walked as git sees them (`.gitignore` honoured),
//! and every file parsed in parallel.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use super::symbols::{kept, read, report_at, Source, SymbolsReport};
use crate::engine::symbols::{extract_with, lang};
use crate::model::scope::normalize_glob;

/// A path as `symbols` takes it: normalised like a scope, where a directory (`.`, `src/`)
/// stays the directory (a scope would read it as everything under it, `**`).
fn normalize_path(given: &str) -> Result<String, crate::model::ScopeError> {
    let g = normalize_glob(given)?;
    Ok(match g.as_str() {
        "**" => String::new(),
        _ => g.strip_suffix("/**").map_or(g.clone(), str::to_owned),
    })
}

/// Many files' symbols.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ManyReport {
    pub files: Vec<SymbolsReport>,
    /// Files named or found that have no symbols, and why.
    pub skipped: Vec<Skipped>,
    /// Bytes parsed.
    pub bytes: usize,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// A path as the user gave it, as a path from the repository root: relative to the current
/// directory as git takes it (`symbols router.ts` in `src/auth/`), else from the root when
/// only that exists (scripts written before paths were relative).
pub fn from_root(ctx: &Context, given: &str, source: &Source) -> Result<String, Error> {
    let Some(root) = ctx.store.workdir() else {
        return Ok(normalize_path(given)?);
    };
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (root, cwd) = (canon(root), canon(&ctx.cwd));
    let prefix = cwd
        .strip_prefix(&root)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(rel) = Path::new(given).is_absolute().then(|| canon(Path::new(given))) {
        if let Ok(inside) = rel.strip_prefix(&root) {
            return Ok(normalize_path(&inside.to_string_lossy())?);
        }
    }
    if prefix.is_empty() {
        return Ok(normalize_path(given)?);
    }
    let here = normalize_path(&format!("{prefix}/{given}"))?;
    let exists = |p: &str| -> bool {
        match source {
            Source::WorkingTree => root.join(p).exists(),
            Source::Rev(r) => {
                ctx.store.file_at(r, p).ok().flatten().is_some()
                    || !ctx.store.files_at(r, p).unwrap_or_default().is_empty()
            }
        }
    };
    match (exists(&here), normalize_path(given)) {
        (false, Ok(top)) if exists(&top) => Ok(top),
        _ => Ok(here),
    }
}

/// What `symbols PATH…` answers: one file's report, or every file's.
pub enum Answer {
    One(SymbolsReport),
    Many(ManyReport),
}

/// One path naming a file keeps the one-file answer (the shape agents already read);
/// several paths or a directory give every file's.
pub fn answer(ctx: &Context, paths: &[String], source: Source) -> Result<Answer, Error> {
    if let [one] = paths {
        let rel = from_root(ctx, one, &source)?;
        if !is_dir(ctx, &rel, &source)? {
            return Ok(Answer::One(report_at(ctx, rel, source)?));
        }
    }
    Ok(Answer::Many(symbols_many(ctx, paths, source)?))
}

/// Is `rel` (from the root) a directory in the working tree, or at the revision read?
fn is_dir(ctx: &Context, rel: &str, source: &Source) -> Result<bool, Error> {
    Ok(match (source, ctx.store.workdir()) {
        (Source::WorkingTree, Some(root)) => root.join(rel).is_dir(),
        (Source::Rev(r), _) => !ctx.store.files_at(r, rel)?.is_empty(),
        (Source::WorkingTree, None) => !ctx.store.files_at("HEAD", rel)?.is_empty(),
    })
}

/// The files `paths` name: each file as is, each directory's supported files.
fn expand(ctx: &Context, paths: &[String], source: &Source) -> Result<(Vec<String>, Vec<Skipped>), Error> {
    let (mut files, mut skipped) = (Vec::new(), Vec::new());
    for p in paths {
        let rel = from_root(ctx, p, source)?;
        let listed = match (source, ctx.store.workdir()) {
            (Source::WorkingTree, Some(root)) if root.join(&rel).is_dir() => walk(root, &rel),
            (Source::WorkingTree, Some(_)) => Vec::new(),
            (Source::Rev(r), _) => ctx.store.files_at(r, &rel)?,
            (Source::WorkingTree, None) => ctx.store.files_at("HEAD", &rel)?,
        };
        if listed.is_empty() {
            files.push(rel);
            continue;
        }
        files.extend(listed.into_iter().filter(|f| lang::detect(f).is_some()));
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        skipped.push(Skipped {
            file: paths.join(" "),
            reason: format!("no file with symbol support here ({})", lang::extensions()),
        });
    }
    Ok((files, skipped))
}

/// Files under `dir` (from the root) that git would not ignore.
fn walk(root: &Path, dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(root.join(dir))
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker.flatten() {
        if entry.file_type().is_some_and(|t| t.is_file()) {
            if let Ok(rel) = entry.path().strip_prefix(root) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}

/// The symbols of every file `paths` name, parsed in parallel (one worker per core).
pub fn symbols_many(ctx: &Context, paths: &[String], source: Source) -> Result<ManyReport, Error> {
    let (files, mut skipped) = expand(ctx, paths, &source)?;
    // Read on this thread (the repository handle is not shared), parse on all cores.
    let mut inputs = Vec::new();
    for f in files {
        match read(ctx, &f, &source)? {
            Some((bytes, from)) => inputs.push((f, bytes, from)),
            None => skipped.push(Skipped {
                reason: "does not exist".into(),
                file: f,
            }),
        }
    }
    let bytes = inputs.iter().map(|(_, b, _)| b.len()).sum();
    let next = AtomicUsize::new(0);
    let kept = kept(ctx);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(inputs.len().max(1));
    let mut results: Vec<(usize, Result<SymbolsReport, Skipped>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((file, bytes, from)) = inputs.get(i) else {
                            break;
                        };
                        let r = extract_with(file, bytes, &kept)
                            .map(|tree| SymbolsReport {
                                file: file.clone(),
                                source: from.clone(),
                                tree,
                            })
                            .map_err(|e| Skipped {
                                file: file.clone(),
                                reason: e.to_string(),
                            });
                        done.push((i, r));
                    }
                    done
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    results.sort_by_key(|(i, _)| *i);
    let mut out = ManyReport {
        files: Vec::new(),
        skipped,
        bytes,
    };
    for (_, r) in results {
        match r {
            Ok(rep) => out.files.push(rep),
            Err(s) => out.skipped.push(s),
        }
    }
    Ok(out)
}
