//! The command-line front end: parses arguments into requests, runs the use case, renders
//! the report (human text or exactly one JSON object) and chooses the exit code.

mod board;
mod board_html;
mod check;
mod claim;
mod compact;
mod doctor;
mod handoff;
mod init;
mod log;
mod release;
mod setup;

mod renew;
mod status;
mod symbols;
mod sync;
mod task;
mod verify;
mod who;

use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::front::render;
use crate::front::Exit;
use crate::model::Span;
use crate::ops::{Context, Error, Settings};
pub use render::Out;

use crate::front::{Flags, HookKind, Launch};

/// The version and the commit it was built from.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("GIT_COORD_COMMIT"), ")");

/// Coordinate agents and people on one repository, with all shared state in refs/coord/
#[derive(Parser, Debug)]
#[command(name = "git-coord", version = VERSION, about, long_about = None, disable_help_subcommand = true)]
pub struct Cli {
    /// Print exactly one JSON object on stdout
    #[arg(long, global = true)]
    json: bool,
    /// Act as this agent (else GIT_COORD_AGENT, the agent session, git config coord.agent, user.email/host)
    #[arg(long, global = true, value_name = "ID")]
    agent: Option<String>,
    /// Coordinate through this remote (else git config coord.remote, else origin)
    #[arg(long, global = true, value_name = "NAME")]
    remote: Option<String>,
    /// Do not contact the remote: reads use this clone's copy, writes are pending until `git coord sync`
    #[arg(long, global = true)]
    offline: bool,
    /// Run as if started in DIR
    #[arg(short = 'C', global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Page long output even when not on a terminal (GIT_PAGER, core.pager, PAGER, less)
    #[arg(short = 'p', long, global = true, conflicts_with = "no_pager")]
    paginate: bool,
    /// Never page
    #[arg(long, global = true)]
    no_pager: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Init(init::Args),
    Doctor(doctor::Args),
    Claim(claim::Args),
    Release(release::Args),
    Renew(renew::Args),
    Check(check::Args),
    Who(who::Args),
    Symbols(symbols::Args),
    Status(status::Args),
    Log(log::Args),
    Sync(sync::Args),
    Compact(compact::Args),
    Verify(verify::Args),
    Task(task::Args),
    Handoff(handoff::Args),
    Inbox(handoff::InboxArgs),
    Agents(handoff::AgentsArgs),
    Board(board::Args),
    /// Serve the git-coord tools to coding agents over MCP (stdio)
    Mcp,
    Completions(setup::CompletionsArgs),
    Man(setup::ManArgs),
    #[command(hide = true)]
    Hook(HookArgs),
}

/// Parse, run, render; returns the process exit code, or hands `git coord mcp` back to the
/// binary (the MCP front end is not this one's to call).
pub fn main() -> Launch {
    // Usage lines say `git coord …`, the way it is run.
    let parsed = Cli::command()
        .bin_name("git coord")
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { Exit::Usage as i32 } else { 0 };
            let _ = e.print();
            return Launch::Exit(code);
        }
    };
    let flags = Flags {
        dir: cli.dir.clone(),
        agent: cli.agent.clone(),
        remote: cli.remote.clone(),
        offline: cli.offline,
    };
    match &cli.command {
        Command::Mcp => Launch::Mcp(flags),
        Command::Completions(a) => Launch::Exit(setup::completions(a)),
        Command::Man(a) => Launch::Exit(setup::man(a, cli.json)),
        Command::Hook(h) => Launch::Hook {
            kind: h.kind(),
            flags,
            json: cli.json,
        },
        _ => Launch::Exit(run_cli(&cli)),
    }
}

fn run_cli(cli: &Cli) -> i32 {
    let mut out = Out::new(cli.json);
    out.paginate = match (cli.paginate, cli.no_pager) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let result = settings(cli).and_then(|s| run(cli, s, &mut out));
    match result {
        Ok(exit) => exit as i32,
        Err(e) => {
            render::error(&mut out, &e);
            crate::front::exit_code(&e) as i32
        }
    }
}

fn run(cli: &Cli, settings: Settings, out: &mut Out) -> Result<Exit, Error> {
    let ctx = Context::open(settings)?;
    render::context_warnings(&ctx);
    out.set_color(ctx.store.config_string("color.ui").as_deref());
    match &cli.command {
        Command::Init(a) => init::run(&ctx, a, out),
        Command::Doctor(a) => doctor::run(&ctx, a, out),
        Command::Claim(a) => claim::run(&ctx, a, out),
        Command::Release(a) => release::run(&ctx, a, out),
        Command::Renew(a) => renew::run(&ctx, a, out),
        Command::Check(a) => check::run(&ctx, a, out),
        Command::Who(a) => who::run(&ctx, a, out),
        Command::Symbols(a) => symbols::run(&ctx, a, out),
        Command::Status(a) => status::run(&ctx, a, out),
        Command::Log(a) => log::run(&ctx, a, out),
        Command::Sync(a) => sync::run(&ctx, a, out),
        Command::Compact(a) => compact::run(&ctx, a, out),
        Command::Verify(a) => verify::run(&ctx, a, out),
        Command::Task(a) => task::run(&ctx, a, out),
        Command::Handoff(a) => handoff::run(&ctx, a, out),
        Command::Inbox(a) => handoff::inbox(&ctx, a, out),
        Command::Agents(a) => handoff::agents(&ctx, a, out),
        Command::Board(a) => board::run(&ctx, a, out),
        Command::Mcp | Command::Hook(_) | Command::Completions(_) | Command::Man(_) => {
            unreachable!("run before a repository is opened")
        }
    }
}

/// Everything read from the environment, in one place: the clock, identity, fault injection.
fn settings(cli: &Cli) -> Result<Settings, Error> {
    crate::front::env_settings(cli.dir.clone(), cli.agent.clone(), cli.remote.clone(), cli.offline)
}

/// Parse a duration flag.
fn span(flag: &str, v: &Option<String>) -> Result<Option<Span>, Error> {
    match v {
        None => Ok(None),
        Some(t) => Span::parse(t)
            .map(Some)
            .map_err(|e| Error::usage(format!("{flag}: {e}"), None)),
    }
}

/// Tell the agent what changed for it since its last command (stderr, human and JSON alike).
fn notices(list: &[String]) {
    for n in list {
        warn(&format!("notice: {n}"));
    }
}

/// Exit 3 when a write stayed pending because the remote was not reached (not when the
/// user asked to work offline).
fn pending_exit(ctx: &Context, pending: bool, otherwise: Exit) -> Exit {
    if pending && !ctx.offline {
        Exit::Remote
    } else {
        otherwise
    }
}

/// Say that a write is only recorded locally, and why.
fn pending_warning(ctx: &Context, error: Option<&str>) {
    let why = error.unwrap_or("offline");
    let lead = if ctx.offline {
        "offline"
    } else {
        "warning: remote unreachable"
    };
    warn(&format!(
        "{lead}: recorded locally as pending ({why}); run `git coord sync` to confirm it with the remote"
    ));
}

use render::warn;

/// `git coord hook …` (hidden): what the installed git hooks call; run by the hook front end.
#[derive(clap::Args, Debug)]
struct HookArgs {
    #[command(subcommand)]
    which: HookWhich,
}

/// Named after the hooks they serve.
#[derive(clap::Subcommand, Debug)]
#[allow(clippy::enum_variant_names)]
enum HookWhich {
    /// Judge a push (git's pre-push stdin) against other agents' claims
    PrePush {
        /// The remote's name (or URL), as git passes it (under the pre-commit framework:
        /// PRE_COMMIT_REMOTE_NAME)
        #[arg(value_name = "REMOTE")]
        push_remote: Option<String>,
        /// The remote's URL, as git passes it
        #[arg(value_name = "URL")]
        push_url: Option<String>,
    },
    /// Judge a push on the server (git's pre-receive stdin); --no-verify cannot skip it
    PreReceive,
    /// Judge an editor's pending edit (Claude Code PreToolUse JSON on stdin); exit 2 blocks
    PreEdit,
}

impl HookArgs {
    fn kind(&self) -> HookKind {
        match &self.which {
            HookWhich::PrePush { push_remote, .. } => HookKind::PrePush {
                remote: push_remote
                    .clone()
                    .or_else(|| std::env::var("PRE_COMMIT_REMOTE_NAME").ok().filter(|r| !r.is_empty()))
                    .unwrap_or_else(|| "origin".into()),
            },
            HookWhich::PreReceive => HookKind::PreReceive,
            HookWhich::PreEdit => HookKind::PreEdit,
        }
    }
}

/// The scopes of `claim` and `check`.
#[derive(clap::Args, Debug)]
struct ScopeArgs {
    /// Globs or paths (src/auth/**), symbols (src/a.ts::Class::method) or keys (db:schema:users)
    #[arg(required = true, value_name = "SCOPE")]
    scopes: Vec<String>,
    /// A shared claim: it coexists with other shared claims, and still blocks and is blocked by
    /// exclusive ones
    #[arg(long)]
    shared: bool,
}
