//! Reading a push's quarantined objects inside a pre-receive hook.

use crate::store::error::StoreError;

/// Inside a pre-receive hook the pushed objects wait in a quarantine dir that git names
/// only through the environment, which gix does not read. Make them visible through a
/// private objects dir whose `info/alternates` lists the quarantine and the real store;
/// nothing in the repository is written.
pub(super) fn view(repo: &mut gix::Repository) -> Result<Option<tempfile::TempDir>, StoreError> {
    let Some(quarantine) = std::env::var_os("GIT_QUARANTINE_PATH").or_else(|| std::env::var_os("GIT_OBJECT_DIRECTORY"))
    else {
        return Ok(None);
    };
    let main = repo.common_dir().join("objects");
    let tmp = tempfile::tempdir().map_err(|e| StoreError::read("a temporary objects dir", e))?;
    std::fs::create_dir_all(tmp.path().join("info")).map_err(|e| StoreError::read("a temporary objects dir", e))?;
    let mut alternates = format!("{}\n{}\n", std::path::Path::new(&quarantine).display(), main.display());
    if let Some(extra) = std::env::var_os("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
        for p in std::env::split_paths(&extra) {
            alternates.push_str(&format!("{}\n", p.display()));
        }
    }
    std::fs::write(tmp.path().join("info").join("alternates"), alternates)
        .map_err(|e| StoreError::read("a temporary objects dir", e))?;
    let handle =
        gix::odb::at(tmp.path(), gix::hash::Kind::Sha1).map_err(|e| StoreError::read("the push quarantine", e))?;
    repo.objects = handle.into();
    Ok(Some(tmp))
}
