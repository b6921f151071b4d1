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

use super::allowed_signers::{AllowedSigners, Check};
use super::error::StoreError;
use crate::model::Trust;

/// The namespace of git's ssh commit signatures.
const NAMESPACE: &str = "git";

/// What signing needs: the program and the key, read from git config.
pub struct Signer {
    program: String,
    key: Option<String>,
    /// Check each signature as readers will before it is used: the agent, where the allowed
    /// signers live (for the message) and the rules (a verifier is made only when something
    /// is signed: reads never pay for it).
    gate: Option<(String, String, Rules)>,
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
            gate: None,
        }
    }

    /// Refuse to sign for `agent` with a key `rules` would not accept for it.
    pub fn checked_for(mut self, agent: &str, allowed_signers: &str, rules: Rules) -> Signer {
        self.gate = Some((agent.to_owned(), allowed_signers.to_owned(), rules));
        self
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
        if let Some((agent, place, rules)) = &self.gate {
            let verifier = Verifier::new(rules.clone(), None).map_err(|e| SigningError(e.to_string()))?;
            if let Some(why) = verifier.refusal(agent, sig.as_bytes(), payload) {
                return Err(SigningError(format!(
                    "{key} cannot sign for {agent}: {why}. Nothing was written. Use a key listed for {agent} in {place} (user.signingKey), or ask a maintainer to list yours there"
                )));
            }
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
    /// The allowed-signers file's content (written to a temp file only if ssh-keygen is asked).
    signers: Vec<u8>,
    /// What is decided in-process (ed25519, plain entries); the rest asks `program`.
    fast: AllowedSigners,
    revocation: Option<PathBuf>,
    /// The time signatures are judged at (unix seconds).
    now: i64,
    /// A fingerprint of the allowed signers and revocations (verdicts hold only for them).
    signers_id: String,
    cache_path: Option<PathBuf>,
    /// Verdicts by key: a claim's fingerprint, or [`commit_key`] of a commit and an agent.
    cache: Verdicts,
    /// Whether the verdict file was kept for these allowed signers (if not, it is replaced).
    header_matched: bool,
    fresh: Vec<String>,
}

/// Where a [`Verifier`] gets its rules: git's signing program, the allowed-signers file's
/// content, git's `gpg.ssh.revocationFile`, and the time to judge at.
#[derive(Debug, Clone)]
pub struct Rules {
    pub program: Option<String>,
    pub signers: Vec<u8>,
    pub revocation: Option<PathBuf>,
    pub now: i64,
}

impl Verifier {
    /// A verifier for `rules`; `cache_dir` is where verdicts are kept (none: not kept).
    pub fn new(rules: Rules, cache_dir: Option<&Path>) -> Result<Verifier, StoreError> {
        let mut fast = AllowedSigners::parse(&rules.signers);
        let mut id_of = rules.signers.clone();
        if let Some(path) = &rules.revocation {
            let list = std::fs::read(expand_home(&path.to_string_lossy()))
                .map_err(|e| StoreError::read(format!("gpg.ssh.revocationFile {}", path.display()), e))?;
            fast.revoke(&list);
            id_of.extend_from_slice(b"\0revoked\0");
            id_of.extend_from_slice(&list);
        }
        let signers_id = gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, &id_of)
            .map_err(|e| StoreError::read("allowed signers", e))?
            .to_string();
        let cache_path = cache_dir.map(|d| d.join("trust"));
        let (cache, header_matched) = cache_path
            .as_deref()
            .map(|p| read_cache(p, &signers_id))
            .unwrap_or_default();
        Ok(Verifier {
            program: rules.program.unwrap_or_else(|| "ssh-keygen".into()),
            signers: rules.signers,
            fast,
            revocation: rules.revocation,
            now: rules.now,
            signers_id,
            cache_path,
            cache,
            header_matched,
            fresh: Vec::new(),
        })
    }

    /// A verdict reached before for `key`: a claim's fingerprint, which names its agent (a
    /// hash over everything the verdict depends on; the caller computes it).
    pub fn cached(&self, key: ObjectId) -> Option<Trust> {
        self.cache.get(&key).copied()
    }

    /// Remember `t` for `key` (kept by [`Verifier::save`]).
    pub fn remember(&mut self, key: ObjectId, t: Trust) {
        if self.cache.insert(key, t) != Some(t) {
            self.fresh.push(format!("{key} {}\n", t.name()));
        }
    }

    /// The verdict on commit `id` (its signature and signed data, if signed) for `agent`.
    pub fn check(&mut self, id: ObjectId, agent: &str, signed: Option<(&[u8], &[u8])>) -> Trust {
        let key = commit_key(id, agent);
        if let Some(t) = self.cached(key) {
            return t;
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
        self.remember(key, t);
        t
    }

    fn verify(&self, agent: &str, sig: &[u8], data: &[u8]) -> bool {
        match self.fast.check(agent, NAMESPACE, sig, data, self.now) {
            Check::Good => true,
            Check::Bad(_) => false,
            Check::Unsure => self.ask_program(agent, sig, data).is_ok(),
        }
    }

    /// Why `agent` may not sign with the key of `sig` (over `data`), if it may not: the
    /// signer's own check before anything signed is written.
    pub fn refusal(&self, agent: &str, sig: &[u8], data: &[u8]) -> Option<String> {
        match self.fast.check(agent, NAMESPACE, sig, data, self.now) {
            Check::Good => None,
            Check::Bad(why) => Some(why),
            Check::Unsure => self.ask_program(agent, sig, data).err(),
        }
    }

    /// `ssh-keygen -Y verify`, as git runs it; `Err` carries what it said.
    fn ask_program(&self, agent: &str, sig: &[u8], data: &[u8]) -> Result<(), String> {
        let mut sigfile = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
        sigfile.write_all(sig).map_err(|e| e.to_string())?;
        let mut signers = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
        signers.write_all(&self.signers).map_err(|e| e.to_string())?;
        let at = jiff::Timestamp::from_second(self.now)
            .map(|t| t.strftime("%Y%m%d%H%M%SZ").to_string())
            .unwrap_or_default();
        let mut cmd = Command::new(&self.program);
        cmd.args(["-Y", "verify", "-n", NAMESPACE, "-f"])
            .arg(signers.path())
            .args(["-I", agent, "-s"])
            .arg(sigfile.path())
            .arg(format!("-Overify-time={at}"));
        if let Some(r) = &self.revocation {
            cmd.arg("-r").arg(expand_home(&r.to_string_lossy()));
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.program))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(data);
        }
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        match out.status.success() {
            true => Ok(()),
            false => Err(String::from_utf8_lossy(&out.stderr).trim().replace('\n', "; ")),
        }
    }

    /// Keep the verdicts reached in this process for the next one (best effort).
    pub fn save(&mut self) {
        let (Some(path), false) = (&self.cache_path, self.fresh.is_empty()) else {
            return;
        };
        // Appended to; once it outgrows what is kept (old allowed signers, claims long gone),
        // it is written anew with this file's verdicts only (write, then rename).
        // A file kept for other allowed signers (its first line names them) is replaced too.
        let big = std::fs::metadata(path).is_ok_and(|m| m.len() > 4 * 1024 * 1024);
        if big || !self.header_matched {
            let mut all = format!("{HEADER} {}\n", self.signers_id);
            for (key, t) in &self.cache {
                all.push_str(&format!("{key} {}\n", t.name()));
            }
            let tmp = path.with_extension(format!("new-{}", std::process::id()));
            if std::fs::write(&tmp, all).is_ok() && std::fs::rename(&tmp, path).is_ok() {
                self.header_matched = true;
            }
        } else if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = f.write_all(self.fresh.concat().as_bytes());
        }
        self.fresh.clear();
    }
}

/// The first line of the verdict file: the allowed signers (and revocations) its verdicts
/// hold for.
const HEADER: &str = "git-coord trust verdicts for";

/// The verdicts kept for `signers_id` (an unreadable file, or one kept for other allowed
/// signers, keeps none), and whether the file was kept for them.
fn read_cache(path: &Path, signers_id: &str) -> (Verdicts, bool) {
    let mut cache = Verdicts::default();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines = text.lines();
    if lines.next() != Some(&format!("{HEADER} {signers_id}")) {
        return (cache, false);
    }
    for line in lines {
        if let Some((key, t)) = line.split_once(' ') {
            if let (Ok(key), Some(t)) = (ObjectId::from_hex(key.as_bytes()), Trust::parse(t)) {
                cache.insert(key, t);
            }
        }
    }
    (cache, true)
}

/// Verdicts by key (keys are digests already, so their first bytes are their hash).
type Verdicts = HashMap<ObjectId, Trust, gix::hashtable::hash::Builder>;

/// The key of the verdict on commit `id` for `agent`.
fn commit_key(id: ObjectId, agent: &str) -> ObjectId {
    let text = format!("commit {id} {agent}");
    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, text.as_bytes())
        .unwrap_or_else(|_| ObjectId::null(gix::hash::Kind::Sha1))
}
