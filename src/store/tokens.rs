//! Lease tokens this clone took, kept locally (`<common dir>/coord/tokens`, one `<hash>
//! <token>` per line, readable by the owner only): the board keeps only the hash, and an
//! operation left pending must still be able to show its holder the token.

use std::io::Write;
use std::path::Path;

/// Remember `token` under `hash` (best effort: the caller has the token in hand anyway).
pub fn remember(common_dir: &Path, hash: &str, token: &str) {
    let dir = common_dir.join("coord");
    let _ = std::fs::create_dir_all(&dir);
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    if let Ok(mut f) = opts.open(dir.join("tokens")) {
        let _ = f.write_all(format!("{hash} {token}\n").as_bytes());
    }
}

/// The token remembered under `hash`, if this clone took it.
pub fn recall(common_dir: &Path, hash: &str) -> Option<String> {
    let text = std::fs::read_to_string(common_dir.join("coord").join("tokens")).ok()?;
    text.lines()
        .rev()
        .find_map(|l| l.split_once(' ').filter(|(h, _)| *h == hash).map(|(_, t)| t.to_owned()))
}
