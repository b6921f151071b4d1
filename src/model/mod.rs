//! Pure types and rules: ids, scopes, claims, the board and its operations, policy, time.
//!
//! No I/O, no clock, no printing: time comes in as an argument and text goes out as values.

pub mod claim;
pub mod ids;
pub mod layout;
pub mod op;
pub mod policy;
mod policy_change;
mod policy_file;
pub mod scope;
pub mod task;
pub mod text;
pub mod time;

pub use claim::{Applied, Claim, ClaimsState, Mode, Narrow, Narrowing, Trust, Urgency, Waiter};
pub use ids::{AgentId, ClaimId, IdError, OpId, Rng};
pub use op::{Op, Refresh};
pub use policy::{GuardOnError, HookMode, Policy, PolicyError, TrustPolicy};
pub use scope::{Scope, ScopeError, SymbolScope};
pub use task::{
    Handoff, HandoffId, HandoffStatus, Lease, Task, TaskEvent, TaskGraph, TaskId, TaskStatus, TransitionError, Verdict,
};
pub use time::{Span, TimeError, Timestamp};
