//! The board cache (`.git/coord/board-cache`): reads take a ref's state from it only at the
//! commit it was written for, and a damaged, foreign or half-written cache is ignored and
//! replaced, never believed.

use crate::support::*;

fn cache_path(r: &Repo) -> std::path::PathBuf {
    r.dir.join(".git").join("coord").join("board-cache")
}

/// The cache file (binary: a text header line, then length-prefixed blocks).
fn cache(r: &Repo) -> Vec<u8> {
    std::fs::read(cache_path(r)).expect("a read wrote the cache")
}

fn has(bytes: &[u8], what: &str) -> bool {
    bytes.windows(what.len()).any(|w| w == what.as_bytes())
}

/// The cache with every `alice` turned into `mallo` (same length, still valid data): what
/// a read shows if it wrongly believes the cache.
fn tamper(r: &Repo) -> Vec<u8> {
    let mut bytes = cache(r);
    assert!(has(&bytes, "alice"), "{}", String::from_utf8_lossy(&bytes));
    while let Some(at) = bytes.windows(5).position(|w| w == b"alice") {
        bytes[at..at + 5].copy_from_slice(b"mallo");
    }
    bytes
}

#[test]
fn a_cached_ref_is_used_only_at_the_commit_it_was_read_at() {
    let w = World::with_files(&["src/a.ts", "src/b.ts", "src/c.ts"]);
    let a = w.clone("a");
    let b = w.clone("b");
    // bob creates the shard of src/ (and writes the root's list of shards), then alice
    // claims in it.
    b.as_("bob", &["claim", "src/c.ts"]).ok();
    a.as_("alice", &["claim", "src/a.ts"]).ok();
    assert_eq!(a.holders(false), ["alice src/a.ts", "bob src/c.ts"]);
    // The ref alice's claim lives in moves on the remote (bob claims next to it)...
    b.as_("bob", &["claim", "src/b.ts"]).ok();
    // ...and a's cache, still keyed by the old commit, now says someone else held src/a.ts.
    std::fs::write(cache_path(&a), tamper(&a)).unwrap();
    assert_eq!(
        a.holders(true),
        ["alice src/a.ts", "bob src/b.ts", "bob src/c.ts"],
        "a ref that moved is read from its commit, not from the cache"
    );
    let now = cache(&a);
    assert!(
        has(&now, "bob") && !has(&now, "mallo"),
        "the cache is written anew at the new commit:\n{}",
        String::from_utf8_lossy(&now)
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
    let good = cache(&a);
    let header_len = good.iter().position(|b| *b == b'\n').unwrap() + 1;
    let header = good[..header_len].to_vec();
    let tampered = tamper(&a);
    let mut other_version = b"git-coord 0.0.1 board cache 2\n".to_vec();
    other_version.extend_from_slice(&tampered[header_len..]);
    let mut not_a_block = header.clone();
    // A well-formed block (its length, its head's length, the head, no rows) whose head is
    // not an entry.
    not_a_block.extend_from_slice(b"\x12\0\0\0\x0a\0\0\0{\"name\":1}\0\0\0\0");
    let damaged: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", b"\0\x01not a cache at all\n".repeat(50)),
        ("empty", Vec::new()),
        // What an interrupted write would leave if the file were written in place.
        ("half", good[..good.len() / 2].to_vec()),
        // Same commits, another version's file: not read, however plausible.
        ("another version", other_version),
        ("a block that is not an entry", not_a_block),
    ];
    for (what, bytes) in damaged {
        std::fs::write(cache_path(&a), &bytes).unwrap();
        assert_eq!(a.holders(false), want, "{what}: the board as its commits hold it");
        let now = cache(&a);
        assert!(
            now.starts_with(&header) && now != bytes && !has(&now, "mallo"),
            "{what}: the cache is replaced by a whole one:\n{}",
            String::from_utf8_lossy(&now)
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
