//! Running `git`: bounded in time, its whole process group ended on a timeout.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::error::StoreError;

/// Output of a finished git command.
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Run `git args…` in `dir`, ending it after `timeout`. `Ok(None)` means it timed out.
///
/// git runs in a process group of its own, and a timeout ends the whole group: git's
/// helpers (`git-remote-http`, `ssh`, `git-upload-pack` on a local path) would otherwise
/// keep the pipes open after git itself is gone and hold the command hostage. Its output is
/// read by threads that are given up on, never waited for, once the group is ended.
pub fn run_git(dir: &Path, args: &[&str], timeout: Duration) -> Result<Option<Output>, StoreError> {
    run_git_with(dir, args, timeout, None)
}

/// [`run_git`], with `GIT_SSH_COMMAND` set to `ssh` when given.
pub(super) fn run_git_with(
    dir: &Path,
    args: &[&str],
    timeout: Duration,
    ssh: Option<&str>,
) -> Result<Option<Output>, StoreError> {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new("git");
    if let Some(ssh) = ssh {
        cmd.env("GIT_SSH_COMMAND", ssh);
    }
    let mut child = cmd
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| StoreError::Spawn {
            args: args.join(" "),
            source: e,
        })?;
    let started = std::time::Instant::now();
    let reader = |mut pipe: Box<dyn Read + Send>| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            let _ = tx.send(s);
        });
        rx
    };
    let out = reader(Box::new(child.stdout.take().expect("because stdout is piped")));
    let err = reader(Box::new(child.stderr.take().expect("because stderr is piped")));
    // Wait on a thread so the exit is seen at once (no polling latency on the hot path).
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let status = match rx.recv_timeout(timeout) {
        Ok(Ok(status)) => Some(status),
        Ok(Err(e)) => {
            return Err(StoreError::Spawn {
                args: args.join(" "),
                source: e,
            })
        }
        Err(_) => {
            kill_group(pid);
            let _ = rx.recv_timeout(Duration::from_millis(500));
            None
        }
    };
    // git has exited; a helper it left behind in its group must not keep us waiting.
    let left = timeout
        .saturating_sub(started.elapsed())
        .max(Duration::from_millis(200));
    let stdout = out.recv_timeout(left).unwrap_or_else(|_| {
        kill_group(pid);
        out.recv_timeout(Duration::from_millis(200)).unwrap_or_default()
    });
    let stderr = err.recv_timeout(Duration::from_millis(200)).unwrap_or_default();
    Ok(status.map(|s| Output {
        code: s.code(),
        stdout,
        stderr,
    }))
}

/// End every process of the group git leads (git and the helpers it started).
fn kill_group(pid: u32) {
    let Ok(pgid) = i32::try_from(pid) else { return };
    // SAFETY: kill(2) with a negative pid signals the process group we created for this
    // child (process_group(0) above); it touches no memory of ours.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}
