//! MCP benchmarks: tool-call latency over stdio for `check` and `claim` (median over 200
//! calls, server warm, through a bare remote), and the bytes of each tool's typical answer.
//!
//! Run: `cargo bench --bench mcp` (add `-- --quick` for 50 calls).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use common::{isolated, median, ms, Bench};
use serde_json::{json, Value};

struct Server {
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next: u64,
}

impl Server {
    fn call(&mut self, method: &str, params: Value) -> (Value, usize, Duration) {
        self.next += 1;
        let msg = json!({"jsonrpc": "2.0", "id": self.next, "method": method, "params": params});
        let t = Instant::now();
        writeln!(self.stdin, "{msg}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let d = t.elapsed();
        (serde_json::from_str(&line).unwrap(), line.len(), d)
    }

    fn tool(&mut self, name: &str, args: Value) -> (String, usize, Duration) {
        let (v, bytes, d) = self.call("tools/call", json!({"name": name, "arguments": args}));
        let text = v["result"]["content"][0]["text"].as_str().unwrap_or("").to_owned();
        assert_eq!(v["result"]["isError"], false, "{name}: {text}");
        (text, bytes, d)
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let calls = if quick { 50 } else { 200 };
    let exe = common::exe();
    let tmp = std::env::temp_dir().join(format!("git-coord-mcpbench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("home")).unwrap();
    let b = Bench {
        exe: exe.clone(),
        home: tmp.join("home"),
        root: tmp.clone(),
        reps: calls,
    };
    let clone = b.repo("mcp", true);
    std::fs::write(
        clone.join("src/svc.ts"),
        "export class Svc {\n  run(): number {\n    return 1;\n  }\n\n  stop(): void {}\n}\n",
    )
    .unwrap();
    let mut cmd = Command::new(&exe);
    cmd.current_dir(&clone)
        .arg("mcp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    isolated(&mut cmd, &b.home);
    let mut child = cmd.spawn().unwrap();
    let mut s = Server {
        stdin: child.stdin.take().unwrap(),
        stdout: BufReader::new(child.stdout.take().unwrap()),
        next: 0,
    };
    s.call(
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}),
    );
    println!("git-coord MCP benchmarks ({calls} calls each, medians, warm server over stdio, bare remote)");
    let check: Vec<Duration> = (0..calls)
        .map(|_| s.tool("check", json!({"scopes": ["src/mod3/file.ts"]})).2)
        .collect();
    let claim: Vec<Duration> = (0..calls)
        .map(|i| s.tool("claim", json!({"scopes": [format!("db:bench:{i}")]})).2)
        .collect();
    println!("check {:>10}   claim {:>10}", ms(median(check)), ms(median(claim)));
    println!("bytes of a typical answer (tool text / whole JSON-RPC line):");
    let typical: Vec<(&str, Value)> = vec![
        ("claim", json!({"scopes": ["src/mod1/**"], "note": "refactor"})),
        ("check", json!({"scopes": ["src/mod2/file.ts"]})),
        ("who", json!({"target": "src/mod1/file.ts"})),
        ("symbols", json!({"file": "src/svc.ts"})),
        ("status", json!({})),
        ("renew", json!({"all": true, "ttl": "1h"})),
        ("inbox", json!({})),
        ("task_next", json!({})),
        ("handoff_write", json!({"summary": "bench handoff"})),
        ("handoff_list", json!({})),
        ("log", json!({"limit": 5})),
        ("release", json!({"all": true})),
    ];
    for (name, args) in typical {
        let (text, line, _) = s.tool(name, args);
        println!(
            "  {name:<14} {:>6} B  {:>6} B   {}",
            text.len(),
            line,
            text.lines().next().unwrap_or("").chars().take(70).collect::<String>()
        );
    }
    drop(s);
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&tmp);
}
