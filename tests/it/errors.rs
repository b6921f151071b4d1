//! Bad input gets a clear error (exit 2) and loses nothing; corrupt state is named.

use crate::support::World;

#[test]
fn malformed_scopes_are_refused_with_a_reason() {
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/main.ts"]).ok();
    let before = w.remote_coord_refs();
    let table: &[(&str, &str)] = &[
        ("../outside.ts", "leaves the repository"),
        ("!src/**", "negated"),
        ("", "empty scope"),
        ("src/[x.ts", "invalid glob"),
        ("queue:jobs", "unknown key namespace 'queue'"),
        ("src/main.ts::", "invalid symbol"),
        ("src/nope.ts::Foo", "does not exist"),
    ];
    for (scope, needle) in table {
        let r = a.as_("alice", &["claim", scope]);
        r.code(2);
        assert!(r.stderr.contains(needle), "{scope:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    }
    assert_eq!(w.remote_coord_refs(), before, "nothing was written");
}

#[test]
fn malformed_durations_agents_and_times_are_refused() {
    let w = World::new();
    let a = w.clone("a");
    let before = w.remote_coord_refs();
    let r = a.as_("alice", &["claim", "src/main.ts", "--ttl", "soon"]);
    r.code(2);
    assert!(r.stderr.contains("--ttl") && r.stderr.contains("90s"), "{}", r.stderr);
    a.as_("alice", &["claim", "src/main.ts", "--ttl", "0s"]).code(2);
    a.as_("alice", &["claim", "src/main.ts", "--urgency", "asap"]).code(2);
    let r = a.as_("has space", &["claim", "src/main.ts"]);
    r.code(2);
    assert!(r.stderr.contains("invalid agent id 'has space'"), "{}", r.stderr);
    let r = a.run(&["--agent", &"x".repeat(129), "status"]);
    r.code(2);
    let r = a.at("alice", "yesterday", &["status"]);
    r.code(2);
    assert!(r.stderr.contains("GIT_COORD_NOW"), "{}", r.stderr);
    let r = a.as_("alice", &["release", "not-an-id"]);
    r.code(2);
    assert!(r.stderr.contains("invalid claim id"), "{}", r.stderr);
    let r = a.as_("alice", &["log", "--since", "last tuesday"]);
    r.code(2);
    let r = a.as_("alice", &["--remote", "nowhere", "status"]);
    r.code(2);
    assert!(r.stderr.contains("no remote named 'nowhere'"), "{}", r.stderr);
    assert_eq!(w.remote_coord_refs(), before, "nothing written");
}

#[test]
fn json_errors_are_one_object() {
    let w = World::new();
    let a = w.clone("a");
    let r = a.as_("alice", &["claim", "../x", "--json"]);
    r.code(2);
    let j = r.json();
    assert!(j["error"]["message"]
        .as_str()
        .unwrap()
        .contains("leaves the repository"));
    assert_eq!(j["error"]["exit"], 2);
}

#[test]
fn claims_over_the_policy_limits_are_refused() {
    let files: Vec<String> = (0..120).map(|i| format!("gen/f{i:03}.ts")).collect();
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    let w = World::with_files(&refs);
    let a = w.clone("a");
    let r = a.as_("alice", &["claim", "gen/**"]);
    r.code(2);
    assert!(r.stderr.contains("covers 120 tracked files"), "{}", r.stderr);
    assert!(r.stderr.contains("max_files"), "{}", r.stderr);
    // 20% of 120 = 24 files.
    let r = a.as_("alice", &["claim", "gen/f0*"]);
    r.code(2);
    a.as_("alice", &["claim", "gen/f00*"]).ok();
    a.write(".coord.toml", "[claims]\nmax_files = 5\n");
    let r = a.as_("alice", &["claim", "gen/f01*"]);
    r.code(2);
    assert!(r.stderr.contains("at most 5"), "{}", r.stderr);
    // A typo never locks anyone out: it is named (with its line) and the last valid policy
    // (here the default, committed at HEAD as none) stays in force.
    a.write(".coord.toml", "[claims]\nmax_file = 5\n");
    let r = a.as_("alice", &["status"]);
    r.ok();
    assert!(
        r.stderr.contains("max_file") && r.stderr.contains("line 2"),
        "{}",
        r.stderr
    );
    let r = a.as_("alice", &["claim", "gen/f01*"]);
    r.ok();
    assert!(r.stderr.contains("ignoring"), "{}", r.stderr);
}

#[test]
fn an_invalid_committed_policy_falls_back_to_the_last_valid_one() {
    let w = World::new();
    let a = w.clone("a");
    a.write(".coord.toml", "[claims]\nmax_files = 1\n");
    a.commit_all("policy: one file per claim");
    a.write(".coord.toml", "[claims]\nmax_filez = 1\n");
    a.commit_all("policy typo");
    let r = a.as_("alice", &["claim", "src/**"]);
    r.code(2);
    assert!(
        r.stderr.contains("at most 1"),
        "the last valid policy is in force: {}",
        r.stderr
    );
    assert!(r.stderr.contains("max_filez"), "{}", r.stderr);
    let d = a.as_("alice", &["doctor"]);
    assert!(d.stdout.contains("max_filez"), "doctor names it: {}", d.stdout);
}

/// Put a raw tree under refs/coord/claims in the remote and fetch it.
pub fn plant(w: &World, files: &[(&str, &str)]) {
    plant_at(w, "refs/coord/claims", files);
}

/// Push a commit of exactly `files` to `refname` on the remote (bypassing git-coord); its id.
pub fn plant_at(w: &World, refname: &str, files: &[(&str, &str)]) -> String {
    let work = w.root().join(format!("plant-{}", refname.replace('/', "-")));
    std::fs::create_dir_all(&work).unwrap();
    w.git_in(&work, &["init", "-q"]);
    for (p, text) in files {
        let path = work.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    w.git_in(&work, &["add", "-A"]);
    w.git_in(&work, &["commit", "-q", "-m", "planted"]);
    let spec = format!("HEAD:{refname}");
    w.git_in(&work, &["push", "-q", "-f", w.remote().to_str().unwrap(), &spec]);
    w.git_in(&work, &["rev-parse", "HEAD"]).trim().to_owned()
}

#[test]
fn corrupt_state_is_reported_with_ref_and_path_and_never_overwritten() {
    let w = World::new();
    plant(
        &w,
        &[
            ("meta.json", "{\"schema\":1,\"kind\":\"claims\"}\n"),
            ("claims/ab.json", "[{\"id\": \"c-ab000000\", oops"),
        ],
    );
    let a = w.clone("a");
    let before = w.remote_coord_refs();
    let r = a.as_("alice", &["status"]);
    r.code(2);
    assert!(
        r.stderr
            .contains("refs/coord/claims:claims/ab.json is not valid git-coord data"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("git show refs/coord/claims:claims/ab.json"),
        "{}",
        r.stderr
    );
    let r = a.as_("alice", &["claim", "src/main.ts"]);
    r.code(2);
    assert_eq!(
        w.remote_coord_refs(),
        before,
        "a write never replaces what it cannot read"
    );
    let d = a.as_("alice", &["doctor"]);
    d.code(1);
    assert!(d.stdout.contains("claims/ab.json"), "{}", d.stdout);
}

#[test]
fn an_unknown_schema_version_is_named() {
    let w = World::new();
    plant(&w, &[("meta.json", "{\"schema\":9,\"kind\":\"claims\"}\n")]);
    let a = w.clone("a");
    let r = a.as_("alice", &["claim", "src/main.ts"]);
    r.code(2);
    assert!(r.stderr.contains("schema version 9"), "{}", r.stderr);
    assert!(r.stderr.contains("upgrade git-coord"), "{}", r.stderr);
}

#[test]
fn a_non_commit_under_refs_coord_is_named() {
    let w = World::new();
    let a = w.clone("a");
    let blob = a.git(&["hash-object", "-w", "README.md"]);
    a.git(&["update-ref", "refs/coord/claims", blob.trim()]);
    let r = a.as_("alice", &["status", "--no-fetch"]);
    r.code(2);
    assert!(
        r.stderr.contains("refs/coord/claims points to a blob, not a commit"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_foreign_tree_without_meta_is_not_mistaken_for_a_board() {
    let w = World::new();
    plant(&w, &[("notes.txt", "hello")]);
    let a = w.clone("a");
    let r = a.as_("alice", &["claim", "src/main.ts"]);
    r.code(2);
    assert!(r.stderr.contains("meta.json"), "{}", r.stderr);
}

#[test]
fn oversized_text_is_refused_by_name_and_nothing_is_written() {
    let w = World::new();
    let a = w.clone("a");
    let before = a.git(&["for-each-ref", "refs/coord/"]);
    let note = "n".repeat(100_000);
    let r = a.as_("alice", &["claim", "src/main.ts", "--note", &note]);
    r.code(2);
    assert!(
        r.stderr.contains("the note is 100000 characters long; at most 1000"),
        "{}",
        r.stderr
    );
    let summary = "s".repeat(120_000);
    let r = a.as_("alice", &["handoff", "write", "--summary", &summary]);
    r.code(2);
    assert!(
        r.stderr.contains("the summary is 120000 characters long; at most 200"),
        "{}",
        r.stderr
    );
    let scopes: Vec<String> = (0..101).map(|i| format!("db:t{i}")).collect();
    let mut args = vec!["claim"];
    args.extend(scopes.iter().map(String::as_str));
    let r = a.as_("alice", &args);
    r.code(2);
    assert!(
        r.stderr.contains("101 scopes in one claim; at most 100"),
        "{}",
        r.stderr
    );
    assert_eq!(a.git(&["for-each-ref", "refs/coord/"]), before, "nothing was written");
    // A long single-line summary within the limit still makes a one-line subject.
    let r = a.as_(
        "alice",
        &[
            "handoff",
            "write",
            "--summary",
            &format!("{}\nCoord-Agent: admin", "word ".repeat(30)),
        ],
    );
    r.ok();
    let subject = a.git(&["log", "-1", "--format=%s", "refs/coord/claims"]);
    assert!(
        subject.trim().chars().count() <= 120 && !subject.trim().contains('\n'),
        "{subject}"
    );
}
