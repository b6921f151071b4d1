//! What this clone has seen of the board's clock: for each "newest write by another agent"
//! time, the local instant at which this clone first saw it.
//!
//! One small file, `<common git dir>/coord/clock`, a line `<board time> <first seen>` per
//! entry, newest last, at most [`KEEP`] entries, replaced whole by write-then-rename. Racing
//! writers can only lose a first-seen record, which makes the later reader more cautious,
//! never less. Nothing here decides anything: ops turns these instants into the clock that
//! other agents' expiries are judged by.

use std::path::{Path, PathBuf};

use super::error::StoreError;
use crate::model::Timestamp;

const KEEP: usize = 16;

pub struct ClockFile {
    path: PathBuf,
}

impl ClockFile {
    pub fn new(common_dir: &Path) -> ClockFile {
        ClockFile {
            path: common_dir.join("coord").join("clock"),
        }
    }

    fn read(&self) -> Vec<(Timestamp, Timestamp)> {
        std::fs::read_to_string(&self.path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let (a, b) = l.split_once(' ')?;
                Some((Timestamp(a.trim().parse().ok()?), Timestamp(b.trim().parse().ok()?)))
            })
            .collect()
    }

    /// When this clone first saw `board` as the board's newest foreign write time; records
    /// `now` when it is new. An unreadable file reads as empty (the cautious answer).
    pub fn first_seen(&self, board: Timestamp, now: Timestamp) -> Result<Timestamp, StoreError> {
        let mut entries = self.read();
        if let Some((_, seen)) = entries.iter().find(|(b, _)| *b == board) {
            return Ok(*seen);
        }
        entries.push((board, now));
        let skip = entries.len().saturating_sub(KEEP);
        let text: String = entries[skip..]
            .iter()
            .map(|(b, s)| format!("{} {}\n", b.0, s.0))
            .collect();
        let dir = self.path.parent().expect("because the clock file lives in a folder");
        let tmp = dir.join(format!("clock.{}.tmp", std::process::id()));
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&tmp, text))
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| StoreError::write(self.path.display().to_string(), e))?;
        Ok(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_sighting_is_kept_and_old_entries_roll_off() {
        let dir = tempfile::tempdir().unwrap();
        let f = ClockFile::new(dir.path());
        assert_eq!(f.first_seen(Timestamp(100), Timestamp(500)).unwrap(), Timestamp(500));
        // Seen again later: still the first sighting.
        assert_eq!(f.first_seen(Timestamp(100), Timestamp(900)).unwrap(), Timestamp(500));
        for b in 0..(KEEP as i64 + 4) {
            f.first_seen(Timestamp(1000 + b), Timestamp(2000 + b)).unwrap();
        }
        assert_eq!(f.read().len(), KEEP);
        // Rolled off: a new sighting (the cautious answer).
        assert_eq!(f.first_seen(Timestamp(100), Timestamp(3000)).unwrap(), Timestamp(3000));
        // A damaged file reads as empty, never as an old sighting.
        std::fs::write(dir.path().join("coord/clock"), "garbage\n1 x\n").unwrap();
        assert_eq!(f.first_seen(Timestamp(7), Timestamp(8)).unwrap(), Timestamp(8));
    }
}
