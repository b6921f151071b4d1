//! Board benchmarks:
//! - `task claim-next` (and `task next`) on a board of 5,000 tasks with dependencies,
//!   whole process, no remote
//! - throughput of concurrent `task claim-next` from 8 processes in 4 clones through one
//!   bare remote: tasks handed out per second and compare-and-swap retries per task
//!
//! - `board --html` on a board of 10,000 claims and 5,000 tasks: time and page size
//!   (targets: <= 500 ms, < 2 MB)
//!
//! Run: `cargo bench --bench board` (add `-- --quick` for fewer repetitions).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{big_board, isolated, median, ms, Bench, NOW};
use git_coord::model::{AgentId, ClaimsState, Task, TaskEvent, TaskId, TaskStatus, Timestamp};
use git_coord::store::{refs, Store};

/// Write `n` open tasks, in chains of 10 (each depends on the one before it) if `chains`.
fn task_board(dir: &Path, n: usize, chains: bool) {
    let store = Store::discover(dir).expect("repo opens");
    let now = Timestamp::parse_rfc3339(NOW).unwrap();
    let lead = AgentId::new("lead").unwrap();
    let mut state = ClaimsState::default();
    let ids: Vec<TaskId> = (0..n)
        .map(|i| TaskId::from_bits((i as u32).wrapping_mul(2_654_435_761)))
        .collect();
    for i in 0..n {
        let t = Task {
            id: ids[i].clone(),
            title: format!("task {i}"),
            body: None,
            priority: (1 + (i * 7) % 9) as u8,
            depends_on: if !chains || i % 10 == 0 {
                vec![]
            } else {
                vec![ids[i - 1].clone()]
            },
            specialty: Some(["backend", "frontend", "infra"][i % 3].into()),
            scopes: vec![],
            status: TaskStatus::Open,
            created_at: Timestamp(now.0 - (n - i) as i64),
            created_by: lead.clone(),
            worker: None,
            lease: None,
            claims: vec![],
            reviewer: None,
            handoff: None,
            history: vec![TaskEvent {
                at: now,
                agent: lead.clone(),
                what: "adds".into(),
                reason: None,
            }],
        };
        state.tasks.insert(t.id.clone(), t);
    }
    // On top of the root `init` started, if any.
    let base = store
        .load_claims(refs::CLAIMS, store.tip(refs::CLAIMS).unwrap())
        .unwrap();
    let c = store
        .commit_claims(&base, &state, "bench: tasks\n\nCoord-Op: tidy\n", "bench", now)
        .unwrap();
    store
        .cas(refs::CLAIMS, store.tip(refs::CLAIMS).unwrap(), c, "bench", now)
        .unwrap();
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let exe = common::exe();
    let tmp = std::env::temp_dir().join(format!("git-coord-boardbench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("home")).unwrap();
    let b = Bench {
        exe,
        home: tmp.join("home"),
        root: tmp.clone(),
        reps: if quick { 5 } else { 15 },
    };
    println!(
        "git-coord board benchmarks ({} repetitions, medians, whole process)",
        b.reps
    );

    let solo = b.repo("tasks", false);
    task_board(&solo, 5_000, true);
    let next: Vec<Duration> = (0..b.reps)
        .map(|_| b.coord_json(&solo, "x", &["task", "next"]).2)
        .collect();
    let claim: Vec<Duration> = (0..b.reps)
        .map(|i| {
            let (code, _, d) = b.coord_json(&solo, &format!("agent{i}"), &["task", "claim-next"]);
            assert_eq!(code, 0);
            d
        })
        .collect();
    println!(
        "5,000 tasks with dependencies: task next {:>10}   task claim-next {:>10}",
        ms(median(next)),
        ms(median(claim))
    );

    // The board page at 10,000 claims (plus the 5,000 tasks above on their own board).
    let page = b.repo("page", false);
    big_board(&page, 10_000, 100);
    let out = b.root.join("board.html");
    let html: Vec<Duration> = (0..b.reps)
        .map(|_| b.coord(&page, &["board", "--html", out.to_str().unwrap()]))
        .collect();
    let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    println!(
        "board --html, 10,000 claims: {:>10}   page {:.2} MB   (targets <= 500 ms, < 2 MB)",
        ms(median(html)),
        bytes as f64 / 1e6
    );
    let tasks_page = b.root.join("tasks.html");
    let t: Vec<Duration> = (0..b.reps)
        .map(|_| b.coord(&solo, &["board", "--html", tasks_page.to_str().unwrap()]))
        .collect();
    println!(
        "board --html, 5,000 tasks:   {:>10}   page {:.2} MB",
        ms(median(t)),
        std::fs::metadata(&tasks_page).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
    );

    // Throughput: 8 processes in 4 clones drain a board of open tasks through a bare remote.
    let tasks = if quick { 40 } else { 120 };
    let seed = b.repo("tp", true);
    task_board(&seed, tasks, false);
    let tip = String::from_utf8_lossy(
        &Command::new("git")
            .current_dir(&seed)
            .args(["rev-parse", refs::CLAIMS])
            .output()
            .unwrap()
            .stdout,
    )
    .trim()
    .to_owned();
    b.git(
        &seed,
        &[
            "push",
            "-q",
            "--no-verify",
            "origin",
            &format!("{tip}:{}", refs::CLAIMS),
        ],
    );
    let bare = b.root.join("tp.git");
    let clones: Vec<_> = (0..4)
        .map(|i| {
            let d = b.root.join(format!("tp-{i}"));
            b.git(&b.root, &["clone", "-q", bare.to_str().unwrap(), d.to_str().unwrap()]);
            b.coord(&d, &["init", "--no-hooks"]);
            d
        })
        .collect();
    let start = Instant::now();
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let dir = clones[w % 4].clone();
            let exe = b.exe.clone();
            let home = b.home.clone();
            std::thread::spawn(move || {
                let (mut got, mut retries) = (0usize, 0u64);
                loop {
                    let mut c = Command::new(&exe);
                    c.current_dir(&dir)
                        .args(["task", "claim-next", "--json"])
                        .stderr(Stdio::piped());
                    isolated(&mut c, &home);
                    c.env("GIT_COORD_AGENT", format!("worker{w}"));
                    let out = c.output().unwrap();
                    match out.status.code() {
                        Some(0) => {
                            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                            got += 1;
                            retries += v["attempts"].as_u64().unwrap_or(1).saturating_sub(1);
                        }
                        Some(1) => return (got, retries),
                        other => panic!("claim-next exited {other:?}: {}", String::from_utf8_lossy(&out.stderr)),
                    }
                }
            })
        })
        .collect();
    let (mut total, mut retries) = (0, 0);
    for h in workers {
        let (g, r) = h.join().unwrap();
        total += g;
        retries += r;
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(total, tasks, "every task handed out exactly once");
    println!(
        "concurrent claim-next, 8 processes / 4 clones / 1 bare remote: {tasks} tasks in {secs:.2}s = {:.1} tasks/s, {:.2} retries per task",
        tasks as f64 / secs,
        retries as f64 / tasks as f64
    );
    let _ = std::fs::remove_dir_all(&tmp);
}
