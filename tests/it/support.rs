//! Real repositories for end-to-end tests: a bare remote and clones in a temp dir, driven
//! through the real binary and the real `git`, with the host's git config kept out.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub const NOW: &str = "2026-11-21T10:00:00Z";
pub const BIN: &str = env!("CARGO_BIN_EXE_git-coord");

/// Files every fixture repository starts with.
pub const FILES: &[&str] = &[
    "README.md",
    "Cargo.lock",
    "src/main.ts",
    "src/auth/login.ts",
    "src/auth/router.ts",
    "src/auth/session.ts",
    "src/auth/deep/token.ts",
    "src/auth_v2/login.ts",
    "src/billing/invoice.ts",
    "docs/guide.md",
];

pub fn isolate(cmd: &mut Command, home: &Path) {
    // Hooks call `git coord`: put this build's binary first on PATH.
    let bin_dir = Path::new(BIN).parent().expect("the binary has a directory");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin_dir.to_path_buf()];
    dirs.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(dirs).expect("PATH joins"));
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", home)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", "2026-11-20T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-20T10:00:00Z")
        .env_remove("GIT_COORD_AGENT")
        .env_remove("GIT_COORD_CRASH_AT")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
}

/// A temp dir holding a bare remote (`remote.git`) seeded with [`FILES`] on `main`.
pub struct World {
    pub tmp: tempfile::TempDir,
}

impl World {
    pub fn new() -> World {
        Self::with_files(FILES)
    }

    pub fn with_files(files: &[&str]) -> World {
        let sources: Vec<(&str, String)> = files.iter().map(|f| (*f, format!("// {f}\n"))).collect();
        Self::with_sources(&sources)
    }

    /// A remote seeded with these files and contents.
    pub fn with_sources(files: &[(&str, String)]) -> World {
        let tmp = tempfile::tempdir().expect("temp dir");
        let w = World { tmp };
        std::fs::create_dir_all(w.home()).unwrap();
        w.git_in(w.root(), &["init", "-q", "--bare", "-b", "main", "remote.git"]);
        let seed = w.root().join("seed");
        w.git_in(w.root(), &["init", "-q", "-b", "main", "seed"]);
        for (f, text) in files {
            let p = seed.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
        }
        w.git_in(&seed, &["add", "-A"]);
        w.git_in(&seed, &["commit", "-q", "-m", "seed"]);
        w.git_in(&seed, &["push", "-q", w.remote().to_str().unwrap(), "main"]);
        w.record_transactions();
        if std::env::var_os("GIT_COORD_TEST_JUDGE_BOARD").is_some() {
            w.judge_board_writes();
        }
        w
    }

    /// The remote judges every board write with the server hook (board refs only; branches
    /// pass). Set `GIT_COORD_TEST_JUDGE_BOARD=1` to run the whole suite this way: every write
    /// an honest client makes in any test must be accepted by the server's judgement.
    pub fn judge_board_writes(&self) {
        let hook = self.remote().join("hooks/pre-receive");
        std::fs::write(
            &hook,
            format!(
                "#!/bin/sh\ngrep ' refs/coord[/-]' | {BIN} hook pre-receive 2>>'{}'\n",
                self.root().join("judged.log").display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// The newest operation on the board ref that holds `scope` (its shard, or the root for
    /// a wide scope), as plain git shows it.
    pub fn board_message(&self, scope: &str) -> String {
        let home = git_coord::model::Scope::parse(scope, &["db".into()]).unwrap().home();
        let name = git_coord::store::refs::board_ref(home.as_deref());
        self.git_in(&self.remote(), &["log", "-1", "--format=%B", &name])
    }

    /// Every claims file of every board ref of the remote, concatenated.
    pub fn board_claims_text(&self) -> String {
        let refs = self.git_in(&self.remote(), &["for-each-ref", "--format=%(refname)", "refs/coord/"]);
        let mut out = String::new();
        for r in refs
            .lines()
            .filter(|r| *r == "refs/coord/claims" || r.starts_with("refs/coord/shards/"))
        {
            let tree = self.git_in(&self.remote(), &["ls-tree", "-r", "--name-only", r]);
            for p in tree.lines().filter(|p| p.starts_with("claims/")) {
                out.push_str(&self.git_in(&self.remote(), &["show", &format!("{r}:{p}")]));
            }
        }
        out
    }

    /// From now on the remote logs every ref transaction (git's `reference-transaction`
    /// hook): `<state> <receive-pack pid> <old> <new> <ref>` per ref, `prepared` while the
    /// transaction holds its ref locks. Replayed in that order, they give every state of the
    /// remote's refs, whichever refs each push moved (see `concurrency::audit_remote`).
    pub fn record_transactions(&self) {
        let hook = self.remote().join("hooks/reference-transaction");
        let log = self.root().join("transactions.log");
        std::fs::write(
            &hook,
            format!(
                "#!/bin/sh\nwhile read -r old new ref; do printf '%s %s %s %s %s\\n' \"$1\" \"$PPID\" \"$old\" \"$new\" \"$ref\"; done >> '{}'\n",
                log.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    pub fn remote(&self) -> PathBuf {
        self.root().join("remote.git")
    }

    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir).args(args);
        isolate(&mut cmd, &self.home());
        let out = cmd.output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} in {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Clone the remote into `name` and run `git coord init` there.
    pub fn clone(&self, name: &str) -> Repo {
        self.git_in(self.root(), &["clone", "-q", self.remote().to_str().unwrap(), name]);
        let r = self.repo(name);
        r.run(&["init", "--no-hooks"]).ok();
        r.fresh_reads();
        r
    }

    /// Clone and `init` with hooks.
    pub fn clone_hooked(&self, name: &str) -> Repo {
        let r = self.plain_clone(name);
        r.run(&["init"]).ok();
        r.fresh_reads();
        r
    }

    /// A clone without `init`.
    pub fn plain_clone(&self, name: &str) -> Repo {
        self.git_in(self.root(), &["clone", "-q", self.remote().to_str().unwrap(), name]);
        self.repo(name)
    }

    pub fn repo(&self, name: &str) -> Repo {
        Repo {
            dir: self.root().join(name),
            home: self.home(),
        }
    }

    /// Refs of the bare remote under refs/coord/.
    pub fn remote_coord_refs(&self) -> String {
        self.git_in(&self.remote(), &["for-each-ref", "refs/coord/"])
    }
}

/// The text of a file under `fixtures/`.
pub fn fixture(rel: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// One clone (or worktree, or the bare remote itself).
pub struct Repo {
    pub dir: PathBuf,
    pub home: PathBuf,
}

/// A finished command.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON object ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    pub fn ok(&self) -> &Run {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Repo {
    pub fn command(&self, agent: Option<&str>, now: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(&self.dir).args(args).stdin(Stdio::null());
        isolate(&mut cmd, &self.home);
        cmd.env("GIT_COORD_NOW", now);
        if let Some(a) = agent {
            cmd.env("GIT_COORD_AGENT", a);
        }
        cmd
    }

    /// `git coord ARGS` as nobody in particular (default agent).
    pub fn run(&self, args: &[&str]) -> Run {
        self.command(None, NOW, args).output().expect("git-coord runs").into()
    }

    /// `git coord ARGS` as `agent` at the pinned time.
    pub fn as_(&self, agent: &str, args: &[&str]) -> Run {
        self.command(Some(agent), NOW, args)
            .output()
            .expect("git-coord runs")
            .into()
    }

    /// `git coord ARGS` as `agent` at `now`.
    pub fn at(&self, agent: &str, now: &str, args: &[&str]) -> Run {
        self.command(Some(agent), now, args)
            .output()
            .expect("git-coord runs")
            .into()
    }

    pub fn git(&self, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        cmd.current_dir(&self.dir).args(args);
        isolate(&mut cmd, &self.home);
        let out = cmd.output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `git ARGS` as `agent` (hooks see GIT_COORD_AGENT), at `now`.
    pub fn git_as(&self, agent: &str, now: &str, args: &[&str]) -> Run {
        let mut cmd = Command::new("git");
        cmd.current_dir(&self.dir).args(args);
        isolate(&mut cmd, &self.home);
        cmd.env("GIT_COORD_AGENT", agent).env("GIT_COORD_NOW", now);
        cmd.output().expect("git runs").into()
    }

    /// Commit everything with a message.
    pub fn commit_all(&self, msg: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", msg]);
    }

    pub fn git_status(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new("git");
        cmd.current_dir(&self.dir).args(args);
        isolate(&mut cmd, &self.home);
        cmd.output().expect("git runs").into()
    }

    /// The ids of the active claims, as `status --json` reports them.
    /// The holders `status --json` shows, as `agent scope`, sorted (`fetch`: fetch first).
    pub fn holders(&self, fetch: bool) -> Vec<String> {
        let mut args = vec!["status", "--json"];
        if !fetch {
            args.push("--no-fetch");
        }
        let s = self.as_("observer", &args);
        s.ok();
        let mut out: Vec<String> = s.json()["claims"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c["agent"].as_str().unwrap(),
                    c["scope"]["text"].as_str().unwrap()
                )
            })
            .collect();
        out.sort();
        out
    }

    pub fn claim_ids(&self) -> Vec<String> {
        let s = self.as_("observer", &["status", "--json", "--no-fetch"]).json();
        s["claims"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// Whether `f` comes true within `limit` (polled every 100 ms): for what another process
/// does in its own time.
pub fn eventually(limit: std::time::Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    loop {
        if f() {
            return true;
        }
        if start.elapsed() >= limit {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

impl Repo {
    /// Every read of this clone fetches (`coord.freshFor = 0s`): tests read right after
    /// another clone writes. `reads_share_a_fetch_within_fresh_for` covers the default.
    pub fn fresh_reads(&self) {
        self.git(&["config", "coord.freshFor", "0s"]);
    }

    /// How many claim requests wait in the queue, as a third agent sees it.
    pub fn queue_len(&self) -> usize {
        self.as_("carol", &["status", "--json"]).json()["queue"]
            .as_array()
            .map_or(0, Vec::len)
    }
}
