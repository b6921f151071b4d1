//! The board's layout over refs (`model::layout`): a board of the older layout (schema 2,
//! 128 shards named with two hex digits, no list) is moved to this one by the first write,
//! old clients that planned before the move are fenced off, and a shard the root does not
//! list is refused.

use crate::concurrency::audit_remote;
use crate::errors::plant_at as plant_ref;
use crate::support::World;

/// The shard `scope` lives in, in this layout and in the older one.
fn homes(scope: &str) -> (String, String) {
    let new = git_coord::model::Scope::parse(scope, &["db".into()])
        .unwrap()
        .home()
        .unwrap();
    let old = format!("{:02x}", u32::from_str_radix(&new, 16).unwrap() % 128);
    (new, old)
}

/// A schema 2 board on `w`'s remote: an empty root and alice's claim of `src/main.ts` on its
/// old shard. Returns the claim's id, the old shard's ref and its commit.
fn old_board(w: &World) -> (String, String, String) {
    let donor = World::new();
    let d = donor.clone("d");
    let id = d.as_("alice", &["claim", "src/main.ts", "--json"]).json()["claims"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let text = donor.board_claims_text();
    assert!(text.contains(&id), "{text}");
    plant_ref(
        w,
        "refs/coord/claims",
        &[("meta.json", "{\"schema\":2,\"kind\":\"claims\"}\n")],
    );
    let old_ref = format!("refs/coord/shards/{}", homes("src/main.ts").1);
    let tip = plant_ref(
        w,
        &old_ref,
        &[
            ("meta.json", "{\"schema\":2,\"kind\":\"shard\"}\n"),
            ("claims/all.json", text.as_str()),
        ],
    );
    (id, old_ref, tip)
}

fn shard_refs(w: &World) -> Vec<String> {
    let out = w.git_in(
        &w.remote(),
        &["for-each-ref", "--format=%(refname)", "refs/coord/shards/"],
    );
    out.lines().map(str::to_owned).collect()
}

#[test]
fn an_old_board_moves_to_this_layout_and_old_clients_that_planned_before_are_fenced_off() {
    let w = World::new();
    let (id, old_ref, old_tip) = old_board(&w);
    let b = w.clone("b");
    let who = b.as_("bob", &["who", "src/main.ts", "--json"]).json();
    assert_eq!(who["claims"][0]["id"], id.as_str(), "the old layout is read: {who}");
    b.as_("bob", &["claim", "src/main.ts"]).code(1);
    // bob's next write moves the board: the root turns schema 3 and lists the shards,
    // alice's claim moves to its new home, and the 128 old names are retired.
    b.as_("bob", &["claim", "db:users"]).ok();
    let meta = w.git_in(&w.remote(), &["show", "refs/coord/claims:meta.json"]);
    assert!(meta.contains("\"schema\":3"), "{meta}");
    let list = w.git_in(&w.remote(), &["show", "refs/coord/claims:shards.json"]);
    for scope in ["src/main.ts", "db:users"] {
        assert!(list.contains(&homes(scope).0), "{scope} in {list}");
    }
    let refs = shard_refs(&w);
    let retired: Vec<&String> = refs
        .iter()
        .filter(|r| r.len() == "refs/coord/shards/00".len())
        .collect();
    assert_eq!(retired.len(), 128, "{refs:?}");
    assert_eq!(refs.len(), 128 + 2, "{refs:?}");
    for r in [&old_ref, &"refs/coord/shards/7f".to_owned()] {
        let tree = w.git_in(&w.remote(), &["ls-tree", "-r", "--name-only", r]);
        assert!(!tree.contains("claims/"), "{r} is retired empty: {tree}");
        let meta = w.git_in(&w.remote(), &["show", &format!("{r}:meta.json")]);
        assert!(meta.contains("\"schema\":3"), "{r}: {meta}");
    }
    let new_ref = format!("refs/coord/shards/{}", homes("src/main.ts").0);
    let held = w.git_in(&w.remote(), &["show", &format!("{new_ref}:claims/all.json")]);
    assert!(held.contains(&id), "{held}");
    // The history of the old shard is kept under its name.
    let log = w.git_in(&w.remote(), &["log", "--format=%s", &old_ref]);
    assert!(log.contains("planted"), "{log}");

    // An old client that planned before the move writes its shard leased on what it read,
    // or creates another shard of its layout: the remote refuses both.
    let c = w.plain_clone("c");
    c.git(&["fetch", "-q", "origin", &format!("{old_ref}:refs/old")]);
    let tree = c.git(&["rev-parse", &format!("{old_tip}^{{tree}}")]).trim().to_owned();
    let next = c.git(&["commit-tree", &tree, "-p", &old_tip, "-m", "an old client's claim"]);
    let next = next.trim();
    let lease = format!("--force-with-lease={old_ref}:{old_tip}");
    let r = c.git_status(&["push", "origin", &lease, &format!("{next}:{old_ref}")]);
    assert_ne!(r.code, 0, "a write leased on the old shard is refused");
    let other = if old_ref.ends_with("/00") {
        "refs/coord/shards/01"
    } else {
        "refs/coord/shards/00"
    };
    let create = format!("--force-with-lease={other}:");
    let r = c.git_status(&["push", "origin", &create, &format!("{next}:{other}")]);
    assert_ne!(r.code, 0, "creating a shard of the old layout is refused: it exists");
    assert!(w.board_claims_text().contains(&id));

    let fresh = w.clone("d");
    fresh.as_("carol", &["claim", "src/main.ts"]).code(1);
    let who = fresh.as_("carol", &["who", "src/main.ts", "--json"]).json();
    assert_eq!(who["claims"][0]["agent"], "alice", "{who}");
    audit_remote(&w);
}

#[test]
fn two_clients_moving_an_old_board_at_once_both_land_and_the_server_accepts_the_move() {
    let w = World::new();
    let (id, _, _) = old_board(&w);
    w.judge_board_writes();
    let (b, c) = (w.clone("b"), w.clone("c"));
    std::thread::scope(|s| {
        let one = s.spawn(|| b.as_("bob", &["claim", "db:users", "--json"]));
        let two = s.spawn(|| c.as_("carol", &["claim", "db:orders", "--json"]));
        one.join().unwrap().ok();
        two.join().unwrap().ok();
    });
    let fresh = w.clone("d");
    assert_eq!(
        fresh.holders(true),
        ["alice src/main.ts", "bob db:users", "carol db:orders"]
    );
    assert!(w.board_claims_text().contains(&id));
    assert_eq!(shard_refs(&w).len(), 128 + 3);
    let judged = std::fs::read_to_string(w.root().join("judged.log")).unwrap_or_default();
    assert!(!judged.contains("refus"), "{judged}");
    audit_remote(&w);
}

/// A shard the root does not list would escape a wide claim's write: `verify --board` (and
/// the server hook, which shares the judgement) refuses it.
#[test]
fn a_shard_missing_from_the_roots_list_is_refused() {
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "db:x"]).ok();
    // The root `init` started lists every shard; the same root without its list, as if
    // the shard had been created without listing it.
    let remote = w.remote();
    let root = w.git_in(&remote, &["rev-parse", "refs/coord/claims"]).trim().to_owned();
    let entries = w.git_in(&remote, &["ls-tree", &root]);
    assert!(entries.contains("shards.json"), "{entries}");
    let kept: String = entries
        .lines()
        .filter(|l| !l.ends_with("\tshards.json"))
        .map(|l| format!("{l}\n"))
        .collect();
    let tree_file = w.root().join("tree.txt");
    std::fs::write(&tree_file, kept).unwrap();
    let tree = std::process::Command::new("git")
        .current_dir(&remote)
        .arg("mktree")
        .stdin(std::fs::File::open(&tree_file).unwrap())
        .output()
        .unwrap();
    let tree = String::from_utf8(tree.stdout).unwrap().trim().to_owned();
    let message = w.git_in(&remote, &["log", "-1", "--format=%B", &root]);
    let bare = w.git_in(&remote, &["commit-tree", &tree, "-m", message.trim()]);
    w.git_in(&remote, &["update-ref", "refs/coord/claims", bare.trim()]);
    let c = w.clone("c");
    let r = c.as_("carol", &["verify", "--board"]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    let shard = format!("refs/coord/shards/{}", homes("db:x").0);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(all.contains(&shard) && all.contains("not on the root's list"), "{all}");
}

/// A push of many refs goes through temporary local refs; a process killed mid-push leaves
/// its own behind. The next such push deletes the ones older than a day, and keeps a
/// younger one (it may be another process's push still under way).
#[test]
fn temporary_push_refs_a_killed_push_left_are_cleaned_up_by_the_next_wide_write() {
    let w = World::with_files(crate::concurrency::FILES);
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/main.ts"]).ok();
    let head = a.git(&["rev-parse", "HEAD"]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let old = format!("refs/coord-push/{}-4242-7/shards/000", now - 2 * 24 * 3600);
    let young = format!("refs/coord-push/{}-4243-7/shards/001", now - 60);
    a.git(&["update-ref", &old, head.trim()]);
    a.git(&["update-ref", &young, head.trim()]);
    a.as_("alice", &["claim", "**/*.md"]).ok();
    let left = a.git(&["for-each-ref", "--format=%(refname)", "refs/coord-push/"]);
    assert_eq!(left.trim(), young, "only the young temporary ref is kept");
    assert!(w.board_claims_text().contains("**/*.md"));
}
