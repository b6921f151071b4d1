//! From a user's scope arguments to validated scopes: parse, normalise, recognise tracked
//! directories, compile globs, and enforce the policy's size limits.

use super::context::Context;
use super::error::Error;
use crate::engine::conflict::Judge;
use crate::engine::glob::Glob;
use crate::model::scope::has_glob_meta;
use crate::model::Scope;

/// What the scopes are for: a claim enforces the size limits, a query does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Claim,
    Query,
}

/// Parse every argument; all must be valid.
pub fn resolve(
    ctx: &Context,
    raw: &[String],
    judge: &Judge,
    tracked: usize,
    purpose: Purpose,
) -> Result<Vec<Scope>, Error> {
    if raw.is_empty() {
        return Err(Error::usage(
            "name at least one scope",
            Some("for example: src/auth/**, src/a.ts::Class::method or db:schema:users".to_string()),
        ));
    }
    let mut out: Vec<Scope> = Vec::new();
    for text in raw {
        let text = strip_workdir(ctx, text);
        let mut scope = Scope::parse(&text, &ctx.policy.namespaces)?;
        if let Scope::Glob(g) = &scope {
            if !has_glob_meta(g) && !g.ends_with("**") && !judge.is_tracked(g) && judge.is_tracked_dir(g) {
                scope = Scope::Glob(format!("{g}/**"));
            }
        }
        if let Scope::Glob(g) = &scope {
            Glob::new(g)?;
            if purpose == Purpose::Claim {
                let files = judge.files_covered(g);
                let limit = ctx.policy.file_limit(tracked);
                if files > limit {
                    return Err(Error::TooBroad {
                        scope: g.clone(),
                        files,
                        limit,
                    });
                }
            }
        }
        if !out.contains(&scope) {
            out.push(scope);
        }
    }
    Ok(out)
}

/// Accept an absolute path inside the work tree by making it relative.
fn strip_workdir(ctx: &Context, text: &str) -> String {
    if let Some(dir) = ctx.store.workdir() {
        if let Ok(canon) = dir.canonicalize() {
            for base in [canon.as_path(), dir] {
                if let Ok(rest) = std::path::Path::new(text).strip_prefix(base) {
                    let rel = rest.to_string_lossy().into_owned();
                    return if rel.is_empty() {
                        ".".into()
                    } else if text.ends_with('/') {
                        format!("{rel}/")
                    } else {
                        rel
                    };
                }
            }
        }
    }
    text.to_owned()
}
