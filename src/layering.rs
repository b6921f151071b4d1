//! The layering guard (tests only): every `crate::…` path in the sources — in `use` items,
//! brace groups and inline paths, with `super::` climbs resolved — must point down the
//! layers STYLE.md draws, and only the front ends print or exit.
//!
//! ```text
//! cli   mcp   hook    front ends: never import each other
//!        front        settings, errors, rendering, hook script; shared by every front end
//!         ops         use cases
//!    store    engine  git I/O | globs and symbols; never each other
//!        model        pure types and rules
//! ```

/// What each layer may name under `crate::` (itself included).
const ALLOWED: &[(&str, &[&str])] = &[
    ("model", &["model"]),
    ("engine", &["engine", "model"]),
    ("store", &["store", "model"]),
    ("ops", &["ops", "store", "engine", "model"]),
    ("front", &["front", "ops", "model"]),
    ("cli", &["cli", "front", "ops", "model"]),
    ("mcp", &["mcp", "front", "ops", "model"]),
    ("hook", &["hook", "front", "ops", "model"]),
];

/// Source text with comments, string and char literals blanked out (so a path in a doc
/// comment or a message is not mistaken for an import).
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'r' if b.get(i + 1).is_some_and(|c| *c == b'"' || *c == b'#') && !ident_byte(b, i.wrapping_sub(1)) => {
                let mut hashes = 0;
                let mut j = i + 1;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    out.push('r');
                    i += 1;
                    continue;
                }
                let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
                let rest = &text[j + 1..];
                i = j + 1 + rest.find(&close).map_or(rest.len(), |k| k + close.len());
                out.push_str("\"\"");
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            b'\'' if b.get(i + 2) == Some(&b'\'') || b.get(i + 1) == Some(&b'\\') => {
                // A char literal ('x', '\n', '\u{1b}'); lifetimes ('a) have no closing quote.
                let end = text[i + 1..].find('\'').map_or(b.len(), |k| i + 1 + k + 1);
                i = end;
                out.push_str("' '");
            }
            _ => {
                let ch = text[i..].chars().next().expect("because i is on a char boundary");
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

fn ident_byte(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// The top-level modules a source file names through `crate::` or climbing `super::`s.
fn named_layers(module: &[&str], text: &str) -> Vec<String> {
    let code = code_only(text);
    let mut out = Vec::new();
    // Every `crate` or `super` token that starts a path.
    let mut i = 0;
    while let Some(k) = code[i..].find("::") {
        let at = i + k;
        let start = code[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |s| s + 1);
        let head = &code[start..at];
        let path_start = start == 0 || !code[..start].ends_with("::");
        if path_start && (head == "crate" || head == "super") {
            // Climb the supers.
            let mut depth = module.len();
            let mut j = start;
            let mut from_root = head == "crate";
            while code[j..].starts_with("super::") {
                depth = depth.saturating_sub(1);
                j += "super::".len();
                from_root = depth == 0;
            }
            if head == "crate" {
                j = at + 2;
            }
            if from_root {
                collect_first_segments(&code[j..], &mut out);
            } else if let Some(top) = module.first() {
                out.push((*top).to_owned());
            }
        }
        i = at + 2;
    }
    out
}

/// After `crate::`: one identifier, or a brace group of paths (`{a::x, b}`).
fn collect_first_segments(rest: &str, out: &mut Vec<String>) {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0;
        let mut item = String::new();
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    push_ident(&item, out);
                    item.clear();
                    continue;
                }
                _ => {}
            }
            if depth == 0 || item.is_empty() {
                item.push(c);
            }
        }
        push_ident(&item, out);
    } else {
        push_ident(rest, out);
    }
}

fn push_ident(text: &str, out: &mut Vec<String>) {
    let t = text.trim_start();
    let ident: String = t
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if !ident.is_empty() && ident != "self" {
        out.push(ident);
    }
}

/// Every layering violation in one file: `(layer named, why)`.
fn violations(module: &[&str], text: &str) -> Vec<String> {
    let Some(layer) = module.first() else { return Vec::new() };
    let Some((_, allowed)) = ALLOWED.iter().find(|(l, _)| l == layer) else {
        return vec![format!("{layer} is not a known layer: add it to ALLOWED")];
    };
    let mut out: Vec<String> = named_layers(module, text)
        .into_iter()
        .filter(|n| !allowed.contains(&n.as_str()))
        .map(|n| format!("{layer} names crate::{n}"))
        .collect();
    let code = code_only(text);
    if !matches!(*layer, "cli" | "mcp" | "hook" | "front") {
        for f in ["println!", "eprintln!", "print!(", "eprint!(", "std::process::exit"] {
            if code.contains(f) {
                out.push(format!("{layer} uses {f}: only the front ends print or exit"));
            }
        }
    }
    if *layer == "model" {
        for f in [
            "std::fs",
            "std::process",
            "std::env",
            "std::net",
            "SystemTime::now",
            "Instant::now",
        ] {
            if code.contains(f) {
                out.push(format!("model uses {f}: the model does no I/O and reads no clock"));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn sources() -> Vec<(Vec<String>, String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("src dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(&root).expect("under src");
                let mut module: Vec<String> = rel
                    .with_extension("")
                    .iter()
                    .map(|c| c.to_string_lossy().into_owned())
                    .collect();
                if module.last().is_some_and(|m| m == "mod") {
                    module.pop();
                }
                // The crate roots, this guard, and the build script (not part of the crate).
                if module.len() == 1 && matches!(module[0].as_str(), "lib" | "main" | "layering" | "build") {
                    continue;
                }
                out.push((
                    module,
                    p.display().to_string(),
                    std::fs::read_to_string(&p).expect("source"),
                ));
            }
        }
    }
    out
}

#[test]
fn layers_point_one_way() {
    let mut all = Vec::new();
    for (module, path, text) in sources() {
        let m: Vec<&str> = module.iter().map(String::as_str).collect();
        all.extend(violations(&m, &text).into_iter().map(|v| format!("{path}: {v}")));
    }
    assert!(all.is_empty(), "layering violations:\n{}", all.join("\n"));
}

/// Functions longer than `max` lines: `(name, lines)`. A function runs from its `fn` line to
/// the first later line that closes at the same indentation.
fn long_functions(text: &str, max: usize) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        let body = [
            "fn ",
            "pub fn ",
            "pub(super) fn ",
            "pub(crate) fn ",
            "const fn ",
            "pub const fn ",
        ]
        .iter()
        .find_map(|p| t.strip_prefix(p));
        let Some(rest) = body else { continue };
        if l.trim_end().ends_with(';') {
            continue; // a declaration without a body (trait items)
        }
        let indent = l.len() - t.len();
        let close = lines[i + 1..]
            .iter()
            .position(|m| m.len() - m.trim_start().len() == indent && m.trim_start().starts_with('}'));
        if let Some(k) = close {
            if k + 2 > max {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                out.push((name, k + 2));
            }
        }
    }
    out
}

#[test]
fn rooms_stay_small() {
    let mut big = Vec::new();
    for (_, path, text) in sources() {
        let n = text.lines().count();
        if n > 400 {
            big.push(format!("{path}: {n} lines (at most 400)"));
        }
        for (name, lines) in long_functions(&text, 80) {
            big.push(format!("{path}: fn {name} has {lines} lines (at most 80)"));
        }
    }
    assert!(big.is_empty(), "split these:\n{}", big.join("\n"));
}

#[test]
fn a_long_function_is_found() {
    let body = (0..90).map(|i| format!("    let x{i} = {i};\n")).collect::<String>();
    let text = format!("fn short() {{\n    1\n}}\n\npub(super) fn long() {{\n{body}}}\n");
    assert_eq!(long_functions(&text, 80), vec![("long".to_owned(), 92)]);
}

#[test]
fn planted_violations_are_caught() {
    let table: &[(&[&str], &str, bool)] = &[
        (&["store", "repo"], "use crate::engine::glob::Glob;", true),
        (&["store"], "use crate::{model::Claim, engine::conflict};", true),
        (
            &["store"],
            "fn f() { let _ = crate::ops::Error::usage(\"x\", None); }",
            true,
        ),
        (&["store", "repo"], "use super::super::engine::glob;", true),
        (&["store", "repo"], "use super::Store;", false),
        (&["cli", "claim"], "use crate::mcp::serve;", true),
        (&["mcp"], "fn f() { crate::cli::main(); }", true),
        (&["model"], "use crate::store::Store;", true),
        (&["model"], "fn now() { std::time::SystemTime::now(); }", true),
        (&["ops"], "fn f() { println!(\"hi\"); }", true),
        (
            &["ops"],
            "// use crate::cli::render;\nconst S: &str = \"crate::mcp::x\";",
            false,
        ),
        (&["engine"], "use crate::model::{Claim, Scope};", false),
        (&["front"], "use crate::ops::{Error, Settings};", false),
        (&["front"], "use crate::cli::Out;", true),
        (&["front", "render"], "use crate::hook::main;", true),
        (&["hook"], "use crate::cli::Cli;", true),
        (&["hook", "payload"], "fn f() { super::super::mcp::main(x); }", true),
        (&["cli"], "fn f() { crate::hook::main(k, f, j); }", true),
        (&["hook"], "use crate::{front::Flags, ops::hook::pre_push};", false),
        (&["store"], "fn f() { println!(\"hi\"); }", true),
    ];
    for (module, text, bad) in table {
        let v = violations(module, text);
        assert_eq!(!v.is_empty(), *bad, "{module:?} {text:?}: {v:?}");
    }
}
