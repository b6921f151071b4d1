//! No way around the server: each way a pusher tried to get past the pre-receive hook, tried
//! again against a real bare remote with the hook `git coord init` installs.

use crate::enforce::{edit, server_with_pre_receive, world};
use crate::support::{Repo, World, NOW};

/// bob's change to what alice holds, committed in `b` (not pushed).
fn bobs_violation(b: &Repo) {
    edit(b, "src/auth/login.ts", "=> 1", "=> 2");
    b.commit_all("bob edits login");
}

fn push(r: &Repo, agent: &str, args: &[&str]) -> crate::support::Run {
    let mut full = vec!["push", "-q", "--no-verify", "origin"];
    full.extend_from_slice(args);
    r.git_as(agent, NOW, &full)
}

fn refused(r: &crate::support::Run, says: &str) {
    assert_ne!(r.code, 0, "the server must refuse: {}", r.stderr);
    assert!(r.stderr.contains(says), "expected {says:?} in: {}", r.stderr);
}

/// A server admin accepts exactly this policy file (the way a team loosens its policy).
fn admin_accepts(w: &World, a: &Repo, text: &str) {
    a.write(".coord.toml", text);
    a.commit_all("policy");
    let blob = a.git(&["rev-parse", "HEAD:.coord.toml"]).trim().to_owned();
    w.git_in(&w.remote(), &["config", "coord.acceptPolicy", &blob]);
    push(a, "alice", &["main"]).ok();
}

#[test]
fn a_hand_made_board_commit_must_be_one_valid_operation() {
    let w = world();
    let _server = server_with_pre_receive(&w);
    let (a, b) = (w.clone_hooked("a"), w.clone_hooked("b"));
    b.as_("bob", &["claim", "src/billing/**"]).ok();
    let id = a.as_("alice", &["claim", "src/auth/**", "--json"]).json()["claims"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    b.as_("bob", &["sync"]).ok();
    let home = git_coord::model::Scope::parse("src/auth/**", &[]).unwrap().home();
    let shard = git_coord::store::refs::board_ref(home.as_deref());
    // The shard's state before alice's claim (bob's alone), committed on top: alice's claim
    // dropped by hand.
    let tip = b.git(&["rev-parse", &shard]).trim().to_owned();
    let without = b.git(&["rev-parse", &format!("{shard}~1^{{tree}}")]).trim().to_owned();
    let forge = |message: &str| {
        b.git(&["commit-tree", &without, "-p", &tip, "-m", message])
            .trim()
            .to_owned()
    };
    let bare = forge("alice releases src/auth/**\n\nCoord-Op: release\nCoord-Agent: alice\n");
    let r = b.git_as("bob", NOW, &["push", "origin", &format!("{bare}:{shard}")]);
    refused(&r, "not a git-coord operation");
    let data = format!(r#"{{"op":"release","id":"o-forged","agent":"bob","claims":["{id}"],"force":false}}"#);
    let by_bob = forge(&format!(
        "bob releases src/auth/**\n\nCoord-Op: release\nCoord-Agent: bob\nCoord-Claims: {id}\nCoord-Data: {data}\n"
    ));
    let r = b.git_as("bob", NOW, &["push", "origin", &format!("{by_bob}:{shard}")]);
    refused(&r, "without --force");
    let tidy = forge(&format!(
        "bob tidies the board\n\nCoord-Op: tidy\nCoord-Agent: bob\nCoord-Data: {}\n",
        r#"{"op":"tidy","id":"o-tidy","agent":"bob"}"#
    ));
    let r = b.git_as("bob", NOW, &["push", "origin", &format!("{tidy}:{shard}")]);
    refused(&r, "by this server's clock it is active");
    assert_eq!(w.git_in(&w.remote(), &["rev-parse", &shard]).trim(), tip);
    // The claim stands, so the branch that violates it is refused too.
    bobs_violation(&b);
    refused(&push(&b, "bob", &["main"]), "alice");
    // What an honest client writes still passes: bob's own release, alice's renew.
    b.as_("bob", &["release", "--scope", "src/billing/**"]).ok();
    a.as_("alice", &["renew", "--all", "--ttl", "3h"]).ok();
}

#[test]
fn a_pushed_policy_is_judged_under_the_one_the_server_has() {
    let w = world();
    let _server = server_with_pre_receive(&w);
    let (a, b) = (w.clone_hooked("a"), w.clone_hooked("b"));
    a.as_("alice", &["claim", "src/auth/**"]).ok();
    // Hook off, pushed on its own: refused, with what an admin can do.
    b.write(".coord.toml", "[hook]\nmode = \"off\"\n");
    b.commit_all("turn the hook off");
    let r = push(&b, "bob", &["main"]);
    refused(&r, "guards less ([hook] mode enforce → off)");
    assert!(r.stderr.contains("coord.acceptPolicy"), "{}", r.stderr);
    // A typo is never adopted either (it would lock everyone out).
    b.git(&["reset", "-q", "--hard", "origin/main"]);
    b.write(".coord.toml", "[hook]\nmood = \"off\"\n");
    b.commit_all("typo");
    refused(&push(&b, "bob", &["main"]), ".coord.toml is not valid");
    // So the violation that follows is judged as before.
    b.git(&["reset", "-q", "--hard", "origin/main"]);
    bobs_violation(&b);
    refused(&push(&b, "bob", &["main"]), "alice");
    // Tightening needs nobody's leave.
    b.git(&["reset", "-q", "--hard", "origin/main"]);
    b.write(".coord.toml", "[claims]\nmax_files = 50\n");
    b.commit_all("tighter");
    push(&b, "bob", &["main"]).ok();
}

#[test]
fn a_push_option_proves_nothing_unless_the_team_says_so() {
    let w = world();
    let _server = server_with_pre_receive(&w);
    let (a, b) = (w.clone_hooked("a"), w.clone_hooked("b"));
    a.as_("alice", &["claim", "src/auth/**"]).ok();
    bobs_violation(&b);
    let r = push(&b, "bob", &["-o", "coord-agent=alice", "main"]);
    refused(&r, "proves nothing");
    // The team opts in (a server admin accepts the looser policy): the holder is then taken
    // at their word.
    admin_accepts(&w, &a, "[hook]\ntrust_push_option = true\n");
    edit(&a, "src/auth/login.ts", "=> 1", "=> 3");
    a.commit_all("alice's own change");
    push(&a, "alice", &["-o", "coord-agent=alice", "main"]).ok();
}

#[test]
fn commits_already_on_another_branch_are_judged_when_they_reach_a_guarded_one() {
    let w = world();
    let _server = server_with_pre_receive(&w);
    let (a, b) = (w.clone_hooked("a"), w.clone_hooked("b"));
    admin_accepts(&w, &a, "[hook]\nbranches = [\"main\"]\n");
    a.as_("alice", &["claim", "src/auth/**"]).ok();
    b.git(&["pull", "-q", "origin", "main"]);
    bobs_violation(&b);
    // `side` is not guarded: it lands there.
    push(&b, "bob", &["HEAD:side"]).ok();
    // Moving main onto it is judged like any other new commit of main.
    let side = b.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let r = push(&b, "bob", &[&format!("{side}:main")]);
    refused(&r, "alice");
}

#[test]
fn an_evil_merge_is_judged_on_what_it_drops() {
    let w = world();
    let a = w.clone("a");
    let b = w.clone("b");
    // alice changes login.ts on main (hers), then claims it.
    edit(&a, "src/auth/login.ts", "=> 1", "=> 2");
    a.commit_all("alice's login");
    a.git(&["push", "-q", "--no-verify", "origin", "main"]);
    a.as_("alice", &["claim", "src/auth/login.ts"]).ok();
    // bob, on a branch from before it, merges main but keeps his side's (old) login.ts.
    b.git(&["checkout", "-q", "-b", "feature"]);
    b.write("docs/notes.md", "notes\n");
    b.commit_all("bob's notes");
    b.git(&["fetch", "-q", "origin"]);
    b.git(&["merge", "-q", "-s", "ours", "-m", "merge main", "origin/main"]);
    let r = b.as_("bob", &["verify", "origin/main..HEAD", "--json"]);
    r.code(1);
    let files: Vec<String> = r.json()["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["file"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(files, vec!["src/auth/login.ts"], "{}", r.stdout);
    // An honest merge of the same branches changes nothing of alice's.
    b.git(&["reset", "-q", "--hard", "HEAD~1"]);
    b.git(&["merge", "-q", "-m", "merge main", "origin/main"]);
    b.as_("bob", &["verify", "origin/main..HEAD"]).ok();
}

#[test]
fn a_long_push_is_judged_to_its_first_commit() {
    let w = world();
    let _server = server_with_pre_receive(&w);
    let (a, b) = (w.clone_hooked("a"), w.clone_hooked("b"));
    a.as_("alice", &["claim", "src/auth/**"]).ok();
    // bob's violation first, then 10,050 commits on top (written by fast-import).
    bobs_violation(&b);
    let mut stream = String::new();
    for i in 0..10_050 {
        let from = if i == 0 {
            "from refs/heads/main^0\n".to_owned()
        } else {
            String::new()
        };
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter T <t@x> 1700000000 +0000\ndata 2\nc\n{from}M 100644 inline gen/n.txt\ndata {}\n{i}\n\n",
            format!("{i}\n").len()
        ));
    }
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(&b.dir).args(["fast-import", "--quiet", "--force"]);
    crate::support::isolate(&mut cmd, &b.home);
    let mut child = cmd.stdin(std::process::Stdio::piped()).spawn().unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(stream.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    let count = b.git(&["rev-list", "--count", "origin/main..main"]);
    assert_eq!(count.trim(), "10051");
    refused(&push(&b, "bob", &["main"]), "alice");
}

#[test]
fn without_git_coord_on_the_server_the_hook_refuses() {
    let w = world();
    let _server = server_with_pre_receive(&w);
    let b = w.clone("b");
    b.write("docs/more.md", "more\n");
    b.commit_all("docs");
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(&b.dir).args(["push", "-q", "origin", "main"]);
    crate::support::isolate(&mut cmd, &b.home);
    cmd.env("PATH", "/usr/bin:/bin");
    let r: crate::support::Run = cmd.output().unwrap().into();
    refused(&r, "git-coord is not on this server's PATH");
}

/// A host without server hooks: CI judges the board itself with `verify --board`.
#[test]
fn verify_board_judges_every_board_commit_as_the_server_would() {
    let w = world();
    let (a, b, ci) = (w.clone("a"), w.clone("b"), w.clone("ci"));
    b.as_("bob", &["claim", "src/billing/**"]).ok();
    let id = a.as_("alice", &["claim", "src/auth/**", "--json"]).json()["claims"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = ci.as_("ci", &["verify", "--board"]);
    r.ok();
    assert!(r.stdout.contains("0 problem(s)"), "{}", r.stdout);
    let again = ci.as_("ci", &["verify", "--board"]);
    again.ok();
    assert!(again.stdout.contains("0 new commit(s)"), "{}", again.stdout);
    // bob drops alice's claim by hand, straight to a remote without hooks.
    b.as_("bob", &["sync"]).ok();
    let home = git_coord::model::Scope::parse("src/auth/**", &[]).unwrap().home();
    let shard = git_coord::store::refs::board_ref(home.as_deref());
    let tip = b.git(&["rev-parse", &shard]).trim().to_owned();
    let without = b.git(&["rev-parse", &format!("{shard}~1^{{tree}}")]).trim().to_owned();
    let data = format!(r#"{{"op":"release","id":"o-forged","agent":"bob","claims":["{id}"],"force":false}}"#);
    let forged = b
        .git(&[
            "commit-tree",
            &without,
            "-p",
            &tip,
            "-m",
            &format!("bob releases src/auth/**\n\nCoord-Op: release\nCoord-Agent: bob\nCoord-Claims: {id}\nCoord-Data: {data}\n"),
        ])
        .trim()
        .to_owned();
    b.git(&["push", "-q", "origin", &format!("{forged}:{shard}")]);
    for _ in 0..2 {
        let r = ci.as_("ci", &["verify", "--board", "--json"]);
        r.code(1);
        let problems = r.json()["problems"].to_string();
        assert!(
            problems.contains("without --force") && problems.contains(&forged[..10]),
            "{problems}"
        );
    }
    ci.as_("ci", &["verify", "--as", "x"]).code(2);
}
