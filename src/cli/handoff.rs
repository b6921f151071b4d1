//! `git coord handoff …`, `git coord inbox`, `git coord agents`

use crate::front::render::Out;
use crate::front::Exit;
use crate::model::HandoffStatus;
use crate::ops::handoff::{self, HandoffReport, WriteRequest};
use crate::ops::{Context, Error};

/// Handoffs: Markdown documents a reviewer reads with plain git
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Subcommand, Debug)]
enum Cmd {
    /// Write a handoff document (Markdown, readable with `git show`)
    Write {
        #[arg(long)]
        task: Option<String>,
        /// An agent id, reviewers, or reviewers:SPECIALTY
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        summary: String,
        /// Notes with sections (## Done, ## In progress, ## Decisions, ## Next steps, ## Open questions)
        #[arg(long, value_name = "NOTES.md")]
        file: Option<String>,
    },
    /// List handoffs
    List {
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        status: Option<String>,
    },
    /// Show a handoff's document and the git command that shows it
    Show { id: String },
    /// Take a handoff (ready → claimed)
    Claim { id: String },
    /// Acknowledge a handoff (→ acked)
    Ack { id: String },
}

fn line(h: &HandoffReport) -> String {
    let s = h.handoff.status.name().to_owned();
    format!(
        "{}  {:<8} from {} to {}{}  {}",
        h.handoff.id,
        s,
        h.handoff.from,
        h.handoff.to.as_deref().unwrap_or("anyone"),
        h.handoff
            .task
            .as_ref()
            .map(|t| format!(" (task {t})"))
            .unwrap_or_default(),
        h.handoff.summary
    )
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let r = match &a.cmd {
        Cmd::Write {
            task,
            to,
            summary,
            file,
        } => {
            let notes = match file {
                Some(f) => {
                    Some(std::fs::read_to_string(f).map_err(|e| Error::usage(format!("cannot read {f}: {e}"), None))?)
                }
                None => None,
            };
            handoff::write(
                ctx,
                &WriteRequest {
                    task: task.clone(),
                    to: to.clone(),
                    summary: summary.clone(),
                    notes,
                },
            )?
        }
        Cmd::List { to, status } => {
            let status = status
                .as_deref()
                .map(|s| {
                    serde_json::from_value::<HandoffStatus>(serde_json::Value::String(s.to_owned()))
                        .map_err(|_| Error::usage(format!("invalid --status '{s}': ready, claimed or acked"), None))
                })
                .transpose()?;
            let r = handoff::list(ctx, to.as_deref(), status, true)?;
            if out.json {
                out.json(&r);
            } else if r.handoffs.is_empty() {
                out.line("no handoffs");
            } else {
                out.page(ctx.store.config_string("core.pager"));
                let rows = r
                    .handoffs
                    .iter()
                    .map(|h| {
                        let x = &h.handoff;
                        vec![
                            x.id.to_string(),
                            x.status.name().to_owned(),
                            x.from.to_string(),
                            x.to.clone().unwrap_or_else(|| "anyone".into()),
                            x.task.as_ref().map(ToString::to_string).unwrap_or_else(|| "-".into()),
                            x.summary.clone(),
                        ]
                    })
                    .collect();
                out.table(crate::front::render::columns(
                    &["HANDOFF", "STATUS", "FROM", "TO", "TASK", "SUMMARY"],
                    rows,
                ));
            }
            return Ok(Exit::Ok);
        }
        Cmd::Show { id } => handoff::show(ctx, id, true)?,
        Cmd::Claim { id } => handoff::advance(ctx, id, HandoffStatus::Claimed)?,
        Cmd::Ack { id } => handoff::advance(ctx, id, HandoffStatus::Acked)?,
    };
    if out.json {
        out.json(&r);
    } else {
        out.line(line(&r));
        out.line(format!("  read it with plain git: {}", r.git_show));
        if let (Cmd::Show { .. }, Some(doc)) = (&a.cmd, &r.document) {
            out.line("");
            out.line(doc.trim_end());
        }
    }
    Ok(Exit::Ok)
}

/// What waits for me: handoffs, reviews, notices, queued claims that were granted
#[derive(clap::Args, Debug)]
pub struct InboxArgs {
    /// Your specialty (also: git config coord.specialty), for reviewers:SPECIALTY and reviews
    #[arg(long)]
    specialty: Option<String>,
}

pub fn inbox(ctx: &Context, a: &InboxArgs, out: &mut Out) -> Result<Exit, Error> {
    let specialty = a
        .specialty
        .clone()
        .or_else(|| ctx.store.config_string("coord.specialty"));
    let r = crate::ops::inbox::inbox(ctx, specialty.as_deref(), true)?;
    if out.json {
        out.json(&r);
        return Ok(Exit::Ok);
    }
    if r.handoffs.is_empty() && r.reviews.is_empty() && r.notices.is_empty() && r.granted_from_queue.is_empty() {
        out.line(format!("inbox of {} is empty", r.agent));
    }
    for h in &r.handoffs {
        out.line(format!("handoff  {}", line(h)));
    }
    for t in &r.reviews {
        out.line(format!(
            "review   {}  p{}  {}  by {}",
            t.id,
            t.priority,
            t.title,
            t.worker.as_ref().map(|w| w.to_string()).unwrap_or_default()
        ));
    }
    for n in &r.notices {
        out.line(format!("notice   {n}"));
    }
    for c in &r.granted_from_queue {
        out.line(format!("granted  {} {} (from the queue)", c.id, c.scope));
    }
    Ok(Exit::Ok)
}

/// List agents seen on the board, with their claims and tasks
#[derive(clap::Args, Debug)]
pub struct AgentsArgs {}

pub fn agents(ctx: &Context, _a: &AgentsArgs, out: &mut Out) -> Result<Exit, Error> {
    let list = crate::ops::inbox::agents(ctx, true)?;
    if out.json {
        out.json(&serde_json::json!({ "agents": list }));
        return Ok(Exit::Ok);
    }
    if list.is_empty() {
        out.line(
            "no agents on the board (an agent appears once it holds a claim, works on a task or writes a handoff)",
        );
    }
    let rows = list
        .iter()
        .map(|a| {
            let tasks = if a.tasks.is_empty() {
                "-".to_owned()
            } else {
                a.tasks.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(",")
            };
            vec![
                a.agent.clone(),
                a.host.clone().unwrap_or_else(|| "-".into()),
                a.claims.to_string(),
                tasks,
                a.last_seen.to_string(),
            ]
        })
        .collect();
    if !list.is_empty() {
        out.table(crate::front::render::columns(
            &["AGENT", "HOST", "CLAIMS", "TASKS", "LAST SEEN"],
            rows,
        ));
    }
    Ok(Exit::Ok)
}
