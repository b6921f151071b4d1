//! git-coord: coordinate agents and people on one repository through `refs/coord/`.
//!
//! Layers point one way: `model` ← `engine`, `store` ← `ops` ← `front` ← `cli`, `mcp`, `hook`.
//! Only the front ends print. `layering` (tests) checks it on every `crate::` path.

pub mod cli;
pub mod engine;
pub mod front;
pub mod hook;
pub mod mcp;
pub mod model;
pub mod ops;
pub mod store;

#[cfg(test)]
mod layering;
