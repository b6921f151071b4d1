//! What a shell and `man` get: completions for `git-coord` and `git coord`, the man page
//! (printed and installed), and `--version` with the commit.

use std::process::Command;

use crate::support::{isolate, World, BIN};

#[test]
fn version_names_the_commit() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    let v = String::from_utf8_lossy(&out.stdout);
    let inner = v
        .trim()
        .strip_prefix("git-coord ")
        .unwrap()
        .split_once(" (")
        .unwrap()
        .1
        .trim_end_matches(')')
        .to_owned();
    assert!(
        inner == "unknown" || (inner.len() == 12 && inner.chars().all(|c| c.is_ascii_hexdigit())),
        "{v}"
    );
}

#[test]
fn bash_completes_git_coord_and_git_dash_coord() {
    let w = World::new();
    let script = w.root().join("git-coord.bash");
    let out = Command::new(BIN).args(["completions", "bash"]).output().unwrap();
    std::fs::write(&script, &out.stdout).unwrap();
    let probe = format!(
        r#"source '{}'
COMP_WORDS=(git coord cl); COMP_CWORD=2; _git_coord; echo "1:${{COMPREPLY[*]}}"
COMP_WORDS=(git coord claim --sh); COMP_CWORD=3; _git_coord; echo "2:${{COMPREPLY[*]}}"
COMP_WORDS=(git-coord task claim-n); COMP_CWORD=2; _gitcoord git-coord claim-n task; echo "3:${{COMPREPLY[*]}}""#,
        script.display()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(probe);
    isolate(&mut cmd, &w.home());
    let out = String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned();
    assert!(out.contains("1:claim\n"), "{out}");
    assert!(out.contains("2:--shared\n"), "{out}");
    assert!(out.contains("3:claim-next\n"), "{out}");
    for shell in ["zsh", "fish", "powershell"] {
        let out = Command::new(BIN).args(["completions", shell]).output().unwrap();
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("claim"),
            "{shell}"
        );
    }
    let bad = Command::new(BIN).args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_man_page_is_printed_and_installed_where_man_finds_it() {
    let w = World::new();
    let out = Command::new(BIN).arg("man").output().unwrap();
    let page = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        page.contains(".TH git-coord 1") && page.contains("claim"),
        "{}",
        &page[..200.min(page.len())]
    );
    let dir = w.root().join("share/man");
    let out = Command::new(BIN)
        .args(["man", "--install", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(dir.join("man1/git-coord.1")).unwrap(), page);
    // Next to the binary by default: <bin>/../share/man/man1.
    let bin_dir = w.root().join("prefix/bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let copy = bin_dir.join("git-coord");
    std::fs::copy(BIN, &copy).unwrap();
    // Exec'ing a file just written can fail with ETXTBSY while another test thread forks
    // with the write descriptor still open: try again shortly.
    let out = (0..50)
        .find_map(|_| match Command::new(&copy).args(["man", "--install"]).output() {
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                None
            }
            other => Some(other.unwrap()),
        })
        .expect("the copied binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(w.root().join("prefix/share/man/man1/git-coord.1").exists());
}

#[test]
fn colour_and_paging_follow_git_and_the_environment() {
    let w = World::new();
    let a = w.clone("a");
    a.as_("alice", &["claim", "src/main.ts"]).ok();
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let mut cmd = a.command(Some("alice"), crate::support::NOW, args);
        cmd.env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("GIT_PAGER")
            .env_remove("PAGER");
        for (k, v) in env {
            cmd.env(k, v);
        }
        String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned()
    };
    let esc = |s: &str| s.contains('\u{1b}');
    assert!(!esc(&run(&[], &["status"])), "no colour when piped");
    assert!(esc(&run(&[("CLICOLOR_FORCE", "1")], &["status"])));
    assert!(
        !esc(&run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], &["status"])),
        "NO_COLOR wins"
    );
    assert!(
        !esc(&run(&[("CLICOLOR_FORCE", "1")], &["status", "--json"])),
        "JSON is never coloured"
    );
    a.git(&["config", "color.ui", "always"]);
    assert!(esc(&run(&[], &["status"])), "color.ui = always");
    a.git(&["config", "color.ui", "auto"]);
    // Paging: only on a terminal, or with -p; GIT_PAGER > core.pager > PAGER.
    let pager = [("GIT_PAGER", "sed s/^/PAGED:/")];
    assert!(!run(&pager, &["log"]).contains("PAGED:"), "not on a terminal");
    let paged = run(&pager, &["-p", "log"]);
    assert!(
        paged.lines().all(|l| l.starts_with("PAGED:")) && paged.contains("alice claims"),
        "{paged}"
    );
    a.git(&["config", "core.pager", "sed s/^/CORE:/"]);
    assert!(run(&[], &["-p", "status"]).starts_with("CORE:"));
    assert!(run(&pager, &["-p", "status"]).starts_with("PAGED:"), "GIT_PAGER first");
    assert!(!run(&pager, &["--no-pager", "log"]).contains("PAGED:"));
}
