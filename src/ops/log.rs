//! `log`: the history of coordination events, read from the commits of `refs/coord/claims` and its shards
//! (history is the audit log; questions about now never read it).

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use crate::model::Timestamp;
use crate::store::message::trailers;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Event {
    pub commit: String,
    pub time: Timestamp,
    pub op: String,
    pub agent: String,
    pub subject: String,
    pub claims: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub granted: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expired: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forced_by: Option<String>,
    /// Whose claims a forced release took, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub holders: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LogReport {
    pub events: Vec<Event>,
    /// Where older history goes on, on the remote only: the archive refs of compactions
    /// (`git coord compact`) this clone has not fetched
    /// (`git fetch <remote> 'refs/coord-archive/*:refs/coord-archive/*'` brings them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub archived_elsewhere: Vec<String>,
}

/// Events newest first, at most `limit`, not older than `since`, stopping at `stop_at`.
pub fn log(ctx: &Context, since: Option<Timestamp>, limit: usize, stop_at: Option<&str>) -> Result<LogReport, Error> {
    let mut events = Vec::new();
    let mut archived_elsewhere = Vec::new();
    for h in ctx.store.board_history(limit, since)? {
        let commit = h.id.to_string();
        if stop_at == Some(commit.as_str()) {
            break;
        }
        if let Some(a) = crate::store::message::archived_by(&h.message).filter(|a| !ctx.store.has_commit(*a)) {
            // The subject ends with the archive ref (`… earlier history at refs/coord-archive/…`).
            let subject = h.message.lines().next().unwrap_or_default();
            let named = subject
                .rsplit(' ')
                .next()
                .filter(|r| crate::store::refs::archived(r).is_some_and(|(_, id)| id == a));
            archived_elsewhere.extend(named.map(str::to_owned));
        }
        let e = event(commit, h.time, &h.message);
        // The empty root `init` starts is not an operation.
        if e.op != "init" {
            events.push(e);
        }
    }
    Ok(LogReport {
        events,
        archived_elsewhere,
    })
}

/// Parse one commit message into an event (foreign commits get what can be read).
pub fn event(commit: String, time: Timestamp, message: &str) -> Event {
    let t = trailers(message);
    let get = |k: &str| t.iter().find(|(key, _)| *key == k).map(|(_, v)| v.to_string());
    let list = |k: &str| {
        get(k)
            .map(|v| v.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let mut e = Event {
        commit,
        time,
        op: get("Coord-Op").unwrap_or_else(|| "unknown".into()),
        agent: get("Coord-Agent").unwrap_or_default(),
        subject: message.lines().next().unwrap_or_default().to_owned(),
        claims: list("Coord-Claims"),
        granted: list("Coord-Granted"),
        expired: list("Coord-Expired"),
        forced_by: get("Coord-Forced-By"),
        holders: Vec::new(),
        reason: None,
    };
    // What the operation itself records is what counts (its JSON, written by git-coord).
    if let Some(op) = super::trust::op_of(message) {
        e.op = op.name().to_owned();
        e.agent = op.agent().to_string();
        e.claims = op.claim_ids().iter().map(ToString::to_string).collect();
        e.forced_by = None;
        if let crate::model::Op::Release {
            force: true,
            agent,
            holders,
            reason,
            ..
        } = op
        {
            e.forced_by = Some(agent.to_string());
            e.holders = holders.iter().map(ToString::to_string).collect();
            e.reason = reason;
        }
    }
    e
}
