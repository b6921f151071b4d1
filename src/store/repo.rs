//! The repository: objects, refs, config and the index, all in-process through gix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gix::bstr::{BString, ByteSlice};
use gix::objs::tree::{Entry, EntryKind};
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::Target;
use gix::ObjectId;

use super::codec::{self, CLAIMS_DIR, DOCS_DIR, HANDOFFS_DIR, META, QUEUE, README, SCHEMA, TASKS_DIR};
use super::error::StoreError;
use crate::model::{ClaimsState, Handoff, Task, Timestamp};

/// An open repository.
pub struct Store {
    repo: gix::Repository,
    /// A private objects dir whose alternates reach a push's quarantine (pre-receive).
    _quarantine_view: Option<tempfile::TempDir>,
}

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
}

/// Outcome of a compare-and-swap on a local ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cas {
    Done,
    Lost { actual: Option<ObjectId> },
}

/// One changed path between two trees (a rename is a deletion plus an addition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    pub old: Option<ObjectId>,
    pub new: Option<ObjectId>,
}

/// One commit of a ref's history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub id: ObjectId,
    pub time: Timestamp,
    pub message: String,
}

impl Store {
    /// Find the repository containing `dir`.
    pub fn discover(dir: &Path) -> Result<Store, StoreError> {
        let mut repo = gix::discover(dir).map_err(|e| StoreError::NotARepo {
            path: dir.to_owned(),
            source: Box::new(e),
        })?;
        let view = quarantine_view(&mut repo)?;
        Ok(Store {
            repo,
            _quarantine_view: view,
        })
    }

    pub fn git_dir(&self) -> &Path {
        self.repo.git_dir()
    }

    /// The directory shared by all worktrees.
    pub fn common_dir(&self) -> &Path {
        self.repo.common_dir()
    }

    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// Where git commands should run.
    pub fn run_dir(&self) -> PathBuf {
        self.workdir().unwrap_or_else(|| self.git_dir()).to_owned()
    }

    pub fn is_bare(&self) -> bool {
        self.repo.workdir().is_none()
    }

    /// A config value as a string (last one wins, like `git config --get`).
    pub fn config_string(&self, key: &str) -> Option<String> {
        self.repo
            .config_snapshot()
            .string(key)
            .map(|v| v.to_str_lossy().into_owned())
    }

    /// All values of a multi-valued config key.
    pub fn config_strings(&self, key: &str) -> Vec<String> {
        self.repo
            .config_snapshot()
            .plumbing()
            .strings(key)
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.to_str_lossy().into_owned())
            .collect()
    }

    pub fn remote_names(&self) -> Vec<String> {
        self.repo
            .remote_names()
            .into_iter()
            .map(|n| n.to_str_lossy().into_owned())
            .collect()
    }

    /// The short name of the checked-out branch, if any.
    pub fn branch(&self) -> Option<String> {
        let head = self.repo.head_name().ok()??;
        Some(head.shorten().to_str_lossy().into_owned())
    }

    /// The current value of a ref, if it exists.
    pub fn tip(&self, name: &str) -> Result<Option<ObjectId>, StoreError> {
        let r = self
            .repo
            .try_find_reference(name)
            .map_err(|e| StoreError::read(name, e))?;
        Ok(r.and_then(|r| r.target().try_id().map(|id| id.to_owned())))
    }

    /// Refs below a prefix, with their targets.
    pub fn refs_with_prefix(&self, prefix: &str) -> Result<Vec<(String, ObjectId)>, StoreError> {
        let platform = self.repo.references().map_err(|e| StoreError::read("refs", e))?;
        let iter = platform.prefixed(prefix).map_err(|e| StoreError::read(prefix, e))?;
        let mut out = Vec::new();
        for r in iter {
            let r = r.map_err(|e| StoreError::read(prefix, e))?;
            if let Some(id) = r.target().try_id() {
                out.push((r.name().as_bstr().to_str_lossy().into_owned(), id.to_owned()));
            }
        }
        Ok(out)
    }

    /// The tree of a commit, checking that `name`'s target is a commit.
    fn commit_tree(&self, name: &str, id: ObjectId) -> Result<ObjectId, StoreError> {
        let obj = self
            .repo
            .find_object(id)
            .map_err(|e| StoreError::read(format!("{name} ({id})"), e))?;
        if obj.kind != gix::objs::Kind::Commit {
            return Err(StoreError::NotACommit {
                reference: name.to_owned(),
                kind: obj.kind.to_string(),
            });
        }
        let commit = obj.into_commit();
        let tree = commit
            .tree_id()
            .map_err(|e| StoreError::read(format!("{name} ({id})"), e))?;
        Ok(tree.detach())
    }

    fn tree_entries(&self, what: &str, tree: ObjectId) -> Result<Vec<Entry>, StoreError> {
        let t = self.repo.find_tree(tree).map_err(|e| StoreError::read(what, e))?;
        let decoded = t.decode().map_err(|e| StoreError::read(what, e))?;
        Ok(decoded
            .entries
            .iter()
            .map(|e| Entry {
                mode: e.mode,
                filename: e.filename.to_owned(),
                oid: e.oid.to_owned(),
            })
            .collect())
    }

    fn blob(&self, what: &str, id: ObjectId) -> Result<Vec<u8>, StoreError> {
        let b = self.repo.find_blob(id).map_err(|e| StoreError::read(what, e))?;
        Ok(b.detach().data)
    }

    /// Read the claims board at `tip` (the empty board when there is none yet).
    pub fn load_claims(&self, name: &str, tip: Option<ObjectId>) -> Result<Loaded, StoreError> {
        let Some(id) = tip else {
            return Ok(Loaded::default());
        };
        let tree = self.commit_tree(name, id)?;
        let corrupt = |path: &str, e: super::error::BoxError| StoreError::Corrupt {
            reference: name.to_owned(),
            path: path.to_owned(),
            source: e,
        };
        let mut loaded = Loaded {
            tip: Some(id),
            ..Loaded::default()
        };
        let mut saw_meta = false;
        for entry in self.tree_entries(name, tree)? {
            let fname = entry.filename.to_str_lossy().into_owned();
            match fname.as_str() {
                META => {
                    let bytes = self.blob(name, entry.oid)?;
                    let meta: codec::Meta = serde_json::from_slice(&bytes).map_err(|e| corrupt(META, Box::new(e)))?;
                    if meta.schema != SCHEMA {
                        return Err(StoreError::Schema {
                            reference: name.to_owned(),
                            found: meta.schema,
                            supported: SCHEMA,
                        });
                    }
                    saw_meta = true;
                }
                QUEUE => {
                    let bytes = self.blob(name, entry.oid)?;
                    loaded.state.queue = codec::decode_queue(&bytes).map_err(|e| corrupt(QUEUE, Box::new(e)))?;
                }
                CLAIMS_DIR if entry.mode.is_tree() => {
                    let mut blobs = Vec::new();
                    for b in self.tree_entries(name, entry.oid)? {
                        let bname = b.filename.to_str_lossy().into_owned();
                        let Some(bucket) = bname.strip_suffix(".json") else {
                            return Err(corrupt(
                                &format!("{CLAIMS_DIR}/{bname}"),
                                "unexpected file in claims/".into(),
                            ));
                        };
                        loaded.buckets.insert(bucket.to_owned(), b.oid);
                        blobs.push((bucket.to_owned(), self.blob(name, b.oid)?));
                    }
                    let mut all = Vec::new();
                    for (bucket, parsed) in decode_buckets(&blobs) {
                        let path = format!("{CLAIMS_DIR}/{bucket}.json");
                        for c in parsed.map_err(|e| corrupt(&path, Box::new(e)))? {
                            if c.id.bucket() != bucket {
                                return Err(corrupt(&path, format!("claim {} is in the wrong bucket", c.id).into()));
                            }
                            all.push((c.id.clone(), c));
                        }
                    }
                    // Bulk-build: buckets come sorted, so this is linear.
                    loaded.state.claims = all.into_iter().collect();
                }
                TASKS_DIR if entry.mode.is_tree() => {
                    for (bucket, oid, items) in self.load_list::<Task>(name, TASKS_DIR, entry.oid)? {
                        loaded.task_buckets.insert(bucket, oid);
                        loaded.state.tasks.extend(items.into_iter().map(|t| (t.id.clone(), t)));
                    }
                }
                HANDOFFS_DIR if entry.mode.is_tree() => {
                    for (bucket, oid, items) in self.load_list::<Handoff>(name, HANDOFFS_DIR, entry.oid)? {
                        loaded.handoff_buckets.insert(bucket, oid);
                        loaded
                            .state
                            .handoffs
                            .extend(items.into_iter().map(|h| (h.id.clone(), h)));
                    }
                }
                README => {}
                _ => loaded.foreign.push(entry),
            }
        }
        if !saw_meta {
            return Err(corrupt(META, "missing: this ref was not written by git-coord".into()));
        }
        Ok(loaded)
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
            let corrupt = |e: super::error::BoxError| StoreError::Corrupt {
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
        let mut bucket_entries = Vec::new();
        let before = codec::buckets(&base.state);
        for (name, claims) in codec::buckets(state) {
            let unchanged = base.buckets.get(&name).filter(|_| before.get(&name) == Some(&claims));
            let oid = match unchanged {
                Some(oid) => *oid,
                None => self.repo.write_blob(codec::encode_bucket(&claims)).map_err(w)?.detach(),
            };
            bucket_entries.push(Entry {
                mode: EntryKind::Blob.into(),
                filename: format!("{name}.json").into(),
                oid,
            });
        }
        let mut top = base.foreign.clone();
        top.push(Entry {
            mode: EntryKind::Blob.into(),
            filename: README.into(),
            oid: self.repo.write_blob(codec::README_TEXT).map_err(w)?.detach(),
        });
        top.push(Entry {
            mode: EntryKind::Blob.into(),
            filename: META.into(),
            oid: self.repo.write_blob(codec::encode_meta()).map_err(w)?.detach(),
        });
        if !bucket_entries.is_empty() {
            bucket_entries.sort();
            let t = self
                .repo
                .write_object(&gix::objs::Tree {
                    entries: bucket_entries,
                })
                .map_err(w)?
                .detach();
            top.push(Entry {
                mode: EntryKind::Tree.into(),
                filename: CLAIMS_DIR.into(),
                oid: t,
            });
        }
        if let Some(t) = self.write_list(&group_tasks(&base.state), &group_tasks(state), &base.task_buckets)? {
            top.push(Entry {
                mode: EntryKind::Tree.into(),
                filename: TASKS_DIR.into(),
                oid: t,
            });
        }
        if let Some(t) = self.write_list(
            &group_handoffs(&base.state),
            &group_handoffs(state),
            &base.handoff_buckets,
        )? {
            top.push(Entry {
                mode: EntryKind::Tree.into(),
                filename: HANDOFFS_DIR.into(),
                oid: t,
            });
        }
        self.add_docs(&mut top, docs)?;
        if !state.queue.is_empty() {
            let oid = self
                .repo
                .write_blob(codec::encode_queue(&state.queue))
                .map_err(w)?
                .detach();
            top.push(Entry {
                mode: EntryKind::Blob.into(),
                filename: QUEUE.into(),
                oid,
            });
        }
        top.sort();
        let tree = self
            .repo
            .write_object(&gix::objs::Tree { entries: top })
            .map_err(w)?
            .detach();
        self.write_commit(tree, base.tip, message, author, now)
    }

    /// Write a commit object.
    pub fn write_commit(
        &self,
        tree: ObjectId,
        parent: Option<ObjectId>,
        message: &str,
        author: &str,
        now: Timestamp,
    ) -> Result<ObjectId, StoreError> {
        let sig = signature(author, now);
        let commit = gix::objs::Commit {
            tree,
            parents: parent.into_iter().collect(),
            author: sig.clone(),
            committer: sig,
            encoding: None,
            message: message.into(),
            extra_headers: Vec::new(),
        };
        Ok(self
            .repo
            .write_object(&commit)
            .map_err(|e| StoreError::write("commit", e))?
            .detach())
    }

    /// The empty tree's id (written if needed).
    pub fn empty_tree(&self) -> Result<ObjectId, StoreError> {
        Ok(self
            .repo
            .write_object(&gix::objs::Tree { entries: Vec::new() })
            .map_err(|e| StoreError::write("tree", e))?
            .detach())
    }

    /// Move `name` from `expected` to `new` only if it still is `expected`.
    pub fn cas(
        &self,
        name: &str,
        expected: Option<ObjectId>,
        new: ObjectId,
        who: &str,
        now: Timestamp,
    ) -> Result<Cas, StoreError> {
        let full: gix::refs::FullName = name
            .try_into()
            .map_err(|e| StoreError::write(name, Box::new(e) as super::error::BoxError))?;
        let edit = RefEdit {
            change: Change::Update {
                log: LogChange {
                    mode: RefLog::AndReference,
                    force_create_reflog: false,
                    message: BString::from("git-coord"),
                },
                expected: match expected {
                    Some(id) => PreviousValue::MustExistAndMatch(Target::Object(id)),
                    None => PreviousValue::MustNotExist,
                },
                new: Target::Object(new),
            },
            name: full,
            deref: false,
        };
        let sig = signature(who, now);
        let mut buf = gix::date::parse::TimeBuf::default();
        match self.repo.edit_references_as(Some(edit), Some(sig.to_ref(&mut buf))) {
            Ok(_) => Ok(Cas::Done),
            Err(e) => {
                let actual = self.tip(name)?;
                if actual != expected {
                    Ok(Cas::Lost { actual })
                } else {
                    Err(StoreError::write(name, e))
                }
            }
        }
    }

    /// Delete a local ref if it still has `expected`.
    pub fn delete_ref(&self, name: &str, expected: ObjectId) -> Result<(), StoreError> {
        let full: gix::refs::FullName = name
            .try_into()
            .map_err(|e| StoreError::write(name, Box::new(e) as super::error::BoxError))?;
        let edit = RefEdit {
            change: Change::Delete {
                expected: PreviousValue::MustExistAndMatch(Target::Object(expected)),
                log: RefLog::AndReference,
            },
            name: full,
            deref: false,
        };
        self.repo
            .edit_references_as(Some(edit), None)
            .map_err(|e| StoreError::write(name, e))?;
        Ok(())
    }

    /// Tracked paths from the index, sorted bytewise (the index order).
    pub fn tracked_files(&self) -> Result<Vec<String>, StoreError> {
        if self.is_bare() {
            return Ok(Vec::new());
        }
        let index = self
            .repo
            .index_or_empty()
            .map_err(|e| StoreError::read("the index", e))?;
        let mut out: Vec<String> = index
            .entries()
            .iter()
            .filter(|e| e.stage_raw() == 0)
            .map(|e| e.path(&index).to_str_lossy().into_owned())
            .collect();
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Walk first-parent history from `tip`, newest first, stopping after `limit` commits or
    /// at the first commit older than `since`.
    pub fn history(
        &self,
        name: &str,
        tip: ObjectId,
        limit: usize,
        since: Option<Timestamp>,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut out = Vec::new();
        let mut next = Some(tip);
        while let Some(id) = next {
            if out.len() >= limit {
                break;
            }
            let c = self
                .repo
                .find_commit(id)
                .map_err(|e| StoreError::read(format!("{name} history ({id})"), e))?;
            let time = Timestamp(
                c.time()
                    .map_err(|e| StoreError::read(format!("{name} history ({id})"), e))?
                    .seconds,
            );
            if since.is_some_and(|s| time < s) {
                break;
            }
            let message = c
                .message_raw()
                .map_err(|e| StoreError::read(format!("{name} history ({id})"), e))?
                .to_str_lossy()
                .into_owned();
            next = c.parent_ids().next().map(|p| p.detach());
            out.push(HistoryEntry { id, time, message });
        }
        Ok(out)
    }

    /// The committer time of a commit.
    pub fn commit_time(&self, id: ObjectId) -> Result<Timestamp, StoreError> {
        let c = self
            .repo
            .find_commit(id)
            .map_err(|e| StoreError::read(id.to_string(), e))?;
        Ok(Timestamp(
            c.time().map_err(|e| StoreError::read(id.to_string(), e))?.seconds,
        ))
    }

    /// Read a file of the working tree (policy); `None` when absent.
    pub fn read_worktree_file(&self, rel: &str) -> Result<Option<String>, StoreError> {
        let Some(dir) = self.workdir() else {
            return Ok(None);
        };
        match std::fs::read_to_string(dir.join(rel)) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::read(rel, e)),
        }
    }

    /// Resolve a revision to a commit id.
    pub fn resolve(&self, rev: &str) -> Result<ObjectId, StoreError> {
        let id = self
            .repo
            .rev_parse_single(rev)
            .map_err(|e| StoreError::read(format!("revision {rev}"), e))?;
        let obj = self
            .repo
            .find_object(id.detach())
            .map_err(|e| StoreError::read(rev, e))?;
        let commit = obj.peel_to_commit().map_err(|e| StoreError::read(rev, e))?;
        Ok(commit.id)
    }

    /// Does the object exist here?
    pub fn has_object(&self, id: ObjectId) -> bool {
        self.repo.has_object(id)
    }

    /// Commits reachable from `tips` but not from `hidden`, newest first, at most `limit`.
    pub fn commits_between(
        &self,
        tips: &[ObjectId],
        hidden: &[ObjectId],
        limit: usize,
    ) -> Result<Vec<ObjectId>, StoreError> {
        let hidden: Vec<ObjectId> = hidden.iter().copied().filter(|h| self.repo.has_object(*h)).collect();
        let walk = self
            .repo
            .rev_walk(tips.iter().copied())
            .with_hidden(hidden)
            .all()
            .map_err(|e| StoreError::read("commit range", e))?;
        let mut out = Vec::new();
        for info in walk {
            let info = info.map_err(|e| StoreError::read("commit range", e))?;
            out.push(info.id);
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// The tree and parents of a commit.
    pub fn commit_info(&self, id: ObjectId) -> Result<(ObjectId, Vec<ObjectId>), StoreError> {
        let c = self
            .repo
            .find_commit(id)
            .map_err(|e| StoreError::read(id.to_string(), e))?;
        let tree = c.tree_id().map_err(|e| StoreError::read(id.to_string(), e))?.detach();
        Ok((tree, c.parent_ids().map(|p| p.detach()).collect()))
    }

    /// Paths whose blobs differ between two trees (`None` = the empty tree).
    pub fn diff_trees(&self, old: Option<ObjectId>, new: Option<ObjectId>) -> Result<Vec<FileChange>, StoreError> {
        let mut out = Vec::new();
        self.diff_into(old, new, "", &mut out)?;
        Ok(out)
    }

    fn diff_into(
        &self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        prefix: &str,
        out: &mut Vec<FileChange>,
    ) -> Result<(), StoreError> {
        if old == new {
            return Ok(());
        }
        let list = |t: Option<ObjectId>| -> Result<Vec<Entry>, StoreError> {
            match t {
                Some(t) => self.tree_entries("tree", t),
                None => Ok(Vec::new()),
            }
        };
        let (a, b) = (list(old)?, list(new)?);
        let mut names: Vec<&BString> = a.iter().chain(b.iter()).map(|e| &e.filename).collect();
        names.sort();
        names.dedup();
        for name in names {
            let find = |v: &[Entry], tree: bool| {
                v.iter()
                    .find(|e| &e.filename == name && e.mode.is_tree() == tree)
                    .map(|e| e.oid)
            };
            let path = format!("{prefix}{}", name.to_str_lossy());
            let (ot, nt) = (find(&a, true), find(&b, true));
            if ot.is_some() || nt.is_some() {
                self.diff_into(ot, nt, &format!("{path}/"), out)?;
            }
            let blob = |v: &[Entry]| {
                v.iter()
                    .find(|e| &e.filename == name && !e.mode.is_tree() && !e.mode.is_commit())
                    .map(|e| e.oid)
            };
            let (ob, nb) = (blob(&a), blob(&b));
            if ob != nb {
                out.push(FileChange { path, old: ob, new: nb });
            }
        }
        Ok(())
    }

    /// Write a blob (for judging an edit that is not committed yet).
    pub fn write_blob(&self, bytes: &[u8]) -> Result<ObjectId, StoreError> {
        Ok(self
            .repo
            .write_blob(bytes)
            .map_err(|e| StoreError::write("blob", e))?
            .detach())
    }

    /// A blob's bytes.
    pub fn blob_bytes(&self, id: ObjectId) -> Result<Vec<u8>, StoreError> {
        self.blob(&id.to_string(), id)
    }

    /// A file's content at a revision (`None` when the path is absent there).
    pub fn file_at(&self, rev: &str, rel: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let id = self
            .repo
            .rev_parse_single(rev)
            .map_err(|e| StoreError::read(format!("revision {rev}"), e))?;
        let commit = self
            .repo
            .find_object(id.detach())
            .map_err(|e| StoreError::read(rev, e))?;
        let commit = commit.peel_to_commit().map_err(|e| StoreError::read(rev, e))?;
        let tree = commit.tree().map_err(|e| StoreError::read(rev, e))?;
        let entry = tree.lookup_entry_by_path(rel).map_err(|e| StoreError::read(rel, e))?;
        match entry {
            Some(e) if e.mode().is_blob() => Ok(Some(self.blob(rel, e.object_id())?)),
            _ => Ok(None),
        }
    }

    /// A file's content at HEAD (for bare repositories: policy from the default branch).
    pub fn read_head_file(&self, rel: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Ok(commit) = self.repo.head_commit() else {
            return Ok(None);
        };
        let tree = commit.tree().map_err(|e| StoreError::read("HEAD", e))?;
        let entry = tree.lookup_entry_by_path(rel).map_err(|e| StoreError::read(rel, e))?;
        match entry {
            Some(e) => Ok(Some(self.blob(rel, e.object_id())?)),
            None => Ok(None),
        }
    }
}

/// Inside a pre-receive hook the pushed objects wait in a quarantine dir that git names
/// only through the environment, which gix does not read. Make them visible through a
/// private objects dir whose `info/alternates` lists the quarantine and the real store;
/// nothing in the repository is written.
fn quarantine_view(repo: &mut gix::Repository) -> Result<Option<tempfile::TempDir>, StoreError> {
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

/// Group items by their id's bucket.
fn group<'a, T: 'a>(items: impl Iterator<Item = &'a T>, bucket: impl Fn(&T) -> &str) -> BTreeMap<String, Vec<&'a T>> {
    let mut m: BTreeMap<String, Vec<&T>> = BTreeMap::new();
    for t in items {
        m.entry(bucket(t).to_owned()).or_default().push(t);
    }
    m
}

fn group_tasks(st: &ClaimsState) -> BTreeMap<String, Vec<&Task>> {
    group(st.tasks.values(), |t| t.id.bucket())
}

fn group_handoffs(st: &ClaimsState) -> BTreeMap<String, Vec<&Handoff>> {
    group(st.handoffs.values(), |h| h.id.bucket())
}

/// Parse bucket blobs, on two threads when there is enough to parse to pay for one.
fn decode_buckets(blobs: &[(String, Vec<u8>)]) -> Vec<(&str, Result<Vec<crate::model::Claim>, serde_json::Error>)> {
    let total: usize = blobs.iter().map(|(_, b)| b.len()).sum();
    fn parse(chunk: &[(String, Vec<u8>)]) -> Vec<(&str, Result<Vec<crate::model::Claim>, serde_json::Error>)> {
        chunk
            .iter()
            .map(|(name, bytes)| (name.as_str(), codec::decode_bucket(bytes)))
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

fn signature(who: &str, now: Timestamp) -> gix::actor::Signature {
    gix::actor::Signature {
        name: who.into(),
        email: "git-coord".into(),
        time: gix::date::Time {
            seconds: now.0,
            offset: 0,
        },
    }
}
