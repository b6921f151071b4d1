//! The one error renderer: `error: …`, then `caused by: …` lines, then `hint: …`, as text
//! (terminal, hooks, MCP) and as parts (JSON). Must not print or exit.

use crate::model::text::shell_quote;
use crate::model::TaskStatus;
use crate::ops::error::StoreError;
use crate::ops::{Error, Next};

/// Who reads a hint: a person at a command line, or an agent calling MCP tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Cli,
    Mcp,
}

/// An error as its parts: message, causes (outermost first), hint (worded for the CLI).
pub fn error_parts(e: &Error) -> (String, Vec<String>, Option<String>) {
    error_parts_for(e, Surface::Cli)
}

/// An error as its parts, its hint worded for `surface`.
pub fn error_parts_for(e: &Error, surface: Surface) -> (String, Vec<String>, Option<String>) {
    let mut causes = Vec::new();
    if let Some(d) = e.detail() {
        causes.push(d.to_owned());
    }
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let text = s.to_string();
        if !causes.contains(&text) && !e.to_string().ends_with(&text) {
            causes.push(text);
        }
        src = s.source();
    }
    (e.to_string(), causes, hint(e, surface))
}

/// `error: …`, then `caused by: …` lines, then `hint: …` (for the CLI).
pub fn error_text(e: &Error) -> String {
    error_text_for(e, Surface::Cli)
}

/// `error: …`, then `caused by: …` lines, then `hint: …` worded for `surface`.
pub fn error_text_for(e: &Error, surface: Surface) -> String {
    let (message, causes, hint) = error_parts_for(e, surface);
    let mut text = format!("error: {message}\n");
    for c in &causes {
        text.push_str(&format!("caused by: {c}\n"));
    }
    if let Some(h) = &hint {
        text.push_str(&format!("hint: {h}\n"));
    }
    text
}

/// The exit codes of the contract: 0 ok, 1 refused or conflict, 2 bad input, 3 remote
/// (the operation kept pending); anything else is a bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Refused = 1,
    Usage = 2,
    Remote = 3,
    Internal = 70,
    /// Stopped by Ctrl-C (128 + SIGINT, as a shell reports it).
    Interrupted = 130,
}

/// The exit code of the contract an error maps to.
pub fn exit_code(e: &Error) -> Exit {
    match e {
        Error::Scope(_)
        | Error::Id(_)
        | Error::Time(_)
        | Error::Glob(_)
        | Error::Policy(_)
        | Error::TooBroad { .. }
        | Error::NotFound(..)
        | Error::Usage(..) => Exit::Usage,
        Error::Refused(..) | Error::Conflict { .. } => Exit::Refused,
        Error::Remote { .. } => Exit::Remote,
        Error::Store(e) => match e {
            StoreError::NotARepo { .. }
            | StoreError::Corrupt { .. }
            | StoreError::Schema { .. }
            | StoreError::Revision { .. }
            | StoreError::Signing(_)
            | StoreError::NotACommit { .. } => Exit::Usage,
            _ => Exit::Internal,
        },
    }
}

/// How to proceed after an error, when there is an obvious way.
pub fn hint(e: &Error, surface: Surface) -> Option<String> {
    match e {
        Error::Usage(_, h) | Error::Refused(_, h) | Error::NotFound(_, h) | Error::Conflict { hint: h, .. } => {
            h.as_ref().map(|n| next_text(n, surface))
        }
        Error::TooBroad { .. } => Some("claim a narrower glob, or raise claims.max_files / claims.max_fraction in .coord.toml".into()),
        Error::Policy(_) => Some("fix .coord.toml at the repository root; `git coord init` writes a commented example when none exists".into()),
        Error::Remote { detail, .. } if detail == "too many concurrent writers" => Some(
            "the board is busy with concurrent writers: run the command again (`git coord sync` confirms anything left pending)".into(),
        ),
        Error::Remote { what, .. } if what.contains("does not descend") => Some(
            "the remote's board was rewritten or replaced: compare `git for-each-ref refs/coord/` with `git ls-remote <remote> 'refs/coord/*'`; to adopt the remote's board run `git fetch <remote> '+refs/coord/*:refs/coord/*'` (operations pending here are kept and replayed by `git coord sync`)".into(),
        ),
        Error::Remote { what, pending, .. } if what.starts_with("refused") => Some(format!(
            "the remote is up and its hook refused this write for the reason above; {pending} operation(s) kept as pending: fix what it names, then `git coord sync`, or `git coord release` to drop it"
        )),
        Error::Remote { pending, .. } if *pending > 0 => Some(format!(
            "{pending} operation(s) kept as pending; run `git coord sync` when the remote is back, or pass --offline to work locally"
        )),
        Error::Remote { .. } => Some("check the remote with `git ls-remote`, or pass --offline to work locally".into()),
        Error::Store(StoreError::NotARepo { .. }) => Some(match surface {
            Surface::Cli => "run git coord inside a clone, or pass -C <dir>".into(),
            Surface::Mcp => "start the MCP server inside a clone (its working directory, or `git coord -C <dir> mcp`)".into(),
        }),
        Error::Store(StoreError::Write { source, .. }) if source.to_string().to_lowercase().contains("lock") => Some(
            "a stopped process may have left a lock file; `git coord doctor` lists them and how to remove them".into(),
        ),
        Error::Store(e) => e.hint(),
        _ => None,
    }
}

/// A way forward in the words of one surface: commands for people, tools for agents.
pub fn next_text(n: &Next, surface: Surface) -> String {
    let cli = surface == Surface::Cli;
    let pick = |c: String, m: String| if cli { c } else { m };
    match n {
        Next::Say(s) => s.clone(),
        Next::ListTasks => pick(
            "`git coord task list` shows the tasks".into(),
            "the `status` tool shows the tasks".into(),
        ),
        Next::RetryWithRevision => pick(
            "read the board again (`git coord task list`) and retry with its revision".into(),
            "read the board again (`status`) and retry with its revision".into(),
        ),
        Next::Sync => pick(
            "run `git coord sync` to confirm it".into(),
            "it is confirmed when the remote is reached again (`git coord sync`)".into(),
        ),
        Next::TaskMoved { task, holder, status } => match holder {
            Some(h) => pick(
                format!("{h} holds the lease now; see `git coord task show {task}`"),
                format!("{h} holds the lease now; pick another task (`task_next`)"),
            ),
            None if matches!(status, TaskStatus::Claimed | TaskStatus::Open) => pick(
                format!("claim it again: git coord task claim {task}"),
                "take a task again with `task_claim_next`".into(),
            ),
            None => pick(
                format!("the task is {} now; see `git coord task show {task}`", status.name()),
                format!("the task is {} now; pick another task (`task_next`)", status.name()),
            ),
        },
        Next::WriteHandoff { task } => pick(
            format!("write one: git coord handoff write --task {task} --to reviewers --summary \"…\""),
            format!("write one with `handoff_write` (task: {task}, to: reviewers), then call `task_done` again"),
        ),
        Next::ClaimWholeFile { .. } | Next::PickSymbol { .. } | Next::ClaimNew => symbol_next(n, cli),
        Next::NameClaims => pick(
            "give claim ids, --scope SCOPE or --all (see `git coord status`)".into(),
            "give ids, scopes or all: true (the `status` tool lists your claims)".into(),
        ),
        Next::ListClaims { why } => {
            let list = pick(
                "`git coord status` lists the active claims".into(),
                "the `status` tool lists the active claims".into(),
            );
            match why {
                Some(w) => format!("{w}; {list}"),
                None => list,
            }
        }
        Next::ListHandoffs => pick(
            "`git coord handoff list` shows them".into(),
            "the `handoff_list` tool shows them".into(),
        ),
        Next::SetAgent => pick(
            "pass --agent ID or set GIT_COORD_AGENT".into(),
            "start the server with GIT_COORD_AGENT set (or `git coord --agent ID mcp`)".into(),
        ),
        Next::PickPath { close } => {
            let mean = if close.is_empty() {
                "check the path".to_owned()
            } else {
                format!("did you mean {}?", close.join(", "))
            };
            pick(
                format!("{mean} (--new if you are about to create it)"),
                format!("{mean} (new: true if you are about to create it)"),
            )
        }
        Next::ForceRelease { holder } => pick(
            format!("ask {holder} to release it, or pass --force to release it anyway (recorded in the history)"),
            format!("ask {holder} to release it, or call `release` with `force: true` if it is stale (recorded in the history)"),
        ),
    }
}

/// The ways forward about symbols and files.
fn symbol_next(n: &Next, cli: bool) -> String {
    let pick = |c: String, m: String| if cli { c } else { m };
    match n {
        Next::ClaimWholeFile { file } => pick(
            format!("claim the whole file instead: git coord claim {}", shell_quote(file)),
            format!("claim the whole file instead: `claim` with scopes [\"{file}\"]"),
        ),
        Next::PickSymbol { file, wanted, close } if close.is_empty() => pick(
            format!("{file} has no symbols; claim the whole file, or pass --new if you are about to create {wanted}"),
            format!(
                "{file} has no symbols; claim the whole file, or pass new: true if you are about to create {wanted}"
            ),
        ),
        Next::PickSymbol { file, close, .. } => pick(
            format!(
                "did you mean {}? (`git coord symbols {}` lists them; --new if you are creating it)",
                close.join(", "),
                shell_quote(file)
            ),
            format!(
                "did you mean {}? (the `symbols` tool lists them; new: true if you are creating it)",
                close.join(", ")
            ),
        ),
        Next::ClaimNew => pick(
            "check the path, or pass --new if you are about to create it".into(),
            "check the path, or pass new: true if you are about to create it".into(),
        ),
        _ => String::new(),
    }
}
