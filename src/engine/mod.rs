//! The conflict engine: globs and their overlap, and the judgement of one request against
//! the active claims.
//!
//! Works on bytes and lists it is handed; never opens a repository.

pub mod conflict;
pub mod diff;
pub mod glob;
#[cfg(test)]
mod overlap_props;
pub mod symbols;
