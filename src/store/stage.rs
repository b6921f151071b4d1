//! The clone's stage: board commits that writers of this clone have made but not yet pushed,
//! as one chain per board ref on top of the board this clone last confirmed with the remote,
//! so that work arriving together leaves in one push (group commit, no daemon).
//!
//! Two `flock`s in `<common dir>/coord/`: `stage.lock`, held for the moments it takes to read
//! the stage head, plan on it and append one commit; `push.lock`, held by the one writer of
//! this clone that is talking to the remote. The kernel drops both when a process dies, even
//! by kill -9; the staged heads are one file replaced atomically. Owns the files, not the
//! protocol (ops/txn.rs).

use std::collections::BTreeMap;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use gix::ObjectId;

use super::error::StoreError;

/// An exclusive `flock` on one file, released on drop (or when the process dies).
pub struct Held {
    _file: std::fs::File,
}

fn open(path: &Path) -> Result<std::fs::File, StoreError> {
    let err = |e: std::io::Error| StoreError::write(path.display().to_string(), e);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(err)
}

pub(super) fn lock(path: &Path) -> Result<Held, StoreError> {
    let err = |e: std::io::Error| StoreError::write(path.display().to_string(), e);
    let file = open(path)?;
    loop {
        // SAFETY: flock(2) on a descriptor this function owns; no memory is shared.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(Held { _file: file });
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(err(e));
        }
    }
}

/// The stage of one clone.
pub struct Stage {
    dir: PathBuf,
}

impl Stage {
    pub fn new(common_dir: &Path) -> Stage {
        Stage {
            dir: common_dir.join("coord"),
        }
    }

    /// Hold the stage while reading, planning on and appending to it.
    pub fn lock(&self) -> Result<Held, StoreError> {
        lock(&self.dir.join("stage.lock"))
    }

    /// Become the one writer of this clone that pushes (waits for the current one).
    pub fn push_turn(&self) -> Result<Held, StoreError> {
        lock(&self.dir.join("push.lock"))
    }

    /// The turn at the remote if nobody has it now.
    pub fn try_push_turn(&self) -> Result<Option<Held>, StoreError> {
        let file = open(&self.dir.join("push.lock"))?;
        // SAFETY: flock(2) on a descriptor this function owns; no memory is shared.
        let got = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
        Ok(got.then_some(Held { _file: file }))
    }

    /// When this clone's writers pushed (unix milliseconds), those at or after `since`: the
    /// push budget's log, read and written only by the writer holding the push turn.
    pub fn pushes_since(&self, since: u64) -> Vec<u64> {
        let text = std::fs::read_to_string(self.dir.join("pushes")).unwrap_or_default();
        text.lines()
            .filter_map(|l| l.trim().parse().ok())
            .filter(|t| *t >= since)
            .collect()
    }

    /// Log a push at `at` (keeping only those at or after `since`; best effort: a log that
    /// cannot be written only lets the next push through sooner).
    pub fn record_push(&self, at: u64, since: u64) {
        let mut keep = self.pushes_since(since);
        keep.push(at);
        let text: String = keep.iter().map(|t| format!("{t}\n")).collect();
        let (path, tmp) = (self.dir.join("pushes"), self.dir.join("pushes.new"));
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(tmp, path);
        }
    }

    /// The staged head of each board ref that has one (read with the stage held, or as a
    /// hint): lines of `<ref> <commit>`.
    pub fn heads(&self) -> BTreeMap<String, ObjectId> {
        let Ok(text) = std::fs::read_to_string(self.dir.join("stage")) else {
            return BTreeMap::new();
        };
        text.lines()
            .filter_map(|l| {
                let (name, id) = l.split_once(' ')?;
                Some((name.to_owned(), ObjectId::from_hex(id.trim().as_bytes()).ok()?))
            })
            .collect()
    }

    /// Replace the staged heads (with the stage held); an empty map empties the stage.
    pub fn set(&self, heads: &BTreeMap<String, ObjectId>) -> Result<(), StoreError> {
        let path = self.dir.join("stage");
        let err = |e: std::io::Error| StoreError::write(path.display().to_string(), e);
        if heads.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(err(e)),
                _ => Ok(()),
            };
        }
        let text: String = heads.iter().map(|(name, id)| format!("{name} {id}\n")).collect();
        let tmp = self.dir.join(format!("stage.{}", std::process::id()));
        std::fs::write(&tmp, text).map_err(err)?;
        std::fs::rename(&tmp, &path).map_err(err)
    }
}
