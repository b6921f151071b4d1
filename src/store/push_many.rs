//! Pushing many refs in one push. git matches each explicit `<commit>:<ref>` refspec against
//! every ref the remote advertises, through the six rev-parse rules, formatting a name for
//! each: a push of 1,025 board refs (a wide claim over every shard) to a remote with as
//! many spent about 4 s there before sending anything. Many refs are pushed instead from
//! temporary local refs under one private prefix (`refs/coord-push/<tag>/`, outside
//! `refs/coord/`, so no fetch or board read sees them) with one pattern refspec, matched
//! in linear time; each ref keeps its own lease. The refs are deleted when the push ends
//! (one left by a killed process is never pushed again: each push names its own tag, and the
//! next push of many refs deletes tags older than [`STALE_AFTER`]).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::error::StoreError;
use super::refs::NAMESPACE;
use super::repo::RefWrite;

/// From how many refs a push goes through temporary refs.
pub const MANY: usize = 64;

/// Where the temporary refs live.
const PREFIX: &str = "refs/coord-push/";

/// Temporary refs whose tag is older than this were left by a killed process (no push of
/// git-coord lasts a day: `[network] timeout` bounds every command).
pub const STALE_AFTER: u64 = 24 * 3600;

/// Temporary refs holding the new commits of one push, deleted when dropped.
pub struct Staged<'a> {
    dir: &'a Path,
    names: Vec<String>,
    tag: String,
}

impl<'a> Staged<'a> {
    /// One temporary ref per write (each under `refs/coord/`), created in one transaction.
    pub fn create(dir: &'a Path, writes: &[&RefWrite]) -> Result<Staged<'a>, StoreError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let tag = format!("{}-{}-{}", now.as_secs(), std::process::id(), now.subsec_nanos());
        let left = stale(dir, now.as_secs());
        if !left.is_empty() {
            // Best effort, on its own: another push may be deleting the same refs.
            let _ = update_refs(dir, &left);
        }
        let mut names = Vec::new();
        let mut script = String::new();
        for w in writes {
            let rest = w
                .name
                .strip_prefix(NAMESPACE)
                .ok_or_else(|| StoreError::write(&w.name, format!("{} is not a board ref", w.name)))?;
            let name = format!("{PREFIX}{tag}/{rest}");
            script.push_str(&format!("update {name} {}\n", w.new));
            names.push(name);
        }
        update_refs(dir, &script)?;
        Ok(Staged { dir, names, tag })
    }

    /// The refspec that pushes every temporary ref to its board ref (not forced).
    pub fn refspec(&self) -> String {
        format!("{PREFIX}{}/*:{NAMESPACE}*", self.tag)
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        let script: String = self.names.iter().map(|n| format!("delete {n}\n")).collect();
        let _ = update_refs(self.dir, &script);
    }
}

/// Delete commands for the temporary refs of tags older than [`STALE_AFTER`] (the tag starts
/// with its creation time in seconds); none when they cannot be listed.
fn stale(dir: &Path, now: u64) -> String {
    let Ok(out) = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["for-each-ref", "--format=%(refname)", PREFIX])
        .stderr(Stdio::null())
        .output()
    else {
        return String::new();
    };
    let listed = String::from_utf8_lossy(&out.stdout);
    listed
        .lines()
        .filter(|name| {
            let tag = name.strip_prefix(PREFIX).and_then(|r| r.split(['/', '-']).next());
            tag.and_then(|t| t.parse::<u64>().ok())
                .is_some_and(|secs| secs + STALE_AFTER < now)
        })
        .map(|name| format!("delete {name}\n"))
        .collect()
}

/// `git update-ref --stdin` with `script`, in one transaction.
fn update_refs(dir: &Path, script: &str) -> Result<(), StoreError> {
    let spawn_error = |e| StoreError::Spawn {
        args: "update-ref --stdin".into(),
        source: e,
    };
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["update-ref", "--no-deref", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    if let Some(mut input) = child.stdin.take() {
        input.write_all(script.as_bytes()).map_err(spawn_error)?;
    }
    let out = child.wait_with_output().map_err(spawn_error)?;
    if out.status.success() {
        return Ok(());
    }
    Err(StoreError::write(
        PREFIX,
        String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    ))
}
