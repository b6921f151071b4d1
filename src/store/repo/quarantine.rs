//! Reading a push's quarantined objects inside a pre-receive hook.

use std::path::PathBuf;

use crate::store::error::StoreError;

/// Where a push's objects wait while the pre-receive hook runs, as git names them through
/// the environment (`GIT_QUARANTINE_PATH` or `GIT_OBJECT_DIRECTORY`, and
/// `GIT_ALTERNATE_OBJECT_DIRECTORIES`); the front end reads them, the store uses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushQuarantine {
    pub objects: PathBuf,
    pub alternates: Vec<PathBuf>,
}

/// gix does not read those variables. Make the pushed objects visible through a private
/// objects dir whose `info/alternates` lists the quarantine and the real store; nothing in
/// the repository is written.
pub(super) fn view(repo: &mut gix::Repository, q: &PushQuarantine) -> Result<tempfile::TempDir, StoreError> {
    let main = repo.common_dir().join("objects");
    let err = |e: std::io::Error| StoreError::read("a temporary objects dir", e);
    let tmp = tempfile::tempdir().map_err(err)?;
    std::fs::create_dir_all(tmp.path().join("info")).map_err(err)?;
    let mut alternates = format!("{}\n{}\n", q.objects.display(), main.display());
    for p in &q.alternates {
        alternates.push_str(&format!("{}\n", p.display()));
    }
    std::fs::write(tmp.path().join("info").join("alternates"), alternates).map_err(err)?;
    let handle =
        gix::odb::at(tmp.path(), gix::hash::Kind::Sha1).map_err(|e| StoreError::read("the push quarantine", e))?;
    repo.objects = handle.into();
    Ok(tmp)
}
