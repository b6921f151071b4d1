//! Ctrl-C while waiting: the first SIGINT only sets a flag, so a `--wait` can leave the
//! queue it joined (a write) before the process ends; a second one ends it at once.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    if INTERRUPTED.swap(true, Ordering::SeqCst) {
        // Second Ctrl-C: the default action, now.
        // SAFETY: signal(2) and raise(3) are async-signal-safe.
        unsafe {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::raise(libc::SIGINT);
        }
    }
}

/// From now on the first Ctrl-C is a request to stop waiting.
pub fn catch() {
    // SAFETY: installs a handler that only touches an atomic (and, the second time,
    // restores the default and re-raises), which is async-signal-safe.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
}

/// Whether Ctrl-C was pressed since `catch`.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
