//! The MCP server as JSON-RPC 2.0 and MCP say, driven byte by byte: batches, notifications,
//! bad input that leaves the server alive, strict arguments naming the field, structured
//! answers, conflicts and pending writes as tool errors, calls that run side by side, and
//! cancellation.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{eventually, isolate, Repo, World, BIN, NOW};

struct Server {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

impl Server {
    fn start(repo: &Repo, agent: &str) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.arg("mcp").current_dir(&repo.dir);
        isolate(&mut cmd, &repo.home);
        cmd.env("GIT_COORD_NOW", NOW).env("GIT_COORD_AGENT", agent);
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Server { child, stdin, lines }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, v: &Value) {
        self.send_raw(format!("{v}\n").as_bytes());
    }

    /// The next answer, within `secs`.
    fn next(&self, secs: u64) -> Option<Value> {
        let l = self.lines.recv_timeout(Duration::from_secs(secs)).ok()?;
        Some(serde_json::from_str(&l).unwrap_or_else(|e| panic!("{e}: {l}")))
    }

    fn ask(&mut self, v: Value) -> Value {
        self.send(&v);
        self.next(30).expect("an answer")
    }

    fn close(mut self) -> std::process::ExitStatus {
        drop(self.stdin);
        self.child.wait().unwrap()
    }
}

fn call(id: i64, name: &str, args: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args}})
}

#[test]
fn json_rpc_as_the_spec_says_and_the_server_lives_on_after_bad_input() {
    let w = World::new();
    let a = w.clone("a");
    let mut s = Server::start(&a, "alice");
    // Not UTF-8, then not JSON: parse errors with a null id; the server keeps going.
    s.send_raw(b"{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\xff\"}\n");
    let e = s.next(10).unwrap();
    assert_eq!(
        (e["id"].clone(), e["error"]["code"].clone()),
        (Value::Null, json!(-32700)),
        "{e}"
    );
    s.send_raw(b"{not json\n");
    assert_eq!(s.next(10).unwrap()["error"]["code"], -32700);
    // A null id is no request id; a response from the client and notifications get nothing.
    let e = s.ask(json!({"jsonrpc": "2.0", "id": null, "method": "ping"}));
    assert_eq!(e["error"]["code"], -32600, "{e}");
    s.send(&json!({"jsonrpc": "2.0", "id": 7, "result": {}}));
    s.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    s.send(&json!({"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "claim", "arguments": {"scopes": ["docs/**"]}}}));
    let pong = s.ask(json!({"jsonrpc": "2.0", "id": "p", "method": "ping"}));
    assert_eq!(
        pong,
        json!({"jsonrpc": "2.0", "id": "p", "result": {}}),
        "nothing else was answered first"
    );
    // A batch: one array with an answer per request, none for the notification.
    let batch = s.ask(json!([
        {"jsonrpc": "2.0", "id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "no/such"},
        call(3, "check", json!({"scopes": ["src/main.ts"]})),
    ]));
    let ids: Vec<Value> = batch.as_array().unwrap().iter().map(|a| a["id"].clone()).collect();
    assert_eq!(ids, vec![json!(1), json!(2), json!(3)], "{batch}");
    assert_eq!(batch[1]["error"]["code"], -32601);
    assert_eq!(s.ask(json!([]))["error"]["code"], -32600);
    // The notification's claim never ran.
    assert!(a.as_("bob", &["check", "docs/guide.md"]).code == 0);
    assert!(s.close().success());
}

#[test]
fn arguments_are_strict_and_answers_are_structured() {
    let w = World::new();
    let a = w.clone("a");
    let mut s = Server::start(&a, "alice");
    let listed = s.ask(json!({"jsonrpc": "2.0", "id": 0, "method": "tools/list"}));
    for t in listed["result"]["tools"].as_array().unwrap() {
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
        assert_eq!(t["inputSchema"]["additionalProperties"], false, "{}", t["name"]);
        assert_eq!(t["outputSchema"]["type"], "object", "{}", t["name"]);
        assert!(t["title"].is_string() && t["annotations"]["readOnlyHint"].is_boolean());
    }
    let ro = |n: &str| {
        listed["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == n)
            .unwrap()["annotations"]["readOnlyHint"]
            .clone()
    };
    assert_eq!((ro("check"), ro("claim")), (json!(true), json!(false)));
    for (args, says) in [
        (json!({}), "missing required field `scopes`"),
        (json!({"scopes": "src/**"}), "`scopes` must be array, not string"),
        (json!({"scopes": ["a"], "scope": ["b"]}), "unknown field `scope`"),
        (
            json!({"scopes": ["a"], "urgency": "now"}),
            "`urgency` must be one of low, normal, high, blocking",
        ),
        (json!({"scopes": ["a"], "ttl": "soon"}), "`ttl`"),
        (json!({"scopes": vec!["x:y"; 101]}), "at most 100 items"),
        (json!({"scopes": ["a"], "note": "n".repeat(1_000_001)}), "at most 1000"),
    ] {
        let e = s.ask(call(1, "claim", args));
        assert_eq!(e["error"]["code"], -32602, "{e}");
        assert!(e["error"]["message"].as_str().unwrap().contains(says), "{e}");
    }
    let big = "x".repeat(200_001);
    let e = s.ask(call(2, "handoff_write", json!({"summary": big})));
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`summary` is 200001 characters long"),
        "{e}"
    );
    // A grant: short text, the report as structured content.
    let r = s.ask(call(3, "claim", json!({"scopes": ["src/auth/**"], "note": "auth"})))["result"].clone();
    assert_eq!(
        (r["isError"].clone(), r["structuredContent"]["decision"].clone()),
        (json!(false), json!("granted"))
    );
    assert!(r["content"][0]["text"].as_str().unwrap().len() <= 300, "{r}");
    s.close();
    // Another agent's conflict is a tool error, with the holder in the structured answer.
    let mut s = Server::start(&a, "bob");
    let r = s.ask(call(1, "claim", json!({"scopes": ["src/auth/login.ts"]})))["result"].clone();
    assert_eq!(r["isError"], true, "{r}");
    assert_eq!(r["structuredContent"]["conflicts"][0]["claim"]["agent"], "alice");
    let r = s.ask(call(2, "check", json!({"scopes": ["src/auth/login.ts"]})))["result"].clone();
    assert_eq!(
        (r["isError"].clone(), r["structuredContent"]["safe"].clone()),
        (json!(true), json!(false))
    );
    s.close();
}

#[test]
fn an_unreachable_remote_is_an_error_naming_the_pending_write_and_sync() {
    let w = World::new();
    let a = w.clone("a");
    a.git(&["remote", "set-url", "origin", "/nonexistent/remote.git"]);
    let mut s = Server::start(&a, "alice");
    let r = s.ask(call(1, "claim", json!({"scopes": ["src/main.ts"]})))["result"].clone();
    assert_eq!(r["isError"], true, "{r}");
    assert_eq!(r["structuredContent"]["pending"], true);
    let text = r["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("PENDING") && text.contains("`sync`"), "{text}");
    s.close();
    assert_eq!(
        a.as_("alice", &["status", "--json"]).json()["pending"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_waiting_claim_does_not_block_other_calls_and_cancelling_it_leaves_the_queue() {
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/billing/**", "--ttl", "2h"]).ok();
    let mut s = Server::start(&a, "bob");
    s.send(&call(
        1,
        "claim",
        json!({"scopes": ["src/billing/invoice.ts"], "wait": "10m"}),
    ));
    // While it waits, other calls are answered.
    let started = std::time::Instant::now();
    let r = s.ask(call(2, "who", json!({"target": "src/billing/invoice.ts"})));
    assert_eq!(r["id"], 2, "{r}");
    assert!(started.elapsed() < Duration::from_secs(20));
    // The waiter is in the queue; cancel it.
    let queued = eventually(Duration::from_secs(10), || a.queue_len() > 0);
    assert!(queued, "bob's claim waits in the queue");
    s.send(
        &json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1, "reason": "user"}}),
    );
    let pong = s.ask(json!({"jsonrpc": "2.0", "id": 3, "method": "ping"}));
    assert_eq!(pong["id"], 3);
    // The cancelled call is not answered, and leaves the queue.
    let left = eventually(Duration::from_secs(10), || a.queue_len() == 0);
    assert!(left, "the cancelled waiter left the queue");
    assert!(s.next(2).is_none(), "a cancelled request gets no answer");
    assert!(s.close().success());
}
