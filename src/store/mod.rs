//! The only code that talks to git: objects and refs in-process (gix), the network through
//! the `git` executable, pending operations as files in the git directory.
//!
//! Knows nothing of globs or conflicts: it stores and moves what it is given.

pub mod allowed_signers;
pub mod clock;
pub mod codec;
pub mod error;
pub mod freshness;
pub mod git_cmd;
pub mod heap;
pub mod hooks;
pub mod locks;
pub mod message;
pub mod pending;
pub mod push_many;
pub mod refs;
pub mod remote;
pub mod repo;
pub mod sessions;
pub mod signing;
pub mod ssh;
pub mod stage;
pub mod symbol_cache;
pub mod tokens;

pub use clock::ClockFile;
pub use error::StoreError;
pub use freshness::Freshness;
pub use pending::{Pending, PendingDir};
pub use remote::{Fetch, Push, Remote};
pub use repo::{Board, Cas, FileChange, HistoryEntry, Loaded, PushQuarantine, RefWrite, Store};
pub use stage::Stage;

/// Object ids, as the store hands them out.
pub use gix::ObjectId;
