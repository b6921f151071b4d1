//! Build script: the commit the binary is built from, for `git coord --version`
//! ("unknown" outside a git checkout, e.g. from a crates.io tarball), and a fingerprint of
//! what decides a file's symbols (the symbol engine's sources, the grammars' queries and the
//! locked grammar versions), which names the symbols kept between commands: a build that
//! reads symbols differently never reads another's.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=GIT_COORD_COMMIT={commit}");
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
        println!("cargo:rerun-if-changed={dir}/refs/heads");
        println!("cargo:rerun-if-changed={dir}/packed-refs");
    }
    let inputs = ["src/engine/symbols", "grammars", "Cargo.lock"];
    let mut files = Vec::new();
    for i in inputs {
        println!("cargo:rerun-if-changed={i}");
        collect(Path::new(i), &mut files);
    }
    files.sort();
    // FNV-1a, 64 bits, over each file's path and content.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in &files {
        let content = std::fs::read(f).unwrap_or_default();
        for b in f.to_string_lossy().bytes().chain([0]).chain(content).chain([0]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=GIT_COORD_SYMBOLS_ID={h:016x}");
}

/// Every file under `p` (or `p` itself).
fn collect(p: &Path, out: &mut Vec<PathBuf>) {
    match std::fs::read_dir(p) {
        Ok(entries) => entries.flatten().for_each(|e| collect(&e.path(), out)),
        Err(_) if p.is_file() => out.push(p.to_path_buf()),
        Err(_) => {}
    }
}
