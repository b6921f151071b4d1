//! One agent id per agent session. A host (Claude Code, Codex, Gemini CLI…) starts `git
//! coord mcp`; the server records the host process and the id it serves as
//! (`store::sessions`). Every git-coord process that host starts later — its pre-edit guard,
//! the commands of the agent's shell, the hooks of its pushes — walks up its parents, finds
//! the host's entry and acts as the same agent. Two hosts (two terminals in one work tree,
//! two worktrees) are two processes, hence two ids; a restarted server in the same host
//! finds the same id again.
//!
//! The id: an explicit one (`--agent`, `GIT_COORD_AGENT`) as given; otherwise the person's
//! id (`coord.agent`, else the default) followed by `/<worktree>-<6 hex>`, the hex from the
//! host's pid and start time.

use serde::Serialize;

use super::context::{AgentSource, Context};
use super::error::Error;
use crate::model::AgentId;
use crate::store::sessions::{SessionEntry, Sessions};

/// One process: pid, start time (as the system reports it), executable name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    pub pid: u32,
    pub start: String,
    pub name: String,
}

/// How ops reads the process table (the front end provides it; tests may not).
#[derive(Debug, Clone, Copy)]
pub struct Processes {
    /// This process's parents, nearest first.
    pub ancestry: fn() -> Vec<Proc>,
    /// The start time of a running process.
    pub start_of: fn(u32) -> Option<String>,
}

impl Default for Processes {
    fn default() -> Processes {
        Processes {
            ancestry: Vec::new,
            start_of: |_| None,
        }
    }
}

/// Launchers between a host and the server: `git coord mcp` runs as git → git-coord.
const LAUNCHERS: [&str; 2] = ["git", "git-coord"];

/// The session a server registered.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SessionReport {
    pub agent: AgentId,
    /// The host process the session belongs to (None: no parent process could be read, the
    /// id is not shared with the host's other processes).
    pub host_pid: Option<u32>,
    pub host_name: Option<String>,
}

/// Start a server's session: choose its id and record it under its host process.
pub fn begin(ctx: &Context, procs: &Processes) -> Result<SessionReport, Error> {
    let host = (procs.ancestry)()
        .into_iter()
        .find(|p| !LAUNCHERS.contains(&p.name.as_str()));
    let Some(host) = host else {
        return Ok(SessionReport {
            agent: ctx.agent.clone(),
            host_pid: None,
            host_name: None,
        });
    };
    let sessions = Sessions::new(ctx.store.common_dir());
    let worktree = ctx.store.workdir().map(|w| w.display().to_string()).unwrap_or_default();
    let agent = match ctx.agent_source {
        // Explicit, or already this host's session (a restarted server).
        AgentSource::Flag | AgentSource::Env | AgentSource::Session => ctx.agent.clone(),
        AgentSource::Config | AgentSource::Default => session_id(&ctx.agent, &worktree, &host)?,
    };
    sessions.prune(&procs.start_of);
    sessions.record(&SessionEntry {
        agent: agent.to_string(),
        pid: host.pid,
        start: host.start.clone(),
        worktree,
        since: ctx.now(),
    })?;
    Ok(SessionReport {
        agent,
        host_pid: Some(host.pid),
        host_name: Some(host.name),
    })
}

/// The id recorded for the nearest parent of this process that is a session's host.
pub fn find(sessions: &Sessions, procs: &Processes) -> Option<AgentId> {
    if !sessions.any() {
        return None;
    }
    (procs.ancestry)()
        .iter()
        .find_map(|p| sessions.find(p.pid, &p.start))
        .and_then(|e| AgentId::new(e.agent).ok())
}

fn session_id(person: &AgentId, worktree: &str, host: &Proc) -> Result<AgentId, Error> {
    let name = std::path::Path::new(worktree)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "session".into());
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("{}\0{}\0{worktree}", host.pid, host.start).bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    let tag = format!("/{}-{:06x}", name.chars().take(32).collect::<String>(), h & 0xff_ffff);
    // Keep the whole tag: shorten the person's part if the id would pass 128 characters.
    let keep = 128usize.saturating_sub(tag.len());
    let base: String = person.as_str().chars().take(keep).collect();
    AgentId::sanitized(&format!("{base}{tag}"))
        .ok_or_else(|| Error::usage("cannot build an agent id for this session", super::Next::SetAgent))
}
