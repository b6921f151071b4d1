//! `git coord mcp`: the operations as an MCP server over stdio (newline-delimited
//! JSON-RPC 2.0), working on the repository it is started in. No service, no token.
//!
//! The agent id is resolved once, when the server starts (flag, environment, config,
//! default), and used for every call. Each call opens the repository afresh (so it sees
//! what other processes wrote) and reads the clock once. Answers are short text an agent
//! can act on; `verbose: true` returns the full JSON report. Errors come back as tool
//! errors with the same message, causes and hint as the command line.

mod tools;

use std::io::{BufRead, Write};
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::front::{env_settings, error_text, printable};
use crate::model::{HandoffStatus, Span};
use crate::ops::claim::{claim, ClaimReport, ClaimRequest, Decision, WaitObserver};
use crate::ops::{handoff, query, release, symbols, task, Context, Error, Exit};

const VERSIONS: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

struct NoWait;
impl WaitObserver for NoWait {
    fn queued(&mut self, _: &ClaimReport, _: crate::model::Timestamp) {}
}

/// The MCP front end's entry point: serve, and on a failure to start say why on stderr;
/// returns the process exit code.
pub fn main(dir: Option<PathBuf>, agent: Option<String>, remote: Option<String>, offline: bool) -> i32 {
    match serve(dir, agent, remote, offline) {
        Ok(exit) => exit as i32,
        Err(e) => {
            let _ = std::io::stderr().write_all(printable(&error_text(&e)).as_bytes());
            e.exit() as i32
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
    let first = Context::open(env_settings(dir.clone(), agent, remote.clone(), offline)?)?;
    let agent = first.agent.to_string();
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
                        json!({"content": [{"type": "text", "text": printable(&error_text(&e))}], "isError": true})
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

fn s(args: &Value, key: &str) -> Option<String> {
    args.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn list(args: &Value, key: &str) -> Vec<String> {
    args.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn flag(args: &Value, key: &str) -> bool {
    args.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn span(args: &Value, key: &str) -> Result<Option<Span>, Error> {
    s(args, key)
        .map(|t| Span::parse(&t).map_err(|e| Error::usage(format!("{key}: {e}"), None)))
        .transpose()
}

/// At most 10 items, then how many more: an agent pays for every byte.
fn capped(items: Vec<String>, sep: &str) -> String {
    let n = items.len();
    let mut shown: Vec<String> = items.into_iter().take(10).collect();
    if n > 10 {
        shown.push(format!("… and {} more (verbose: true lists all)", n - 10));
    }
    shown.join(sep)
}

fn short(text: &str) -> String {
    if text.chars().count() <= 120 {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(119).collect::<String>())
    }
}

fn full<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("because reports serialise")
}

/// Run one tool; the answer is short text unless `verbose`.
fn call(ctx: &Context, name: &str, args: &Value) -> Result<String, Error> {
    let verbose = flag(args, "verbose");
    let now = ctx.now();
    let claim_line = |c: &crate::model::Claim| format!("{} {} until {}", c.id, c.scope, c.expires_at);
    Ok(match name {
        "claim" => {
            let req = ClaimRequest {
                scopes: list(args, "scopes"),
                shared: flag(args, "shared"),
                new: flag(args, "new"),
                ttl: span(args, "ttl")?,
                wait: None,
                urgency: Default::default(),
                note: s(args, "note"),
                task: s(args, "task"),
                narrowable: false,
            };
            let r = claim(ctx, &req, &mut NoWait)?;
            if verbose {
                return Ok(full(&r));
            }
            let mut t = match r.decision {
                Decision::Conflict => {
                    let held: Vec<String> = r
                        .conflicts
                        .iter()
                        .map(|c| {
                            format!(
                                "{} is held by {} ({}, until {}{})",
                                c.requested,
                                c.claim.agent,
                                c.claim.id,
                                c.claim.expires_at,
                                c.claim.note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
                            )
                        })
                        .collect();
                    format!("CONFLICT — do not edit these. {}", held.join("; "))
                }
                d => format!(
                    "{}: {}",
                    serde_json::to_value(d)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    r.claims.iter().map(claim_line).collect::<Vec<_>>().join("; ")
                ),
            };
            if r.pending {
                t.push_str(&format!(
                    " (pending: {}; run sync later)",
                    r.error.as_deref().unwrap_or("offline")
                ));
            }
            t
        }
        "release" => {
            let req = release::ReleaseRequest {
                ids: list(args, "ids"),
                scopes: list(args, "scopes"),
                all: flag(args, "all"),
                force: false,
            };
            let r = release::release(ctx, &req)?;
            if verbose {
                full(&r)
            } else {
                format!(
                    "released {}",
                    if r.released.is_empty() {
                        "nothing".into()
                    } else {
                        capped(
                            r.released.iter().map(|c| format!("{} {}", c.id, c.scope)).collect(),
                            ", ",
                        )
                    }
                )
            }
        }
        "renew" => {
            let r = release::renew(
                ctx,
                &release::RenewRequest {
                    ids: list(args, "ids"),
                    all: flag(args, "all"),
                    ttl: span(args, "ttl")?,
                },
            )?;
            if verbose {
                full(&r)
            } else {
                format!("renewed {}", capped(r.renewed.iter().map(claim_line).collect(), "; "))
            }
        }
        "check" => {
            let r = query::check(ctx, &list(args, "scopes"), false, true)?;
            if verbose {
                full(&r)
            } else if r.safe {
                "free".into()
            } else {
                format!(
                    "held: {}",
                    r.conflicts
                        .iter()
                        .map(|c| format!(
                            "{} by {} ({}, until {})",
                            c.requested, c.claim.agent, c.claim.id, c.claim.expires_at
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            }
        }
        "who" => {
            let target = s(args, "target").ok_or_else(|| Error::usage("who needs a target", None))?;
            let r = query::who(ctx, &target, true)?;
            if verbose {
                full(&r)
            } else if r.claims.is_empty() {
                "nobody".into()
            } else {
                r.claims
                    .iter()
                    .map(|c| format!("{} {}", c.agent, claim_line(c)))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
        "symbols" => {
            let file = s(args, "file").ok_or_else(|| Error::usage("symbols needs a file", None))?;
            let src = match s(args, "rev") {
                Some(r) => symbols::Source::Rev(r),
                None => symbols::Source::WorkingTree,
            };
            let r = symbols::symbols(ctx, &file, src)?;
            if verbose {
                full(&r)
            } else {
                r.tree
                    .symbols
                    .iter()
                    .map(|x| format!("{} {} {}-{}", x.path, x.kind, x.start_line, x.end_line))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
        "status" => {
            let r = query::status(ctx, true)?;
            if verbose {
                full(&r)
            } else {
                let mine: Vec<String> = r
                    .claims
                    .iter()
                    .filter(|c| c.agent == ctx.agent)
                    .map(claim_line)
                    .collect();
                let mine = if mine.is_empty() {
                    "none".to_owned()
                } else {
                    capped(mine, "; ")
                };
                format!(
                    "you: {}\nyour claims: {}\nothers hold {} claim(s); tasks: {} open, {} claimed, {} in review; pending ops: {}",
                    ctx.agent,
                    mine,
                    r.claims.iter().filter(|c| c.agent != ctx.agent).count(),
                    r.tasks.open, r.tasks.claimed, r.tasks.review, r.pending.len()
                )
            }
        }
        "task_next" => {
            let r = task::next(ctx, s(args, "specialty").as_deref(), true)?;
            if verbose {
                full(&r)
            } else {
                r.task
                    .as_ref()
                    .map(|t| format!("{} p{} {}", t.task.id, t.task.priority, t.task.title))
                    .unwrap_or_else(|| "no task to take".into())
            }
        }
        "task_claim_next" => {
            let r = task::claim(ctx, None, s(args, "specialty").as_deref(), span(args, "ttl")?, &None)?;
            if verbose {
                full(&r)
            } else {
                format!(
                    "{}took {} \"{}\"; lease token {} until {}",
                    if r.pending {
                        "PENDING (not confirmed by the remote; call sync when it is back) — "
                    } else {
                        ""
                    },
                    r.task.task.id,
                    r.task.task.title,
                    r.lease.as_ref().map(|l| l.token.as_str()).unwrap_or(""),
                    r.lease.as_ref().map(|l| l.expires_at.to_string()).unwrap_or_default()
                )
            }
        }
        "task_done" => {
            let id = s(args, "id").unwrap_or_default();
            let r = task::done(
                ctx,
                &id,
                &s(args, "token").unwrap_or_default(),
                flag(args, "no_review"),
                &None,
            )?;
            if verbose {
                full(&r)
            } else {
                format!(
                    "{} is {}",
                    r.task.task.id,
                    serde_json::to_value(r.task.task.status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                )
            }
        }
        "task_renew" => {
            let id = s(args, "id").unwrap_or_default();
            let r = task::renew(
                ctx,
                &id,
                &s(args, "token").unwrap_or_default(),
                span(args, "ttl")?,
                &None,
            )?;
            if verbose {
                full(&r)
            } else {
                format!(
                    "renewed {} until {}",
                    r.task.task.id,
                    r.lease.as_ref().map(|l| l.expires_at.to_string()).unwrap_or_default()
                )
            }
        }
        "handoff_write" => {
            let req = handoff::WriteRequest {
                task: s(args, "task"),
                to: s(args, "to"),
                summary: s(args, "summary").unwrap_or_default(),
                notes: s(args, "notes"),
            };
            let r = handoff::write(ctx, &req)?;
            if verbose {
                full(&r)
            } else {
                format!("wrote {}; read it with: {}", r.handoff.id, r.git_show)
            }
        }
        "handoff_list" => {
            let status = s(args, "status")
                .map(|t| {
                    serde_json::from_value::<HandoffStatus>(Value::String(t.clone()))
                        .map_err(|_| Error::usage(format!("invalid status '{t}'"), None))
                })
                .transpose()?;
            let r = handoff::list(ctx, s(args, "to").as_deref(), status, true)?;
            if verbose {
                full(&r)
            } else if r.handoffs.is_empty() {
                "no handoffs".into()
            } else {
                r.handoffs
                    .iter()
                    .map(|h| format!("{} from {}: {}", h.handoff.id, h.handoff.from, h.handoff.summary))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
        "handoff_read" => {
            let r = handoff::show(ctx, &s(args, "id").unwrap_or_default(), true)?;
            r.document.unwrap_or_default()
        }
        "inbox" => {
            let r = crate::ops::inbox::inbox(ctx, s(args, "specialty").as_deref(), true)?;
            if verbose {
                full(&r)
            } else if r.handoffs.is_empty()
                && r.reviews.is_empty()
                && r.notices.is_empty()
                && r.granted_from_queue.is_empty()
            {
                "inbox empty".into()
            } else {
                let mut lines: Vec<String> = r
                    .handoffs
                    .iter()
                    .map(|h| {
                        format!(
                            "handoff {} from {}: {}",
                            h.handoff.id, h.handoff.from, h.handoff.summary
                        )
                    })
                    .collect();
                lines.extend(r.reviews.iter().map(|t| format!("review {} {}", t.id, t.title)));
                lines.extend(r.notices.iter().cloned());
                lines.extend(
                    r.granted_from_queue
                        .iter()
                        .map(|c| format!("granted from queue: {}", claim_line(c))),
                );
                lines.join("\n")
            }
        }
        "log" => {
            let since = s(args, "since")
                .map(|t| crate::model::time::parse_when(&t, now))
                .transpose()?;
            let limit = args.get("limit").and_then(Value::as_u64).unwrap_or(20) as usize;
            let r = crate::ops::log::log(ctx, since, limit, None)?;
            if verbose {
                full(&r)
            } else {
                r.events
                    .iter()
                    .map(|e| short(&format!("{} {}", e.time, e.subject)))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
        _ => return Err(Error::usage(format!("unknown tool '{name}'"), None)),
    })
}
