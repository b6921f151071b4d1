//! Errors of the store: each names the ref, path or command involved.

use std::path::PathBuf;

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong talking to git.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not inside a git repository: {path}")]
    NotARepo {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
    #[error("cannot read {what}")]
    Read {
        what: String,
        #[source]
        source: BoxError,
    },
    #[error("cannot write {what}")]
    Write {
        what: String,
        #[source]
        source: BoxError,
    },
    #[error("{reference} points to a {kind}, not a commit")]
    NotACommit { reference: String, kind: String },
    #[error("{reference}:{path} is not valid git-coord data")]
    Corrupt {
        reference: String,
        path: String,
        #[source]
        source: BoxError,
    },
    #[error("{reference} is written in schema version {found}; this git-coord reads version {supported}")]
    Schema {
        reference: String,
        found: u64,
        supported: u64,
    },
    #[error("unknown revision '{rev}': {reason}")]
    Revision { rev: String, reason: &'static str },
    #[error("cannot run git {args}")]
    Spawn {
        args: String,
        #[source]
        source: std::io::Error,
    },
    #[error("git {args} failed: {stderr}")]
    Git { args: String, stderr: String },
    /// Signing was asked for and could not be done (nothing was written).
    #[error("cannot sign: {0}")]
    Signing(String),
}

impl StoreError {
    pub fn read(what: impl Into<String>, source: impl Into<BoxError>) -> StoreError {
        StoreError::Read {
            what: what.into(),
            source: source.into(),
        }
    }

    pub fn write(what: impl Into<String>, source: impl Into<BoxError>) -> StoreError {
        StoreError::Write {
            what: what.into(),
            source: source.into(),
        }
    }

    /// A way forward for the user, when there is an obvious one.
    pub fn hint(&self) -> Option<String> {
        match self {
            StoreError::Corrupt { reference, path, .. } => Some(format!(
                "inspect it with `git show {reference}:{path}`; git-coord never overwrites what it cannot read, so repair or revert that commit"
            )),
            StoreError::NotACommit { reference, .. } => Some(format!(
                "something other than git-coord wrote {reference}; inspect it with `git cat-file -t {reference}`"
            )),
            StoreError::Schema { .. } => Some("upgrade git-coord on this machine".into()),
            StoreError::Revision { rev, .. } => Some(format!(
                "check it with `git rev-parse --verify '{rev}^{{commit}}'`; a range is BASE..HEAD, and BASE~N needs N commits of history"
            )),
            _ => None,
        }
    }
}
