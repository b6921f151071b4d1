//! Reading in pieces gives what one parse gives.

use super::super::lang;
use super::*;

fn files() -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if lang::detect(&p.to_string_lossy()).is_some() {
                out.push(p);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for d in ["fixtures", "src/engine", "src/store"] {
        walk(&root.join(d), &mut out);
    }
    out
}

#[test]
fn every_file_read_in_small_pieces_has_the_symbols_of_one_parse() {
    let mut cut_files = 0;
    for f in files() {
        let path = f.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let l = lang::detect(&path).unwrap();
        let m = l.matcher().unwrap();
        let whole = extract_text(l, &m, &text).unwrap();
        // Pieces of ~200 bytes: a cut at nearly every blank line before a top-level line.
        let pieces = extract_pieces(l, &m, &text, 0, 200).unwrap();
        cut_files += usize::from(cuts(&text, 200).len() > 2);
        assert_eq!(pieces.symbols, whole.symbols, "{path}");
        assert_eq!(pieces.error_line, whole.error_line, "{path}");
    }
    assert!(cut_files >= 20, "only {cut_files} files were cut");
}

#[test]
fn a_cut_inside_a_string_is_healed_by_parsing_the_pieces_together() {
    let l = lang::detect("a.ts").unwrap();
    let m = l.matcher().unwrap();
    // A blank line then a column-0 word inside a template literal: a cut falls there.
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!("export function f{i}() {{\n  return 1;\n}}\n\n"));
        if i == 20 {
            text.push_str("export const doc = `\n\nexport function notReal() {}\n`;\n\n");
        }
    }
    assert!(cuts(&text, 60).len() > 10);
    let whole = extract_text(l, &m, &text).unwrap();
    let pieces = extract_pieces(l, &m, &text, 0, 60).unwrap();
    assert_eq!(pieces.symbols, whole.symbols);
    assert!(pieces.symbols.iter().all(|s| s.name != "notReal"));
    assert_eq!(pieces.symbols.len(), 40);
}

#[test]
fn the_first_large_file_read_calls_enter_and_the_last_one_done_calls_leave() {
    static CALLS: std::sync::Mutex<Vec<&str>> = std::sync::Mutex::new(Vec::new());
    let hooks = LargeFileHooks {
        enter: || CALLS.lock().unwrap().push("enter"),
        leave: || CALLS.lock().unwrap().push("leave"),
    };
    let count = AtomicUsize::new(0);
    let calls = || CALLS.lock().unwrap().clone();
    let a = Reading::start(&count, Some(&hooks));
    assert_eq!(calls(), ["enter"]);
    let b = Reading::start(&count, Some(&hooks));
    drop(a);
    assert_eq!(calls(), ["enter"], "one file is still being read");
    drop(b);
    assert_eq!(calls(), ["enter", "leave"]);
    drop(Reading::start(&count, Some(&hooks)));
    assert_eq!(calls(), ["enter", "leave", "enter", "leave"]);
    assert_eq!(count.load(Ordering::SeqCst), 0);
}
