//! Files' symbols kept between commands, by content:
//! `<common>/coord/symbols-cache/<build>/<xx>/<rest of the blob id>.<language>`, where the
//! blob id is git's id of the file's bytes (a tracked, unchanged file's is the one in the
//! index) and `<build>` the symbol engine's fingerprint: an entry is never stale, because
//! content that changes has another id and a build that reads symbols differently has
//! another directory. Entries are written aside and renamed into place (readers see a whole
//! entry or none); the first write of a build removes other builds' directories, and a
//! build's directory past [`MAX_ENTRIES`] starts again empty. Deleting it all is always
//! safe. Every failure to read or write is a miss: the cache can cost a parse, never an
//! answer.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How many entries one build keeps before it starts again (a file's symbols take about
/// 1–20 KB: some hundreds of MB at most).
pub const MAX_ENTRIES: usize = 50_000;

/// The symbols kept for one repository and one build.
pub struct SymbolCache {
    /// `<common>/coord/symbols-cache`; none keeps nothing.
    root: Option<PathBuf>,
    build: String,
    /// Whether this process has tidied the directory (once, at its first write).
    tidied: AtomicBool,
    written: AtomicUsize,
}

impl SymbolCache {
    /// The cache of the repository whose common git dir is `common`, for `build`.
    pub fn at(common: &Path, build: &str) -> SymbolCache {
        SymbolCache {
            root: Some(common.join("coord").join("symbols-cache")),
            build: build.to_owned(),
            tidied: AtomicBool::new(false),
            written: AtomicUsize::new(0),
        }
    }

    /// A cache that keeps nothing.
    pub fn off() -> SymbolCache {
        SymbolCache {
            root: None,
            build: String::new(),
            tidied: AtomicBool::new(true),
            written: AtomicUsize::new(0),
        }
    }

    /// git's blob id of `source` (a tracked, unchanged file's is the one in the index);
    /// none when nothing is kept.
    pub fn id(&self, source: &[u8]) -> Option<String> {
        self.root.as_ref()?;
        let id = gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, source).ok()?;
        Some(id.to_string())
    }

    fn entry(&self, language: &str, id: &str) -> Option<PathBuf> {
        let (dir, rest) = (id.get(..2)?, id.get(2..)?);
        Some(
            self.root
                .as_ref()?
                .join(&self.build)
                .join(dir)
                .join(format!("{rest}.{language}")),
        )
    }

    /// The entry kept for the content named `id` (see [`Self::id`]) read as `language`.
    pub fn get(&self, language: &str, id: &str) -> Option<Vec<u8>> {
        std::fs::read(self.entry(language, id)?).ok()
    }

    /// Keep `bytes` for the content named `id` read as `language` (best effort).
    pub fn put(&self, language: &str, id: &str, bytes: &[u8]) {
        let Some(path) = self.entry(language, id) else {
            return;
        };
        if !self.tidied.swap(true, Ordering::SeqCst) {
            self.tidy();
        }
        let Some(dir) = path.parent() else {
            return;
        };
        let _ = std::fs::create_dir_all(dir);
        let n = self.written.fetch_add(1, Ordering::Relaxed);
        let aside = dir.join(format!(".{}-{n}.tmp", std::process::id()));
        if std::fs::write(&aside, bytes).is_err() || std::fs::rename(&aside, &path).is_err() {
            let _ = std::fs::remove_file(&aside);
        }
    }

    /// Remove other builds' directories, and this build's when it holds too many entries.
    fn tidy(&self) {
        let Some(root) = &self.root else {
            return;
        };
        let Ok(builds) = std::fs::read_dir(root) else {
            return;
        };
        for b in builds.flatten() {
            let own = b.file_name().to_string_lossy() == self.build;
            if !own || count(&b.path()) > MAX_ENTRIES {
                // Renamed aside first, so no reader sees it half removed.
                let gone = root.join(format!(
                    ".gone-{}-{}",
                    std::process::id(),
                    b.file_name().to_string_lossy()
                ));
                if std::fs::rename(b.path(), &gone).is_ok() {
                    let _ = std::fs::remove_dir_all(&gone);
                }
            }
        }
    }
}

/// Entries under a build's directory (its 256 fan-out directories).
fn count(build: &Path) -> usize {
    let Ok(dirs) = std::fs::read_dir(build) else {
        return 0;
    };
    dirs.flatten()
        .filter_map(|d| std::fs::read_dir(d.path()).ok())
        .map(Iterator::count)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_read_back_by_content_and_language_and_other_builds_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let old = SymbolCache::at(dir.path(), "old");
        let id = |source: &[u8]| old.id(source).unwrap();
        old.put("go", &id(b"package a\n"), b"entry");
        let cache = SymbolCache::at(dir.path(), "new");
        assert_eq!(cache.get("go", &id(b"package a\n")), None, "another build's entry");
        cache.put("go", &id(b"package a\n"), b"entry");
        assert_eq!(cache.get("go", &id(b"package a\n")).as_deref(), Some(&b"entry"[..]));
        assert_eq!(cache.get("python", &id(b"package a\n")), None);
        assert_eq!(cache.get("go", &id(b"package b\n")), None);
        let builds: Vec<_> = std::fs::read_dir(dir.path().join("coord/symbols-cache"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(builds, vec!["new".to_string()]);
        // Named by git's blob id (`printf 'package a\n' | git hash-object --stdin`).
        let named = dir
            .path()
            .join("coord/symbols-cache/new/2a/93cdef549545101b086408d9ee767fda0c02c2.go");
        assert!(named.is_file(), "{}", named.display());
        let off = SymbolCache::off();
        assert_eq!(off.id(b"x"), None, "a cache that keeps nothing names nothing");
        off.put("go", &id(b"x"), b"y");
        assert_eq!(off.get("go", &id(b"x")), None);
    }
}
