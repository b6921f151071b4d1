//! Settings from flags and the environment: the clock (`GIT_COORD_NOW`), the random seed,
//! identity, fault injection. The only place that reads the environment for ops; shared by
//! every front end. Must not print or exit.

use std::path::PathBuf;

use crate::model::Timestamp;
use crate::ops::{Error, Settings};

/// Settings from the environment and the given global options (per command, and per MCP
/// call).
pub fn env_settings(
    dir: Option<PathBuf>,
    agent: Option<String>,
    remote: Option<String>,
    offline: bool,
) -> Result<Settings, Error> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let now = match env("GIT_COORD_NOW") {
        Some(t) => Timestamp::parse_rfc3339(&t).map_err(|_| {
            Error::usage(
                format!("invalid GIT_COORD_NOW '{t}': use RFC 3339, like 2026-11-21T10:00:00Z"),
                None,
            )
        })?,
        None => {
            let d = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            Timestamp(d.as_secs() as i64)
        }
    };
    let seed = match env("GIT_COORD_SEED") {
        Some(s) => s
            .parse()
            .map_err(|_| Error::usage(format!("invalid GIT_COORD_SEED '{s}': use a whole number"), None))?,
        None => {
            let d = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            (d.as_nanos() as u64) ^ ((std::process::id() as u64) << 32)
        }
    };
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| env("HOSTNAME"));
    let cwd = match &dir {
        Some(d) => d.clone(),
        None => std::env::current_dir()
            .map_err(|e| Error::usage(format!("cannot read the current directory: {e}"), None))?,
    };
    Ok(Settings {
        cwd,
        agent_flag: agent,
        agent_env: env("GIT_COORD_AGENT"),
        remote_flag: remote,
        offline,
        now,
        seed,
        user_env: env("USER").or_else(|| env("USERNAME")),
        hostname,
        crash_at: env("GIT_COORD_CRASH_AT"),
        started: Some(std::time::Instant::now()),
        quarantine: quarantine(),
        processes: super::processes::processes(),
        ssh: crate::ops::SshEnv {
            command: env("GIT_SSH_COMMAND").filter(|v| !v.trim().is_empty()),
            program: env("GIT_SSH").filter(|v| !v.trim().is_empty()),
            reuse: env("GIT_COORD_SSH_REUSE"),
            runtime_dir: env("XDG_RUNTIME_DIR").map(PathBuf::from),
        },
    })
}

/// Inside a pre-receive hook git names the pushed objects only through the environment.
fn quarantine() -> Option<crate::ops::PushQuarantine> {
    let objects = std::env::var_os("GIT_QUARANTINE_PATH").or_else(|| std::env::var_os("GIT_OBJECT_DIRECTORY"))?;
    let alternates = std::env::var_os("GIT_ALTERNATE_OBJECT_DIRECTORIES")
        .map(|a| std::env::split_paths(&a).collect())
        .unwrap_or_default();
    Some(crate::ops::PushQuarantine {
        objects: objects.into(),
        alternates,
    })
}
