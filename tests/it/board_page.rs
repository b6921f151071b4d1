//! The board page: one self-contained HTML file from the refs alone, checked as text here
//! and, with `GIT_COORD_BROWSER=/path/to/chromium` (`.ci/run`, `tests/interop.sh`), rendered
//! by a real headless browser whose DOM must show the fixture board's claims and tasks.
//! `GIT_COORD_SCREENSHOT=FILE` also saves a screenshot (the README's is made this way).

use std::process::Command;

use crate::support::{Repo, World};

/// A small team's board: claims in three areas (one shared, one narrowed), tasks in four
/// states with a dependency, an open handoff, and text that must be escaped.
fn fixture_board() -> (World, Repo) {
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/auth/**", "--note", "rewriting the auth flow"])
        .ok();
    a.as_(
        "bob",
        &[
            "claim",
            "src/billing/invoice.ts",
            "--note",
            "<script>alert(1)</script> & co",
        ],
    )
    .ok();
    a.as_("carol", &["claim", "docs/**", "--shared"]).ok();
    a.as_("dave", &["claim", "db:schema:users", "--ttl", "30m"]).ok();
    let add = |title: &str, extra: &[&str]| -> String {
        let mut args = vec!["task", "add", title, "--json"];
        args.extend_from_slice(extra);
        a.as_("lead", &args).json()["task"]["id"].as_str().unwrap().to_owned()
    };
    let schema = add(
        "migrate the users table",
        &["--priority", "2", "--scope", "db:schema:orders"],
    );
    add("export invoices as CSV", &["--depends-on", &schema]);
    let review = add("fix token refresh", &[]);
    let cancelled = add("old idea", &[]);
    let took = a.as_("erin", &["task", "claim", &review, "--json"]).json();
    let token = took["lease"]["token"].as_str().unwrap().to_owned();
    a.as_(
        "erin",
        &[
            "handoff",
            "write",
            "--task",
            &review,
            "--to",
            "reviewers",
            "--summary",
            "refresh fixed; tests added",
        ],
    )
    .ok();
    a.as_("erin", &["task", "done", &review, "--token", &token]).ok();
    a.as_("lead", &["task", "cancel", &cancelled, "--reason", "not needed"])
        .ok();
    (w, a)
}

#[test]
fn the_board_page_shows_claims_by_area_tasks_by_state_handoffs_agents_and_history() {
    let (w, a) = fixture_board();
    let file = w.root().join("board.html");
    let r = a.as_("viewer", &["board", "--html", file.to_str().unwrap()]);
    r.ok();
    assert!(r.stdout.contains("4 claims, 4 tasks, 1 open handoffs"), "{}", r.stdout);
    let html = std::fs::read_to_string(&file).unwrap();
    // Self-contained: nothing is fetched.
    for remote in ["http://", "https://", "src=\"//", "<link"] {
        assert!(!html.contains(remote), "the page must not load {remote}");
    }
    assert!(!html.contains("<script>alert(1)"), "board text is escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
    for area in ["<b>src/auth</b>", "<b>src/billing</b>", "<b>docs</b>", "<b>key db</b>"] {
        assert!(html.contains(area), "{area}");
    }
    assert_eq!(html.matches("<tr class=c ").count(), 4);
    assert!(html.contains("<span class=sh>shared</span>"));
    for state in ["open", "claimed", "review", "cancelled"] {
        let n = if state == "open" { 2 } else { 1 };
        let seen = html.matches(&format!("<tr class=t data-status={state}>")).count();
        assert_eq!(seen, if state == "claimed" { 0 } else { n }, "{state}");
    }
    assert!(html.contains("refresh fixed; tests added"));
    assert!(html.contains("<tr class=a><td>erin"));
    assert!(
        html.contains("<section id=history>") && html.contains("lead cancels"),
        "history"
    );
    // `-` writes the page to stdout.
    let out = a.as_("viewer", &["board", "--html", "-", "--no-fetch"]);
    assert!(out.stdout.starts_with("<!doctype html>"));

    let Some(browser) = std::env::var_os("GIT_COORD_BROWSER") else {
        return;
    };
    let url = format!("file://{}", file.display());
    let dom = Command::new(&browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", &url])
        .output()
        .expect("the browser runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    // What the browser built: one row per claim and task, the areas as <details>.
    assert_eq!(dom.matches("<tr class=\"c\"").count(), 4, "{dom}");
    assert_eq!(dom.matches("<tr class=\"t\"").count(), 4);
    assert!(
        dom.contains("<details class=\"area\" open=\"\"><summary><b>src/auth</b>"),
        "{dom}"
    );
    assert!(dom.contains("rewriting the auth flow") && dom.contains("migrate the users table"));
    assert!(!dom.contains("<script>alert(1)"), "no injected script in the DOM");
    if let Some(shot) = std::env::var_os("GIT_COORD_SCREENSHOT") {
        let done = Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--window-size=1100,900",
            ])
            .arg(format!("--screenshot={}", std::path::Path::new(&shot).display()))
            .arg(&url)
            .status()
            .unwrap();
        assert!(done.success());
    }
}
