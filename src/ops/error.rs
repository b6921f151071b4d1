//! Errors of the use cases: typed, carrying what they are about. Which exit code each maps
//! to and the hint a person is shown are the front's (front/errors.rs).

use crate::engine::glob::GlobError;
use crate::model::{AgentId, IdError, PolicyError, ScopeError, TaskId, TaskStatus, TimeError};
pub use crate::store::StoreError;

/// A way forward after an error, named by what to do rather than how to type it: each front
/// end words it for its surface (a command line for people, a tool for agents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Advice that names no command.
    Say(String),
    /// Look at the tasks on the board.
    ListTasks,
    /// Read the board again and retry with the revision it shows.
    RetryWithRevision,
    /// Confirm pending writes with the remote.
    Sync,
    /// Someone else's lease (or none) on a task whose token was given.
    TaskMoved {
        task: TaskId,
        holder: Option<AgentId>,
        status: TaskStatus,
    },
    /// A task needs a handoff before review.
    WriteHandoff { task: TaskId },
    /// A file without symbols (or an unknown one) can still be claimed whole.
    ClaimWholeFile { file: String },
    /// A symbol that does not exist: the closest ones, or claim it as new.
    PickSymbol {
        file: String,
        wanted: String,
        close: Vec<String>,
    },
    /// A path that does not exist yet can be claimed as new.
    ClaimNew,
    /// Say which claims (ids, a scope, or all).
    NameClaims,
    /// See the active claims (`why` says what may have happened).
    ListClaims { why: Option<String> },
    /// See the handoffs.
    ListHandoffs,
    /// Say who you are.
    SetAgent,
    /// A path that is not in the repository: the closest ones, or claim it as new.
    PickPath { close: Vec<String> },
    /// Another agent holds the claim: ask them, or force the release.
    ForceRelease { holder: AgentId },
}

impl From<Option<String>> for Hint {
    fn from(h: Option<String>) -> Hint {
        Hint(h.map(Next::Say))
    }
}

impl From<Next> for Hint {
    fn from(n: Next) -> Hint {
        Hint(Some(n))
    }
}

/// What the error constructors take as a hint: `None`, `Some(advice)` or a [`Next`].
pub struct Hint(pub Option<Next>);

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
    Usage(String, Option<Next>),
    #[error("{0}")]
    Refused(String, Option<Next>),
    /// A named thing (a claim id, a task) is not on the board: bad input, exit 2, but like a
    /// refusal it is confirmed against a fresh fetch before it is reported.
    #[error("{0}")]
    NotFound(String, Option<Next>),
    /// A refusal with a machine-readable code (`lease-token-conflict`, …).
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        hint: Option<Next>,
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
    pub fn usage(msg: impl Into<String>, hint: impl Into<Hint>) -> Error {
        Error::Usage(msg.into(), hint.into().0)
    }

    pub fn refused(msg: impl Into<String>, hint: impl Into<Hint>) -> Error {
        Error::Refused(msg.into(), hint.into().0)
    }

    pub fn not_found(msg: impl Into<String>, hint: impl Into<Hint>) -> Error {
        Error::NotFound(msg.into(), hint.into().0)
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
