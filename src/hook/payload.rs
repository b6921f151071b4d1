//! What each host hands a hook, turned into typed requests: git's pre-push and pre-receive
//! standard input, push options, Claude Code's PreToolUse JSON. Must not judge or print.

use std::io::Read;

use crate::front::HookKind;
use crate::model::AgentId;
use crate::ops::hook::RefUpdate;
use crate::ops::pre_edit::{EditChange, PendingEdit};
use crate::ops::Error;

/// The hook's whole standard input.
pub fn stdin() -> Result<String, Error> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| Error::usage(format!("cannot read the hook's input: {e}"), None))?;
    Ok(s)
}

/// The agent host that runs the pre-edit guard; each reads its own answer format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// Claude Code (PreToolUse; Edit, Write, MultiEdit, NotebookEdit).
    Claude,
    /// Codex CLI (PreToolUse; apply_patch).
    Codex,
    /// Gemini CLI (BeforeTool; write_file, replace).
    Gemini,
}

/// Which host sent this payload (Claude Code when it cannot be told).
pub fn host(payload: &serde_json::Value) -> Host {
    match (payload["hook_event_name"].as_str(), payload["tool_name"].as_str()) {
        (Some("BeforeTool"), _) => Host::Gemini,
        (_, Some("apply_patch")) => Host::Codex,
        _ => Host::Claude,
    }
}

/// The file edits a tool call is about to make: None for a tool that edits no file (nothing
/// to judge); an empty list for an edit tool whose payload could not be read (undecided).
pub fn pending_edits(payload: &serde_json::Value) -> Option<Vec<PendingEdit>> {
    let input = &payload["tool_input"];
    let text = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or("").to_owned();
    let replace = |e: &serde_json::Value| (text(e, "old_string"), text(e, "new_string"), e["replace_all"] == true);
    let file = |k: &str| input[k].as_str().map(str::to_owned);
    let one = |path: Option<String>, change: EditChange| {
        Some(path.map(|file| vec![PendingEdit { file, change }]).unwrap_or_default())
    };
    match payload["tool_name"].as_str()? {
        "Write" | "write_file" => one(file("file_path"), EditChange::Write(text(input, "content"))),
        "Edit" => one(file("file_path"), EditChange::Replace(vec![replace(input)])),
        "MultiEdit" => {
            let edits = input["edits"].as_array().map(|a| a.iter().map(replace).collect());
            edits.map_or(Some(Vec::new()), |e| one(file("file_path"), EditChange::Replace(e)))
        }
        "replace" => {
            let all = input["expected_replacements"].as_u64().is_some_and(|n| n > 1);
            let r = (text(input, "old_string"), text(input, "new_string"), all);
            one(file("file_path"), EditChange::Replace(vec![r]))
        }
        // A notebook is judged as a whole file.
        "NotebookEdit" => one(file("notebook_path"), EditChange::Whole),
        "apply_patch" => {
            let patch = input["command"]
                .as_str()
                .or_else(|| input["input"].as_str())
                .or_else(|| input["patch"].as_str())
                .or_else(|| input.as_str())?;
            Some(codex_patch(patch))
        }
        _ => None,
    }
}

/// Codex's patch envelope (`*** Begin Patch`, `*** Update File: p`, hunks of ` `/`-`/`+`
/// lines after `@@`, `*** Add File: p`, `*** Delete File: p`, `*** Move to: p`) as edits:
/// an update is the hunks' replacements, an added file its text, a deleted or moved file the
/// whole file.
fn codex_patch(patch: &str) -> Vec<PendingEdit> {
    let mut edits: Vec<PendingEdit> = Vec::new();
    let mut hunk: Option<(String, String)> = None;
    let flush = |edits: &mut Vec<PendingEdit>, hunk: &mut Option<(String, String)>| {
        if let (
            Some((old, new)),
            Some(PendingEdit {
                change: EditChange::Replace(r),
                ..
            }),
        ) = (hunk.take(), edits.last_mut())
        {
            if !(old.is_empty() && new.is_empty()) {
                r.push((old, new, false));
            }
        }
    };
    for line in patch.lines() {
        if let Some(p) = line.strip_prefix("*** Update File: ") {
            flush(&mut edits, &mut hunk);
            edits.push(PendingEdit {
                file: p.trim().into(),
                change: EditChange::Replace(Vec::new()),
            });
        } else if let Some(p) = line.strip_prefix("*** Add File: ") {
            flush(&mut edits, &mut hunk);
            edits.push(PendingEdit {
                file: p.trim().into(),
                change: EditChange::Write(String::new()),
            });
        } else if let Some(p) = line.strip_prefix("*** Delete File: ") {
            flush(&mut edits, &mut hunk);
            edits.push(PendingEdit {
                file: p.trim().into(),
                change: EditChange::Whole,
            });
        } else if let Some(p) = line.strip_prefix("*** Move to: ") {
            flush(&mut edits, &mut hunk);
            if let Some(last) = edits.last_mut() {
                last.change = EditChange::Whole;
            }
            edits.push(PendingEdit {
                file: p.trim().into(),
                change: EditChange::Whole,
            });
        } else if line.starts_with("***") {
            flush(&mut edits, &mut hunk);
        } else if line.starts_with("@@") {
            flush(&mut edits, &mut hunk);
            hunk = Some(Default::default());
        } else {
            match edits.last_mut().map(|e| &mut e.change) {
                Some(EditChange::Write(text)) => {
                    text.push_str(line.strip_prefix('+').unwrap_or(line));
                    text.push('\n');
                }
                Some(EditChange::Replace(_)) => {
                    let (old, new) = hunk.get_or_insert_with(Default::default);
                    let (to_old, to_new, rest) = match line.chars().next() {
                        Some('-') => (true, false, &line[1..]),
                        Some('+') => (false, true, &line[1..]),
                        Some(' ') => (true, true, &line[1..]),
                        _ => (true, true, line),
                    };
                    for (wanted, side) in [(to_old, old), (to_new, new)] {
                        if wanted {
                            side.push_str(rest);
                            side.push('\n');
                        }
                    }
                }
                _ => {}
            }
        }
    }
    flush(&mut edits, &mut hunk);
    edits
}

/// Under the pre-commit framework (which reads git's pre-push input itself) the pushed ref
/// comes in `PRE_COMMIT_*` variables: `FROM_REF` (what the remote has; empty for a new
/// branch), `TO_REF` (the local commit) and `REMOTE_BRANCH`.
pub fn pre_commit_update() -> Result<Option<RefUpdate>, Error> {
    let env = |k: &str| {
        std::env::var(k)
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let (Some(to), Some(branch)) = (env("PRE_COMMIT_TO_REF"), env("PRE_COMMIT_REMOTE_BRANCH")) else {
        return Ok(None);
    };
    let oid = |hex: &str| {
        gix::ObjectId::from_hex(hex.as_bytes())
            .map_err(|_| Error::usage(format!("PRE_COMMIT_*_REF is not an object id: '{hex}'"), None))
    };
    let old = env("PRE_COMMIT_FROM_REF")
        .filter(|f| f.as_str() != ZERO)
        .map(|f| oid(&f))
        .transpose()?;
    let refname = if branch.starts_with("refs/") {
        branch
    } else {
        format!("refs/heads/{branch}")
    };
    Ok(Some(RefUpdate {
        refname,
        old,
        new: Some(oid(&to)?),
    }))
}

/// The pusher's agent id from push options (`git push -o coord-agent=ID`).
pub fn push_option_agent() -> Result<Option<AgentId>, Error> {
    let n: usize = std::env::var("GIT_PUSH_OPTION_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for i in 0..n {
        if let Some(v) = std::env::var(format!("GIT_PUSH_OPTION_{i}"))
            .ok()
            .and_then(|v| v.strip_prefix("coord-agent=").map(str::to_owned))
        {
            return Ok(Some(AgentId::new(v)?));
        }
    }
    Ok(None)
}

/// The push certificate git verified the nonce of, when the push is signed (`git push
/// --signed`): the certificate's blob and whether its nonce is this server's and fresh.
pub fn push_cert() -> Option<crate::ops::hook::PushCert> {
    let blob = std::env::var("GIT_PUSH_CERT").ok()?;
    let blob = gix::ObjectId::from_hex(blob.trim().as_bytes()).ok()?;
    Some(crate::ops::hook::PushCert {
        blob,
        nonce_ok: std::env::var("GIT_PUSH_CERT_NONCE_STATUS").is_ok_and(|s| s == "OK"),
    })
}

/// git's all-zeros id: that side of the update does not exist.
const ZERO: &str = "0000000000000000000000000000000000000000";

/// git's hook stdin, one update per line: pre-push gives `<local ref> <local oid> <remote
/// ref> <remote oid>`, pre-receive `<old> <new> <ref>`.
pub fn ref_updates(input: &str, kind: &HookKind) -> Result<Vec<RefUpdate>, Error> {
    let oid = |hex: &str| -> Result<Option<gix::ObjectId>, Error> {
        if hex == ZERO {
            return Ok(None);
        }
        gix::ObjectId::from_hex(hex.as_bytes())
            .map(Some)
            .map_err(|_| Error::usage(format!("not an object id: '{hex}'"), None))
    };
    let mut out = Vec::new();
    for line in input.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let update = match (kind, &parts[..]) {
            (HookKind::PrePush { .. }, [_local_ref, local, remote_ref, remote_oid]) => RefUpdate {
                refname: (*remote_ref).to_owned(),
                old: oid(remote_oid)?,
                new: oid(local)?,
            },
            (HookKind::PreReceive, [old, new, refname]) => RefUpdate {
                refname: (*refname).to_owned(),
                old: oid(old)?,
                new: oid(new)?,
            },
            _ => {
                let hook = if matches!(kind, HookKind::PreReceive) {
                    "pre-receive"
                } else {
                    "pre-push"
                };
                return Err(Error::usage(format!("unexpected {hook} input: '{line}'"), None));
            }
        };
        out.push(update);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_hook_lines_become_ref_updates() {
        let a = "1".repeat(40);
        let push = HookKind::PrePush {
            remote: "origin".into(),
        };
        let u = ref_updates(&format!("refs/heads/x {a} refs/heads/main {ZERO}\n\n"), &push).unwrap();
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].refname, "refs/heads/main");
        assert_eq!((u[0].old, u[0].new.map(|o| o.to_string())), (None, Some(a.clone())));
        let u = ref_updates(&format!("{a} {ZERO} refs/heads/gone\n"), &HookKind::PreReceive).unwrap();
        assert_eq!((u[0].old.is_some(), u[0].new), (true, None));
        for (bad, kind) in [("one two three", &push), ("a b", &HookKind::PreReceive)] {
            let e = ref_updates(bad, kind).unwrap_err().to_string();
            assert!(e.starts_with("unexpected pre-"), "{e}");
        }
        assert!(ref_updates(&format!("{a} zz refs/heads/x"), &HookKind::PreReceive).is_err());
    }

    #[test]
    fn only_file_edits_are_pending_edits() {
        let edit = |v: serde_json::Value| pending_edits(&v).map(|mut e| e.pop());
        let w = edit(serde_json::json!({"tool_name": "Write", "tool_input": {"file_path": "a.ts", "content": "x"}}));
        assert!(
            matches!(w, Some(Some(PendingEdit { ref file, change: EditChange::Write(ref c) })) if file == "a.ts" && c == "x")
        );
        let m = edit(
            serde_json::json!({"tool_name": "MultiEdit", "tool_input": {"file_path": "a.ts",
            "edits": [{"old_string": "a", "new_string": "b"}, {"old_string": "c", "new_string": "d", "replace_all": true}]}}),
        );
        let Some(Some(PendingEdit {
            change: EditChange::Replace(r),
            ..
        })) = m
        else {
            panic!("MultiEdit")
        };
        assert_eq!(r, vec![("a".into(), "b".into(), false), ("c".into(), "d".into(), true)]);
        assert!(edit(serde_json::json!({"tool_name": "Bash", "tool_input": {"command": "ls"}})).is_none());
        assert_eq!(
            edit(serde_json::json!({"tool_name": "Edit", "tool_input": {}})),
            Some(None),
            "an edit not understood"
        );
        let nb = edit(
            serde_json::json!({"tool_name": "NotebookEdit", "tool_input": {"notebook_path": "n.ipynb", "new_source": "x"}}),
        );
        assert_eq!(
            nb,
            Some(Some(PendingEdit {
                file: "n.ipynb".into(),
                change: EditChange::Whole
            }))
        );
        let g = serde_json::json!({"hook_event_name": "BeforeTool", "tool_name": "replace",
            "tool_input": {"file_path": "a.py", "old_string": "x", "new_string": "y", "expected_replacements": 2}});
        assert_eq!(host(&g), Host::Gemini);
        assert_eq!(
            edit(g),
            Some(Some(PendingEdit {
                file: "a.py".into(),
                change: EditChange::Replace(vec![("x".into(), "y".into(), true)])
            }))
        );
    }

    #[test]
    fn a_codex_patch_becomes_one_edit_per_file() {
        let patch = "*** Begin Patch\n*** Update File: src/a.py\n@@ def f():\n def f():\n-    return 1\n+    return 2\n@@\n x = 1\n-y = 2\n*** Add File: src/new.py\n+print(1)\n*** Delete File: old.py\n*** End Patch\n";
        let v = serde_json::json!({"hook_event_name": "PreToolUse", "tool_name": "apply_patch", "tool_input": {"command": patch}});
        assert_eq!(host(&v), Host::Codex);
        let e = pending_edits(&v).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].file, "src/a.py");
        assert_eq!(
            e[0].change,
            EditChange::Replace(vec![
                (
                    "def f():\n    return 1\n".into(),
                    "def f():\n    return 2\n".into(),
                    false
                ),
                ("x = 1\ny = 2\n".into(), "x = 1\n".into(), false)
            ])
        );
        assert_eq!(e[1].change, EditChange::Write("print(1)\n".into()));
        assert_eq!((e[2].file.as_str(), &e[2].change), ("old.py", &EditChange::Whole));
    }
}
