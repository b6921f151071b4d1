//! The `git-coord` binary: hands the process to the front end the command line asks for.

use std::ffi::{c_int, c_long};
use std::sync::atomic::{AtomicIsize, Ordering};

use git_coord::engine::symbols::{on_large_files, LargeFileHooks};
use git_coord::front::Launch;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
    fn mi_option_get(option: c_int) -> c_long;
    fn mi_collect(force: bool);
}

/// `mi_option_purge_delay` of the mimalloc v3 that libmimalloc-sys 0.1.49 builds: how many
/// milliseconds freed memory stays committed for reuse (1,000 by default in this build).
/// Its Rust side names no constant for it; a test below checks the index by its default.
const PURGE_DELAY: c_int = 15;

/// The purge delay to go back to after large files: read once, before any large file, so
/// a file that starts while another's `leave` is still on its way cannot make 1 ms the
/// usual.
static USUAL_DELAY: AtomicIsize = AtomicIsize::new(1000);

/// While a large source file is read in pieces, freed memory goes back to the system
/// after 1 ms (see `engine::symbols::LargeFileHooks`).
fn purge_soon() {
    // SAFETY: an option is a plain word in mimalloc's table, read when a purge is
    // scheduled: a thread racing this sees the old or the new delay, both valid.
    unsafe {
        mi_option_set(PURGE_DELAY, 1);
        // A purge already scheduled under the old delay would hold every later one back
        // until it is due: purge now, which also lets the next ones come after 1 ms.
        mi_collect(true);
    }
}

fn purge_as_usual() {
    let usual = USUAL_DELAY.load(Ordering::Relaxed) as c_long;
    // SAFETY: as in `purge_soon`.
    unsafe { mi_option_set(PURGE_DELAY, usual) };
}

/// Note the purge delay the process starts with (mimalloc's default or its environment's).
fn remember_usual_delay() {
    // SAFETY: a read of an option.
    USUAL_DELAY.store(unsafe { mi_option_get(PURGE_DELAY) } as isize, Ordering::Relaxed);
}

fn main() {
    remember_usual_delay();
    on_large_files(LargeFileHooks {
        enter: purge_soon,
        leave: purge_as_usual,
    });
    let code = match git_coord::cli::main() {
        Launch::Exit(code) => code,
        Launch::Mcp(flags) => git_coord::mcp::main(flags),
        Launch::Hook { kind, flags, json } => git_coord::hook::main(kind, flags, json),
    };
    std::process::exit(code);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test (the option is process-wide): the index names the purge delay, and large
    /// files lower it and give it back.
    #[test]
    fn large_files_lower_mimallocs_purge_delay_and_give_it_back() {
        // SAFETY: reads and writes of options.
        let (before, at, after) = unsafe {
            (
                mi_option_get(PURGE_DELAY - 1),
                mi_option_get(PURGE_DELAY),
                mi_option_get(PURGE_DELAY + 1),
            )
        };
        // Its default is 1,000 ms (unless MIMALLOC_PURGE_DELAY says otherwise); its
        // neighbours (a retired option and the NUMA node count) default to 1 and 0.
        let expected = std::env::var("MIMALLOC_PURGE_DELAY")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        assert_eq!(at, expected);
        assert_eq!((before, after), (1, 0));
        remember_usual_delay();
        purge_soon();
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, 1);
        purge_as_usual();
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, expected);
    }
}
