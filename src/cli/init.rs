//! `git coord init`

use crate::front::render::Out;
use crate::front::Exit;
use crate::ops::setup::{init, SetupReport};
use crate::ops::{Context, Error};

/// Set up refspecs and hooks, probe the remote (idempotent); --policy writes a .coord.toml
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Do not install git hooks
    #[arg(long)]
    no_hooks: bool,
    /// Remove the git-coord block from the hooks (and nothing else), then stop
    #[arg(long, conflicts_with = "no_hooks")]
    uninstall_hooks: bool,
    /// Wire coding agents: MCP registrations (Claude Code, Codex CLI, Cursor, Gemini CLI), the
    /// Claude Code pre-edit hook, and a protocol block in AGENTS.md and CLAUDE.md
    #[arg(long)]
    agents: bool,
    /// With --agents: take exactly that wiring back out
    #[arg(long, requires = "agents")]
    uninstall: bool,
    /// Write a commented .coord.toml to commit (done anyway in a repository without a remote)
    #[arg(long)]
    policy: bool,
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    if a.agents && a.uninstall {
        let r = crate::ops::agents_setup::agents(ctx, false)?;
        return Ok(render_steps(out, &r));
    }
    if a.uninstall_hooks {
        let r = crate::ops::setup::uninstall_hooks(ctx)?;
        return Ok(render_steps(out, &r));
    }
    let script = crate::front::hook_script;
    let mut r = init(
        ctx,
        (!a.no_hooks).then_some(&script as crate::ops::setup::HookScript),
        a.policy,
    )?;
    if a.agents {
        let more = crate::ops::agents_setup::agents(ctx, true)?;
        r.ok &= more.ok;
        r.steps.extend(more.steps);
    }
    Ok(render_steps(out, &r))
}

/// Shared with `doctor`: one line per step, with the fix when there is one.
pub fn render_steps(out: &mut Out, r: &SetupReport) -> Exit {
    let exit = if r.ok {
        Exit::Ok
    } else if r.remote_failed() {
        Exit::Remote
    } else {
        Exit::Refused
    };
    if out.json {
        out.json(r);
        return exit;
    }
    for s in &r.steps {
        let status = s.status.name().to_owned();
        out.line(format!("{status:>8}  {:<8} {}", s.name, s.detail));
        if let Some(f) = &s.fix {
            out.line(format!("{:>8}  {:<8} fix: {f}", "", ""));
        }
    }
    exit
}
