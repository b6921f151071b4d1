//! Property tests of the overlap judgement (tests only): random globs, symbols and keys
//! against a brute-force answer over generated paths, and the fail-closed answer for
//! patterns too complex to compare.

use super::conflict::Judge;
use super::glob::Glob;
use crate::model::{AgentId, Claim, Mode, Scope};

fn claim(id: u32, agent: &str, scope: &str, mode: Mode) -> Claim {
    Claim::example(id, agent, scope, mode)
}

/// Every path of up to five characters over `a`, `b` and `/` that git could track.
fn generated_paths() -> Vec<String> {
    let mut paths: Vec<String> = vec![String::new()];
    for _ in 0..5 {
        let longer: Vec<String> = paths
            .iter()
            .flat_map(|p| ["a", "b", "/"].map(|c| format!("{p}{c}")))
            .collect();
        paths.extend(longer);
    }
    paths.retain(|p| !p.is_empty() && !p.starts_with('/') && !p.ends_with('/') && !p.contains("//"));
    paths.sort();
    paths.dedup();
    paths
}

/// A random scope: mostly small globs over the same alphabet, sometimes a symbol or a key.
fn random_scope(rng: &mut crate::model::Rng) -> String {
    const ATOMS: [&str; 10] = ["a", "b", "/", "*", "?", "**", "[ab]", "{a,b}", "a/", "b/"];
    const SYMBOLS: [&str; 5] = ["a::X", "a::X::m", "a::X::n", "b/a::Y", "a/b::X"];
    const KEYS: [&str; 4] = ["db:a", "db:a:b", "db:ab", "db:b"];
    match rng.below(10) {
        0 => SYMBOLS[rng.below(SYMBOLS.len() as u64) as usize].to_string(),
        1 => KEYS[rng.below(KEYS.len() as u64) as usize].to_string(),
        _ => loop {
            let n = 1 + rng.below(4);
            let g: String = (0..n).map(|_| ATOMS[rng.below(ATOMS.len() as u64) as usize]).collect();
            let ok = !g.starts_with('/') && !g.contains("//") && Scope::parse(&g, &["db".into()]).is_ok();
            if ok && Glob::new(&g).is_ok() {
                break g;
            }
        },
    }
}

/// The brute-force answer: keys and symbols by their prefix rules, paths by trying them all.
fn brute_overlap(paths: &[String], a: &Scope, b: &Scope) -> bool {
    let matcher = |scope: &Scope| -> Box<dyn Fn(&str) -> bool> {
        match scope {
            Scope::Glob(g) => {
                let glob = Glob::new(g).unwrap();
                Box::new(move |p: &str| glob.is_match(p))
            }
            Scope::Symbol(s) => {
                let file = s.file.clone();
                Box::new(move |p: &str| file == p)
            }
            Scope::Key(_) => Box::new(|_: &str| false),
        }
    };
    match (a, b) {
        (Scope::Key(x), Scope::Key(y)) => {
            let (x, y) = (format!("{x}:"), format!("{y}:"));
            x.starts_with(&y) || y.starts_with(&x)
        }
        (Scope::Symbol(x), Scope::Symbol(y)) => {
            let (x, y) = (format!("{x}::"), format!("{y}::"));
            x.starts_with(&y) || y.starts_with(&x)
        }
        _ => {
            let (ma, mb) = (matcher(a), matcher(b));
            paths.iter().any(|p| ma(p) && mb(p))
        }
    }
}

/// Random scopes against a brute-force answer: every pair of scopes that some generated
/// path (or symbol, or key) lies in both of must be judged overlapping, and every
/// witness must really match both. Never "free" where brute force finds a common path.
#[test]
fn overlap_is_never_missed_against_brute_force() {
    let mut rng = crate::model::Rng::new(0x5eed);
    let paths = generated_paths();
    let judge = Judge::new(&paths, &[]).unwrap();
    let mut brute_hits = 0;
    for round in 0..3000 {
        let (ta, tb) = (random_scope(&mut rng), random_scope(&mut rng));
        let a = Scope::parse(&ta, &["db".into()]).unwrap();
        let b = Scope::parse(&tb, &["db".into()]).unwrap();
        let got = judge.overlap(&a, &b);
        let swapped = judge.overlap(&b, &a);
        assert_eq!(
            got.is_some(),
            swapped.is_some(),
            "round {round}: {ta} vs {tb} (symmetry)"
        );
        if brute_overlap(&paths, &a, &b) {
            brute_hits += 1;
            assert!(
                got.is_some(),
                "round {round}: {ta} vs {tb} share a path but were judged free"
            );
        }
        if let Some(o) = got {
            assert!(
                !o.undecided,
                "round {round}: {ta} vs {tb} small patterns must be decided"
            );
            if let (Scope::Glob(x), Scope::Glob(y), Some(w)) = (&a, &b, &o.witness) {
                let both = Glob::new(x).unwrap().is_match(w) && Glob::new(y).unwrap().is_match(w);
                assert!(both, "{x} {y} {w}");
            }
        }
    }
    assert!(
        brute_hits > 300,
        "the generator must produce overlapping pairs ({brute_hits})"
    );
}

#[test]
fn too_complex_globs_are_refused_or_judged_overlapping() {
    let err = Glob::new("src/*a????????????????").unwrap_err();
    assert!(err.reason.contains("too complex"), "{err}");
    assert!(Glob::new(&format!("{}/*", "b".repeat(1000)))
        .unwrap_err()
        .reason
        .contains("bytes long"));
    // A stored glob that an older client let through: the pair cannot be decided, so it
    // conflicts rather than being "free".
    let tracked: Vec<String> = vec![];
    let judge = Judge::new(&tracked, &[]).unwrap();
    for (held, req) in [
        ("src/*a????????????????", "src/**"),
        ("src/**", "src/*a????????????????"),
    ] {
        let c = claim(1, "other", held, Mode::Exclusive);
        let me = AgentId::new("me").unwrap();
        let got = judge.conflicts(&me, &[Scope::Glob(req.into())], Mode::Exclusive, [&c]);
        assert_eq!(got.len(), 1, "{held} held, {req} asked");
        assert!(got[0].overlap.undecided);
    }
}
