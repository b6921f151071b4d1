//! Two "machines" coordinating through a bare remote, end to end, with the real binary.
//!
//! Makes a temp dir with a bare remote and two clones; agent A claims `src/auth/**`, agent
//! B's claim of `src/auth/login.ts` is refused naming A, A releases, B is granted. Each step
//! prints the command and what a user would see.
//!
//! Run: `cargo run --release --example two-machines`

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let exe = binary();
    let tmp = std::env::temp_dir().join(format!("git-coord-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("home")).expect("temp dir");
    let home = tmp.join("home");
    let git = |dir: &Path, args: &[&str]| {
        let out = isolated(Command::new("git"), &home)
            .current_dir(dir)
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    println!("# a bare remote and two clones in {}\n", tmp.display());
    git(&tmp, &["init", "-q", "--bare", "-b", "main", "remote.git"]);
    git(&tmp, &["init", "-q", "-b", "main", "seed"]);
    let seed = tmp.join("seed");
    for f in [
        "src/auth/login.ts",
        "src/auth/session.ts",
        "src/billing/invoice.ts",
        "README.md",
    ] {
        std::fs::create_dir_all(seed.join(f).parent().expect("has a parent")).expect("mkdir");
        std::fs::write(seed.join(f), format!("// {f}\n")).expect("write");
    }
    git(&seed, &["add", "-A"]);
    git(&seed, &["commit", "-q", "-m", "seed"]);
    git(&seed, &["push", "-q", "../remote.git", "main"]);
    git(&tmp, &["clone", "-q", "remote.git", "machine-a"]);
    git(&tmp, &["clone", "-q", "remote.git", "machine-b"]);
    let a = tmp.join("machine-a");
    let b = tmp.join("machine-b");

    let coord = |dir: &Path, agent: &str, args: &[&str]| -> i32 {
        println!(
            "[{}] {agent}$ git coord {}",
            dir.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
            args.iter()
                .map(|a| git_coord::model::text::shell_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let out = isolated(Command::new(&exe), &home)
            .current_dir(dir)
            .env("GIT_COORD_AGENT", agent)
            .args(args)
            .output()
            .expect("git-coord runs");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        let code = out.status.code().unwrap_or(-1);
        println!("(exit {code})\n");
        code
    };

    coord(&a, "agent-a", &["init", "--no-hooks"]);
    coord(&b, "agent-b", &["init", "--no-hooks"]);
    assert_eq!(
        coord(
            &a,
            "agent-a",
            &["claim", "src/auth/**", "--note", "rewriting the auth flow"]
        ),
        0
    );
    assert_eq!(
        coord(&b, "agent-b", &["claim", "src/auth/login.ts"]),
        1,
        "B must be refused"
    );
    assert_eq!(coord(&b, "agent-b", &["claim", "src/billing/**"]), 0);
    assert_eq!(coord(&a, "agent-a", &["release", "--all"]), 0);
    assert_eq!(
        coord(&b, "agent-b", &["claim", "src/auth/login.ts"]),
        0,
        "B must be granted now"
    );
    coord(&a, "agent-a", &["status"]);
    coord(&a, "agent-a", &["log"]);
    println!("# the same history with plain git (the board's root and its shards):");
    let out = isolated(Command::new("git"), &home)
        .current_dir(&a)
        .args([
            "log",
            "--format=%h %s",
            "refs/coord/claims",
            "--glob=refs/coord/shards/*",
        ])
        .output()
        .expect("git runs");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    let _ = std::fs::remove_dir_all(&tmp);
    println!("\nok: two clones coordinated through one bare remote, no server");
}

/// The git-coord binary built next to this example.
fn binary() -> PathBuf {
    let me = std::env::current_exe().expect("current exe");
    let dir = me.parent().and_then(Path::parent).expect("target/<profile>/examples");
    let exe = dir.join("git-coord");
    if !exe.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--bin", "git-coord"])
            .args(if dir.ends_with("release") {
                &["--release"][..]
            } else {
                &[][..]
            })
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building git-coord failed");
    }
    exe
}

fn isolated(mut cmd: Command, home: &Path) -> Command {
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", home)
        .env("GIT_AUTHOR_NAME", "demo")
        .env("GIT_AUTHOR_EMAIL", "demo@example.com")
        .env("GIT_COMMITTER_NAME", "demo")
        .env("GIT_COMMITTER_EMAIL", "demo@example.com");
    cmd
}
