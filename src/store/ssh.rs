//! One ssh connection per remote host, reused by git-coord's own git calls.
//!
//! Every git call over ssh pays a key exchange: on a loopback sshd a claim and its release
//! took 490 ms each against 48 ms over a path remote, and 215 ms when the calls shared one
//! connection (ssh's `ControlMaster`, kept 60 s after the last use). So when the remote is
//! reached over ssh and the user has not said how git runs ssh (`GIT_SSH_COMMAND`, `GIT_SSH`,
//! `core.sshCommand`), git-coord's git calls run `ssh` with a control socket in a directory
//! only this user can enter (`$XDG_RUNTIME_DIR/git-coord`, else `/tmp/git-coord-<uid>`).
//! `git config coord.sshReuse false` (or `GIT_COORD_SSH_REUSE=0`) turns it off; `true` adds the
//! options to the user's own ssh command too. A directory that is not this user's alone, or a
//! path too long for a socket, turns it off.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// How long a shared connection outlives its last use.
const PERSIST: &str = "60s";

/// What the environment says about ssh (read by the front ends, like every setting):
/// `GIT_SSH_COMMAND`, `GIT_SSH`, `GIT_COORD_SSH_REUSE` and `XDG_RUNTIME_DIR`, each when set and
/// not empty.
#[derive(Debug, Clone, Default)]
pub struct SshEnv {
    pub command: Option<String>,
    pub program: Option<String>,
    pub reuse: Option<String>,
    pub runtime_dir: Option<PathBuf>,
}

/// The `GIT_SSH_COMMAND` for git-coord's calls to remote `name` of `store`, as git's own
/// settings, the environment `env` and this clone's `coord.sshReuse` decide.
pub fn for_remote(store: &super::repo::Store, name: &str, env: &SshEnv) -> Option<String> {
    let url = store
        .config_string(&format!("remote.{name}.pushurl"))
        .or_else(|| store.config_string(&format!("remote.{name}.url")));
    let user_command = env.command.clone().or_else(|| store.config_string("core.sshCommand"));
    let user_chose = env.program.is_some() || user_command.is_some();
    let off = |v: &str| matches!(v.trim().to_ascii_lowercase().as_str(), "0" | "false" | "no" | "off");
    let reuse = env
        .reuse
        .clone()
        .or_else(|| store.config_string("coord.sshReuse"))
        .map(|v| !off(&v));
    let ours = reuse_command(
        &SshSetting {
            url: url.as_deref(),
            user_chose: user_chose && reuse != Some(true),
            reuse,
        },
        env.runtime_dir.as_deref(),
    )?;
    // Asked for explicitly on top of the user's own ssh command: its options are added to it
    // (`GIT_SSH`, a program rather than a command line, cannot take them).
    match (user_command, &env.program) {
        (_, Some(_)) => None,
        (Some(theirs), None) => Some(format!("{theirs} {}", ours.trim_start_matches("ssh "))),
        (None, None) => Some(ours),
    }
}

/// What the user told git about ssh, and where the remote is.
pub struct SshSetting<'a> {
    pub url: Option<&'a str>,
    /// `GIT_SSH_COMMAND`, `GIT_SSH` or `core.sshCommand` is set: their choice stands.
    pub user_chose: bool,
    /// `coord.sshReuse` / `GIT_COORD_SSH_REUSE`, when set.
    pub reuse: Option<bool>,
}

/// The `GIT_SSH_COMMAND` for git-coord's git calls, when connections are to be shared.
pub fn reuse_command(s: &SshSetting, runtime_dir: Option<&Path>) -> Option<String> {
    if s.user_chose || s.reuse == Some(false) || !is_ssh(s.url?) {
        return None;
    }
    let dir = socket_dir(runtime_dir)?;
    let dir = dir.to_str()?;
    // The socket path must fit in a sockaddr_un (%C is 40 hex digits) and survive the shell
    // git runs the command with.
    let plain = dir.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b));
    if !plain || dir.len() + 42 > 100 {
        return None;
    }
    Some(format!(
        "ssh -o ControlMaster=auto -o ControlPersist={PERSIST} -o ControlPath={dir}/%C"
    ))
}

/// Whether git reaches `url` over ssh (`ssh://`, `git+ssh://`, or `[user@]host:path`).
pub fn is_ssh(url: &str) -> bool {
    use gix::bstr::ByteSlice;
    gix::url::parse(url.as_bytes().as_bstr()).is_ok_and(|u| u.scheme == gix::url::Scheme::Ssh)
}

/// A directory for control sockets that only this user can enter (made if missing).
fn socket_dir(runtime_dir: Option<&Path>) -> Option<PathBuf> {
    // SAFETY: getuid(2) cannot fail and touches no memory.
    let uid = unsafe { libc::getuid() };
    let dir = match runtime_dir {
        Some(run) => run.join("git-coord"),
        None => std::env::temp_dir().join(format!("git-coord-{uid}")),
    };
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    let meta = std::fs::symlink_metadata(&dir).ok()?;
    let private = meta.is_dir() && meta.uid() == uid && meta.permissions().mode() & 0o077 == 0;
    private.then_some(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ssh_remotes_the_user_left_alone_share_a_connection() {
        let s = |url: &'static str, user_chose: bool, reuse: Option<bool>| SshSetting {
            url: Some(url),
            user_chose,
            reuse,
        };
        for url in ["ssh://git@example.com/team/repo.git", "git@example.com:team/repo.git"] {
            let cmd = reuse_command(&s(url, false, None), None).expect(url);
            assert!(cmd.contains("ControlMaster=auto") && cmd.contains("/%C"), "{cmd}");
            assert_eq!(
                reuse_command(&s(url, true, None), None),
                None,
                "the user's ssh command stands"
            );
            assert_eq!(reuse_command(&s(url, false, Some(false)), None), None, "turned off");
        }
        for url in [
            "https://example.com/team/repo.git",
            "/srv/git/repo.git",
            "file:///srv/repo.git",
        ] {
            assert_eq!(reuse_command(&s(url, false, None), None), None, "{url}");
        }
        assert_eq!(
            reuse_command(
                &SshSetting {
                    url: None,
                    user_chose: false,
                    reuse: None
                },
                None
            ),
            None
        );
    }
}
