//! `init` and `doctor`: set a clone up for coordination, and check that it still is.

use std::time::Duration;

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use crate::model::policy::DEFAULT_POLICY_FILE;
use crate::store::hooks::{self, HookChange};
use crate::store::remote::run_git;
use crate::store::{refs, Push};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Done,
    Already,
    Skipped,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
pub struct SetupReport {
    pub remote: Option<String>,
    pub steps: Vec<Step>,
    pub ok: bool,
}

impl SetupReport {
    pub fn for_steps(ctx: &Context, steps: Vec<Step>) -> SetupReport {
        Self::new(ctx, steps)
    }

    fn new(ctx: &Context, steps: Vec<Step>) -> SetupReport {
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

fn local_git(ctx: &Context, args: &[&str]) -> Result<Option<crate::store::remote::Output>, Error> {
    Ok(run_git(&ctx.store.run_dir(), args, Duration::from_secs(30))?)
}

pub fn init(ctx: &Context, hooks: bool) -> Result<SetupReport, Error> {
    let mut steps = Vec::new();
    match &ctx.remote {
        None => steps.push(Step::new(
            "refspec",
            Status::Skipped,
            "no remote: this repository is the arbiter (add one and run init again to share)",
        )),
        Some(remote) => {
            let key = format!("remote.{}.fetch", remote.name);
            if ctx.store.config_strings(&key).iter().any(|v| v == refs::FETCH_REFSPEC) {
                steps.push(Step::new(
                    "refspec",
                    Status::Already,
                    format!("{key} has {}", refs::FETCH_REFSPEC),
                ));
            } else {
                match local_git(ctx, &["config", "--add", &key, refs::FETCH_REFSPEC])? {
                    Some(o) if o.code == Some(0) => steps.push(Step::new(
                        "refspec",
                        Status::Done,
                        format!(
                            "added {} to {key} (fast-forward only, never pruned)",
                            refs::FETCH_REFSPEC
                        ),
                    )),
                    other => steps.push(Step::new(
                        "refspec",
                        Status::Fail,
                        format!(
                            "git config failed: {}",
                            other.map(|o| o.stderr).unwrap_or_default().trim()
                        ),
                    )),
                }
            }
        }
    }
    if let Some(dir) = ctx.store.workdir() {
        let path = dir.join(".coord.toml");
        if path.exists() {
            steps.push(Step::new("policy", Status::Already, ".coord.toml exists"));
        } else {
            match std::fs::write(&path, DEFAULT_POLICY_FILE) {
                Ok(()) => steps.push(Step::new(
                    "policy",
                    Status::Done,
                    "wrote a commented .coord.toml (commit it to share the policy)",
                )),
                Err(e) => steps.push(Step::new(
                    "policy",
                    Status::Fail,
                    format!("cannot write .coord.toml: {e}"),
                )),
            }
        }
    }
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
    if hooks {
        steps.push(install_hooks(ctx)?);
    } else {
        steps.push(Step::new("hooks", Status::Skipped, "--no-hooks"));
    }
    Ok(SetupReport::new(ctx, steps))
}

/// The hooks this kind of repository gets: pre-push in a clone, pre-receive on a server.
fn hook_names(ctx: &Context) -> &'static [&'static str] {
    if ctx.store.is_bare() {
        &["pre-receive"]
    } else {
        &["pre-push"]
    }
}

fn install_hooks(ctx: &Context) -> Result<Step, Error> {
    let dir = hooks::hooks_dir(&ctx.store);
    let mut done = Vec::new();
    for h in hook_names(ctx) {
        match hooks::install(&dir, h) {
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
        Push::Stale => Step::new("probe", Status::Fail, format!("{} already has {name}", remote.name)),
        Push::Unreachable(e) => Step::new("probe", Status::Fail, format!("{} cannot be reached: {e}", remote.name))
            .fix("check the URL and your credentials with `git ls-remote`"),
    })
}

/// Push a local board the remote does not have yet (a repository that was used without a
/// remote before).
fn publish(ctx: &Context, remote: &crate::store::Remote) -> Result<Step, Error> {
    let Some(local) = ctx.store.tip(refs::CLAIMS)? else {
        return Ok(Step::new(
            "publish",
            Status::Already,
            "no local board yet; the first claim creates it",
        ));
    };
    Ok(match remote.push(refs::CLAIMS, local, None)? {
        Push::Pushed => Step::new(
            "publish",
            Status::Done,
            format!("published the local board to {}", remote.name),
        ),
        Push::Stale => Step::new("publish", Status::Already, format!("{} has a board", remote.name)),
        Push::Rejected(e) | Push::Unreachable(e) => Step::new("publish", Status::Fail, e),
    })
}

pub fn doctor(ctx: &Context) -> Result<SetupReport, Error> {
    let mut steps = Vec::new();
    steps.push(match local_git(ctx, &["--version"])? {
        Some(o) if o.code == Some(0) => {
            let v = o.stdout.trim().trim_start_matches("git version ").to_owned();
            let nums: Vec<u32> = v.split('.').take(2).filter_map(|n| n.parse().ok()).collect();
            if nums.len() == 2 && (nums[0], nums[1]) >= (2, 29) {
                Step::new("git", Status::Ok, format!("git {v}"))
            } else {
                Step::new("git", Status::Fail, format!("git {v} is older than 2.29")).fix("install git 2.29 or newer")
            }
        }
        _ => Step::new("git", Status::Fail, "cannot run git").fix("install git and put it on PATH"),
    });
    steps.extend(super::server::push_options(ctx, false)?);
    steps.push(Step::new(
        "agent",
        Status::Ok,
        format!(
            "{} (from {})",
            ctx.agent,
            serde_json::to_value(ctx.agent_source)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        ),
    ));
    steps.push(match ctx.store.workdir().map(|d| d.join(".coord.toml").exists()) {
        _ if ctx.policy_warning.is_some() => {
            Step::new("policy", Status::Warn, ctx.policy_warning.clone().unwrap_or_default())
                .fix("fix .coord.toml as named above and commit it")
        }
        Some(true) => Step::new("policy", Status::Ok, ".coord.toml is valid"),
        _ => Step::new("policy", Status::Ok, "no .coord.toml: defaults apply")
            .fix("`git coord init` writes a commented one"),
    });
    match &ctx.remote {
        None => steps.push(Step::new(
            "remote",
            Status::Ok,
            "no remote: this repository is the arbiter",
        )),
        Some(remote) => {
            let key = format!("remote.{}.fetch", remote.name);
            steps.push(
                if ctx.store.config_strings(&key).iter().any(|v| v == refs::FETCH_REFSPEC) {
                    Step::new("refspec", Status::Ok, format!("{key} carries {}", refs::FETCH_REFSPEC))
                } else {
                    Step::new(
                        "refspec",
                        Status::Warn,
                        format!("plain `git fetch` does not bring {}", refs::NAMESPACE),
                    )
                    .fix("git coord init")
                },
            );
            if !ctx.offline {
                steps.push(match remote.ls_remote()? {
                    Ok(refs) => Step::new(
                        "remote",
                        Status::Ok,
                        format!("{} reachable ({} coord refs)", remote.name, refs.len()),
                    ),
                    Err(e) => Step::new(
                        "remote",
                        Status::Fail,
                        format!("{} cannot be reached: {e}", remote.name),
                    )
                    .fix("check the URL and credentials with `git ls-remote`"),
                });
            }
        }
    }
    let dir = hooks::hooks_dir(&ctx.store);
    for h in hook_names(ctx) {
        let installed = std::fs::read_to_string(dir.join(h)).is_ok_and(|t| t.contains(hooks::BEGIN));
        steps.push(if installed {
            Step::new("hooks", Status::Ok, format!("{h} installed in {}", dir.display()))
        } else {
            Step::new(
                "hooks",
                Status::Warn,
                format!("no git-coord {h} hook in {}", dir.display()),
            )
            .fix("git coord init")
        });
    }
    let locks = crate::store::locks::ref_locks(ctx.store.common_dir());
    steps.push(if locks.is_empty() {
        Step::new("locks", Status::Ok, "no lock files left behind")
    } else {
        let list: Vec<String> = locks.iter().map(|(p, _)| p.display().to_string()).collect();
        Step::new(
            "locks",
            Status::Warn,
            format!("lock files left by a stopped process: {}", list.join(", ")),
        )
        .fix(format!(
            "if no git process is running in this repository: rm -f {}",
            list.join(" ")
        ))
    });
    let tip = ctx.store.tip(refs::CLAIMS)?;
    steps.push(match ctx.store.load_claims(refs::CLAIMS, tip) {
        Ok(l) => {
            // Count as status does: the board with this clone's pending operations applied.
            let confirmed = l.state.active(ctx.expiry_now(), ctx.skew()).count();
            let mut state = l.state;
            for p in ctx.pending.list().unwrap_or_default() {
                state.apply(&p.op);
            }
            let active = state.active(ctx.expiry_now(), ctx.skew()).count();
            let pending = if active == confirmed {
                String::new()
            } else {
                format!(" ({} of them pending here)", active.saturating_sub(confirmed))
            };
            Step::new(
                "board",
                Status::Ok,
                format!(
                    "{} readable: {active} active claims{pending}, {} queued",
                    refs::CLAIMS,
                    state.queue.len()
                ),
            )
        }
        Err(e) => {
            let hint = e.hint();
            let mut detail = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                detail.push_str(&format!(": {s}"));
                src = s.source();
            }
            let step = Step::new("board", Status::Fail, detail);
            match hint {
                Some(h) => step.fix(h),
                None => step,
            }
        }
    });
    steps.push(match ctx.pending.list() {
        Ok(p) if p.is_empty() => Step::new("pending", Status::Ok, "no pending operations"),
        Ok(p) => Step::new(
            "pending",
            Status::Warn,
            format!(
                "{} operation(s) recorded locally, not yet confirmed by the remote",
                p.len()
            ),
        )
        .fix("git coord sync"),
        Err(e) => Step::new("pending", Status::Fail, e.to_string()).fix(format!(
            "remove the damaged file from {}",
            ctx.store.common_dir().join("coord/pending").display()
        )),
    });
    if let Some(t) = tip {
        let written = ctx.store.commit_time(t)?;
        let ahead = ctx.now().until(written);
        steps.push(if ahead > ctx.skew() {
            Step::new(
                "clock",
                Status::Warn,
                format!(
                    "the board's last write is dated {written}, {} ahead of this machine's clock",
                    ahead.human()
                ),
            )
            .fix("synchronise the clock (NTP), or raise claims.clock_skew in .coord.toml")
        } else {
            Step::new("clock", Status::Ok, "no clock skew seen against the board's last write")
        });
    }
    Ok(SetupReport::new(ctx, steps))
}
