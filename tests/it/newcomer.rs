//! The first ten minutes, as a newcomer meets them: each of these was seen when git-coord
//! was tried as a new user would, and is pinned here.

use std::process::Command;

use crate::support::{World, BIN};

#[test]
fn init_leaves_no_untracked_policy_that_would_break_a_pull() {
    let w = World::new();
    let a = w.clone("a");
    let b = w.clone("b");
    assert!(!a.dir.join(".coord.toml").exists() && !b.dir.join(".coord.toml").exists());
    let r = a.run(&["init", "--no-hooks", "--policy"]);
    r.ok();
    assert!(r.stdout.contains("wrote a commented .coord.toml"), "{}", r.stdout);
    a.commit_all("policy");
    a.git(&["push", "-q", "--no-verify", "origin", "HEAD"]);
    b.git(&["pull", "-q", "--no-rebase", "origin", "main"]);
    assert!(b.dir.join(".coord.toml").exists());
    // Without a remote there is nothing to collide with: init writes it.
    let solo = w.root().join("solo");
    std::fs::create_dir_all(&solo).unwrap();
    w.git_in(&solo, &["init", "-q"]);
    let out = Command::new(BIN)
        .arg("init")
        .current_dir(&solo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", w.home())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let policy = std::fs::read_to_string(solo.join(".coord.toml")).unwrap();
    assert!(
        policy.contains("git coord man --install"),
        "the help it points to exists"
    );
}

#[test]
fn what_is_printed_reads_right() {
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/auth/**", "--note", "auth"]).ok();
    a.as_("alice", &["claim", "db:users"]).ok();
    // log: newest first, like --json and git log.
    let log = a.as_("alice", &["log"]).stdout;
    let lines: Vec<&str> = log.lines().collect();
    assert!(
        lines[0].contains("db:users") && lines[1].contains("src/auth/**"),
        "{log}"
    );
    let json = a.as_("alice", &["log", "--json"]).json();
    assert!(json["events"][0]["subject"].as_str().unwrap().contains("db:users"));
    // check on a scope you hold says so.
    let r = a.as_("alice", &["check", "src/auth/login.ts"]);
    r.ok();
    assert!(r.stdout.contains("you already hold src/auth/** (c-"), "{}", r.stdout);
    // agents shows the machine.
    let r = a.as_("alice", &["agents"]);
    assert!(
        r.stdout.starts_with("AGENT") && r.stdout.contains("HOST") && r.stdout.contains("alice"),
        "{}",
        r.stdout
    );
    // help says what the default id really is, and what --offline does for reads.
    let help = a.run(&["--help"]).stdout;
    assert!(
        help.contains("user.email/host") && !help.contains("user.email@host"),
        "{help}"
    );
    assert!(help.contains("reads use this clone's copy"), "{help}");
}

#[test]
fn pending_handoffs_and_releases_read_right() {
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["--offline", "handoff", "write", "--summary", "half way"])
        .ok();
    let status = a.as_("alice", &["status"]).stdout;
    let line = status
        .lines()
        .find(|l| l.trim_start().starts_with("handoff"))
        .unwrap_or_default()
        .to_owned();
    assert!(line.contains("handoff h-"), "a pending handoff names its id: {status}");
    let r = a.as_("alice", &["sync"]);
    assert!(r.stdout.contains("confirmed  handoff handoff h-"), "{}", r.stdout);
    a.as_("alice", &["claim", "src/main.ts"]).ok();
    let r = a.as_("alice", &["release", "--all"]);
    assert!(
        r.stdout.contains("released 1 claim(s)") && !r.stdout.contains("expires"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_path_that_is_not_there_needs_new_like_a_symbol() {
    let w = World::new();
    let a = w.clone("a");
    let r = a.as_("alice", &["claim", "x y z"]);
    r.code(2);
    assert!(
        r.stderr.contains("no file or directory 'x y z'") && r.stderr.contains("--new"),
        "{}",
        r.stderr
    );
    let r = a.as_("alice", &["claim", "src/auth/logn.ts"]);
    r.code(2);
    assert!(r.stderr.contains("did you mean src/auth/login.ts?"), "{}", r.stderr);
    a.as_("alice", &["claim", "src/auth/new.ts", "--new"]).ok();
    // Directories, globs and files only in the work tree are fine.
    a.as_("alice", &["claim", "docs"]).ok();
    a.write("scratch/notes.md", "x");
    a.as_("alice", &["claim", "scratch/notes.md"]).ok();
}

#[test]
fn a_handoff_file_with_its_own_summary_has_one_summary_section() {
    let w = World::new();
    let a = w.clone("a");
    let notes = w.root().join("notes.md");
    std::fs::write(
        &notes,
        "## Summary\n\nLogin works; refresh does not.\n\n## Done\n\n- login\n",
    )
    .unwrap();
    let r = a.as_(
        "alice",
        &[
            "handoff",
            "write",
            "--summary",
            "auth half done",
            "--file",
            notes.to_str().unwrap(),
            "--json",
        ],
    );
    r.ok();
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let doc = a.git(&["show", &format!("refs/coord/claims:handoff-docs/{id}.md")]);
    assert_eq!(doc.matches("## Summary").count(), 1, "{doc}");
    assert!(
        doc.contains("auth half done\n\nLogin works; refresh does not."),
        "{doc}"
    );
    assert!(doc.contains("## Done\n\n- login"), "{doc}");
}

#[test]
fn a_refused_push_prints_commands_that_paste_as_shown() {
    let w = World::new();
    let a = w.clone_hooked("a");
    let b = w.clone_hooked("b");
    a.as_("alice", &["claim", "src/auth/**"]).ok();
    b.write("src/auth/login.ts", "changed\n");
    b.commit_all("edit");
    let r = b.git_as("bob", crate::support::NOW, &["push", "origin", "HEAD"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("git coord claim 'src/auth/**' --wait 30m"),
        "{}",
        r.stderr
    );
}
