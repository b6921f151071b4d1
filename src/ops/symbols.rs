//! `symbols`: the symbol paths of a file, and the check that a symbol claim names a real
//! declaration.

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use crate::engine::symbols::{extract_with, SymbolTree, TreeCache};
use crate::model::SymbolScope;
use crate::ops::Next;
use crate::store::symbol_cache::SymbolCache;

/// Paths longer than this are left out of JSON (name + parent give them).
pub use crate::engine::symbols::MAX_JSON_PATH;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SymbolsReport {
    pub file: String,
    /// `working-tree`, or the revision read.
    pub source: String,
    #[serde(flatten)]
    pub tree: SymbolTree,
}

/// The symbols this repository keeps between commands, by content (`store::symbol_cache`);
/// a bare repository (a server) keeps none, as it keeps no board cache.
pub struct Kept(SymbolCache);

pub fn kept(ctx: &Context) -> Kept {
    Kept(match ctx.store.workdir() {
        Some(_) => SymbolCache::at(ctx.store.common_dir(), crate::engine::symbols::BUILD),
        None => SymbolCache::off(),
    })
}

impl TreeCache for Kept {
    fn id(&self, source: &[u8]) -> Option<String> {
        self.0.id(source)
    }
    fn get(&self, language: &str, id: &str) -> Option<Vec<u8>> {
        self.0.get(language, id)
    }
    fn put(&self, language: &str, id: &str, entry: &[u8]) {
        self.0.put(language, id, entry)
    }
}

/// Where a file's content came from.
#[derive(Debug, Clone)]
pub enum Source {
    WorkingTree,
    Rev(String),
}

/// Read `file` from the working tree (HEAD in a bare repository) or from a revision.
pub fn read(ctx: &Context, file: &str, source: &Source) -> Result<Option<(Vec<u8>, String)>, Error> {
    match source {
        Source::Rev(rev) => Ok(ctx.store.file_at(rev, file)?.map(|b| (b, rev.clone()))),
        Source::WorkingTree => match ctx.store.workdir() {
            Some(dir) => match std::fs::read(dir.join(file)) {
                Ok(b) => Ok(Some((b, "working-tree".into()))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Error::usage(format!("cannot read {file}: {e}"), None)),
            },
            None => Ok(ctx.store.file_at("HEAD", file)?.map(|b| (b, "HEAD".into()))),
        },
    }
}

pub fn symbols(ctx: &Context, file: &str, source: Source) -> Result<SymbolsReport, Error> {
    let file = super::symbols_many::from_root(ctx, file, &source)?;
    report_at(ctx, file, source)
}

/// [`symbols`] of a path already taken from the repository root.
pub fn report_at(ctx: &Context, file: String, source: Source) -> Result<SymbolsReport, Error> {
    let Some((bytes, from)) = read(ctx, &file, &source)? else {
        let place = match &source {
            Source::Rev(r) => format!("at {r}"),
            Source::WorkingTree => "in the working tree".into(),
        };
        return Err(Error::usage(
            format!("{file} does not exist {place}"),
            Some("give a path relative to the current directory (or to the repository root)".to_string()),
        ));
    };
    let tree = extract_with(&file, &bytes, &kept(ctx)).map_err(|e| Error::usage(e.to_string(), None))?;
    Ok(SymbolsReport {
        file,
        source: from,
        tree,
    })
}

/// A symbol claim must name a declaration that exists (working tree, else HEAD), unless
/// the claimer says it is about to create it.
pub fn validate(ctx: &Context, sym: &SymbolScope, new: bool) -> Result<(), Error> {
    let wanted = sym.path.join("::");
    let Some((bytes, from)) = read(ctx, &sym.file, &Source::WorkingTree)? else {
        if new {
            return Ok(());
        }
        return Err(Error::usage(
            format!("{} does not exist, so {sym} cannot name a symbol in it", sym.file),
            Next::ClaimNew,
        ));
    };
    let tree = match extract_with(&sym.file, &bytes, &kept(ctx)) {
        Ok(t) => t,
        Err(e) => {
            return Err(Error::usage(
                format!("cannot claim {sym}: {e}"),
                Next::ClaimWholeFile { file: sym.file.clone() },
            ))
        }
    };
    if new || tree.get(&wanted).is_some() {
        return Ok(());
    }
    let close = tree.closest(&wanted, 3);
    let hint = Next::PickSymbol {
        file: sym.file.clone(),
        wanted: wanted.clone(),
        close: close.iter().map(|c| c.to_string()).collect(),
    };
    let broken = tree
        .error_line
        .map(|l| format!(" (the file has a syntax error at line {l})"))
        .unwrap_or_default();
    Err(Error::usage(
        format!("{} has no symbol {wanted} in the {from}{broken}", sym.file),
        hint,
    ))
}
