//! Signing board commits the way git signs commits with ssh keys, and checking those
//! signatures: both through git's own signing program (`gpg.ssh.program`, `ssh-keygen` by
//! default), so `user.signingKey` means what it means to git (a private key file, a public
//! key whose private half is in ssh-agent, or a literal `key::ssh-ed25519 …`), and `git log
//! --show-signature` agrees with git-coord.
//!
//! A verdict is cached per (commit, allowed-signers content) in `<common>/coord/trust`, so a
//! commit is checked once per clone until the allowed signers change.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gix::ObjectId;

use super::error::StoreError;
use crate::model::Trust;

/// The namespace of git's ssh commit signatures.
const NAMESPACE: &str = "git";

/// What signing needs: the program and the key, read from git config.
#[derive(Debug, Clone)]
pub struct Signer {
    program: String,
    key: Option<String>,
}

/// Why a signature could not be made: each says what to do (exit 2, nothing written).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SigningError(pub String);

impl Signer {
    /// The signer git would use; a missing key is reported when something is signed.
    pub fn new(program: Option<String>, key: Option<String>) -> Signer {
        Signer {
            program: program.unwrap_or_else(|| "ssh-keygen".into()),
            key: key.filter(|k| !k.trim().is_empty()),
        }
    }

    /// An ssh signature (armored, as git stores it in `gpgsig`) over `payload`.
    pub fn sign(&self, payload: &[u8]) -> Result<String, SigningError> {
        let Some(key) = &self.key else {
            return Err(SigningError(
                "signing is on but user.signingKey is not set: `git config user.signingKey ~/.ssh/id_ed25519.pub` (a key in ssh-agent) or a private key file".into(),
            ));
        };
        let tmp = tempfile::tempdir().map_err(|e| SigningError(format!("cannot make a temp dir: {e}")))?;
        // A literal key or a public key file: the private half is in ssh-agent (-U).
        let (file, agent) = match key.strip_prefix("key::") {
            Some(literal) => {
                let p = tmp.path().join("key.pub");
                std::fs::write(&p, format!("{literal}\n")).map_err(|e| SigningError(e.to_string()))?;
                (p, true)
            }
            None => {
                let p = expand_home(key);
                if !p.exists() {
                    return Err(SigningError(format!(
                        "user.signingKey {} does not exist: point it at your ssh key (`git config user.signingKey ~/.ssh/id_ed25519.pub`)",
                        p.display()
                    )));
                }
                let public = std::fs::read(&p).is_ok_and(|b| b.starts_with(b"ssh-") || b.starts_with(b"ecdsa-"));
                (p, public)
            }
        };
        let data = tmp.path().join("payload");
        std::fs::write(&data, payload).map_err(|e| SigningError(e.to_string()))?;
        let mut cmd = Command::new(&self.program);
        cmd.args(["-Y", "sign", "-n", NAMESPACE, "-f"]).arg(&file);
        if agent {
            cmd.arg("-U");
        }
        let out = cmd.arg(&data).stdin(Stdio::null()).output().map_err(|e| {
            SigningError(format!(
                "cannot run {} to sign: {e} (set gpg.ssh.program)",
                self.program
            ))
        })?;
        let sig = std::fs::read_to_string(tmp.path().join("payload.sig")).unwrap_or_default();
        if !out.status.success() || sig.is_empty() {
            let why = String::from_utf8_lossy(&out.stderr).trim().to_owned();
            return Err(SigningError(format!(
                "{} could not sign with {}: {}{}",
                self.program,
                key,
                if why.is_empty() { "no signature made" } else { &why },
                if agent {
                    " (is the key loaded in ssh-agent? `ssh-add -l`)"
                } else {
                    ""
                }
            )));
        }
        Ok(sig)
    }
}

fn expand_home(p: &str) -> PathBuf {
    match p.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(|h| Path::new(&h).join(rest))
            .unwrap_or_else(|| PathBuf::from(p)),
        None => PathBuf::from(p),
    }
}

/// Checks signatures against one allowed-signers file, remembering verdicts.
pub struct Verifier {
    program: String,
    signers: tempfile::NamedTempFile,
    /// A fingerprint of the allowed signers (verdicts hold only for the same file).
    signers_id: String,
    cache_path: Option<PathBuf>,
    cache: HashMap<(ObjectId, String), Trust>,
    fresh: Vec<String>,
}

impl Verifier {
    /// `signers` is the allowed-signers file's content; `cache_dir` where verdicts are kept.
    pub fn new(program: Option<String>, signers: &[u8], cache_dir: Option<&Path>) -> Result<Verifier, StoreError> {
        let mut file = tempfile::NamedTempFile::new().map_err(|e| StoreError::write("allowed signers", e))?;
        file.write_all(signers)
            .map_err(|e| StoreError::write("allowed signers", e))?;
        let signers_id = gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, signers)
            .map_err(|e| StoreError::read("allowed signers", e))?
            .to_string();
        let cache_path = cache_dir.map(|d| d.join("trust"));
        let mut cache = HashMap::new();
        if let Some(text) = cache_path.as_ref().and_then(|p| std::fs::read_to_string(p).ok()) {
            for line in text.lines() {
                let mut parts = line.split(' ');
                if let (Some(id), Some(sid), Some(agent), Some(t)) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                {
                    if sid != signers_id {
                        continue;
                    }
                    if let (Ok(id), Some(t)) = (ObjectId::from_hex(id.as_bytes()), Trust::parse(t)) {
                        cache.insert((id, agent.to_owned()), t);
                    }
                }
            }
        }
        Ok(Verifier {
            program: program.unwrap_or_else(|| "ssh-keygen".into()),
            signers: file,
            signers_id,
            cache_path,
            cache,
            fresh: Vec::new(),
        })
    }

    /// The verdict on commit `id` (its signature and signed data, if signed) for `agent`.
    pub fn check(&mut self, id: ObjectId, agent: &str, signed: Option<(&[u8], &[u8])>) -> Trust {
        if let Some(t) = self.cache.get(&(id, agent.to_owned())) {
            return *t;
        }
        let t = match signed {
            None => Trust::Unsigned,
            Some((sig, data)) => {
                if self.verify(agent, sig, data) {
                    Trust::Verified
                } else {
                    Trust::Forged
                }
            }
        };
        self.cache.insert((id, agent.to_owned()), t);
        self.fresh
            .push(format!("{id} {} {agent} {}\n", self.signers_id, t.name()));
        t
    }

    fn verify(&self, agent: &str, sig: &[u8], data: &[u8]) -> bool {
        let Ok(mut sigfile) = tempfile::NamedTempFile::new() else {
            return false;
        };
        if sigfile.write_all(sig).is_err() {
            return false;
        }
        let child = Command::new(&self.program)
            .args(["-Y", "verify", "-n", NAMESPACE, "-f"])
            .arg(self.signers.path())
            .args(["-I", agent, "-s"])
            .arg(sigfile.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(mut child) = child else { return false };
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(data);
        }
        child.wait().is_ok_and(|s| s.success())
    }

    /// Keep the verdicts reached in this process for the next one (best effort).
    pub fn save(&mut self) {
        let (Some(path), false) = (&self.cache_path, self.fresh.is_empty()) else {
            return;
        };
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = f.write_all(self.fresh.concat().as_bytes());
        }
        self.fresh.clear();
    }
}
