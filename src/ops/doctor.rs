//! `doctor`: check everything `init` sets up, plus the clock, pending operations, lock
//! files and the board itself, and say what to fix. Reads; never writes (but for the lock
//! clearing every command does when it opens the repository).

use super::context::Context;
use super::error::Error;
use super::setup::{hook_names, local_git, SetupReport, Status, Step};
use crate::store::hooks;
use crate::store::refs;

pub fn doctor(ctx: &Context) -> Result<SetupReport, Error> {
    let mut steps = vec![git_step(ctx)?];
    steps.extend(super::server::push_options(ctx, false)?);
    steps.extend(super::server::signed_pushes(ctx, false)?);
    steps.push(agent_step(ctx));
    steps.push(policy_step(ctx));
    steps.extend(remote_steps(ctx)?);
    steps.extend(hook_steps(ctx));
    steps.push(locks_step(ctx));
    let tip = ctx.store.tip(refs::CLAIMS)?;
    steps.push(board_step(ctx, tip));
    steps.push(pending_step(ctx));
    if let Some(t) = tip {
        steps.push(clock_step(ctx, t)?);
    }
    Ok(SetupReport::new(ctx, steps))
}

fn git_step(ctx: &Context) -> Result<Step, Error> {
    Ok(match local_git(ctx, &["--version"])? {
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
    })
}

fn agent_step(ctx: &Context) -> Step {
    let source = ctx.agent_source.name().to_owned();
    Step::new("agent", Status::Ok, format!("{} (from {source})", ctx.agent))
}

fn policy_step(ctx: &Context) -> Step {
    match ctx.store.workdir().map(|d| d.join(".coord.toml").exists()) {
        _ if ctx.policy_warning.is_some() => {
            Step::new("policy", Status::Warn, ctx.policy_warning.clone().unwrap_or_default())
                .fix("fix .coord.toml as named above and commit it")
        }
        Some(true) => Step::new("policy", Status::Ok, ".coord.toml is valid"),
        _ => Step::new("policy", Status::Ok, "no .coord.toml: defaults apply")
            .fix("`git coord init` writes a commented one"),
    }
}

fn remote_steps(ctx: &Context) -> Result<Vec<Step>, Error> {
    let Some(remote) = &ctx.remote else {
        return Ok(vec![Step::new(
            "remote",
            Status::Ok,
            "no remote: this repository is the arbiter",
        )]);
    };
    let key = format!("remote.{}.fetch", remote.name);
    let mut steps = vec![
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
    ];
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
    Ok(steps)
}

fn hook_steps(ctx: &Context) -> Vec<Step> {
    let dir = hooks::hooks_dir(&ctx.store);
    hook_names(ctx)
        .iter()
        .map(|h| {
            let installed = std::fs::read_to_string(dir.join(h)).is_ok_and(|t| t.contains(hooks::BEGIN));
            if installed {
                Step::new("hooks", Status::Ok, format!("{h} installed in {}", dir.display()))
            } else {
                Step::new(
                    "hooks",
                    Status::Warn,
                    format!("no git-coord {h} hook in {}", dir.display()),
                )
                .fix("git coord init")
            }
        })
        .collect()
}

fn locks_step(ctx: &Context) -> Step {
    let locks = crate::store::locks::ref_locks(ctx.store.common_dir());
    if locks.is_empty() {
        return Step::new("locks", Status::Ok, "no lock files left behind");
    }
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
}

fn board_step(ctx: &Context, tip: Option<gix::ObjectId>) -> Step {
    let _ = tip;
    let l = match ctx.store.load_board_at_tips() {
        Ok(l) => l,
        Err(e) => {
            let hint = e.hint();
            let mut detail = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                detail.push_str(&format!(": {s}"));
                src = s.source();
            }
            let step = Step::new("board", Status::Fail, detail);
            return match hint {
                Some(h) => step.fix(h),
                None => step,
            };
        }
    };
    // Count as status does: the board with this clone's pending operations applied.
    let confirmed = l.state.active(ctx.expiry_now(), ctx.skew()).count();
    let shards = l.shards.len();
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
            "{} readable{}: {active} active claims{pending}, {} queued",
            refs::CLAIMS,
            match shards {
                0 => String::new(),
                n => format!(" with {n} shard{}", if n == 1 { "" } else { "s" }),
            },
            state.queue.len()
        ),
    )
}

fn pending_step(ctx: &Context) -> Step {
    match ctx.pending.list() {
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
    }
}

/// A clock behind the board's last write, or ahead of what the board can confirm.
fn clock_step(ctx: &Context, tip: gix::ObjectId) -> Result<Step, Error> {
    let written = ctx.store.commit_time(tip)?;
    let behind = ctx.now().until(written);
    let ahead = ctx.expiry_now().until(ctx.now());
    Ok(if behind > ctx.skew() {
        Step::new(
            "clock",
            Status::Warn,
            format!(
                "the board's last write is dated {written}, {} ahead of this machine's clock",
                behind.human()
            ),
        )
        .fix("synchronise the clock (NTP), or raise claims.clock_skew in .coord.toml")
    } else if ahead > ctx.skew() {
        Step::new(
            "clock",
            Status::Warn,
            format!(
                "this machine's clock reads {} ahead of what the board can confirm: others' claims expire for it only as the board catches up",
                ahead.human()
            ),
        )
        .fix("synchronise the clock (NTP); on a quiet board this is expected and passes as time goes by")
    } else {
        Step::new("clock", Status::Ok, "no clock skew seen against the board")
    })
}
