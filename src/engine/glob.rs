//! Globs: compilation with git-like semantics and the overlap of two globs.
//!
//! `*` and `?` never cross `/`, `**` does. Overlap is decided exactly, not by sampling
//! files: the two globs' regular languages are intersected as DFAs (together with "is a
//! well-formed relative path" and "is not a shared file"), which also yields a witness path
//! that both could match even when no such file exists yet. Cheap literal prefix/suffix tests
//! reject most pairs before any automaton is built.

use std::cell::OnceCell;
use std::collections::HashMap;

use globset::{GlobBuilder, GlobMatcher};
use regex_automata::dfa::{dense, Automaton};
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;
use regex_automata::util::syntax;
use regex_automata::{Anchored, MatchKind};

use crate::model::scope::has_glob_meta;

/// Why a glob could not be compiled.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid glob '{text}': {reason}")]
pub struct GlobError {
    pub text: String,
    pub reason: String,
}

/// The longest glob a claim may name, in bytes.
pub const MAX_GLOB_LEN: usize = 512;
/// The most wildcards (`*`, `?`, `[`, `{`) a claimed glob may hold.
pub const MAX_WILDCARDS: usize = 24;
/// Automaton size limits: past them a glob is "too complex" (refused when claimed; when two
/// stored globs meet, the pair is judged overlapping).
const DFA_BYTES: usize = 8 << 20;
const PRODUCT_STATES: usize = 200_000;

/// Two globs' overlap could not be decided within the automaton limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undecided;

/// A compiled glob with what the overlap test needs.
pub struct Glob {
    text: String,
    literal: bool,
    prefix: String,
    compiled: OnceCell<Option<(GlobMatcher, String)>>,
    dfa: OnceCell<Option<dense::DFA<Vec<u32>>>>,
}

impl std::fmt::Debug for Glob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Glob").field("text", &self.text).finish()
    }
}

/// Build a globset glob with git's separator rules.
pub fn build(text: &str) -> Result<globset::Glob, GlobError> {
    GlobBuilder::new(text)
        .literal_separator(true)
        .backslash_escape(false)
        .build()
        .map_err(|e| GlobError {
            text: text.to_owned(),
            reason: e.kind().to_string(),
        })
}

impl Glob {
    /// Compile and validate a glob (for what a user asks for): it must compile, stay within
    /// [`MAX_GLOB_LEN`] and [`MAX_WILDCARDS`], and its automaton must fit the limits, so that
    /// every overlap judgement involving it can be decided.
    pub fn new(text: &str) -> Result<Glob, GlobError> {
        let too_complex = |why: String| GlobError {
            text: text.to_owned(),
            reason: format!(
                "{why}; claim a simpler pattern (a directory like src/auth/**, or the files you will edit)"
            ),
        };
        if text.len() > MAX_GLOB_LEN {
            return Err(too_complex(format!(
                "it is {} bytes long, over the limit of {MAX_GLOB_LEN}",
                text.len()
            )));
        }
        let wildcards = text.matches(['*', '?', '[', '{']).count();
        if wildcards > MAX_WILDCARDS {
            return Err(too_complex(format!(
                "it has {wildcards} wildcards, over the limit of {MAX_WILDCARDS}"
            )));
        }
        let g = build(text)?;
        let glob = Glob::lazy(text);
        let _ = glob.compiled.set(Some((g.compile_matcher(), g.regex().to_owned())));
        if !glob.literal && glob.dfa().is_none() {
            return Err(too_complex(
                "it is too complex to compare with other claims exactly".into(),
            ));
        }
        Ok(glob)
    }

    /// Defer compilation until a match is needed (for stored claims: most are rejected by
    /// the literal prefix/suffix test and never compiled). A stored glob that does not
    /// compile matches nothing.
    pub fn lazy(text: &str) -> Glob {
        let (prefix, _) = literal_ends(text);
        Glob {
            literal: !has_glob_meta(text),
            text: text.to_owned(),
            prefix: prefix.to_owned(),
            compiled: OnceCell::new(),
            dfa: OnceCell::new(),
        }
    }

    fn compiled(&self) -> Option<&(GlobMatcher, String)> {
        self.compiled
            .get_or_init(|| {
                build(&self.text)
                    .ok()
                    .map(|g| (g.compile_matcher(), g.regex().to_owned()))
            })
            .as_ref()
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The literal text before the first wildcard.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn is_literal(&self) -> bool {
        self.literal
    }

    pub fn is_match(&self, path: &str) -> bool {
        if self.literal {
            return self.text == path;
        }
        self.compiled().is_some_and(|(m, _)| m.is_match(path))
    }

    fn dfa(&self) -> Option<&dense::DFA<Vec<u32>>> {
        self.dfa
            .get_or_init(|| self.compiled().and_then(|(_, re)| build_dfa(&[re.as_str()])))
            .as_ref()
    }

    /// A path both globs match (and `excluded` does not), if there is one. When that
    /// cannot be decided within the limits (a stored glob too complex or invalid, a product
    /// automaton too large) the answer is [`Undecided`]: callers treat it as an overlap,
    /// never as "free".
    pub fn overlap(&self, other: &Glob, excluded: Option<&Excluded>) -> Result<Option<String>, Undecided> {
        if !may_overlap(&self.text, &other.text) {
            return Ok(None);
        }
        for (lit, pat) in [(self, other), (other, self)] {
            if lit.literal {
                if !pat.literal && pat.compiled().is_none() {
                    return Err(Undecided);
                }
                let hit = pat.is_match(&lit.text) && !excluded.is_some_and(|e| e.is_match(&lit.text));
                return Ok(hit.then(|| lit.text.clone()));
            }
        }
        let (Some(a), Some(b)) = (self.dfa(), other.dfa()) else {
            return Err(Undecided);
        };
        let mut machines: Vec<(&dense::DFA<Vec<u32>>, bool)> = vec![(a, true), (b, true), (valid_path_dfa(), true)];
        if let Some(e) = excluded {
            machines.push((&e.dfa, false));
        }
        intersect(&machines)
    }
}

/// The literal text before the first wildcard, and after the last one.
fn literal_ends(text: &str) -> (&str, &str) {
    let prefix = &text[..text.find(['*', '?', '[', '{']).unwrap_or(text.len())];
    let suffix = text.rfind(['*', '?', ']', '}']).map_or(text, |i| &text[i + 1..]);
    (prefix, suffix)
}

/// A cheap necessary condition for overlap, on the texts alone: a path matching both must
/// start with both literal prefixes and end with both literal suffixes. Most pairs of
/// claims fail it, so they are never compiled.
pub fn may_overlap(a: &str, b: &str) -> bool {
    let ((pa, sa), (pb, sb)) = (literal_ends(a), literal_ends(b));
    (pa.starts_with(pb) || pb.starts_with(pa)) && (sa.ends_with(sb) || sb.ends_with(sa))
}

/// Files that never conflict (policy `shared_files`), as one automaton and one matcher.
pub struct Excluded {
    set: globset::GlobSet,
    dfa: dense::DFA<Vec<u32>>,
}

impl Excluded {
    pub fn new(patterns: &[String]) -> Result<Option<Excluded>, GlobError> {
        if patterns.is_empty() {
            return Ok(None);
        }
        let mut b = globset::GlobSetBuilder::new();
        let mut regexes = Vec::new();
        for p in patterns {
            let g = build(p)?;
            regexes.push(g.regex().to_owned());
            b.add(g);
        }
        let set = b.build().map_err(|e| GlobError {
            text: patterns.join(", "),
            reason: e.to_string(),
        })?;
        let refs: Vec<&str> = regexes.iter().map(String::as_str).collect();
        let dfa = build_dfa(&refs).ok_or_else(|| GlobError {
            text: patterns.join(", "),
            reason: "too complex to compile".into(),
        })?;
        Ok(Some(Excluded { set, dfa }))
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}

fn build_dfa(regexes: &[&str]) -> Option<dense::DFA<Vec<u32>>> {
    dense::Builder::new()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .thompson(regex_automata::nfa::thompson::Config::new().utf8(false))
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .start_kind(regex_automata::dfa::StartKind::Anchored)
                .dfa_size_limit(Some(DFA_BYTES))
                .determinize_size_limit(Some(DFA_BYTES)),
        )
        .build_many(regexes)
        .ok()
}

fn valid_path_dfa() -> &'static dense::DFA<Vec<u32>> {
    static DFA: std::sync::OnceLock<dense::DFA<Vec<u32>>> = std::sync::OnceLock::new();
    DFA.get_or_init(|| build_dfa(&[r"^[^/\x00]+(?:/[^/\x00]+)*$"]).expect("because the path regex is fixed and small"))
}

/// Breadth-first search of the product automaton; `want` says whether each machine must
/// accept (true) or must not accept (false). Returns the shortest accepted string, `None`
/// when the product accepts nothing, and [`Undecided`] when it grows past the limit.
fn intersect(machines: &[(&dense::DFA<Vec<u32>>, bool)]) -> Result<Option<String>, Undecided> {
    let cfg = start::Config::new().anchored(Anchored::Yes);
    let starts: Vec<StateID> = machines
        .iter()
        .map(|(d, _)| d.start_state(&cfg).ok())
        .collect::<Option<_>>()
        .ok_or(Undecided)?;
    // Readable bytes first so witnesses look like paths.
    let order: Vec<u8> = (b'a'..=b'z')
        .chain(b'0'..=b'9')
        .chain([b'.', b'/', b'_', b'-'])
        .chain(b'A'..=b'Z')
        .chain((1u8..=255).filter(|b| !(b.is_ascii_alphanumeric() || b".-_/".contains(b))))
        .collect();
    let mut seen: HashMap<Vec<StateID>, (usize, u8)> = HashMap::new();
    let mut nodes: Vec<Vec<StateID>> = vec![starts.clone()];
    seen.insert(starts, (usize::MAX, 0));
    let mut head = 0;
    while head < nodes.len() {
        if nodes.len() > PRODUCT_STATES {
            return Err(Undecided);
        }
        let cur = nodes[head].clone();
        head += 1;
        for &b in &order {
            let next: Vec<StateID> = machines
                .iter()
                .zip(&cur)
                .map(|((d, _), &s)| d.next_state(s, b))
                .collect();
            let hopeless = machines
                .iter()
                .zip(&next)
                .any(|((d, want), &s)| *want && d.is_dead_state(s));
            if hopeless || seen.contains_key(&next) {
                continue;
            }
            seen.insert(next.clone(), (head - 1, b));
            let accepts = machines
                .iter()
                .zip(&next)
                .all(|((d, want), &s)| d.is_match_state(d.next_eoi_state(s)) == *want);
            nodes.push(next.clone());
            if accepts {
                let mut bytes = Vec::new();
                let mut at = next;
                while let Some(&(parent, byte)) = seen.get(&at) {
                    if parent == usize::MAX {
                        break;
                    }
                    bytes.push(byte);
                    at = nodes[parent].clone();
                }
                bytes.reverse();
                return Ok(Some(String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    Ok(None)
}

/// The tracked paths (sorted) that `glob` matches, using the literal prefix to narrow the
/// scan to one sorted range.
pub fn matching<'a>(glob: &'a Glob, tracked: &'a [String]) -> impl Iterator<Item = &'a String> + 'a {
    let p = glob.prefix();
    let start = tracked.partition_point(|t| t.as_str() < p);
    tracked[start..]
        .iter()
        .take_while(move |t| t.starts_with(p))
        .filter(move |t| glob.is_match(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ov(a: &str, b: &str) -> Option<String> {
        Glob::new(a).unwrap().overlap(&Glob::new(b).unwrap(), None).unwrap()
    }

    #[test]
    fn overlap_table() {
        let table: &[(&str, &str, bool)] = &[
            ("src/auth/**", "src/auth/login.ts", true),
            ("src/new/**", "src/new/*.ts", true),
            ("src/auth_v2/**", "src/auth/**", false),
            ("src/auth/*", "src/auth/deep/x.ts", false),
            ("src/auth/*", "src/auth/x.ts", true),
            ("src/Auth/**", "src/auth/**", false),
            ("*.ts", "*.py", false),
            ("*.ts", "src/a.ts", false),
            ("**/*.ts", "src/a.ts", true),
            ("src/*/x", "src/x", false),
            ("src/**/x", "src/x", true),
            ("src/a?.ts", "src/*b.ts", true),
            ("src/[ab].ts", "src/c.ts", false),
            ("src/{a,b}/**", "src/b/c.go", true),
            ("docs/**", "src/**", false),
            ("**", "anything/at/all", true),
            ("a/**/b/*.rs", "a/x/y/b/**", true),
        ];
        for (a, b, want) in table {
            let got = ov(a, b);
            assert_eq!(got.is_some(), *want, "{a} vs {b}: witness {got:?}");
            assert_eq!(ov(b, a).is_some(), *want, "{b} vs {a} (symmetry)");
            if let Some(w) = got {
                assert!(
                    Glob::new(a).unwrap().is_match(&w) && Glob::new(b).unwrap().is_match(&w),
                    "{w}"
                );
            }
        }
    }

    #[test]
    fn excluded_files_never_overlap() {
        let ex = Excluded::new(&["Cargo.lock".to_string(), "**/package-lock.json".to_string()])
            .unwrap()
            .unwrap();
        let a = Glob::new("Cargo.lock").unwrap();
        assert_eq!(a.overlap(&Glob::new("*.lock").unwrap(), Some(&ex)), Ok(None));
        let web = Glob::new("web/**").unwrap();
        let lock = Glob::new("web/package-lock.json").unwrap();
        assert_eq!(web.overlap(&lock, Some(&ex)), Ok(None));
        let w = web
            .overlap(&Glob::new("web/*.json").unwrap(), Some(&ex))
            .unwrap()
            .unwrap();
        assert_ne!(w, "web/package-lock.json");
    }

    #[test]
    fn matching_uses_the_prefix_range() {
        let tracked: Vec<String> = ["a.ts", "src/auth/a.ts", "src/auth/b/c.ts", "src/authz.ts", "z.md"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let g = Glob::new("src/auth/**").unwrap();
        let m: Vec<_> = matching(&g, &tracked).collect();
        assert_eq!(m, ["src/auth/a.ts", "src/auth/b/c.ts"]);
    }
}
