//! Installing our hooks into the hooks directory git actually uses, as a marker-delimited
//! block that leaves the user's own hook lines alone (theirs still runs after ours, on the
//! same standard input; either refusing refuses). Owns the files and markers, not the
//! shell text inside the block (a front end's).

use std::path::{Path, PathBuf};

use super::error::StoreError;
use super::repo::Store;

pub const BEGIN: &str = "# >>> git-coord >>>";
pub const END: &str = "# <<< git-coord <<<";

/// What happened to one hook file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookChange {
    Created,
    Added,
    Updated,
    Unchanged,
    Removed,
    Absent,
}

/// Makes the body of our block for a hook name; `alone` when no other lines of the user's
/// are in the file. The text is the front end's (see `front::hook_script`).
pub type Script<'a> = &'a dyn Fn(&str, bool) -> String;

fn block(script: Script, hook: &str, alone: bool) -> String {
    format!("{BEGIN}\n{}{END}\n", script(hook, alone))
}

/// Where git looks for hooks: `core.hooksPath` (relative to the work tree) or the common
/// git dir's `hooks/` (shared by all worktrees).
pub fn hooks_dir(store: &Store) -> PathBuf {
    match store.config_string("core.hooksPath").filter(|p| !p.is_empty()) {
        Some(p) => {
            let p = PathBuf::from(p);
            if p.is_absolute() {
                p
            } else {
                store.workdir().unwrap_or_else(|| store.git_dir()).join(p)
            }
        }
        None => store.common_dir().join("hooks"),
    }
}

fn remove_block(text: &str) -> String {
    crate::model::text::remove_block(text, BEGIN, END).0
}

/// Install (or refresh) our block in `dir/hook`.
pub fn install(dir: &Path, hook: &str, script: Script) -> Result<HookChange, StoreError> {
    let path = dir.join(hook);
    let err = |e: std::io::Error| StoreError::write(path.display().to_string(), e);
    std::fs::create_dir_all(dir).map_err(err)?;
    let existing = match std::fs::read(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(err(e)),
        Ok(bytes) => Some(String::from_utf8(bytes).map_err(|_| {
            StoreError::write(
                path.display().to_string(),
                "it is not a text script; call `git coord hook` from it yourself",
            )
        })?),
    };
    let (text, change) = match existing {
        None => (format!("#!/bin/sh\n{}", block(script, hook, true)), HookChange::Created),
        Some(existing) => {
            let rest = remove_block(&existing);
            if !rest.starts_with("#!") && !rest.trim().is_empty() {
                return Err(StoreError::write(
                    path.display().to_string(),
                    "it has no #! line; call `git coord hook` from it yourself",
                ));
            }
            let alone = !rest.lines().skip(1).any(|l| !l.trim().is_empty());
            let text = insert_after_shebang(&rest, &block(script, hook, alone));
            if text == existing {
                return Ok(HookChange::Unchanged);
            }
            (
                text,
                if existing.contains(BEGIN) {
                    HookChange::Updated
                } else {
                    HookChange::Added
                },
            )
        }
    };
    std::fs::write(&path, text).map_err(err)?;
    set_executable(&path).map_err(err)?;
    Ok(change)
}

/// Remove our block from `dir/hook`; delete the file if nothing else is left.
pub fn uninstall(dir: &Path, hook: &str) -> Result<HookChange, StoreError> {
    let path = dir.join(hook);
    let err = |e: std::io::Error| StoreError::write(path.display().to_string(), e);
    let existing = match std::fs::read_to_string(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HookChange::Absent),
        Err(e) => return Err(err(e)),
        Ok(t) => t,
    };
    if !existing.contains(BEGIN) {
        return Ok(HookChange::Absent);
    }
    let rest = remove_block(&existing);
    let meaningful = rest
        .lines()
        .skip(usize::from(rest.starts_with("#!")))
        .any(|l| !l.trim().is_empty());
    if meaningful {
        std::fs::write(&path, rest).map_err(err)?;
    } else {
        std::fs::remove_file(&path).map_err(err)?;
    }
    Ok(HookChange::Removed)
}

fn insert_after_shebang(text: &str, ours: &str) -> String {
    match text.split_once('\n') {
        Some((first, rest)) if first.starts_with("#!") => format!("{first}\n{ours}{rest}"),
        None if text.starts_with("#!") => format!("{text}\n{ours}"),
        _ => format!("#!/bin/sh\n{ours}{}", text.trim_start()),
    }
}

fn set_executable(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut p = std::fs::metadata(path)?.permissions();
        p.set_mode(p.mode() | 0o755);
        std::fs::set_permissions(path, p)?;
    }
    Ok(())
}
