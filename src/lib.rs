//! git-coord: coordinate agents and people on one repository through `refs/coord/`.
//!
//! Layers point one way: `model` ← `engine`, `store` ← `ops` ← `cli`. Only `cli` prints.

pub mod cli;
pub mod engine;
pub mod mcp;
pub mod model;
pub mod ops;
pub mod store;
