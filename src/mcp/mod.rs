//! `git coord mcp`: the operations as an MCP server over stdio (newline-delimited
//! JSON-RPC 2.0), working on the repository it is started in. No service, no token.
//!
//! The agent id is resolved once, when the server starts (flag, environment, config,
//! default), and used for every call. Each call opens the repository afresh (so it sees
//! what other processes wrote) and reads the clock once. Answers are short text an agent
//! can act on; `verbose: true` returns the full JSON report. Errors come back as tool
//! errors with the same message, causes and hint as the command line.

mod answers;
mod args;
mod board;
mod claims;
mod tools;

use std::io::{BufRead, Write};
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::front::Exit;
use crate::front::{env_settings, error_text, error_text_for, printable, Surface};
use crate::ops::{Context, Error};

const VERSIONS: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

/// The MCP front end's entry point: serve, and on a failure to start say why on stderr;
/// returns the process exit code.
pub fn main(flags: crate::front::Flags) -> i32 {
    match serve(flags.dir, flags.agent, flags.remote, flags.offline) {
        Ok(exit) => exit as i32,
        Err(e) => {
            let _ = std::io::stderr().write_all(printable(&error_text(&e)).as_bytes());
            crate::front::exit_code(&e) as i32
        }
    }
}

/// Serve until stdin closes.
pub fn serve(
    dir: Option<PathBuf>,
    agent: Option<String>,
    remote: Option<String>,
    offline: bool,
) -> Result<Exit, Error> {
    // Resolve the agent once for the whole session.
    // The session's id, recorded under the host so its guard and shell act as the same agent.
    let first = Context::open(env_settings(dir.clone(), agent, remote.clone(), offline)?)?;
    let agent = crate::ops::session::begin(&first, &crate::front::processes())?
        .agent
        .to_string();
    drop(first);
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Value>(&line) {
            Err(e) => Some(
                json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": format!("parse error: {e}")}}),
            ),
            Ok(msg) => handle(&msg, &dir, &agent, &remote, offline),
        };
        if let Some(r) = reply {
            let mut text = serde_json::to_string(&r).expect("because replies serialise");
            text.push('\n');
            if out.write_all(text.as_bytes()).and_then(|()| out.flush()).is_err() {
                break;
            }
        }
    }
    Ok(Exit::Ok)
}

fn handle(msg: &Value, dir: &Option<PathBuf>, agent: &str, remote: &Option<String>, offline: bool) -> Option<Value> {
    let id = msg.get("id").cloned();
    let method = msg.get("method").and_then(Value::as_str).unwrap_or("");
    let id = id?; // notifications get no reply
    let result = match method {
        "initialize" => {
            let asked = msg
                .pointer("/params/protocolVersion")
                .and_then(Value::as_str)
                .unwrap_or("");
            let version = if VERSIONS.contains(&asked) {
                asked
            } else {
                VERSIONS[VERSIONS.len() - 1]
            };
            Ok(json!({
                "protocolVersion": version,
                "capabilities": {"tools": {"listChanged": false}},
                "serverInfo": {"name": "git-coord", "version": env!("CARGO_PKG_VERSION")},
                "instructions": "Coordinate with other agents through git: claim files or symbols before editing them, check before pushing, release when done, write a handoff when you stop."
            }))
        }
        "ping" => Ok(json!({})),
        "tools/list" => Ok(
            json!({"tools": tools::list().into_iter().map(|(n, d, s)| json!({"name": n, "description": d, "inputSchema": s})).collect::<Vec<_>>()}),
        ),
        "tools/call" => {
            let name = msg.pointer("/params/name").and_then(Value::as_str).unwrap_or("");
            let args = msg.pointer("/params/arguments").cloned().unwrap_or(json!({}));
            if !tools::list().iter().any(|(n, _, _)| *n == name) {
                Err((-32602, format!("unknown tool '{name}'")))
            } else {
                let outcome = env_settings(dir.clone(), Some(agent.to_owned()), remote.clone(), offline)
                    .and_then(Context::open)
                    .and_then(|ctx| call(&ctx, name, &args));
                Ok(match outcome {
                    // Text other agents wrote never reaches a host's terminal raw.
                    Ok(text) => json!({"content": [{"type": "text", "text": printable(&text)}], "isError": false}),
                    Err(e) => {
                        json!({"content": [{"type": "text", "text": printable(&error_text_for(&e, Surface::Mcp))}], "isError": true})
                    }
                })
            }
        }
        _ => Err((-32601, format!("method not found: {method}"))),
    };
    Some(match result {
        Ok(r) => json!({"jsonrpc": "2.0", "id": id, "result": r}),
        Err((code, message)) => json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}),
    })
}

/// Run one tool; the answer is short text unless `verbose`.
fn call(ctx: &Context, name: &str, args: &Value) -> Result<String, Error> {
    let verbose = args::flag(args, "verbose");
    match name {
        "claim" => claims::claim(ctx, args, verbose),
        "release" => claims::release(ctx, args, verbose),
        "renew" => claims::renew(ctx, args, verbose),
        "check" => claims::check(ctx, args, verbose),
        "who" => claims::who(ctx, args, verbose),
        "symbols" => claims::symbols(ctx, args, verbose),
        "status" => claims::status(ctx, args, verbose),
        "task_next" => board::task_next(ctx, args, verbose),
        "task_claim_next" => board::task_claim_next(ctx, args, verbose),
        "task_done" => board::task_done(ctx, args, verbose),
        "task_renew" => board::task_renew(ctx, args, verbose),
        "handoff_write" => board::handoff_write(ctx, args, verbose),
        "handoff_list" => board::handoff_list(ctx, args, verbose),
        "handoff_read" => board::handoff_read(ctx, args, verbose),
        "inbox" => board::inbox(ctx, args, verbose),
        "log" => claims::log(ctx, args, verbose),
        _ => Err(Error::usage(format!("unknown tool '{name}'"), None)),
    }
}
