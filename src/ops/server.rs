//! What a bare repository serving as the team's remote needs for the pre-receive hook:
//! push options advertised, so a holder can say who is pushing (`git push -o
//! coord-agent=ID`, taken only under `[hook] trust_push_option`). Used by `init` (sets it)
//! and `doctor` (checks it); never prints.

use std::time::Duration;

use super::context::Context;
use super::error::Error;
use super::setup::{Status, Step};
use crate::store::remote::run_git;

const KEY: &str = "receive.advertisePushOptions";

/// The push-options step: `fix` sets the key when it is missing (init), else only checks
/// (doctor). Nothing to do outside a bare repository.
pub fn push_options(ctx: &Context, fix: bool) -> Result<Option<Step>, Error> {
    if !ctx.store.is_bare() {
        return Ok(None);
    }
    if ctx.store.config_string(KEY).is_some_and(|v| v == "true") {
        return Ok(Some(Step::new(
            "push-options",
            Status::Already,
            format!("{KEY} is true"),
        )));
    }
    let how = format!("git -C {} config {KEY} true", ctx.store.git_dir().display());
    if !fix {
        return Ok(Some(
            Step::new(
                "push-options",
                Status::Fail,
                format!("{KEY} is not set: pushers cannot say who they are (with [hook] trust_push_option), so holders' own pushes are refused"),
            )
            .fix(how),
        ));
    }
    let out = run_git(&ctx.store.run_dir(), &["config", KEY, "true"], Duration::from_secs(30))?;
    Ok(Some(match out {
        Some(o) if o.code == Some(0) => Step::new(
            "push-options",
            Status::Done,
            format!("set {KEY} = true (holders push with `git push -o coord-agent=ID`)"),
        ),
        other => Step::new(
            "push-options",
            Status::Fail,
            format!(
                "cannot set {KEY}: {}",
                other.map(|o| o.stderr).unwrap_or_default().trim()
            ),
        )
        .fix(how),
    }))
}
