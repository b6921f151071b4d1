//! A word to the allocator before a process reads a big board: the binary backs such a
//! process's heap with huge pages (a 10,000-claim read faults ~320 pages instead of ~3,600),
//! and leaves every other process on small pages (a short command that touches a few MB
//! would otherwise have the kernel zero a 2 MB page for each region it starts to use, which
//! many short commands at once on a loaded machine pay dearly for).
//!
//! The store only says when; what it means for memory is the binary's business.

use std::path::Path;
use std::sync::OnceLock;

/// A board cache at least this big (about 2,500 claims) means a big board.
pub const BIG_CACHE_BYTES: u64 = 256 * 1024;

static HOOK: OnceLock<fn()> = OnceLock::new();

/// Call `hook` when a repository with a big board is opened (the first call wins).
pub fn on_big_board(hook: fn()) {
    let _ = HOOK.set(hook);
}

/// Opening the repository whose common directory is `common`: when its board cache says the
/// board is big, call the hook (one `stat`; a board never read here has no cache and reads as
/// small).
pub(crate) fn opening(common: &Path) {
    let Some(hook) = HOOK.get() else {
        return;
    };
    let big = std::fs::metadata(common.join("coord").join("board-cache")).is_ok_and(|m| m.len() >= BIG_CACHE_BYTES);
    if big {
        hook();
    }
}
