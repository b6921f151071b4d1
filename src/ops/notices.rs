//! What an agent is told once, on its next command: its whole-file claims that others
//! narrowed. "Told" is remembered per clone in `<git common dir>/coord/seen`, one line per
//! notice, so each is shown once.

use super::context::Context;
use crate::model::ClaimsState;

/// Notices not shown before in this clone; marks them as shown.
pub fn take(ctx: &Context, state: &ClaimsState) -> Vec<String> {
    let list = state.narrowings_of(&ctx.agent, ctx.now(), ctx.skew());
    if list.is_empty() {
        return Vec::new();
    }
    let path = ctx.store.common_dir().join("coord").join("seen");
    let seen = std::fs::read_to_string(&path).unwrap_or_default();
    let mut fresh = Vec::new();
    let mut lines = String::new();
    for (held, n) in list {
        let key = format!("{} {} {} {}", ctx.agent, held.id, n.claim, n.symbol);
        if seen.lines().any(|l| l == key) {
            continue;
        }
        lines.push_str(&key);
        lines.push('\n');
        fresh.push(format!(
            "your claim {} on {} was narrowed: {} holds {}::{} ({}) since {}",
            held.id, held.scope, n.by, held.scope, n.symbol, n.claim, n.at
        ));
    }
    if !lines.is_empty() {
        let _ = std::fs::create_dir_all(path.parent().expect("because it is under the git dir"));
        let _ = std::fs::write(&path, format!("{seen}{lines}"));
    }
    fresh
}
