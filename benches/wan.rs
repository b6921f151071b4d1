//! Many agents on many machines through a remote across a real network round trip: a bare
//! remote behind `git daemon`, a loopback TCP proxy that delays each direction by RTT/2,
//! and N agents on M clones, each agent a loop of real `git coord` processes
//! (claim → hold → release, optional think time between rounds).
//!
//! Prints one JSON line per run: whole-team write ops/s, claim and release latency
//! p50/p90/p99, claims refused (exit 1) and failed (by exit code), pushes and fetches per
//! minute seen at the remote (counted at the proxy from each connection's git service), and
//! double grants (from the agents' own holding intervals and from every commit of the
//! remote board's history). Loopback only; every run is bounded in time and stops what it
//! started.
//!
//! Run: `cargo bench --bench wan -- [--rtt MS] [--agents N] [--clones M] [--max-connections N]
//!       [--mode disjoint|hot|mix] [--think MS] [--hold MS] [--secs S] [--wait S] [--budget N/W]`
//! (`--budget "N/1m"`: every clone's `[network] push_budget`; `--wait S`: claims of the hot scope queue with `claim --wait S`, the product's fair order
//! between agents and clones, instead of asking again after a refusal; `--suite` adds that run.)
//! (defaults: 50 ms, 16 agents, 4 clones, disjoint, no think time, 200 ms hold, 20 s).
//! `--suite` runs the table (several minutes); `--quick` one short run.
//! `--distinct-homes` names the areas so that no two share a shard (a diagnostic: the
//! default `area<N>` names collide as any names do; the JSON says how many agents share one).

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use common::{isolated, NOW};
use git_coord::model::Mode;
use git_coord::store::{refs, Store};

#[derive(Clone, Debug)]
struct Run {
    rtt_ms: u64,
    agents: usize,
    clones: usize,
    mode: String,
    think_ms: u64,
    hold_ms: u64,
    secs: u64,
    /// Hot claims queue with `claim --wait` for this long (0: ask again after a refusal).
    wait_s: u64,
    /// `[network] push_budget` for every clone (`--budget "30/1m"`).
    budget: Option<String>,
    /// Name the agents' areas so that no two share a shard (`--distinct-homes`): the ceiling
    /// when claims never meet on one ref, against the default `area<N>`, whose homes collide
    /// as any names do when many of them hash into 128 shards.
    distinct_homes: bool,
    /// `git daemon --max-connections` (`--max-connections N`; git's default is 32, and past
    /// it the daemon kills a connection from the same address and stops accepting for a
    /// second: every client here is 127.0.0.1).
    max_connections: Option<u32>,
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let base = Run {
        rtt_ms: arg("--rtt").map_or(50, |v| v.parse().expect("--rtt MS")),
        agents: arg("--agents").map_or(16, |v| v.parse().expect("--agents N")),
        clones: arg("--clones").map_or(4, |v| v.parse().expect("--clones M")),
        mode: arg("--mode").unwrap_or_else(|| "disjoint".into()),
        think_ms: arg("--think").map_or(0, |v| v.parse().expect("--think MS")),
        hold_ms: arg("--hold").map_or(200, |v| v.parse().expect("--hold MS")),
        secs: arg("--secs").map_or(if quick { 6 } else { 20 }, |v| v.parse().expect("--secs S")),
        wait_s: arg("--wait").map_or(0, |v| v.parse().expect("--wait S")),
        budget: arg("--budget"),
        distinct_homes: std::env::args().any(|a| a == "--distinct-homes"),
        max_connections: arg("--max-connections").map(|v| v.parse().expect("--max-connections N")),
    };
    let runs = if std::env::args().any(|a| a == "--suite") {
        vec![
            Run {
                agents: 1,
                clones: 1,
                ..base.clone()
            },
            Run {
                agents: 8,
                clones: 4,
                ..base.clone()
            },
            Run {
                agents: 16,
                clones: 4,
                ..base.clone()
            },
            Run {
                mode: "hot".into(),
                ..base.clone()
            },
            Run {
                mode: "hot".into(),
                wait_s: 30,
                ..base.clone()
            },
            Run {
                mode: "mix".into(),
                ..base.clone()
            },
            Run {
                rtt_ms: 300,
                think_ms: 4000,
                secs: base.secs.max(40),
                ..base.clone()
            },
            Run {
                rtt_ms: 100,
                agents: 64,
                clones: 16,
                ..base.clone()
            },
        ]
    } else if quick {
        vec![Run {
            agents: 4,
            clones: 2,
            ..base
        }]
    } else {
        vec![base]
    };
    for r in runs {
        println!("{}", run(&r));
    }
}

/// What one agent saw.
#[derive(Default)]
struct Seen {
    claim_ms: Vec<f64>,
    release_ms: Vec<f64>,
    refused: u64,
    failed: std::collections::BTreeMap<i32, u64>,
    writes: u64,
    /// (scope, from the grant's answer, to the release's start).
    held: Vec<(String, Instant, Instant)>,
    rounds_to_grant: Vec<u64>,
}

fn run(r: &Run) -> serde_json::Value {
    let root = tempfile::tempdir().expect("temp dir");
    let home = root.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let exe = common::exe();
    let git = |dir: &Path, args: &[&str]| {
        let mut c = Command::new("git");
        c.current_dir(dir)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        isolated(&mut c, &home);
        let o = c.output().expect("git runs");
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    // The remote, with one file per agent area and a hot area.
    let served = root.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    git(
        root.path(),
        &["init", "-q", "--bare", "-b", "main", "served/remote.git"],
    );
    let seed = root.path().join("seed");
    git(root.path(), &["init", "-q", "-b", "main", "seed"]);
    for a in 0..r.agents {
        write(
            &seed.join(format!("{}/mod.ts", area(a, r.distinct_homes))),
            "export const x = 1;\n",
        );
    }
    write(&seed.join("hot/core.ts"), "export const y = 1;\n");
    if let Some(b) = &r.budget {
        write(
            &seed.join(".coord.toml"),
            &format!("[network]\npush_budget = \"{b}\"\n"),
        );
    }
    git(&seed, &["add", "-A"]);
    git(&seed, &["commit", "-qm", "seed"]);
    git(
        &seed,
        &["push", "-q", &served.join("remote.git").display().to_string(), "main"],
    );

    let daemon_port = free_port();
    let mut daemon = Command::new("git");
    daemon
        .args([
            "daemon",
            "--reuseaddr",
            "--export-all",
            "--enable=receive-pack",
            "--listen=127.0.0.1",
        ])
        .arg(format!("--port={daemon_port}"))
        .arg(format!("--base-path={}", served.display()))
        .args(r.max_connections.map(|n| format!("--max-connections={n}")))
        .arg(served.display().to_string())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(root.path().join("daemon.log")).expect("daemon log"));
    isolated(&mut daemon, &home);
    std::os::unix::process::CommandExt::process_group(&mut daemon, 0);
    let daemon = Guard(daemon.spawn().expect("git daemon starts"));
    wait_for_port(daemon_port);
    let counts = Arc::new(Counts::default());
    let proxy_port = start_proxy(daemon_port, Duration::from_micros(r.rtt_ms * 500), counts.clone());
    let url = format!("git://127.0.0.1:{proxy_port}/remote.git");

    let clones: Vec<PathBuf> = (0..r.clones)
        .map(|i| {
            let dir = root.path().join(format!("c{i}"));
            git(root.path(), &["clone", "-q", &url, &dir.display().to_string()]);
            let mut c = Command::new(&exe);
            c.current_dir(&dir)
                .args(["init", "--no-hooks"])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            isolated(&mut c, &home);
            assert!(c.status().unwrap().code().is_some_and(|c| c == 0 || c == 1), "init");
            dir
        })
        .collect();
    counts.reset();

    REAL_CLOCK.store(r.wait_s > 0, Ordering::SeqCst);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(r.secs);
    let workers: Vec<_> = (0..r.agents)
        .map(|a| {
            let dir = clones[a % r.clones].clone();
            let (exe, home, r) = (exe.clone(), home.clone(), r.clone());
            std::thread::spawn(move || agent_loop(a, &dir, &exe, &home, &r, deadline))
        })
        .collect();
    let seen: Vec<Seen> = workers.into_iter().map(|w| w.join().expect("agent thread")).collect();
    if std::env::args().any(|a| a == "--dump") {
        for (a, s) in seen.iter().enumerate() {
            let lat: Vec<String> = s.claim_ms.iter().map(|m| format!("{m:.0}")).collect();
            eprintln!("agent{a} (clone {}): claims {}", a % r.clones, lat.join(" "));
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (pushes, fetches) = (
        counts.pushes.load(Ordering::SeqCst),
        counts.fetches.load(Ordering::SeqCst),
    );
    let peak_open = counts.peak_open.load(Ordering::SeqCst);
    let syn_retries = counts.syn_retries.load(Ordering::SeqCst);
    let slowest_connect_ms = counts.slowest_connect_ms.load(Ordering::SeqCst);
    drop(daemon);
    // What the daemon logged: connections it dropped past --max-connections.
    let daemon_dropped = std::fs::read_to_string(root.path().join("daemon.log"))
        .unwrap_or_default()
        .matches("Too many children")
        .count();

    let mut claim: Vec<f64> = seen.iter().flat_map(|s| s.claim_ms.clone()).collect();
    let mut release: Vec<f64> = seen.iter().flat_map(|s| s.release_ms.clone()).collect();
    let writes: u64 = seen.iter().map(|s| s.writes).sum();
    let mut failed = std::collections::BTreeMap::new();
    for s in &seen {
        for (k, v) in &s.failed {
            *failed.entry(k.to_string()).or_insert(0u64) += v;
        }
    }
    let mut held: Vec<(String, Instant, Instant)> = seen.iter().flat_map(|s| s.held.clone()).collect();
    held.sort_by_key(|h| h.1);
    let interval_doubles = held
        .iter()
        .enumerate()
        .filter(|(i, (scope, _, end))| held[i + 1..].iter().any(|(s2, start2, _)| s2 == scope && start2 < end))
        .count();
    let max_rounds = seen
        .iter()
        .flat_map(|s| s.rounds_to_grant.iter().copied())
        .max()
        .unwrap_or(0);
    serde_json::json!({
        "rtt_ms": r.rtt_ms, "agents": r.agents, "clones": r.clones, "mode": r.mode,
        "think_ms": r.think_ms, "hold_ms": r.hold_ms, "secs": round(elapsed),
        "write_ops_per_s": round(writes as f64 / elapsed),
        "claim_ms": percentiles(&mut claim), "release_ms": percentiles(&mut release),
        "claims_granted": seen.iter().map(|s| s.held.len()).sum::<usize>(),
        "claims_refused": seen.iter().map(|s| s.refused).sum::<u64>(),
        "failed_by_exit": failed,
        "max_rounds_to_grant": max_rounds,
        "wait_s": r.wait_s,
        "push_budget": r.budget,
        "grants_per_agent_min_max": [
            seen.iter().map(|s| s.held.len()).min().unwrap_or(0),
            seen.iter().map(|s| s.held.len()).max().unwrap_or(0),
        ],
        "pushes_per_min": round(pushes as f64 * 60.0 / elapsed),
        "fetches_per_min": round(fetches as f64 * 60.0 / elapsed),
        "pushes_per_write": round(pushes as f64 / writes.max(1) as f64),
        "double_grants_intervals": interval_doubles,
        "double_grants_history": audit(&served.join("remote.git")),
        "distinct_homes": r.distinct_homes,
        "agents_sharing_a_shard": sharing_a_shard(r),
        "max_connections": r.max_connections,
        "peak_connections": peak_open,
        "daemon_dropped": daemon_dropped,
        "daemon_syn_retries": syn_retries,
        "slowest_daemon_connect_ms": slowest_connect_ms,
    })
}

fn agent_loop(a: usize, dir: &Path, exe: &Path, home: &Path, r: &Run, deadline: Instant) -> Seen {
    let mut seen = Seen::default();
    let agent = format!("agent{a}");
    let own = format!("{}/**", area(a, r.distinct_homes));
    let mut rounds_waiting = 0;
    let mut round = 0u64;
    while Instant::now() < deadline {
        round += 1;
        let hot = match r.mode.as_str() {
            "hot" => true,
            "mix" => (round + a as u64).is_multiple_of(4),
            _ => false,
        };
        let scope = if hot { "hot/**".to_owned() } else { own.clone() };
        let t = Instant::now();
        let wait = format!("{}s", r.wait_s);
        let code = match hot && r.wait_s > 0 {
            true => coord(exe, dir, home, &agent, &["claim", &scope, "--wait", &wait]),
            false => coord(exe, dir, home, &agent, &["claim", &scope]),
        };
        let claimed_at = Instant::now();
        seen.claim_ms.push(ms(t));
        match code {
            0 => {
                seen.writes += 1;
                seen.rounds_to_grant.push(rounds_waiting + 1);
                rounds_waiting = 0;
                std::thread::sleep(Duration::from_millis(if hot { r.hold_ms } else { 0 }));
                let released_from = Instant::now();
                seen.held.push((scope.clone(), claimed_at, released_from));
                let code = coord(exe, dir, home, &agent, &["release", "--all"]);
                seen.release_ms.push(ms(released_from));
                if code == 0 {
                    seen.writes += 1;
                } else {
                    *seen.failed.entry(code).or_insert(0) += 1;
                    // Keep the interval open until a release is confirmed.
                    while coord(exe, dir, home, &agent, &["release", "--all"]) != 0 && Instant::now() < deadline {}
                    seen.held.last_mut().expect("pushed").2 = Instant::now();
                }
            }
            1 => {
                seen.refused += 1;
                rounds_waiting += 1;
            }
            c => {
                *seen.failed.entry(c).or_insert(0) += 1;
                // A claim that gave up may still be pending: settle it before going on.
                coord(exe, dir, home, &agent, &["release", "--all"]);
            }
        }
        if r.think_ms > 0 {
            std::thread::sleep(Duration::from_millis(r.think_ms));
        } else if code == 1 {
            std::thread::sleep(Duration::from_millis(r.rtt_ms.max(20)));
        }
    }
    seen
}

/// Whether this run's agents use the real clock (runs whose claims queue).
static REAL_CLOCK: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn coord(exe: &Path, dir: &Path, home: &Path, agent: &str, args: &[&str]) -> i32 {
    let dump = std::env::args().any(|a| a == "--dump");
    let mut c = Command::new(exe);
    c.current_dir(dir)
        .args(args)
        .arg("--json")
        .stdout(if dump { Stdio::piped() } else { Stdio::null() })
        .stderr(Stdio::piped());
    isolated(&mut c, home);
    c.env("GIT_COORD_AGENT", agent).env("GIT_COORD_NOW", NOW);
    // Queued claims are served oldest first: with every clock pinned to one instant the
    // queue's order would be by id, so waiting runs use the real clock.
    if REAL_CLOCK.load(Ordering::SeqCst) {
        c.env_remove("GIT_COORD_NOW");
    }
    let out = c.output().expect("git-coord runs");
    let code = out.status.code().unwrap_or(-1);
    if code > 1 && dump {
        // With --json the error is the JSON on stdout.
        eprintln!(
            "{agent} {args:?} exit {code}: {} {}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    code
}

/// Every commit of every board ref of the remote (the root and its shards): how many held
/// two exclusive claims of one scope by different agents at once (areas are disjoint by
/// construction; `hot/**` overlaps itself). Two claims of one scope always live on one ref
/// (the same home), so each ref's own history shows any double grant of them.
fn audit(remote: &Path) -> usize {
    let store = Store::discover(remote).expect("remote opens");
    let mut names: Vec<(String, git_coord::store::ObjectId)> = store
        .tip(refs::CLAIMS)
        .expect("tip")
        .map(|t| (refs::CLAIMS.to_owned(), t))
        .into_iter()
        .collect();
    names.extend(store.refs_with_prefix(refs::SHARDS).expect("shards"));
    let mut bad = 0;
    for (name, tip) in names {
        for h in &store.history(&name, tip, usize::MAX, None).expect("history") {
            let state = store.load_claims(&name, Some(h.id)).expect("board").state;
            let mut holders: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
                Default::default();
            for c in state.claims.values().filter(|c| c.mode == Mode::Exclusive) {
                holders
                    .entry(c.scope.to_string())
                    .or_default()
                    .insert(c.agent.to_string());
            }
            if holders.values().any(|agents| agents.len() > 1) {
                bad += 1;
            }
        }
    }
    bad
}

#[derive(Default)]
struct Counts {
    pushes: AtomicU64,
    fetches: AtomicU64,
    /// Connections open through the proxy now, and the most at once.
    open: AtomicU64,
    peak_open: AtomicU64,
    /// Connects to the daemon not answered within 50 ms (its accept queue was full), and the
    /// longest any connect took.
    syn_retries: AtomicU64,
    slowest_connect_ms: AtomicU64,
}

impl Counts {
    fn reset(&self) {
        self.pushes.store(0, Ordering::SeqCst);
        self.fetches.store(0, Ordering::SeqCst);
        self.peak_open.store(0, Ordering::SeqCst);
        self.syn_retries.store(0, Ordering::SeqCst);
        self.slowest_connect_ms.store(0, Ordering::SeqCst);
    }
}

/// A proxy in front of `upstream` that delays every chunk by `delay` in each direction
/// (so a round trip costs 2 × delay), and counts connections by git service.
///
/// Each connection reaches the daemon from a thread of its own, never from the accept loop:
/// `git daemon` listens with a backlog of 5, so a burst of connections overflows its queue and
/// the kernel drops their SYNs, which a plain connect would retry only after 1 s, then 3 s, then
/// 7 s. Made from the accept loop, one such connect stalled every connection behind it (the
/// runs that "collapsed" to ~8 writes/s with the machine idle). A hosted remote listens with a
/// deep queue, so the proxy retries a connect the daemon has not answered within 50 ms at once
/// (counted as `daemon_syn_retries`, reported with the slowest connect).
fn start_proxy(upstream: u16, delay: Duration, counts: Arc<Counts>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("proxy binds");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let counts = counts.clone();
            std::thread::spawn(move || {
                let Some(server) = connect_upstream(upstream, &counts) else {
                    return;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let service = Arc::new(Mutex::new(false));
                let open = counts.open.fetch_add(1, Ordering::SeqCst) + 1;
                counts.peak_open.fetch_max(open, Ordering::SeqCst);
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                pump(client, server, delay, Some((counts.clone(), service)), None);
                pump(s2, c2, delay, None, Some(counts));
            });
        }
    });
    port
}

/// Connect to the daemon, retrying every 50 ms while its accept queue is full (for 10 s).
fn connect_upstream(upstream: u16, counts: &Counts) -> Option<TcpStream> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], upstream));
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(50)) {
            Ok(s) => {
                let ms = started.elapsed().as_millis() as u64;
                counts.slowest_connect_ms.fetch_max(ms, Ordering::SeqCst);
                return Some(s);
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                counts.syn_retries.fetch_add(1, Ordering::SeqCst);
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    None
}

type Classify = (Arc<Counts>, Arc<Mutex<bool>>);

/// Copy `from` → `to`, each chunk released `delay` after it was read.
/// `closes`: counts this connection closed when the copy ends (the server's side).
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    delay: Duration,
    classify: Option<Classify>,
    closes: Option<Arc<Counts>>,
) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Some((counts, done)) = &classify {
                        let mut done = done.lock().unwrap();
                        if !*done {
                            *done = true;
                            let head = String::from_utf8_lossy(&buf[..n.min(64)]);
                            if head.contains("git-receive-pack") {
                                counts.pushes.fetch_add(1, Ordering::SeqCst);
                            } else if head.contains("git-upload-pack") {
                                counts.fetches.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    }
                    if tx.send((Instant::now() + delay, buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    });
    std::thread::spawn(move || {
        for (at, chunk) in rx {
            let now = Instant::now();
            if at > now {
                std::thread::sleep(at - now);
            }
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Write);
        if let Some(c) = closes {
            c.open.fetch_sub(1, Ordering::SeqCst);
        }
    });
}

/// Kill the daemon (and what it forked: `git daemon` runs `git-daemon` as a child, which
/// forks per connection) when the run ends, however it ends: it runs in a process group of
/// its own, and the whole group is ended.
struct Guard(Child);
impl Drop for Guard {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this bench created for the daemon.
        unsafe {
            libc::kill(-(self.0.id() as i32), libc::SIGTERM);
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for_port(port: u16) {
    let until = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "git daemon did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn percentiles(v: &mut [f64]) -> serde_json::Value {
    if v.is_empty() {
        return serde_json::json!(null);
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| round(v[((v.len() as f64 - 1.0) * p).round() as usize]);
    serde_json::json!({"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "n": v.len()})
}

/// The area agent `a` works in: `area<a>`, or with `distinct` the `a`-th of the names
/// `zone0`, `zone1`, … whose home shard no earlier one has.
fn area(a: usize, distinct: bool) -> String {
    if !distinct {
        return format!("area{a}");
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut k = 0;
    let mut found = 0;
    loop {
        let name = format!("zone{k}");
        k += 1;
        if seen.insert(home(&name)) {
            if found == a {
                return name;
            }
            found += 1;
        }
    }
}

fn home(area: &str) -> String {
    git_coord::model::scope::Scope::parse(&format!("{area}/**"), &[])
        .expect("an area scope")
        .home()
        .expect("an area has a home")
}

/// How many agents' areas share their home shard with another agent's area (in disjoint
/// mode, those agents race for one ref although their claims never overlap).
fn sharing_a_shard(r: &Run) -> usize {
    let mut per_shard = std::collections::BTreeMap::<String, usize>::new();
    for a in 0..r.agents {
        *per_shard.entry(home(&area(a, r.distinct_homes))).or_default() += 1;
    }
    per_shard.values().filter(|n| **n > 1).sum()
}
