//! The commit-message format of board commits: a subject a person reads in `git log` (one
//! short line, whatever the user typed), an optional body, then `Coord-*` trailers that
//! machines read. Written and parsed only here.

use crate::model::{ClaimId, ClaimsState, Op};

/// The commit message: a sentence a person can read in `git log`, then trailers.
pub fn describe(op: &Op, before: &ClaimsState, expired: &[ClaimId], granted: &[ClaimId]) -> String {
    let subject = one_line(&subject(op, before), 120);
    let scopes_of = |ids: &[ClaimId]| scopes_of(before, ids);
    let mut body = String::new();
    if !expired.is_empty() {
        body.push_str(&format!("Dropped expired: {}\n", scopes_of(expired)));
    }
    if !granted.is_empty() {
        let ids: Vec<String> = granted.iter().map(ToString::to_string).collect();
        body.push_str(&format!("Granted from the queue: {}\n", ids.join(", ")));
    }
    let trailers = trailers_of(op, expired, granted);
    if body.is_empty() {
        format!("{subject}\n\n{trailers}")
    } else {
        format!("{subject}\n\n{body}\n{trailers}")
    }
}

/// `scope (id), …` of the claims as they were before the operation.
fn scopes_of(before: &ClaimsState, ids: &[ClaimId]) -> String {
    ids.iter()
        .map(|id| {
            before
                .claims
                .get(id)
                .map(|c| format!("{} ({id})", c.scope))
                .unwrap_or_else(|| id.to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sentence for `git log --oneline` (user text included, made one line by the caller).
fn subject(op: &Op, before: &ClaimsState) -> String {
    let scopes_of = |ids: &[ClaimId]| scopes_of(before, ids);
    match op {
        Op::Claim {
            agent, new, refresh, ..
        } => {
            let mut parts: Vec<String> = new
                .iter()
                .map(|c| {
                    format!(
                        "{}{}",
                        c.scope,
                        if c.mode == crate::model::Mode::Shared {
                            " (shared)"
                        } else {
                            ""
                        }
                    )
                })
                .collect();
            if !refresh.is_empty() {
                let ids: Vec<ClaimId> = refresh.iter().map(|r| r.claim.clone()).collect();
                parts.push(format!("refresh {}", scopes_of(&ids)));
            }
            format!("{agent} claims {}", parts.join(", "))
        }
        Op::Release {
            agent,
            claims,
            force,
            reason,
            ..
        } => {
            if *force {
                let owners: Vec<String> = claims
                    .iter()
                    .filter_map(|id| before.claims.get(id))
                    .filter(|c| &c.agent != agent)
                    .map(|c| c.agent.to_string())
                    .collect();
                format!(
                    "{agent} force-releases {} held by {}{}",
                    scopes_of(claims),
                    owners.join(", "),
                    reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
                )
            } else {
                format!("{agent} releases {}", scopes_of(claims))
            }
        }
        Op::Renew { agent, refresh, .. } => {
            let ids: Vec<ClaimId> = refresh.iter().map(|r| r.claim.clone()).collect();
            let until = refresh.first().map(|r| r.expires_at.to_string()).unwrap_or_default();
            format!("{agent} renews {} until {until}", scopes_of(&ids))
        }
        Op::Enqueue { waiter, .. } => {
            let s: Vec<String> = waiter.claims.iter().map(|c| c.scope.to_string()).collect();
            format!("{} queues for {}", waiter.agent, s.join(", "))
        }
        Op::Dequeue { agent, waiter, .. } => format!("{agent} stops waiting ({waiter})"),
        Op::Tidy { agent, .. } => format!("{agent} tidies the board"),
        Op::Task {
            agent, task, based_on, ..
        } => match (based_on, task.history.last()) {
            (None, _) => format!("{agent} adds task {}: {}", task.id, task.title),
            (Some(_), Some(e)) => format!("{agent} {} task {}: {}", e.what, task.id, task.title),
            (Some(_), None) => format!("{agent} updates task {}", task.id),
        },
        Op::Handoff {
            agent, handoff, doc, ..
        } => match doc {
            Some(_) => format!("{agent} hands off {}: {}", handoff.id, handoff.summary),
            None => format!("{agent} marks handoff {} {:?}", handoff.id, handoff.status).to_lowercase(),
        },
    }
}

/// The machine-readable trailers: operation, agent, ids, and the operation itself as JSON.
fn trailers_of(op: &Op, expired: &[ClaimId], granted: &[ClaimId]) -> String {
    let ids: Vec<String> = op.claim_ids().iter().map(ToString::to_string).collect();
    let mut trailers = format!(
        "Coord-Op: {}\nCoord-Agent: {}\nCoord-Op-Id: {}\n",
        op.name(),
        op.agent(),
        op.id().0
    );
    if !ids.is_empty() {
        trailers.push_str(&format!("Coord-Claims: {}\n", ids.join(" ")));
    }
    if let Op::Task { task, .. } = op {
        trailers.push_str(&format!("Coord-Task: {}\n", task.id));
    }
    if let Op::Handoff { handoff, .. } = op {
        trailers.push_str(&format!("Coord-Handoff: {}\n", handoff.id));
    }
    if let Op::Release { force: true, .. } = op {
        trailers.push_str(&format!("Coord-Forced-By: {}\n", op.agent()));
    }
    if !granted.is_empty() {
        let g: Vec<String> = granted.iter().map(ToString::to_string).collect();
        trailers.push_str(&format!("Coord-Granted: {}\n", g.join(" ")));
    }
    if !expired.is_empty() {
        let g: Vec<String> = expired.iter().map(ToString::to_string).collect();
        trailers.push_str(&format!("Coord-Expired: {}\n", g.join(" ")));
    }
    trailers.push_str(&format!(
        "Coord-Data: {}\n",
        serde_json::to_string(op).expect("because ops always serialise")
    ));
    trailers
}

/// A commit subject from text that may hold user input: one line (control characters
/// escaped, so no user text can start a trailer or a second paragraph), at most `max` chars.
fn one_line(text: &str, max: usize) -> String {
    // Control characters (a newline too) are shown escaped, never written raw.
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    if escaped.chars().count() <= max {
        return escaped;
    }
    let mut out: String = escaped.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Read the trailers of a commit message: the `Coord-*` lines of its last paragraph (what
/// git-coord writes there; nothing a subject or body holds can pose as one).
pub fn trailers(message: &str) -> Vec<(&str, &str)> {
    let last = message.trim_end().rsplit("\n\n").next().unwrap_or(message);
    last.lines()
        .filter_map(|l| l.split_once(": "))
        .filter(|(k, _)| k.starts_with("Coord-"))
        .collect()
}

/// The message of a compaction commit (`git coord compact`): the board ref's state at `tip`
/// starts a new line of history; what led there is kept at `archive`. `seq` is the tip's
/// `Coord-Seq`, carried on so operations keep their order across the cut.
pub fn compaction(board: &str, agent: &str, tip: &gix::ObjectId, seq: u64, archive: &str) -> String {
    format!(
        "{agent} compacts {board}: earlier history at {archive}\n\n\
         Coord-Op: compact\nCoord-Agent: {agent}\nCoord-Archived: {tip}\nCoord-Seq: {seq}\n"
    )
}

/// The commit a compaction commit's history continues at (its `Coord-Archived`), when the
/// message is a compaction's.
pub fn archived_by(message: &str) -> Option<gix::ObjectId> {
    let t = trailers(message);
    let get = |k: &str| t.iter().rev().find(|(key, _)| *key == k).map(|(_, v)| v.trim());
    if get("Coord-Op") != Some("compact") || get("Coord-Data").is_some() {
        return None;
    }
    gix::ObjectId::from_hex(get("Coord-Archived")?.as_bytes()).ok()
}
