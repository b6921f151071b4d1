//! CI, ready to use: the repository's `action.yml` (a composite action) is read and each of
//! its steps run as GitHub would run it — inputs and `github.*` values substituted, `bash -e`,
//! `GITHUB_PATH` and `RUNNER_TEMP` provided — in a fresh checkout of a pull request; and the
//! GitLab job the README documents is run the same way from the README's own text.

use std::path::Path;
use std::process::Command;

use crate::support::{isolate, World, NOW};

/// One `run:` step: its name, its `env:` and its script.
struct Step {
    name: String,
    env: Vec<(String, String)>,
    script: String,
}

/// The steps of a composite action (the layout `action.yml` uses: `    - name:` items with
/// `      env:` and `      run: |` under `runs.steps`).
fn steps(action: &str) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    let mut lines = action.lines().skip_while(|l| l.trim() != "steps:").skip(1).peekable();
    while let Some(line) = lines.next() {
        if let Some(name) = line.strip_prefix("    - name: ") {
            out.push(Step {
                name: name.to_owned(),
                env: Vec::new(),
                script: String::new(),
            });
        } else if line == "      env:" {
            while let Some(l) = lines.next_if(|l| l.starts_with("        ") && l.contains(": ")) {
                let (k, v) = l.trim().split_once(": ").unwrap();
                out.last_mut().unwrap().env.push((k.to_owned(), v.to_owned()));
            }
        } else if line == "      run: |" {
            while let Some(l) = lines.next_if(|l| l.starts_with("        ") || l.trim().is_empty()) {
                let s = &mut out.last_mut().unwrap().script;
                s.push_str(l.get(8..).unwrap_or(""));
                s.push('\n');
            }
        }
    }
    out
}

/// `${{ expr }}` replaced from `values` (unknown expressions become "", as on GitHub).
fn substitute(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    while let Some(start) = out.find("${{") {
        let end = out[start..].find("}}").map(|e| start + e + 2).unwrap();
        let expr = out[start + 3..end - 2].trim().to_owned();
        let v = values.iter().find(|(k, _)| *k == expr).map(|(_, v)| *v).unwrap_or("");
        out.replace_range(start..end, v);
    }
    out
}

/// Run a script as a CI runner would, in `dir`, with this build's git-coord on PATH.
fn run_script(dir: &Path, home: &Path, script: &str, env: &[(String, String)]) -> (i32, String) {
    let mut cmd = Command::new("bash");
    cmd.arg("-e").arg("-c").arg(script).current_dir(dir);
    isolate(&mut cmd, home);
    cmd.env("GIT_COORD_NOW", NOW);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// A pull request by bob that edits what alice holds, and a fresh checkout of it.
fn pull_request(w: &World) -> (std::path::PathBuf, String, String) {
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_("alice", &["claim", "src/auth/**", "--note", "auth rewrite"]).ok();
    let base = b.git(&["rev-parse", "HEAD"]).trim().to_owned();
    b.git(&["checkout", "-q", "-b", "feature"]);
    b.write("src/auth/login.ts", "export const changed = 1;\n");
    b.commit_all("touch login");
    b.git(&["push", "-q", "--no-verify", "origin", "feature"]);
    let head = b.git(&["rev-parse", "HEAD"]).trim().to_owned();
    // The runner's checkout: a plain clone, no git-coord set up.
    let checkout = w.root().join("runner");
    w.git_in(w.root(), &["clone", "-q", w.remote().to_str().unwrap(), "runner"]);
    w.git_in(&checkout, &["checkout", "-q", &head]);
    (checkout, base, head)
}

#[test]
fn the_github_action_runs_its_steps_and_refuses_a_pull_request_over_a_claim() {
    let w = World::new();
    let (checkout, base, head) = pull_request(&w);
    let action = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    let steps = steps(&action);
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Install git-coord", "Fetch the claims", "Verify"]);
    let runner = tempfile::tempdir().unwrap();
    let github_path = runner.path().join("github_path");
    let run_as = |agent: &str| -> (i32, String) {
        let values = [
            ("inputs.range", ""),
            ("inputs.agent", agent),
            ("inputs.remote", "origin"),
            ("github.event.pull_request.base.sha", base.as_str()),
            ("github.event.pull_request.head.sha", head.as_str()),
        ];
        let mut all = String::new();
        for s in &steps {
            let mut env: Vec<(String, String)> =
                s.env.iter().map(|(k, v)| (k.clone(), substitute(v, &values))).collect();
            env.push(("RUNNER_TEMP".into(), runner.path().display().to_string()));
            env.push(("GITHUB_PATH".into(), github_path.display().to_string()));
            env.push(("GITHUB_ACTION_PATH".into(), env!("CARGO_MANIFEST_DIR").into()));
            let (code, text) = run_script(&checkout, &w.home(), &substitute(&s.script, &values), &env);
            all.push_str(&text);
            if code != 0 {
                return (code, all);
            }
        }
        (0, all)
    };
    let (code, text) = run_as("bob");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("::error file=src/auth/login.ts,line=1,title=held by alice::src/auth/login.ts is held by alice"),
        "{text}"
    );
    assert!(
        text.contains(&format!("git-coord verify {base}..{head}: 1 commit(s)")),
        "{text}"
    );
    // The holder's own pull request passes.
    let (code, text) = run_as("alice");
    assert_eq!(code, 0, "{text}");
}

#[test]
fn the_gitlab_job_in_the_readme_refuses_a_merge_request_over_a_claim() {
    let w = World::new();
    let (checkout, base, head) = pull_request(&w);
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let job = readme
        .split("# .gitlab-ci.yml")
        .nth(1)
        .expect("the README documents a GitLab job");
    let job = job.split("```").next().unwrap();
    let script: Vec<&str> = job
        .lines()
        .skip_while(|l| l.trim() != "script:")
        .skip(1)
        .take_while(|l| l.trim_start().starts_with("- "))
        .map(|l| l.trim_start().trim_start_matches("- "))
        // The install line fetches git-coord from the network; this build stands in for it.
        .filter(|l| !l.starts_with("cargo install"))
        .collect();
    assert!(script.iter().any(|l| l.contains("git coord verify")), "{script:?}");
    let env = vec![
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA".to_string(), base.clone()),
        ("CI_COMMIT_SHA".to_string(), head.clone()),
        ("GITLAB_USER_LOGIN".to_string(), "bob".to_string()),
    ];
    let (code, text) = run_script(&checkout, &w.home(), &script.join("\n"), &env);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("src/auth/login.ts") && text.contains("alice"), "{text}");
}
