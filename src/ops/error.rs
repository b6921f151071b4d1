//! Errors of the use cases, each with the exit code it maps to and, where there is one,
//! a hint that says how to proceed.

use crate::engine::glob::GlobError;
use crate::model::{IdError, PolicyError, ScopeError, TimeError};
use crate::store::StoreError;

/// The exit codes of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Refused = 1,
    Usage = 2,
    Remote = 3,
    Internal = 70,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error(transparent)]
    Id(#[from] IdError),
    #[error(transparent)]
    Time(#[from] TimeError),
    #[error(transparent)]
    Glob(#[from] GlobError),
    #[error("invalid .coord.toml")]
    Policy(#[source] PolicyError),
    #[error("{scope} covers {files} tracked files; one claim may cover at most {limit}")]
    TooBroad { scope: String, files: usize, limit: usize },
    #[error("{0}")]
    Usage(String, Option<String>),
    #[error("{0}")]
    Refused(String, Option<String>),
    /// A named thing (a claim id, a task) is not on the board: bad input, exit 2, but like a
    /// refusal it is confirmed against a fresh fetch before it is reported.
    #[error("{0}")]
    NotFound(String, Option<String>),
    /// A refusal with a machine-readable code (`lease-token-conflict`, …).
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        hint: Option<String>,
    },
    #[error("remote '{remote}' {what}")]
    Remote {
        remote: String,
        what: String,
        detail: String,
        pending: usize,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Error {
    pub fn usage(msg: impl Into<String>, hint: impl Into<Option<String>>) -> Error {
        Error::Usage(msg.into(), hint.into())
    }

    pub fn refused(msg: impl Into<String>, hint: impl Into<Option<String>>) -> Error {
        Error::Refused(msg.into(), hint.into())
    }

    pub fn not_found(msg: impl Into<String>, hint: impl Into<Option<String>>) -> Error {
        Error::NotFound(msg.into(), hint.into())
    }

    pub fn exit(&self) -> Exit {
        match self {
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

    pub fn hint(&self) -> Option<String> {
        match self {
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

    /// A machine-readable code for JSON, when there is one. Remote failures are told apart:
    /// `unreachable` (an outage), `timeout`, `remote-refused` (a server hook said no, with
    /// its reason), `contention` (lost the race too often), `diverged`.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Error::Conflict { code, .. } => Some(code),
            Error::Remote { what, detail, .. } => Some(if what.starts_with("refused") {
                "remote-refused"
            } else if what.contains("does not descend") {
                "diverged"
            } else if detail == "too many concurrent writers" {
                "contention"
            } else {
                pending_reason(detail)
            }),
            _ => None,
        }
    }

    /// The detail line of a remote failure (shown as a cause).
    pub fn detail(&self) -> Option<&str> {
        match self {
            Error::Remote { detail, .. } => Some(detail),
            _ => None,
        }
    }
}

/// Why a write stayed pending, as a JSON reason: `timeout` or `unreachable`.
pub fn pending_reason(detail: &str) -> &'static str {
    if detail.contains("timed out") {
        "timeout"
    } else {
        "unreachable"
    }
}
