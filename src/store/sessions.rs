//! Agent sessions of this repository. `git coord mcp` records, under the process that
//! started it (its host: Claude Code, Codex, Gemini CLI, an IDE), the agent id it serves
//! as; every other git-coord process that host starts (its pre-edit guard, the commands its
//! shell runs, the git hooks of its pushes) finds the entry by walking up its own parents
//! and acts as the same agent.
//!
//! One small JSON file per host process, `<common git dir>/coord/sessions/<pid>`, written
//! with write-then-rename. An entry counts only while the process it names lives: it also
//! records the process's start time, so a reused pid never inherits someone else's id.
//! Entries of ended processes are removed by the next server that starts.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::StoreError;
use crate::model::Timestamp;

/// One host process and the agent id its processes act as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SessionEntry {
    pub agent: String,
    pub pid: u32,
    /// The host's start time as the system reports it (opaque; compared for equality).
    pub start: String,
    /// The work tree the server was started in.
    pub worktree: String,
    pub since: Timestamp,
}

pub struct Sessions {
    dir: PathBuf,
}

impl Sessions {
    pub fn new(common_dir: &Path) -> Sessions {
        Sessions {
            dir: common_dir.join("coord").join("sessions"),
        }
    }

    /// Whether any session was ever recorded (one directory read; most commands stop here).
    pub fn any(&self) -> bool {
        std::fs::read_dir(&self.dir).is_ok_and(|mut d| d.next().is_some())
    }

    /// Record (or replace) the entry of `e.pid`.
    pub fn record(&self, e: &SessionEntry) -> Result<(), StoreError> {
        let what = || format!("the session file of process {}", e.pid);
        std::fs::create_dir_all(&self.dir).map_err(|err| StoreError::write(what(), err))?;
        let path = self.dir.join(e.pid.to_string());
        let tmp = self.dir.join(format!(".{}.{}.tmp", e.pid, std::process::id()));
        let text = serde_json::to_vec_pretty(e).expect("because a session entry serialises");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|err| {
                let _ = std::fs::remove_file(&tmp);
                StoreError::write(what(), err)
            })
    }

    /// The entry of process `pid` if it was recorded for the process that started at
    /// `start` (an unreadable or foreign file counts as none).
    pub fn find(&self, pid: u32, start: &str) -> Option<SessionEntry> {
        let text = std::fs::read(self.dir.join(pid.to_string())).ok()?;
        let e: SessionEntry = serde_json::from_slice(&text).ok()?;
        (e.pid == pid && e.start == start).then_some(e)
    }

    /// Remove the entries whose process ended; `start_of(pid)` is the start time of a
    /// running process. Returns how many were removed.
    pub fn prune(&self, start_of: &dyn Fn(u32) -> Option<String>) -> usize {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut removed = 0;
        for entry in dir.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let live = std::fs::read(entry.path())
                .ok()
                .and_then(|t| serde_json::from_slice::<SessionEntry>(&t).ok())
                .is_some_and(|e| start_of(pid).as_deref() == Some(e.start.as_str()));
            if !live && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pid: u32, start: &str) -> SessionEntry {
        SessionEntry {
            agent: format!("a/{pid}"),
            pid,
            start: start.into(),
            worktree: "/w".into(),
            since: Timestamp(0),
        }
    }

    #[test]
    fn an_entry_counts_only_for_the_process_it_was_recorded_for() {
        let d = tempfile::tempdir().unwrap();
        let s = Sessions::new(d.path());
        assert!(!s.any());
        s.record(&entry(41, "100")).unwrap();
        s.record(&entry(42, "200")).unwrap();
        assert!(s.any());
        assert_eq!(s.find(41, "100").unwrap().agent, "a/41");
        assert!(s.find(41, "101").is_none(), "a reused pid is another process");
        assert!(s.find(43, "100").is_none());
        // 41 still runs, 42 ended.
        let removed = s.prune(&|pid| (pid == 41).then(|| "100".to_owned()));
        assert_eq!(removed, 1);
        assert!(s.find(41, "100").is_some());
        assert!(s.find(42, "200").is_none());
    }
}
