//! The repository: objects, refs, config and the index, all in-process through gix.
//!
//! `board` reads and writes the board's tree, `history` walks commits and diffs trees,
//! `quarantine` makes a push's quarantined objects readable in a pre-receive hook.

mod board;
mod cache;
mod cache_rows;
mod compaction;
mod files;
mod history;
mod objects;
mod quarantine;
mod shards;
mod signed;

use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::ObjectId;

pub use board::Loaded;
pub use history::{FileChange, HistoryEntry};
pub use quarantine::PushQuarantine;
pub use shards::{Board, RefWrite};

use super::error::StoreError;
use crate::model::Timestamp;

/// An open repository.
pub struct Store {
    repo: gix::Repository,
    /// Signs every board commit when set (`[trust] sign`).
    signer: Option<crate::store::signing::Signer>,
    /// A private objects dir whose alternates reach a push's quarantine (pre-receive).
    _quarantine_view: Option<tempfile::TempDir>,
    /// What this process already read of objects it reads again (they never change).
    memo: std::cell::RefCell<objects::Memo>,
}

/// Outcome of a compare-and-swap on a local ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cas {
    Done,
    Lost { actual: Option<ObjectId> },
}

impl Store {
    /// Find the repository containing `dir`.
    pub fn discover(dir: &Path) -> Result<Store, StoreError> {
        Store::discover_in_push(dir, None)
    }

    /// Find the repository containing `dir`; inside a pre-receive hook, with the pushed
    /// objects readable too.
    pub fn discover_in_push(dir: &Path, quarantine: Option<&PushQuarantine>) -> Result<Store, StoreError> {
        let mut repo = gix::discover(dir).map_err(|e| StoreError::NotARepo {
            path: dir.to_owned(),
            source: Box::new(e),
        })?;
        let view = match quarantine {
            Some(q) => Some(quarantine::view(&mut repo, q)?),
            None => None,
        };
        crate::store::heap::opening(&cache::file(repo.common_dir()));
        Ok(Store {
            repo,
            signer: None,
            _quarantine_view: view,
            memo: Default::default(),
        })
    }

    pub fn git_dir(&self) -> &Path {
        self.repo.git_dir()
    }

    /// The directory shared by all worktrees.
    pub fn common_dir(&self) -> &Path {
        self.repo.common_dir()
    }

    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// Where git commands should run.
    pub fn run_dir(&self) -> PathBuf {
        self.workdir().unwrap_or_else(|| self.git_dir()).to_owned()
    }

    pub fn is_bare(&self) -> bool {
        self.repo.workdir().is_none()
    }

    /// A config value as a string (last one wins, like `git config --get`).
    pub fn config_string(&self, key: &str) -> Option<String> {
        self.repo
            .config_snapshot()
            .string(key)
            .map(|v| v.to_str_lossy().into_owned())
    }

    /// All values of a multi-valued config key.
    pub fn config_strings(&self, key: &str) -> Vec<String> {
        self.repo
            .config_snapshot()
            .plumbing()
            .strings(key)
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.to_str_lossy().into_owned())
            .collect()
    }

    pub fn remote_names(&self) -> Vec<String> {
        self.repo
            .remote_names()
            .into_iter()
            .map(|n| n.to_str_lossy().into_owned())
            .collect()
    }

    /// The short name of the checked-out branch, if any.
    pub fn branch(&self) -> Option<String> {
        let head = self.repo.head_name().ok()??;
        Some(head.shorten().to_str_lossy().into_owned())
    }

    /// The current value of a ref, if it exists.
    pub fn tip(&self, name: &str) -> Result<Option<ObjectId>, StoreError> {
        let r = self
            .repo
            .try_find_reference(name)
            .map_err(|e| StoreError::read(name, e))?;
        Ok(r.and_then(|r| r.target().try_id().map(|id| id.to_owned())))
    }

    /// Refs below a prefix, with their targets.
    pub fn refs_with_prefix(&self, prefix: &str) -> Result<Vec<(String, ObjectId)>, StoreError> {
        let platform = self.repo.references().map_err(|e| StoreError::read("refs", e))?;
        let iter = platform.prefixed(prefix).map_err(|e| StoreError::read(prefix, e))?;
        let mut out = Vec::new();
        for r in iter {
            let r = r.map_err(|e| StoreError::read(prefix, e))?;
            if let Some(id) = r.target().try_id() {
                out.push((r.name().as_bstr().to_str_lossy().into_owned(), id.to_owned()));
            }
        }
        Ok(out)
    }

    /// Write a commit object.
    pub fn write_commit(
        &self,
        tree: ObjectId,
        parent: Option<ObjectId>,
        message: &str,
        author: &str,
        now: Timestamp,
    ) -> Result<ObjectId, StoreError> {
        let sig = signature(author, now);
        let commit = gix::objs::Commit {
            tree,
            parents: parent.into_iter().collect(),
            author: sig.clone(),
            committer: sig,
            encoding: None,
            message: message.into(),
            extra_headers: Vec::new(),
        };
        Ok(self
            .repo
            .write_object(&commit)
            .map_err(|e| StoreError::write("commit", e))?
            .detach())
    }

    /// The root of the contention marker: the same commit in every clone (fixed author,
    /// time and message), so creating it twice is creating it once.
    pub fn contend_root(&self) -> Result<ObjectId, StoreError> {
        let tree = self.empty_tree()?;
        self.write_commit(tree, None, "git-coord contention marker\n", "git-coord", Timestamp(0))
    }

    /// The empty tree's id (written if needed).
    pub fn empty_tree(&self) -> Result<ObjectId, StoreError> {
        Ok(self
            .repo
            .write_object(&gix::objs::Tree { entries: Vec::new() })
            .map_err(|e| StoreError::write("tree", e))?
            .detach())
    }

    /// Move `name` from `expected` to `new` only if it still is `expected`.
    pub fn cas(
        &self,
        name: &str,
        expected: Option<ObjectId>,
        new: ObjectId,
        who: &str,
        now: Timestamp,
    ) -> Result<Cas, StoreError> {
        let write = RefWrite {
            name: name.to_owned(),
            old: expected,
            new,
        };
        self.cas_many(std::slice::from_ref(&write), who, now)
    }

    /// Tracked paths from the index, sorted bytewise (the index order).
    pub fn tracked_files(&self) -> Result<Vec<String>, StoreError> {
        if self.is_bare() {
            return Ok(Vec::new());
        }
        let index = self
            .repo
            .index_or_empty()
            .map_err(|e| StoreError::read("the index", e))?;
        let mut out: Vec<String> = index
            .entries()
            .iter()
            .filter(|e| e.stage_raw() == 0)
            .map(|e| e.path(&index).to_str_lossy().into_owned())
            .collect();
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// The committer time of a commit.
    pub fn commit_time(&self, id: ObjectId) -> Result<Timestamp, StoreError> {
        let c = self
            .repo
            .find_commit(id)
            .map_err(|e| StoreError::read(id.to_string(), e))?;
        Ok(Timestamp(
            c.time().map_err(|e| StoreError::read(id.to_string(), e))?.seconds,
        ))
    }

    /// Read a file of the working tree (policy); `None` when absent.
    pub fn read_worktree_file(&self, rel: &str) -> Result<Option<String>, StoreError> {
        let Some(dir) = self.workdir() else {
            return Ok(None);
        };
        match std::fs::read_to_string(dir.join(rel)) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::read(rel, e)),
        }
    }

    /// Resolve a revision to a commit id.
    /// A revision that does not name a commit is bad input (exit 2), told in git's words,
    /// never with the parser's internals.
    pub fn resolve(&self, rev: &str) -> Result<ObjectId, StoreError> {
        let bad = |reason| StoreError::Revision {
            rev: rev.to_owned(),
            reason,
        };
        let id = self
            .repo
            .rev_parse_single(rev)
            .map_err(|_| bad("no such commit in this repository"))?;
        let obj = self
            .repo
            .find_object(id.detach())
            .map_err(|_| bad("its object is missing from this repository"))?;
        let commit = obj.peel_to_commit().map_err(|_| bad("it does not name a commit"))?;
        Ok(commit.id)
    }

    /// Write a blob (for judging an edit that is not committed yet).
    pub fn write_blob(&self, bytes: &[u8]) -> Result<ObjectId, StoreError> {
        Ok(self
            .repo
            .write_blob(bytes)
            .map_err(|e| StoreError::write("blob", e))?
            .detach())
    }

    /// A blob's bytes.
    pub fn blob_bytes(&self, id: ObjectId) -> Result<Vec<u8>, StoreError> {
        self.blob(&id.to_string(), id)
    }

    /// The full name of the branch HEAD points at (`refs/heads/main`), if any.
    pub fn head_ref(&self) -> Option<String> {
        let head = self.repo.head_name().ok()??;
        Some(head.as_bstr().to_str_lossy().into_owned())
    }

    /// A file's blob id and content in commit `id`, if it is there.
    pub fn file_id_at(&self, id: ObjectId, rel: &str) -> Result<Option<(ObjectId, Vec<u8>)>, StoreError> {
        let commit = self
            .repo
            .find_commit(id)
            .map_err(|e| StoreError::read(id.to_string(), e))?;
        let tree = commit.tree().map_err(|e| StoreError::read(id.to_string(), e))?;
        let entry = tree.lookup_entry_by_path(rel).map_err(|e| StoreError::read(rel, e))?;
        match entry {
            Some(e) if e.mode().is_blob() => Ok(Some((e.object_id(), self.blob(rel, e.object_id())?))),
            _ => Ok(None),
        }
    }

    /// A file's content at HEAD (for bare repositories: policy from the default branch).
    pub fn read_head_file(&self, rel: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Ok(commit) = self.repo.head_commit() else {
            return Ok(None);
        };
        let tree = commit.tree().map_err(|e| StoreError::read("HEAD", e))?;
        let entry = tree.lookup_entry_by_path(rel).map_err(|e| StoreError::read(rel, e))?;
        match entry {
            Some(e) => Ok(Some(self.blob(rel, e.object_id())?)),
            None => Ok(None),
        }
    }
}

pub(super) fn signature(who: &str, now: Timestamp) -> gix::actor::Signature {
    gix::actor::Signature {
        name: who.into(),
        email: "git-coord".into(),
        time: gix::date::Time {
            seconds: now.0,
            offset: 0,
        },
    }
}
