//! The one error renderer: `error: …`, then `caused by: …` lines, then `hint: …`, as text
//! (terminal, hooks, MCP) and as parts (JSON). Must not print or exit.

use crate::ops::error::StoreError;
use crate::ops::Error;

/// An error as its parts: message, causes (outermost first), hint.
pub fn error_parts(e: &Error) -> (String, Vec<String>, Option<String>) {
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
    (e.to_string(), causes, hint(e))
}

/// `error: …`, then `caused by: …` lines, then `hint: …`.
pub fn error_text(e: &Error) -> String {
    let (message, causes, hint) = error_parts(e);
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
            | StoreError::NotACommit { .. } => Exit::Usage,
            _ => Exit::Internal,
        },
    }
}

/// How to proceed after an error, when there is an obvious way.
pub fn hint(e: &Error) -> Option<String> {
    match e {
        Error::Usage(_, h) | Error::Refused(_, h) | Error::NotFound(_, h) | Error::Conflict { hint: h, .. } => {
            h.clone()
        }
        Error::TooBroad { .. } => Some("claim a narrower glob, or raise claims.max_files / claims.max_fraction in .coord.toml".into()),
        Error::Policy(_) => Some("fix .coord.toml at the repository root; `git coord init` writes a commented example when none exists".into()),
        Error::Remote { detail, .. } if detail == "too many concurrent writers" => Some(
            "the board is busy with concurrent writers: run the command again (`git coord sync` confirms anything left pending)".into(),
        ),
        Error::Remote { what, .. } if what.contains("does not descend") => Some(
            "the remote's board was rewritten or replaced: compare `git log refs/coord/claims` with `git ls-remote <remote> 'refs/coord/*'`; to adopt the remote's board run `git fetch <remote> +refs/coord/claims:refs/coord/claims` (operations pending here are kept and replayed by `git coord sync`)".into(),
        ),
        Error::Remote { what, pending, .. } if what.starts_with("refused") => Some(format!(
            "the remote is up and its hook refused this write for the reason above; {pending} operation(s) kept as pending: fix what it names, then `git coord sync`, or `git coord release` to drop it"
        )),
        Error::Remote { pending, .. } if *pending > 0 => Some(format!(
            "{pending} operation(s) kept as pending; run `git coord sync` when the remote is back, or pass --offline to work locally"
        )),
        Error::Remote { .. } => Some("check the remote with `git ls-remote`, or pass --offline to work locally".into()),
        Error::Store(e) => e.hint(),
        _ => None,
    }
}
