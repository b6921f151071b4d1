//! What every front end shares (cli, mcp, hooks): settings from flags and the environment,
//! the error renderer with its hints, and text made safe to show. Front ends import this,
//! never each other; this imports nothing of theirs.

mod errors;
mod hook_script;
pub mod interrupt;
pub mod pager;
mod processes;
pub mod render;
mod settings;

pub use errors::{error_parts, error_parts_for, error_text, error_text_for, exit_code, hint, next_text, Exit, Surface};
pub use hook_script::hook_script;
pub use processes::processes;
pub use settings::env_settings;

pub use crate::model::text::printable;

/// The global options every front end takes (flags of the command line).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub dir: Option<std::path::PathBuf>,
    pub agent: Option<String>,
    pub remote: Option<String>,
    pub offline: bool,
}

/// Which hook git (or an editor) runs; its payload arrives on standard input.
#[derive(Debug, Clone)]
pub enum HookKind {
    /// git's pre-push, with the remote's name (or URL) as git passes it.
    PrePush { remote: String },
    /// git's pre-receive on the server.
    PreReceive,
    /// An editor's pending edit (Claude Code's PreToolUse payload).
    PreEdit,
}

/// What the command line asks the binary to run: most commands finish inside the CLI front
/// end; `git coord mcp` hands the process to the MCP front end, `git coord hook …` to the
/// hook front end.
#[derive(Debug)]
pub enum Launch {
    Exit(i32),
    Mcp(Flags),
    Hook { kind: HookKind, flags: Flags, json: bool },
}
