//! Symbol benchmarks: parse + extract a ~1 MB generated file per language (time per MB),
//! the touched symbols of a 200-line diff of a 5,000-line file, and of a regenerated file
//! (every line changed: 23k, 46k and 74k changed lines; #17 asks for the 74k-line diff in
//! <= 1 s, the judgement itself O(changed lines + symbols)).
//!
//! Whole process: `git coord symbols DIR` over a generated corpus of the four languages
//! (MB/s, parsed in parallel; side by side with `ctags -R` when it is installed), a 5 MB
//! TypeScript file (time and peak memory), and the per-call overhead of `git coord symbols`
//! on a one-line file.
//!
//! Run: `cargo bench --bench symbols` (add `-- --quick` for fewer repetitions).

use std::time::{Duration, Instant};

mod common;

use git_coord::engine::symbols::{extract, lang, touched};

fn typescript(units: usize) -> String {
    let mut s = String::from("import { x } from \"./x\";\n\n");
    for i in 0..units {
        s.push_str(&format!(
            "export namespace N{i} {{\n  export class Service{i} {{\n    private count = {i};\n    handle{i}(input: string): number {{\n      const local = input.length + this.count;\n      return local * 2;\n    }}\n    get value(): number {{\n      return this.count;\n    }}\n  }}\n  export function helper{i}(a: number, b: number): number {{\n    return a + b;\n  }}\n}}\n\n"
        ));
    }
    s
}

fn python(units: usize) -> String {
    let mut s = String::from("import os\n\n");
    for i in 0..units {
        s.push_str(&format!(
            "class Service{i}:\n    count = {i}\n\n    @property\n    def value(self):\n        return self.count\n\n    def handle{i}(self, data):\n        def inner(x):\n            return x * 2\n        return inner(len(data)) + self.count\n\n\ndef helper{i}(a, b):\n    return a + b\n\n\n"
        ));
    }
    s
}

fn go(units: usize) -> String {
    let mut s = String::from("package gen\n\nimport \"fmt\"\n\n");
    for i in 0..units {
        s.push_str(&format!(
            "type Service{i} struct {{\n\tcount int\n\tname  string\n}}\n\nfunc (s *Service{i}) Handle{i}(input string) int {{\n\tlocal := len(input) + s.count\n\treturn local * 2\n}}\n\nfunc (s Service{i}) Name() string {{\n\treturn fmt.Sprint(s.name)\n}}\n\nfunc Helper{i}(a, b int) int {{\n\treturn a + b\n}}\n\n"
        ));
    }
    s
}

/// Makes a source file of `n` repeated units.
type Generator = fn(usize) -> String;

fn grow(make: Generator, target: usize) -> String {
    let per = make(1).len();
    make(target / per + 1)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let reps = if quick { 3 } else { 11 };
    println!("git-coord symbol benchmarks ({reps} repetitions, medians, in-process)");
    let cases: [(&str, Generator); 4] = [
        ("a.ts", typescript),
        ("a.tsx", typescript),
        ("a.py", python),
        ("a.go", go),
    ];
    for (file, make) in cases {
        let src = grow(make, 1 << 20);
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..reps {
            let t = Instant::now();
            let tree = extract(file, src.as_bytes()).expect("generated source parses");
            times.push(t.elapsed());
            count = tree.symbols.len();
        }
        let mb = src.len() as f64 / (1 << 20) as f64;
        let m = median(times);
        println!(
            "parse + extract {file:<6} {:.2} MB, {count:>6} symbols: {:>8.1} ms  ({:.1} ms per MB)",
            mb,
            m.as_secs_f64() * 1e3,
            m.as_secs_f64() * 1e3 / mb
        );
        let parse = median((0..reps).map(|_| parse_only(file, &src)).collect());
        println!(
            "tree-sitter parse alone {file:<6}: {:>8.1} ms per MB (two cores cannot parse this language faster than {:.1} MB/s)",
            parse.as_secs_f64() * 1e3 / mb,
            2.0 * mb / parse.as_secs_f64()
        );
    }
    // A 5,000-line file and a 200-line diff spread over it.
    let src = typescript(5000 / 15 + 1);
    let lines: Vec<&str> = src.lines().collect();
    let step = lines.len() / 200;
    let edited: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i % step == 4 && i / step < 200 {
                format!("{l} // edited\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..reps {
        let t = Instant::now();
        let r = touched("a.ts", Some(src.as_bytes()), Some(edited.as_bytes())).expect("touched");
        times.push(t.elapsed());
        n = r.all().len();
    }
    println!(
        "touched symbols, {}-line file, 200 changed lines: {:>8.1} ms ({n} symbols touched)",
        lines.len(),
        median(times).as_secs_f64() * 1e3
    );
    whole_process(reps);
    // A regenerated file: every line differs (a renamed identifier on every line).
    for target in [23_000usize, 46_000, 74_000] {
        let old = python(target / 16 + 1);
        let new = old.replace("count", "total").replace("data", "items");
        let changed = old.lines().zip(new.lines()).filter(|(a, b)| a != b).count() * 2;
        let t = Instant::now();
        let r = touched("a.py", Some(old.as_bytes()), Some(new.as_bytes())).expect("touched");
        println!(
            "touched symbols, regenerated {}-line file ({changed} changed lines, both sides): {:>8.1} ms ({} symbols touched)",
            old.lines().count(),
            t.elapsed().as_secs_f64() * 1e3,
            r.all().len()
        );
    }
}

/// One tree-sitter parse of `src` and nothing else: the floor under any cold listing.
fn parse_only(file: &str, src: &str) -> Duration {
    let lang = lang::detect(file).expect("a known extension");
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&lang.language()).expect("grammar loads");
    let t = Instant::now();
    let tree = parser.parse(src, None).expect("parses");
    let e = t.elapsed();
    assert!(!tree.root_node().has_error(), "generated {file} parses cleanly");
    e
}

/// `git coord symbols` as an agent runs it: over a directory, and on one tiny file.
fn whole_process(reps: usize) {
    let exe = std::path::PathBuf::from(env!("CARGO_BIN_EXE_git-coord"));
    let dir = std::env::temp_dir().join(format!("git-coord-symbols-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let src = dir.join("src");
    let gens: [(&str, Generator); 4] = [("ts", typescript), ("tsx", typescript), ("py", python), ("go", go)];
    let mut total = 0;
    for (ext, make) in gens {
        let body = grow(make, 256 << 10);
        for i in 0..10 {
            let p = src.join(format!("{ext}/m{i}/file{i}.{ext}"));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            // Each file its own content: symbols are kept by content between commands.
            let unique = format!("// module {ext} {i}\n{body}");
            std::fs::write(&p, &unique).unwrap();
            total += unique.len();
        }
    }
    std::fs::write(dir.join("tiny.ts"), "export const x = () => 1;\n").unwrap();
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .current_dir(&dir)
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    let run = |args: &[&str]| {
        let t = Instant::now();
        let out = std::process::Command::new(&exe)
            .current_dir(&dir)
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_COORD_AGENT", "bench")
            .output()
            .expect("git-coord runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        t.elapsed()
    };
    let mb = total as f64 / (1 << 20) as f64;
    // Cold: nothing kept from an earlier command (every file parsed); warm: every file's
    // symbols kept by an earlier run over the same content.
    let forget = || {
        let _ = std::fs::remove_dir_all(dir.join(".git/coord/symbols-cache"));
    };
    let cold = |args: &[&str]| {
        forget();
        run(args)
    };
    let m = median((0..reps).map(|_| cold(&["symbols", "src", "--json"])).collect());
    println!(
        "git coord symbols src --json, 40 files, {mb:.1} MB (4 languages), cold: {:>8.1} ms  ({:.1} MB/s; target >= 20)",
        m.as_secs_f64() * 1e3,
        mb / m.as_secs_f64()
    );
    let warm = median((0..reps).map(|_| run(&["symbols", "src", "--json"])).collect());
    println!(
        "git coord symbols src --json, 40 files, {mb:.1} MB (4 languages), warm: {:>8.1} ms  ({:.1} MB/s)",
        warm.as_secs_f64() * 1e3,
        mb / warm.as_secs_f64()
    );
    // One 5 MB TypeScript file: its time and the process's peak memory (target <= 100 MB).
    std::fs::write(dir.join("big.ts"), grow(typescript, 5 << 20)).unwrap();
    let big = median((0..reps).map(|_| cold(&["symbols", "big.ts", "--json"])).collect());
    forget();
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let bench = common::Bench {
        exe: exe.clone(),
        home,
        root: dir.clone(),
        reps,
    };
    let peak = common::peak_kib(&bench, &dir, &["symbols", "big.ts", "--json"]);
    println!(
        "git coord symbols big.ts --json (5.0 MB): {:>8.1} ms, peak memory {} (target <= 100 MB)",
        big.as_secs_f64() * 1e3,
        peak.map_or("unknown (no /usr/bin/time)".to_owned(), |k| format!(
            "{:.0} MB",
            k as f64 / 1024.0
        ))
    );
    let tiny = median((0..reps.max(5)).map(|_| run(&["symbols", "tiny.ts"])).collect());
    let version = median((0..reps.max(5)).map(|_| run(&["--version"])).collect());
    println!(
        "git coord symbols tiny.ts: {:>6.1} ms, --version {:>6.1} ms: per-call overhead of symbols {:>5.1} ms (target <= 8)",
        tiny.as_secs_f64() * 1e3,
        version.as_secs_f64() * 1e3,
        tiny.saturating_sub(version).as_secs_f64() * 1e3
    );
    let ctags = std::process::Command::new("ctags")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ctags {
        let t = Instant::now();
        let ok = std::process::Command::new("ctags")
            .current_dir(&dir)
            .args(["-R", "-f", "/dev/null", "src"])
            .status()
            .is_ok_and(|s| s.success());
        let e = t.elapsed();
        println!(
            "ctags -R src (side by side): {:>8.1} ms ({:.1} MB/s){}",
            e.as_secs_f64() * 1e3,
            mb / e.as_secs_f64(),
            if ok { "" } else { " (ctags failed)" }
        );
    } else {
        println!("ctags -R: not installed here, no side-by-side figure");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
