//! A word to the allocator before a process reads a big board: the binary backs such a
//! process's heap with huge pages (a 10,000-claim read faults ~320 pages instead of ~3,600),
//! and leaves every other process on small pages (a short command that touches a few MB
//! would otherwise have the kernel zero a 2 MB page for each region it starts to use, which
//! many short commands at once on a loaded machine pay dearly for).
//!
//! The store only says when; what it means for memory is the binary's business.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

/// A board cache at least this big (about 2,500 claims) means a big board; so do claim
/// blobs of this many bytes read from objects by one process (a read with no cache, or a
/// write, which never trusts the cache).
pub const BIG_BOARD_BYTES: u64 = 256 * 1024;

static HOOK: OnceLock<fn()> = OnceLock::new();
static CALLED: AtomicBool = AtomicBool::new(false);
static BLOB_BYTES: AtomicUsize = AtomicUsize::new(0);

fn big_board() {
    if let Some(hook) = HOOK.get() {
        if !CALLED.swap(true, Ordering::Relaxed) {
            hook();
        }
    }
}

/// Claim blobs of `bytes` were read from objects, about to be decoded.
pub(crate) fn claim_blobs(bytes: usize) {
    let before = BLOB_BYTES.fetch_add(bytes, Ordering::Relaxed);
    if before + bytes >= BIG_BOARD_BYTES as usize {
        big_board();
    }
}

/// Call `hook` (once) when a repository with a big board is opened, or a process has read
/// that many claim bytes from objects (the first `on_big_board` wins).
pub fn on_big_board(hook: fn()) {
    let _ = HOOK.set(hook);
}

/// Opening a repository whose board cache is the file `cache`: when the cache says the board
/// is big, call the hook (one `stat`; a board never read here has no cache, and counts as
/// small until its claim blobs are read, `claim_blobs`).
pub(crate) fn opening(cache: &Path) {
    if HOOK.get().is_none() || CALLED.load(Ordering::Relaxed) {
        return;
    }
    let big = std::fs::metadata(cache).is_ok_and(|m| m.len() >= BIG_BOARD_BYTES);
    if big {
        big_board();
    }
}
