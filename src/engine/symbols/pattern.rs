//! The symbol queries of `grammars/<lang>/symbols.scm`, matched without compiling them with
//! tree-sitter.
//!
//! tree-sitter analyses a query against the whole grammar when it compiles it: 3 ms for one
//! pattern on the TypeScript grammar, 13-45 ms for the queries of TypeScript, C# or C++, paid
//! by every process that lists symbols. The queries use a small part of the query language —
//! node patterns, fields, `(_)`, alternations `[…]` and captures — so they are read here into
//! patterns that are matched by walking the tree once (microseconds to prepare).
//!
//! Matching follows tree-sitter's rules for that part: a named kind matches named nodes of that
//! kind (aliases by their visible name), `(_)` any named node; child patterns match children in
//! order, one with a field only the child in that field. Each pattern yields at most one match
//! per node (the first assignment in child order); the engine joins matches per node, so that is
//! what tree-sitter's matches give it too — a test compares both on every fixture. A query using
//! anything else (predicates, quantifiers, anchors, anonymous nodes) is refused here, and the
//! caller compiles it with tree-sitter instead.

use std::collections::HashMap;

use tree_sitter::{Language, Node};

/// The patterns of one query, ready to match.
pub struct Patterns {
    patterns: Vec<(NodePat, Vec<u32>)>,
    /// Patterns by the kind id of their root node (wildcard roots are in every list),
    /// indexed by kind id.
    by_kind: Vec<Option<Vec<usize>>>,
    /// Patterns whose root is `(_)`: all a node of any other kind is tried with.
    wild: Vec<usize>,
    capture_names: Vec<String>,
}

/// One node of a pattern: its kinds (`None` for `(_)`) and its child patterns, in order.
struct NodePat {
    kinds: Option<Vec<u16>>,
    children: Vec<ChildPat>,
}

/// A child pattern: an optional field, its alternatives (each with its own captures), and the
/// captures on the whole.
struct ChildPat {
    field: Option<u16>,
    alts: Vec<(NodePat, Vec<u32>)>,
    captures: Vec<u32>,
}

/// One match: the pattern's index and its captures (capture index, node).
pub struct Match<'t> {
    pub pattern: usize,
    pub captures: Vec<(u32, Node<'t>)>,
}

impl Patterns {
    /// Read `source` for `language`; `Err` says what is outside the part read here.
    pub fn new(language: &Language, source: &str) -> Result<Patterns, String> {
        let mut p = Reader {
            tokens: tokenize(source)?,
            at: 0,
            language,
            kinds: kind_ids(language),
            capture_names: Vec::new(),
        };
        let mut patterns = Vec::new();
        while p.at < p.tokens.len() {
            let node = p.node()?;
            let caps = p.captures();
            patterns.push((node, caps));
        }
        let mut by_kind: Vec<Option<Vec<usize>>> = vec![None; language.node_kind_count()];
        let wild: Vec<usize> = (0..patterns.len()).filter(|&i| patterns[i].0.kinds.is_none()).collect();
        for (i, (node, _)) in patterns.iter().enumerate() {
            for k in node.kinds.iter().flatten() {
                by_kind[*k as usize].get_or_insert_with(Vec::new).push(i);
            }
        }
        if !wild.is_empty() {
            for list in by_kind.iter_mut().flatten() {
                list.extend(&wild);
                list.sort_unstable();
            }
        }
        Ok(Patterns {
            patterns,
            by_kind,
            wild,
            capture_names: p.capture_names,
        })
    }

    pub fn capture_names(&self) -> &[String] {
        &self.capture_names
    }

    /// Every match in the tree under `root`, nodes in document order, patterns in order;
    /// with the parent of each matched node and of its ancestors (`Node::parent` searches down
    /// from the root, through every sibling on the way: the walk knows them for free).
    pub fn matches<'t>(&self, root: Node<'t>) -> (Vec<Match<'t>>, Parents<'t>) {
        let mut out = Vec::new();
        let mut parents = Parents::new();
        let mut above: Vec<Node<'t>> = Vec::new();
        let mut cursor = root.walk();
        loop {
            let node = cursor.node();
            if node.is_named() {
                let list = self.by_kind.get(node.kind_id() as usize).and_then(Option::as_ref);
                for &i in list.unwrap_or(&self.wild) {
                    let (pat, caps) = &self.patterns[i];
                    let mut captures = Vec::new();
                    if matches(pat, node, &mut captures) {
                        captures.extend(caps.iter().map(|c| (*c, node)));
                        out.push(Match { pattern: i, captures });
                        link(&mut parents, &above, node);
                    }
                }
            }
            if cursor.goto_first_child() {
                above.push(node);
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return (out, parents);
                }
                above.pop();
            }
        }
    }
}

/// Known parents, by node id.
pub type Parents<'t> = HashMap<usize, Node<'t>>;

/// Record the parents of `node` and its ancestors `above` (up to the first already known).
fn link<'t>(parents: &mut Parents<'t>, above: &[Node<'t>], node: Node<'t>) {
    let mut child = node;
    for p in above.iter().rev() {
        if parents.insert(child.id(), *p).is_some() {
            return;
        }
        child = *p;
    }
}

fn matches<'t>(pat: &NodePat, node: Node<'t>, caps: &mut Vec<(u32, Node<'t>)>) -> bool {
    let kind_ok = node.is_named() && pat.kinds.as_ref().is_none_or(|k| k.contains(&node.kind_id()));
    if !kind_ok {
        return false;
    }
    if pat.children.is_empty() {
        return true;
    }
    let mut kids = Vec::new();
    let mut cursor = node.walk();
    if cursor.goto_first_child() {
        loop {
            kids.push((cursor.node(), cursor.field_id().map(|f| f.get())));
            if !cursor.goto_next_sibling() {
                break;
            }
        }
    }
    children_match(&pat.children, &kids, 0, caps)
}

/// Whether `pats` match children of `kids` from `from` on, in order.
fn children_match<'t>(
    pats: &[ChildPat],
    kids: &[(Node<'t>, Option<u16>)],
    from: usize,
    caps: &mut Vec<(u32, Node<'t>)>,
) -> bool {
    let Some((first, rest)) = pats.split_first() else {
        return true;
    };
    for (i, &(kid, field)) in kids.iter().enumerate().skip(from) {
        if first.field.is_some() && first.field != field {
            continue;
        }
        for (alt, alt_caps) in &first.alts {
            let mark = caps.len();
            if matches(alt, kid, caps) {
                caps.extend(alt_caps.iter().chain(&first.captures).map(|c| (*c, kid)));
                if children_match(rest, kids, i + 1, caps) {
                    return true;
                }
            }
            caps.truncate(mark);
        }
    }
    false
}

/// Named kinds by name: a name can stand for several ids (aliases).
fn kind_ids(language: &Language) -> HashMap<String, Vec<u16>> {
    let mut out: HashMap<String, Vec<u16>> = HashMap::new();
    for id in 0..language.node_kind_count() as u16 {
        if language.node_kind_is_named(id) {
            if let Some(name) = language.node_kind_for_id(id) {
                out.entry(name.to_owned()).or_default().push(id);
            }
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    OpenAlt,
    CloseAlt,
    Field(String),
    Capture(String),
    Word(String),
}

fn tokenize(source: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ';' => while chars.next_if(|(_, c)| *c != '\n').is_some() {},
            '(' => out.push(Token::Open),
            ')' => out.push(Token::Close),
            '[' => out.push(Token::OpenAlt),
            ']' => out.push(Token::CloseAlt),
            c if c.is_whitespace() => {}
            '@' | 'a'..='z' | 'A'..='Z' | '_' => {
                let mut end = i + c.len_utf8();
                while let Some((j, d)) = chars.next_if(|(_, d)| d.is_alphanumeric() || matches!(d, '_' | '.' | '-')) {
                    end = j + d.len_utf8();
                }
                let word = &source[i..end];
                if let Some(name) = word.strip_prefix('@') {
                    out.push(Token::Capture(name.to_owned()));
                } else if chars.next_if(|(_, d)| *d == ':').is_some() {
                    out.push(Token::Field(word.to_owned()));
                } else {
                    out.push(Token::Word(word.to_owned()));
                }
            }
            other => return Err(format!("`{other}` at byte {i} is not read without tree-sitter")),
        }
    }
    Ok(out)
}

struct Reader<'l> {
    tokens: Vec<Token>,
    at: usize,
    language: &'l Language,
    kinds: HashMap<String, Vec<u16>>,
    capture_names: Vec<String>,
}

impl Reader<'_> {
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    /// `(kind child…)`.
    fn node(&mut self) -> Result<NodePat, String> {
        if self.next() != Some(Token::Open) {
            return Err(format!("a node pattern `(…)` expected at token {}", self.at));
        }
        let kinds = match self.next() {
            Some(Token::Word(w)) if w == "_" => None,
            Some(Token::Word(w)) => Some(
                self.kinds
                    .get(&w)
                    .cloned()
                    .ok_or_else(|| format!("no named node kind `{w}` in this grammar"))?,
            ),
            other => return Err(format!("a node kind expected, found {other:?}")),
        };
        let mut children = Vec::new();
        loop {
            match self.peek() {
                Some(Token::Close) => {
                    self.at += 1;
                    return Ok(NodePat { kinds, children });
                }
                Some(_) => children.push(self.child()?),
                None => return Err("a pattern is not closed".into()),
            }
        }
    }

    /// `field: (…) @cap` or `[(…) @a (…)] @cap`, with or without the field.
    fn child(&mut self) -> Result<ChildPat, String> {
        let field = match self.peek() {
            Some(Token::Field(f)) => {
                let f = f.clone();
                self.at += 1;
                let id = self
                    .language
                    .field_id_for_name(&f)
                    .ok_or_else(|| format!("no field `{f}` in this grammar"))?;
                Some(id.get())
            }
            _ => None,
        };
        let mut alts = Vec::new();
        if self.peek() == Some(&Token::OpenAlt) {
            self.at += 1;
            while self.peek() != Some(&Token::CloseAlt) {
                let node = self.node()?;
                alts.push((node, self.captures()));
            }
            self.at += 1;
        } else {
            alts.push((self.node()?, Vec::new()));
        }
        Ok(ChildPat {
            field,
            alts,
            captures: self.captures(),
        })
    }

    fn captures(&mut self) -> Vec<u32> {
        let mut out = Vec::new();
        while let Some(Token::Capture(name)) = self.peek().cloned() {
            self.at += 1;
            let i = match self.capture_names.iter().position(|n| *n == name) {
                Some(i) => i,
                None => {
                    self.capture_names.push(name);
                    self.capture_names.len() - 1
                }
            };
            out.push(i as u32);
        }
        out
    }
}

#[cfg(test)]
mod tests;
