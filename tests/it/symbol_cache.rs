//! Files' symbols kept between commands (`store::symbol_cache`): read back equal to a fresh
//! parse, never stale after an edit, a damaged entry or an unwritable cache costs a parse
//! and never an answer, and writers running at once leave whole entries.

use std::path::{Path, PathBuf};

use crate::support::{fixture, World};

fn world() -> World {
    World::with_sources(&[
        ("src/auth/router.ts", fixture("symbols/router.ts")),
        ("src/svc/service.py", fixture("symbols/service.py")),
    ])
}

/// Every entry file under the clone's cache (any build).
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.join(".git/coord/symbols-cache")];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.path().is_dir() {
                true => todo.push(e.path()),
                false => out.push(e.path()),
            }
        }
    }
    out.sort();
    out
}

#[test]
fn kept_symbols_answer_as_a_fresh_parse_and_follow_every_edit() {
    let w = world();
    let a = w.clone("a");
    let fresh = a.run(&["symbols", "src", "--json"]).json();
    let kept = entries(&a.dir);
    assert_eq!(kept.len(), 2, "one entry per file: {kept:?}");
    assert_eq!(a.run(&["symbols", "src", "--json"]).json(), fresh);
    // A damaged entry is read as none: parsed again, answered the same, written again.
    for e in &kept {
        std::fs::write(e, b"\x01garbage").unwrap();
    }
    assert_eq!(a.run(&["symbols", "src", "--json"]).json(), fresh);
    for e in &kept {
        assert_ne!(std::fs::read(e).unwrap(), b"\x01garbage", "{} rewritten", e.display());
    }
    // An edit is new content: its symbols are read from it, not from the entry.
    let file = a.dir.join("src/svc/service.py");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        format!("{text}\n\ndef added_after_the_cache(x):\n    return x\n"),
    )
    .unwrap();
    let after = a.run(&["symbols", "src/svc/service.py", "--json"]).json();
    let paths: Vec<&str> = after["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["path"].as_str())
        .collect();
    assert!(paths.contains(&"added_after_the_cache"), "{after}");
    // A symbol claim is checked against the edited file too.
    a.as_("alice", &["claim", "src/svc/service.py::added_after_the_cache"])
        .ok();
    assert_eq!(entries(&a.dir).len(), 3, "the edited content has its own entry");
}

#[test]
fn a_cache_that_cannot_be_written_costs_a_parse_not_an_answer() {
    let w = world();
    let a = w.clone("a");
    let want = {
        let b = w.clone("b");
        b.run(&["symbols", "src", "--json"]).json()
    };
    // A file where the cache's directory would be: nothing can be kept.
    std::fs::create_dir_all(a.dir.join(".git/coord")).unwrap();
    std::fs::write(a.dir.join(".git/coord/symbols-cache"), b"not a directory").unwrap();
    for _ in 0..2 {
        let r = a.run(&["symbols", "src", "--json"]);
        assert_eq!(r.json(), want, "{}", r.stderr);
    }
    assert_eq!(
        std::fs::read(a.dir.join(".git/coord/symbols-cache")).unwrap(),
        b"not a directory"
    );
}

#[test]
fn writers_at_once_leave_whole_entries_and_no_temporary_files() {
    let w = world();
    let a = w.clone("a");
    let want = w.clone("b").run(&["symbols", "src", "--json"]).json();
    let runs: Vec<_> = (0..6)
        .map(|_| {
            let mut cmd = a.command(None, crate::support::NOW, &["symbols", "src", "--json"]);
            cmd.stdout(std::process::Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    for child in runs {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(got, want);
    }
    let kept = entries(&a.dir);
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(a.run(&["symbols", "src", "--json"]).json(), want);
}
