//! Signed board commits: written with git's `gpgsig` header, read back with what they sign.

use gix::ObjectId;

use super::{signature, Store};
use crate::model::Timestamp;
use crate::store::error::StoreError;

impl Store {
    /// Sign every board commit from now on with `signer`.
    pub fn set_signer(&mut self, signer: crate::store::signing::Signer) {
        self.signer = Some(signer);
    }

    /// Write a board commit: signed when a signer is set (git's `gpgsig` header over the
    /// commit without it), or an error, never a silent unsigned commit.
    pub fn write_board_commit(
        &self,
        tree: ObjectId,
        parent: Option<ObjectId>,
        message: &str,
        author: &str,
        now: Timestamp,
    ) -> Result<ObjectId, StoreError> {
        let Some(signer) = &self.signer else {
            return self.write_commit(tree, parent, message, author, now);
        };
        let sig = signature(author, now);
        let mut commit = gix::objs::Commit {
            tree,
            parents: parent.into_iter().collect(),
            author: sig.clone(),
            committer: sig,
            encoding: None,
            message: message.into(),
            extra_headers: Vec::new(),
        };
        let mut payload = Vec::new();
        gix::objs::WriteTo::write_to(&commit, &mut payload).map_err(|e| StoreError::write("commit", e))?;
        let armored = signer.sign(&payload).map_err(|e| StoreError::Signing(e.0))?;
        commit.extra_headers.push(("gpgsig".into(), armored.trim_end().into()));
        Ok(self
            .repo
            .write_object(&commit)
            .map_err(|e| StoreError::write("commit", e))?
            .detach())
    }

    /// A commit's signature and the data it signs, if it is signed.
    #[allow(clippy::type_complexity)]
    pub fn commit_signature(&self, id: ObjectId) -> Result<Option<(Vec<u8>, Vec<u8>)>, StoreError> {
        let c = self
            .repo
            .find_commit(id)
            .map_err(|e| StoreError::read(id.to_string(), e))?;
        let signed = c.signature().map_err(|e| StoreError::read(id.to_string(), e))?;
        Ok(signed.map(|(sig, data)| (sig.to_vec(), data.to_bstring().to_vec())))
    }
}
