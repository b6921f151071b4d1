//! `git coord task …`: the board.

use super::span;
use crate::front::render::Out;
use crate::front::Exit;
use crate::model::{TaskStatus, Verdict};
use crate::ops::task::{self, AddRequest, TaskView, TaskWriteReport};
use crate::ops::{Context, Error};

/// The task board: add, rank and claim tasks with leases, review, approve
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    cmd: Cmd,
    /// Refuse the write if the board is no longer at this revision (state-revision-conflict)
    #[arg(long, global = true, value_name = "REV")]
    expected_revision: Option<String>,
}

#[derive(clap::Subcommand, Debug)]
enum Cmd {
    /// Add a task
    Add {
        title: String,
        #[arg(long)]
        body: Option<String>,
        /// 1 = most urgent … 9
        #[arg(long, default_value_t = 5)]
        priority: u8,
        /// Tasks that must be approved first
        #[arg(long = "depends-on", value_name = "TASK")]
        depends_on: Vec<String>,
        #[arg(long)]
        specialty: Option<String>,
        /// Scopes the task will touch (claimed when the task is claimed)
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
    },
    /// List tasks
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        specialty: Option<String>,
        #[arg(long)]
        no_fetch: bool,
    },
    /// Show one task with its history
    Show { id: String },
    /// The task claim-next would take (writes nothing)
    Next {
        #[arg(long)]
        specialty: Option<String>,
        #[arg(long)]
        no_fetch: bool,
    },
    /// Claim a task and its scopes; prints the lease token
    Claim {
        id: String,
        #[arg(long, value_name = "DUR")]
        ttl: Option<String>,
    },
    /// Claim the best-ranked task atomically
    ClaimNext {
        #[arg(long)]
        specialty: Option<String>,
        #[arg(long, value_name = "DUR")]
        ttl: Option<String>,
        /// While there is no task to take, wait up to DUR for one (Ctrl-C stops)
        #[arg(long, value_name = "DUR")]
        wait: Option<String>,
    },
    /// Extend a task's lease (and its claims)
    Renew {
        id: String,
        #[arg(long)]
        token: String,
        #[arg(long, value_name = "DUR")]
        ttl: Option<String>,
    },
    /// Finish work: to review (needs a handoff), or approved with --no-review if policy allows
    Done {
        id: String,
        #[arg(long)]
        token: String,
        #[arg(long)]
        no_review: bool,
    },
    /// Take the next task waiting for review (never your own)
    ReviewNext {
        #[arg(long)]
        specialty: Option<String>,
    },
    /// Take one task in review
    Review { id: String },
    /// Approve a reviewed task (releases its claims)
    Approve { id: String },
    /// Send a task back to its worker
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Cancel a task (releases its claims)
    Cancel {
        id: String,
        #[arg(long)]
        reason: Option<String>,
    },
}

fn status_word(s: TaskStatus) -> String {
    s.name().to_owned()
}

fn line(v: &TaskView) -> String {
    let t = &v.task;
    let blocked = if v.blocked_by.is_empty() {
        String::new()
    } else {
        format!(
            "  blocked by {}",
            v.blocked_by.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(",")
        )
    };
    let who = t.worker.as_ref().map(|w| format!("  worker {w}")).unwrap_or_default();
    format!(
        "{}  p{}  {:<9} {}{who}{blocked}",
        t.id,
        t.priority,
        status_word(t.status),
        t.title
    )
}

/// Tasks as a table.
fn task_table(tasks: &[TaskView]) -> Vec<String> {
    let rows = tasks
        .iter()
        .map(|v| {
            let t = &v.task;
            let blocked: Vec<String> = v.blocked_by.iter().map(ToString::to_string).collect();
            vec![
                t.id.to_string(),
                format!("p{}", t.priority),
                status_word(t.status),
                t.worker.as_ref().map(ToString::to_string).unwrap_or_else(|| "-".into()),
                if blocked.is_empty() {
                    "-".into()
                } else {
                    blocked.join(",")
                },
                t.title.clone(),
            ]
        })
        .collect();
    crate::front::render::columns(&["TASK", "PRI", "STATUS", "WORKER", "BLOCKED BY", "TITLE"], rows)
}

fn written(ctx: &Context, out: &mut Out, r: &TaskWriteReport) -> Exit {
    let exit = super::pending_exit(ctx, r.delivery.pending, Exit::Ok);
    if out.json {
        out.json(r);
        return exit;
    }
    if r.delivery.pending {
        out.line("pending (on this clone's copy; not yet confirmed by the remote):");
    }
    out.line(line(&r.task));
    if let Some(l) = &r.lease {
        out.line(format!(
            "  lease token {} until {}{}",
            l.token,
            l.expires_at,
            if r.takeover {
                " (taken over: the previous lease had expired)"
            } else {
                ""
            }
        ));
    }
    for c in &r.claims {
        out.line(format!("  claimed {} {}", c.id, c.scope));
    }
    if let Some(rev) = &r.revision {
        out.line(format!("  revision {rev}"));
    }
    if r.delivery.pending {
        super::pending_warning(ctx, r.delivery.error.as_deref());
    }
    exit
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let exp = &a.expected_revision;
    let r = match &a.cmd {
        Cmd::Add {
            title,
            body,
            priority,
            depends_on,
            specialty,
            scopes,
        } => {
            let req = AddRequest {
                title: title.clone(),
                body: body.clone(),
                priority: *priority,
                depends_on: depends_on.clone(),
                specialty: specialty.clone(),
                scopes: scopes.clone(),
            };
            task::add(ctx, &req, exp)?
        }
        Cmd::List {
            status,
            specialty,
            no_fetch,
        } => return list(ctx, status.as_deref(), specialty.as_deref(), *no_fetch, out),
        Cmd::Show { id } => return show(ctx, id, out),
        Cmd::Next { specialty, no_fetch } => return next(ctx, specialty.as_deref(), *no_fetch, out),
        Cmd::Claim { id, ttl } => task::claim(ctx, Some(id), None, span("--ttl", ttl)?, exp)?,
        Cmd::ClaimNext { specialty, ttl, wait } => match span("--wait", wait)? {
            Some(wait) if exp.is_none() => {
                return claim_next_waiting(ctx, specialty.as_deref(), span("--ttl", ttl)?, wait, out)
            }
            _ => task::claim(ctx, None, specialty.as_deref(), span("--ttl", ttl)?, exp)?,
        },
        Cmd::Renew { id, token, ttl } => task::renew(ctx, id, token, span("--ttl", ttl)?, exp)?,
        Cmd::Done { id, token, no_review } => task::done(ctx, id, token, *no_review, exp)?,
        Cmd::ReviewNext { specialty } => task::review_claim(ctx, None, specialty.as_deref(), exp)?,
        Cmd::Review { id } => task::review_claim(ctx, Some(id), None, exp)?,
        Cmd::Approve { id } => task::decide(ctx, id, &Verdict::Approve, exp)?,
        Cmd::Reject { id, reason } => task::decide(ctx, id, &Verdict::Reject(reason.clone()), exp)?,
        Cmd::Cancel { id, reason } => task::decide(ctx, id, &Verdict::Cancel(reason.clone()), exp)?,
    };
    Ok(written(ctx, out, &r))
}

/// `claim-next --wait`: a progress line on a terminal while no task can be taken.
fn claim_next_waiting(
    ctx: &Context,
    specialty: Option<&str>,
    ttl: Option<crate::model::Span>,
    wait: crate::model::Span,
    out: &mut Out,
) -> Result<Exit, Error> {
    struct Line(super::claim::Progress);
    impl task::TaskWait for Line {
        fn waiting(&mut self, waited: std::time::Duration) {
            self.0.draw(&format!(
                "waiting for a task · {} (Ctrl-C stops)",
                crate::model::Span(waited.as_secs() as i64).human()
            ));
        }
        fn cancelled(&self) -> bool {
            crate::front::interrupt::interrupted()
        }
    }
    crate::front::interrupt::catch();
    let mut line = Line(super::claim::Progress::new(out.json, ctx.now()));
    let r = task::claim_next_waiting(ctx, specialty, ttl, wait, &mut line);
    line.0.clear();
    match r {
        Err(_) if crate::front::interrupt::interrupted() => {
            super::warn("interrupted: no task was taken");
            Ok(Exit::Interrupted)
        }
        Err(e) => Err(e),
        Ok(r) => Ok(written(ctx, out, &r)),
    }
}

fn list(
    ctx: &Context,
    status: Option<&str>,
    specialty: Option<&str>,
    no_fetch: bool,
    out: &mut Out,
) -> Result<Exit, Error> {
    let status = status
        .map(|s| {
            serde_json::from_value::<TaskStatus>(serde_json::Value::String(s.to_owned())).map_err(|_| {
                Error::usage(
                    format!("invalid --status '{s}': open, claimed, review, approved or cancelled"),
                    None,
                )
            })
        })
        .transpose()?;
    let r = task::list(ctx, status, specialty, !no_fetch)?;
    if out.json {
        out.json(&r);
    } else {
        out.page(ctx.store.config_string("core.pager"));
        out.line(format!("board {}", r.revision.as_deref().unwrap_or("none")));
        if !r.tasks.is_empty() {
            out.table(task_table(&r.tasks));
        }
    }
    Ok(Exit::Ok)
}

fn show(ctx: &Context, id: &str, out: &mut Out) -> Result<Exit, Error> {
    let r = task::show(ctx, id, true)?;
    if out.json {
        out.json(&r);
        return Ok(Exit::Ok);
    }
    let v = &r.tasks[0];
    out.line(line(v));
    if !v.task.scopes.is_empty() {
        out.line(format!("  scopes: {}", task::scope_list(&v.task.scopes)));
    }
    for e in &v.task.history {
        out.line(format!(
            "  {}  {} {}{}",
            e.at,
            e.agent,
            e.what,
            e.reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
        ));
    }
    out.line(format!("  revision {}", r.revision.as_deref().unwrap_or("none")));
    Ok(Exit::Ok)
}

fn next(ctx: &Context, specialty: Option<&str>, no_fetch: bool, out: &mut Out) -> Result<Exit, Error> {
    let r = task::next(ctx, specialty, !no_fetch)?;
    if out.json {
        out.json(&r);
        return Ok(Exit::Ok);
    }
    match &r.task {
        Some(v) => out.line(format!("next: {}", line(v))),
        None => out.line("no task to take"),
    }
    for s in &r.skipped {
        out.line(format!("  skipped {}: {}", s.task, s.reason));
    }
    out.line(format!("  revision {}", r.revision.as_deref().unwrap_or("none")));
    Ok(Exit::Ok)
}
