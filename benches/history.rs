//! History stays small: what a fresh clone fetches of the board after many operations, before
//! and after `git coord compact`, and what compacting and catching up with it cost.
//!
//! The history is written with `git fast-import` (one commit per operation, each changing
//! the shard's claims file and recording its operation the way git-coord does, spread over
//! 16 shards), pushed to a bare remote with plain git, then measured with real processes:
//! - a fresh clone's fetch of `refs/coord/*` (time, pack bytes, objects), before and after;
//! - `git coord compact` itself;
//! - a clone that fetched before the compaction catching up (`git coord status`, which
//!   fetches and takes the compacted refs);
//! - bytes per operation, so the figure for a million operations can be read off.
//!
//! Run: `cargo bench --bench history` (add `-- --quick` for 20,000 operations instead of
//! 200,000; `-- --ops N` for any other count). One JSON line at the end.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{isolated, Bench, NOW};

const SHARDS: usize = 16;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let ops: usize = args
        .iter()
        .position(|a| a == "--ops")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(if quick { 20_000 } else { 200_000 });
    let tmp = std::env::temp_dir().join(format!("git-coord-bench-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("home")).unwrap();
    let b = Bench {
        exe: common::exe(),
        home: tmp.join("home"),
        root: tmp.clone(),
        reps: 1,
    };
    let a = b.repo("hist", true);
    let remote = tmp.join("hist.git");
    let t = Instant::now();
    write_history(&b, &a, ops);
    b.git(&a, &["push", "-q", "origin", "refs/coord/*:refs/coord/*"]);
    println!(
        "{ops} operations over {SHARDS} shards written and pushed in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    // A clone that caught up before the compaction.
    let stale = tmp.join("stale");
    b.git(
        &tmp,
        &[
            "clone",
            "-q",
            "--no-local",
            remote.to_str().unwrap(),
            stale.to_str().unwrap(),
        ],
    );
    b.coord(&stale, &["init", "--no-hooks"]);

    let before = fresh_fetch(&b, &remote, &tmp.join("fresh-before"));
    let t = Instant::now();
    b.coord(&a, &["compact", "--after", "1000"]);
    let compact_ms = t.elapsed().as_secs_f64() * 1000.0;
    let after = fresh_fetch(&b, &remote, &tmp.join("fresh-after"));
    let t = Instant::now();
    b.coord(&stale, &["status"]);
    let catch_up_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    b.coord(&stale, &["status"]);
    let status_ms = t.elapsed().as_secs_f64() * 1000.0;

    let per_op = before.bytes as f64 / ops as f64;
    println!(
        "fresh fetch of refs/coord/* before compact: {:.0} ms, {} objects, {:.1} MB ({per_op:.0} bytes per operation: {per_op:.0} MB at a million)",
        before.ms,
        before.objects,
        before.bytes as f64 / 1e6
    );
    println!(
        "fresh fetch after compact:                  {:.0} ms, {} objects, {:.1} KB (the same at any history length)",
        after.ms,
        after.objects,
        after.bytes as f64 / 1e3
    );
    println!("git coord compact ({SHARDS} refs):            {compact_ms:.0} ms");
    println!("a clone from before catching up (status):  {catch_up_ms:.0} ms (then {status_ms:.0} ms)");
    println!(
        "{}",
        serde_json::json!({
            "bench": "history",
            "operations": ops,
            "shards": SHARDS,
            "fresh_fetch_before_ms": before.ms.round(),
            "fresh_fetch_before_bytes": before.bytes,
            "fresh_fetch_before_objects": before.objects,
            "bytes_per_operation": per_op.round(),
            "fresh_fetch_after_ms": after.ms.round(),
            "fresh_fetch_after_bytes": after.bytes,
            "fresh_fetch_after_objects": after.objects,
            "compact_ms": compact_ms.round(),
            "catch_up_ms": catch_up_ms.round(),
            "status_after_catch_up_ms": status_ms.round(),
        })
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

struct Fetched {
    ms: f64,
    bytes: u64,
    objects: u64,
}

/// A new repository fetching the board from `remote`, as `init` in a fresh clone does.
fn fresh_fetch(b: &Bench, remote: &Path, dir: &Path) -> Fetched {
    b.git(b.root.as_path(), &["init", "-q", "--bare", dir.to_str().unwrap()]);
    let url = format!("file://{}", remote.display());
    let t = Instant::now();
    b.git(dir, &["fetch", "-q", &url, "refs/coord/*:refs/coord/*"]);
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let counts = b.git(dir, &["count-objects", "-v"]);
    let field = |k: &str| {
        counts
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Bytes as stored: the pack files, and each loose object's file (a small fetch is
    // unpacked into loose objects).
    let mut bytes = 0;
    let mut dirs = vec![dir.join("objects")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                if name != "info" {
                    dirs.push(p);
                }
            } else if name.ends_with(".pack") || d.file_name().is_some_and(|n| n.len() == 2) {
                bytes += std::fs::metadata(&p).unwrap().len();
            }
        }
    }
    Fetched {
        ms,
        bytes,
        objects: field("in-pack:") + field("count:"),
    }
}

/// `ops` operations, one commit each, round-robin over [`SHARDS`] shards: each claims a file
/// of its area (the claims file holds it) or releases it (the claims file is empty again),
/// with the message git-coord writes (subject, trailers, the operation as JSON).
fn write_history(b: &Bench, dir: &Path, ops: usize) {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .args(["fast-import", "--quiet", "--force"])
        .stdin(Stdio::piped());
    isolated(&mut c, &b.home);
    let mut child = c.spawn().expect("git fast-import runs");
    let mut w = std::io::BufWriter::new(child.stdin.take().unwrap());
    let shards: Vec<String> = (0..SHARDS)
        .map(|k| {
            let home = git_coord::model::Scope::parse(&format!("area{k}/x"), &[])
                .unwrap()
                .home();
            git_coord::store::refs::board_ref(home.as_deref())
        })
        .collect();
    let time = git_coord::model::Timestamp::parse_rfc3339(NOW).unwrap().0 as usize;
    let data = |w: &mut dyn Write, text: &str| {
        write!(w, "data {}\n{text}\n", text.len()).unwrap();
    };
    for i in 0..ops {
        let k = i % SHARDS;
        let round = i / SHARDS;
        let claim = round.is_multiple_of(2);
        let id = format!("c-{:08x}", (i as u32).wrapping_mul(2_654_435_761));
        let file = format!("area{k}/src/module{}/file{}.ts", round % 97, round % 13);
        let agent = format!("agent{}", i % 50);
        let entry = format!(
            r#"{{"id":"{id}","agent":"{agent}","scope":{{"kind":"glob","text":"{file}"}},"mode":"exclusive","created_at":"2026-11-21T10:00:00Z","expires_at":"2026-11-21T12:00:00Z","note":null,"task":null,"branch":"main","urgency":"normal","host":"build-{k}"}}"#
        );
        let (subject, op, content) = if claim {
            (
                format!("{agent} claims {file}"),
                format!(r#"{{"op":"claim","id":"o-{i:012x}","agent":"{agent}","new":[{entry}],"refresh":[]}}"#),
                format!("[\n{entry}\n]\n"),
            )
        } else {
            (
                format!("{agent} releases {file} ({id})"),
                format!(r#"{{"op":"release","id":"o-{i:012x}","agent":"{agent}","claims":["{id}"],"force":false}}"#),
                "[]\n".to_owned(),
            )
        };
        let message = format!(
            "{subject}\n\nCoord-Op: {}\nCoord-Agent: {agent}\nCoord-Claims: {id}\nCoord-Seq: {}\nCoord-Data: {op}",
            if claim { "claim" } else { "release" },
            i + 1
        );
        writeln!(w, "commit {}", shards[k]).unwrap();
        writeln!(w, "author {agent} <git-coord> {} +0000", time + i).unwrap();
        writeln!(w, "committer {agent} <git-coord> {} +0000", time + i).unwrap();
        data(&mut w, &message);
        if round == 0 {
            writeln!(w, "M 100644 inline meta.json").unwrap();
            data(&mut w, r#"{"schema":2,"kind":"shard"}"#);
            writeln!(w, "M 100644 inline README.md").unwrap();
            data(&mut w, "# git-coord claims board\n");
        }
        writeln!(w, "M 100644 inline claims/all.json").unwrap();
        data(&mut w, &content);
    }
    drop(w);
    assert!(child.wait().unwrap().success(), "git fast-import failed");
}
