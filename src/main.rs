//! The `git-coord` binary: hands the process to the front end the command line asks for.

use std::ffi::{c_int, c_long};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

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

/// Whether this process may back its heap with transparent huge pages: it starts without
/// them (see `store::heap`) unless whoever started it had already turned them off.
static MAY_USE_HUGE_PAGES: AtomicBool = AtomicBool::new(false);

/// Start on small pages. mimalloc asks for huge pages on its arenas (`madvise`); a short
/// command then has the kernel zero a whole 2 MB page for each region it begins to use (in a
/// 64-agent WAN run, a quarter to a third of all CPU time went to that). The flag is this
/// process's (and, as Linux does, the git commands it starts inherit it).
fn small_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_GET/PR_SET_THP_DISABLE read and set one flag of this process.
    unsafe {
        if libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) == 0
            && libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0
        {
            MAY_USE_HUGE_PAGES.store(true, Ordering::Relaxed);
        }
    }
}

/// `small_pages` before anything else runs: mimalloc starts in a constructor (before
/// `main`) and its first allocation touches an arena it has already asked huge pages for, so
/// from `main` on it is too late for the first 2 MB, which the kernel zeroes on the spot.
/// Measured here: 1 `--version` in 200 took 52 ms instead of 2, and 1 in 15 cold `symbols`
/// runs of a 1 MB file had a fifth of its time in that page; with this, none. Runs first
/// because the linker orders `.init_array.NNNNN` by NNNNN, ahead of the plain `.init_array`
/// of ordinary constructors (mimalloc's, built by gcc).
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array.00100"]
static SMALL_PAGES_FIRST: extern "C" fn() = {
    extern "C" fn before_the_allocator() {
        small_pages();
    }
    before_the_allocator
};

/// A big board is ahead (`store::heap`): from now on, memory first touched in mimalloc's
/// arenas comes in huge pages.
fn huge_pages() {
    #[cfg(target_os = "linux")]
    if MAY_USE_HUGE_PAGES.load(Ordering::Relaxed) {
        // SAFETY: as in `small_pages`.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 0, 0, 0, 0) };
    }
}

fn main() {
    #[cfg(not(target_os = "linux"))]
    small_pages();
    git_coord::store::heap::on_big_board(huge_pages);
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

    /// One test (the flag is process-wide): the process is on small pages before `main` (the
    /// constructor ran before this harness), and a big board turns huge pages on, unless
    /// they were off from the start.
    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_are_off_from_the_start_until_a_big_board_unless_they_were_off_already() {
        // SAFETY: reads and sets of this process's flag.
        let get = || unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        assert_eq!(get(), 1, "off before main");
        let allowed = MAY_USE_HUGE_PAGES.load(Ordering::Relaxed);
        huge_pages();
        assert_eq!(
            get(),
            i32::from(!allowed),
            "given back only when it was on at the start"
        );
        // Turned off by whoever started the process: it stays off.
        MAY_USE_HUGE_PAGES.store(false, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
        small_pages();
        huge_pages();
        assert_eq!(get(), 1, "off from the start: stays off");
    }
}
