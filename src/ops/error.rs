//! Errors of the use cases: typed, carrying what they are about. Which exit code each maps
//! to and the hint a person is shown are the front's (front/errors.rs).

use crate::engine::glob::GlobError;
use crate::model::{IdError, PolicyError, ScopeError, TimeError};
pub use crate::store::StoreError;

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
