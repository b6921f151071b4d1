//! Operations recorded locally but not yet confirmed by the remote.
//!
//! One file per operation under `<common git dir>/coord/pending/`, named so that listing
//! sorts them in the order they were made. Written with write-then-rename, so a file is
//! either whole or absent; removing one that is gone is not an error. Operations are
//! idempotent, so two processes confirming the same one is harmless.
//!
//! The process that writes a file holds an `flock` on it for as long as it lives (the kernel
//! drops it when the process ends, even by kill -9): a held file is a write still in flight,
//! an unheld one was left for `sync` (offline, unreachable, or its writer died).

use std::path::{Path, PathBuf};

use super::error::StoreError;
use crate::model::{Op, Timestamp};

/// One pending operation and the file that holds it.
#[derive(Debug, Clone)]
pub struct Pending {
    pub path: PathBuf,
    pub op: Op,
    pub recorded_at: Timestamp,
}

pub struct PendingDir {
    dir: PathBuf,
    /// The files this process wrote, open and locked.
    held: std::cell::RefCell<Vec<(PathBuf, std::fs::File)>>,
}

impl PendingDir {
    pub fn new(common_dir: &Path) -> PendingDir {
        PendingDir {
            dir: common_dir.join("coord").join("pending"),
            held: std::cell::RefCell::new(Vec::new()),
        }
    }

    fn file_for(&self, op: &Op, now: Timestamp) -> PathBuf {
        self.dir.join(format!("{:012}-{}.json", now.0.max(0), op.id().0))
    }

    /// Record `op`: into `at` when the caller already wrote this operation there (a retry),
    /// else into a new file. Returns the file.
    pub fn save(&self, op: &Op, now: Timestamp, at: Option<&Path>) -> Result<PathBuf, StoreError> {
        if let Some(path) = at {
            return self.write(path, op);
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| StoreError::write(self.dir.display().to_string(), e))?;
        self.write(&self.file_for(op, now), op)
    }

    fn write(&self, path: &Path, op: &Op) -> Result<PathBuf, StoreError> {
        use std::io::Write;
        let tmp = path.with_extension("tmp");
        let err = |e: std::io::Error| StoreError::write(tmp.display().to_string(), e);
        let bytes = serde_json::to_vec_pretty(op).expect("because ops always serialise");
        let mut file = std::fs::File::create(&tmp).map_err(err)?;
        file.write_all(&bytes).map_err(err)?;
        // Locked before it takes its name, so no reader ever sees it unheld while we live.
        flock(&file, libc::LOCK_EX);
        std::fs::rename(&tmp, path).map_err(|e| StoreError::write(path.display().to_string(), e))?;
        let mut held = self.held.borrow_mut();
        held.retain(|(p, _)| p != path);
        held.push((path.to_owned(), file));
        Ok(path.to_owned())
    }

    /// The pending operations no live process is writing: left for `sync`.
    pub fn list_left(&self) -> Result<Vec<Pending>, StoreError> {
        let mut out = self.list()?;
        out.retain(|p| {
            let Ok(f) = std::fs::File::open(&p.path) else {
                return false;
            };
            // Our own files count as held too (a second open file description conflicts).
            flock(&f, libc::LOCK_SH | libc::LOCK_NB)
        });
        Ok(out)
    }

    pub fn remove(&self, path: &Path) -> Result<(), StoreError> {
        self.held.borrow_mut().retain(|(p, _)| p != path);
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::write(path.display().to_string(), e)),
        }
    }

    fn list_paths(&self) -> Result<Vec<PathBuf>, StoreError> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::read(self.dir.display().to_string(), e)),
        };
        let mut paths: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        Ok(paths)
    }

    /// All pending operations, oldest first. A file that cannot be read is an error naming it.
    pub fn list(&self) -> Result<Vec<Pending>, StoreError> {
        let mut out = Vec::new();
        for path in self.list_paths()? {
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(StoreError::read(path.display().to_string(), e)),
            };
            let op: Op = serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
                reference: "pending operation".into(),
                path: path.display().to_string(),
                source: Box::new(e),
            })?;
            let recorded_at = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.split('-').next())
                .and_then(|n| n.parse().ok())
                .map(Timestamp)
                .unwrap_or(Timestamp(0));
            out.push(Pending { path, op, recorded_at });
        }
        Ok(out)
    }
}

/// flock(2); true when taken.
fn flock(file: &std::fs::File, how: i32) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: flock(2) on a descriptor the caller owns; no memory is shared.
    unsafe { libc::flock(file.as_raw_fd(), how) == 0 }
}
