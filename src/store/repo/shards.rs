//! The board over several refs (`model::layout`): read the root and every shard in its
//! index into one state; write one commit on each ref whose content changes.

use std::collections::{BTreeMap, BTreeSet};

use gix::bstr::BString;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::Target;
use gix::ObjectId;

use super::{signature, Cas, HistoryEntry, Loaded, Store};
use crate::model::layout::{self, ShardKey, Split};
use crate::model::{ClaimsState, Timestamp};
use crate::store::error::StoreError;
use crate::store::refs;

/// The whole board as read: the root, each shard, and the merged state to plan on.
#[derive(Debug, Clone, Default)]
pub struct Board {
    pub root: Loaded,
    pub shards: BTreeMap<ShardKey, Loaded>,
    /// Every claim and waiter once, the tasks and handoffs, the index.
    pub state: ClaimsState,
}

/// One ref to move: from `old` (what was planned on) to `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefWrite {
    pub name: String,
    pub old: Option<ObjectId>,
    pub new: ObjectId,
}

impl Board {
    /// The refs whose content differs in `after` (`None`: the root), compared in place.
    pub fn changed(&self, after: &Split) -> BTreeSet<Option<ShardKey>> {
        let mut out = BTreeSet::new();
        if self.root.state != after.root {
            out.insert(None);
        }
        // A listed shard that does not exist yet holds nothing: created once it holds some.
        let empty = ClaimsState::default();
        for (k, s) in &after.shards {
            if self.shards.get(k).map_or(&empty, |l| &l.state) != s {
                out.insert(Some(k.clone()));
            }
        }
        out
    }

    /// Whether the next write must write the root: it does not exist yet, or has an older
    /// layout (schema 1: every claim on the root). Either way an older client would read the
    /// root alone, miss the shards and grant what they hold: a root at the current schema
    /// stops it ("written in schema version 3", hint: upgrade).
    pub fn needs_root(&self) -> bool {
        self.root.tip.is_none() || self.root.schema < crate::store::codec::SCHEMA
    }

    /// Whether the root was written in an older layout (schema 1 or 2): the next write moves
    /// every claim to its home in this one and retires the older layout's shards.
    pub fn migrating(&self) -> bool {
        self.root.tip.is_some() && self.root.schema < crate::store::codec::SCHEMA
    }

    /// One id for the whole board as read: the root's commit while there are no shards, else
    /// the hash of every ref's name and commit (`--expected-revision`, `revision` in reads).
    pub fn revision(&self) -> Option<ObjectId> {
        if self.shards.is_empty() {
            return self.root.tip;
        }
        let mut text = String::new();
        for (name, tip) in self.tips() {
            text.push_str(&format!("{name} {}\n", tip.map(|t| t.to_string()).unwrap_or_default()));
        }
        gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, text.as_bytes()).ok()
    }

    /// The highest `Coord-Seq` on the board as read: the next operation takes the one after
    /// it, so history read over all refs lists operations in the order they saw each other.
    pub fn seq(&self) -> u64 {
        self.shards.values().map(|l| l.seq).fold(self.root.seq, u64::max)
    }

    /// The commit each ref was read at (`None`: the ref does not exist), the root first.
    pub fn tips(&self) -> Vec<(String, Option<ObjectId>)> {
        let mut out = vec![(refs::CLAIMS.to_owned(), self.root.tip)];
        out.extend(self.shards.iter().map(|(k, l)| (refs::board_ref(Some(k)), l.tip)));
        out
    }
}

impl Store {
    /// Read the board with each ref at the commit `at` names for it (its tip, or a staged
    /// head): the root, and every shard that exists here or is named in `also` (full ref
    /// names of shards about to exist). A shard that `at` has no commit for reads as empty:
    /// a write to it is leased on "does not exist" and fails if it does. Shards at one
    /// commit are read once.
    pub fn load_board(
        &self,
        at: &dyn Fn(&str) -> Result<Option<ObjectId>, StoreError>,
        also: &[String],
    ) -> Result<Board, StoreError> {
        let root = self.load_claims(refs::CLAIMS, at(refs::CLAIMS)?)?;
        let mut names: BTreeSet<String> = self
            .refs_with_prefix(refs::SHARDS)?
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        names.extend(also.iter().filter(|n| n.starts_with(refs::SHARDS)).cloned());
        let mut shards = BTreeMap::new();
        let mut read: BTreeMap<ObjectId, Loaded> = BTreeMap::new();
        for name in names {
            let Some(key) = name.strip_prefix(refs::SHARDS).filter(|k| of_layout(&root, k)) else {
                continue;
            };
            let loaded = match at(&name)? {
                Some(tip) => match read.get(&tip) {
                    Some(l) => l.clone(),
                    None => {
                        let l = self.load_claims(&name, Some(tip))?;
                        read.insert(tip, l.clone());
                        l
                    }
                },
                None => Loaded::empty("shard"),
            };
            shards.insert(key.to_owned(), loaded);
        }
        let state = layout::merge(
            root.state.clone(),
            shards.iter().map(|(k, l)| (k.clone(), l.state.clone())),
        );
        Ok(Board { root, shards, state })
    }

    /// The board at the local tips, for reading only: each ref's state is moved into the
    /// merged one instead of copied (the per-ref states are left empty, so this board cannot
    /// be written on; its tips and revision are whole). Refs at a commit the board cache
    /// holds are taken from it; see [`Store::keep_in_cache`] for when it is written anew.
    pub fn read_board(&self) -> Result<Board, StoreError> {
        let mut cache = super::cache::BoardCache::open(self.common_dir(), self.is_bare());
        let mut missed = Vec::new();
        let mut load = |name: &str, tip: Option<ObjectId>| match tip.and_then(|t| Some((t, cache.take(name, t)?))) {
            Some((t, (l, head))) => {
                if let Some(h) = head {
                    self.memo.borrow_mut().commits.insert(t, h);
                }
                Ok(l)
            }
            None => {
                let l = self.load_claims(name, tip)?;
                if tip.is_some() {
                    missed.push(l.state.claims.len());
                }
                Ok(l)
            }
        };
        let mut root = load(refs::CLAIMS, self.tip(refs::CLAIMS)?)?;
        let mut shards = BTreeMap::new();
        for (name, tip) in self.refs_with_prefix(refs::SHARDS)? {
            if let Some(key) = name.strip_prefix(refs::SHARDS).filter(|k| of_layout(&root, k)) {
                shards.insert(key.to_owned(), load(&name, Some(tip))?);
            }
        }
        self.keep_in_cache(&cache, &root, &shards, &missed);
        let states: Vec<_> = shards
            .iter_mut()
            .map(|(k, l)| (k.clone(), std::mem::take(&mut l.state)))
            .collect();
        let state = layout::merge(std::mem::take(&mut root.state), states);
        Ok(Board { root, shards, state })
    }

    /// Write the board cache anew when the refs read from their objects (`missed`: the
    /// claims each held) are more than a sixteenth of the refs or of the claims. Fewer are
    /// left to be read again (one moved shard costs well under a millisecond; rewriting the
    /// cache of 10,000 claims costs several), so in a busy team the cache is rewritten once
    /// per several moved refs, not on every read.
    fn keep_in_cache(
        &self,
        cache: &super::cache::BoardCache,
        root: &Loaded,
        shards: &BTreeMap<String, Loaded>,
        missed: &[usize],
    ) {
        let refs = 1 + shards.len();
        let claims = root.state.claims.len() + shards.values().map(|l| l.state.claims.len()).sum::<usize>();
        let missed_claims: usize = missed.iter().sum();
        if missed.is_empty() || (missed.len() * 16 <= refs && missed_claims * 16 <= claims) {
            return;
        }
        let names: Vec<String> = shards.keys().map(|k| refs::board_ref(Some(k))).collect();
        let memo = self.memo.borrow();
        let head = |l: &Loaded| l.tip.and_then(|t| memo.commits.get(&t).cloned());
        let mut all = vec![(refs::CLAIMS, root, head(root))];
        all.extend(names.iter().zip(shards.values()).map(|(n, l)| (n.as_str(), l, head(l))));
        cache.save(&all);
    }

    /// The board at the local tips.
    pub fn load_board_at_tips(&self) -> Result<Board, StoreError> {
        self.load_board(&|name| self.tip(name), &[])
    }

    /// Move every ref of `writes` from its `old` to its `new` in one ref transaction, only if
    /// each still is `old`; `Lost` names the first ref that moved.
    pub fn cas_many(&self, writes: &[RefWrite], who: &str, now: Timestamp) -> Result<Cas, StoreError> {
        let mut edits = Vec::new();
        for w in writes {
            let full: gix::refs::FullName = w
                .name
                .as_str()
                .try_into()
                .map_err(|e| StoreError::write(&w.name, Box::new(e) as crate::store::error::BoxError))?;
            edits.push(RefEdit {
                change: Change::Update {
                    log: LogChange {
                        mode: RefLog::AndReference,
                        force_create_reflog: false,
                        message: BString::from("git-coord"),
                    },
                    expected: match w.old {
                        Some(id) => PreviousValue::MustExistAndMatch(Target::Object(id)),
                        None => PreviousValue::MustNotExist,
                    },
                    new: Target::Object(w.new),
                },
                name: full,
                deref: false,
            });
        }
        let sig = signature(who, now);
        let mut buf = gix::date::parse::TimeBuf::default();
        match self.repo.edit_references_as(edits, Some(sig.to_ref(&mut buf))) {
            Ok(_) => Ok(Cas::Done),
            Err(e) => {
                for w in writes {
                    let actual = self.tip(&w.name)?;
                    if actual != w.old {
                        return Ok(Cas::Lost { actual });
                    }
                }
                // A ref is locked: by a concurrent writer (retry), or by a stopped process
                // whose lock is old enough to clear (then retry too).
                let locked = writes
                    .iter()
                    .any(|w| self.common_dir().join(format!("{}.lock", w.name)).exists());
                if locked {
                    crate::store::locks::clear_stale(self.common_dir())?;
                    return Ok(Cas::Lost {
                        actual: writes.first().and_then(|w| w.old),
                    });
                }
                Err(StoreError::write(writes.first().map_or("refs", |w| w.name.as_str()), e))
            }
        }
    }

    /// Commit `next` on `board`: one commit per ref in `changed` (`None`: the root), each
    /// with the same message, documents on the root. No ref moves.
    #[allow(clippy::too_many_arguments)]
    pub fn commit_split(
        &self,
        board: &Board,
        next: &Split,
        changed: &BTreeSet<Option<ShardKey>>,
        docs: &[(String, String)],
        message: &str,
        author: &str,
        now: Timestamp,
    ) -> Result<Vec<RefWrite>, StoreError> {
        let mut out = Vec::new();
        let shard_base = Loaded::empty("shard");
        for which in changed {
            let (base, state, docs) = match which {
                None => (&board.root, &next.root, docs),
                Some(k) => (
                    board.shards.get(k).unwrap_or(&shard_base),
                    next.shards.get(k).expect("because only shards of the split change"),
                    &[][..],
                ),
            };
            let new = self.commit_board(base, state, docs, message, author, now)?;
            out.push(RefWrite {
                name: refs::board_ref(which.as_deref()),
                old: base.tip,
                new,
            });
        }
        Ok(out)
    }

    /// The board's history over all its refs, newest first, at most `limit`, not older
    /// than `since`: one entry per operation (an operation that moved several refs wrote
    /// the same message, with its `Coord-Op-Id`, on each).
    pub fn board_history(&self, limit: usize, since: Option<Timestamp>) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut all = Vec::new();
        let mut names = vec![(refs::CLAIMS.to_owned(), self.tip(refs::CLAIMS)?)];
        names.extend(
            self.refs_with_prefix(refs::SHARDS)?
                .into_iter()
                .map(|(n, id)| (n, Some(id))),
        );
        for (name, tip) in names {
            if let Some(tip) = tip {
                all.extend(self.history(&name, tip, limit, since)?);
            }
        }
        // Newest first by sequence (operations that saw each other), then time; stable, so
        // each ref's own order is kept among equals.
        all.sort_by_key(|h| std::cmp::Reverse((seq_of(&h.message), h.time)));
        let mut seen = std::collections::HashSet::new();
        all.retain(|h| seen.insert(h.message.clone()));
        all.truncate(limit);
        Ok(all)
    }
}

/// Whether the shard ref named `key` is read with the root `root`: a root of an older schema
/// with the shards of its layout (two hex digits), any other (or none yet) with this one's.
/// The other names are retired shards (see `model::layout`).
fn of_layout(root: &Loaded, key: &str) -> bool {
    if root.tip.is_some() && root.schema < crate::store::codec::SCHEMA {
        layout::is_retired(key)
    } else {
        layout::is_current(key)
    }
}

/// The `Coord-Seq` trailer of a message (0 when it has none).
pub fn seq_of(message: &str) -> u64 {
    crate::store::message::trailers(message)
        .iter()
        .find(|(k, _)| *k == "Coord-Seq")
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0)
}
