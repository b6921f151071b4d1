//! `init` and `doctor`: set a clone up for coordination, and check that it still is.

use std::time::Duration;

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use crate::model::policy::DEFAULT_POLICY_FILE;
use crate::store::hooks::{self, HookChange};

/// The shell text of our hook block, from the front end that installs it.
pub type HookScript<'a> = hooks::Script<'a>;
use crate::store::remote::run_git;
use crate::store::{refs, Push};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Done,
    Already,
    Skipped,
    Warn,
    Fail,
}

impl Status {
    /// The name used in JSON and in the setup table.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Done => "done",
            Status::Already => "already",
            Status::Skipped => "skipped",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Step {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Step {
    pub fn new(name: &'static str, status: Status, detail: impl Into<String>) -> Step {
        Step {
            name,
            status,
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Step {
        self.fix = Some(fix.into());
        self
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SetupReport {
    pub remote: Option<String>,
    pub steps: Vec<Step>,
    pub ok: bool,
}

impl SetupReport {
    pub fn for_steps(ctx: &Context, steps: Vec<Step>) -> SetupReport {
        Self::new(ctx, steps)
    }

    pub(super) fn new(ctx: &Context, steps: Vec<Step>) -> SetupReport {
        let ok = steps.iter().all(|s| s.status != Status::Fail);
        SetupReport {
            remote: ctx.remote.as_ref().map(|r| r.name.clone()),
            steps,
            ok,
        }
    }

    /// True when only the remote failed (exit 3 rather than 1).
    pub fn remote_failed(&self) -> bool {
        self.steps
            .iter()
            .any(|s| s.status == Status::Fail && matches!(s.name, "probe" | "remote" | "fetch" | "publish"))
    }
}

pub(super) fn local_git(ctx: &Context, args: &[&str]) -> Result<Option<crate::store::remote::Output>, Error> {
    Ok(run_git(&ctx.store.run_dir(), args, Duration::from_secs(30))?)
}

/// `hooks`: the script text to install (None: `--no-hooks`). `policy`: write a commented
/// `.coord.toml` even though the repository has a remote.
pub fn init(ctx: &Context, hooks: Option<hooks::Script>, policy: bool) -> Result<SetupReport, Error> {
    let mut steps = vec![refspec_step(ctx)?];
    steps.extend(policy_file_step(ctx, policy || ctx.remote.is_none()));
    if let Some(remote) = ctx.online_remote() {
        steps.push(probe(ctx, remote)?);
        if steps.last().is_some_and(|s| s.status != Status::Fail) {
            steps.push(match remote.fetch()? {
                crate::store::Fetch::Fetched => Step::new(
                    "fetch",
                    Status::Done,
                    format!("fetched {} from {}", refs::NAMESPACE, remote.name),
                ),
                crate::store::Fetch::Diverged(e) | crate::store::Fetch::Unreachable(e) => {
                    Step::new("fetch", Status::Fail, e)
                }
            });
            steps.push(publish(ctx, remote)?);
        }
    }
    steps.extend(super::server::push_options(ctx, true)?);
    steps.extend(super::server::signed_pushes(ctx, true)?);
    if let Some(script) = hooks {
        steps.push(install_hooks(ctx, script)?);
    } else {
        steps.push(Step::new("hooks", Status::Skipped, "--no-hooks"));
    }
    Ok(SetupReport::new(ctx, steps))
}

/// The fetch refspec that brings `refs/coord/*` (fast-forward only, never pruned).
fn refspec_step(ctx: &Context) -> Result<Step, Error> {
    let Some(remote) = &ctx.remote else {
        return Ok(Step::new(
            "refspec",
            Status::Skipped,
            "no remote: this repository is the arbiter (add one and run init again to share)",
        ));
    };
    let key = format!("remote.{}.fetch", remote.name);
    if ctx.store.config_strings(&key).iter().any(|v| v == refs::FETCH_REFSPEC) {
        return Ok(Step::new(
            "refspec",
            Status::Already,
            format!("{key} has {}", refs::FETCH_REFSPEC),
        ));
    }
    Ok(match local_git(ctx, &["config", "--add", &key, refs::FETCH_REFSPEC])? {
        Some(o) if o.code == Some(0) => Step::new(
            "refspec",
            Status::Done,
            format!(
                "added {} to {key} (fast-forward only, never pruned)",
                refs::FETCH_REFSPEC
            ),
        ),
        other => Step::new(
            "refspec",
            Status::Fail,
            format!(
                "git config failed: {}",
                other.map(|o| o.stderr).unwrap_or_default().trim()
            ),
        ),
    })
}

/// A commented `.coord.toml` when the work tree has none — only when asked, in a clone of
/// a remote: an untracked one in every clone would make `git pull` fail in all of them once
/// one clone commits its own.
fn policy_file_step(ctx: &Context, write: bool) -> Option<Step> {
    let path = ctx.store.workdir()?.join(".coord.toml");
    if path.exists() {
        return Some(Step::new("policy", Status::Already, ".coord.toml exists"));
    }
    if !write {
        return Some(Step::new(
            "policy",
            Status::Skipped,
            "no .coord.toml: the defaults apply (`git coord init --policy` writes a commented one to commit and push)",
        ));
    }
    Some(match std::fs::write(&path, DEFAULT_POLICY_FILE) {
        Ok(()) => Step::new(
            "policy",
            Status::Done,
            "wrote a commented .coord.toml (commit it to share the policy)",
        ),
        Err(e) => Step::new("policy", Status::Fail, format!("cannot write .coord.toml: {e}")),
    })
}

/// The hooks this kind of repository gets: pre-push in a clone, pre-receive on a server.
pub(super) fn hook_names(ctx: &Context) -> &'static [&'static str] {
    if ctx.store.is_bare() {
        &["pre-receive"]
    } else {
        &["pre-push"]
    }
}

fn install_hooks(ctx: &Context, script: hooks::Script) -> Result<Step, Error> {
    let dir = hooks::hooks_dir(&ctx.store);
    let mut done = Vec::new();
    for h in hook_names(ctx) {
        match hooks::install(&dir, h, script) {
            Ok(HookChange::Unchanged) => done.push(format!("{h} already installed")),
            Ok(HookChange::Added) => done.push(format!("{h}: added to your existing hook (yours still runs)")),
            Ok(c) => done.push(format!(
                "{h} {}",
                if c == HookChange::Created {
                    "installed"
                } else {
                    "updated"
                }
            )),
            Err(e) => {
                let mut msg = e.to_string();
                if let Some(s) = std::error::Error::source(&e) {
                    msg.push_str(&format!(": {s}"));
                }
                return Ok(Step::new("hooks", Status::Fail, msg).fix(format!(
                    "add `git coord hook {h}` to {} yourself",
                    dir.join(h).display()
                )));
            }
        }
    }
    let all_already = done.iter().all(|d| d.ends_with("already installed"));
    Ok(Step::new(
        "hooks",
        if all_already { Status::Already } else { Status::Done },
        format!("{} in {}", done.join(", "), dir.display()),
    ))
}

/// `init --uninstall-hooks`: take our blocks back out, leave everything else.
pub fn uninstall_hooks(ctx: &Context) -> Result<SetupReport, Error> {
    let dir = hooks::hooks_dir(&ctx.store);
    let mut steps = Vec::new();
    for h in ["pre-push", "pre-receive"] {
        let step = match hooks::uninstall(&dir, h)? {
            HookChange::Removed => Step::new(
                "hooks",
                Status::Done,
                format!("removed the git-coord block from {}", dir.join(h).display()),
            ),
            _ => Step::new(
                "hooks",
                Status::Already,
                format!("no git-coord block in {}", dir.join(h).display()),
            ),
        };
        steps.push(step);
    }
    Ok(SetupReport::new(ctx, steps))
}

/// Create and delete a ref under refs/coord/ on the remote.
fn probe(ctx: &Context, remote: &crate::store::Remote) -> Result<Step, Error> {
    let nonce = format!("{:016x}", ctx.random());
    let name = refs::probe(&nonce);
    let tree = ctx.store.empty_tree()?;
    let commit = ctx
        .store
        .write_commit(tree, None, "git-coord probe\n", ctx.agent.as_str(), ctx.now())?;
    Ok(match remote.push(&name, commit, None)? {
        Push::Pushed => match remote.delete(&name, commit)? {
            Push::Pushed => Step::new(
                "probe",
                Status::Ok,
                format!("{} accepts refs under {}", remote.name, refs::NAMESPACE),
            ),
            other => Step::new(
                "probe",
                Status::Warn,
                format!("created {name} on {} but could not delete it: {other:?}", remote.name),
            )
            .fix(format!("git push {} :{name}", remote.name)),
        },
        Push::Rejected(e) => Step::new(
            "probe",
            Status::Fail,
            format!("{} refuses refs under {}: {e}", remote.name, refs::NAMESPACE),
        )
        .fix("allow refs/coord/* on the host (branch protection or a hook may block custom refs)"),
        Push::Stale | Push::Yield => Step::new("probe", Status::Fail, format!("{} already has {name}", remote.name)),
        Push::Unreachable(e) => Step::new("probe", Status::Fail, format!("{} cannot be reached: {e}", remote.name))
            .fix("check the URL and your credentials with `git ls-remote`"),
    })
}

/// Neither this clone nor the remote has a board: start an empty root (this schema) on the
/// remote now, so that the first claims of a team do not all race to create it.
fn start_board(ctx: &Context, remote: &crate::store::Remote) -> Result<Step, Error> {
    let message = format!(
        "{} starts the board\n\nCoord-Op: init\nCoord-Agent: {}\nCoord-Seq: 0\n",
        ctx.agent, ctx.agent
    );
    // Every shard listed from the start: no first claim has to write the root to list one.
    let start = crate::model::ClaimsState {
        shards: crate::model::layout::all_shards(),
        ..Default::default()
    };
    let root = ctx.store.commit_board(
        &crate::store::Loaded::empty("claims"),
        &start,
        &[],
        &message,
        ctx.agent.as_str(),
        ctx.now(),
    )?;
    Ok(match remote.push(refs::CLAIMS, root, None)? {
        Push::Pushed => Step::new(
            "publish",
            Status::Done,
            format!("started an empty board on {}", remote.name),
        ),
        Push::Stale | Push::Yield => {
            let _ = remote.fetch()?;
            Step::new("publish", Status::Already, format!("{} has a board", remote.name))
        }
        Push::Rejected(e) | Push::Unreachable(e) => Step::new("publish", Status::Fail, e),
    })
}

/// Push a local board the remote does not have yet (a repository that was used without a
/// remote before).
fn publish(ctx: &Context, remote: &crate::store::Remote) -> Result<Step, Error> {
    // The refs as they are, unread: publishing never judges what it carries.
    let mut tips: Vec<(String, gix::ObjectId)> = ctx
        .store
        .tip(refs::CLAIMS)?
        .map(|t| (refs::CLAIMS.to_owned(), t))
        .into_iter()
        .collect();
    tips.extend(ctx.store.refs_with_prefix(refs::SHARDS)?);
    let writes: Vec<crate::store::RefWrite> = tips
        .into_iter()
        .map(|(name, new)| crate::store::RefWrite { name, old: None, new })
        .collect();
    if writes.is_empty() {
        return start_board(ctx, remote);
    }
    Ok(match remote.push_refs(&writes, &[])? {
        Push::Pushed => Step::new(
            "publish",
            Status::Done,
            format!("published the local board to {}", remote.name),
        ),
        Push::Stale | Push::Yield => Step::new("publish", Status::Already, format!("{} has a board", remote.name)),
        Push::Rejected(e) | Push::Unreachable(e) => Step::new("publish", Status::Fail, e),
    })
}
