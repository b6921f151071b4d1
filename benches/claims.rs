//! Whole-process benchmarks for the claims issue, printed as a table.
//!
//! - claim against a local bare remote (uncontended) vs a plain `git push` of one small
//!   commit to the same remote, measured in the same run (target ratio ≤ 1.3)
//! - claim with no remote, the local repository as arbiter (target ≤ 10 ms)
//! - `check` and `status --json` with 10,000 active claims (target ≤ 50 ms each), with 100
//!   and with 100,000 operations of history (the cost must not grow with history)
//! - peak memory of `status` at 10,000 claims
//!
//! Run: `cargo bench --bench claims` (add `-- --quick` for fewer repetitions).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use git_coord::model::{AgentId, Claim, ClaimId, ClaimsState, Mode, Scope, Timestamp, Urgency};
use git_coord::store::{refs, Loaded, Store};

const NOW: &str = "2026-11-21T10:00:00Z";

struct Bench {
    exe: PathBuf,
    home: PathBuf,
    root: PathBuf,
    reps: usize,
}

fn isolated(cmd: &mut Command, home: &Path) {
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", home)
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .env("GIT_COORD_NOW", NOW)
        .env("GIT_COORD_AGENT", "bench");
}

impl Bench {
    fn git(&self, dir: &Path, args: &[&str]) {
        let mut c = Command::new("git");
        c.current_dir(dir).args(args);
        isolated(&mut c, &self.home);
        let out = c.output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn coord(&self, dir: &Path, args: &[&str]) -> Duration {
        let mut c = Command::new(&self.exe);
        c.current_dir(dir).args(args);
        isolated(&mut c, &self.home);
        let t = Instant::now();
        let out = c.output().expect("git-coord runs");
        let d = t.elapsed();
        // `check` answers 1 for "held by someone": that is a result, not a failure.
        let ok = out.status.success() || (args[0] == "check" && out.status.code() == Some(1));
        assert!(ok, "git coord {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        d
    }

    /// A repository with a few files and, if `remote`, a bare remote it was cloned from.
    fn repo(&self, name: &str, remote: bool) -> PathBuf {
        let seed = self.root.join(format!("{name}-seed"));
        self.git(&self.root, &["init", "-q", "-b", "main", seed.to_str().unwrap()]);
        for i in 0..20 {
            let p = seed.join(format!("src/mod{i}/file.ts"));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, format!("export const x{i} = {i};\n")).unwrap();
        }
        self.git(&seed, &["add", "-A"]);
        self.git(&seed, &["commit", "-q", "-m", "seed"]);
        if !remote {
            return seed;
        }
        let bare = self.root.join(format!("{name}.git"));
        self.git(
            &self.root,
            &["clone", "-q", "--bare", seed.to_str().unwrap(), bare.to_str().unwrap()],
        );
        let clone = self.root.join(name);
        self.git(
            &self.root,
            &["clone", "-q", bare.to_str().unwrap(), clone.to_str().unwrap()],
        );
        self.coord(&clone, &["init", "--no-hooks"]);
        clone
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Write a board of `n` active claims at `refs/coord/claims`, on top of `history` commits.
fn big_board(dir: &Path, n: usize, history: usize) {
    let store = Store::discover(dir).expect("repo opens");
    let now = Timestamp::parse_rfc3339(NOW).unwrap();
    let mut state = ClaimsState::default();
    for i in 0..n {
        let scope = if i % 2 == 0 {
            Scope::Glob(format!("src/mod{i}/**"))
        } else {
            Scope::Key(format!("db:table{i}"))
        };
        let c = Claim {
            id: ClaimId::from_bits((i as u32).wrapping_mul(2_654_435_761)),
            agent: AgentId::new(format!("agent{}", i % 50)).unwrap(),
            scope,
            mode: Mode::Exclusive,
            created_at: now,
            expires_at: Timestamp(now.0 + 86_400),
            note: Some(format!("working on item {i}")),
            task: None,
            branch: Some("main".into()),
            urgency: Urgency::Normal,
            narrowable: false,
            narrowed: Vec::new(),
        };
        state.claims.insert(c.id.clone(), c);
    }
    let mut loaded = Loaded::default();
    let first = store
        .commit_claims(&loaded, &state, "bench: the board\n\nCoord-Op: tidy\n", "bench", now)
        .unwrap();
    loaded = store.load_claims(refs::CLAIMS, Some(first)).unwrap();
    let tree = {
        let out = Command::new("git")
            .current_dir(dir)
            .args(["rev-parse", &format!("{first}^{{tree}}")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let tree = git_coord_oid(&tree);
    let mut tip = first;
    for i in 1..history {
        tip = store
            .write_commit(
                tree,
                Some(tip),
                &format!("bench op {i}\n\nCoord-Op: tidy\n"),
                "bench",
                now,
            )
            .unwrap();
    }
    let _ = loaded;
    store
        .cas(refs::CLAIMS, store.tip(refs::CLAIMS).unwrap(), tip, "bench", now)
        .unwrap();
}

fn git_coord_oid(hex: &str) -> gix::ObjectId {
    gix::ObjectId::from_hex(hex.as_bytes()).expect("a hex object id")
}

fn peak_kib(b: &Bench, dir: &Path, args: &[&str]) -> Option<u64> {
    if !Path::new("/usr/bin/time").exists() {
        return None;
    }
    let mut c = Command::new("/usr/bin/time");
    c.current_dir(dir).arg("-f").arg("%M").arg(&b.exe).args(args);
    isolated(&mut c, &b.home);
    let out = c.output().ok()?;
    String::from_utf8_lossy(&out.stderr).lines().last()?.trim().parse().ok()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_git-coord"));
    let tmp = std::env::temp_dir().join(format!("git-coord-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("home")).unwrap();
    let b = Bench {
        exe,
        home: tmp.join("home"),
        root: tmp.clone(),
        reps: if quick { 7 } else { 31 },
    };
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
    let tip = String::from_utf8_lossy(
        &Command::new("git")
            .current_dir(&clone)
            .args(["rev-parse", refs::CLAIMS])
            .output()
            .unwrap()
            .stdout,
    )
    .trim()
    .to_owned();
    b.git(&clone, &["push", "-q", "origin", &format!("{tip}:{}", refs::CLAIMS)]);
    let check: Vec<Duration> = (0..b.reps)
        .map(|_| b.coord(&clone, &["check", "src/mod5000/x.ts"]))
        .collect();
    let status: Vec<Duration> = (0..b.reps).map(|_| b.coord(&clone, &["status", "--json"])).collect();
    println!(
        "10,000 claims via remote (fetch first):  check {:>10}   status --json {:>10}",
        ms(median(check)),
        ms(median(status))
    );
    if std::env::var_os("GIT_COORD_BENCH_KEEP").is_some() {
        println!("kept {}", tmp.display());
    } else {
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
