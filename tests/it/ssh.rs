//! A remote over ssh (a real sshd on 127.0.0.1): git-coord's git calls share one connection
//! (ssh's ControlMaster) when asked, and work as before when not. Needs OpenSSH's server;
//! without it the test says SKIPPED (`.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::{Repo, World, NOW};

fn sshd() -> Option<PathBuf> {
    ["/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// sshd on a free loopback port, letting in whoever holds `dir/user_key`; ended on drop.
struct Server {
    child: Child,
    port: u16,
    key: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path) {
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "ssh-keygen makes {}", path.display());
}

fn start(dir: &Path) -> Option<Server> {
    let bin = sshd()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let (host, key) = (dir.join("host_key"), dir.join("user_key"));
    keygen(&host);
    keygen(&key);
    std::fs::copy(dir.join("user_key.pub"), dir.join("authorized_keys")).unwrap();
    let config = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\nStrictModes no\nUsePAM no\nPasswordAuthentication no\nPidFile {}\n",
        host.display(),
        dir.join("authorized_keys").display(),
        dir.join("sshd.pid").display()
    );
    std::fs::write(dir.join("sshd_config"), config).unwrap();
    // Privilege separation wants this directory when sshd runs as root.
    let _ = std::fs::create_dir_all("/run/sshd");
    let child = Command::new(bin)
        .arg("-D")
        .arg("-f")
        .arg(dir.join("sshd_config"))
        .arg("-E")
        .arg(dir.join("sshd.log"))
        .stdin(Stdio::null())
        .spawn()
        .ok()?;
    let server = Server { child, port, key };
    let up = crate::support::eventually(std::time::Duration::from_secs(5), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    up.then_some(server)
}

fn user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Control sockets git-coord left in `run/git-coord`.
fn sockets(run: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(run.join("git-coord"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

fn coord(r: &Repo, run: &Path, args: &[&str]) -> crate::support::Run {
    let mut c = r.command(Some("alice"), NOW, args);
    c.env("XDG_RUNTIME_DIR", run);
    c.output().expect("git-coord runs").into()
}

#[test]
fn an_ssh_remote_shares_one_connection_when_asked_and_works_without() {
    if sshd().is_none() {
        eprintln!("SKIPPED: OpenSSH's sshd is not installed; the ssh remote test needs it");
        return;
    }
    let w = World::new();
    // Short paths: a control socket's path must fit in a unix socket address.
    let keys = tempfile::Builder::new().prefix("gcs").tempdir_in("/tmp").unwrap();
    let Some(server) = start(keys.path()) else {
        eprintln!("SKIPPED: sshd did not start (see its log in a kept temp dir)");
        return;
    };
    let ssh = format!(
        "ssh -i {} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes",
        server.key.display()
    );
    let url = format!("ssh://{}@127.0.0.1:{}{}", user(), server.port, w.remote().display());
    w.git_in(
        w.root(),
        &["-c", &format!("core.sshCommand={ssh}"), "clone", "-q", &url, "a"],
    );
    let a = w.repo("a");
    a.git(&["config", "core.sshCommand", &ssh]);
    let run = keys.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    coord(&a, &run, &["init", "--no-hooks"]).ok();

    // The user's own ssh command, left alone: every call connects anew, no socket.
    coord(&a, &run, &["claim", "db:first"]).ok();
    assert!(sockets(&run).is_empty(), "{:?}", sockets(&run));

    // Asked for: one connection, kept in a socket only this user can enter.
    a.git(&["config", "coord.sshReuse", "true"]);
    coord(&a, &run, &["claim", "db:second"]).ok();
    coord(&a, &run, &["release", "--all"]).ok();
    let socks = sockets(&run);
    assert_eq!(socks.len(), 1, "{socks:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(run.join("git-coord")).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the socket dir is private: {mode:o}");
    let board = w.board_claims_text();
    assert!(!board.contains("db:first") && !board.contains("db:second"), "{board}");
    let log = w.git_in(&w.remote(), &["log", "--all", "--format=%s"]);
    assert!(log.contains("alice releases"), "{log}");
    for s in socks {
        let _ = Command::new("ssh")
            .args(["-o", &format!("ControlPath={}", s.display()), "-O", "exit", "127.0.0.1"])
            .stderr(Stdio::null())
            .status();
    }
    drop(server);
}
