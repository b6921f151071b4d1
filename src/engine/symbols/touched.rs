//! Which symbols a change between two versions of one file touches.
//!
//! A line diff gives the changed lines on each side; a symbol is touched when a changed
//! line falls inside one of its ranges — on the old side (edits, deletions, the old name of
//! a rename) or the new side (edits, insertions, the new name). Only the innermost symbols
//! are reported (`Router::handleAuth`, not also `Router`); a claim on `Router` still covers
//! them by the prefix rule. Changes outside every symbol (imports, module-level code) touch
//! the file but no symbol.
//!
//! A change on a symbol's *own* lines — between or around its members (a field, a blank
//! line, a decorator of the class) — touches its own part: it concerns a claim of the whole
//! symbol, not claims of its members, which it leaves as they were. A touched symbol whose
//! path exists on one side only (added, deleted, renamed) is in [`Touched::whole`]: that
//! change reaches everything nested in it.

use serde::Serialize;

use super::{SymbolError, SymbolTree};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Touched {
    /// Innermost symbols of the old version the change touches.
    pub old: Vec<String>,
    /// Innermost symbols of the new version the change touches.
    pub new: Vec<String>,
    /// Some changed line lies outside every symbol.
    pub outside: bool,
    /// The first changed line of the new version (1-based), for annotations.
    pub first_line: Option<usize>,
    /// Touched symbols that exist on one side only (added, deleted, renamed): the change
    /// reaches everything nested in them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub whole: Vec<String>,
}

impl Touched {
    /// Does this change concern a claim on `claimed`? A touched symbol inside it (or it), or
    /// one that is wholly added or removed around it.
    pub fn concerns(&self, touched: &str, claimed: &str) -> bool {
        within(touched, claimed) || (within(claimed, touched) && self.whole.iter().any(|w| w == touched))
    }

    /// Old and new together, without duplicates (linear: a regenerated file touches
    /// thousands).
    pub fn all(&self) -> Vec<String> {
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        self.old
            .iter()
            .chain(&self.new)
            .filter(|s| seen.insert(s.as_str()))
            .cloned()
            .collect()
    }
}

/// Compare two versions of `path` (`None` = absent: an added or deleted file).
pub fn touched(path: &str, old: Option<&[u8]>, new: Option<&[u8]>) -> Result<Touched, SymbolError> {
    touched_with(path, old, new, &super::NoCache)
}

/// [`touched`], each side's symbols answered from `cache` when it holds that content.
pub fn touched_with(
    path: &str,
    old: Option<&[u8]>,
    new: Option<&[u8]>,
    cache: &dyn super::TreeCache,
) -> Result<Touched, SymbolError> {
    // The same text the symbols are read from (lossy UTF-8, lone CRs as newlines).
    let text = |b: Option<&[u8]>| b.map(|b| super::source_text(b).0.into_owned()).unwrap_or_default();
    let (old_text, new_text) = (text(old), text(new));
    // The two parses and the line diff are independent: run them side by side (a regenerated
    // file's three take about the same time each).
    let parse = |b: Option<&[u8]>| b.map(|b| super::extract_with(path, b, cache)).transpose();
    let (old_tree, new_tree, (old_lines, new_lines)) = std::thread::scope(|s| {
        let o = s.spawn(|| parse(old));
        let n = s.spawn(|| parse(new));
        let lines = crate::engine::diff::changed_lines(&old_text, &new_text);
        let join = |h: std::thread::ScopedJoinHandle<'_, _>| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (join(o), join(n), lines)
    });
    let (old_tree, new_tree) = (old_tree?, new_tree?);
    let mut out = Touched {
        first_line: new_lines.first().copied().or(old_lines.first().copied()),
        ..Touched::default()
    };
    // Each changed line looked up in a table of its innermost symbol: linear in changed
    // lines plus symbol lines, whatever the size of the change.
    let mut mark = |tree: &Option<SymbolTree>, lines: &[usize], into: &mut Vec<String>| {
        let Some(t) = tree else {
            out.outside |= !lines.is_empty();
            return;
        };
        let owner = owners(t, lines.iter().copied().max().unwrap_or(0));
        let mut seen = vec![false; t.symbols.len()];
        for &line in lines {
            match owner.get(line).copied().flatten() {
                Some(i) => {
                    if !std::mem::replace(&mut seen[i], true) {
                        into.push(t.symbols[i].path.clone());
                    }
                }
                None => out.outside = true,
            }
        }
    };
    let (mut o, mut n) = (Vec::new(), Vec::new());
    mark(&old_tree, &old_lines, &mut o);
    mark(&new_tree, &new_lines, &mut n);
    // Paths on each side, hashed once: linear however many symbols a change touches.
    let paths = |tree: &Option<SymbolTree>| -> std::collections::HashSet<String> {
        tree.iter()
            .flat_map(|t| t.symbols.iter().map(|s| s.path.clone()))
            .collect()
    };
    let (old_paths, new_paths) = (paths(&old_tree), paths(&new_tree));
    out.whole = o.iter().filter(|p| !new_paths.contains(*p)).cloned().collect();
    out.whole.extend(n.iter().filter(|p| !old_paths.contains(*p)).cloned());
    out.old = o;
    out.new = n;
    Ok(out)
}

/// For each line up to `last` (index = 1-based line), the index of the innermost symbol
/// whose ranges contain it: symbols painted shallowest and widest first, so a deeper (or, at
/// one depth, narrower) symbol overwrites the one around it.
fn owners(tree: &SymbolTree, last: usize) -> Vec<Option<usize>> {
    let mut table = vec![None; last + 1];
    let mut order: Vec<usize> = (0..tree.symbols.len()).collect();
    order.sort_by_key(|&i| {
        let s = &tree.symbols[i];
        (s.depth(), std::cmp::Reverse(s.end_line - s.start_line))
    });
    for i in order {
        for &(a, b) in &tree.symbols[i].lines {
            let (a, b) = (a.min(last + 1), b.min(last));
            for slot in table.iter_mut().take(b + 1).skip(a) {
                *slot = Some(i);
            }
        }
    }
    table
}

/// `inner` is `outer` or nested in it, on `::` boundaries.
pub fn within(inner: &str, outer: &str) -> bool {
    inner == outer || (inner.starts_with(outer) && inner[outer.len()..].starts_with("::"))
}
