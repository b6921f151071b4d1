//! The claims board as a tree: deterministic, versioned, readable with `git show`.
//!
//! ```text
//! README.md            what this tree is (constant)
//! meta.json            {"schema": 2, "kind": "claims"} (a shard: "kind": "shard")
//! claims/<bb>.json     the claims whose id starts with c-<bb>, as a JSON array sorted by id
//!                      (`<b>.json` or `all.json` on a board of at most 1,024 or 64 claims)
//! queue.json           waiters, in serving order (absent when empty)
//! shards.json          the root only: the shards that exist, `["01a","3f0"]` (absent: none)
//! ```
//! Claims are bucketed by the first two hex digits of their id so that reading 10,000
//! claims costs at most 256 blob reads, and one write rewrites one small bucket.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Claim, ClaimsState, Waiter};

/// Schema 3 spreads claims over 1,024 shard refs listed on the root (`model::layout`);
/// schema 2 (128 unlisted shards) and schema 1 (everything on the root) boards are still
/// read, and the next write moves their claims to their shards.
pub const SCHEMA: u64 = 3;
/// The oldest schema this version still reads.
pub const OLDEST_SCHEMA: u64 = 1;

pub const README: &str = "README.md";
pub const META: &str = "meta.json";
pub const CLAIMS_DIR: &str = "claims";
pub const QUEUE: &str = "queue.json";
pub const SHARDS_LIST: &str = "shards.json";
pub const TASKS_DIR: &str = "tasks";
pub const HANDOFFS_DIR: &str = "handoffs";
pub const DOCS_DIR: &str = "handoff-docs";

pub const README_TEXT: &str = "# git-coord claims board\n\n\
This tree is the current state of the claims board, written by git-coord.\n\
Each file under claims/ is a JSON array of active claims whose id starts with\n\
c-<file name>; queue.json lists claim requests waiting for a holder to let go.\n\
tasks/ and handoffs/ hold the task board and handoff records the same way, and\n\
handoff-docs/<id>.md each handoff's document.\n\
History (`git log refs/coord/claims`) is the audit log: one commit per operation.\n";

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
pub struct Meta {
    pub schema: u64,
    pub kind: String,
}

/// Encode one bucket (claims, tasks, handoffs): a JSON array with one item per line, so
/// `git show` reads well, a change is a one-line diff, and parsing stays fast.
pub fn encode_list<T: Serialize>(items: &[&T]) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.len() * 512);
    out.extend_from_slice(b"[\n");
    for (i, c) in items.iter().enumerate() {
        serde_json::to_writer(&mut out, c).expect("because board items always serialise");
        out.extend_from_slice(if i + 1 < items.len() { b",\n" } else { b"\n" });
    }
    out.extend_from_slice(b"]\n");
    out
}

pub fn decode_bucket(bytes: &[u8]) -> Result<Vec<Claim>, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// Every bucket of `claims/` parsed, on two threads when they are large.
pub fn decode_buckets(blobs: &[(String, Vec<u8>)]) -> Vec<(&str, Result<Vec<crate::model::Claim>, serde_json::Error>)> {
    let total: usize = blobs.iter().map(|(_, b)| b.len()).sum();
    fn parse(chunk: &[(String, Vec<u8>)]) -> Vec<(&str, Result<Vec<crate::model::Claim>, serde_json::Error>)> {
        chunk
            .iter()
            .map(|(name, bytes)| (name.as_str(), decode_bucket(bytes)))
            .collect()
    }
    if total < 512 * 1024 || blobs.len() < 2 {
        return parse(blobs);
    }
    let (left, right) = blobs.split_at(blobs.len() / 2);
    std::thread::scope(|s| {
        let other = s.spawn(|| parse(right));
        let mut out = parse(left);
        out.extend(other.join().expect("because parsing does not panic"));
        out
    })
}

pub fn encode_queue(queue: &[Waiter]) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(queue).expect("because waiters always serialise");
    out.push(b'\n');
    out
}

pub fn decode_queue(bytes: &[u8]) -> Result<Vec<Waiter>, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// The root's list of shards: one line, sorted.
pub fn encode_shards(shards: &std::collections::BTreeSet<String>) -> Vec<u8> {
    let mut out = serde_json::to_vec(shards).expect("because names serialise");
    out.push(b'\n');
    out
}

/// The root's list of shards, each a name of this layout.
pub fn decode_shards(bytes: &[u8]) -> Result<std::collections::BTreeSet<String>, crate::store::error::BoxError> {
    let list: std::collections::BTreeSet<String> = serde_json::from_slice(bytes)?;
    match list.iter().find(|k| !crate::model::layout::is_current(k)) {
        Some(bad) => Err(format!("{bad:?} is not a shard name (three hex digits)").into()),
        None => Ok(list),
    }
}

pub fn encode_meta(kind: &str) -> Vec<u8> {
    let mut out = serde_json::to_vec(&Meta {
        schema: SCHEMA,
        kind: kind.into(),
    })
    .expect("because meta serialises");
    out.push(b'\n');
    out
}

/// Group a state's claims by bucket name: the first two hex digits of the id, or fewer on a
/// small board (one digit up to 1,024 claims, one `all` bucket up to 64), so that a board of
/// many small shards stays a few blobs to read.
pub fn buckets(state: &ClaimsState) -> BTreeMap<String, Vec<&Claim>> {
    let n = state.claims.len();
    let mut out: BTreeMap<String, Vec<&Claim>> = BTreeMap::new();
    for c in state.claims.values() {
        let name = match n {
            0..=64 => ALL_BUCKET,
            65..=1024 => &c.id.bucket()[..1],
            _ => c.id.bucket(),
        };
        out.entry(name.to_owned()).or_default().push(c);
    }
    out
}

/// The bucket that holds every claim of a small board.
pub const ALL_BUCKET: &str = "all";

/// Whether a claim with this id may be in the bucket of that name.
pub fn in_bucket(id: &crate::model::ClaimId, bucket: &str) -> bool {
    bucket == ALL_BUCKET || (matches!(bucket.len(), 1 | 2) && id.bucket().starts_with(bucket))
}

/// Group items by their id's bucket.
fn group<'a, T: 'a>(items: impl Iterator<Item = &'a T>, bucket: impl Fn(&T) -> &str) -> BTreeMap<String, Vec<&'a T>> {
    let mut m: BTreeMap<String, Vec<&T>> = BTreeMap::new();
    for t in items {
        m.entry(bucket(t).to_owned()).or_default().push(t);
    }
    m
}

/// A state's tasks by bucket.
pub fn task_buckets(st: &ClaimsState) -> BTreeMap<String, Vec<&crate::model::Task>> {
    group(st.tasks.values(), |t| t.id.bucket())
}

/// A state's handoffs by bucket.
pub fn handoff_buckets(st: &ClaimsState) -> BTreeMap<String, Vec<&crate::model::Handoff>> {
    group(st.handoffs.values(), |h| h.id.bucket())
}
