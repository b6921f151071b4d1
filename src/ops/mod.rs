//! Use cases: one function per command, where the store and the engine meet.
//!
//! Each returns a report struct; none prints or exits.

pub mod agents_setup;
pub mod board;
pub mod claim;
pub mod compact;
pub mod context;
pub mod doctor;
pub mod enforce;
pub mod error;
pub mod group;
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
pub mod session;
pub mod setup;
pub mod swap;
pub mod symbols;
pub mod symbols_many;
pub mod sync;
pub mod task;
pub mod transitions;
pub mod trust;
pub mod txn;

pub use crate::store::ssh::SshEnv;
pub use crate::store::PushQuarantine;
pub use context::{Context, Settings};
pub use error::{Error, Next};

#[cfg(test)]
mod names {
    use crate::ops::claim::Decision;
    use crate::ops::context::AgentSource;
    use crate::ops::setup::Status;

    #[test]
    fn names_are_the_json_names() {
        use Decision::*;
        for d in [Granted, Refreshed, Coexist, Narrowed, Queued, Conflict] {
            assert_eq!(serde_json::to_value(d).unwrap(), d.name());
        }
        for s in [
            Status::Ok,
            Status::Done,
            Status::Already,
            Status::Skipped,
            Status::Warn,
            Status::Fail,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.name());
        }
        for a in [
            AgentSource::Flag,
            AgentSource::Env,
            AgentSource::Config,
            AgentSource::Default,
        ] {
            assert_eq!(serde_json::to_value(a).unwrap(), a.name());
        }
    }
}
