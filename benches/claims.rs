//! Whole-process benchmarks for the claims issue, printed as a table.
//!
//! - claim against a local bare remote (uncontended) vs a plain `git push` of one small
//!   commit to the same remote, measured in the same run (target ratio ≤ 1.3)
//! - claim with no remote, the local repository as arbiter (target ≤ 10 ms)
//! - `check` and `status --json` with 10,000 active claims (target ≤ 50 ms each), with 100
//!   and with 100,000 operations of history (the cost must not grow with history)
//! - peak memory of `status` at 10,000 claims
//! - what `[trust] sign` adds to a claim (ssh signature through ssh-keygen; target ≤ 10 ms),
//!   and `status --json` with trust on at 10,000 claims (target ≤ 50 ms)
//!
//! Run: `cargo bench --bench claims` (add `-- --quick` for fewer repetitions, `-- --trust`
//! for the trust section alone).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{big_board, isolated, median, ms, peak_kib, Bench};

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let exe = common::exe();
    let tmp = std::env::temp_dir().join(format!("git-coord-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("home")).unwrap();
    let b = Bench {
        exe,
        home: tmp.join("home"),
        root: tmp.clone(),
        reps: if quick { 7 } else { 31 },
    };
    // `-- --trust`: only what trust costs (section 5).
    if std::env::args().any(|a| a == "--trust") {
        signing(&b);
        keep_or_remove(&tmp);
        return;
    }
    println!(
        "git-coord claims benchmarks ({} repetitions, medians, whole process)",
        b.reps
    );

    // 1. claim vs plain git push, interleaved in the same run.
    let clone = b.repo("pushbench", true);
    let (mut push, mut claim) = (Vec::new(), Vec::new());
    for i in 0..b.reps {
        std::fs::write(clone.join(format!("src/mod0/f{i}.ts")), "x\n").unwrap();
        b.git(&clone, &["add", "-A"]);
        b.git(&clone, &["commit", "-q", "-m", "small"]);
        let mut c = Command::new("git");
        c.current_dir(&clone)
            .args(["push", "-q", "origin", "HEAD:refs/heads/bench"]);
        isolated(&mut c, &b.home);
        let t = Instant::now();
        assert!(c.status().unwrap().success());
        push.push(t.elapsed());
        claim.push(b.coord(&clone, &["claim", &format!("db:bench:{i}")]));
    }
    let (p, c) = (median(push), median(claim));
    println!(
        "claim, local bare remote, uncontended   {:>10}   git push {:>10}   ratio {:.2} (target <= 1.30)",
        ms(c),
        ms(p),
        c.as_secs_f64() / p.as_secs_f64()
    );

    // 2. claim with no remote.
    let solo = b.repo("solo", false);
    let local: Vec<Duration> = (0..b.reps)
        .map(|i| b.coord(&solo, &["claim", &format!("db:solo:{i}")]))
        .collect();
    println!(
        "claim, no remote (local arbiter)        {:>10}   (target <= 10 ms)",
        ms(median(local))
    );

    // 3. reads at 10,000 claims, with short and long history.
    let histories: &[usize] = if quick { &[100, 10_000] } else { &[100, 100_000] };
    for &h in histories {
        let dir = b.repo(&format!("big{h}"), false);
        let t = Instant::now();
        big_board(&dir, 10_000, h);
        let built = t.elapsed();
        let check: Vec<Duration> = (0..b.reps)
            .map(|_| b.coord(&dir, &["check", "src/mod5000/x.ts", "--no-fetch"]))
            .collect();
        let status: Vec<Duration> = (0..b.reps)
            .map(|_| b.coord(&dir, &["status", "--json", "--no-fetch"]))
            .collect();
        let claim: Vec<Duration> = (0..b.reps.min(11))
            .map(|i| b.coord(&dir, &["claim", &format!("db:new:{i}")]))
            .collect();
        println!(
            "10,000 claims, {h:>6} ops of history:   check {:>10}   status --json {:>10}   claim {:>10}   (targets <= 50 ms; board built in {:.1}s)",
            ms(median(check)),
            ms(median(status)),
            ms(median(claim)),
            built.as_secs_f64()
        );
        if let Some(kib) = peak_kib(&b, &dir, &["status", "--json", "--no-fetch"]) {
            println!(
                "peak memory of status --json at 10,000 claims: {:.1} MiB",
                kib as f64 / 1024.0
            );
        }
    }

    // 4. the same reads through a remote (a no-op fetch first).
    let clone = b.repo("bigremote", true);
    big_board(&clone, 10_000, 100);
    b.git(&clone, &["push", "-q", "origin", "refs/coord/*:refs/coord/*"]);
    let check: Vec<Duration> = (0..b.reps)
        .map(|_| b.coord(&clone, &["check", "src/mod5000/x.ts"]))
        .collect();
    let status: Vec<Duration> = (0..b.reps).map(|_| b.coord(&clone, &["status", "--json"])).collect();
    println!(
        "10,000 claims via remote (fetch first):  check {:>10}   status --json {:>10}",
        ms(median(check)),
        ms(median(status))
    );
    signing(&b);
    keep_or_remove(&tmp);
}

/// Remove the bench's directory, or keep it (and say where) with `GIT_COORD_BENCH_KEEP`.
fn keep_or_remove(tmp: &std::path::Path) {
    if std::env::var_os("GIT_COORD_BENCH_KEEP").is_some() {
        println!("kept {}", tmp.display());
    } else {
        let _ = std::fs::remove_dir_all(tmp);
    }
}

/// Turn trust on in `dir` (a key made here, the allowed signers and `[trust] sign`
/// committed); returns the key's path.
fn trust_on(b: &Bench, dir: &std::path::Path, sign: bool) -> String {
    let key = dir.join(".git/bench_key");
    if !key.exists() {
        let out = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f"])
            .arg(&key)
            .output()
            .expect("ssh-keygen runs");
        assert!(out.status.success());
    }
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    std::fs::create_dir_all(dir.join(".coord")).unwrap();
    std::fs::write(dir.join(".coord/allowed_signers"), format!("bench,bench/* {public}")).unwrap();
    std::fs::write(dir.join(".coord.toml"), format!("[trust]\nsign = {sign}\n")).unwrap();
    b.git(dir, &["add", "-A"]);
    b.git(dir, &["commit", "-q", "-m", "trust"]);
    b.git(dir, &["config", "user.signingKey", key.to_str().unwrap()]);
    key.display().to_string()
}

/// Section 5, what signing costs: claims through a local bare remote with `[trust] sign`
/// and without, interleaved; then reads with trust on at 10,000 claims.
fn signing(b: &Bench) {
    let signed = b.repo("signed", true);
    trust_on(b, &signed, true);
    let plain = b.repo("unsigned", true);
    trust_on(b, &plain, false);
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for i in 0..b.reps {
        with.push(b.coord(&signed, &["claim", &format!("db:signed:{i}")]));
        without.push(b.coord(&plain, &["claim", &format!("db:plain:{i}")]));
    }
    let (w, n) = (median(with), median(without));
    println!(
        "claim with [trust] sign {:>10}   without {:>10}   signing adds {:>10}   (target <= 10 ms)",
        ms(w),
        ms(n),
        ms(w.saturating_sub(n))
    );
    let status: Vec<Duration> = (0..b.reps).map(|_| b.coord(&signed, &["status", "--json"])).collect();
    println!(
        "status --json, trust on, {} signed claims:   {:>10}   (verdicts cached after the first read)",
        b.reps,
        ms(median(status))
    );
    let dir = b.repo("bigtrust", false);
    big_board(&dir, 10_000, 100);
    trust_on(b, &dir, true);
    big_trust_reads(b, &dir, "board objects loose, as written here");
    // The same board packed, as a clone holds what it fetched (or after git's auto gc).
    b.git(&dir, &["repack", "-adq"]);
    big_trust_reads(b, &dir, "board objects packed, as fetched");
}

/// `status --json` at 10,000 claims with trust on: with no board cache (the first read after
/// a clone), with the board unchanged since the last read, and with one shard moved since
/// (someone claimed; the usual read in a busy team).
fn big_trust_reads(b: &Bench, dir: &std::path::Path, how: &str) {
    let cache = dir.join(".git").join("coord").join("board-cache");
    let read = || b.coord(dir, &["status", "--json", "--no-fetch"]);
    let cold: Vec<Duration> = (0..b.reps)
        .map(|_| {
            let _ = std::fs::remove_file(&cache);
            read()
        })
        .collect();
    let warm: Vec<Duration> = (0..b.reps).map(|_| read()).collect();
    let moved: Vec<Duration> = (0..b.reps)
        .map(|i| {
            b.coord(dir, &["claim", &format!("db:moved:{i}")]);
            read()
        })
        .collect();
    println!(
        "status --json, trust on, 10,000 claims ({how}):   unchanged {:>10}   one shard moved {:>10}   no cache {:>10}   (target <= 50 ms)",
        ms(median(warm)),
        ms(median(moved)),
        ms(median(cold))
    );
}
