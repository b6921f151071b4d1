//! Use cases: one function per command, where the store and the engine meet.
//!
//! Each returns a report struct; none prints or exits.

pub mod agents_setup;
pub mod claim;
pub mod context;
pub mod doctor;
pub mod enforce;
pub mod error;
pub mod handoff;
pub mod hook;
pub mod inbox;
pub mod log;
pub mod notices;
pub mod pre_edit;
pub mod query;
pub mod release;
pub mod report;
pub mod scopes;
pub mod server;
pub mod setup;
pub mod swap;
pub mod symbols;
pub mod sync;
pub mod task;
pub mod txn;

pub use context::{Context, Settings};
pub use error::Error;
