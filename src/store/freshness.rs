//! How fresh this clone's copy of the board is: when the last fetch that reads share
//! started (`<common dir>/coord/fetched`, Unix milliseconds), and a lock so that readers
//! arriving together wait for one fetch instead of each making their own.
//!
//! This measures elapsed real time between processes (like a timeout does), never "now"
//! for expiry: that stays with the pinned clock of `GIT_COORD_NOW`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::error::StoreError;
use super::stage::{lock, Held};

/// The clone's record of its last shared fetch.
pub struct Freshness {
    dir: PathBuf,
}

impl Freshness {
    pub fn new(common_dir: &std::path::Path) -> Freshness {
        Freshness {
            dir: common_dir.join("coord"),
        }
    }

    /// How long ago the last shared fetch started (`None`: never, or unreadable).
    pub fn age(&self) -> Option<Duration> {
        let text = std::fs::read_to_string(self.dir.join("fetched")).ok()?;
        let ms: u64 = text.trim().parse().ok()?;
        let at = UNIX_EPOCH + Duration::from_millis(ms);
        Some(SystemTime::now().duration_since(at).unwrap_or_default())
    }

    /// Be the one reader of this clone that fetches (others wait, then reuse its fetch).
    pub fn lock(&self) -> Result<Held, StoreError> {
        lock(&self.dir.join("fetch.lock"))
    }

    /// A fetch that started at `started` succeeded.
    pub fn mark(&self, started: SystemTime) -> Result<(), StoreError> {
        let path = self.dir.join("fetched");
        let err = |e: std::io::Error| StoreError::write(path.display().to_string(), e);
        let ms = started.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
        let tmp = self.dir.join(format!("fetched.{}", std::process::id()));
        std::fs::create_dir_all(&self.dir).map_err(err)?;
        std::fs::write(&tmp, format!("{ms}\n")).map_err(err)?;
        std::fs::rename(&tmp, &path).map_err(err)
    }
}
