//! The commented `.coord.toml` `git coord init` writes (every key at its default).

/// The commented file `git coord init` writes when there is none.
pub const DEFAULT_POLICY_FILE: &str = r#"# git-coord policy. Every key is optional; the values shown are the defaults.
# See `git-coord --help`, `git coord man` (after `git coord man --install`: `git help coord`)
# and the README for what each one does.

[claims]
# How long a claim lasts when --ttl is not given.
# default_ttl = "2h"
# Clock-skew margin: a claim stays active this long past its expiry for readers.
# clock_skew = "5s"
# One claim may cover at most this many tracked files ...
# max_files = 100
# ... and at most this fraction of them (applied once the repository has 50 or more files).
# max_fraction = 0.2
# Files (globs) that never conflict, like lock files everybody regenerates.
# shared_files = ["Cargo.lock", "package-lock.json"]

[keys]
# Key namespaces besides api db event flag env contract feature.
# namespaces = ["queue"]

[hook]
# enforce (refuse pushes touching others' claims) | warn (print, allow) | off
# mode = "enforce"
# Only guard these branches (globs); empty means every branch.
# branches = ["main", "release/*"]
# On a server: take `git push -o coord-agent=ID` as who pushes (unproven: anyone can say it).
# trust_push_option = false

[network]
# How long one command may spend on the network before its write stays pending (exit 3).
# timeout = "30s"
# Reads (check, who, status, task list…) of one clone share a fetch younger than this
# (their --json says view_age_ms); 0s fetches for every read. Writes always decide fresh.
# fresh_for = "1s"
# At most this many pushes a minute from one clone's writers (120), or per window ("20/10s");
# writes that arrive meanwhile wait and leave together. Unset: no budget.
# push_budget = 120
# A write that finds a board ref's history this long since its last compaction compacts it
# (`git coord compact`: old history kept under refs/coord-archive/); 0: never by itself.
# compact_after = 10000

[tasks]
# Allow `git coord task done --no-review` (straight to approved).
# allow_no_review = false

[trust]
# Sign every board commit with your ssh key (git's own signing: user.signingKey, ssh-agent).
# sign = false
# Unsigned or forged claims count for nothing; the server refuses unsigned board writes.
# require = false
# Who may be whom: git's allowed-signers format, principals are agent-id patterns
# (`alice/*,alice@example.com ssh-ed25519 AAAA…`).
# allowed_signers = ".coord/allowed_signers"
# Principals who may --force another agent's claim.
# maintainers = []

[agents]
# The editor pre-edit hook claims a free file for the agent instead of only checking.
# auto_claim = false
# What the pre-edit guard does when it cannot judge an edit: allow (with a visible message) | deny
# on_error = "allow"
"#;
