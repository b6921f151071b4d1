//! `git coord mcp`: the operations as an MCP server over stdio (newline-delimited
//! JSON-RPC 2.0), working on the repository it is started in. No service, no token.
//!
//! The agent id is this agent session's (see `ops::session`): resolved and recorded when
//! the server starts, so the host's pre-edit guard and shell act as the same agent. Each
//! call opens the repository afresh (it sees what other processes wrote) and runs in its
//! own thread, so a long `wait` never holds up other calls; `notifications/cancelled` ends
//! a call (a waiting claim leaves the queue) and its answer is not sent. Arguments are
//! checked against the generated schemas (invalid params name the field); answers carry a
//! short text and the report as `structuredContent`; conflicts and pending writes are
//! `isError: true`.

mod answers;
mod args;
mod board;
mod claims;
mod rpc;
mod schema;
mod tools;

use std::io::Write;

use crate::front::{env_settings, error_text, printable};
use crate::ops::{Context, Error};

/// The MCP front end's entry point: serve, and on a failure to start say why on stderr;
/// returns the process exit code.
pub fn main(flags: crate::front::Flags) -> i32 {
    match start(flags) {
        Ok(server) => {
            rpc::serve(server);
            0
        }
        Err(e) => {
            let _ = std::io::stderr().write_all(printable(&error_text(&e)).as_bytes());
            crate::front::exit_code(&e) as i32
        }
    }
}

/// Open the repository once, record the session, and fix the agent id for every call.
fn start(flags: crate::front::Flags) -> Result<rpc::Server, Error> {
    let first = Context::open(env_settings(
        flags.dir.clone(),
        flags.agent.clone(),
        flags.remote.clone(),
        flags.offline,
    )?)?;
    let session = crate::ops::session::begin(&first, &crate::front::processes())?;
    Ok(rpc::Server::new(crate::front::Flags {
        agent: Some(session.agent.to_string()),
        ..flags
    }))
}
