//! Who may be whom (SPEC 8): each claim is as trustworthy as the signature on the commit of
//! the operation that asked for it (a `claim`, a task grant, or the `enqueue` a queued
//! claim came from), checked against the tracked allowed-signers file for the claim's agent.
//! Reads report it per claim when trust is set up; the server uses [`commit_trust`].

use std::collections::{BTreeMap, HashMap};

use super::context::Context;
use super::error::Error;
use crate::model::{Claim, ClaimId, Op, Trust};
use crate::store::message::trailers;
use crate::store::refs;
use crate::store::signing::{Rules, Signer, Verifier};

/// Is trust set up here: `[trust]` asks for signing or requires it, or the allowed-signers
/// file exists?
pub fn enabled(ctx: &Context) -> bool {
    let t = &ctx.policy.trust;
    t.sign || t.require || signers(ctx).is_some()
}

/// Sign board commits under `[trust] sign`, or when git itself signs commits with ssh keys
/// (`commit.gpgSign` + `gpg.format = ssh`). When the team has trust set up, each signature is
/// first checked the way readers will check it, so a key that is not allowed for this agent
/// (not listed, expired, revoked) is an error before anything is written, not a board full
/// of "forged" claims.
pub fn set_up_signing(ctx: &mut Context) -> Result<(), Error> {
    let store = &ctx.store;
    let git_signs = store.config_string("commit.gpgSign").is_some_and(|v| v == "true")
        && store.config_string("gpg.format").is_some_and(|v| v == "ssh");
    if !ctx.policy.trust.sign && !git_signs {
        return Ok(());
    }
    let mut signer = Signer::new(
        store.config_string("gpg.ssh.program"),
        store.config_string("user.signingKey"),
    );
    // Trust is set up (as in [`enabled`]): `[trust]` on here, or the allowed signers exist.
    let file = signers(ctx);
    if ctx.policy.trust.sign || ctx.policy.trust.require || file.is_some() {
        let place = ctx.policy.trust.allowed_signers.clone();
        signer = signer.checked_for(ctx.agent.as_str(), &place, rules(ctx, file.unwrap_or_default()));
    }
    ctx.store.set_signer(signer);
    Ok(())
}

/// The allowed-signers file's content: the working tree's in a clone, HEAD's on a server.
fn signers(ctx: &Context) -> Option<Vec<u8>> {
    let path = &ctx.policy.trust.allowed_signers;
    if ctx.store.is_bare() {
        ctx.store.read_head_file(path).ok().flatten()
    } else {
        ctx.store
            .read_worktree_file(path)
            .ok()
            .flatten()
            .map(String::into_bytes)
    }
}

/// A verifier for this repository's allowed signers (none: no key is allowed for anyone),
/// judging at this command's "now", with git's `gpg.ssh.revocationFile` when set.
pub fn verifier(ctx: &Context) -> Result<Verifier, Error> {
    let cache = (!ctx.store.is_bare()).then(|| ctx.store.common_dir().join("coord"));
    Ok(Verifier::new(
        rules(ctx, signers(ctx).unwrap_or_default()),
        cache.as_deref(),
    )?)
}

/// The rules signatures are judged by here: git's signing program, `signers` (the allowed
/// signers' content), the revocations, and this command's "now".
fn rules(ctx: &Context, signers: Vec<u8>) -> Rules {
    Rules {
        program: ctx.store.config_string("gpg.ssh.program"),
        signers,
        revocation: revocation(ctx),
        now: ctx.now().0,
    }
}

/// git's `gpg.ssh.revocationFile`, when set.
fn revocation(ctx: &Context) -> Option<std::path::PathBuf> {
    ctx.store
        .config_string("gpg.ssh.revocationFile")
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
}

/// The claim ids an operation asks for (and so vouches for by its signature).
fn asked_for(op: &Op) -> Vec<&ClaimId> {
    match op {
        Op::Claim { new, .. } => new.iter().map(|c| &c.id).collect(),
        Op::Task { grant, .. } => grant.iter().map(|c| &c.id).collect(),
        Op::Enqueue { waiter, .. } => waiter.claims.iter().map(|c| &c.id).collect(),
        _ => Vec::new(),
    }
}

/// Mark each claim with its trust, when trust is set up (else leave them unmarked).
pub fn annotate<'a>(ctx: &Context, claims: impl IntoIterator<Item = &'a mut Claim>) -> Result<(), Error> {
    if !enabled(ctx) {
        return Ok(());
    }
    let mut claims: Vec<&mut Claim> = claims.into_iter().collect();
    let verdicts = verdicts(ctx, claims.iter().map(|c| &**c))?;
    for (c, t) in claims.iter_mut().zip(verdicts) {
        c.trust = Some(t);
    }
    Ok(())
}

/// The trust of each claim: found by walking the history of the ref that holds it (then the
/// root, where claims of an older layout were written) back to the operation that asked for it.
/// A verdict is remembered per claim (its id, agent, scope and creation), so a read of an
/// unchanged board walks no history at all. The verdicts are in the order of `claims` (a
/// read of 10,000 claims looks none of them up by id).
pub fn verdicts<'a>(ctx: &Context, claims: impl Iterator<Item = &'a Claim>) -> Result<Vec<Trust>, Error> {
    let mut verifier = verifier(ctx)?;
    let claims: Vec<&Claim> = claims.collect();
    let mut out: Vec<Option<Trust>> = Vec::with_capacity(claims.len());
    let mut by_ref: BTreeMap<String, HashMap<ClaimId, &Claim>> = BTreeMap::new();
    let mut buf = String::new();
    for (c, key) in claims.iter().copied().zip(fingerprints(&claims)) {
        let t = verifier.cached(key);
        out.push(t);
        if t.is_some() {
            continue;
        }
        let home = c.scope.home();
        by_ref
            .entry(refs::board_ref(home.as_deref()))
            .or_default()
            .insert(c.id.clone(), c);
    }
    let mut found: HashMap<ClaimId, (gix::ObjectId, &Claim)> = HashMap::new();
    let mut left_for_root: HashMap<ClaimId, &Claim> = HashMap::new();
    for (name, mut wanted) in by_ref {
        find_in(ctx, &name, &mut wanted, &mut found)?;
        left_for_root.extend(wanted);
    }
    if !left_for_root.is_empty() {
        find_in(ctx, refs::CLAIMS, &mut left_for_root, &mut found)?;
    }
    // Not attributed (yet: a pending operation, a claim copied by hand): unsigned, and not
    // remembered, so the operation is found once it reaches the board.
    let mut reached: HashMap<ClaimId, Trust> = left_for_root.into_keys().map(|id| (id, Trust::Unsigned)).collect();
    for (id, (commit, claim)) in found {
        let signed = ctx.store.commit_signature(commit)?;
        let t = verifier.check(
            commit,
            claim.agent.as_str(),
            signed.as_ref().map(|(s, d)| (&s[..], &d[..])),
        );
        verifier.remember(fingerprint(claim, &mut buf), t);
        reached.insert(id, t);
    }
    verifier.save();
    Ok(out
        .into_iter()
        .zip(&claims)
        .map(|(t, c)| t.or_else(|| reached.get(&c.id).copied()).unwrap_or(Trust::Unsigned))
        .collect())
}

/// The fingerprint of each claim, in order: on two threads when there are many (a read of
/// 10,000 claims hashes each one).
fn fingerprints(claims: &[&Claim]) -> Vec<gix::ObjectId> {
    let run = |part: &[&Claim]| -> Vec<gix::ObjectId> {
        let mut buf = String::new();
        part.iter().map(|c| fingerprint(c, &mut buf)).collect()
    };
    if claims.len() < 2_000 {
        return run(claims);
    }
    let (left, right) = claims.split_at(claims.len() / 2);
    let (mut a, b) = std::thread::scope(|s| {
        let other = s.spawn(|| run(right));
        (run(left), other.join().unwrap_or_else(|_| run(right)))
    });
    a.extend(b);
    a
}

/// What a claim's verdict depends on: who asked for which id, scope and mode, when. (A renew
/// or a note changes none of it.)
fn fingerprint(c: &Claim, buf: &mut String) -> gix::ObjectId {
    use std::fmt::Write;
    // Written piece by piece into one buffer: 10,000 claims are fingerprinted per read.
    buf.clear();
    buf.push_str("claim ");
    buf.push_str(c.id.as_str());
    buf.push(' ');
    buf.push_str(c.agent.as_str());
    buf.push(' ');
    match &c.scope {
        crate::model::Scope::Glob(t) | crate::model::Scope::Key(t) => buf.push_str(t),
        crate::model::Scope::Symbol(s) => {
            let _ = write!(buf, "{s}");
        }
    }
    let _ = write!(buf, " {:?} {}", c.mode, c.created_at.0);
    // The verdict file keys by object id: the digest's first 20 bytes.
    let digest = <sha2::Sha256 as sha2::Digest>::digest(buf.as_bytes());
    gix::ObjectId::from_bytes_or_panic(&digest[..20])
}

/// Walk `name`'s history until every claim of `wanted` is attributed (those found move
/// from `wanted` to `found`).
fn find_in<'c>(
    ctx: &Context,
    name: &str,
    wanted: &mut HashMap<ClaimId, &'c Claim>,
    found: &mut HashMap<ClaimId, (gix::ObjectId, &'c Claim)>,
) -> Result<(), Error> {
    let Some(tip) = ctx.store.tip(name)? else {
        return Ok(());
    };
    // The operation that asked for a claim was written when the claim was made, so the walk
    // ends below the oldest wanted claim's creation (less the skew allowed): the claims
    // still wanted then are unattributed (unsigned), however long the history.
    let oldest = wanted.values().map(|c| c.created_at.0).min().unwrap_or(0) - ctx.skew().0;
    let mut next = Some(tip);
    while let (Some(id), false) = (next, wanted.is_empty()) {
        let (message, parent, time) = ctx.store.commit_step(id)?;
        if time.0 < oldest {
            break;
        }
        if message.contains("Coord-Data") {
            if let Some(op) = op_of(&message) {
                for cid in asked_for(&op) {
                    if let Some(c) = wanted.remove(cid) {
                        found.insert(cid.clone(), (id, c));
                    }
                }
            }
        }
        next = match parent {
            Some(p) => Some(p),
            None => archived(ctx, name, &message)?,
        };
    }
    Ok(())
}

/// Where history goes on past a compaction commit (`message`): the tip it archived, fetched
/// from the remote when this clone lacks it (claims older than the compaction were asked for
/// there); `None` at a plain root, or when the archive cannot be had (the claims still
/// wanted stay unattributed).
fn archived(ctx: &Context, name: &str, message: &str) -> Result<Option<gix::ObjectId>, Error> {
    let Some(a) = crate::store::message::archived_by(message) else {
        return Ok(None);
    };
    if !ctx.store.has_commit(a) {
        if let Some(remote) = ctx.online_remote() {
            let archive = refs::archive_ref(name, &a);
            let _ = remote.fetch_specs(&[&format!("{archive}:{archive}")])?;
        }
    }
    Ok(ctx.store.has_commit(a).then_some(a))
}

/// The operation a board commit records, if it records one.
pub fn op_of(message: &str) -> Option<Op> {
    let t = trailers(message);
    let data = t.iter().rev().find(|(k, _)| *k == "Coord-Data")?.1;
    serde_json::from_str(data).ok()
}

/// The trust of one board commit for the agent its operation names (the server's check).
pub fn commit_trust(ctx: &Context, verifier: &mut Verifier, id: gix::ObjectId, agent: &str) -> Result<Trust, Error> {
    let signed = ctx.store.commit_signature(id)?;
    Ok(verifier.check(id, agent, signed.as_ref().map(|(s, d)| (&s[..], &d[..]))))
}

/// Under `[trust] require`, the claims among `claims` that do not count (unsigned or forged),
/// with a line saying why for each; nothing otherwise. Verdicts that cannot be reached leave
/// every claim counting (it fails closed).
pub fn discounted<'a>(ctx: &Context, claims: impl IntoIterator<Item = &'a Claim>) -> Vec<(ClaimId, String)> {
    if !ctx.policy.trust.require {
        return Vec::new();
    }
    let claims: Vec<&Claim> = claims.into_iter().collect();
    let Ok(v) = verdicts(ctx, claims.iter().copied()) else {
        return Vec::new();
    };
    let mut out: Vec<(ClaimId, String)> = claims
        .iter()
        .zip(v)
        .filter(|(_, t)| *t != Trust::Verified)
        .map(|(c, t)| {
            (
                c.id.clone(),
                format!(
                    "{} ({}, held by {}) does not count: {} ([trust] require)",
                    c.scope,
                    c.id,
                    c.agent,
                    match t {
                        Trust::Forged => "signed by a key not allowed for that agent",
                        _ => "not signed",
                    }
                ),
            )
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// [`discounted`] applied to conflicts: those that count, and notices for the others.
pub fn sift(
    ctx: &Context,
    conflicts: Vec<super::report::ConflictReport>,
) -> (Vec<super::report::ConflictReport>, Vec<String>) {
    let gone = discounted(ctx, conflicts.iter().map(|c| &c.claim));
    if gone.is_empty() {
        return (conflicts, Vec::new());
    }
    let kept = conflicts
        .into_iter()
        .filter(|c| !gone.iter().any(|(id, _)| *id == c.claim.id))
        .collect();
    (kept, gone.into_iter().map(|(_, why)| why).collect())
}

/// Is this push signed (`git push --signed`) by a key the allowed signers give `agent`, with
/// a fresh nonce, and does its certificate name exactly these updates? `Err` says why not.
pub fn push_signed_by(
    ctx: &Context,
    agent: &crate::model::AgentId,
    updates: &[super::hook::RefUpdate],
    cert: Option<&super::hook::PushCert>,
) -> Result<Result<(), String>, Error> {
    let Some(cert) = cert else {
        return Ok(Err("the push is not signed (push with `git push --signed`)".into()));
    };
    if !cert.nonce_ok {
        return Ok(Err(
            "the push certificate's nonce is not this server's or is stale".into()
        ));
    }
    let bytes = ctx.store.blob_bytes(cert.blob)?;
    let text = String::from_utf8_lossy(&bytes);
    let Some(at) = text.find("-----BEGIN SSH SIGNATURE-----") else {
        return Ok(Err("the push certificate is not signed with an ssh key".into()));
    };
    let (payload, sig) = (&text[..at], &text[at..]);
    let zero = "0".repeat(40);
    let hex = |id: Option<gix::ObjectId>| id.map(|i| i.to_string()).unwrap_or_else(|| zero.clone());
    for u in updates {
        let line = format!("{} {} {}", hex(u.old), hex(u.new), u.refname);
        if !payload.lines().any(|l| l == line) {
            return Ok(Err(format!("the push certificate does not name {}", u.refname)));
        }
    }
    let mut v = verifier(ctx)?;
    Ok(
        match v.check(cert.blob, agent.as_str(), Some((sig.as_bytes(), payload.as_bytes()))) {
            Trust::Verified => Ok(()),
            _ => Err(format!(
                "the push is not signed by a key the allowed signers give {agent}"
            )),
        },
    )
}
