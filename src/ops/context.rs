//! Everything one command runs with: the repository, who is acting, the remote, the
//! policy, "now" and a seeded random source. Built once per process from the front end's
//! settings; nothing in ops reads the environment or the clock.

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::Duration;

use super::error::Error;
use crate::model::{AgentId, Policy, Rng, Span, Timestamp};
use crate::ops::Next;
use crate::store::{refs, ClockFile, PendingDir, Remote, Store};

/// How far back the board's history is searched for another agent's write.
const FOREIGN_DEPTH: usize = 64;

/// What the front end knows before the repository is opened.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub cwd: PathBuf,
    pub agent_flag: Option<String>,
    pub agent_env: Option<String>,
    pub remote_flag: Option<String>,
    pub offline: bool,
    pub now: Timestamp,
    pub seed: u64,
    pub user_env: Option<String>,
    pub hostname: Option<String>,
    /// Test-only fault injection: abort at this named point of a write.
    pub crash_at: Option<String>,
    /// When the command started, on the monotonic clock (elapsed time of a `--wait`).
    pub started: Option<std::time::Instant>,
    /// Inside a pre-receive hook: where the pushed objects wait.
    pub quarantine: Option<crate::store::PushQuarantine>,
    /// The process table, to find this process's agent session (see `ops::session`).
    pub processes: super::session::Processes,
    /// What the environment says about ssh (see `store::ssh`).
    pub ssh: crate::store::ssh::SshEnv,
}

/// Where the agent id came from (for `doctor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AgentSource {
    Flag,
    Env,
    /// The agent session of the host process that started this one.
    Session,
    Config,
    Default,
}

impl AgentSource {
    /// The name used in JSON and by `doctor`.
    pub fn name(self) -> &'static str {
        match self {
            AgentSource::Flag => "flag",
            AgentSource::Env => "env",
            AgentSource::Session => "session",
            AgentSource::Config => "config",
            AgentSource::Default => "default",
        }
    }
}

/// The newest write by another agent on the board, and when this clone first saw it.
pub type Horizon = Option<(Timestamp, Timestamp)>;

pub struct Context {
    pub store: Store,
    /// Where the command was started (paths given by people are relative to it).
    pub cwd: PathBuf,
    pub agent: AgentId,
    pub agent_source: AgentSource,
    pub remote: Option<Remote>,
    /// What the environment says about ssh, for remotes opened later (the pre-push hook's).
    pub ssh: crate::store::ssh::SshEnv,
    pub offline: bool,
    /// This machine's name (recorded on claims, shown by `agents`).
    pub host: Option<String>,
    now: std::cell::Cell<Timestamp>,
    pub policy: Policy,
    pub pending: PendingDir,
    rng: RefCell<Rng>,
    crash_at: Option<String>,
    lose_races: std::cell::Cell<u32>,
    /// What was wrong with a newer `.coord.toml` that is not in force (for the front ends).
    pub policy_warning: Option<String>,
    started: Option<std::time::Instant>,
    /// This process counts as a live git-coord process of the repository while it runs.
    _alive: Option<crate::store::locks::Alive>,
    /// Ref lock files left by stopped processes that opening this context cleared.
    pub cleared_locks: Vec<PathBuf>,
    /// Board tip → (newest write by another agent, when this clone first saw it).
    horizon: RefCell<Option<(Vec<gix::ObjectId>, Horizon)>>,
}

impl Context {
    pub fn open(s: Settings) -> Result<Context, Error> {
        let store = Store::discover_in_push(&s.cwd, s.quarantine.as_ref())?;
        // A lock left by a killed process would wedge every write (and look like an outage):
        // clear the ones old enough to be certainly stale, before anything else.
        let (alive, cleared_locks) = crate::store::locks::enter(store.common_dir(), !store.is_bare())?;
        let (agent, agent_source) = resolve_agent(&store, &s)?;
        let (mut policy, policy_warning) = load_policy(&store)?;
        // How fresh this clone's reads must be is also this clone's own trade-off.
        if let Some(v) = store.config_string("coord.freshFor") {
            policy.network_fresh_for = crate::model::Span::parse(&v).map_err(|e| {
                Error::usage(
                    format!("git config coord.freshFor: {e}"),
                    Some("set it to whole seconds, like 0s, 1s or 5s".to_owned()),
                )
            })?;
        }
        let remote_name = match &s.remote_flag {
            Some(r) => {
                if !store.remote_names().iter().any(|n| n == r) {
                    return Err(Error::usage(
                        format!("no remote named '{r}' in this repository"),
                        Some(format!("known remotes: {}", list_or_none(&store.remote_names()))),
                    ));
                }
                Some(r.clone())
            }
            None => match store.config_string("coord.remote") {
                Some(r) if r.is_empty() || r == "none" => None,
                Some(r) => Some(r),
                None => store.remote_names().into_iter().find(|n| n == "origin"),
            },
        };
        let timeout = Duration::from_secs(policy.network_timeout.0.max(1) as u64);
        let remote = remote_name.map(|n| {
            Remote::new(&n, store.run_dir(), timeout).with_ssh(crate::store::ssh::for_remote(&store, &n, &s.ssh))
        });
        let pending = PendingDir::new(store.common_dir());
        let mut ctx = Context {
            store,
            cwd: s.cwd.clone(),
            agent,
            agent_source,
            remote,
            ssh: s.ssh.clone(),
            offline: s.offline,
            host: s.hostname.clone(),
            now: std::cell::Cell::new(s.now),
            policy,
            pending,
            rng: RefCell::new(Rng::new(s.seed)),
            lose_races: std::cell::Cell::new(
                s.crash_at
                    .as_deref()
                    .and_then(|c| c.strip_prefix("lose-races="))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0),
            ),
            crash_at: s.crash_at,
            horizon: RefCell::new(None),
            cleared_locks,
            policy_warning,
            _alive: alive,
            started: s.started,
        };
        super::trust::set_up_signing(&mut ctx)?;
        Ok(ctx)
    }

    /// "Now" for this command: the pinned or read instant, advanced by `advance` while a
    /// command waits.
    pub fn now(&self) -> Timestamp {
        self.now.get()
    }

    /// Monotonic time since the command started (from the front end's instant).
    pub fn elapsed(&self) -> Duration {
        self.started.map(|s| s.elapsed()).unwrap_or_default()
    }

    pub fn advance_to(&self, t: Timestamp) {
        self.now.set(t);
    }

    pub fn random(&self) -> u64 {
        self.rng.borrow_mut().next_u64()
    }

    pub fn skew(&self) -> Span {
        self.policy.clock_skew
    }

    /// The instant at which claims and leases are judged expired: this machine's clock, but
    /// never further ahead than the board can vouch for. The board vouches for the newest
    /// write by another agent (`B`, that agent's clock), plus the time this clone has itself
    /// watched pass since it first saw `B` (a difference of two readings of one clock, so an
    /// offset cancels out). A clock running hours ahead therefore cannot expire another
    /// agent's live claim; on an honest clock in a busy team this is just "now", and on a
    /// quiet board a claim that looks expired is held until the clone has watched its
    /// remaining lifetime pass (or someone force-releases it).
    pub fn expiry_now(&self) -> Timestamp {
        let now = self.now();
        let cached = self.horizon.borrow().as_ref().map(|(_, h)| *h);
        let horizon = match cached {
            Some(h) => h,
            None => self.observe(),
        };
        match horizon {
            Some((board, seen)) => {
                let watched = (now.0 - seen.0).max(0);
                Timestamp(now.0.min(board.0 + watched.max(self.skew().0)))
            }
            None => now,
        }
    }

    /// The board this command now reads moved: what the board vouches for follows it (the
    /// newest write by another agent on any board ref). Called wherever the board is
    /// (re)read, so [`Self::expiry_now`] never reads a ref in the hot loops that judge
    /// thousands of claims or tasks.
    pub fn observe(&self) -> Horizon {
        let mut tips: Vec<gix::ObjectId> = self.store.tip(refs::CLAIMS).ok().flatten().into_iter().collect();
        if let Ok(shards) = self.store.refs_with_prefix(refs::SHARDS) {
            tips.extend(shards.into_iter().map(|(_, id)| id));
        }
        if let Some((t, h)) = self.horizon.borrow().as_ref() {
            if *t == tips {
                return *h;
            }
        }
        let board = tips
            .iter()
            .filter_map(|t| {
                self.store
                    .newest_foreign_write(refs::CLAIMS, *t, self.agent.as_str(), FOREIGN_DEPTH)
                    .ok()?
            })
            .max();
        let h = board.and_then(|board| {
            let seen = ClockFile::new(self.store.common_dir())
                .first_seen(board, self.now())
                .ok()?;
            Some((board, seen))
        });
        *self.horizon.borrow_mut() = Some((tips, h));
        h
    }

    /// The remote to talk to now (none when offline).
    pub fn online_remote(&self) -> Option<&Remote> {
        if self.offline {
            None
        } else {
            self.remote.as_ref()
        }
    }

    /// Test-only fault injection (`GIT_COORD_CRASH_AT=lose-races=N`): the first N
    /// compare-and-swaps of this process count as lost races.
    pub fn inject_lost_race(&self) -> bool {
        let left = self.lose_races.get();
        if left > 0 {
            self.lose_races.set(left - 1);
        }
        left > 0
    }

    /// Test-only fault injection: die here without cleaning up, like a killed process.
    pub fn crash_point(&self, name: &str) {
        if self.crash_at.as_deref() == Some(name) {
            std::process::abort();
        }
    }
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn resolve_agent(store: &Store, s: &Settings) -> Result<(AgentId, AgentSource), Error> {
    if let Some(a) = &s.agent_flag {
        return Ok((AgentId::new(a.clone())?, AgentSource::Flag));
    }
    if let Some(a) = s.agent_env.as_ref().filter(|a| !a.is_empty()) {
        return Ok((AgentId::new(a.clone())?, AgentSource::Env));
    }
    let sessions = crate::store::sessions::Sessions::new(store.common_dir());
    if let Some(a) = super::session::find(&sessions, &s.processes) {
        return Ok((a, AgentSource::Session));
    }
    if let Some(a) = store.config_string("coord.agent") {
        return Ok((AgentId::new(a)?, AgentSource::Config));
    }
    let who = store
        .config_string("user.email")
        .filter(|e| !e.is_empty())
        .or_else(|| s.user_env.clone())
        .unwrap_or_else(|| "agent".into());
    let host = s.hostname.clone().unwrap_or_else(|| "localhost".into());
    let text = if who.contains('@') {
        format!("{who}/{host}")
    } else {
        format!("{who}@{host}")
    };
    let id =
        AgentId::sanitized(&text).ok_or_else(|| Error::usage("cannot build a default agent id", Next::SetAgent))?;
    Ok((id, AgentSource::Default))
}

/// How many commits back the last valid committed policy is looked for.
const POLICY_DEPTH: usize = 20;

/// The policy in force, and what was wrong with any newer one that was skipped. An invalid
/// `.coord.toml` never locks anyone out (not even the push that fixes it): it is named, with
/// its line, and the last valid one — the working tree's, else HEAD's, else an ancestor's —
/// stays in force. A bare repository (a server) reads only what it already has at HEAD.
fn load_policy(store: &Store) -> Result<(Policy, Option<String>), Error> {
    let mut skipped: Vec<String> = Vec::new();
    // Newest first, read only as far as needed (usually just the first).
    let mut candidates = (!store.is_bare())
        .then(|| -> Result<_, Error> { Ok(("the working tree".to_owned(), store.read_worktree_file(".coord.toml")?)) })
        .into_iter()
        .chain((0..POLICY_DEPTH).map_while(|n| {
            let rev = if n == 0 { "HEAD".to_owned() } else { format!("HEAD~{n}") };
            let text = store.file_at(&rev, ".coord.toml").ok()?;
            Some(Ok((rev, text.map(|b| String::from_utf8_lossy(&b).into_owned()))))
        }));
    for candidate in &mut candidates {
        let (at, text) = candidate?;
        let Some(text) = text else {
            // No policy there: the defaults were in force.
            return Ok((
                Policy::default(),
                warning(&skipped, &format!("the defaults: no .coord.toml in {at}")),
            ));
        };
        match Policy::parse(&text) {
            Ok(p) => return Ok((p, warning(&skipped, &format!("the .coord.toml of {at}")))),
            Err(e) => skipped.push(format!("ignoring the .coord.toml of {at}: {e}")),
        }
    }
    Ok((Policy::default(), warning(&skipped, "the defaults")))
}

fn warning(skipped: &[String], used: &str) -> Option<String> {
    (!skipped.is_empty()).then(|| {
        format!(
            "{}; the last valid policy ({used}) stays in force until a valid one is committed",
            skipped.join("; ")
        )
    })
}
