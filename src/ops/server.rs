//! What a bare repository serving as the team's remote needs for the pre-receive hook:
//! push options advertised, so a holder can say who is pushing (`git push -o
//! coord-agent=ID`, taken only under `[hook] trust_push_option`). Used by `init` (sets it)
//! and `doctor` (checks it); never prints. Also what a push may change of the policy the
//! server judges by (`.coord.toml` and the allowed signers on the branch HEAD names).

use std::time::Duration;

use super::context::Context;
use super::error::Error;
use super::setup::{Status, Step};
use crate::store::remote::run_git;

const KEY: &str = "receive.advertisePushOptions";

/// The push-options step: `fix` sets the key when it is missing (init), else only checks
/// (doctor). Nothing to do outside a bare repository.
pub fn push_options(ctx: &Context, fix: bool) -> Result<Option<Step>, Error> {
    if !ctx.store.is_bare() {
        return Ok(None);
    }
    if ctx.store.config_string(KEY).is_some_and(|v| v == "true") {
        return Ok(Some(Step::new(
            "push-options",
            Status::Already,
            format!("{KEY} is true"),
        )));
    }
    let how = format!("git -C {} config {KEY} true", ctx.store.git_dir().display());
    if !fix {
        return Ok(Some(
            Step::new(
                "push-options",
                Status::Fail,
                format!("{KEY} is not set: pushers cannot say who they are (with [hook] trust_push_option), so holders' own pushes are refused"),
            )
            .fix(how),
        ));
    }
    let out = run_git(&ctx.store.run_dir(), &["config", KEY, "true"], Duration::from_secs(30))?;
    Ok(Some(match out {
        Some(o) if o.code == Some(0) => Step::new(
            "push-options",
            Status::Done,
            format!("set {KEY} = true (holders push with `git push -o coord-agent=ID`)"),
        ),
        other => Step::new(
            "push-options",
            Status::Fail,
            format!(
                "cannot set {KEY}: {}",
                other.map(|o| o.stderr).unwrap_or_default().trim()
            ),
        )
        .fix(how),
    }))
}

const NONCE: &str = "receive.certNonceSeed";

/// The signed-pushes step: git accepts `git push --signed` (the proof of who pushes) only
/// with a nonce seed; `fix` sets a random one (init), else only checks (doctor).
pub fn signed_pushes(ctx: &Context, fix: bool) -> Result<Option<Step>, Error> {
    if !ctx.store.is_bare() {
        return Ok(None);
    }
    if ctx.store.config_string(NONCE).is_some_and(|v| !v.is_empty()) {
        return Ok(Some(Step::new(
            "signed-pushes",
            Status::Already,
            format!("{NONCE} is set"),
        )));
    }
    let how = format!(
        "git -C {} config {NONCE} <a random secret>",
        ctx.store.git_dir().display()
    );
    if !fix {
        return Ok(Some(
            Step::new(
                "signed-pushes",
                Status::Warn,
                format!("{NONCE} is not set: holders cannot prove who pushes (`git push --signed`)"),
            )
            .fix(how),
        ));
    }
    let seed = format!("{:016x}{:016x}", ctx.random(), ctx.random());
    let out = run_git(&ctx.store.run_dir(), &["config", NONCE, &seed], Duration::from_secs(30))?;
    Ok(Some(match out {
        Some(o) if o.code == Some(0) => Step::new(
            "signed-pushes",
            Status::Done,
            format!("set {NONCE} (holders prove who pushes with `git push --signed -o coord-agent=ID`)"),
        ),
        other => Step::new(
            "signed-pushes",
            Status::Fail,
            format!(
                "cannot set {NONCE}: {}",
                other.map(|o| o.stderr).unwrap_or_default().trim()
            ),
        )
        .fix(how),
    }))
}

/// A push that changes what the server judges by, on the branch HEAD names: `.coord.toml`
/// must stay valid and may not guard less, and the allowed-signers file may not gain a key
/// or principal — unless a server admin accepted that exact file (`git config --add
/// coord.acceptPolicy <blob id>` in the server repository). Tightening needs nobody's leave.
pub fn policy_change_problems(ctx: &Context, u: &super::hook::RefUpdate) -> Result<Vec<String>, Error> {
    if ctx.store.head_ref().as_deref() != Some(u.refname.as_str()) {
        return Ok(Vec::new());
    }
    let read = |id: Option<gix::ObjectId>, path: &str| -> Result<Option<(gix::ObjectId, Vec<u8>)>, Error> {
        match id {
            Some(id) => Ok(ctx.store.file_id_at(id, path)?),
            None => Ok(None),
        }
    };
    let accepted = ctx.store.config_strings("coord.acceptPolicy");
    let refuse = |file: &str, blob: Option<gix::ObjectId>, why: String| {
        let blob = blob.map(|b| b.to_string()).unwrap_or_else(|| "<none>".into());
        (!accepted.contains(&blob)).then(|| {
            format!(
                "{}: this {file} {why}; a push cannot loosen the server's policy on its own word: a server admin accepts this file with `git config --add coord.acceptPolicy {blob}` in the server repository",
                u.refname
            )
        })
    };
    let mut out = Vec::new();
    let (old, new) = (read(u.old, ".coord.toml")?, read(u.new, ".coord.toml")?);
    if old.as_ref().map(|o| o.0) != new.as_ref().map(|n| n.0) {
        let text = new
            .as_ref()
            .map(|n| String::from_utf8_lossy(&n.1).into_owned())
            .unwrap_or_default();
        match crate::model::Policy::parse(&text) {
            Err(e) => out.push(format!(
                "{}: .coord.toml is not valid ({e}); the server keeps the policy it has",
                u.refname
            )),
            Ok(proposed) => {
                let loosened = ctx.policy.loosenings(&proposed);
                if !loosened.is_empty() {
                    let why = format!("guards less ({})", loosened.join("; "));
                    out.extend(refuse(".coord.toml", new.as_ref().map(|n| n.0), why));
                }
            }
        }
    }
    let path = ctx.policy.trust.allowed_signers.as_str();
    let (old, new) = (read(u.old, path)?, read(u.new, path)?);
    if old.as_ref().map(|o| o.0) != new.as_ref().map(|n| n.0) {
        let lines = |f: &Option<(gix::ObjectId, Vec<u8>)>| -> Vec<String> {
            f.as_ref()
                .map(|(_, b)| {
                    String::from_utf8_lossy(b)
                        .lines()
                        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                        .filter(|l| !l.is_empty() && !l.starts_with('#'))
                        .collect()
                })
                .unwrap_or_default()
        };
        let before = lines(&old);
        let gained: Vec<String> = lines(&new).into_iter().filter(|l| !before.contains(l)).collect();
        if !gained.is_empty() {
            let why = format!("gives keys to more agents ({} new line(s))", gained.len());
            out.extend(refuse(path, new.as_ref().map(|n| n.0), why));
        }
    }
    Ok(out)
}
