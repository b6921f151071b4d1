//! Handoffs: a Markdown document per handoff, readable with plain `git show`, with a small
//! front matter block and the sections a reviewer needs, filled in from what git knows
//! (branch, base and head, commits, changed files with stats, claims held, the task).

use std::collections::BTreeMap;

use serde::Serialize;

use super::context::Context;
use super::error::Error;
use super::txn::{transact, view, Plan};
use crate::model::{AgentId, Claim, ClaimsState, Handoff, HandoffId, HandoffStatus, Op, OpId, Task};
use crate::ops::Next;
use crate::store::refs;

#[derive(Debug, Clone, Default)]
pub struct WriteRequest {
    pub task: Option<String>,
    pub to: Option<String>,
    pub summary: String,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HandoffReport {
    #[serde(flatten)]
    pub handoff: Handoff,
    /// The plain-git command that prints the same document.
    pub git_show: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HandoffList {
    pub revision: Option<String>,
    pub view_age_ms: Option<u64>,
    pub handoffs: Vec<HandoffReport>,
}

fn git_show(h: &Handoff) -> String {
    format!("git show {}:{}", refs::CLAIMS, h.path)
}

pub(super) fn report(h: &Handoff, document: Option<String>) -> HandoffReport {
    HandoffReport {
        handoff: h.clone(),
        git_show: git_show(h),
        document,
    }
}

fn parse_id(text: &str) -> Result<HandoffId, Error> {
    HandoffId::parse(text).ok_or_else(|| {
        Error::usage(
            format!("invalid handoff id '{text}': handoff ids look like h-1a2b3c4d"),
            None,
        )
    })
}

/// What git knows about the current branch, as Markdown sections.
fn git_facts(ctx: &Context, state: &ClaimsState, task: Option<&Task>) -> Result<(String, String), Error> {
    let mut facts = String::new();
    let branch = ctx.store.branch().unwrap_or_else(|| "(detached)".into());
    let head = ctx.store.resolve("HEAD").ok();
    let hidden: Vec<gix::ObjectId> = ctx
        .store
        .refs_with_prefix("refs/remotes/")?
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    let commits = match head {
        Some(h) => ctx.store.commits_between(&[h], &hidden, 200)?,
        None => Vec::new(),
    };
    let base = match commits.last() {
        Some(oldest) => ctx.store.commit_info(*oldest)?.1.first().copied(),
        None => head,
    };
    let files = match (head, base) {
        (Some(h), Some(b)) => changed_files(ctx, b, h)?,
        _ => String::new(),
    };
    facts.push_str(&format!("- branch: `{branch}`\n"));
    if let Some(b) = base {
        facts.push_str(&format!("- base: `{b}`\n"));
    }
    if let Some(h) = head {
        facts.push_str(&format!("- head: `{h}`\n"));
    }
    let mut commit_list = String::new();
    for c in &commits {
        let msg = ctx
            .store
            .history("HEAD", *c, 1, None)?
            .first()
            .map(|e| e.message.lines().next().unwrap_or("").to_owned())
            .unwrap_or_default();
        commit_list.push_str(&format!("- `{}` {msg}\n", &c.to_string()[..10]));
    }
    let claims: Vec<&Claim> = state
        .active(ctx.expiry_now(), ctx.skew())
        .filter(|c| c.agent == ctx.agent)
        .collect();
    let mut held = String::new();
    for c in claims {
        held.push_str(&format!("- `{}` {} until {}\n", c.id, c.scope, c.expires_at));
    }
    let task_line = task
        .map(|t| {
            format!(
                "- `{}` {} (priority {}, {})\n",
                t.id,
                t.title,
                t.priority,
                t.status.name().to_owned()
            )
        })
        .unwrap_or_else(|| "- none\n".into());
    let none = |s: &str| {
        if s.is_empty() {
            "- none\n".to_owned()
        } else {
            s.to_owned()
        }
    };
    let tail = format!(
        "## Relevant files\n\n{}\n## Commits\n\n{}\n## Claims held\n\n{}\n## Task\n\n{task_line}\n## Where\n\n{facts}",
        none(&files),
        none(&commit_list),
        none(&held)
    );
    Ok((branch, tail))
}

/// `- \`path\` (+added -deleted)` for each file changed from `base` to `head` (at most 200).
fn changed_files(ctx: &Context, base: gix::ObjectId, head: gix::ObjectId) -> Result<String, Error> {
    let (ht, _) = ctx.store.commit_info(head)?;
    let (bt, _) = ctx.store.commit_info(base)?;
    let text = |id: Option<gix::ObjectId>| -> String {
        id.and_then(|i| ctx.store.blob_bytes(i).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    let mut files = String::new();
    for c in ctx.store.diff_trees(Some(bt), Some(ht))?.iter().take(200) {
        let (old, new) = (text(c.old), text(c.new));
        let (add, del) = crate::engine::diff::counts(&old, &new);
        files.push_str(&format!("- `{}` (+{add} -{del})\n", c.path));
    }
    Ok(files)
}

/// Sections taken from the notes file, when it has them (`## Done`, …); else all of it
/// under "Notes". A `## Summary` of the notes is returned apart: it joins the document's one
/// Summary section.
fn sections(notes: Option<&str>) -> (String, String) {
    const NAMES: [&str; 6] = [
        "Summary",
        "Done",
        "In progress",
        "Decisions",
        "Next steps",
        "Open questions",
    ];
    let Some(notes) = notes else {
        return (
            String::new(),
            NAMES[1..].iter().map(|n| format!("## {n}\n\n- \n\n")).collect(),
        );
    };
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut loose = String::new();
    for line in notes.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            current = NAMES
                .iter()
                .find(|n| n.eq_ignore_ascii_case(h.trim()))
                .map(|n| n.to_string());
            if current.is_some() {
                continue;
            }
        }
        match &current {
            Some(c) => {
                let e = found.entry(c.clone()).or_default();
                e.push_str(line);
                e.push('\n');
            }
            None => {
                loose.push_str(line);
                loose.push('\n');
            }
        }
    }
    let summary = found.get("Summary").map(|b| b.trim().to_owned()).unwrap_or_default();
    let mut out = String::new();
    for n in &NAMES[1..] {
        let body = found
            .get(*n)
            .map(|b| b.trim().to_owned())
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| "- ".into());
        out.push_str(&format!("## {n}\n\n{body}\n\n"));
    }
    if !loose.trim().is_empty() {
        out.push_str(&format!("## Notes\n\n{}\n\n", loose.trim()));
    }
    (summary, out)
}

/// The request's summary (trimmed), checked: present, short, its notes not too long, and a
/// recipient that can receive.
fn checked_summary(req: &WriteRequest) -> Result<String, Error> {
    use crate::model::text::limits;
    let summary = req.summary.trim().to_owned();
    if summary.is_empty() {
        return Err(Error::usage(
            "a handoff needs a summary: one or two sentences on where things stand",
            None,
        ));
    }
    limits::check("the summary", &summary, limits::SUMMARY)
        .and_then(|()| {
            req.notes
                .as_deref()
                .map_or(Ok(()), |n| limits::check("the notes", n, limits::NOTES))
        })
        .map_err(|m| Error::usage(format!("{m}; put the details in the notes"), None))?;
    if let Some(to) = &req.to {
        let ok = to == "reviewers"
            || to.strip_prefix("reviewers:").is_some_and(|s| !s.is_empty())
            || AgentId::new(to.clone()).is_ok();
        if !ok {
            return Err(Error::usage(
                format!("invalid recipient '{to}': an agent id, reviewers, or reviewers:SPECIALTY"),
                None,
            ));
        }
    }
    Ok(summary)
}

pub fn write(ctx: &Context, req: &WriteRequest) -> Result<HandoffReport, Error> {
    let summary = checked_summary(req)?;
    let task_id = req.task.as_deref().map(super::task::parse_id).transpose()?;
    let id = HandoffId::from_bits(ctx.random() as u32);
    let op_id = OpId::from_bits(ctx.random());
    let before = view(ctx, false)?;
    let task = match &task_id {
        Some(t) => Some(
            before
                .state
                .tasks
                .get(t)
                .cloned()
                .ok_or_else(|| Error::usage(format!("no task {t} on the board"), None))?,
        ),
        None => None,
    };
    let (branch, tail) = git_facts(ctx, &before.state, task.as_ref())?;
    let path = format!("handoff-docs/{id}.md");
    let (more, rest) = sections(req.notes.as_deref());
    let more = if more.is_empty() { more } else { format!("{more}\n\n") };
    let doc = format!(
        "---\nid: {id}\nfrom: {}\nto: {}\ntask: {}\nbranch: {branch}\ncreated_at: {}\n---\n\n# Handoff {id}: {summary}\n\n## Summary\n\n{summary}\n\n{more}{rest}{tail}",
        ctx.agent,
        req.to.as_deref().unwrap_or("anyone"),
        task_id.as_ref().map(|t| t.to_string()).unwrap_or_else(|| "none".into()),
        ctx.now(),
    );
    let handoff = Handoff {
        id: id.clone(),
        from: ctx.agent.clone(),
        to: req.to.clone(),
        task: task_id,
        summary,
        status: HandoffStatus::Ready,
        created_at: ctx.now(),
        claimed_by: None,
        acked_by: None,
        path,
    };
    let op = Op::Handoff {
        id: op_id,
        agent: ctx.agent.clone(),
        handoff: handoff.clone(),
        doc: Some(doc.clone()),
    };
    let out = transact(ctx, |_| Ok(Plan::Write(op.clone(), ())))?;
    if out.pending && !ctx.offline {
        return Err(Error::Remote {
            remote: ctx.remote.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
            what: "cannot be reached".into(),
            detail: out.remote_error.unwrap_or_default(),
            pending: 1,
        });
    }
    Ok(report(&handoff, Some(doc)))
}

/// Is `h` addressed to `agent` (directly, or to reviewers / reviewers of `specialty`)?
pub(super) fn addressed(h: &Handoff, agent: &AgentId, specialty: Option<&str>) -> bool {
    match h.to.as_deref() {
        None => true,
        Some("reviewers") => true,
        Some(t) => t == agent.as_str() || (t.strip_prefix("reviewers:").is_some_and(|s| Some(s) == specialty)),
    }
}

pub fn list(ctx: &Context, to: Option<&str>, status: Option<HandoffStatus>, fetch: bool) -> Result<HandoffList, Error> {
    let v = view(ctx, fetch)?;
    let mut hs: Vec<&Handoff> = v
        .state
        .handoffs
        .values()
        .filter(|h| status.is_none_or(|s| h.status == s))
        .filter(|h| to.is_none_or(|t| h.to.as_deref() == Some(t)))
        .collect();
    hs.sort_by_key(|h| (h.created_at, h.id.clone()));
    Ok(HandoffList {
        revision: v.board.revision().map(|t| t.to_string()),
        view_age_ms: v.age_ms,
        handoffs: hs.into_iter().map(|h| report(h, None)).collect(),
    })
}

pub fn show(ctx: &Context, id: &str, fetch: bool) -> Result<HandoffReport, Error> {
    let id = parse_id(id)?;
    let v = view(ctx, fetch)?;
    let h = v
        .state
        .handoffs
        .get(&id)
        .ok_or_else(|| Error::usage(format!("no handoff {id}"), Next::ListHandoffs))?;
    let tip = v.board.root.tip.ok_or_else(|| Error::usage("no board yet", None))?;
    let doc = ctx
        .store
        .file_at(&tip.to_string(), &h.path)?
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    Ok(report(h, doc))
}

/// `claim` (ready → claimed) or `ack` (→ acked).
pub fn advance(ctx: &Context, id: &str, to: HandoffStatus) -> Result<HandoffReport, Error> {
    let id = parse_id(id)?;
    let op_id = OpId::from_bits(ctx.random());
    let out = transact(ctx, |state| {
        let h = state
            .handoffs
            .get(&id)
            .ok_or_else(|| Error::usage(format!("no handoff {id}"), None))?;
        let mut h = h.clone();
        match (h.status, to) {
            (HandoffStatus::Ready, HandoffStatus::Claimed) => h.claimed_by = Some(ctx.agent.clone()),
            (HandoffStatus::Claimed, HandoffStatus::Claimed) if h.claimed_by.as_ref() == Some(&ctx.agent) => {
                return Ok(Plan::Done(h))
            }
            (HandoffStatus::Ready | HandoffStatus::Claimed, HandoffStatus::Acked) => {
                if h.claimed_by.as_ref().is_some_and(|c| c != &ctx.agent) {
                    return Err(Error::refused(
                        format!(
                            "{id} was claimed by {}",
                            h.claimed_by.as_ref().map(|c| c.to_string()).unwrap_or_default()
                        ),
                        None,
                    ));
                }
                h.acked_by = Some(ctx.agent.clone());
            }
            (from, _) => {
                return Err(Error::refused(
                    format!("{id} is {} already", from.name().to_owned()),
                    None,
                ))
            }
        }
        h.status = to;
        Ok(Plan::Write(
            Op::Handoff {
                id: op_id.clone(),
                agent: ctx.agent.clone(),
                handoff: h.clone(),
                doc: None,
            },
            h,
        ))
    })?;
    Ok(report(&out.result, None))
}
