//! The engine against tree-sitter itself: every grammar loads, every query compiles, and the
//! queries read without tree-sitter match what tree-sitter matches.

use super::*;

/// Files to compare the two matchers on: every fixture, and this repository's own Rust.
fn corpus(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            corpus(&p, out);
        } else if lang::detect(&p.to_string_lossy()).is_some() {
            out.push(p);
        }
    }
}

#[test]
fn the_queries_read_here_match_what_tree_sitter_matches() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for d in ["fixtures", "src", "tests", "benches"] {
        corpus(&root.join(d), &mut files);
    }
    let mut seen = std::collections::BTreeSet::new();
    for f in &files {
        let path = f.to_string_lossy();
        let source = std::fs::read(f).unwrap();
        // Every language the file could be read as (a .js file as TSX, and so on).
        let l = lang::detect(&path).unwrap();
        l.read_here().unwrap_or_else(|e| panic!("{}: {e}", l.name));
        let ours = extract_as(l, &l.matcher().unwrap(), &path, &source).unwrap();
        let theirs = extract_as(l, &Matcher::Query(l.query().unwrap()), &path, &source).unwrap();
        assert!(!ours.symbols.is_empty() || theirs.symbols.is_empty());
        assert_eq!(ours.symbols, theirs.symbols, "{path}");
        seen.insert(l.name);
    }
    assert!(seen.len() >= lang::LANGS.len() - 2, "languages compared: {seen:?}");
}

#[test]
fn a_query_outside_what_is_read_here_is_refused_so_tree_sitter_compiles_it() {
    let ts: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    for q in [
        "((identifier) @x (#eq? @x \"self\"))",
        "(function_definition (identifier)* @x)",
        "(class_definition \"class\" @kw)",
        "(class_definition . (identifier))",
        "(no_such_kind) @x",
    ] {
        assert!(pattern::Patterns::new(&ts, q).is_err(), "{q}");
    }
    assert!(pattern::Patterns::new(&ts, "(class_definition name: (identifier) @n) @c").is_ok());
}

#[test]
fn every_grammar_loads_and_every_query_compiles() {
    for l in &lang::LANGS {
        let mut p = Parser::new();
        p.set_language(&l.language())
            .unwrap_or_else(|e| panic!("{}: {e}", l.name));
        l.query().unwrap_or_else(|e| panic!("{e}"));
    }
}
