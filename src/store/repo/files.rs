//! Files of a revision: one file's content, and the files under a directory.

use super::{Store, StoreError};

impl Store {
    /// A file's content at a revision (`None` when the path is absent there).
    pub fn file_at(&self, rev: &str, rel: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let id = self.resolve(rev)?;
        let commit = self.repo.find_commit(id).map_err(|e| StoreError::read(rev, e))?;
        let tree = commit.tree().map_err(|e| StoreError::read(rev, e))?;
        let entry = tree.lookup_entry_by_path(rel).map_err(|e| StoreError::read(rel, e))?;
        match entry {
            Some(e) if e.mode().is_blob() => Ok(Some(self.blob(rel, e.object_id())?)),
            _ => Ok(None),
        }
    }

    /// The files under directory `dir` (from the root; empty: the whole tree) at a revision,
    /// as paths from the root; empty when `dir` is not a directory there.
    pub fn files_at(&self, rev: &str, dir: &str) -> Result<Vec<String>, StoreError> {
        let id = self.resolve(rev)?;
        let commit = self.repo.find_commit(id).map_err(|e| StoreError::read(rev, e))?;
        let mut tree = commit.tree().map_err(|e| StoreError::read(rev, e))?;
        let dir = dir.trim_end_matches('/');
        if !dir.is_empty() {
            let entry = tree.lookup_entry_by_path(dir).map_err(|e| StoreError::read(dir, e))?;
            match entry {
                Some(e) if e.mode().is_tree() => {
                    tree = self
                        .repo
                        .find_tree(e.object_id())
                        .map_err(|err| StoreError::read(dir, err))?;
                }
                _ => return Ok(Vec::new()),
            }
        }
        let mut recorder = gix::traverse::tree::Recorder::default();
        tree.traverse()
            .breadthfirst(&mut recorder)
            .map_err(|e| StoreError::read(dir, e))?;
        Ok(recorder
            .records
            .into_iter()
            .filter(|e| e.mode.is_blob())
            .map(|e| match dir.is_empty() {
                true => e.filepath.to_string(),
                false => format!("{dir}/{}", e.filepath),
            })
            .collect())
    }
}
