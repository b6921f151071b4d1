//! Lock files of the refs git-coord writes (`refs/coord/**.lock`, `packed-refs.lock`).
//!
//! git holds a ref lock for the milliseconds between creating it and renaming it into place;
//! a process killed in between leaves it behind, and from then on every update of that ref
//! fails. Two ways to know a lock is left behind:
//! - every git-coord process holds a shared `flock` on `<common dir>/coord/writers` for its
//!   whole life (the kernel drops it when the process dies, even by kill -9). A process that
//!   can take it exclusively knows no other git-coord process is alive in this repository,
//!   so every ref lock there is stale and is cleared at once;
//! - otherwise a lock older than [`STALE_AFTER`] cannot belong to a live ref update.
//!
//! A cleared lock is renamed aside first, so a writer that was merely paused and comes back
//! finds its lock gone and fails its update: a lost race, never a corrupt ref.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::error::StoreError;

/// How old a ref lock must be before it is known to be left behind.
pub const STALE_AFTER: Duration = Duration::from_secs(10);

/// Every ref lock git-coord's refs can have, with its age.
pub fn ref_locks(common_dir: &Path) -> Vec<(PathBuf, Duration)> {
    let age = |p: &Path| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    let packed = common_dir.join("packed-refs.lock");
    if packed.exists() {
        out.push((age(&packed), packed));
    }
    let mut dirs = vec![common_dir.join("refs").join("coord")];
    while let Some(d) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "lock") {
                out.push((age(&p), p));
            }
        }
    }
    out.into_iter().map(|(a, p)| (p, a)).collect()
}

/// Clear the ref locks older than [`STALE_AFTER`]; returns the ones cleared.
pub fn clear_stale(common_dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut cleared = Vec::new();
    for (path, age) in ref_locks(common_dir) {
        if age >= STALE_AFTER && clear(&path)? {
            cleared.push(path);
        }
    }
    Ok(cleared)
}

/// This process's shared hold on `<common dir>/coord/writers` (released when it exits).
pub struct Alive {
    _file: std::fs::File,
}

/// Join the live git-coord processes of this repository, clearing the ref locks that are
/// provably stale first (only when `clear_locks`). Returns the hold and the locks cleared.
///
/// A repository others push to (a bare remote) never has its locks cleared: there git's own
/// receive-pack holds them while it updates refs, and no git-coord process can tell its
/// locks from a stopped one's (clearing a live one let two pushes both move a board ref).
pub fn enter(common_dir: &Path, clear_locks: bool) -> Result<(Option<Alive>, Vec<PathBuf>), StoreError> {
    let dir = common_dir.join("coord");
    let path = dir.join("writers");
    let file = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
    });
    let Ok(file) = file else {
        // A read-only repository: nothing of ours can be locked there either.
        return Ok((
            None,
            if clear_locks {
                clear_stale(common_dir)?
            } else {
                Vec::new()
            },
        ));
    };
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: flock(2) on a descriptor this function owns; no memory is shared.
    let alone = unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } == 0;
    let cleared = if !clear_locks {
        Vec::new()
    } else if alone {
        let mut out = Vec::new();
        for (lock, _) in ref_locks(common_dir) {
            if clear(&lock)? {
                out.push(lock);
            }
        }
        out
    } else {
        clear_stale(common_dir)?
    };
    // SAFETY: as above; converting (or taking) the shared hold, waiting only while another
    // process holds it exclusively for the moment it takes to clear locks.
    unsafe {
        libc::flock(fd, libc::LOCK_SH);
    }
    Ok((Some(Alive { _file: file }), cleared))
}

/// Rename a lock aside and remove it; false when it was already gone.
fn clear(path: &Path) -> Result<bool, StoreError> {
    let aside = path.with_extension(format!("stale-{}", std::process::id()));
    match std::fs::rename(path, &aside) {
        Ok(()) => {
            let _ = std::fs::remove_file(&aside);
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StoreError::write(path.display().to_string(), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aged(path: &Path, secs: u64) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
        let t = SystemTime::now() - Duration::from_secs(secs);
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(t)
            .unwrap();
    }

    #[test]
    fn only_old_locks_are_cleared_while_another_process_may_be_alive() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("refs/coord/claims.lock");
        let young = dir.path().join("refs/coord/x/y.lock");
        aged(&old, 60);
        aged(&young, 0);
        assert_eq!(ref_locks(dir.path()).len(), 2);
        let cleared = clear_stale(dir.path()).unwrap();
        assert_eq!(cleared, vec![old.clone()]);
        assert!(!old.exists() && young.exists());
    }

    #[test]
    fn alone_every_lock_is_cleared_and_a_live_holder_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let young = dir.path().join("refs/coord/claims.lock");
        aged(&young, 0);
        // Another live git-coord process holds the shared lock: a young lock stays.
        let (held, cleared) = enter(dir.path(), true).unwrap();
        assert_eq!(cleared, vec![young.clone()], "alone: cleared at once");
        aged(&young, 0);
        let (_second, cleared) = enter(dir.path(), true).unwrap();
        assert!(cleared.is_empty() && young.exists(), "another process is alive");
        drop(held);
    }

    #[test]
    fn a_repository_others_push_to_keeps_every_lock() {
        let dir = tempfile::tempdir().unwrap();
        let (young, old) = (
            dir.path().join("refs/coord/claims.lock"),
            dir.path().join("refs/coord/shards/0a.lock"),
        );
        aged(&young, 0);
        aged(&old, 600);
        let (_held, cleared) = enter(dir.path(), false).unwrap();
        assert!(cleared.is_empty() && young.exists() && old.exists());
    }
}
