//! The network, through the user's own `git` executable (their ssh config, credential
//! helpers and host quirks just work). Every call is bounded in time.

use std::path::PathBuf;
use std::time::Duration;

use gix::ObjectId;

use super::error::StoreError;
use super::git_cmd::run_git_with;
pub use super::git_cmd::{run_git, Output};
use super::refs::FETCH_REFSPEC;
use super::repo::RefWrite;

/// A named remote and how long one network call may take.
#[derive(Debug, Clone)]
pub struct Remote {
    pub name: String,
    /// `[network] timeout`: the network time one command may spend in all.
    pub timeout: Duration,
    dir: PathBuf,
    /// When this command first talked to the remote (its budget runs from there).
    started: std::cell::Cell<Option<std::time::Instant>>,
    /// `GIT_SSH_COMMAND` for these calls: ssh connections shared (see `store::ssh`).
    ssh: Option<String>,
}

/// What one push of one ref came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Push {
    Pushed,
    /// The lease or fast-forward check failed: someone else wrote first.
    Stale,
    /// Only the guard ref of a guarded push had moved: another clone asked for a turn.
    Yield,
    /// The remote refused for another reason (a hook, permissions).
    Rejected(String),
    Unreachable(String),
}

/// What a fetch came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch {
    Fetched,
    /// The remote's refs/coord/* do not descend from ours.
    Diverged(String),
    Unreachable(String),
}

/// What the remote's hooks said (`remote: …` lines), joined, when they said anything.
fn remote_says(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("remote:"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(12)
        .collect();
    (!lines.is_empty()).then(|| lines.join(" / "))
}

fn first_error_line(stderr: &str) -> String {
    stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("fatal:") || l.starts_with("error:") || l.starts_with("ssh:"))
        .or_else(|| stderr.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("no output")
        .trim_start_matches("fatal: ")
        .trim_start_matches("error: ")
        .to_owned()
}

impl Remote {
    pub fn new(name: &str, dir: PathBuf, timeout: Duration) -> Remote {
        Remote {
            name: name.to_owned(),
            timeout,
            dir,
            started: std::cell::Cell::new(None),
            ssh: None,
        }
    }

    /// Run git's ssh with `command` (see `store::ssh`).
    pub fn with_ssh(mut self, command: Option<String>) -> Remote {
        self.ssh = command;
        self
    }

    /// Start a fresh network budget (each round of a long `--wait` is a command of its own).
    pub fn renew_budget(&self) {
        self.started.set(None);
    }

    /// Run git within what is left of this command's budget; `Ok(None)` when it ran out.
    fn git(&self, args: &[&str]) -> Result<Option<Output>, StoreError> {
        let started = self.started.get().unwrap_or_else(|| {
            let now = std::time::Instant::now();
            self.started.set(Some(now));
            now
        });
        let left = self.timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Ok(None);
        }
        run_git_with(&self.dir, args, left, self.ssh.as_deref())
    }

    /// Fetch `refs/coord/*` into the local `refs/coord/*` (fast-forward only, no pruning).
    /// Another process of this clone moving a ref during the fetch is a lost race, not an
    /// unreachable remote: the fetch is tried again.
    pub fn fetch(&self) -> Result<Fetch, StoreError> {
        self.fetch_board(&[FETCH_REFSPEC])
    }

    /// [`Remote::fetch`] of these board refs only (full names under `refs/coord/`), each
    /// one that the remote lacks left alone: after a lost race, what the next plan needs
    /// fresh is the refs it leased; the remote tells fewer refs and sends less.
    pub fn fetch_refs(&self, names: &[String]) -> Result<Fetch, StoreError> {
        // A pattern that matches the one name (board ref names are fixed-length within their
        // directory) fetches nothing, instead of failing, when the remote lacks it.
        let specs: Vec<String> = names.iter().map(|n| format!("{n}*:{n}*")).collect();
        let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
        self.fetch_board(&specs)
    }

    fn fetch_board(&self, specs: &[&str]) -> Result<Fetch, StoreError> {
        let mut args = vec![
            "-c",
            "fetch.writeCommitGraph=false",
            "fetch",
            "--no-tags",
            "--no-write-fetch-head",
            "--no-auto-maintenance",
            "--no-recurse-submodules",
            &self.name,
        ];
        args.extend_from_slice(specs);
        let mut last = String::new();
        for attempt in 0..6u32 {
            let Some(out) = self.git(&args)? else {
                return Ok(Fetch::Unreachable(format!(
                    "fetch from {} timed out ([network] timeout is {}s)",
                    self.name,
                    self.timeout.as_secs()
                )));
            };
            if out.code == Some(0) {
                return Ok(Fetch::Fetched);
            }
            let raced = ["cannot lock ref", "unable to update local ref", "but expected"]
                .iter()
                .any(|s| out.stderr.contains(s));
            if raced {
                last = first_error_line(&out.stderr);
                std::thread::sleep(Duration::from_millis(5 << (2 * attempt).min(8)));
                continue;
            }
            if out.stderr.contains("non-fast-forward") || out.stderr.contains("[rejected]") {
                // A compacted ref (`git coord compact`) is taken when its line reaches ours.
                let refused = first_error_line(&out.stderr);
                return super::Store::discover(&self.dir)?.adopt_compactions(self, refused);
            }
            return Ok(Fetch::Unreachable(first_error_line(&out.stderr)));
        }
        Ok(Fetch::Unreachable(format!(
            "this clone's refs/coord stayed locked during the fetch (`git coord doctor` lists lock files): {last}"
        )))
    }

    /// Fetch with these refspecs only (`Err`: what git said when it failed or timed out).
    pub fn fetch_specs(&self, specs: &[&str]) -> Result<Result<(), String>, StoreError> {
        let mut args = vec![
            "fetch",
            // Only these refspecs: not the remote's configured ones too.
            "--refmap=",
            "--no-tags",
            "--no-write-fetch-head",
            "--no-auto-maintenance",
            "--no-recurse-submodules",
            &self.name,
        ];
        args.extend_from_slice(specs);
        Ok(match self.git(&args)? {
            None => Err(format!(
                "fetch from {} timed out ([network] timeout is {}s)",
                self.name,
                self.timeout.as_secs()
            )),
            Some(out) if out.code == Some(0) => Ok(()),
            Some(out) => Err(first_error_line(&out.stderr)),
        })
    }

    /// Push `new` to `refname` only if the remote still has `expected` (a non-forced
    /// refspec with an explicit lease: never `+`, which would ignore the lease).
    pub fn push(&self, refname: &str, new: ObjectId, expected: Option<ObjectId>) -> Result<Push, StoreError> {
        let lease = format!(
            "--force-with-lease={refname}:{}",
            expected.map(|e| e.to_string()).unwrap_or_default()
        );
        let spec = format!("{new}:{refname}");
        self.push_raw(&[&lease, &spec])
    }

    /// Move every ref of `writes` to its `new` in one atomic push, each leased on its `old`
    /// (a non-forced refspec), with each of `guards` leased too (`old`: the value the remote
    /// must have; `new`: that same value, or its first commit): all land or none. Pushing a
    /// guard its current value is a no-op that still checks its lease (a courtesy: safety
    /// rests on the writes' own leases). A server without atomic pushes takes a single ref
    /// plainly; several are refused there.
    pub fn push_refs(&self, writes: &[RefWrite], guards: &[RefWrite]) -> Result<Push, StoreError> {
        let (mut args, mut specs) = leased(writes);
        let (guard_leases, guard_specs) = leased(guards);
        args.extend(guard_leases);
        specs.extend(guard_specs);
        if specs.len() > 1 {
            args.insert(0, "--atomic".into());
        }
        // Many refs: pushed from temporary refs by one pattern (see `store::push_many`).
        let all: Vec<&RefWrite> = writes.iter().chain(guards).collect();
        let staged = match all.len() >= super::push_many::MANY {
            true => Some(super::push_many::Staged::create(&self.dir, &all)?),
            false => None,
        };
        match &staged {
            Some(s) => args.push(s.refspec()),
            None => args.extend(specs),
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let pushed = self.push_raw(&argv)?;
        drop(staged);
        match pushed {
            Push::Unreachable(e) if e.contains("atomic") && writes.len() == 1 => {
                self.push(&writes[0].name, writes[0].new, writes[0].old)
            }
            Push::Unreachable(e) if e.contains("atomic") => Ok(Push::Rejected(format!(
                "{e}: this board write moves {} refs, which needs a server that accepts atomic pushes (git 2.4 or later)",
                writes.len()
            ))),
            other => Ok(other),
        }
    }

    /// Delete a remote ref (used by the `init` probe).
    pub fn delete(&self, refname: &str, expected: ObjectId) -> Result<Push, StoreError> {
        let lease = format!("--force-with-lease={refname}:{expected}");
        let spec = format!(":{refname}");
        self.push_raw(&[&lease, &spec])
    }

    /// Move each ref of `writes` to its `new`, each leased on its `old` (a non-forced
    /// refspec), in one push that is not atomic: each ref lands or not on its own. Also
    /// returns the refs that landed (all of them when `Push::Pushed`; some, or none, else).
    pub fn push_each(&self, writes: &[RefWrite]) -> Result<(Push, Vec<String>), StoreError> {
        let (mut args, specs) = leased(writes);
        args.extend(specs);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        self.push_detailed(&argv)
    }

    fn push_raw(&self, extra: &[&str]) -> Result<Push, StoreError> {
        Ok(self.push_detailed(extra)?.0)
    }

    /// Push, and say how it ended and which refs landed.
    fn push_detailed(&self, extra: &[&str]) -> Result<(Push, Vec<String>), StoreError> {
        let mut args = vec!["push", "--porcelain", "--no-verify", "--quiet", self.name.as_str()];
        args.extend_from_slice(extra);
        let Some(out) = self.git(&args)? else {
            let e = format!(
                "push to {} timed out ([network] timeout is {}s)",
                self.name,
                self.timeout.as_secs()
            );
            return Ok((Push::Unreachable(e), Vec::new()));
        };
        // Every ref of the push must have landed; with --atomic the refs that failed only
        // because another one did say "atomic push failed", the real reason is elsewhere.
        let mut landed: Vec<String> = Vec::new();
        let mut refusals: Vec<&str> = Vec::new();
        let mut guard_refused = 0;
        let mut other_refused = 0;
        for line in out.stdout.lines() {
            let mut parts = line.splitn(3, '\t');
            let (Some(flag), Some(spec), Some(summary)) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            if flag == "!" {
                if !summary.contains("atomic push failed") {
                    let target = spec.rsplit(':').next().unwrap_or(spec);
                    if target.starts_with(super::refs::TURNS) {
                        guard_refused += 1;
                    } else {
                        other_refused += 1;
                    }
                }
                refusals.push(summary);
            } else if matches!(flag, " " | "*" | "=" | "-" | "+") {
                landed.push(spec.rsplit(':').next().unwrap_or(spec).to_owned());
            }
        }
        let reason = refusals
            .iter()
            .find(|s| !s.contains("atomic push failed"))
            .or(refusals.first())
            .copied();
        if let Some(summary) = reason {
            // A lost lease, a non-fast-forward, or the remote's ref lock held by a
            // concurrent writer: all mean "someone else wrote first".
            let stale = [
                "stale info",
                "fetch first",
                "non-fast-forward",
                "already exists",
                "failed to update ref",
                "cannot lock ref",
                "failed to lock",
                // The server's ref transaction of an --atomic push lost to a concurrent one.
                "atomic transaction failed",
            ];
            if stale.iter().any(|s| summary.contains(s)) {
                let guard_only = guard_refused > 0 && other_refused == 0;
                return Ok((if guard_only { Push::Yield } else { Push::Stale }, landed));
            }
            let detail = remote_says(&out.stderr).unwrap_or_else(|| first_error_line(&out.stderr));
            let why = format!(
                "{summary}{}",
                if detail == "no output" {
                    String::new()
                } else {
                    format!(": {detail}")
                }
            );
            return Ok((Push::Rejected(why), landed));
        }
        if !landed.is_empty() || out.code == Some(0) {
            return Ok((Push::Pushed, landed));
        }
        Ok((Push::Unreachable(first_error_line(&out.stderr)), landed))
    }

    /// Is the remote reachable at all (`git ls-remote` of our namespace)?
    pub fn ls_remote(&self) -> Result<Result<Vec<(String, String)>, String>, StoreError> {
        let Some(out) = self.git(&["ls-remote", &self.name, "refs/coord/*"])? else {
            return Ok(Err(format!("timed out after {}s", self.timeout.as_secs())));
        };
        if out.code != Some(0) {
            return Ok(Err(first_error_line(&out.stderr)));
        }
        Ok(Ok(out
            .stdout
            .lines()
            .filter_map(|l| l.split_once('\t').map(|(a, b)| (b.to_owned(), a.to_owned())))
            .collect()))
    }
}

/// Each write's lease (`--force-with-lease=<ref>:<old>`, empty for "must not exist") and its
/// non-forced refspec (`<new>:<ref>`; never `+`, which would ignore the lease).
fn leased(writes: &[RefWrite]) -> (Vec<String>, Vec<String>) {
    let leases = writes
        .iter()
        .map(|w| {
            format!(
                "--force-with-lease={}:{}",
                w.name,
                w.old.map(|e| e.to_string()).unwrap_or_default()
            )
        })
        .collect();
    let specs = writes.iter().map(|w| format!("{}:{}", w.new, w.name)).collect();
    (leases, specs)
}
