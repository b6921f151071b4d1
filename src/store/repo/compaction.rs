//! Compacted history. A board ref's line of commits may start again at a *compaction
//! commit*: a root commit with the very tree of the tip it replaces, naming that tip in its
//! `Coord-Archived` trailer; the tip stays on the remote under an archive ref
//! ([`refs::archive_ref`], outside `refs/coord/`). Fetches and clones of the board then carry
//! only what came after the last compaction, and walks of history (`log`, "did my commit
//! land") go on into the archive wherever this clone has it.
//!
//! A clone whose ref is behind a compaction cannot fast-forward to it: its fetch is refused
//! as non-fast-forward, and [`Store::adopt_compactions`] then takes the remote's ref if, and
//! only if, the remote's line reaches this clone's tip through the archive.

use gix::bstr::ByteSlice;
use gix::refs::transaction::{Change, PreviousValue, RefEdit, RefLog};
use gix::ObjectId;

use super::Store;
use crate::model::Timestamp;
use crate::store::error::StoreError;
use crate::store::remote::{Fetch, Remote};
use crate::store::{message, refs};

impl Store {
    /// How many commits `tip`'s line holds back to its root or its last compaction commit
    /// (that one included), counting at most `limit`.
    pub fn line_length(&self, tip: ObjectId, limit: usize) -> Result<usize, StoreError> {
        let mut next = Some(tip);
        let mut n = 0;
        while let Some(id) = next {
            if n >= limit {
                break;
            }
            n += 1;
            next = self.commit_head(id)?.parent;
        }
        Ok(n)
    }

    /// The commit `id`'s history continues at when it is a compaction commit (a root commit
    /// whose message says so); `None` for any other commit.
    pub fn archived_at(&self, id: ObjectId) -> Result<Option<ObjectId>, StoreError> {
        let c = self
            .repo
            .find_commit(id)
            .map_err(|e| StoreError::read(format!("commit {id}"), e))?;
        if c.parent_ids().next().is_some() {
            return Ok(None);
        }
        let m = c
            .message_raw()
            .map_err(|e| StoreError::read(format!("commit {id}"), e))?;
        Ok(message::archived_by(&m.to_str_lossy()))
    }

    /// The `Coord-Seq` of a board commit (0 when it has none).
    pub fn seq_at(&self, id: ObjectId) -> Result<u64, StoreError> {
        Ok(super::shards::seq_of(&self.commit_message(id)?))
    }

    /// Whether this repository has the object `id`.
    pub fn has_commit(&self, id: ObjectId) -> bool {
        self.repo.has_object(id)
    }

    /// Whether `new`'s line starts again at a compaction of `old` (the compaction commit
    /// names `old` as the tip it archived).
    pub fn compacts(&self, new: ObjectId, old: ObjectId) -> Result<bool, StoreError> {
        let mut root = new;
        while let Some(p) = self.commit_head(root)?.parent {
            root = p;
        }
        Ok(self.archived_at(root)? == Some(old))
    }

    /// The commit before `id` in its ref's history: its first parent, or at a compaction
    /// commit the tip it archived, when this clone has that commit.
    pub fn previous(&self, id: ObjectId) -> Result<Option<ObjectId>, StoreError> {
        if let Some(p) = self.commit_head(id)?.parent {
            return Ok(Some(p));
        }
        Ok(self.archived_at(id)?.filter(|a| self.repo.has_object(*a)))
    }

    /// Write the compaction commit of board ref `board` at `tip`: `tip`'s tree and
    /// `Coord-Seq`, no parent (signed like every board commit when signing is on).
    pub fn write_compaction(
        &self,
        board: &str,
        tip: ObjectId,
        agent: &str,
        now: Timestamp,
    ) -> Result<ObjectId, StoreError> {
        let (tree, seq) = self.commit_tree(board, tip)?;
        let text = message::compaction(board, agent, &tip, seq, &refs::archive_ref(board, &tip));
        self.write_board_commit(tree, None, &text, agent, now)
    }

    /// After a fetch was refused as non-fast-forward: fetch the remote's board aside, and
    /// take each ref whose line reaches this clone's through a compaction (fetching the
    /// archive it names when this clone lacks it). Any other divergence stays one.
    pub fn adopt_compactions(&self, remote: &Remote, refused: String) -> Result<Fetch, StoreError> {
        let aside = format!(
            "refs/coord-incoming/{}-{}/",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        );
        let fetched = remote.fetch_specs(&[&format!("+{}*:{aside}*", refs::NAMESPACE)])?;
        let incoming = self.refs_with_prefix(&aside)?;
        let outcome = match fetched {
            Ok(()) => self.adopt_each(remote, &aside, &incoming, refused),
            Err(e) => Ok(Fetch::Unreachable(e)),
        };
        let names: Vec<String> = incoming.into_iter().map(|(n, _)| n).collect();
        self.delete_refs(&names)?;
        outcome
    }

    fn adopt_each(
        &self,
        remote: &Remote,
        aside: &str,
        incoming: &[(String, ObjectId)],
        refused: String,
    ) -> Result<Fetch, StoreError> {
        // Which refs moved to a line this clone's tip is not on, and the archives (fetched
        // together, in one call) that may lead back to it.
        let mut moved = Vec::new();
        let mut archives = Vec::new();
        for (name, theirs) in incoming {
            let board = format!("{}{}", refs::NAMESPACE, &name[aside.len()..]);
            match self.tip(&board)? {
                None => {
                    let _ = self.cas(&board, None, *theirs, "git-coord", Timestamp(0))?;
                }
                Some(o) if o == *theirs => {}
                Some(o) => {
                    let mut root = *theirs;
                    while let Some(p) = self.commit_head(root)?.parent {
                        root = p;
                    }
                    if let Some(archived) = self.archived_at(root)?.filter(|a| !self.repo.has_object(*a)) {
                        let archive = refs::archive_ref(&board, &archived);
                        archives.push(format!("{archive}:{archive}"));
                    }
                    moved.push((board, o, *theirs));
                }
            }
        }
        if !archives.is_empty() {
            let specs: Vec<&str> = archives.iter().map(String::as_str).collect();
            if let Err(e) = remote.fetch_specs(&specs)? {
                return Ok(Fetch::Unreachable(e));
            }
        }
        for (board, ours, theirs) in moved {
            if !self.reaches(theirs, Some(ours), usize::MAX)? {
                // Compacted more than once since this clone looked: each older archive is
                // named only by the compaction after it, so fetch them one level at a time.
                if let Err(e) = self.fetch_older_archives(remote, &board, theirs, ours)? {
                    return Ok(Fetch::Unreachable(e));
                }
                if !self.reaches(theirs, Some(ours), usize::MAX)? {
                    return Ok(Fetch::Diverged(refused));
                }
            }
            // Another process of this clone may have taken it first: that is the same move.
            let _ = self.cas(&board, Some(ours), theirs, "git-coord", Timestamp(0))?;
        }
        Ok(Fetch::Fetched)
    }

    /// Walk `theirs` back through each compaction to the archive it names, fetching every
    /// archive this clone lacks, until the walk reaches `ours` or a line with no archive.
    fn fetch_older_archives(
        &self,
        remote: &Remote,
        board: &str,
        theirs: ObjectId,
        ours: ObjectId,
    ) -> Result<Result<(), String>, StoreError> {
        let mut at = theirs;
        // Bounded: each level is one compaction of this ref.
        for _ in 0..1024 {
            let mut root = at;
            loop {
                if root == ours {
                    return Ok(Ok(()));
                }
                match self.commit_head(root)?.parent {
                    Some(p) => root = p,
                    None => break,
                }
            }
            let Some(archived) = self.archived_at(root)? else {
                return Ok(Ok(()));
            };
            if !self.repo.has_object(archived) {
                let archive = refs::archive_ref(board, &archived);
                if let Err(e) = remote.fetch_specs(&[&format!("{archive}:{archive}")])? {
                    return Ok(Err(e));
                }
            }
            at = archived;
        }
        Ok(Ok(()))
    }

    /// Delete local refs (whatever they point at).
    pub(super) fn delete_refs(&self, names: &[String]) -> Result<(), StoreError> {
        let mut edits = Vec::new();
        for name in names {
            edits.push(RefEdit {
                change: Change::Delete {
                    expected: PreviousValue::Any,
                    log: RefLog::AndReference,
                },
                name: name
                    .as_str()
                    .try_into()
                    .map_err(|e| StoreError::write(name, Box::new(e) as crate::store::error::BoxError))?,
                deref: false,
            });
        }
        if !edits.is_empty() {
            self.repo
                .edit_references(edits)
                .map_err(|e| StoreError::write("refs/coord-incoming", e))?;
        }
        Ok(())
    }
}
