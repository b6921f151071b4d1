//! Property tests of the overlap judgement (tests only): random globs, symbols and keys
//! against a brute-force answer over generated paths, and the fail-closed answer for
//! patterns too complex to compare.

use super::conflict::Judge;
use super::glob::Glob;
use crate::model::{AgentId, Claim, Mode, Scope};

fn claim(id: u32, agent: &str, scope: &str, mode: Mode) -> Claim {
    Claim::example(id, agent, scope, mode)
}

/// Random scopes against a brute-force answer: every pair of scopes that some generated
/// path (or symbol, or key) lies in both of must be judged overlapping, and every
/// witness must really match both. Never "free" where brute force finds a common path.
#[test]
fn overlap_is_never_missed_against_brute_force() {
    let mut rng = crate::model::Rng::new(0x5eed);
    let atoms = ["a", "b", "/", "*", "?", "**", "[ab]", "{a,b}", "a/", "b/"];
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
    let symbols = ["a::X", "a::X::m", "a::X::n", "b/a::Y", "a/b::X"];
    let keys = ["db:a", "db:a:b", "db:ab", "db:b"];
    let gen = |rng: &mut crate::model::Rng| -> String {
        match rng.below(10) {
            0 => symbols[rng.below(symbols.len() as u64) as usize].to_string(),
            1 => keys[rng.below(keys.len() as u64) as usize].to_string(),
            _ => loop {
                let n = 1 + rng.below(4);
                let g: String = (0..n).map(|_| atoms[rng.below(atoms.len() as u64) as usize]).collect();
                let ok = !g.starts_with('/') && !g.contains("//") && Scope::parse(&g, &["db".into()]).is_ok();
                if ok && Glob::new(&g).is_ok() {
                    break g;
                }
            },
        }
    };
    let judge = Judge::new(&paths, &[]).unwrap();
    let covers = |scope: &Scope, glob: &Option<Glob>, p: &str| match scope {
        Scope::Glob(_) => glob.as_ref().is_some_and(|g| g.is_match(p)),
        Scope::Symbol(s) => s.file == p,
        Scope::Key(_) => false,
    };
    let compiled = |s: &Scope| match s {
        Scope::Glob(g) => Some(Glob::new(g).unwrap()),
        _ => None,
    };
    let mut brute_hits = 0;
    for round in 0..3000 {
        let (ta, tb) = (gen(&mut rng), gen(&mut rng));
        let a = Scope::parse(&ta, &["db".into()]).unwrap();
        let b = Scope::parse(&tb, &["db".into()]).unwrap();
        let got = judge.overlap(&a, &b);
        assert_eq!(
            got.is_some(),
            judge.overlap(&b, &a).is_some(),
            "round {round}: {ta} vs {tb} (symmetry)"
        );
        let brute = match (&a, &b) {
            (Scope::Key(x), Scope::Key(y)) => {
                let (x, y) = (format!("{x}:"), format!("{y}:"));
                x.starts_with(&y) || y.starts_with(&x)
            }
            (Scope::Symbol(x), Scope::Symbol(y)) => {
                let (x, y) = (format!("{x}::"), format!("{y}::"));
                x.starts_with(&y) || y.starts_with(&x)
            }
            _ => {
                let (ga, gb) = (compiled(&a), compiled(&b));
                paths.iter().any(|p| covers(&a, &ga, p) && covers(&b, &gb, p))
            }
        };
        if brute {
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
                assert!(
                    Glob::new(x).unwrap().is_match(w) && Glob::new(y).unwrap().is_match(w),
                    "{x} {y} {w}"
                );
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
