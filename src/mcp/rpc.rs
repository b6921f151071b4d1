//! JSON-RPC 2.0 over stdio, as the MCP stdio transport frames it: one message per line.
//! Requests are answered (tool calls from their own threads, in any order), notifications
//! and the client's own responses never are; a batch gets one array of answers; a line that
//! is not UTF-8 or not JSON gets a parse error and the server lives on.

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::tools::{self, Call, Failure};
use crate::front::{env_settings, error_text_for, printable, Flags, Surface};
use crate::ops::Context;

const VERSIONS: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
/// A longer line is refused unread (no call needs more; a note or handoff is capped lower).
const MAX_LINE: u64 = 4 << 20;
/// Calls in flight at once; more are refused as busy.
const MAX_CALLS: usize = 32;

pub struct Server {
    flags: Flags,
    out: Mutex<std::io::Stdout>,
    /// Calls in flight, by request id (as JSON text), with their cancel flags.
    calls: Mutex<HashMap<String, Arc<AtomicBool>>>,
    tools: Vec<tools::Tool>,
}

impl Server {
    pub fn new(flags: Flags) -> Server {
        Server {
            flags,
            out: Mutex::new(std::io::stdout()),
            calls: Mutex::new(HashMap::new()),
            tools: tools::all(),
        }
    }

    fn send(&self, v: &Value) {
        let mut text = serde_json::to_string(v).expect("because replies serialise");
        text.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    }
}

fn error(id: Value, code: i64, message: impl Into<String>) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message.into()}})
}

/// Serve until standard input closes; calls still running are answered first.
pub fn serve(server: Server) {
    let server = Arc::new(server);
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut workers = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        match Read::by_ref(&mut input).take(MAX_LINE).read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if line.len() as u64 >= MAX_LINE && line.last() != Some(&b'\n') {
            // Skip the rest of the oversized line.
            let mut rest = Vec::new();
            let _ = input.read_until(b'\n', &mut rest);
            server.send(&error(
                Value::Null,
                -32700,
                "parse error: the message is larger than 4 MiB",
            ));
            continue;
        }
        let Ok(text) = std::str::from_utf8(&line) else {
            server.send(&error(
                Value::Null,
                -32700,
                "parse error: the message is not valid UTF-8",
            ));
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        let msg = match serde_json::from_str::<Value>(text) {
            Ok(m) => m,
            Err(e) => {
                server.send(&error(Value::Null, -32700, format!("parse error: {e}")));
                continue;
            }
        };
        workers.retain(|w: &std::thread::JoinHandle<()>| !w.is_finished());
        match msg {
            Value::Array(batch) if batch.is_empty() => {
                server.send(&error(Value::Null, -32600, "invalid request: an empty batch"))
            }
            Value::Array(batch) => {
                // A batch is answered as one array, once all its calls are done.
                let s = Arc::clone(&server);
                workers.push(std::thread::spawn(move || {
                    let answers: Vec<Value> = batch.iter().filter_map(|m| handle(&s, m)).collect();
                    if !answers.is_empty() {
                        s.send(&Value::Array(answers));
                    }
                }));
            }
            m if m["method"] == "tools/call" && m.get("id").is_some_and(|i| i.is_string() || i.is_number()) => {
                let s = Arc::clone(&server);
                workers.push(std::thread::spawn(move || {
                    if let Some(a) = handle(&s, &m) {
                        s.send(&a);
                    }
                }));
            }
            m => {
                if let Some(a) = handle(&server, &m) {
                    server.send(&a);
                }
            }
        }
    }
    for w in workers {
        let _ = w.join();
    }
}

/// One message: its answer, or None for a notification or a response.
fn handle(server: &Server, msg: &Value) -> Option<Value> {
    let Some(obj) = msg.as_object() else {
        return Some(error(
            Value::Null,
            -32600,
            "invalid request: a message is a JSON object",
        ));
    };
    let id = obj.get("id");
    let valid_id = id.filter(|i| i.is_string() || i.is_number()).cloned();
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Some(error(
            valid_id.unwrap_or(Value::Null),
            -32600,
            "invalid request: \"jsonrpc\" must be \"2.0\"",
        ));
    }
    let Some(method) = obj.get("method") else {
        // A response to us (we send no requests) or nothing at all.
        let response = obj.contains_key("result") || obj.contains_key("error");
        return (!response).then(|| error(valid_id.unwrap_or(Value::Null), -32600, "invalid request: no method"));
    };
    let Some(method) = method.as_str() else {
        return Some(error(
            valid_id.unwrap_or(Value::Null),
            -32600,
            "invalid request: \"method\" must be a string",
        ));
    };
    let params = obj.get("params").cloned().unwrap_or(json!({}));
    if id.is_none() {
        notification(server, method, &params);
        return None;
    }
    let Some(id) = valid_id else {
        return Some(error(
            Value::Null,
            -32600,
            "invalid request: \"id\" must be a string or a number",
        ));
    };
    let result = match method {
        "initialize" => Ok(initialize(&params)),
        "ping" => Ok(json!({})),
        "tools/list" => Ok(json!({"tools": server.tools.iter().map(tools::listing).collect::<Vec<_>>()})),
        "tools/call" => return call(server, &id, &params),
        _ => Err((-32601, format!("method not found: {method}"))),
    };
    Some(match result {
        Ok(r) => json!({"jsonrpc": "2.0", "id": id, "result": r}),
        Err((code, message)) => error(id, code, message),
    })
}

fn initialize(params: &Value) -> Value {
    let asked = params["protocolVersion"].as_str().unwrap_or("");
    let version = if VERSIONS.contains(&asked) {
        asked
    } else {
        VERSIONS[VERSIONS.len() - 1]
    };
    json!({
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": false}},
        "serverInfo": {"name": "git-coord", "title": "git-coord", "version": env!("CARGO_PKG_VERSION")},
        "instructions": "Coordinate with other agents through git: claim files or symbols before editing them, check before pushing, release when done, write a handoff when you stop. Start with `inbox`."
    })
}

fn notification(server: &Server, method: &str, params: &Value) {
    if method == "notifications/cancelled" {
        let key = params["requestId"].to_string();
        if let Some(flag) = server.calls.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

/// `tools/call`: run the tool; None when the client cancelled it meanwhile.
fn call(server: &Server, id: &Value, params: &Value) -> Option<Value> {
    let name = params["name"].as_str().unwrap_or("");
    let Some(tool) = server.tools.iter().find(|t| t.name == name) else {
        return Some(error(id.clone(), -32602, format!("unknown tool '{name}'")));
    };
    let args = match params.get("arguments") {
        None | Some(Value::Null) => json!({}),
        Some(a) if a.is_object() => a.clone(),
        Some(_) => return Some(error(id.clone(), -32602, "`arguments` must be an object")),
    };
    let key = id.to_string();
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let mut calls = server.calls.lock().unwrap_or_else(|p| p.into_inner());
        if calls.len() >= MAX_CALLS {
            return Some(error(
                id.clone(),
                -32000,
                format!("busy: {MAX_CALLS} calls are running; retry shortly"),
            ));
        }
        calls.insert(key.clone(), Arc::clone(&cancel));
    }
    let f = &server.flags;
    let outcome = env_settings(f.dir.clone(), f.agent.clone(), f.remote.clone(), f.offline)
        .and_then(Context::open)
        .map_err(Failure::Op)
        .and_then(|ctx| {
            (tool.run)(&Call {
                ctx: &ctx,
                args: &args,
                cancel: &cancel,
            })
        });
    server.calls.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);

    if cancel.load(Ordering::Relaxed) {
        return None;
    }
    if let (true, Ok(r)) = (cfg!(debug_assertions), &outcome) {
        if let Err(e) = super::schema::conforms(&(tool.output)(), &r.structured) {
            return Some(error(
                id.clone(),
                -32603,
                format!("the answer does not fit the output schema of {name}: {e}"),
            ));
        }
    }
    Some(match outcome {
        Err(Failure::Invalid(m)) => error(id.clone(), -32602, format!("invalid params: {m}")),
        // Text other agents wrote never reaches a host's terminal raw.
        Ok(r) => json!({"jsonrpc": "2.0", "id": id, "result": {
            "content": [{"type": "text", "text": printable(&r.text)}],
            "structuredContent": r.structured,
            "isError": r.is_error}}),
        Err(Failure::Op(e)) => json!({"jsonrpc": "2.0", "id": id, "result": {
            "content": [{"type": "text", "text": printable(&error_text_for(&e, Surface::Mcp))}],
            "isError": true}}),
    })
}
