//! Tests of `model::layout`.

use super::*;
use crate::model::{ClaimId, Mode};

fn home(text: &str) -> Option<String> {
    let s = Scope::parse(text, &["db".into()]).unwrap();
    assert_eq!(s.home().is_some(), s.home_name().is_some());
    assert_eq!(s.is_wide(), s.home_name().is_none(), "{text}");
    s.home_name()
}

#[test]
fn each_scope_has_the_home_its_overlaps_share() {
    let table: &[(&str, Option<&str>)] = &[
        ("src/auth/**", Some("p:src")),
        ("src", Some("p:src")),
        ("src/", Some("p:src")),
        ("src/a.ts::A::m", Some("p:src")),
        ("README.md", Some("p:README.md")),
        ("src*/x", None),
        ("**/*.ts", None),
        ("*.md", None),
        ("{src,lib}/**", None),
        (".", None),
        ("db:schema:users", Some("k:db:schema")),
        ("db:schema", Some("k:db:schema")),
        ("db:schemas", Some("k:db:schemas")),
    ];
    for (scope, want) in table {
        assert_eq!(home(scope).as_deref(), *want, "{scope}");
    }
}

#[test]
fn wide_claims_are_copied_to_every_shard_and_merged_once() {
    let mut s = ClaimsState::default();
    for (i, scope) in ["src/a/**", "docs/x.md", "**/*.ts", "db:schema:users"]
        .iter()
        .enumerate()
    {
        let c = Claim::example(i as u32 + 1, "a", scope, Mode::Exclusive);
        s.claims.insert(c.id.clone(), c);
    }
    s.shards.insert("3ff".into());
    s.shards.insert("7f".into());
    let sp = split(&s);
    for scope in ["src/a/**", "docs/x.md", "db:schema:users"] {
        let h = Scope::parse(scope, &["db".into()]).unwrap().home().unwrap();
        assert!(
            group(&h).all(|k| sp.shards.contains_key(&k)),
            "{scope}: its group is listed"
        );
    }
    assert!(sp.shards.len() <= 3 * GROUP as usize + 1 && sp.shards.contains_key("3ff"));
    assert!(!sp.shards.contains_key("7f"), "an older layout's shard is not laid out");
    let listed: BTreeSet<ShardKey> = sp.shards.keys().cloned().collect();
    assert_eq!(sp.root.shards, listed, "the root lists every shard");
    assert_eq!(sp.root.claims.len(), 1);
    assert!(sp
        .shards
        .keys()
        .all(|k| is_current(k) && u32::from_str_radix(k, 16).unwrap() < SHARDS));
    let homed: usize = sp.shards.values().map(|sh| sh.claims.len() - 1).sum();
    assert_eq!(homed, 3, "each homed claim in its one shard");
    for shard in sp.shards.values() {
        assert!(shard.claims.contains_key(&ClaimId::from_bits(3)));
    }
    let shard_states: BTreeMap<ShardKey, &ClaimsState> = sp.shards.iter().map(|(k, v)| (k.clone(), v)).collect();
    assert!(!torn(&sp.root, &shard_states));
    let mut missing = shard_states.clone();
    missing.remove("3ff");
    assert!(
        torn(&sp.root, &missing),
        "a listed shard not read, while a wide claim is on"
    );
    let back = merge(sp.root, sp.shards);
    let mut want = s.clone();
    want.shards = back.shards.clone();
    assert_eq!(back, want);
}

#[test]
fn a_new_home_grows_the_roots_list_and_takes_the_wide_claims() {
    let mut s = ClaimsState::default();
    let c = Claim::example(1, "a", "**/*.md", Mode::Exclusive);
    s.claims.insert(c.id.clone(), c);
    let before = split(&s);
    assert!(before.root.shards.is_empty() && before.shards.is_empty());
    let home = |p: &str| Scope::parse(p, &[]).unwrap().home().unwrap();
    // A first home lists its whole group, and its shard takes the wide claim.
    let c = Claim::example(2, "b", "src/a.ts", Mode::Exclusive);
    s.claims.insert(c.id.clone(), c);
    let after = split(&s);
    let new = home("src/a.ts");
    assert_eq!(after.root.shards, group(&new).collect::<BTreeSet<_>>());
    assert_ne!(before.root, after.root, "listing a group changes the root");
    assert!(after.shards[&new].claims.contains_key(&ClaimId::from_bits(1)));
    // Another home in a listed group: the root's list stays as it is.
    let inside = (0..64)
        .map(|i| format!("dir{i}/b.ts"))
        .find(|p| home(p) != new && after.root.shards.contains(&home(p)))
        .expect("another home in the group");
    let mut more = s.clone();
    more.shards = after.root.shards.clone();
    let c = Claim::example(3, "c", &inside, Mode::Exclusive);
    more.claims.insert(c.id.clone(), c);
    assert_eq!(split(&more).root, after.root, "no root write for a listed home");
}

#[test]
fn merged_copies_that_differ_keep_the_roots_then_the_first_shards_whichever_ref_is_biggest() {
    let wide = |note: &str| {
        let mut c = Claim::example(1, "a", "**/*.ts", Mode::Exclusive);
        c.note = Some(note.into());
        c
    };
    let state = |note: &str, homed: std::ops::Range<u32>| {
        let mut s = ClaimsState::default();
        s.claims.insert(ClaimId::from_bits(1), wide(note));
        for i in homed {
            let c = Claim::example(i, "b", &format!("src/f{i}.ts"), Mode::Exclusive);
            s.claims.insert(c.id.clone(), c);
        }
        s
    };
    // The biggest ref first among the shards, last, or in the middle.
    for big in 0..3usize {
        let shards: Vec<(ShardKey, ClaimsState)> = (0..3usize)
            .map(|k| {
                let homed = if k == big {
                    10..60
                } else {
                    100 + k as u32..101 + k as u32
                };
                (format!("{k:02x}"), state(&format!("shard {k}"), homed))
            })
            .collect();
        let merged = merge(state("root", 0..0), shards.clone());
        assert_eq!(
            merged.claims[&ClaimId::from_bits(1)].note.as_deref(),
            Some("root"),
            "big {big}"
        );
        assert_eq!(merged.claims.len(), 1 + 50 + 2);
        let merged = merge(ClaimsState::default(), shards);
        assert_eq!(
            merged.claims[&ClaimId::from_bits(1)].note.as_deref(),
            Some("shard 0"),
            "big {big}"
        );
    }
}
