//! Lock files of the refs git-coord writes (`refs/coord/**.lock`, `packed-refs.lock`).
//!
//! git holds a ref lock for the milliseconds between creating it and renaming it into place;
//! a process killed in between leaves it behind, and from then on every update of that ref
//! fails. A lock older than [`STALE_AFTER`] cannot belong to a live ref update, so it is
//! cleared (after being renamed aside, so a writer that was merely paused and comes back
//! finds its lock gone and fails its update, which is a lost race, never a corrupt ref).
//! Younger locks are left alone: they are a concurrent writer, to be retried.

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
        if age < STALE_AFTER {
            continue;
        }
        let aside = path.with_extension(format!("stale-{}", std::process::id()));
        match std::fs::rename(&path, &aside) {
            Ok(()) => {
                let _ = std::fs::remove_file(&aside);
                cleared.push(path);
            }
            // Someone else cleared or used it meanwhile.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::write(path.display().to_string(), e)),
        }
    }
    Ok(cleared)
}
