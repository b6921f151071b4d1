//! Shared helpers for the whole-process benchmarks: isolated git, temp repositories,
//! medians, and large boards written in-process through the library.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use git_coord::model::{AgentId, Claim, ClaimId, ClaimsState, Mode, Scope, Timestamp, Urgency};
use git_coord::store::{refs, Loaded, Store};

pub const NOW: &str = "2026-11-21T10:00:00Z";

/// The binary measured: this build's, or another one named by `GIT_COORD_BENCH_EXE` (to
/// measure two versions side by side with the same benchmark).
/// The other binary is copied under the name `git-coord`, so the hooks it installs (which
/// call `git-coord` from PATH) run it too.
pub fn exe() -> PathBuf {
    let Some(other) = std::env::var_os("GIT_COORD_BENCH_EXE") else {
        return PathBuf::from(env!("CARGO_BIN_EXE_git-coord"));
    };
    let dir = std::env::temp_dir().join(format!("git-coord-bench-exe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let exe = dir.join("git-coord");
    std::fs::copy(&other, &exe).expect("GIT_COORD_BENCH_EXE is a readable file");
    exe
}

pub struct Bench {
    pub exe: PathBuf,
    pub home: PathBuf,
    pub root: PathBuf,
    pub reps: usize,
}

pub fn isolated(cmd: &mut Command, home: &Path) {
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
    /// Isolate a command like every other here, with this build's binary first on PATH
    /// (hooks call `git-coord`).
    pub fn isolate(&self, cmd: &mut Command) {
        isolated(cmd, &self.home);
        let mut dirs = vec![self.exe.parent().expect("binary dir").to_path_buf()];
        dirs.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
        cmd.env("PATH", std::env::join_paths(dirs).expect("PATH"));
    }

    /// Run git in `dir`; its stdout, trimmed.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let mut c = Command::new("git");
        c.current_dir(dir).args(args);
        self.isolate(&mut c);
        let out = c.output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// `git coord ARGS --json` as `agent`: exit code, the JSON, and the time it took.
    pub fn coord_json(&self, dir: &Path, agent: &str, args: &[&str]) -> (i32, serde_json::Value, Duration) {
        let mut c = Command::new(&self.exe);
        c.current_dir(dir).args(args).arg("--json");
        self.isolate(&mut c);
        c.env("GIT_COORD_AGENT", agent);
        let t = Instant::now();
        let out = c.output().expect("git-coord runs");
        let d = t.elapsed();
        let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
        (out.status.code().unwrap_or(-1), v, d)
    }

    pub fn coord(&self, dir: &Path, args: &[&str]) -> Duration {
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
    pub fn repo(&self, name: &str, remote: bool) -> PathBuf {
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

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Write a board of `n` active claims (the root and its shards), on top of `history` commits.
pub fn big_board(dir: &Path, n: usize, history: usize) {
    let scopes = (0..n).map(|i| {
        if i % 2 == 0 {
            Scope::Glob(format!("src/mod{i}/**"))
        } else {
            Scope::Key(format!("db:table{i}"))
        }
    });
    board_with(dir, history, scopes);
}

/// Write a board with one claim per scope (agents agent0..agent49), on `history` commits.
pub fn board_with(dir: &Path, history: usize, scopes: impl Iterator<Item = Scope>) {
    let store = Store::discover(dir).expect("repo opens");
    let now = Timestamp::parse_rfc3339(NOW).unwrap();
    let mut state = ClaimsState::default();
    for (i, scope) in scopes.enumerate() {
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
            host: None,
            narrowable: false,
            narrowed: Vec::new(),
            trust: None,
        };
        state.claims.insert(c.id.clone(), c);
    }
    // Laid out as git-coord lays it out: the root (on top of what `init` started) and one
    // commit per shard; the history is on the root.
    let split = git_coord::model::layout::split(&state);
    for (key, st) in &split.shards {
        // One recorded operation per shard asks for its claims (as `claim` ops do), so a
        // reader with trust on can attribute each claim to a commit.
        let op = git_coord::model::Op::Claim {
            id: git_coord::model::OpId(format!("op-{:016x}", st.claims.len())),
            agent: AgentId::new("bench").unwrap(),
            new: st.claims.values().cloned().collect(),
            refresh: Vec::new(),
            narrow: Vec::new(),
        };
        let message = format!(
            "bench: the board\n\nCoord-Op: claim\nCoord-Agent: bench\nCoord-Data: {}\n",
            serde_json::to_string(&op).unwrap()
        );
        let commit = store
            .commit_claims(&Loaded::empty("shard"), st, &message, "bench", now)
            .unwrap();
        let name = refs::board_ref(Some(key));
        store
            .cas(&name, store.tip(&name).unwrap(), commit, "bench", now)
            .unwrap();
    }
    let base = store
        .load_claims(refs::CLAIMS, store.tip(refs::CLAIMS).unwrap())
        .unwrap();
    let first = store
        .commit_claims(&base, &split.root, "bench: the board\n\nCoord-Op: tidy\n", "bench", now)
        .unwrap();
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
    store
        .cas(refs::CLAIMS, store.tip(refs::CLAIMS).unwrap(), tip, "bench", now)
        .unwrap();
}

pub fn git_coord_oid(hex: &str) -> gix::ObjectId {
    gix::ObjectId::from_hex(hex.as_bytes()).expect("a hex object id")
}

pub fn peak_kib(b: &Bench, dir: &Path, args: &[&str]) -> Option<u64> {
    if !Path::new("/usr/bin/time").exists() {
        return None;
    }
    let mut c = Command::new("/usr/bin/time");
    c.current_dir(dir).arg("-f").arg("%M").arg(&b.exe).args(args);
    isolated(&mut c, &b.home);
    let out = c.output().ok()?;
    String::from_utf8_lossy(&out.stderr).lines().last()?.trim().parse().ok()
}
