//! Every name under `refs/coord/` is spelled here and nowhere else.

/// The claims board: the shared, exclusive state decided by compare-and-swap.
pub const CLAIMS: &str = "refs/coord/claims";

/// The contention markers, one per board ref (`turns/root`, `turns/<shard>`): a writer that
/// keeps losing the race for a ref advances its marker, and pushes of that ref are leased on
/// it too, so a clone that keeps winning there yields once (chains of empty commits; nothing
/// reads their content). Per ref, so a race on one shard never slows writers of another.
pub const TURNS: &str = "refs/coord/turns/";

/// The contention marker of one board ref.
pub fn turn_ref(board_ref: &str) -> String {
    match board_ref.strip_prefix(SHARDS) {
        Some(key) => format!("{TURNS}{key}"),
        None => format!("{TURNS}root"),
    }
}

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
