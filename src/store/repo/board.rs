//! The board as a tree: load every bucket of claims, tasks and handoffs; write only the
//! buckets that changed; add handoff documents.

use std::collections::BTreeMap;

use gix::bstr::ByteSlice;
use gix::objs::tree::{Entry, EntryKind};
use gix::ObjectId;

use super::Store;
use crate::model::{ClaimsState, Handoff, Task, Timestamp};
use crate::store::codec::{
    self, CLAIMS_DIR, DOCS_DIR, HANDOFFS_DIR, META, OLDEST_SCHEMA, QUEUE, README, SCHEMA, SHARDS_LIST, TASKS_DIR,
};
use crate::store::error::StoreError;

/// The claims board as read from one commit.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub tip: Option<ObjectId>,
    pub state: ClaimsState,
    /// Bucket name → blob id, so a write can reuse what did not change.
    buckets: BTreeMap<String, ObjectId>,
    task_buckets: BTreeMap<String, ObjectId>,
    handoff_buckets: BTreeMap<String, ObjectId>,
    /// Other top-level entries we do not interpret but must keep.
    foreign: Vec<Entry>,
    /// `meta.json`'s kind: `claims` (the root) or `shard`.
    pub kind: String,
    /// `meta.json`'s schema.
    pub schema: u64,
    /// The tip's `Coord-Seq` (0 before there was one).
    pub seq: u64,
}

impl Loaded {
    /// Nothing read yet, of this kind (`claims` or `shard`).
    pub fn empty(kind: &str) -> Loaded {
        Loaded {
            kind: kind.to_owned(),
            ..Loaded::default()
        }
    }

    /// A ref's state as the board cache kept it: for reading only (no bucket ids, so a
    /// write cannot start from it).
    pub(super) fn cached(tip: ObjectId, state: ClaimsState, kind: String, schema: u64, seq: u64) -> Loaded {
        Loaded {
            tip: Some(tip),
            state,
            kind,
            schema,
            seq,
            ..Loaded::default()
        }
    }
}

impl Store {
    /// Read the claims board at `tip` (the empty board when there is none yet).
    pub fn load_claims(&self, name: &str, tip: Option<ObjectId>) -> Result<Loaded, StoreError> {
        let Some(id) = tip else {
            return Ok(Loaded::default());
        };
        let (tree, seq) = self.commit_tree(name, id)?;
        let mut loaded = Loaded {
            tip: Some(id),
            seq,
            ..Loaded::default()
        };
        let mut saw_meta = false;
        for entry in self.tree_entries(name, tree)? {
            let fname = entry.filename.to_str_lossy().into_owned();
            check_kind(name, &fname, &entry)?;
            match fname.as_str() {
                META => {
                    (loaded.kind, loaded.schema) = self.check_meta(name, entry.oid)?;
                    saw_meta = true;
                }
                QUEUE => {
                    let bytes = self.blob(name, entry.oid)?;
                    loaded.state.queue = codec::decode_queue(&bytes).map_err(|e| corrupt(name, QUEUE, Box::new(e)))?;
                }
                CLAIMS_DIR => self.load_claims_dir(name, entry.oid, &mut loaded)?,
                TASKS_DIR => {
                    for (bucket, oid, items) in self.load_list::<Task>(name, TASKS_DIR, entry.oid)? {
                        loaded.task_buckets.insert(bucket, oid);
                        loaded.state.tasks.extend(items.into_iter().map(|t| (t.id.clone(), t)));
                    }
                }
                HANDOFFS_DIR => {
                    for (bucket, oid, items) in self.load_list::<Handoff>(name, HANDOFFS_DIR, entry.oid)? {
                        loaded.handoff_buckets.insert(bucket, oid);
                        loaded
                            .state
                            .handoffs
                            .extend(items.into_iter().map(|h| (h.id.clone(), h)));
                    }
                }
                SHARDS_LIST => {
                    let bytes = self.blob(name, entry.oid)?;
                    loaded.state.shards = codec::decode_shards(&bytes).map_err(|e| corrupt(name, SHARDS_LIST, e))?;
                }
                README => {}
                _ => loaded.foreign.push(entry),
            }
        }
        if !saw_meta {
            return Err(corrupt(
                name,
                META,
                "missing: this ref was not written by git-coord".into(),
            ));
        }
        Ok(loaded)
    }

    fn check_meta(&self, name: &str, oid: ObjectId) -> Result<(String, u64), StoreError> {
        // Every ref of one kind and schema has the same meta.json: checked once.
        if let Some(known) = self.memo.borrow().metas.get(&oid) {
            return Ok(known.clone());
        }
        let checked = self.check_meta_blob(name, oid)?;
        self.memo.borrow_mut().metas.insert(oid, checked.clone());
        Ok(checked)
    }

    fn check_meta_blob(&self, name: &str, oid: ObjectId) -> Result<(String, u64), StoreError> {
        let bytes = self.blob(name, oid)?;
        let meta: codec::Meta = serde_json::from_slice(&bytes).map_err(|e| corrupt(name, META, Box::new(e)))?;
        if !(OLDEST_SCHEMA..=SCHEMA).contains(&meta.schema) {
            return Err(StoreError::Schema {
                reference: name.to_owned(),
                found: meta.schema,
                supported: SCHEMA,
            });
        }
        Ok((meta.kind, meta.schema))
    }

    /// `claims/<bb>.json`: every bucket parsed (on two threads when large), each claim in the
    /// bucket its id names.
    fn load_claims_dir(&self, name: &str, tree: ObjectId, loaded: &mut Loaded) -> Result<(), StoreError> {
        let mut blobs = Vec::new();
        for b in self.tree_entries(name, tree)? {
            let bname = b.filename.to_str_lossy().into_owned();
            let Some(bucket) = bname.strip_suffix(".json") else {
                return Err(corrupt(
                    name,
                    &format!("{CLAIMS_DIR}/{bname}"),
                    "unexpected file in claims/".into(),
                ));
            };
            loaded.buckets.insert(bucket.to_owned(), b.oid);
            blobs.push((bucket.to_owned(), self.blob(name, b.oid)?));
        }
        crate::store::heap::claim_blobs(blobs.iter().map(|(_, b)| b.len()).sum());
        let mut all = Vec::new();
        for (bucket, parsed) in codec::decode_buckets(&blobs) {
            let path = format!("{CLAIMS_DIR}/{bucket}.json");
            for c in parsed.map_err(|e| corrupt(name, &path, Box::new(e)))? {
                if !codec::in_bucket(&c.id, bucket) {
                    return Err(corrupt(
                        name,
                        &path,
                        format!("claim {} is in the wrong bucket", c.id).into(),
                    ));
                }
                all.push((c.id.clone(), c));
            }
        }
        // Bulk-build: buckets come sorted, so this is linear.
        loaded.state.claims = all.into_iter().collect();
        Ok(())
    }

    /// Read every `<dir>/<bucket>.json` list of one kind.
    fn load_list<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
        dir: &str,
        tree: ObjectId,
    ) -> Result<Vec<(String, ObjectId, Vec<T>)>, StoreError> {
        let mut out = Vec::new();
        for b in self.tree_entries(name, tree)? {
            let bname = b.filename.to_str_lossy().into_owned();
            let path = format!("{dir}/{bname}");
            let corrupt = |e: crate::store::error::BoxError| StoreError::Corrupt {
                reference: name.to_owned(),
                path: path.clone(),
                source: e,
            };
            let Some(bucket) = bname.strip_suffix(".json") else {
                return Err(corrupt(format!("unexpected file in {dir}/").into()));
            };
            let bytes = self.blob(name, b.oid)?;
            let items: Vec<T> = serde_json::from_slice(&bytes).map_err(|e| corrupt(Box::new(e)))?;
            out.push((bucket.to_owned(), b.oid, items));
        }
        Ok(out)
    }

    /// Write one bucketed dir, reusing the blobs of buckets that did not change.
    fn write_list<T: serde::Serialize + PartialEq>(
        &self,
        before: &BTreeMap<String, Vec<&T>>,
        after: &BTreeMap<String, Vec<&T>>,
        oids: &BTreeMap<String, ObjectId>,
    ) -> Result<Option<ObjectId>, StoreError> {
        let w = |e: gix::Error| StoreError::write("objects", e);
        let mut entries = Vec::new();
        for (name, items) in after {
            let oid = match oids.get(name).filter(|_| before.get(name) == Some(items)) {
                Some(oid) => *oid,
                None => self.repo.write_blob(codec::encode_list(items)).map_err(w)?.detach(),
            };
            entries.push(Entry {
                mode: EntryKind::Blob.into(),
                filename: format!("{name}.json").into(),
                oid,
            });
        }
        if entries.is_empty() {
            return Ok(None);
        }
        entries.sort();
        Ok(Some(
            self.repo
                .write_object(&gix::objs::Tree { entries })
                .map_err(w)?
                .detach(),
        ))
    }

    /// Add documents under `handoff-docs/` to a list of top-level entries.
    fn add_docs(&self, top: &mut Vec<Entry>, docs: &[(String, String)]) -> Result<(), StoreError> {
        if docs.is_empty() {
            return Ok(());
        }
        let w = |e: gix::Error| StoreError::write("objects", e);
        let mut entries = match top.iter().position(|e| e.filename == DOCS_DIR && e.mode.is_tree()) {
            Some(i) => {
                let old = top.remove(i);
                self.tree_entries(DOCS_DIR, old.oid)?
            }
            None => Vec::new(),
        };
        for (file, text) in docs {
            entries.retain(|e| e.filename != file.as_str());
            let oid = self.repo.write_blob(text.as_bytes()).map_err(w)?.detach();
            entries.push(Entry {
                mode: EntryKind::Blob.into(),
                filename: file.as_str().into(),
                oid,
            });
        }
        entries.sort();
        let t = self
            .repo
            .write_object(&gix::objs::Tree { entries })
            .map_err(w)?
            .detach();
        top.push(Entry {
            mode: EntryKind::Tree.into(),
            filename: DOCS_DIR.into(),
            oid: t,
        });
        Ok(())
    }

    /// Write the tree for `state` (reusing unchanged buckets of `base`) and a commit on
    /// `base.tip`. Returns the commit id; no ref moves.
    pub fn commit_claims(
        &self,
        base: &Loaded,
        state: &ClaimsState,
        message: &str,
        author: &str,
        now: Timestamp,
    ) -> Result<ObjectId, StoreError> {
        self.commit_board(base, state, &[], message, author, now)
    }

    /// [`Self::commit_claims`], also adding handoff documents (`handoff-docs/<file>`).
    pub fn commit_board(
        &self,
        base: &Loaded,
        state: &ClaimsState,
        docs: &[(String, String)],
        message: &str,
        author: &str,
        now: Timestamp,
    ) -> Result<ObjectId, StoreError> {
        let w = |e: gix::Error| StoreError::write("objects", e);
        let blob = |filename: &str, oid: ObjectId| Entry {
            mode: EntryKind::Blob.into(),
            filename: filename.into(),
            oid,
        };
        let tree = |filename: &str, oid: ObjectId| Entry {
            mode: EntryKind::Tree.into(),
            filename: filename.into(),
            oid,
        };
        let mut top = base.foreign.clone();
        top.push(blob(
            README,
            self.repo.write_blob(codec::README_TEXT).map_err(w)?.detach(),
        ));
        let kind = if base.kind.is_empty() {
            "claims"
        } else {
            base.kind.as_str()
        };
        top.push(blob(
            META,
            self.repo.write_blob(codec::encode_meta(kind)).map_err(w)?.detach(),
        ));
        if let Some(t) = self.write_list(&codec::buckets(&base.state), &codec::buckets(state), &base.buckets)? {
            top.push(tree(CLAIMS_DIR, t));
        }
        if let Some(t) = self.write_list(
            &codec::task_buckets(&base.state),
            &codec::task_buckets(state),
            &base.task_buckets,
        )? {
            top.push(tree(TASKS_DIR, t));
        }
        let handoffs = (codec::handoff_buckets(&base.state), codec::handoff_buckets(state));
        if let Some(t) = self.write_list(&handoffs.0, &handoffs.1, &base.handoff_buckets)? {
            top.push(tree(HANDOFFS_DIR, t));
        }
        self.add_docs(&mut top, docs)?;
        if !state.queue.is_empty() {
            let oid = self
                .repo
                .write_blob(codec::encode_queue(&state.queue))
                .map_err(w)?
                .detach();
            top.push(blob(QUEUE, oid));
        }
        if !state.shards.is_empty() {
            let oid = self.repo.write_blob(codec::encode_shards(&state.shards)).map_err(w)?;
            top.push(blob(SHARDS_LIST, oid.detach()));
        }
        top.sort();
        if let Some(pair) = top.windows(2).find(|p| p[0].filename == p[1].filename) {
            // Never write a tree `git fsck` rejects: load_claims keeps only names it does not
            // interpret as foreign, so this means a bug, reported instead of written.
            return Err(StoreError::write(
                "the board tree",
                format!("two entries named {}", pair[0].filename),
            ));
        }
        let tree = self
            .repo
            .write_object(&gix::objs::Tree { entries: top })
            .map_err(w)?
            .detach();
        self.write_board_commit(tree, base.tip, message, author, now)
    }
}

fn corrupt(reference: &str, path: &str, e: crate::store::error::BoxError) -> StoreError {
    StoreError::Corrupt {
        reference: reference.to_owned(),
        path: path.to_owned(),
        source: e,
    }
}

/// A known name of the wrong kind (a blob where a folder belongs, or the other way round) is
/// corrupt data, never an empty board.
fn check_kind(reference: &str, fname: &str, entry: &Entry) -> Result<(), StoreError> {
    let want_tree = match fname {
        CLAIMS_DIR | TASKS_DIR | HANDOFFS_DIR | DOCS_DIR => true,
        META | QUEUE | README | SHARDS_LIST => false,
        _ => return Ok(()),
    };
    if entry.mode.is_tree() == want_tree {
        return Ok(());
    }
    let (want, found) = if want_tree {
        ("folder", "file")
    } else {
        ("file", "folder")
    };
    Err(corrupt(
        reference,
        fname,
        format!("should be a {want}, found a {found}").into(),
    ))
}
