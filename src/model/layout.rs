//! How the board is laid out over several refs, so that claims that cannot overlap seldom
//! race for the same compare-and-swap (only when their homes hash to one shard).
//!
//! Every scope has a *home*: a glob or a symbol whose path starts with a literal directory or
//! file name is homed by that first name (`src/auth/**`, `src/a.ts::A::m` → `p:src`); a key
//! by its namespace and first name segment (`db:schema:users`, `db:schema` → `k:db:schema`).
//! The home name is hashed (FNV-1a, 32 bits) into one of [`SHARDS`] shards, named with three
//! hex digits (`000` to `3ff`). A scope whose first path segment is a pattern (`**/*.ts`,
//! `*.md`, `{a,b}/**`) has no home: it is *wide*.
//!
//! The root ref holds the tasks, the handoffs, the wide claims and waiters, and **the list
//! of the shards that may exist**; each shard ref holds the claims and waiters whose home it
//! is **plus a copy of every wide claim and waiter**. Shards are listed by group: the first
//! write homed in a group of [`GROUP`] shards lists the whole group, so a team's first
//! writes contend on the root at most `SHARDS / GROUP` times, not once per home (today one
//! group of all of them, listed when `init` starts the board). A listed shard is created
//! by the first write homed there, or by a wide write, which writes the root and every
//! listed shard, creating the missing ones.
//!
//! Why two overlapping claims can never both win: every write is one atomic push that moves
//! each ref it changes, leased on the value it planned on ("must not exist" for a ref it
//! creates). Two scopes that overlap always share a ref that both of their writes change:
//! - both have a home: overlapping paths start with the same first segment (a literal segment
//!   matches only itself), overlapping keys share namespace and first name segment, and a
//!   symbol overlaps only scopes covering its file: so both homes are the same shard;
//! - one is wide: its write changes the root, leased on the root `r` it read, and every
//!   shard listed at `r` (one it read as missing leased on "must not exist"). If the other's
//!   home `s` is listed at `r`, both change (or create) `s`. If `s` is not listed at `r`,
//!   the other write lists it: both change the root, and whichever lands second fails its
//!   lease on it.
//!
//! Whichever push lands first moves the shared ref; the other's lease on it fails, it plans
//! again on what the remote holds, and sees the first claim. A clone's refs can be read torn
//! (a fetch or an adoption killed half-way moves some refs and not others): a write that
//! changes a wide item, or reads refs that disagree on them or lack a listed shard
//! ([`torn`]), writes every ref leased on what it read, so a ref read behind fails its lease
//! instead of its stale copy of a wide item being laid out again over the refs that had
//! dropped it. Reading is the union of all refs (a wide claim is listed once).
//!
//! Schema 2 had 128 shards named with two hex digits and no list. The first write of a
//! newer client on such a board moves every claim to its new home, and writes each of the
//! 128 old names (creating the missing ones) as an empty *retired* shard in the same atomic
//! push: a client of the old layout that planned before it then fails its lease (or its
//! "must not exist"), and reads the new schema and is told to upgrade. Retired refs are
//! kept (their history is the board's older history) but never read as shards.

use std::collections::{BTreeMap, BTreeSet};

use super::claim::{Claim, ClaimsState, Waiter};
use super::scope::{has_glob_meta, Scope};

/// A shard: three hex digits, `000` to `3ff`.
pub type ShardKey = String;

/// How many shards there can be (each one ref, created when first used).
pub const SHARDS: u32 = 1024;

/// How many shards are listed at once: the group around a new home. Measured: groups of
/// 128 made the first writes of a 16-clone team contend on the root up to eight times
/// (claim p99 7 s at 300 ms RTT, against 2 s with one group), while a wide write costs
/// about 0.6 s more with all 1,024 shards: so the first home lists them all.
pub const GROUP: u32 = SHARDS;

/// Every shard there can be (the list of a board started by `init`).
pub fn all_shards() -> BTreeSet<ShardKey> {
    group("000").collect()
}

/// The group of shards `key` belongs to (see [`GROUP`]).
fn group(key: &str) -> impl Iterator<Item = ShardKey> {
    let first = u32::from_str_radix(key, 16).unwrap_or(0) / GROUP * GROUP;
    (first..first + GROUP).map(|i| format!("{i:03x}"))
}

/// How many shards the schema 2 layout had (`00` to `7f`): retired by the first newer write.
pub const RETIRED: u32 = 128;

/// Whether a name under `refs/coord/shards/` is a shard of this layout (three hex digits).
pub fn is_current(key: &str) -> bool {
    key.len() == 3 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a name under `refs/coord/shards/` is a shard of the schema 2 layout.
pub fn is_retired(key: &str) -> bool {
    key.len() == 2 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The names of the schema 2 layout's shards, `00` to `7f`.
pub fn retired() -> impl Iterator<Item = ShardKey> {
    (0..RETIRED).map(|i| format!("{i:02x}"))
}

/// FNV-1a, 32 bits: fixed forever, since every client must agree on it.
fn fnv1a(text: &str) -> u32 {
    text.bytes()
        .fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

impl Scope {
    /// The shard this scope lives in; `None` when it is wide (see the module comment).
    pub fn home(&self) -> Option<ShardKey> {
        self.home_name().map(|n| format!("{:03x}", fnv1a(&n) % SHARDS))
    }

    /// What the home is derived from: `p:<first path segment>`, `k:<namespace>:<first name
    /// segment>`; `None` when the scope is wide.
    pub fn home_name(&self) -> Option<String> {
        match self {
            Scope::Glob(g) => literal_first(g).map(|f| format!("p:{f}")),
            Scope::Symbol(s) => literal_first(&s.file).map(|f| format!("p:{f}")),
            Scope::Key(k) => {
                let (ns, name) = k.split_once(':')?;
                Some(format!("k:{ns}:{}", name.split(':').next().unwrap_or(name)))
            }
        }
    }

    /// Whether this scope has no home ([`Scope::home_name`] is `None`), without building it.
    pub fn is_wide(&self) -> bool {
        match self {
            Scope::Glob(g) => literal_first(g).is_none(),
            Scope::Symbol(s) => literal_first(&s.file).is_none(),
            Scope::Key(k) => !k.contains(':'),
        }
    }
}

/// A path's first segment when it is literal (a path scope's home); `None` for a pattern.
fn literal_first(path: &str) -> Option<&str> {
    let first = path.split('/').next().unwrap_or(path);
    (!first.is_empty() && !has_glob_meta(first)).then_some(first)
}

/// Whether the wide items (claims and waiters stored on every ref) differ between two
/// states. A write that adds, drops or changes one writes every ref, each leased on the
/// commit it read: a view in which some refs are behind others (a fetch or an adoption cut
/// short by a kill) then fails a lease and is read again, instead of leaving a released wide
/// claim behind on the refs it saw without it.
pub fn wide_differ(a: &ClaimsState, b: &ClaimsState) -> bool {
    wide_items(a) != wide_items(b)
}

/// The wide claims and waiters `s` holds.
fn wide_items(s: &ClaimsState) -> (Vec<&Claim>, Vec<&Waiter>) {
    let claims = s.claims.values().filter(|c| c.scope.is_wide()).collect();
    let waiters = s
        .queue
        .iter()
        .filter(|w| w.claims.iter().any(|c| c.scope.is_wide()))
        .collect();
    (claims, waiters)
}

/// Whether refs read as one board disagree on the wide items (each must hold all of them,
/// and every shard the root lists must have been read while there is one): some ref was
/// read behind the others.
pub fn torn(root: &ClaimsState, shards: &BTreeMap<ShardKey, &ClaimsState>) -> bool {
    let on_root = wide_items(root);
    let any = !on_root.0.is_empty() || !on_root.1.is_empty();
    if any && root.shards.iter().any(|k| !shards.contains_key(k)) {
        return true;
    }
    shards.values().any(|s| wide_items(s) != on_root)
}

/// The root and every shard of `split`.
pub fn every_ref(split: &Split) -> BTreeSet<Option<ShardKey>> {
    std::iter::once(None)
        .chain(split.shards.keys().cloned().map(Some))
        .collect()
}

/// Where one item is stored: its home shards, or everywhere (`None`, wide).
fn homes<'a>(claims: impl IntoIterator<Item = &'a Claim>) -> Option<BTreeSet<ShardKey>> {
    claims.into_iter().map(|c| c.scope.home()).collect()
}

/// The board split over refs: what the root holds and what each shard holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Split {
    pub root: ClaimsState,
    pub shards: BTreeMap<ShardKey, ClaimsState>,
}

/// Lay `state` out over the root and its shards: those listed or read (`state.shards`,
/// shards of an older layout left out), and the group of every home used that is not. The
/// root lists them all.
pub fn split(state: &ClaimsState) -> Split {
    let mut index: BTreeSet<ShardKey> = state.shards.iter().filter(|k| is_current(k)).cloned().collect();
    let mut used: BTreeSet<ShardKey> = state.claims.values().filter_map(|c| c.scope.home()).collect();
    for w in &state.queue {
        used.extend(homes(&w.claims).into_iter().flatten());
    }
    for h in used {
        if !index.contains(&h) {
            index.extend(group(&h));
        }
    }
    let mut out = Split {
        root: ClaimsState {
            tasks: state.tasks.clone(),
            handoffs: state.handoffs.clone(),
            shards: index.clone(),
            ..ClaimsState::default()
        },
        shards: index.iter().map(|k| (k.clone(), ClaimsState::default())).collect(),
    };
    for c in state.claims.values() {
        match c.scope.home() {
            Some(h) => {
                out.shards
                    .get_mut(&h)
                    .expect("because the index holds every home")
                    .claims
                    .insert(c.id.clone(), c.clone());
            }
            None => {
                out.root.claims.insert(c.id.clone(), c.clone());
                for s in out.shards.values_mut() {
                    s.claims.insert(c.id.clone(), c.clone());
                }
            }
        }
    }
    for w in &state.queue {
        match homes(&w.claims) {
            Some(hs) => {
                for h in hs {
                    out.shards
                        .get_mut(&h)
                        .expect("because the index holds every home")
                        .queue
                        .push(w.clone());
                }
            }
            None => {
                out.root.queue.push(w.clone());
                for s in out.shards.values_mut() {
                    s.queue.push(w.clone());
                }
            }
        }
    }
    out
}

/// The board as one state: the root and every shard, each claim and waiter once (where
/// copies differ, in a view read torn, the root's wins, then the first shard's).
///
/// The claims of the ref that holds most are kept in place and the others added to them: in
/// a team working under one directory one shard holds most of the board, and inserting its
/// claims one by one into another map would cost more than all the rest of the merge.
pub fn merge(root: ClaimsState, shards: impl IntoIterator<Item = (ShardKey, ClaimsState)>) -> ClaimsState {
    let mut state = root;
    let mut seen: BTreeSet<_> = state.queue.iter().map(|w| w.id().clone()).collect();
    let mut maps = vec![std::mem::take(&mut state.claims)];
    for (key, s) in shards {
        state.shards.insert(key);
        maps.push(s.claims);
        for w in s.queue {
            if seen.insert(w.id().clone()) {
                state.queue.push(w);
            }
        }
    }
    let base = (0..maps.len()).max_by_key(|&i| maps[i].len()).unwrap_or(0);
    let mut claims = std::mem::take(&mut maps[base]);
    // Refs before the base take precedence over it: added last to first, each overwriting.
    for m in maps[..base].iter_mut().rev() {
        claims.extend(std::mem::take(m));
    }
    for m in maps.into_iter().skip(base + 1) {
        for (id, c) in m {
            claims.entry(id).or_insert(c);
        }
    }
    state.claims = claims;
    state.queue.sort_by_key(Waiter::rank_key);
    state
}

/// Whether every ref holding `claims` is among `refs` (a wide item is held by all of them).
pub fn held_within(claims: &[&Claim], index: &BTreeSet<ShardKey>, refs: &BTreeSet<Option<ShardKey>>) -> bool {
    match homes(claims.iter().copied()) {
        Some(hs) => hs.into_iter().all(|h| refs.contains(&Some(h))),
        None => refs.contains(&None) && index.iter().all(|k| refs.contains(&Some(k.clone()))),
    }
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
