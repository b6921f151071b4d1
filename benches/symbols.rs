//! Symbol benchmarks: parse + extract a ~1 MB generated file per language (time per MB),
//! the touched symbols of a 200-line diff of a 5,000-line file, and of a regenerated file
//! (every line changed: 23k, 46k and 74k changed lines; #17 asks for the 74k-line diff in
//! <= 1 s, the judgement itself O(changed lines + symbols)).
//!
//! Run: `cargo bench --bench symbols` (add `-- --quick` for fewer repetitions).

use std::time::{Duration, Instant};

use git_coord::engine::symbols::{extract, touched};

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
