//! The patterns read here against tree-sitter's own query matching.

use tree_sitter::StreamingIterator;

use super::*;

/// (pattern, captures as (capture name, start byte)) of every match, sorted.
type Seen = Vec<(usize, Vec<(String, usize)>)>;

fn ours(language: &Language, query: &str, root: Node) -> Seen {
    let p = Patterns::new(language, query).unwrap();
    let mut out: Seen = p
        .matches(root)
        .0
        .into_iter()
        .map(|m| {
            let mut caps: Vec<_> = m
                .captures
                .iter()
                .map(|(i, n)| (p.capture_names()[*i as usize].clone(), n.start_byte()))
                .collect();
            caps.sort();
            (m.pattern, caps)
        })
        .collect();
    out.sort();
    out
}

fn theirs(language: &Language, query: &str, root: Node, text: &[u8]) -> Seen {
    let q = tree_sitter::Query::new(language, query).unwrap();
    let mut cursor = tree_sitter::QueryCursor::new();
    let mut it = cursor.matches(&q, root, text);
    let mut out = Vec::new();
    while let Some(m) = it.next() {
        let mut caps: Vec<_> = m
            .captures()
            .iter()
            .map(|c| (q.capture_names()[c.index as usize].to_owned(), c.node.start_byte()))
            .collect();
        caps.sort();
        out.push((m.pattern_index, caps));
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn wildcards_fields_children_and_alternations_match_as_tree_sitter_matches_them() {
    let language: Language = tree_sitter_python::LANGUAGE.into();
    let text = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/symbols/service.py")).unwrap();
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&language).unwrap();
    let tree = parser.parse(&text, None).unwrap();
    for query in [
        "(_ name: (identifier) @name) @any",
        "(class_definition name: (_) @n body: (block (function_definition name: (identifier) @m))) @c",
        "(decorated_definition (decorator) @d definition: [(class_definition) @c (function_definition) @f]) @dd",
        "(call function: [(identifier) (attribute attribute: (identifier) @attr)] @fn) @call",
        "(function_definition parameters: (parameters (identifier) @first (identifier) @second))",
    ] {
        let (a, b) = (
            ours(&language, query, tree.root_node()),
            theirs(&language, query, tree.root_node(), &text),
        );
        assert!(!b.is_empty(), "{query} matches nothing in the fixture");
        assert_eq!(a, b, "{query}");
    }
}
