//! What `ssh-keygen -Y verify` decides, in-process, for the common case: an ed25519 signature
//! checked against plain entries of an allowed-signers file (ssh-keygen(1), "ALLOWED
//! SIGNERS"). A server judging a push of a hundred signed board commits cannot afford a
//! process per signature; this answers in microseconds.
//!
//! It never guesses. Whatever it does not fully understand — another key type, a
//! `cert-authority` entry, an option it does not know, a local-time `valid-*` timestamp, a
//! binary revocation list — makes the answer [`Check::Unsure`], and the caller asks
//! ssh-keygen. Every other answer is the one ssh-keygen gives: an entry accepts a signature
//! when its principal patterns match the agent, its key is the signature's key, its
//! `namespaces` admit `git` and `now` lies in its validity; the signature must then verify.

use ssh_key::public::KeyData;
use ssh_key::{Algorithm, HashAlg, PublicKey, SshSig};

/// The verdict on one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Good,
    /// Refused, with the reason in words (for the signer's own error message).
    Bad(String),
    /// Not decided here: ask ssh-keygen.
    Unsure,
}

/// One understood line of the file.
#[derive(Debug, Clone)]
struct Entry {
    principals: String,
    namespaces: Option<String>,
    valid_after: Option<i64>,
    valid_before: Option<i64>,
    key: KeyData,
}

/// A parsed allowed-signers file, plus the keys a revocation list names.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    entries: Vec<Entry>,
    /// A line was not understood: only ssh-keygen may say no.
    partial: bool,
    revoked: Vec<KeyData>,
    /// The revocation list is not a plain list of keys (a KRL): only ssh-keygen can read it.
    revoked_unknown: bool,
}

impl AllowedSigners {
    pub fn parse(text: &[u8]) -> AllowedSigners {
        let mut out = AllowedSigners::default();
        for line in String::from_utf8_lossy(text).lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match entry(line) {
                Some(e) => out.entries.push(e),
                None => out.partial = true,
            }
        }
        out
    }

    /// Add a revocation list (`gpg.ssh.revocationFile`): public keys one per line, or a KRL.
    pub fn revoke(&mut self, list: &[u8]) {
        for line in String::from_utf8_lossy(list).lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match PublicKey::from_openssh(line) {
                Ok(k) => self.revoked.push(k.key_data().clone()),
                Err(_) => self.revoked_unknown = true,
            }
        }
    }

    /// Is `armored` (an `SSH SIGNATURE` block) over `data` a signature of `agent` in
    /// namespace `namespace` at `now` (unix seconds)?
    pub fn check(&self, agent: &str, namespace: &str, armored: &[u8], data: &[u8], now: i64) -> Check {
        let Ok(sig) = SshSig::from_pem(armored) else {
            return Check::Unsure;
        };
        if sig.public_key().algorithm() != Algorithm::Ed25519 || self.revoked_unknown {
            return Check::Unsure;
        }
        let key = PublicKey::from(sig.public_key().clone());
        let line = format!("{agent} {}", key.to_openssh().unwrap_or_default());
        let print = key.fingerprint(HashAlg::Sha256);
        if sig.namespace() != namespace {
            return Check::Bad(format!("signed for namespace {:?}, not {namespace:?}", sig.namespace()));
        }
        if self.revoked.iter().any(|r| r == sig.public_key()) {
            return Check::Bad(format!("key {print} is revoked (gpg.ssh.revocationFile)"));
        }
        let mut why = None;
        for e in &self.entries {
            if e.key != *sig.public_key() || !patterns_match(&e.principals, agent) {
                continue;
            }
            match e.refusal(namespace, now) {
                None => {
                    return match key.verify(namespace, data, &sig) {
                        Ok(()) => Check::Good,
                        Err(_) => Check::Bad(format!("the signature by key {print} does not match what it signs")),
                    };
                }
                Some(r) => why = Some(r),
            }
        }
        match (why, self.partial) {
            (_, true) => Check::Unsure,
            (Some(r), false) => Check::Bad(format!("key {print} is listed for {agent} but {r}")),
            (None, false) => Check::Bad(format!(
                "key {print} is not in the allowed signers for {agent} (a line like `{line}` would allow it)"
            )),
        }
    }
}

impl Entry {
    /// Why this entry does not accept a signature in `namespace` at `now`, if it does not.
    fn refusal(&self, namespace: &str, now: i64) -> Option<String> {
        if let Some(ns) = &self.namespaces {
            if !patterns_match(ns, namespace) {
                return Some(format!("only for namespaces {ns:?}"));
            }
        }
        if let Some(t) = self.valid_after.filter(|t| now < *t) {
            return Some(format!("not valid before {} (valid-after)", stamp(t)));
        }
        if let Some(t) = self.valid_before.filter(|t| now >= *t) {
            return Some(format!("expired at {} (valid-before)", stamp(t)));
        }
        None
    }
}

fn stamp(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| t.to_string())
}

/// One line: `principals [options] keytype base64 [comment]`, or `None` if not understood.
fn entry(line: &str) -> Option<Entry> {
    let (principals, rest) = line.split_once(char::is_whitespace)?;
    if principals.starts_with('"') {
        return None;
    }
    let rest = rest.trim_start();
    let (options, key) = match PublicKey::from_openssh(rest) {
        Ok(k) => (Vec::new(), k),
        Err(_) => {
            let (options, key) = split_options(rest)?;
            (options, PublicKey::from_openssh(key.trim_start()).ok()?)
        }
    };
    let mut e = Entry {
        principals: principals.to_owned(),
        namespaces: None,
        valid_after: None,
        valid_before: None,
        key: key.key_data().clone(),
    };
    for opt in options {
        let (name, value) = opt
            .split_once('=')
            .map(|(n, v)| (n, Some(v.trim_matches('"'))))
            .unwrap_or((opt, None));
        match (name.to_ascii_lowercase().as_str(), value) {
            ("namespaces", Some(v)) => e.namespaces = Some(v.to_owned()),
            ("valid-after", Some(v)) => e.valid_after = Some(utc_time(v)?),
            ("valid-before", Some(v)) => e.valid_before = Some(utc_time(v)?),
            _ => return None,
        }
    }
    Some(e)
}

/// The options field (commas between options, none inside quotes) and what follows it.
fn split_options(s: &str) -> Option<(Vec<&str>, &str)> {
    let mut quoted = false;
    let (mut opts, mut start) = (Vec::new(), 0);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                opts.push(&s[start..i]);
                start = i + 1;
            }
            c if c.is_whitespace() && !quoted => {
                opts.push(&s[start..i]);
                return Some((opts, &s[i..]));
            }
            _ => {}
        }
    }
    None
}

/// `YYYYMMDD[HHMM[SS]]Z` as unix seconds; a time without `Z` is local time: not decided here.
fn utc_time(v: &str) -> Option<i64> {
    let digits = v.strip_suffix('Z').or_else(|| v.strip_suffix('z'))?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) || ![8, 12, 14].contains(&digits.len()) {
        return None;
    }
    let n = |a: usize, b: usize| digits.get(a..b).map_or(Some(0), |s| s.parse::<i64>().ok());
    let date = jiff::civil::date(n(0, 4)? as i16, n(4, 6)? as i8, n(6, 8)? as i8);
    let dt = date.at(n(8, 10)? as i8, n(10, 12)? as i8, n(12, 14)? as i8, 0);
    Some(dt.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp().as_second())
}

/// ssh's pattern lists: comma-separated `*`/`?` patterns, a `!` one refusing whatever it matches.
fn patterns_match(list: &str, s: &str) -> bool {
    let mut yes = false;
    for p in list.split(',') {
        match p.strip_prefix('!') {
            Some(neg) if wildcard(neg.as_bytes(), s.as_bytes()) => return false,
            Some(_) => {}
            None => yes |= wildcard(p.as_bytes(), s.as_bytes()),
        }
    }
    yes
}

fn wildcard(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => wildcard(&p[1..], s) || (!s.is_empty() && wildcard(p, &s[1..])),
        (Some(b'?'), Some(_)) => wildcard(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => wildcard(&p[1..], &s[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_patterns_follow_ssh() {
        assert!(patterns_match("alice,alice/*", "alice/api-1"));
        assert!(patterns_match("alice,alice/*", "alice"));
        assert!(!patterns_match("alice/*", "alicex"));
        assert!(!patterns_match("*,!bob*", "bob/1"));
        assert!(patterns_match("a?c", "abc"));
    }

    #[test]
    fn entries_with_options_are_read_and_odd_ones_are_left_to_ssh_keygen() {
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKsZ8Y3n7a4d5G0x0Q2mCqT1eX1cP0yT3bYz6k7V8pQf";
        let text = format!(
            "# team\nalice {key} alice@laptop\nbob namespaces=\"git\",valid-before=\"20300101Z\" {key}\ncarol valid-after=\"20200101\" {key}\n"
        );
        let a = AllowedSigners::parse(text.as_bytes());
        assert_eq!(a.entries.len(), 2);
        assert!(a.partial, "a local-time valid-after is left to ssh-keygen");
        assert_eq!(a.entries[1].valid_before, Some(1_893_456_000));
        assert_eq!(a.entries[1].namespaces.as_deref(), Some("git"));
    }

    fn signed(seed: u8, namespace: &str, data: &[u8]) -> (String, Vec<u8>) {
        let pair = ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]);
        let key = ssh_key::PrivateKey::from(pair);
        let sig = key.sign(namespace, HashAlg::Sha512, data).unwrap();
        let public = key.public_key().to_openssh().unwrap();
        (public, sig.to_pem(ssh_key::LineEnding::LF).unwrap().into_bytes())
    }

    #[test]
    fn a_real_signature_is_judged_as_ssh_keygen_would() {
        let data = b"tree 0000\n\nalice/one claims db:users\n";
        let (alice, sig) = signed(1, "git", data);
        let (bob, bob_sig) = signed(2, "git", data);
        let now = 1_795_000_000; // 2026-11-18
        let a = AllowedSigners::parse(
            format!("alice,alice/*,!alice/ci {alice}\nbob/* valid-before=\"20260101Z\" {bob}\n").as_bytes(),
        );
        assert_eq!(a.check("alice/one", "git", &sig, data, now), Check::Good);
        assert!(
            matches!(a.check("alice/ci", "git", &sig, data, now), Check::Bad(w) if w.contains("not in the allowed signers"))
        );
        assert!(matches!(a.check("bob/one", "git", &sig, data, now), Check::Bad(_)));
        assert!(
            matches!(a.check("alice/one", "git", &sig, b"other", now), Check::Bad(w) if w.contains("does not match"))
        );
        assert!(
            matches!(a.check("bob/one", "git", &bob_sig, data, now), Check::Bad(w) if w.contains("expired at 2026-01-01"))
        );
        assert_eq!(a.check("bob/one", "git", &bob_sig, data, 1_700_000_000), Check::Good);
        let (_, file_sig) = signed(1, "file", data);
        assert!(matches!(a.check("alice/one", "git", &file_sig, data, now), Check::Bad(w) if w.contains("namespace")));
        let mut revoked = a.clone();
        revoked.revoke(alice.as_bytes());
        assert!(matches!(revoked.check("alice/one", "git", &sig, data, now), Check::Bad(w) if w.contains("revoked")));
        // A file with a line it does not understand: a refusal is left to ssh-keygen.
        let odd = AllowedSigners::parse(format!("carol cert-authority {bob}\nalice {alice}\n").as_bytes());
        assert_eq!(odd.check("alice", "git", &sig, data, now), Check::Good);
        assert_eq!(odd.check("carol", "git", &sig, data, now), Check::Unsure);
    }
}
