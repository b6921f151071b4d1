//! End-to-end tests: the real binary, real git, a bare remote and several clones.

mod support;

mod agents;
mod board;
mod board_page;
mod cache;
mod ci;
mod claims;
mod cli;
mod clock;
mod compact;
mod concurrency;
mod enforce;
mod errors;
mod frozen;
mod globs_baseline;
mod hostile;
mod kills;
mod layout;
mod mcp;
mod mcp_protocol;
mod newcomer;
mod pending;
mod remote;
mod server;
mod sessions;
mod snapshots;
mod ssh;
mod symbol_cache;
mod symbols;
mod trust;
mod waiting;
