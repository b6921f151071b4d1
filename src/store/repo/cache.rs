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

use super::cache_rows::{self, Rows};
use super::objects::CommitHead;
use super::Loaded;
use crate::model::{Claim, ClaimsState, Handoff, Task, Waiter};

/// What the first line of the file must be.
fn header() -> String {
    format!("git-coord {} board cache 5\n", env!("CARGO_PKG_VERSION"))
}

/// One ref's state at one commit but its claims: a block's head, as JSON. The block's
/// claims follow it as rows ([`cache_rows`]).
#[derive(Serialize, Deserialize)]
struct Entry {
    name: String,
    /// 0: the ref's whole state but claims past the first [`CHUNK`]; 1, 2, …: only more of
    /// its claims (so a ref of many claims is decoded on both threads, not on one).
    #[serde(default)]
    part: u32,
    /// In part 0: how many claims the ref holds in all its parts (a file cut at a block's end
    /// must not read as a ref of fewer claims).
    #[serde(default)]
    count: usize,
    tip: String,
    seq: u64,
    kind: String,
    schema: u64,
    queue: Vec<Waiter>,
    tasks: Vec<Task>,
    handoffs: Vec<Handoff>,
    shards: Vec<String>,
    /// The tip commit's author, committer time and first parent (what a read looks at next
    /// to see who wrote last), when its author is UTF-8.
    head: Option<(String, i64, Option<String>)>,
}

/// Claims per block of the file.
const CHUNK: usize = 1_000;

/// One ref as the cache holds it: its commit, its state as read for reading, and the
/// commit's head.
type Cached = (ObjectId, Loaded, Option<CommitHead>);

/// The cache as read: ref name → what it holds of that ref.
#[derive(Default)]
pub(super) struct BoardCache {
    path: Option<PathBuf>,
    entries: BTreeMap<String, Cached>,
}

/// Where the cache of the repository whose common dir is `common` is kept.
pub(super) fn file(common: &Path) -> PathBuf {
    common.join("coord").join("board-cache")
}

impl BoardCache {
    /// The cache of the repository whose common dir is `common` (none in a bare one).
    pub(super) fn open(common: &Path, bare: bool) -> BoardCache {
        if bare {
            return BoardCache::default();
        }
        let path = file(common);
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
            if let Some(tip) = l.tip {
                if write_ref(&mut out, name, tip, l, head.as_ref()).is_err() {
                    return;
                }
            }
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

/// One ref's blocks: its state with the first [`CHUNK`] claims, then a block per further
/// chunk. A block is its length, its head's length and head, the count of rows and the rows
/// (lengths as little-endian `u32`).
fn write_ref(
    out: &mut Vec<u8>,
    name: &str,
    tip: ObjectId,
    l: &Loaded,
    head: Option<&CommitHead>,
) -> serde_json::Result<()> {
    let s = &l.state;
    let claims: Vec<&Claim> = s.claims.values().collect();
    let mut chunks = claims.chunks(CHUNK);
    let mut entry = Entry {
        name: name.to_owned(),
        part: 0,
        count: claims.len(),
        tip: tip.to_string(),
        seq: l.seq,
        kind: l.kind.clone(),
        schema: l.schema,
        queue: s.queue.clone(),
        tasks: s.tasks.values().cloned().collect(),
        handoffs: s.handoffs.values().cloned().collect(),
        shards: s.shards.iter().cloned().collect(),
        head: head.and_then(|h| {
            let author = String::from_utf8(h.author.clone()).ok()?;
            Some((author, h.time, h.parent.map(|p| p.to_string())))
        }),
    };
    block(out, &entry, chunks.next().unwrap_or_default())?;
    for (i, chunk) in chunks.enumerate() {
        entry = Entry {
            name: name.to_owned(),
            part: i as u32 + 1,
            count: 0,
            tip: entry.tip,
            seq: 0,
            kind: String::new(),
            schema: 0,
            queue: Vec::new(),
            tasks: Vec::new(),
            handoffs: Vec::new(),
            shards: Vec::new(),
            head: None,
        };
        block(out, &entry, chunk)?;
    }
    Ok(())
}

fn block(out: &mut Vec<u8>, entry: &Entry, claims: &[&Claim]) -> serde_json::Result<()> {
    let at = out.len();
    out.extend_from_slice(&[0; 8]);
    serde_json::to_writer(&mut *out, entry)?;
    let head_len = out.len() - at - 8;
    out.extend_from_slice(&(claims.len() as u32).to_le_bytes());
    claims.iter().for_each(|c| cache_rows::put(out, c));
    let len = out.len() - at - 4;
    out[at..at + 4].copy_from_slice(&(len as u32).to_le_bytes());
    out[at + 4..at + 8].copy_from_slice(&(head_len as u32).to_le_bytes());
    Ok(())
}

/// The entries of a cache file, or `None` when it is not one this version wrote whole.
/// Blocks are decoded on two threads when the file is large (one shard can hold half of it).
fn parse(bytes: &[u8]) -> Option<BTreeMap<String, Cached>> {
    let body = bytes.strip_prefix(header().as_bytes())?;
    let mut r = Rows::new(body);
    let mut blocks: Vec<&[u8]> = Vec::new();
    while !r.done() {
        let n = r.u32()?;
        blocks.push(r.take(n)?);
    }
    let decode =
        |chunk: &[&[u8]]| -> Option<Vec<(u32, usize, String, Cached)>> { chunk.iter().map(|b| entry(b)).collect() };
    let entries = if body.len() < 512 * 1024 || blocks.len() < 2 {
        decode(&blocks)?
    } else {
        // Split where half of the bytes are on each side.
        let mut seen = 0;
        let cut = blocks
            .iter()
            .position(|b| {
                seen += b.len();
                seen * 2 >= body.len()
            })
            .map_or(blocks.len() / 2, |i| (i + 1).min(blocks.len() - 1));
        let (left, right) = blocks.split_at(cut);
        let (mut a, b) = std::thread::scope(|s| {
            let other = s.spawn(|| decode(right));
            (decode(left), other.join().ok().flatten())
        });
        a.as_mut()?.extend(b?);
        a?
    };
    // A part past the first joins the ref's entry written just before it, at the same commit;
    // each ref must end up with the claims its first part counts.
    let mut out: BTreeMap<String, Cached> = BTreeMap::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut last: Option<(String, u32)> = None;
    for (part, count, name, (tip, mut loaded, head)) in entries {
        if part == 0 {
            last = Some((name.clone(), 0));
            counts.insert(name.clone(), count);
            out.insert(name, (tip, loaded, head));
            continue;
        }
        let follows = last.as_ref().is_some_and(|(n, p)| *n == name && *p + 1 == part);
        let whole = out.get_mut(&name).filter(|(t, ..)| follows && *t == tip)?;
        // Keys of a later part all sort after the ones read: extending inserts at the right
        // edge (append would rebuild the whole map for every part).
        whole.1.state.claims.extend(std::mem::take(&mut loaded.state.claims));
        last = Some((name, part));
    }
    if out
        .iter()
        .any(|(name, (_, l, _))| counts.get(name) != Some(&l.state.claims.len()))
    {
        return None;
    }
    Some(out)
}

/// One block of the file: a ref's name and what the cache holds of it.
fn entry(block: &[u8]) -> Option<(u32, usize, String, Cached)> {
    let mut r = Rows::new(block);
    let head_len = r.u32()?;
    let e: Entry = serde_json::from_slice(r.take(head_len)?).ok()?;
    let n = r.u32()?;
    let mut claims = Vec::with_capacity(n.min(CHUNK));
    for _ in 0..n {
        let c = r.claim()?;
        claims.push((c.id.clone(), c));
    }
    if !r.done() {
        return None;
    }
    let tip = ObjectId::from_hex(e.tip.as_bytes()).ok()?;
    let state = ClaimsState {
        // Rows were written in id order: collecting sorted keys builds the map in one pass.
        claims: claims.into_iter().collect(),
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
    Some((e.part, e.count, e.name, (tip, loaded, head)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Mode;

    fn board(n: u32, tip: &[u8]) -> Loaded {
        let mut state = ClaimsState::default();
        for i in 0..n {
            let c = Claim::example(i, "alice", &format!("src/f{i}.ts"), Mode::Exclusive);
            state.claims.insert(c.id.clone(), c);
        }
        let tip = ObjectId::from_hex(tip).unwrap();
        Loaded::cached(tip, state, "shard".into(), 2, 7)
    }

    fn write(dir: &Path, bytes: &[u8]) {
        std::fs::write(dir.join("coord").join("board-cache"), bytes).unwrap();
    }

    /// The file's header and its blocks, each with its length.
    fn blocks(file: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
        let head = header().into_bytes();
        let mut rest = &file[head.len()..];
        let mut out = Vec::new();
        while !rest.is_empty() {
            let n = 4 + u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
            out.push(rest[..n].to_vec());
            rest = &rest[n..];
        }
        (head, out)
    }

    #[test]
    fn a_ref_of_many_claims_is_kept_in_parts_and_read_back_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let big = board(2_500, b"1111111111111111111111111111111111111111");
        let small = board(3, b"2222222222222222222222222222222222222222");
        let (aa, bb) = ("refs/coord/shards/aa", "refs/coord/shards/bb");
        BoardCache::open(dir.path(), false).save(&[(aa, &big, None), (bb, &small, None)]);
        let file = std::fs::read(dir.path().join("coord").join("board-cache")).unwrap();
        let (head, b) = blocks(&file);
        assert_eq!(b.len(), 3 + 1, "three parts, one block");
        let mut back = BoardCache::open(dir.path(), false);
        let (l, _) = back.take(aa, big.tip.unwrap()).unwrap();
        assert_eq!(l.state, big.state);
        assert_eq!((l.kind.as_str(), l.schema, l.seq), ("shard", 2, 7));
        assert_eq!(back.take(bb, small.tip.unwrap()).unwrap().0.state, small.state);
        // Parts out of order, a part missing (a file cut at a block's end), a part of another
        // commit, a file cut inside a block, a block one byte longer than its rows: not a
        // cache this version wrote whole, so nothing is taken from it.
        let mut other_tip = b[1].clone();
        let at = other_tip.windows(10).position(|w| w == b"1111111111").unwrap();
        other_tip[at..at + 10].copy_from_slice(b"3333333333");
        let mut longer = b[3].clone();
        longer.push(0);
        let len = (longer.len() as u32 - 4).to_le_bytes();
        longer[..4].copy_from_slice(&len);
        let cut = &b[3][..b[3].len() - 1];
        let damaged: [Vec<u8>; 5] = [
            [&b[1], &b[0], &b[2], &b[3]].map(Vec::as_slice).concat(),
            [&b[0], &b[1]].map(Vec::as_slice).concat(),
            [&b[0], &other_tip, &b[2], &b[3]].map(Vec::as_slice).concat(),
            [b[0].as_slice(), &b[1], &b[2], cut].concat(),
            [&b[0], &b[1], &b[2], &longer].map(Vec::as_slice).concat(),
        ];
        for d in damaged {
            write(dir.path(), &[head.as_slice(), &d].concat());
            let mut c = BoardCache::open(dir.path(), false);
            assert!(
                c.take(aa, big.tip.unwrap()).is_none() && c.take(bb, small.tip.unwrap()).is_none(),
                "{:.200}",
                String::from_utf8_lossy(&d)
            );
        }
        // Bare repositories keep none.
        let bare = tempfile::tempdir().unwrap();
        BoardCache::open(bare.path(), true).save(&[(aa, &big, None)]);
        assert!(!bare.path().join("coord").exists());
    }
}
