//! Symbol trees: the declarations of a source file as `::` paths with kinds and ranges,
//! from tree-sitter parses and the query files under `grammars/`.
//!
//! Works on bytes it is handed; never opens a repository.

mod cached;
mod chunks;
mod kotlin;
pub mod lang;
mod names;
pub mod pattern;
mod signatures;
mod text;
pub mod touched;
mod variance;

use std::collections::HashMap;

use serde::Serialize;
use tree_sitter::{Parser, StreamingIterator};

pub use cached::{extract_with, NoCache, TreeCache, BUILD};
pub use chunks::{on_large_files, LargeFileHooks};
use lang::Matcher;
use names::{assigned_name, clean_name, is_local, leading_start, top_level, value_counts};
use pattern::Match;
pub use text::{line_index, source_text};
use text::{lossy_said, lossy_warning};
pub use touched::{touched, touched_with, Touched};

/// Files larger than this are not parsed for symbols (whole-file claims still work).
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// One declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Symbol {
    /// `Outer::Inner::method`. Left out of JSON past [`MAX_JSON_PATH`] bytes (pathological
    /// nesting), where `name` + `parent` still give it: the answer stays linear in size.
    #[serde(skip_serializing_if = "too_long")]
    pub path: String,
    /// The last segment of the path.
    pub name: String,
    /// The index in `symbols` of the symbol it nests in (none at the top).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<usize>,
    pub kind: String,
    /// 1-based, inclusive: the first and last line of all its ranges.
    pub start_line: usize,
    pub end_line: usize,
    /// Byte ranges of every declaration that makes up the symbol (overloads, get/set).
    #[serde(skip)]
    pub ranges: Vec<(usize, usize)>,
    /// Line ranges (1-based, inclusive) of the same; in JSON as `parts` when there are
    /// several (a claim covers these lines, not what lies between them).
    #[serde(rename = "parts", skip_serializing_if = "one_part")]
    pub lines: Vec<(usize, usize)>,
    /// The type its receiver names (a Go method's `(r *Router)`), whose symbol is its parent
    /// wherever that is declared before it.
    #[serde(skip)]
    pub receiver: Option<String>,
}

/// Paths longer than this are not repeated in JSON (see [`Symbol::path`]).
pub const MAX_JSON_PATH: usize = 512;

fn too_long(path: &str) -> bool {
    path.len() > MAX_JSON_PATH
}

fn one_part(lines: &[(usize, usize)]) -> bool {
    lines.len() <= 1
}

impl Symbol {
    pub fn depth(&self) -> usize {
        self.path.matches("::").count() + 1
    }
}

/// The symbols of one file, in source order.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SymbolTree {
    pub language: &'static str,
    pub symbols: Vec<Symbol>,
    /// The first line with a syntax error, when the parse had errors (symbols may be
    /// incomplete around it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_line: Option<usize>,
    /// What was odd about the file's text (invalid UTF-8, decoded lossily).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl SymbolTree {
    pub fn get(&self, path: &str) -> Option<&Symbol> {
        self.symbols.iter().find(|s| s.path == path)
    }

    /// The names closest to `path`, best first (for "did you mean").
    pub fn closest(&self, path: &str, n: usize) -> Vec<String> {
        let mut scored: Vec<(usize, &str)> = self
            .symbols
            .iter()
            .map(|s| (distance(&s.path, path), s.path.as_str()))
            .collect();
        scored.sort();
        scored.into_iter().take(n).map(|(_, p)| p.to_owned()).collect()
    }
}

/// Why a file has no symbol tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SymbolError {
    #[error("{path}: no symbol support for this file type (supported: {supported})")]
    UnknownLanguage { path: String, supported: String },
    #[error("{path} is not UTF-8 text")]
    NotUtf8 { path: String },
    #[error("{path} is {size} bytes; symbols are read only from files up to {limit} bytes")]
    TooLarge { path: String, size: usize, limit: usize },
    #[error("cannot load the {0} grammar")]
    Grammar(String),
}

/// Parse `source` (the content of `path`) and list its symbols.
pub fn extract(path: &str, source: &[u8]) -> Result<SymbolTree, SymbolError> {
    let lang = lang::detect(path).ok_or_else(|| SymbolError::UnknownLanguage {
        path: path.to_owned(),
        supported: lang::extensions(),
    })?;
    if source.len() > MAX_BYTES {
        return Err(SymbolError::TooLarge {
            path: path.to_owned(),
            size: source.len(),
            limit: MAX_BYTES,
        });
    }
    extract_as(lang, &lang.matcher().map_err(SymbolError::Grammar)?, path, source)
}

/// [`extract`] in `lang`, matching its query with `matcher` (a large file in pieces, see
/// `chunks`).
fn extract_as(lang: &lang::Lang, matcher: &Matcher<'_>, path: &str, source: &[u8]) -> Result<SymbolTree, SymbolError> {
    let (text, lossy) = source_text(source);
    // Variance annotations and line-ended generic call signatures the grammar lacks, mended
    // in place (see `variance`, `signatures`).
    let ts = matches!(lang.name, "typescript" | "tsx");
    let unvaried = ts.then(|| variance::blank_variance(&text)).flatten();
    let text = unvaried.as_deref().unwrap_or(&text);
    let separated = ts.then(|| signatures::separate_signatures(text)).flatten();
    let text = separated.as_deref().unwrap_or(text);
    let read = |t: &str| chunks::extract_pieces(lang, matcher, t, chunks::CHUNKED_FROM, chunks::CHUNK_BYTES);
    let mut tree = read(text)?;
    if lang.name == "kotlin" {
        tree = kotlin::read_further(tree, text, read)?;
    }
    tree.warning = lossy.then(|| lossy_said(path));
    Ok(tree)
}

/// The symbols of `text` from one parse.
fn extract_text(lang: &lang::Lang, matcher: &Matcher<'_>, text: &str) -> Result<SymbolTree, SymbolError> {
    let mut parser = Parser::new();
    parser
        .set_language(&lang.language())
        .map_err(|e| SymbolError::Grammar(format!("{}: {e}", lang.name)))?;
    let tree = parser
        .parse(text, None)
        .ok_or_else(|| SymbolError::Grammar(lang.name.to_owned()))?;
    let root = tree.root_node();
    let error_line = root.has_error().then(|| first_error_line(root)).flatten();
    let (names, matches, parents) = all_matches(matcher, root, text);
    let up = |n| parent_of(&parents, n);
    let mut list: Vec<Decl<'_>> = declarations((&names, matches), root, text, &up)
        .into_values()
        .filter(|e| !e.name.is_empty())
        .collect();
    list.sort_by_key(|e| (e.start, std::cmp::Reverse(e.end)));
    Ok(SymbolTree {
        language: lang.name,
        symbols: nest(list, text, &up),
        error_line,
        warning: None,
    })
}

/// One declaration node, as the query's captures describe it (several patterns may match
/// the same node: the first pattern's kind wins, ranges are joined).
struct Decl<'t> {
    kind: String,
    name: String,
    receiver: Option<String>,
    start: usize,
    end: usize,
    pattern: usize,
    /// Its node (whether it is a local is asked only when no named symbol encloses it).
    node: tree_sitter::Node<'t>,
}

/// The query's capture names, its matches, and the parents the matching learnt.
type AllMatches<'t> = (Vec<String>, Vec<Match<'t>>, pattern::Parents<'t>);

/// A node's parent (from what the matching learnt, else searched from the root).
type Up<'a, 't> = &'a dyn Fn(tree_sitter::Node<'t>) -> Option<tree_sitter::Node<'t>>;

fn parent_of<'t>(parents: &pattern::Parents<'t>, n: tree_sitter::Node<'t>) -> Option<tree_sitter::Node<'t>> {
    parents.get(&n.id()).copied().or_else(|| n.parent())
}

/// Every match of the language's query under `root`, with the query's capture names.
fn all_matches<'t>(matcher: &Matcher<'_>, root: tree_sitter::Node<'t>, text: &str) -> AllMatches<'t> {
    match matcher {
        Matcher::Patterns(p) => {
            let (matches, parents) = p.matches(root);
            (p.capture_names().to_vec(), matches, parents)
        }
        Matcher::Query(query) => {
            let mut out = Vec::new();
            let mut cursor = tree_sitter::QueryCursor::new();
            let mut matches = cursor.matches(query, root, text.as_bytes());
            while let Some(m) = matches.next() {
                out.push(Match {
                    pattern: m.pattern_index,
                    captures: m.captures().iter().map(|c| (c.index, c.node)).collect(),
                });
            }
            let names = query.capture_names().iter().map(|n| (*n).to_owned()).collect();
            (names, out, pattern::Parents::new())
        }
    }
}

/// Every declaration the query captures, by node id.
fn declarations<'t>(
    (names, matches): (&[String], Vec<Match<'t>>),
    root: tree_sitter::Node<'t>,
    text: &str,
    up: Up<'_, 't>,
) -> HashMap<usize, Decl<'t>> {
    let idx = |n: &str| names.iter().position(|c| *c == n);
    let (name_i, recv_i, range_i, value_i) = (idx("name"), idx("receiver"), idx("range"), idx("value"));
    let mut entries: HashMap<usize, Decl> = HashMap::new();
    for m in matches {
        let mut decl = None;
        let (mut name, mut receiver, mut range, mut value) = (None, None, None, None);
        for &(i, node) in &m.captures {
            let i = i as usize;
            if Some(i) == value_i {
                value = Some(node);
            } else if Some(i) == name_i {
                name = Some(node);
            } else if Some(i) == recv_i {
                receiver = Some(node);
            } else if Some(i) == range_i {
                range = Some(node);
            } else if let Some(kind) = names[i].strip_prefix("symbol.") {
                decl = Some((node, kind));
            }
        }
        let (Some((node, kind)), Some(name)) = (decl, name) else {
            continue;
        };
        if !value.is_none_or(value_counts) || (node.kind() == "assignment_expression" && !top_level(node, up)) {
            continue;
        }
        let node_text = |n: tree_sitter::Node| text[n.byte_range()].to_owned();
        let (mut start, mut end) = (leading_start(node, root, text, up), node.end_byte());
        if node.kind() == "file_scoped_namespace_declaration" {
            end = root.end_byte(); // C#'s `namespace A.B;`: the rest of the file is in it.
        }
        if let Some(r) = range {
            start = start.min(r.start_byte());
            end = end.max(r.end_byte());
        }
        // `X.prototype.m = function` is a method of X.
        let kind = match node.kind() == "assignment_expression" && node_text(name).contains(".prototype.") {
            true => "method",
            false => kind,
        };
        let e = entries.entry(node.id()).or_insert_with(|| Decl {
            kind: kind.to_owned(),
            name: match node.kind() {
                "assignment_expression" => assigned_name(&node_text(name)),
                "export_statement" => "default".to_owned(),
                _ => clean_name(&node_text(name)),
            },
            receiver: None,
            start,
            end,
            pattern: m.pattern,
            node,
        });
        if m.pattern < e.pattern {
            e.kind = kind.to_owned();
            e.pattern = m.pattern;
        }
        e.start = e.start.min(start);
        e.end = e.end.max(end);
        if let Some(r) = receiver {
            e.receiver = Some(node_text(r));
        }
    }
    entries
}

/// Nest declarations (sorted by start, outermost first) into symbol paths by containment;
/// declarations with the same path merge into one symbol with several ranges.
fn nest<'t>(list: Vec<Decl<'t>>, text: &str, up: Up<'_, 't>) -> Vec<Symbol> {
    let line_of = line_index(text);
    let mut stack: Vec<(usize, usize, String, String)> = Vec::new(); // (start, end, path, kind)
    let mut symbols: Vec<Symbol> = Vec::new();
    let mut by_path: HashMap<String, usize> = HashMap::new();
    for e in list {
        while stack
            .last()
            .is_some_and(|(s, end, _, _)| !(*s <= e.start && e.end <= *end))
        {
            stack.pop();
        }
        // A declaration inside an anonymous function (a test callback, an IIFE) that no
        // named symbol encloses is nobody's member: not listed (never at top level).
        if e.receiver.is_none() && stack.is_empty() && is_local(e.node, up) {
            continue;
        }
        let path = match (&e.receiver, stack.last()) {
            (Some(r), _) => format!("{r}::{}", e.name),
            (None, Some((_, _, parent, _))) => format!("{parent}::{}", e.name),
            (None, None) => e.name.clone(),
        };
        let mut kind = e.kind.clone();
        let in_type = |k: &str| {
            matches!(
                k,
                "class" | "struct" | "impl" | "trait" | "interface" | "object" | "record" | "enum"
            )
        };
        if kind == "function" && stack.last().is_some_and(|(_, _, _, k)| in_type(k)) {
            kind = "method".into();
        }
        let lines = (line_of(e.start), line_of(e.end.saturating_sub(1).max(e.start)));
        match by_path.get(&path).map(|&i| &mut symbols[i]) {
            Some(s) => {
                // TypeScript merges an interface (or type) with a value of the same name:
                // one symbol, named by its value side.
                if matches!(s.kind.as_str(), "interface" | "type") && !matches!(kind.as_str(), "interface" | "type") {
                    s.kind = kind.clone();
                }
                s.ranges.push((e.start, e.end));
                s.lines.push(lines);
                s.start_line = s.start_line.min(lines.0);
                s.end_line = s.end_line.max(lines.1);
            }
            None => {
                by_path.insert(path.clone(), symbols.len());
                let parent = match (&e.receiver, stack.last()) {
                    (Some(r), _) => by_path.get(r.as_str()).copied(),
                    (None, Some((_, _, p, _))) => by_path.get(p.as_str()).copied(),
                    // `X.prototype.m = …`, `namespace A.B`: in X (or A) when declared before.
                    (None, None) => path
                        .rsplit_once("::")
                        .and_then(|(owner, _)| by_path.get(owner).copied()),
                };
                symbols.push(Symbol {
                    path: path.clone(),
                    name: e.name.rsplit("::").next().unwrap_or(&e.name).to_owned(),
                    parent,
                    kind: kind.clone(),
                    start_line: lines.0,
                    end_line: lines.1,
                    ranges: vec![(e.start, e.end)],
                    lines: vec![lines],
                    receiver: e.receiver.clone(),
                })
            }
        }
        stack.push((e.start, e.end, path, kind));
    }
    symbols
}

fn first_error_line(root: tree_sitter::Node) -> Option<usize> {
    let mut cursor = root.walk();
    let mut node = root;
    loop {
        if node.is_error() || node.is_missing() {
            return Some(node.start_position().row + 1);
        }
        let next = node
            .children(&mut cursor)
            .find(|c| c.has_error() || c.is_error() || c.is_missing());
        match next {
            Some(c) => node = c,
            None => return Some(node.start_position().row + 1),
        }
    }
}

use crate::model::text::edit_distance as distance;

#[cfg(test)]
mod tests;
