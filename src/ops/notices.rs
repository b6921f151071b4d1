//! What an agent is told once, on its next command: its whole-file claims that others
//! narrowed. "Told" is remembered per clone in `<git common dir>/coord/seen`, one line per
//! notice, so each is shown once.

use super::context::Context;
use crate::model::ClaimsState;

/// Notices not shown before in this clone; marks them as shown. Also, every time it
/// applies, that this clock runs ahead of the board and which claims it keeps for that.
pub fn take(ctx: &Context, state: &ClaimsState) -> Vec<String> {
    collect(ctx, state).mark(ctx)
}

/// What an agent is to be told, not yet marked as told.
#[derive(Debug, Default)]
pub struct Notices {
    lines: Vec<String>,
    /// Lines for the `seen` file, written by [`Notices::mark`].
    keys: String,
    seen: String,
}

/// Compute the notices for `state` without marking anything: safe inside a write's plan,
/// which re-runs on every lost race. Mark once the write has won.
pub fn collect(ctx: &Context, state: &ClaimsState) -> Notices {
    let mut n = Notices {
        lines: clock_note(ctx, state).into_iter().collect(),
        ..Notices::default()
    };
    let list = state.narrowings_of(&ctx.agent, ctx.expiry_now(), ctx.skew());
    if list.is_empty() {
        return n;
    }
    n.seen = std::fs::read_to_string(seen_path(ctx)).unwrap_or_default();
    for (held, nar) in list {
        let key = format!("{} {} {} {}", ctx.agent, held.id, nar.claim, nar.symbol);
        if n.seen.lines().any(|l| l == key) {
            continue;
        }
        n.keys.push_str(&key);
        n.keys.push('\n');
        n.lines.push(format!(
            "your claim {} on {} was narrowed: {} holds {}::{} ({}) since {}",
            held.id, held.scope, nar.by, held.scope, nar.symbol, nar.claim, nar.at
        ));
    }
    n
}

impl Notices {
    /// Record these notices as told (once) and hand back their text.
    pub fn mark(self, ctx: &Context) -> Vec<String> {
        if !self.keys.is_empty() {
            let path = seen_path(ctx);
            let _ = std::fs::create_dir_all(path.parent().expect("because it is under the git dir"));
            let _ = std::fs::write(&path, format!("{}{}", self.seen, self.keys));
        }
        self.lines
    }
}

fn seen_path(ctx: &Context) -> std::path::PathBuf {
    ctx.store.common_dir().join("coord").join("seen")
}

/// Claims of other agents that this clock alone would call expired but the board cannot
/// vouch for yet (see [`Context::expiry_now`]).
fn clock_note(ctx: &Context, state: &ClaimsState) -> Option<String> {
    let (now, judged) = (ctx.now(), ctx.expiry_now());
    if now.0 - judged.0 <= ctx.skew().0 {
        return None;
    }
    let mut kept = state
        .active(judged, ctx.skew())
        .filter(|c| c.agent != ctx.agent && !c.is_active(now, ctx.skew()));
    let named: Vec<String> = kept
        .by_ref()
        .take(NAMED_AT_MOST)
        .map(|c| format!("{} ({})", c.id, c.agent))
        .collect();
    if named.is_empty() {
        return None;
    }
    let more = kept.count();
    let list = match more {
        0 => named.join(", "),
        n => format!("{} and {n} more (`git coord who` lists them)", named.join(", ")),
    };
    Some(format!(
        "this machine's clock reads {} ahead of what the board can confirm, so {list} still count{} as held though they look expired here; if the clock is right the holder went quiet: check with them or `git coord release --force ID`",
        judged.until(now).human(),
        if named.len() + more == 1 { "s" } else { "" }
    ))
}

/// How many claims a notice names before it counts the rest (a board of 10,000 claims
/// must not print 10,000 ids on every command).
const NAMED_AT_MOST: usize = 5;

/// How far back in the board's history a holder is told that its claims were taken.
const FORCED_LOOKBACK: usize = 500;

/// Releases others forced on this agent's claims, each told once (who, what, why).
pub fn forced_releases(ctx: &Context) -> Result<Vec<String>, super::error::Error> {
    let seen = std::fs::read_to_string(seen_path(ctx)).unwrap_or_default();
    let mut lines = Vec::new();
    let mut keys = String::new();
    for h in ctx.store.board_history(FORCED_LOOKBACK, None)? {
        let Some(crate::model::Op::Release {
            force: true,
            agent,
            holders,
            reason,
            claims,
            ..
        }) = super::trust::op_of(&h.message)
        else {
            continue;
        };
        if !holders.contains(&ctx.agent) {
            continue;
        }
        let key = format!("{} forced {}", ctx.agent, h.id);
        if seen.lines().any(|l| l == key) {
            continue;
        }
        keys.push_str(&key);
        keys.push('\n');
        let ids: Vec<String> = claims.iter().map(ToString::to_string).collect();
        lines.push(format!(
            "{agent} force-released your claim(s) {} at {}: {}",
            ids.join(", "),
            h.time,
            reason.as_deref().unwrap_or("(no reason given)")
        ));
    }
    if !keys.is_empty() {
        let path = seen_path(ctx);
        let _ = std::fs::create_dir_all(path.parent().expect("because it is under the git dir"));
        let _ = std::fs::write(&path, format!("{seen}{keys}"));
    }
    Ok(lines)
}
