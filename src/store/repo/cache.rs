//! Decoded board refs kept between commands, keyed by commit: `<common>/coord/board-cache`.
//!
//! A read that finds a ref at a commit the cache holds takes that ref's state from one file
//! instead of its commit, trees and bucket blobs (at 10,000 claims: ~600 objects). A commit
//! never changes, so an entry is never stale; a ref that moved misses and is read from its
//! objects, and the file is written anew. The file names the git-coord version that wrote it:
//! another version, a damaged file or one that does not parse is ignored (and replaced).
//! Bare repositories (a server's) keep no cache.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gix::ObjectId;
use serde::{Deserialize, Serialize};

use super::objects::CommitHead;
use super::Loaded;
use crate::model::{
    AgentId, Claim, ClaimId, ClaimsState, Handoff, Mode, Narrowing, Scope, Task, Timestamp, Urgency, Waiter,
};

/// What the first line of the file must be.
fn header() -> String {
    format!("git-coord {} board cache 2\n", env!("CARGO_PKG_VERSION"))
}

/// A claim as the cache keeps it: its fields in a row, not named (a third less to parse than
/// the board's own form).
type Row = (
    ClaimId,
    AgentId,
    Scope,
    Mode,
    Timestamp,
    Timestamp,
    Option<String>,
    Option<String>,
    Option<String>,
    Urgency,
    Option<String>,
    bool,
    Vec<Narrowing>,
);

/// A claim's row, borrowed for writing.
type RowRef<'a> = (
    &'a ClaimId,
    &'a AgentId,
    &'a Scope,
    Mode,
    Timestamp,
    Timestamp,
    &'a Option<String>,
    &'a Option<String>,
    &'a Option<String>,
    Urgency,
    &'a Option<String>,
    bool,
    &'a [Narrowing],
);

fn row(c: &Claim) -> RowRef<'_> {
    // Every field named: a field added to claims fails to compile here until it is kept.
    let Claim {
        id,
        agent,
        scope,
        mode,
        created_at,
        expires_at,
        note,
        task,
        branch,
        urgency,
        host,
        narrowable,
        narrowed,
        trust: _,
    } = c;
    (
        id,
        agent,
        scope,
        *mode,
        *created_at,
        *expires_at,
        note,
        task,
        branch,
        *urgency,
        host,
        *narrowable,
        narrowed,
    )
}

fn claim(r: Row) -> Claim {
    let (id, agent, scope, mode, created_at, expires_at, note, task, branch, urgency, host, narrowable, narrowed) = r;
    Claim {
        id,
        agent,
        scope,
        mode,
        created_at,
        expires_at,
        note,
        task,
        branch,
        urgency,
        host,
        narrowable,
        narrowed,
        trust: None,
    }
}

/// One ref's state at one commit (`C`: how a claim is written).
#[derive(Serialize, Deserialize)]
struct Entry<C> {
    name: String,
    tip: String,
    seq: u64,
    kind: String,
    schema: u64,
    claims: Vec<C>,
    queue: Vec<Waiter>,
    tasks: Vec<Task>,
    handoffs: Vec<Handoff>,
    shards: Vec<String>,
    /// The tip commit's author, committer time and first parent (what a read looks at next
    /// to see who wrote last), when its author is UTF-8.
    head: Option<(String, i64, Option<String>)>,
}

/// One ref as the cache holds it: its commit, its state as read for reading, and the
/// commit's head.
type Cached = (ObjectId, Loaded, Option<CommitHead>);

/// The cache as read: ref name → what it holds of that ref.
#[derive(Default)]
pub(super) struct BoardCache {
    path: Option<PathBuf>,
    entries: BTreeMap<String, Cached>,
}

impl BoardCache {
    /// The cache of the repository whose common dir is `common` (none in a bare one).
    pub(super) fn open(common: &Path, bare: bool) -> BoardCache {
        if bare {
            return BoardCache::default();
        }
        let path = common.join("coord").join("board-cache");
        let entries = std::fs::read(&path).ok().and_then(|b| parse(&b)).unwrap_or_default();
        BoardCache {
            path: Some(path),
            entries,
        }
    }

    /// `name`'s state at `tip`, when the cache holds it (taken out: each ref is read once).
    pub(super) fn take(&mut self, name: &str, tip: ObjectId) -> Option<(Loaded, Option<CommitHead>)> {
        match self.entries.remove(name) {
            Some((t, loaded, head)) if t == tip => Some((loaded, head)),
            _ => None,
        }
    }

    /// Keep `refs` (every ref of the board as just read, its state whole) for the next read:
    /// written aside, then renamed over the file, so a reader never sees half of it. Best
    /// effort: a cache that cannot be written only makes the next read slower.
    pub(super) fn save(&self, refs: &[(&str, &Loaded, Option<CommitHead>)]) {
        let Some(path) = &self.path else {
            return;
        };
        let mut out = header().into_bytes();
        for (name, l, head) in refs {
            let Some(tip) = l.tip else {
                continue;
            };
            let s = &l.state;
            let e = Entry {
                name: (*name).to_owned(),
                tip: tip.to_string(),
                seq: l.seq,
                kind: l.kind.clone(),
                schema: l.schema,
                claims: s.claims.values().map(row).collect(),
                queue: s.queue.clone(),
                tasks: s.tasks.values().cloned().collect(),
                handoffs: s.handoffs.values().cloned().collect(),
                shards: s.shards.iter().cloned().collect(),
                head: head.as_ref().and_then(|h| {
                    let author = String::from_utf8(h.author.clone()).ok()?;
                    Some((author, h.time, h.parent.map(|p| p.to_string())))
                }),
            };
            if serde_json::to_writer(&mut out, &e).is_err() {
                return;
            }
            out.push(b'\n');
        }
        let Some(dir) = path.parent() else {
            return;
        };
        let aside = dir.join(format!("board-cache.{}.tmp", std::process::id()));
        let written = std::fs::create_dir_all(dir).is_ok() && std::fs::write(&aside, &out).is_ok();
        if !written || std::fs::rename(&aside, path).is_err() {
            let _ = std::fs::remove_file(&aside);
        }
    }
}

/// The entries of a cache file, or `None` when it is not one this version wrote whole.
/// Lines are parsed on two threads when the file is large (one shard can hold half of it).
fn parse(bytes: &[u8]) -> Option<BTreeMap<String, Cached>> {
    let body = bytes.strip_prefix(header().as_bytes())?;
    let lines: Vec<&[u8]> = body.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
    let decode =
        |chunk: &[&[u8]]| -> Option<Vec<Entry<Row>>> { chunk.iter().map(|l| serde_json::from_slice(l).ok()).collect() };
    let entries = if body.len() < 512 * 1024 || lines.len() < 2 {
        decode(&lines)?
    } else {
        // Split where half of the bytes are on each side.
        let mut seen = 0;
        let cut = lines
            .iter()
            .position(|l| {
                seen += l.len();
                seen * 2 >= body.len()
            })
            .map_or(lines.len() / 2, |i| (i + 1).min(lines.len() - 1));
        let (left, right) = lines.split_at(cut);
        let (mut a, b) = std::thread::scope(|s| {
            let other = s.spawn(|| decode(right));
            (decode(left), other.join().ok().flatten())
        });
        a.as_mut()?.extend(b?);
        a?
    };
    let mut out = BTreeMap::new();
    for e in entries {
        let tip = ObjectId::from_hex(e.tip.as_bytes()).ok()?;
        let state = ClaimsState {
            claims: e.claims.into_iter().map(|r| (r.0.clone(), claim(r))).collect(),
            queue: e.queue,
            tasks: e.tasks.into_iter().map(|t| (t.id.clone(), t)).collect(),
            handoffs: e.handoffs.into_iter().map(|h| (h.id.clone(), h)).collect(),
            shards: e.shards.into_iter().collect(),
        };
        let head = match e.head {
            Some((author, time, parent)) => Some(CommitHead {
                author: author.into_bytes(),
                time,
                parent: match parent {
                    Some(p) => Some(ObjectId::from_hex(p.as_bytes()).ok()?),
                    None => None,
                },
            }),
            None => None,
        };
        let loaded = Loaded::cached(tip, state, e.kind, e.schema, e.seq);
        out.insert(e.name, (tip, loaded, head));
    }
    Some(out)
}
