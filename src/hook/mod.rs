//! The hook front end: what git's pre-push and pre-receive hooks and an editor's pre-edit
//! hook run (`git coord hook …`). Reads the host's payload, asks ops to judge it, says why on
//! stderr (git shows it; on a server as `remote:` lines), and chooses the exit code.
//! Must not import another front end; the judgement itself is ops'.

mod edit;
mod payload;

use crate::front::render::{self, warn, Out};
use crate::front::{env_settings, Exit, Flags, HookKind};
use crate::model::HookMode;
use crate::ops::hook::{pre_push, pre_receive, HookReport};
use crate::ops::{Context, Error};

/// Run one hook; returns the process exit code.
pub fn main(kind: HookKind, flags: Flags, json: bool) -> i32 {
    let mut out = Out::new(json);
    let settings = env_settings(flags.dir, flags.agent, flags.remote, flags.offline);
    if let HookKind::PreEdit = kind {
        return edit::guard(settings, &mut out) as i32;
    }
    let result = settings.and_then(Context::open).and_then(|ctx| {
        render::context_warnings(&ctx);
        judge_push(&ctx, &kind, &mut out)
    });
    match result {
        Ok(exit) => exit as i32,
        Err(e) => {
            render::error(&mut out, &e);
            crate::front::exit_code(&e) as i32
        }
    }
}

/// pre-push / pre-receive: judge the pushed ref updates.
fn judge_push(ctx: &Context, kind: &HookKind, out: &mut Out) -> Result<Exit, Error> {
    let input = payload::stdin()?;
    let updates = match (kind, input.trim().is_empty()) {
        (HookKind::PrePush { .. }, true) => payload::pre_commit_update()?.into_iter().collect(),
        _ => payload::ref_updates(&input, kind)?,
    };
    let server = matches!(kind, HookKind::PreReceive);
    let report = match kind {
        HookKind::PrePush { remote } => pre_push(ctx, remote, &updates)?,
        HookKind::PreReceive => pre_receive(
            ctx,
            &updates,
            payload::push_option_agent()?.as_ref(),
            payload::push_cert().as_ref(),
        )?,
        HookKind::PreEdit => unreachable!("the pre-edit guard is handled before the context opens"),
    };
    if out.json {
        out.json(&report);
    } else {
        explain(ctx, &report, server);
    }
    Ok(if report.refuse { Exit::Refused } else { Exit::Ok })
}

/// The hook's words go to stderr (git shows them; on a server, as `remote:` lines).
fn explain(ctx: &Context, r: &HookReport, server: bool) {
    if let Some(e) = &r.fetch_error {
        warn(&format!(
            "git-coord: could not refresh claims from the remote ({e}); judging on the local copy"
        ));
    }
    for c in r.refused_coord.iter().chain(&r.refused_policy) {
        warn(&format!("git-coord: refused {c}"));
    }
    if r.violations.is_empty() {
        return;
    }
    let verdict = if r.mode == HookMode::Enforce {
        "push refused"
    } else {
        "warning (hook mode is warn; pushing anyway)"
    };
    warn(&format!("git-coord: {verdict}: it changes what other agents hold\n"));
    for l in render::table(&r.violations, ctx.now()) {
        warn(&l);
    }
    let first = &r.violations[0];
    let q = crate::model::text::shell_quote;
    let scope = q(&first.claim.scope.to_string());
    warn("\nways forward:");
    warn(&format!(
        "  - ask {} to release it (see `git coord who {}`)",
        first.claim.agent,
        q(&first.file)
    ));
    warn(&format!(
        "  - wait for it: git coord claim {scope} --wait 30m, then push again"
    ));
    warn(&format!(
        "  - if the claim is stale: git coord release --force {} (recorded in the history)",
        first.claim.id
    ));
    if server && ctx.policy.trust_push_option {
        warn("  - this check runs on the server: identify yourself with `git push -o coord-agent=<your id>` if you hold the claim");
    } else if server {
        if let Some(p) = &r.unproven_pusher {
            warn(&format!(
                "  - `-o coord-agent={p}` proves nothing, so this server does not take it (`[hook] trust_push_option = true` in its .coord.toml would)"
            ));
        }
        warn("  - this check runs on the server: if you hold the claim, release it, then push");
    } else {
        warn("  - or skip this check with `git push --no-verify` (the push lands over their claim; a server-side hook may still refuse)");
    }
}
