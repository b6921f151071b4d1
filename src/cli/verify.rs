//! `git coord verify`

use super::warn;
use crate::front::render::Out;
use crate::front::Exit;
use crate::model::AgentId;
use crate::ops::hook::verify;
use crate::ops::{Context, Error};

/// For CI: exit 1 if the commits of a range change files or symbols another agent holds
#[derive(clap::Args, Debug)]
pub struct Args {
    /// BASE..HEAD, or one revision (its commits not on any remote-tracking branch)
    #[arg(value_name = "REV-RANGE", required_unless_present = "board")]
    range: Option<String>,
    /// Judge the board itself instead: every board commit not judged before in this clone
    /// must be one valid operation (as the server's pre-receive would judge it)
    #[arg(long, conflicts_with_all = ["as_agent"])]
    board: bool,
    /// Judge as this agent (its own claims do not count); default: the current agent
    #[arg(long = "as", value_name = "AGENT")]
    as_agent: Option<String>,
    /// text, json, or github (workflow annotations)
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    format: String,
    /// Judge on the local copy of the claims without fetching first
    #[arg(long)]
    no_fetch: bool,
}

pub fn run(ctx: &Context, a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let exempt = match &a.as_agent {
        Some(s) => AgentId::new(s.clone())?,
        None => ctx.agent.clone(),
    };
    let format = if out.json { "json" } else { a.format.as_str() };
    if !matches!(format, "text" | "json" | "github") {
        return Err(Error::usage(
            format!("invalid --format '{format}': use text, json or github"),
            None,
        ));
    }
    let Some(range) = a.range.as_deref().filter(|_| !a.board) else {
        return board(ctx, a, format, out);
    };
    let r = verify(ctx, range, &exempt, !a.no_fetch)?;
    if let Some(e) = &r.fetch_error {
        warn(&format!(
            "warning: could not refresh claims from the remote ({e}); judging on the local copy"
        ));
    }
    let exit = if r.refuse { Exit::Refused } else { Exit::Ok };
    match format {
        "json" => out.json(&r),
        "github" => {
            for v in &r.violations {
                let what = v
                    .symbol
                    .as_ref()
                    .map(|s| format!("{}::{s}", v.file))
                    .unwrap_or_else(|| v.file.clone());
                out.line(format!(
                    "::error file={},line={},title=held by {}::{what} is held by {} ({}, expires {}){}",
                    v.file,
                    v.line,
                    v.claim.agent,
                    v.claim.agent,
                    v.claim.id,
                    v.claim.expires_at,
                    v.claim.note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
                ));
            }
            out.line(format!(
                "git-coord verify {}: {} commit(s), {} file(s), {} violation(s)",
                range,
                r.commits,
                r.files,
                r.violations.len()
            ));
        }
        _ => {
            out.line(format!(
                "verified {}: {} commit(s), {} file(s) as {exempt}",
                range, r.commits, r.files
            ));
            if r.violations.is_empty() {
                out.line("no changes to what other agents hold");
            } else {
                out.line(format!("{} violation(s):", r.violations.len()));
                for l in crate::front::render::table(&r.violations, ctx.now()) {
                    out.line(l);
                }
            }
        }
    }
    Ok(exit)
}

/// `verify --board`: exit 1 when a board commit is not a valid operation.
fn board(ctx: &Context, a: &Args, format: &str, out: &mut Out) -> Result<Exit, Error> {
    let r = crate::ops::transitions::verify_board(ctx, !a.no_fetch)?;
    if let Some(e) = &r.fetch_error {
        warn(&format!(
            "warning: could not refresh the board from the remote ({e}); judging the local copy"
        ));
    }
    let exit = if r.problems.is_empty() { Exit::Ok } else { Exit::Refused };
    if format == "json" {
        out.json(&r);
        return Ok(exit);
    }
    let commits: usize = r.judged.iter().map(|(_, n)| n).sum();
    for p in &r.problems {
        if format == "github" {
            out.line(format!("::error title=git-coord board::{p}"));
        } else {
            out.line(format!("refused {p}"));
        }
    }
    out.line(format!(
        "verified the board: {commits} new commit(s) on {} ref(s), {} problem(s){}",
        r.judged.len(),
        r.problems.len(),
        if r.problems.is_empty() {
            ""
        } else {
            " (nothing recorded as verified)"
        }
    ));
    Ok(exit)
}
