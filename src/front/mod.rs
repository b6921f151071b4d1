//! What every front end shares (cli, mcp, hooks): settings from flags and the environment,
//! the error renderer with its hints, and text made safe to show. Front ends import this,
//! never each other; this imports nothing of theirs.

mod errors;
mod settings;

pub use errors::{error_parts, error_text, exit_code, hint, Exit};
pub use settings::env_settings;

pub use crate::model::text::printable;

/// What the command line asks the binary to run: most commands finish inside the CLI front
/// end; `git coord mcp` hands the process to the MCP front end.
#[derive(Debug)]
pub enum Launch {
    Exit(i32),
    Mcp {
        dir: Option<std::path::PathBuf>,
        agent: Option<String>,
        remote: Option<String>,
        offline: bool,
    },
}
