//! `git coord claim`

use std::io::Write;

use super::{span, warn};
use crate::front::pager::Style;
use crate::front::render::{self, Out};
use crate::front::Exit;
use crate::model::Claim;
use crate::model::{Timestamp, Urgency};
use crate::ops::claim::{claim, ClaimReport, ClaimRequest, Decision, WaitObserver};
use crate::ops::{Context, Error};

/// Claim files, symbols or keys before editing them (all scopes or none)
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    s: super::ScopeArgs,
    /// The symbol or file does not exist yet: you are about to create it
    #[arg(long)]
    new: bool,
    /// How long the claim lasts (90s, 15m, 4h, 2d); default from .coord.toml, else 2h
    #[arg(long, value_name = "DUR")]
    ttl: Option<String>,
    /// Queue and wait up to DUR for the holders to let go
    #[arg(long, value_name = "DUR")]
    wait: Option<String>,
    /// Place in the queue: low, normal, high or blocking
    #[arg(long, value_name = "LEVEL", default_value = "normal")]
    urgency: String,
    /// Tell others what you are doing
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
    /// The task this claim is for
    #[arg(long, value_name = "ID")]
    task: Option<String>,
    /// Let others carve symbols out of this whole-file claim (you are told when they do)
    #[arg(long)]
    narrowable: bool,
}

/// What a waiting claim shows: one line it rewrites on a terminal, nothing when piped.
pub struct Progress {
    now: Timestamp,
    /// stderr is a terminal: draw the progress line.
    tty: bool,
    drawn: bool,
}

impl Progress {
    pub fn new(json: bool, now: Timestamp) -> Progress {
        use std::io::IsTerminal;
        Progress {
            now,
            tty: !json && std::io::stderr().is_terminal(),
            drawn: false,
        }
    }

    /// Draw (replace) the progress line.
    pub fn draw(&mut self, text: &str) {
        if self.tty {
            let _ = write!(std::io::stderr(), "\r\x1b[2K{}", crate::front::printable(text));
            let _ = std::io::stderr().flush();
            self.drawn = true;
        }
    }

    /// Clear the progress line (before the answer is printed).
    pub fn clear(&mut self) {
        if self.drawn {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            self.drawn = false;
        }
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, x) if x != 11 => "st",
        (2, x) if x != 12 => "nd",
        (3, x) if x != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

impl WaitObserver for Progress {
    fn waiting(&mut self, place: usize, waiting: usize, holders: &[String], waited: std::time::Duration) {
        let behind = if holders.is_empty() {
            "the holders are letting go".to_owned()
        } else {
            format!("held by {}", holders.join(", "))
        };
        self.draw(&format!(
            "waiting: {} of {waiting} in the queue, {behind} · {} (Ctrl-C leaves the queue)",
            ordinal(place),
            crate::model::Span(waited.as_secs() as i64).human()
        ));
    }

    fn cancelled(&self) -> bool {
        crate::front::interrupt::interrupted()
    }

    fn queued(&mut self, report: &ClaimReport, deadline: Timestamp) {
        if !self.tty {
            return;
        }
        let holders: Vec<String> = report
            .conflicts
            .iter()
            .map(|c| format!("{} ({})", c.claim.agent, c.claim.id))
            .collect();
        warn(&format!(
            "queued behind {}; waiting until {deadline} ({})",
            holders.join(", "),
            render::relative(self.now, deadline)
        ));
    }
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let urgency = Urgency::parse(&a.urgency).ok_or_else(|| {
        Error::usage(
            format!("invalid --urgency '{}': use low, normal, high or blocking", a.urgency),
            None,
        )
    })?;
    let note = a.note.as_ref().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let req = ClaimRequest {
        scopes: a.s.scopes.clone(),
        shared: a.s.shared,
        new: a.new,
        ttl: span("--ttl", &a.ttl)?,
        wait: span("--wait", &a.wait)?,
        urgency,
        note,
        task: a.task.clone(),
        narrowable: a.narrowable,
    };
    let mut progress = Progress::new(out.json, ctx.now());
    if req.wait.is_some() {
        crate::front::interrupt::catch();
    }
    let report = claim(ctx, &req, &mut progress);
    progress.clear();
    let report = report?;
    if crate::front::interrupt::interrupted() && matches!(report.decision, Decision::Conflict | Decision::Queued) {
        warn("interrupted: left the queue; nothing was claimed");
        if out.json {
            out.json(&report);
        }
        return Ok(Exit::Interrupted);
    }
    render_report(ctx, a, &report, out)
}

fn render_report(ctx: &Context, a: &Args, report: &ClaimReport, out: &mut Out) -> Result<Exit, Error> {
    super::notices(&report.notices);
    let decided = if report.decision == Decision::Conflict {
        Exit::Refused
    } else {
        Exit::Ok
    };
    let exit = super::pending_exit(ctx, report.pending, decided);
    if out.json {
        out.json(&report);
        return Ok(exit);
    }
    let now = ctx.now();
    match report.decision {
        Decision::Conflict => {
            out.styled(
                Style::Bad,
                format!(
                    "conflict: {} cannot have {}: held by {}",
                    ctx.agent,
                    a.s.scopes.join(", "),
                    render::holders(&report.conflicts)
                ),
            );
            render::conflicts(out, &report.conflicts, now);
            if let Some(s) = &report.suggestion {
                out.line(format!("hint: {s}"));
            }
        }
        Decision::Queued => out.line(format!("queued: {} waits for {}", ctx.agent, a.s.scopes.join(", "))),
        d => {
            let word = match d {
                Decision::Refreshed => "refreshed",
                Decision::Coexist => "granted (coexists with other symbols in the file)",
                Decision::Narrowed => "granted (carved out of a narrowable whole-file claim; its holder is told)",
                _ => "granted",
            };
            // Not confirmed by the remote: say so first, never a bare "granted".
            let word = if report.pending {
                format!("pending ({word} on this clone's copy; not yet confirmed by the remote)")
            } else {
                word.to_owned()
            };
            out.styled(
                Style::Good,
                format!("{word}: {} for {}", scopes_text(report), ctx.agent),
            );
            let claims: Vec<&Claim> = report.claims.iter().collect();
            out.table(
                render::claims_table(&claims, now, None)
                    .into_iter()
                    .map(|l| format!("  {l}"))
                    .collect(),
            );
            if let Some(w) = &report.waited {
                out.line(format!("  (after waiting {w})"));
            }
        }
    }
    if report.pending {
        super::pending_warning(ctx, report.error.as_deref());
    }
    Ok(exit)
}

fn scopes_text(r: &ClaimReport) -> String {
    r.claims
        .iter()
        .map(|c| c.scope.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
