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

/// Claude Code's PreToolUse payload for Edit, Write and MultiEdit, as a pending edit; None
/// for any other tool (nothing to judge).
pub fn pending_edit(payload: &serde_json::Value) -> Option<PendingEdit> {
    let input = &payload["tool_input"];
    let text = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or("").to_owned();
    let replace = |e: &serde_json::Value| (text(e, "old_string"), text(e, "new_string"), e["replace_all"] == true);
    let change = match payload["tool_name"].as_str()? {
        "Write" => EditChange::Write(text(input, "content")),
        "Edit" => EditChange::Replace(vec![replace(input)]),
        "MultiEdit" => EditChange::Replace(input["edits"].as_array()?.iter().map(replace).collect()),
        _ => return None,
    };
    Some(PendingEdit {
        file: input["file_path"].as_str()?.to_owned(),
        change,
    })
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
        let edit = |v: serde_json::Value| pending_edit(&v);
        let w = edit(serde_json::json!({"tool_name": "Write", "tool_input": {"file_path": "a.ts", "content": "x"}}));
        assert!(
            matches!(w, Some(PendingEdit { ref file, change: EditChange::Write(ref c) }) if file == "a.ts" && c == "x")
        );
        let m = edit(
            serde_json::json!({"tool_name": "MultiEdit", "tool_input": {"file_path": "a.ts",
            "edits": [{"old_string": "a", "new_string": "b"}, {"old_string": "c", "new_string": "d", "replace_all": true}]}}),
        );
        let Some(PendingEdit {
            change: EditChange::Replace(r),
            ..
        }) = m
        else {
            panic!("MultiEdit")
        };
        assert_eq!(r, vec![("a".into(), "b".into(), false), ("c".into(), "d".into(), true)]);
        assert!(edit(serde_json::json!({"tool_name": "Bash", "tool_input": {"command": "ls"}})).is_none());
        assert!(edit(serde_json::json!({"tool_name": "Edit", "tool_input": {}})).is_none());
    }
}
