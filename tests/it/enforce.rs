//! Enforcement end to end: real `git push` through the installed pre-push hook, the same
//! judgement through `verify`, and a pre-receive hook on the bare remote.

use crate::support::{fixture, Repo, World, NOW};

pub(crate) fn world() -> World {
    World::with_sources(&[
        ("src/auth/router.ts", fixture("symbols/router.ts")),
        ("src/auth/login.ts", "export const login = () => 1;\n".to_string()),
        ("src/billing/invoice.ts", "export const total = 1;\n".to_string()),
        ("docs/guide.md", "# guide\n".to_string()),
        ("Cargo.lock", "# lock\n".to_string()),
    ])
}

pub(crate) fn edit(r: &Repo, path: &str, from: &str, to: &str) {
    let p = r.dir.join(path);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{path} lacks {from}");
    std::fs::write(p, text.replace(from, to)).unwrap();
}

fn push(r: &Repo, agent: &str, args: &[&str]) -> crate::support::Run {
    let mut full = vec!["push", "-q", "origin"];
    full.extend_from_slice(args);
    r.git_as(agent, NOW, &full)
}

#[test]
fn a_push_touching_another_agents_glob_claim_is_refused_with_a_table() {
    let w = world();
    let a = w.clone_hooked("a");
    let b = w.clone_hooked("b");
    let id = a
        .as_("alice", &["claim", "src/auth/**", "--note", "auth refactor", "--json"])
        .json()["claims"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    b.write("src/auth/login.ts", "export const login = () => 2;\n");
    b.commit_all("touch login");
    let r = push(&b, "bob", &["main"]);
    assert_ne!(r.code, 0, "the push must be refused");
    for needle in [
        "push refused",
        "src/auth/login.ts",
        "alice",
        &id,
        "auth refactor",
        "--no-verify",
        "release --force",
    ] {
        assert!(r.stderr.contains(needle), "missing {needle}:\n{}", r.stderr);
    }
    let remote_main = w.git_in(&w.remote(), &["rev-parse", "main"]);
    assert_ne!(
        remote_main.trim(),
        b.git(&["rev-parse", "HEAD"]).trim(),
        "nothing landed"
    );
    // Unrelated changes pass; after the release the change passes too.
    a.as_("alice", &["release", &id]).ok();
    push(&b, "bob", &["main"]).ok();
}

#[test]
fn new_files_renames_own_claims_expired_claims_and_deletions() {
    let w = world();
    let a = w.clone_hooked("a");
    let b = w.clone_hooked("b");
    a.as_("alice", &["claim", "src/auth/**", "--ttl", "1h"]).ok();
    // A new file under the claimed glob.
    b.write("src/auth/new_flow.ts", "export {};\n");
    b.commit_all("new file");
    let r = push(&b, "bob", &["main"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("src/auth/new_flow.ts"), "{}", r.stderr);
    b.git(&["reset", "-q", "--hard", "origin/main"]);
    // A rename out of the claimed directory counts for the old path.
    b.git(&["mv", "src/auth/login.ts", "src/login.ts"]);
    b.commit_all("move login");
    let r = push(&b, "bob", &["main"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("src/auth/login.ts"), "{}", r.stderr);
    // The holder itself may push.
    push(&b, "alice", &["main"]).ok();
    // Two hours later the claim has expired: bob passes.
    b.write("src/auth/late.ts", "export {};\n");
    b.commit_all("later");
    b.git_as("bob", "2026-11-21T12:00:00Z", &["push", "-q", "origin", "main"])
        .ok();
    // Deleting a branch is never refused.
    a.as_("alice", &["claim", "docs/**"]).ok();
    b.git(&["push", "-q", "--no-verify", "origin", "main:refs/heads/topic"]);
    push(&b, "bob", &[":topic"]).ok();
}

#[test]
fn symbol_claims_refuse_only_changes_to_that_symbol() {
    let w = world();
    let a = w.clone_hooked("a");
    let b = w.clone_hooked("b");
    a.as_("alice", &["claim", "src/auth/router.ts::Router::handleAuth"])
        .ok();
    edit(
        &b,
        "src/auth/router.ts",
        "res.send({ ok: true });",
        "res.send({ ok: false });",
    );
    b.commit_all("logout tweak");
    push(&b, "bob", &["main"]).ok();
    edit(
        &b,
        "src/auth/router.ts",
        "audit(`login ${session.id}`);",
        "audit(`login ${session.id} ok`);",
    );
    b.commit_all("auth tweak");
    let r = push(&b, "bob", &["main"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("Router::handleAuth"), "{}", r.stderr);
    // Module-level edits (imports) touch no symbol.
    b.git(&["reset", "-q", "--hard", "origin/main"]);
    edit(
        &b,
        "src/auth/router.ts",
        "import { Session } from \"./session\";",
        "import { Session, Token } from \"./session\";",
    );
    b.commit_all("imports");
    push(&b, "bob", &["main"]).ok();
}

#[test]
fn every_commit_of_a_new_branch_is_judged() {
    let w = world();
    let a = w.clone_hooked("a");
    let b = w.clone_hooked("b");
    a.as_("alice", &["claim", "src/billing/invoice.ts"]).ok();
    b.git(&["checkout", "-q", "-b", "feature"]);
    b.write("src/billing/invoice.ts", "export const total = 2;\n");
    b.commit_all("first: touches billing");
    b.write("docs/guide.md", "# guide 2\n");
    b.commit_all("second");
    b.write("docs/other.md", "x\n");
    b.commit_all("third");
    let r = push(&b, "bob", &["feature"]);
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("src/billing/invoice.ts"), "{}", r.stderr);
}

#[test]
fn an_existing_user_hook_is_kept_and_still_decides() {
    let w = world();
    let b = w.plain_clone("b");
    let hook = b.dir.join(".git/hooks/pre-push");
    std::fs::write(&hook, "#!/bin/sh\nwhile read l r s d; do echo \"$l\" >> \"$(git rev-parse --git-dir)/user-hook-saw\"; done\n[ -f \"$(git rev-parse --git-dir)/block\" ] && exit 1\nexit 0\n").unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&hook)
        .status()
        .unwrap();
    b.run(&["init"]).ok();
    b.run(&["init"]).ok();
    let text = std::fs::read_to_string(&hook).unwrap();
    assert_eq!(text.matches(">>> git-coord >>>").count(), 1, "installed once:\n{text}");
    assert!(text.contains("user-hook-saw"));
    b.write("docs/guide.md", "# changed\n");
    b.commit_all("docs");
    push(&b, "bob", &["main"]).ok();
    let saw = std::fs::read_to_string(b.dir.join(".git/user-hook-saw")).unwrap();
    assert!(
        saw.contains("refs/heads/main"),
        "the user's hook got the same stdin: {saw}"
    );
    std::fs::write(b.dir.join(".git/block"), "").unwrap();
    b.write("docs/guide.md", "# changed again\n");
    b.commit_all("docs 2");
    assert_ne!(push(&b, "bob", &["main"]).code, 0, "the user's hook can still refuse");
    // Uninstalling takes out exactly our block.
    b.run(&["init", "--uninstall-hooks"]).ok();
    let after = std::fs::read_to_string(&hook).unwrap();
    assert!(!after.contains("git-coord"), "{after}");
    assert!(after.contains("user-hook-saw"), "{after}");
}

#[test]
fn core_hooks_path_is_respected() {
    let w = world();
    let a = w.clone_hooked("a");
    let b = w.plain_clone("b");
    b.git(&["config", "core.hooksPath", ".githooks"]);
    b.run(&["init"]).ok();
    assert!(b.dir.join(".githooks/pre-push").exists());
    assert!(!b.dir.join(".git/hooks/pre-push").exists());
    a.as_("alice", &["claim", "docs/guide.md"]).ok();
    b.write("docs/guide.md", "# mine\n");
    b.git(&["add", "docs/guide.md"]);
    b.git(&["commit", "-q", "-m", "docs"]);
    assert_ne!(push(&b, "bob", &["main"]).code, 0);
}

#[test]
fn the_hook_judges_on_the_local_copy_when_the_remote_is_unreachable() {
    let w = world();
    let a = w.clone_hooked("a");
    let b = w.clone_hooked("b");
    a.as_("alice", &["claim", "docs/**"]).ok();
    b.as_("bob", &["status"]).ok();
    b.write("docs/guide.md", "# x\n");
    b.commit_all("docs");
    let head = b.git(&["rev-parse", "HEAD"]);
    let base = b.git(&["rev-parse", "origin/main"]);
    let stdin = format!("refs/heads/main {} refs/heads/main {}\n", head.trim(), base.trim());
    let mut child = b
        .command(Some("bob"), NOW, &["hook", "pre-push", "/nonexistent/remote.git"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out: crate::support::Run = child.wait_with_output().unwrap().into();
    out.code(1);
    assert!(out.stderr.contains("judging on the local copy"), "{}", out.stderr);
    assert!(out.stderr.contains("docs/guide.md"), "{}", out.stderr);
}

#[test]
fn warn_and_off_modes_and_guarded_branches() {
    let w = world();
    let a = w.clone_hooked("a");
    let b = w.clone_hooked("b");
    a.as_("alice", &["claim", "docs/**"]).ok();
    b.write(".coord.toml", "[hook]\nmode = \"warn\"\n");
    b.write("docs/guide.md", "# x\n");
    b.commit_all("docs + policy");
    let r = push(&b, "bob", &["main"]);
    r.ok();
    assert!(r.stderr.contains("warning"), "{}", r.stderr);
    b.write(".coord.toml", "[hook]\nbranches = [\"release/*\"]\n");
    b.write("docs/guide.md", "# y\n");
    b.commit_all("only release branches guarded");
    push(&b, "bob", &["main"]).ok();
    b.write("docs/guide.md", "# z\n");
    b.commit_all("for the release");
    assert_ne!(push(&b, "bob", &["HEAD:refs/heads/release/1.0"]).code, 0);
    // off: the hook judges nothing and says nothing.
    b.write(".coord.toml", "[hook]\nmode = \"off\"\nbranches = [\"release/*\"]\n");
    b.commit_all("hook off");
    let r = push(&b, "bob", &["HEAD:refs/heads/release/1.1"]);
    r.ok();
    assert!(!r.stderr.contains("git-coord"), "mode off says nothing: {}", r.stderr);
    // verify, asked for explicitly (CI), still reports what is held, whatever the hook mode.
    let v = b.as_("bob", &["verify", "HEAD~3..HEAD", "--json"]);
    v.code(1);
    assert_eq!(v.json()["violations"][0]["file"], "docs/guide.md", "{}", v.stdout);
}

#[test]
fn verify_gives_the_same_judgement_for_ci() {
    let w = world();
    let a = w.clone_hooked("a");
    let b = w.clone_hooked("b");
    a.as_(
        "alice",
        &["claim", "src/auth/router.ts::Router::handleAuth", "--note", "auth"],
    )
    .ok();
    a.as_("alice", &["claim", "src/billing/**"]).ok();
    let base = b.git(&["rev-parse", "HEAD"]).trim().to_owned();
    edit(
        &b,
        "src/auth/router.ts",
        "res.send({ ok: true });",
        "res.send({ ok: false });",
    );
    b.commit_all("logout");
    let range = format!("{base}..HEAD");
    b.as_("bob", &["verify", &range]).ok();
    edit(
        &b,
        "src/auth/router.ts",
        "audit(`login ${session.id}`);",
        "audit(`login!`);",
    );
    b.write("src/billing/invoice.ts", "export const total = 3;\n");
    b.commit_all("auth + billing");
    let r = b.as_("bob", &["verify", &range, "--json"]);
    r.code(1);
    let j = r.json();
    assert_eq!(j["violations"].as_array().unwrap().len(), 2, "{j}");
    assert_eq!(j["commits"], 2);
    let r = b.as_("bob", &["verify", &range, "--format", "github"]);
    r.code(1);
    assert!(
        r.stdout.contains("::error file=src/auth/router.ts,line=24"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("::error file=src/billing/invoice.ts,line=1"),
        "{}",
        r.stdout
    );
    // As alice, nothing is held by others.
    b.as_("bob", &["verify", &range, "--as", "alice"]).ok();
    b.as_("bob", &["verify", &range, "--format", "yaml"]).code(2);
}

pub(crate) fn server_with_pre_receive(w: &World) -> Repo {
    let server = Repo {
        dir: w.remote(),
        home: w.home(),
    };
    let r = server.run(&["init"]);
    r.ok();
    assert!(w.remote().join("hooks/pre-receive").exists(), "{}", r.stdout);
    // init sets what the hook needs for holders to say who they are.
    assert_eq!(server.git(&["config", "receive.advertisePushOptions"]).trim(), "true");
    assert!(r.stdout.contains("push-options"), "{}", r.stdout);
    server
}

#[test]
fn the_server_refuses_what_no_verify_would_let_through() {
    let w = world();
    let _server = server_with_pre_receive(&w);
    let a = w.clone_hooked("a");
    let b = w.clone_hooked("b");
    a.as_("alice", &["claim", "src/auth/router.ts::Router::handleAuth"])
        .ok();
    edit(
        &b,
        "src/auth/router.ts",
        "audit(`login ${session.id}`);",
        "audit(`nope`);",
    );
    b.commit_all("auth");
    let r = b.git_as("bob", NOW, &["push", "-q", "--no-verify", "origin", "main"]);
    assert_ne!(r.code, 0, "server must refuse");
    assert!(
        r.stderr.contains("Router::handleAuth") && r.stderr.contains("alice"),
        "{}",
        r.stderr
    );
    // A different method passes on the server too.
    b.git(&["reset", "-q", "--hard", "origin/main"]);
    edit(
        &b,
        "src/auth/router.ts",
        "res.send({ ok: true });",
        "res.send({ ok: 1 });",
    );
    b.commit_all("logout");
    b.git_as("bob", NOW, &["push", "-q", "--no-verify", "origin", "main"])
        .ok();
    // A push option naming the holder proves nothing: refused (see server.rs for the opt-in).
    edit(
        &a,
        "src/auth/router.ts",
        "audit(`login ${session.id}`);",
        "audit(`mine`);",
    );
    a.commit_all("alice's own change");
    a.git(&["pull", "-q", "--rebase", "origin", "main"]);
    let r = a.git_as(
        "alice",
        NOW,
        &["push", "-q", "--no-verify", "-o", "coord-agent=alice", "origin", "main"],
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("proves nothing"), "{}", r.stderr);
    // Claims keep working through the server hook.
    b.as_("bob", &["claim", "docs/**"]).ok();
}

#[test]
fn the_server_refuses_malformed_and_non_fast_forward_board_writes() {
    let w = world();
    let _server = server_with_pre_receive(&w);
    let a = w.clone_hooked("a");
    a.as_("alice", &["claim", "docs/**"]).ok();
    a.as_("alice", &["claim", "db:users"]).ok();
    a.as_("alice", &["task", "add", "write the docs"]).ok();
    // Rewind the board: not a fast-forward (the root, and a shard).
    let parent = a.git(&["rev-parse", "refs/coord/claims~1"]).trim().to_owned();
    let r = a.git_status(&["push", "origin", &format!("+{parent}:refs/coord/claims")]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("not a fast-forward"), "{}", r.stderr);
    let home = git_coord::model::Scope::parse("docs/**", &[]).unwrap().home();
    let shard = git_coord::store::refs::board_ref(home.as_deref());
    a.as_("alice", &["release", "--scope", "docs/**"]).ok();
    let parent = a.git(&["rev-parse", &format!("{shard}~1")]).trim().to_owned();
    let r = a.git_status(&["push", "origin", &format!("+{parent}:{shard}")]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("not a fast-forward"), "{}", r.stderr);
    let r = a.git_status(&["push", "origin", &format!(":{shard}")]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("deleting the claims board"), "{}", r.stderr);
    // A commit that is not a board.
    let tree = a.git(&["write-tree"]).trim().to_owned();
    let tip = a.git(&["rev-parse", "refs/coord/claims"]).trim().to_owned();
    let bogus = a
        .git(&["commit-tree", &tree, "-p", &tip, "-m", "not a board"])
        .trim()
        .to_owned();
    let r = a.git_status(&["push", "origin", &format!("{bogus}:refs/coord/claims")]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("malformed board"), "{}", r.stderr);
    let r = a.git_status(&["push", "origin", ":refs/coord/claims"]);
    assert_ne!(r.code, 0);
    assert_eq!(w.git_in(&w.remote(), &["rev-parse", "refs/coord/claims"]).trim(), tip);
}
