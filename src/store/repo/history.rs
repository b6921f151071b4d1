//! History, commit ranges and tree diffs.

use gix::bstr::{BString, ByteSlice};
use gix::objs::tree::Entry;
use gix::ObjectId;

use super::Store;
use crate::model::Timestamp;
use crate::store::error::StoreError;

/// One changed path between two trees (a rename is a deletion plus an addition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    pub old: Option<ObjectId>,
    pub new: Option<ObjectId>,
}

/// One commit of a ref's history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub id: ObjectId,
    pub time: Timestamp,
    pub message: String,
}

impl Store {
    /// Walk first-parent history from `tip`, newest first, stopping after `limit` commits or
    /// at the first commit older than `since`.
    pub fn history(
        &self,
        name: &str,
        tip: ObjectId,
        limit: usize,
        since: Option<Timestamp>,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut out = Vec::new();
        let mut next = Some(tip);
        while let Some(id) = next {
            if out.len() >= limit {
                break;
            }
            let c = self
                .repo
                .find_commit(id)
                .map_err(|e| StoreError::read(format!("{name} history ({id})"), e))?;
            let time = Timestamp(
                c.time()
                    .map_err(|e| StoreError::read(format!("{name} history ({id})"), e))?
                    .seconds,
            );
            if since.is_some_and(|s| time < s) {
                break;
            }
            let message = c
                .message_raw()
                .map_err(|e| StoreError::read(format!("{name} history ({id})"), e))?
                .to_str_lossy()
                .into_owned();
            next = c.parent_ids().next().map(|p| p.detach());
            out.push(HistoryEntry { id, time, message });
        }
        Ok(out)
    }

    /// The committer time of the newest commit on `tip`'s first-parent line not written by
    /// `me` (looking at most `depth` commits back).
    pub fn newest_foreign_write(
        &self,
        name: &str,
        tip: ObjectId,
        me: &str,
        depth: usize,
    ) -> Result<Option<Timestamp>, StoreError> {
        let mut next = Some(tip);
        for _ in 0..depth {
            let Some(id) = next else { break };
            let read = |e: &dyn std::fmt::Display| StoreError::read(format!("{name} history ({id})"), e.to_string());
            let c = self.repo.find_commit(id).map_err(|e| read(&e))?;
            let author = c.author().map_err(|e| read(&e))?;
            if author.name != me.as_bytes() {
                return Ok(Some(Timestamp(c.time().map_err(|e| read(&e))?.seconds)));
            }
            next = c.parent_ids().next().map(|p| p.detach());
        }
        Ok(None)
    }

    /// Commits reachable from `tips` but not from `hidden`, newest first, at most `limit`.
    pub fn commits_between(
        &self,
        tips: &[ObjectId],
        hidden: &[ObjectId],
        limit: usize,
    ) -> Result<Vec<ObjectId>, StoreError> {
        let hidden: Vec<ObjectId> = hidden.iter().copied().filter(|h| self.repo.has_object(*h)).collect();
        let walk = self
            .repo
            .rev_walk(tips.iter().copied())
            .with_hidden(hidden)
            .all()
            .map_err(|e| StoreError::read("commit range", e))?;
        let mut out = Vec::new();
        for info in walk {
            let info = info.map_err(|e| StoreError::read("commit range", e))?;
            out.push(info.id);
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// The tree and parents of a commit.
    pub fn commit_info(&self, id: ObjectId) -> Result<(ObjectId, Vec<ObjectId>), StoreError> {
        let c = self
            .repo
            .find_commit(id)
            .map_err(|e| StoreError::read(id.to_string(), e))?;
        let tree = c.tree_id().map_err(|e| StoreError::read(id.to_string(), e))?.detach();
        Ok((tree, c.parent_ids().map(|p| p.detach()).collect()))
    }

    /// Paths whose blobs differ between two trees (`None` = the empty tree).
    pub fn diff_trees(&self, old: Option<ObjectId>, new: Option<ObjectId>) -> Result<Vec<FileChange>, StoreError> {
        let mut out = Vec::new();
        self.diff_into(old, new, "", &mut out)?;
        Ok(out)
    }

    fn diff_into(
        &self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        prefix: &str,
        out: &mut Vec<FileChange>,
    ) -> Result<(), StoreError> {
        if old == new {
            return Ok(());
        }
        let list = |t: Option<ObjectId>| -> Result<Vec<Entry>, StoreError> {
            match t {
                Some(t) => self.tree_entries("tree", t),
                None => Ok(Vec::new()),
            }
        };
        let (a, b) = (list(old)?, list(new)?);
        let mut names: Vec<&BString> = a.iter().chain(b.iter()).map(|e| &e.filename).collect();
        names.sort();
        names.dedup();
        for name in names {
            let find = |v: &[Entry], tree: bool| {
                v.iter()
                    .find(|e| &e.filename == name && e.mode.is_tree() == tree)
                    .map(|e| e.oid)
            };
            let path = format!("{prefix}{}", name.to_str_lossy());
            let (ot, nt) = (find(&a, true), find(&b, true));
            if ot.is_some() || nt.is_some() {
                self.diff_into(ot, nt, &format!("{path}/"), out)?;
            }
            let blob = |v: &[Entry]| {
                v.iter()
                    .find(|e| &e.filename == name && !e.mode.is_tree() && !e.mode.is_commit())
                    .map(|e| e.oid)
            };
            let (ob, nb) = (blob(&a), blob(&b));
            if ob != nb {
                out.push(FileChange { path, old: ob, new: nb });
            }
        }
        Ok(())
    }
}
