//! History, commit ranges and tree diffs.

use gix::bstr::ByteSlice;
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
            // At a compaction commit, on into the archive when this clone has it.
            next = match c.parent_ids().next() {
                Some(p) => Some(p.detach()),
                None => crate::store::message::archived_by(&message).filter(|a| self.repo.has_object(*a)),
            };
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
            let c = self
                .commit_head(id)
                .map_err(|e| StoreError::read(format!("{name} history"), e))?;
            if c.author != me.as_bytes() {
                return Ok(Some(Timestamp(c.time)));
            }
            next = c.parent;
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

    /// The message of a commit (lossily decoded).
    pub fn commit_message(&self, id: ObjectId) -> Result<String, StoreError> {
        let c = self
            .repo
            .find_commit(id)
            .map_err(|e| StoreError::read(id.to_string(), e))?;
        let m = c.message_raw().map_err(|e| StoreError::read(id.to_string(), e))?;
        Ok(m.to_str_lossy().into_owned())
    }

    /// A commit's message, first parent and committer time, from one read.
    #[allow(clippy::type_complexity)]
    pub fn commit_step(&self, id: ObjectId) -> Result<(String, Option<ObjectId>, Timestamp), StoreError> {
        let c = self
            .repo
            .find_commit(id)
            .map_err(|e| StoreError::read(id.to_string(), e))?;
        let m = c.message_raw().map_err(|e| StoreError::read(id.to_string(), e))?;
        let message = m.to_str_lossy().into_owned();
        let parent = c.parent_ids().next().map(|p| p.detach());
        let time = c.time().map_err(|e| StoreError::read(id.to_string(), e))?.seconds;
        Ok((message, parent, Timestamp(time)))
    }

    /// The best common ancestor of `commits` (of the first two; `None` when unrelated).
    pub fn merge_base(&self, commits: &[ObjectId]) -> Result<Option<ObjectId>, StoreError> {
        let [a, b, ..] = commits else { return Ok(None) };
        let base = self
            .repo
            .merge_base(*a, *b)
            .map_err(|e| StoreError::read(format!("merge base of {a} and {b}"), e))?;
        Ok(base.map(|i| i.detach()))
    }

    /// The blob at `path` in `tree`, if there is one.
    pub fn blob_in_tree(&self, tree: ObjectId, path: &str) -> Result<Option<ObjectId>, StoreError> {
        let t = self
            .repo
            .find_tree(tree)
            .map_err(|e| StoreError::read(tree.to_string(), e))?;
        let entry = t.lookup_entry_by_path(path).map_err(|e| StoreError::read(path, e))?;
        Ok(entry.filter(|e| e.mode().is_blob()).map(|e| e.object_id()))
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

    /// Whether walking first parents from `from` reaches `target` (`None`: a root commit)
    /// within `limit` steps; the board's history is one first-parent line, which goes on
    /// through a compaction into its archive where this clone has it.
    pub fn reaches(&self, from: ObjectId, target: Option<ObjectId>, limit: usize) -> Result<bool, StoreError> {
        let mut next = Some(from);
        for _ in 0..limit {
            let Some(id) = next else { return Ok(target.is_none()) };
            if Some(id) == target {
                return Ok(true);
            }
            next = self.previous(id)?;
        }
        Ok(next.is_none() && target.is_none())
    }

    /// Paths whose blobs differ between two trees (`None` = the empty tree).
    pub fn diff_trees(&self, old: Option<ObjectId>, new: Option<ObjectId>) -> Result<Vec<FileChange>, StoreError> {
        if old == new {
            return Ok(Vec::new());
        }
        let read = |t: Option<ObjectId>| -> Result<Vec<u8>, StoreError> {
            match t {
                None => Ok(Vec::new()),
                Some(t) => Ok(self
                    .repo
                    .find_tree(t)
                    .map_err(|e| StoreError::read(format!("tree {t}"), e))?
                    .detach()
                    .data),
            }
        };
        let (a, b) = (read(old)?, read(new)?);
        let mut recorder = gix::diff::tree::Recorder::default();
        gix::diff::tree(
            gix::objs::TreeRefIter::from_bytes(&a, gix::hash::Kind::Sha1),
            gix::objs::TreeRefIter::from_bytes(&b, gix::hash::Kind::Sha1),
            gix::diff::tree::State::default(),
            &self.repo.objects,
            &mut recorder,
        )
        .map_err(|e| StoreError::read("a tree diff", e))?;
        // Files only (trees are walked into, submodules are not files of this repository);
        // a change of mode alone changes no content.
        let file = |m: &gix::objs::tree::EntryMode| !m.is_tree() && !m.is_commit();
        let mut out: Vec<FileChange> = Vec::new();
        for change in recorder.records {
            use gix::diff::tree::recorder::Change;
            let (path, old, new) = match change {
                Change::Addition {
                    entry_mode, oid, path, ..
                } if file(&entry_mode) => (path, None, Some(oid)),
                Change::Deletion {
                    entry_mode, oid, path, ..
                } if file(&entry_mode) => (path, Some(oid), None),
                Change::Modification {
                    previous_entry_mode,
                    previous_oid,
                    entry_mode,
                    oid,
                    path,
                } => {
                    let old = file(&previous_entry_mode).then_some(previous_oid);
                    let new = file(&entry_mode).then_some(oid);
                    if old == new || (old.is_none() && new.is_none()) {
                        continue;
                    }
                    (path, old, new)
                }
                _ => continue,
            };
            out.push(FileChange {
                path: path.to_str_lossy().into_owned(),
                old,
                new,
            });
        }
        out.sort_by(|x, y| x.path.cmp(&y.path));
        Ok(out)
    }
}
