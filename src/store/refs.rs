//! Every name under `refs/coord/` is spelled here and nowhere else.

/// The claims board: the shared, exclusive state decided by compare-and-swap.
pub const CLAIMS: &str = "refs/coord/claims";

/// The contention marker: a writer that keeps losing the race for the board advances it, and
/// every board push is leased on it too, so a clone that keeps winning yields once (a chain
/// of empty commits; nothing reads its content).
pub const CONTEND: &str = "refs/coord/contend";

/// Where the shards of the board live (`model::layout`): one ref per shard, named by it.
pub const SHARDS: &str = "refs/coord/shards/";

/// The ref of one shard (`None`: the root, [`CLAIMS`]).
pub fn board_ref(shard: Option<&str>) -> String {
    match shard {
        None => CLAIMS.to_owned(),
        Some(k) => format!("{SHARDS}{k}"),
    }
}

/// Everything git-coord shares lives below this prefix.
pub const NAMESPACE: &str = "refs/coord/";

/// The fetch refspec: non-forced and not pruning, so it can never drop local state.
pub const FETCH_REFSPEC: &str = "refs/coord/*:refs/coord/*";

/// Where `init` probes that the remote accepts our refs.
pub fn probe(nonce: &str) -> String {
    format!("refs/coord/probe/{nonce}")
}
