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

/// Where compacted history is kept (`git coord compact`): outside `refs/coord/`, so fetches of
/// the board never carry it; `git fetch <remote> 'refs/coord-archive/*:refs/coord-archive/*'`
/// brings it for `git log`.
pub const ARCHIVE: &str = "refs/coord-archive/";

/// The archive of board ref `board` compacted at `tip`: `refs/coord-archive/<ref below
/// refs/coord/>/<tip>` (one per compaction, never moved).
pub fn archive_ref(board: &str, tip: &gix::ObjectId) -> String {
    format!("{ARCHIVE}{}/{tip}", board.strip_prefix(NAMESPACE).unwrap_or(board))
}

/// The board ref and commit an archive ref names (`None`: not an archive ref's name).
pub fn archived(archive: &str) -> Option<(String, gix::ObjectId)> {
    let rest = archive.strip_prefix(ARCHIVE)?;
    let (board, id) = rest.rsplit_once('/')?;
    let id = gix::ObjectId::from_hex(id.as_bytes()).ok()?;
    let board = format!("{NAMESPACE}{board}");
    (board == CLAIMS
        || board
            .strip_prefix(SHARDS)
            .is_some_and(|k| !k.is_empty() && !k.contains('/')))
    .then_some((board, id))
}

/// Where `init` probes that the remote accepts our refs.
pub fn probe(nonce: &str) -> String {
    format!("refs/coord/probe/{nonce}")
}
