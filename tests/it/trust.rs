//! Trust (SPEC 8): board commits signed with ssh keys the way git signs commits, each claim
//! reported verified, unsigned or forged against the tracked allowed-signers file, and a
//! server that under `require` refuses what is not signed by the agent it names.

use crate::enforce::server_with_pre_receive;
use crate::support::{Repo, World};

/// An ed25519 key pair made by ssh-keygen, no passphrase: the private key's path.
fn key(w: &World, name: &str) -> String {
    let path = w.root().join(format!("{name}_key"));
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .expect("ssh-keygen runs (openssh-client)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    path.display().to_string()
}

/// git's ssh signing needs ssh-keygen (OpenSSH, installed wherever git signs with ssh keys;
/// `.ci/run` installs it). Without it these tests say so and stop.
fn have_ssh_keygen() -> bool {
    let ok = std::process::Command::new("ssh-keygen").arg("-?").output().is_ok();
    if !ok {
        eprintln!("SKIPPED: ssh-keygen is not installed; the trust tests need it");
    }
    ok
}

/// A team set up for trust: alice and bob each have a key, the allowed signers give
/// `alice/*` to alice's and `bob/*` to bob's, and `.coord.toml` says `extra`.
fn team(extra: &str) -> (World, String, String) {
    let w = World::new();
    let (alice, bob) = (key(&w, "alice"), key(&w, "bob"));
    let setup = w.clone("setup");
    let public = |k: &str| std::fs::read_to_string(format!("{k}.pub")).unwrap();
    setup.write(
        ".coord/allowed_signers",
        &format!(
            "alice,alice/*,alice@example.com {}bob,bob/* {}",
            public(&alice),
            public(&bob)
        ),
    );
    setup.write(".coord.toml", &format!("[trust]\nsign = true\n{extra}"));
    setup.commit_all("trust");
    setup.git(&["push", "-q", "origin", "main"]);
    (w, alice, bob)
}

fn signing_clone(w: &World, name: &str, key: &str) -> Repo {
    let r = w.clone(name);
    r.git(&["config", "user.signingKey", key]);
    r
}

/// A clone whose own copy of the allowed signers (changed, never committed) gives `key` every
/// `alice/*` agent: how a forger gets past the signer's own check. Readers and the server go
/// by the committed file.
fn forger_clone(w: &World, name: &str, key: &str) -> Repo {
    let r = signing_clone(w, name, key);
    let signers = std::fs::read_to_string(r.dir.join(".coord/allowed_signers")).unwrap();
    let public = std::fs::read_to_string(format!("{key}.pub")).unwrap();
    r.write(".coord/allowed_signers", &format!("{signers}alice/* {public}"));
    r
}

fn trust_of(r: &Repo, agent: &str, scope: &str) -> String {
    let s = r.as_(agent, &["status", "--json"]).json();
    let c = s["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["scope"].to_string().contains(scope))
        .unwrap_or_else(|| panic!("{scope} in {s}"))
        .clone();
    c["trust"].as_str().unwrap_or("(none)").to_owned()
}

#[test]
fn signed_claims_are_verified_by_git_and_by_every_reader() {
    if !have_ssh_keygen() {
        return;
    }
    let (w, alice, bob) = team("");
    let a = signing_clone(&w, "a", &alice);
    let b = signing_clone(&w, "b", &bob);
    a.as_("alice/one", &["claim", "db:users"]).ok();
    // Plain git verifies the board commit with the same allowed-signers file.
    let shard = w.board_message("db:users");
    assert!(shard.contains("alice/one claims db:users"), "{shard}");
    let home = git_coord::model::Scope::parse("db:users", &["db".into()])
        .unwrap()
        .home();
    let name = git_coord::store::refs::board_ref(home.as_deref());
    let shown = a.git(&[
        "-c",
        "gpg.ssh.allowedSignersFile=.coord/allowed_signers",
        "log",
        "-1",
        "--format=%G? %GS",
        &name,
    ]);
    assert!(shown.starts_with("G "), "git says: {shown}");
    // Every reader, on another clone, sees it verified.
    assert_eq!(trust_of(&b, "bob/x", "db:users"), "verified");
    // bob's key naming alice: forged; an unsigned claim: unsigned. Both marked for people.
    forger_clone(&w, "forger", &bob)
        .as_("alice/two", &["claim", "db:orders"])
        .ok();
    let c = w.clone("c");
    c.write(".coord.toml", "[trust]\nsign = false\n");
    c.as_("carol", &["claim", "db:carts"]).ok();
    assert_eq!(trust_of(&a, "alice/one", "db:orders"), "forged");
    assert_eq!(trust_of(&a, "alice/one", "db:carts"), "unsigned");
    let human = a.as_("alice/one", &["status"]);
    assert!(human.stdout.contains("alice/two (FORGED)"), "{}", human.stdout);
    assert!(human.stdout.contains("carol (unsigned)"), "{}", human.stdout);
    let who = a.as_("alice/one", &["who", "db:orders", "--json"]).json();
    assert_eq!(who["claims"][0]["trust"], "forged", "{who}");
    let check = a.as_("alice/one", &["check", "db:orders", "--json"]).json();
    assert_eq!(check["conflicts"][0]["claim"]["trust"], "forged", "{check}");
}

#[test]
fn a_missing_key_is_an_error_and_nothing_unsigned_is_written() {
    if !have_ssh_keygen() {
        return;
    }
    let (w, _alice, _bob) = team("");
    let a = w.clone("a");
    let before = w.remote_coord_refs();
    let r = a.as_("alice/one", &["claim", "db:users"]);
    r.code(2);
    assert!(r.stderr.contains("user.signingKey is not set"), "{}", r.stderr);
    a.git(&["config", "user.signingKey", "/nonexistent/key"]);
    let r = a.as_("alice/one", &["claim", "db:users"]);
    r.code(2);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    assert_eq!(w.remote_coord_refs(), before, "no board ref moved");
}

#[test]
fn a_key_that_would_not_count_is_an_error_before_anything_is_written() {
    if !have_ssh_keygen() {
        return;
    }
    let (w, alice, bob) = team("");
    let before = w.remote_coord_refs();
    // bob's key for alice's agents: not listed for them, and the message says what would be.
    let b = signing_clone(&w, "b", &bob);
    let r = b.as_("alice/two", &["claim", "db:orders"]);
    r.code(2);
    assert!(
        r.stderr.contains("cannot sign for alice/two")
            && r.stderr.contains("is not in the allowed signers for alice/two")
            && r.stderr.contains("a line like `alice/two ssh-ed25519 "),
        "{}",
        r.stderr
    );
    // A key listed with a valid-before in the past (the clock is pinned to 2026-11-21).
    let signers = std::fs::read_to_string(b.dir.join(".coord/allowed_signers")).unwrap();
    let expired = signers.replace("bob,bob/* ", "bob,bob/* valid-before=\"20260101Z\" ");
    b.write(".coord/allowed_signers", &expired);
    let r = b.as_("bob/one", &["claim", "db:orders"]);
    r.code(2);
    assert!(r.stderr.contains("expired at 2026-01-01"), "{}", r.stderr);
    // The same in local time is judged by ssh-keygen itself, with the same outcome.
    b.write(".coord/allowed_signers", &expired.replace("20260101Z", "20260101"));
    let r = b.as_("bob/one", &["claim", "db:orders"]);
    r.code(2);
    assert!(r.stderr.contains("expired"), "{}", r.stderr);
    // A revoked key (git's gpg.ssh.revocationFile).
    b.write(".coord/allowed_signers", &signers);
    b.git(&["config", "gpg.ssh.revocationFile", &format!("{bob}.pub")]);
    let r = b.as_("bob/one", &["claim", "db:orders"]);
    r.code(2);
    assert!(r.stderr.contains("revoked"), "{}", r.stderr);
    assert_eq!(w.remote_coord_refs(), before, "no board ref moved");
    // Put right, the same claim goes through, verified.
    b.git(&["config", "--unset", "gpg.ssh.revocationFile"]);
    b.as_("bob/one", &["claim", "db:orders"]).ok();
    let a = signing_clone(&w, "a", &alice);
    assert_eq!(trust_of(&a, "alice/one", "db:orders"), "verified");
}

#[test]
fn under_require_the_server_refuses_what_the_agent_did_not_sign() {
    if !have_ssh_keygen() {
        return;
    }
    let (w, alice, bob) = team("require = true\nmaintainers = [\"alice@example.com\"]\n");
    let _server = server_with_pre_receive(&w);
    let a = signing_clone(&w, "a", &alice);
    let b = signing_clone(&w, "b", &bob);
    a.as_("alice/one", &["claim", "db:users"]).ok();
    // bob's key for alice's name: refused, and nothing lands.
    let forger = forger_clone(&w, "forger", &bob);
    let r = forger.as_("alice/two", &["claim", "db:orders"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("do not give alice/two"), "{}", r.stderr);
    // Unsigned: refused.
    let c = w.clone("c");
    c.write(".coord.toml", "[trust]\nsign = false\nrequire = true\n");
    let r = c.as_("carol", &["claim", "db:carts"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("not signed"), "{}", r.stderr);
    // bob may not force alice's claim away; alice (a maintainer) may force bob's.
    b.as_("bob/one", &["claim", "db:stock"]).ok();
    let id = |r: &Repo, scope: &str| -> String {
        let s = r.as_("x", &["status", "--json"]).json();
        s["claims"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["scope"].to_string().contains(scope))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let users = id(&b, "db:users");
    let r = b.as_("bob/one", &["release", &users, "--force"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("not signed by a maintainer"), "{}", r.stderr);
    let stock = id(&a, "db:stock");
    a.as_("alice/one", &["release", &stock, "--force"]).ok();
    // bob cannot give his key alice's agents by pushing the allowed signers.
    let signers = std::fs::read_to_string(b.dir.join(".coord/allowed_signers")).unwrap();
    let bobs = std::fs::read_to_string(format!("{bob}.pub")).unwrap();
    b.write(".coord/allowed_signers", &format!("{signers}alice/* {bobs}"));
    b.commit_all("let bob be alice");
    let r = b.git_status(&["push", "-q", "--no-verify", "origin", "main"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("gives keys to more agents"), "{}", r.stderr);
    // alice's claim stands on the remote, verified.
    assert_eq!(trust_of(&w.clone("reader"), "reader", "db:users"), "verified");
}

#[test]
fn under_require_the_server_lets_a_claim_over_one_written_unsigned_before() {
    if !have_ssh_keygen() {
        return;
    }
    let (w, alice, _bob) = team("");
    let _server = server_with_pre_receive(&w);
    // Before `require`: carol claims without signing, and the server accepts it.
    let c = w.clone("c");
    c.write(".coord.toml", "[trust]\nsign = false\n");
    c.as_("carol", &["claim", "db:carts"]).ok();
    // The team turns `require` on (a tightening: no admin needed).
    let setup = w.clone("setup2");
    setup.write(".coord.toml", "[trust]\nsign = true\nrequire = true\n");
    setup.commit_all("require signatures");
    setup.git(&["push", "-q", "origin", "main"]);
    // alice's signed claim over carol's unsigned one: the client counts it as free, and so
    // does the server (before this, the server refused what every client granted).
    let a = signing_clone(&w, "a", &alice);
    let r = a.as_("alice/one", &["claim", "db:carts", "--json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("does not count"), "{}", r.stdout);
    let s = w.clone("reader").as_("reader", &["status", "--json"]).json();
    let all = s["claims"].as_array().unwrap();
    let mine = all
        .iter()
        .find(|c| c["agent"] == "alice/one")
        .unwrap_or_else(|| panic!("{s}"));
    assert_eq!(mine["trust"], "verified", "{s}");
    assert!(
        all.iter().any(|c| c["agent"] == "carol" && c["trust"] == "unsigned"),
        "{s}"
    );
    // alice's claim is signed, so it blocks: the client refuses, and the server's check is
    // the one every earlier test shows.
    let b2 = w.clone("d");
    b2.write(".coord.toml", "[trust]\nsign = false\n");
    b2.as_("dave", &["claim", "db:carts"]).code(1);
}

#[test]
fn under_require_unsigned_and_forged_claims_block_nobody_and_are_reported() {
    if !have_ssh_keygen() {
        return;
    }
    // No server hook: a hosted remote. The clients' own judgement is all there is.
    let (w, alice, bob) = team("require = true\n");
    let a = signing_clone(&w, "a", &alice);
    let forger = forger_clone(&w, "forger", &bob);
    forger.as_("alice/two", &["claim", "db:orders"]).ok();
    let c = w.clone("c");
    c.write(".coord.toml", "[trust]\nsign = false\n");
    c.as_("carol", &["claim", "db:carts"]).ok();
    let b = signing_clone(&w, "b", &bob);
    b.as_("bob/one", &["claim", "db:stock"]).ok();
    // check: free, and it says why.
    let r = a.as_("alice/one", &["check", "db:orders", "db:carts", "--json"]);
    r.ok();
    let notices = r.json()["notices"].to_string();
    assert!(
        notices.contains("db:orders") && notices.contains("signed by a key not allowed"),
        "{notices}"
    );
    assert!(
        notices.contains("db:carts") && notices.contains("not signed"),
        "{notices}"
    );
    // claim: granted over them, with the same notices; a verified claim still blocks.
    let r = a.as_("alice/one", &["claim", "db:orders", "--json"]);
    r.ok();
    assert!(
        r.json()["notices"].to_string().contains("does not count"),
        "{}",
        r.stdout
    );
    a.as_("alice/one", &["claim", "db:stock"]).code(1);
}

#[test]
fn a_signed_push_proves_who_pushes_and_a_push_option_alone_does_not() {
    if !have_ssh_keygen() {
        return;
    }
    let (w, alice, bob) = team("");
    let _server = server_with_pre_receive(&w);
    let a = signing_clone(&w, "a", &alice);
    a.git(&["config", "gpg.format", "ssh"]);
    a.as_("alice/one", &["claim", "src/main.ts"]).ok();
    a.write("src/main.ts", "export const main = 2;\n");
    a.commit_all("alice's own change");
    let push = |r: &Repo, args: &[&str]| {
        let mut full = vec!["push", "-q", "--no-verify"];
        full.extend_from_slice(args);
        full.extend_from_slice(&["origin", "main"]);
        r.git_status(&full)
    };
    // Named but not proven: refused, and it says why.
    let r = push(&a, &["-o", "coord-agent=alice/one"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("the push is not signed"), "{}", r.stderr);
    // bob signs a push naming alice: his key is not alice's.
    let b = signing_clone(&w, "b", &bob);
    b.git(&["config", "gpg.format", "ssh"]);
    b.write("src/main.ts", "export const main = 3;\n");
    b.commit_all("bob as alice");
    let r = push(&b, &["--signed", "-o", "coord-agent=alice/one"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains("not signed by a key the allowed signers give alice/one"),
        "{}",
        r.stderr
    );
    // alice's signed push: she holds the claim, and it lands.
    let r = push(&a, &["--signed", "-o", "coord-agent=alice/one"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn verdicts_are_judged_again_when_the_allowed_signers_change() {
    if !have_ssh_keygen() {
        return;
    }
    let (w, alice, bob) = team("");
    let a = signing_clone(&w, "a", &alice);
    a.as_("alice/one", &["claim", "db:users"]).ok();
    let b = signing_clone(&w, "b", &bob);
    // Read twice: the second answer comes from the verdicts b keeps.
    assert_eq!(trust_of(&b, "bob/x", "db:users"), "verified");
    assert_eq!(trust_of(&b, "bob/x", "db:users"), "verified");
    // The team takes alice's key off `alice/*` (bob's key now stands for it): kept verdicts
    // no longer count, the same claim is forged.
    let public = |k: &str| std::fs::read_to_string(format!("{k}.pub")).unwrap();
    let before = std::fs::read_to_string(b.dir.join(".coord/allowed_signers")).unwrap();
    b.write(
        ".coord/allowed_signers",
        &format!(
            "alice,alice@example.com {}bob,bob/*,alice/* {}",
            public(&alice),
            public(&bob)
        ),
    );
    b.commit_all("alice's key no longer signs for alice/*");
    assert_eq!(trust_of(&b, "bob/x", "db:users"), "forged");
    // And back: verified again.
    b.write(".coord/allowed_signers", &before);
    b.commit_all("alice's key is back");
    assert_eq!(trust_of(&b, "bob/x", "db:users"), "verified");
}

/// A claim made before a compaction (`git coord compact`) is still attributed to its signed
/// operation, in a fresh clone that never fetched the archived history: the walk goes on
/// into the archive, fetched then.
#[test]
fn claims_older_than_a_compaction_stay_verified_in_a_fresh_clone() {
    if !have_ssh_keygen() {
        return;
    }
    let (w, alice, _bob) = team("");
    let a = signing_clone(&w, "a", &alice);
    a.as_("alice/one", &["claim", "db:users"]).ok();
    for _ in 0..3 {
        let j = a.as_("alice/one", &["claim", "db:users:tmp", "--json"]).ok().json();
        let id = j["claims"][0]["id"].as_str().unwrap().to_owned();
        a.as_("alice/one", &["release", &id]).ok();
    }
    let r = a.as_("alice/one", &["compact", "--after", "3", "--json"]).ok().json();
    assert_eq!(r["compacted"].as_array().unwrap().len(), 1, "{r}");
    w.git_in(
        w.root(),
        &["clone", "-q", "--no-local", w.remote().to_str().unwrap(), "fresh"],
    );
    let fresh = w.repo("fresh");
    fresh.run(&["init", "--no-hooks"]).ok();
    assert_eq!(trust_of(&fresh, "carol", "db:users"), "verified");
}
