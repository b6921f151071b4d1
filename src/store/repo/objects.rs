//! Reading the objects a board is made of (commits, trees, blobs), remembering within one
//! command what is asked for again.

use gix::bstr::ByteSlice;
use gix::objs::tree::Entry;
use gix::ObjectId;

use super::{shards, Store};
use crate::store::error::StoreError;

/// Objects read once and asked for again in one command: a board's refs share one
/// `meta.json`, and the commits a read loads are looked at again for their authors.
#[derive(Default)]
pub(super) struct Memo {
    pub(super) metas: std::collections::HashMap<ObjectId, (String, u64)>,
    pub(super) commits: std::collections::HashMap<ObjectId, CommitHead>,
}

/// At most this many commits are remembered (a board read loads one per ref).
const MEMO_COMMITS: usize = 20_000;

/// A commit's author name, time and first parent.
#[derive(Clone)]
pub(super) struct CommitHead {
    pub(super) author: Vec<u8>,
    pub(super) time: i64,
    pub(super) parent: Option<ObjectId>,
}

impl Store {
    /// The tree of a board commit and its `Coord-Seq` (one object read for both), checking
    /// that `name`'s target is a commit.
    pub(super) fn commit_tree(&self, name: &str, id: ObjectId) -> Result<(ObjectId, u64), StoreError> {
        let obj = self
            .repo
            .find_object(id)
            .map_err(|e| StoreError::read(format!("{name} ({id})"), e))?;
        if obj.kind != gix::objs::Kind::Commit {
            return Err(StoreError::NotACommit {
                reference: name.to_owned(),
                kind: obj.kind.to_string(),
            });
        }
        let read = |e: &dyn std::fmt::Display| StoreError::read(format!("{name} ({id})"), e.to_string());
        let commit = obj.into_commit();
        let c = commit.decode().map_err(|e| read(&e))?;
        let head = CommitHead {
            author: c.author().map_err(|e| read(&e))?.name.to_vec(),
            time: c.committer().map_err(|e| read(&e))?.seconds(),
            parent: c.parents().next(),
        };
        let out = (c.tree(), shards::seq_of(&c.message.to_str_lossy()));
        let mut memo = self.memo.borrow_mut();
        // A long `claim --wait` re-reads the board for minutes: keep what is remembered bounded.
        if memo.commits.len() >= MEMO_COMMITS {
            memo.commits.clear();
        }
        memo.commits.insert(id, head);
        Ok(out)
    }

    /// A commit's author, time and first parent (from what this process read, if it did).
    pub(super) fn commit_head(&self, id: ObjectId) -> Result<CommitHead, StoreError> {
        if let Some(h) = self.memo.borrow().commits.get(&id) {
            return Ok(h.clone());
        }
        let read = |e: &dyn std::fmt::Display| StoreError::read(format!("commit {id}"), e.to_string());
        let c = self.repo.find_commit(id).map_err(|e| read(&e))?;
        let parent = c.parent_ids().next().map(|p| p.detach());
        Ok(CommitHead {
            author: c.author().map_err(|e| read(&e))?.name.to_vec(),
            time: c.time().map_err(|e| read(&e))?.seconds,
            parent,
        })
    }

    pub(super) fn tree_entries(&self, what: &str, tree: ObjectId) -> Result<Vec<Entry>, StoreError> {
        let t = self.repo.find_tree(tree).map_err(|e| StoreError::read(what, e))?;
        let decoded = t.decode().map_err(|e| StoreError::read(what, e))?;
        Ok(decoded
            .entries
            .iter()
            .map(|e| Entry {
                mode: e.mode,
                filename: e.filename.to_owned(),
                oid: e.oid.to_owned(),
            })
            .collect())
    }

    pub(super) fn blob(&self, what: &str, id: ObjectId) -> Result<Vec<u8>, StoreError> {
        let b = self.repo.find_blob(id).map_err(|e| StoreError::read(what, e))?;
        Ok(b.detach().data)
    }
}
