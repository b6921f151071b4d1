//! The conflict judgement: which active claims a request overlaps, and on what.
//!
//! Overlap rules (SPEC section 4): glob/glob by language intersection, symbol/glob when the
//! glob matches the symbol's file, symbol/symbol on `::` prefixes within one file, key/key
//! on `:` prefixes. Shared files never conflict; shared claims only meet exclusive ones;
//! an agent never conflicts with itself.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::glob::{matching, may_overlap, Excluded, Glob, GlobError, Undecided};
use crate::model::scope::keys_overlap;
use crate::model::{AgentId, Claim, ClaimId, Mode, Scope};

/// At most this many overlapping files are listed per conflict.
pub const MAX_LISTED_FILES: usize = 20;

/// What two scopes have in common.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overlap {
    /// Tracked files both cover (at most [`MAX_LISTED_FILES`]).
    pub files: Vec<String>,
    /// Symbol paths both cover.
    pub symbols: Vec<String>,
    /// A path both could match when no tracked file does (a file not created yet).
    pub witness: Option<String>,
    /// The two globs are too complex to compare exactly within the automaton limits: they
    /// are judged overlapping (fail closed).
    pub undecided: bool,
}

/// One requested scope meeting one held claim.
#[derive(Debug, Clone)]
pub struct Conflict {
    pub requested: Scope,
    pub claim: Claim,
    pub overlap: Overlap,
}

/// A symbol inside a part of `claim` that another active claim carved out (narrowing).
pub fn carved_out(claim: &Claim, scope: &Scope, active: &HashSet<&ClaimId>) -> bool {
    let Scope::Symbol(s) = scope else { return false };
    claim.narrowed.iter().any(|n| {
        active.contains(&n.claim) && {
            let carved: Vec<&str> = n.symbol.split("::").collect();
            carved.len() <= s.path.len() && s.path.iter().zip(&carved).all(|(a, b)| a == b)
        }
    })
}

/// Judges overlaps against one snapshot of tracked files and one shared-files policy.
pub struct Judge<'a> {
    tracked: &'a [String],
    excluded: Option<Excluded>,
    globs: RefCell<HashMap<String, Rc<Glob>>>,
}

impl<'a> Judge<'a> {
    /// `tracked` must be sorted.
    pub fn new(tracked: &'a [String], shared_files: &[String]) -> Result<Judge<'a>, GlobError> {
        Ok(Judge {
            tracked,
            excluded: Excluded::new(shared_files)?,
            globs: RefCell::new(HashMap::new()),
        })
    }

    fn glob(&self, text: &str) -> Rc<Glob> {
        self.globs
            .borrow_mut()
            .entry(text.to_owned())
            .or_insert_with(|| Rc::new(Glob::lazy(text)))
            .clone()
    }

    fn is_shared(&self, path: &str) -> bool {
        self.excluded.as_ref().is_some_and(|e| e.is_match(path))
    }

    /// The tracked files a glob covers (all of them, for policy limits).
    pub fn files_covered(&self, glob: &str) -> usize {
        let g = self.glob(glob);
        matching(&g, self.tracked).count()
    }

    /// True when some tracked file lies below `dir/`.
    pub fn is_tracked_dir(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        let i = self.tracked.partition_point(|t| t.as_str() < prefix.as_str());
        self.tracked.get(i).is_some_and(|t| t.starts_with(&prefix))
    }

    pub fn is_tracked(&self, path: &str) -> bool {
        self.tracked.binary_search_by(|t| t.as_str().cmp(path)).is_ok()
    }

    /// What `a` and `b` share, if anything.
    pub fn overlap(&self, a: &Scope, b: &Scope) -> Option<Overlap> {
        match (a, b) {
            (Scope::Glob(x), Scope::Glob(y)) => {
                if !may_overlap(x, y) {
                    return None;
                }
                self.glob_overlap(x, y)
            }
            (Scope::Glob(g), Scope::Symbol(s)) | (Scope::Symbol(s), Scope::Glob(g)) => {
                let hit = may_overlap(g, &s.file) && self.glob(g).is_match(&s.file) && !self.is_shared(&s.file);
                hit.then(|| Overlap {
                    files: vec![s.file.clone()],
                    symbols: vec![s.to_string()],
                    witness: None,
                    undecided: false,
                })
            }
            (Scope::Symbol(x), Scope::Symbol(y)) => {
                let hit = x.overlaps(y) && !self.is_shared(&x.file);
                hit.then(|| {
                    let deeper = if x.path.len() >= y.path.len() { x } else { y };
                    Overlap {
                        files: vec![x.file.clone()],
                        symbols: vec![deeper.to_string()],
                        witness: None,
                        undecided: false,
                    }
                })
            }
            (Scope::Key(x), Scope::Key(y)) => keys_overlap(x, y).then(Overlap::default),
            _ => None,
        }
    }

    fn glob_overlap(&self, x: &str, y: &str) -> Option<Overlap> {
        let (gx, gy) = (self.glob(x), self.glob(y));
        let witness = match gx.overlap(&gy, self.excluded.as_ref()) {
            Ok(w) => w?,
            Err(Undecided) => {
                return Some(Overlap {
                    undecided: true,
                    ..Overlap::default()
                })
            }
        };
        // List the tracked files in the narrower glob's range that both match.
        let (narrow, other) = if gx.prefix().len() >= gy.prefix().len() {
            (&gx, &gy)
        } else {
            (&gy, &gx)
        };
        let files: Vec<String> = matching(narrow, self.tracked)
            .filter(|f| other.is_match(f) && !self.is_shared(f))
            .take(MAX_LISTED_FILES)
            .cloned()
            .collect();
        let witness = files.is_empty().then_some(witness);
        Some(Overlap {
            files,
            symbols: Vec::new(),
            witness,
            undecided: false,
        })
    }

    /// The claims of other agents that `scopes` (held in `mode` by `agent`) would conflict
    /// with. `claims` should be the active ones.
    pub fn conflicts<'c>(
        &self,
        agent: &AgentId,
        scopes: &[Scope],
        mode: Mode,
        claims: impl IntoIterator<Item = &'c Claim>,
    ) -> Vec<Conflict> {
        let claims: Vec<&Claim> = claims.into_iter().collect();
        let active: HashSet<&ClaimId> = claims.iter().map(|c| &c.id).collect();
        let mut out = Vec::new();
        for claim in &claims {
            if &claim.agent == agent || (mode == Mode::Shared && claim.mode == Mode::Shared) {
                continue;
            }
            for s in scopes {
                if carved_out(claim, s, &active) {
                    continue;
                }
                if let Some(overlap) = self.overlap(s, &claim.scope) {
                    out.push(Conflict {
                        requested: s.clone(),
                        claim: (*claim).clone(),
                        overlap,
                    });
                }
            }
        }
        // In the order asked, then oldest claim first: the same answer every time (claim
        // ids are random, so the board's own order is not).
        out.sort_by_key(|c| {
            (
                scopes.iter().position(|s| *s == c.requested),
                c.claim.created_at,
                c.claim.agent.clone(),
                c.claim.id.clone(),
            )
        });
        out
    }

    /// Does `held` cover `target` (for `who`)? A path target is covered by globs matching
    /// it and by symbol claims in that file.
    pub fn covers(&self, held: &Scope, target: &Scope) -> bool {
        match (held, target) {
            (Scope::Symbol(s), Scope::Glob(g)) => {
                s.file == *g || (may_overlap(g, &s.file) && self.glob(g).is_match(&s.file))
            }
            _ => self.overlap(held, target).is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(id: u32, agent: &str, scope: &str, mode: Mode) -> Claim {
        Claim::example(id, agent, scope, mode)
    }

    fn scopes(list: &[&str]) -> Vec<Scope> {
        list.iter().map(|s| Scope::parse(s, &["db".into()]).unwrap()).collect()
    }

    #[test]
    fn judgement_table() {
        let tracked: Vec<String> = ["Cargo.lock", "src/auth/login.ts", "src/auth/router.ts", "src/main.ts"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let judge = Judge::new(&tracked, &["Cargo.lock".to_string()]).unwrap();
        let me = AgentId::new("me").unwrap();
        use Mode::{Exclusive as X, Shared as S};
        let table: &[(&str, Mode, &str, Mode, &str, bool)] = &[
            ("src/auth/**", X, "other", X, "src/auth/login.ts", true),
            ("src/auth/**", X, "me", X, "src/auth/login.ts", false),
            ("src/auth/**", S, "other", S, "src/auth/login.ts", false),
            ("src/auth/**", S, "other", X, "src/auth/login.ts", true),
            ("Cargo.lock", X, "other", X, "Cargo.lock", false),
            (
                "src/auth/router.ts::Router::a",
                X,
                "other",
                X,
                "src/auth/router.ts::Router::b",
                false,
            ),
            (
                "src/auth/router.ts::Router",
                X,
                "other",
                X,
                "src/auth/router.ts::Router::b",
                true,
            ),
            ("src/auth/**", X, "other", X, "src/auth/router.ts::Router", true),
            ("db:schema", X, "other", X, "db:schema:users", true),
            ("db:schema:users", X, "other", X, "src/**", false),
        ];
        for (held, hm, who, rm, req, want) in table {
            let c = claim(1, who, held, *hm);
            let got = judge.conflicts(&me, &scopes(&[req]), *rm, [&c]);
            assert_eq!(
                !got.is_empty(),
                *want,
                "{who} holds {held} ({hm:?}); me asks {req} ({rm:?})"
            );
        }
    }

    #[test]
    fn overlap_lists_files_or_a_witness() {
        let tracked: Vec<String> = vec!["src/auth/login.ts".into()];
        let judge = Judge::new(&tracked, &[]).unwrap();
        let o = judge
            .overlap(&scopes(&["src/auth/**"])[0], &scopes(&["src/**/*.ts"])[0])
            .unwrap();
        assert_eq!(o.files, ["src/auth/login.ts"]);
        let o = judge
            .overlap(&scopes(&["src/new/**"])[0], &scopes(&["src/new/*.ts"])[0])
            .unwrap();
        assert!(o.files.is_empty());
        assert!(o.witness.unwrap().starts_with("src/new/"));
    }
}
