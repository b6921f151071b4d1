//! The board cache (`.git/coord/board-cache`): reads take a ref's state from it only at the
//! commit it was written for, and a damaged, foreign or half-written cache is ignored and
//! replaced, never believed.

use crate::support::*;

fn cache_path(r: &Repo) -> std::path::PathBuf {
    r.dir.join(".git").join("coord").join("board-cache")
}

/// The cache with every `alice` turned into `mallo` (same length, still valid data): what
/// a read shows if it wrongly believes the cache.
fn tamper(r: &Repo) -> String {
    let text = std::fs::read_to_string(cache_path(r)).expect("a read wrote the cache");
    assert!(text.contains("alice"), "{text}");
    text.replace("alice", "mallo")
}

#[test]
fn a_cached_ref_is_used_only_at_the_commit_it_was_read_at() {
    let w = World::with_files(&["src/a.ts", "src/b.ts", "src/c.ts"]);
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_("alice", &["claim", "src/a.ts"]).ok();
    assert_eq!(a.holders(false), ["alice src/a.ts"]);
    // The ref alice's claim lives in moves on the remote (bob claims next to it)...
    b.as_("bob", &["claim", "src/b.ts"]).ok();
    // ...and a's cache, still keyed by the old commit, now says someone else held src/a.ts.
    std::fs::write(cache_path(&a), tamper(&a)).unwrap();
    assert_eq!(
        a.holders(true),
        ["alice src/a.ts", "bob src/b.ts"],
        "a ref that moved is read from its commit, not from the cache"
    );
    let text = std::fs::read_to_string(cache_path(&a)).unwrap();
    assert!(
        text.contains("bob") && !text.contains("mallo"),
        "the cache is written anew at the new commit:\n{text}"
    );
}

#[test]
fn a_damaged_or_foreign_cache_is_ignored_and_replaced() {
    let w = World::with_files(&["src/a.ts", "src/b.ts", "src/c.ts"]);
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/a.ts"]).ok();
    a.as_("alice", &["claim", "db:schema:users"]).ok();
    let want = a.holders(false);
    assert_eq!(want, ["alice db:schema:users", "alice src/a.ts"]);
    let good = std::fs::read_to_string(cache_path(&a)).unwrap();
    let (header, _) = good.split_once('\n').unwrap();
    let tampered = tamper(&a);
    let damaged: Vec<(&str, String)> = vec![
        ("garbage", "\u{0}\u{1}not a cache at all\n".repeat(50)),
        ("empty", String::new()),
        // What an interrupted write would leave if the file were written in place.
        ("half", good[..good.len() / 2].to_owned()),
        // Same commits, another version's file: not read, however plausible.
        (
            "another version",
            tampered.replacen(header, "git-coord 0.0.1 board cache 2", 1),
        ),
        ("a line that is not an entry", format!("{header}\n{{\"name\":1}}\n")),
    ];
    for (what, text) in damaged {
        std::fs::write(cache_path(&a), &text).unwrap();
        assert_eq!(a.holders(false), want, "{what}: the board as its commits hold it");
        let now = std::fs::read_to_string(cache_path(&a)).unwrap();
        assert!(
            now.starts_with(header) && now != text && !now.contains("mallo"),
            "{what}: the cache is replaced by a whole one:\n{now}"
        );
    }
    // The cache is not needed at all: removed, the board reads the same.
    std::fs::remove_file(cache_path(&a)).unwrap();
    assert_eq!(a.holders(false), want);
    assert!(cache_path(&a).exists());
}

#[test]
fn the_cache_is_believed_at_its_commit_so_a_second_read_loads_no_board_objects() {
    let w = World::with_files(&["src/a.ts", "src/b.ts", "src/c.ts"]);
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/a.ts"]).ok();
    assert_eq!(a.holders(false), ["alice src/a.ts"]);
    // With the cache at the current commits, the state comes from it: the tampered copy
    // shows (this is what makes the cache worth having; a cache written by anything but
    // git-coord is outside what it defends against, like any file under .git).
    std::fs::write(cache_path(&a), tamper(&a)).unwrap();
    assert_eq!(a.holders(false), ["mallo src/a.ts"]);
    // Any write moves the ref, and the truth is back.
    a.as_("alice", &["claim", "src/c.ts"]).ok();
    assert_eq!(a.holders(false), ["alice src/a.ts", "alice src/c.ts"]);
}
