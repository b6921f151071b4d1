//! The three enforcement entry points: the client's pre-push hook, `verify` for CI, and the
//! server's pre-receive hook. All judge with [`super::enforce::judge`].

use serde::Serialize;

use super::context::Context;
use super::enforce::{changes_of, judge, Violation};
use super::error::Error;
use super::txn::view;
use crate::engine::glob::Glob;
use crate::model::{AgentId, HookMode};
use crate::store::{refs, Fetch, Remote};

/// One ref update a hook is asked about (parsed from git's stdin by the front end): a
/// side that does not exist (git's all-zeros id) is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    pub refname: String,
    pub old: Option<gix::ObjectId>,
    pub new: Option<gix::ObjectId>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HookReport {
    pub mode: HookMode,
    /// The refs (or range) judged.
    pub judged: Vec<String>,
    pub commits: usize,
    pub files: usize,
    pub violations: Vec<Violation>,
    /// Writes to refs/coord/* refused by the server (pre-receive).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused_coord: Vec<String>,
    /// Policy changes the server refuses to adopt from a push (pre-receive).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused_policy: Vec<String>,
    /// The push option `coord-agent=ID` the server did not take as proof of who pushes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unproven_pusher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch_error: Option<String>,
    /// True when the caller must refuse (exit 1).
    pub refuse: bool,
}

impl HookReport {
    fn new(ctx: &Context) -> HookReport {
        HookReport {
            mode: ctx.policy.hook_mode,
            judged: vec![],
            commits: 0,
            files: 0,
            violations: vec![],
            refused_coord: vec![],
            refused_policy: vec![],
            unproven_pusher: None,
            fetch_error: None,
            refuse: false,
        }
    }
}

/// Does the policy guard this branch?
fn guarded(ctx: &Context, refname: &str) -> bool {
    let branch = refname.strip_prefix("refs/heads/").unwrap_or(refname);
    ctx.policy.hook_branches.is_empty()
        || ctx
            .policy
            .hook_branches
            .iter()
            .any(|p| Glob::new(p).is_ok_and(|g| g.is_match(branch)))
}

/// Judge commits `tips --not hidden` for `exempt`. `fetch`, when given, refreshes the
/// claims while the commits are walked and diffed; the board is read after it.
fn run(
    ctx: &Context,
    report: &mut HookReport,
    tips: &[gix::ObjectId],
    hidden: &[gix::ObjectId],
    exempt: Option<&AgentId>,
    fetch: Option<Remote>,
) -> Result<(), Error> {
    if tips.is_empty() {
        return Ok(());
    }
    let fetching = fetch.map(|r| std::thread::spawn(move || r.fetch()));
    // No size past which the judgement gives up: every commit is walked and judged.
    let commits = ctx.store.commits_between(tips, hidden, usize::MAX)?;
    let changes = changes_of(ctx, &commits)?;
    // Compile the symbol queries of the changed files' languages meanwhile (tens of ms
    // for some grammars), in case the board asks for symbols.
    let mut langs: Vec<&'static crate::engine::symbols::lang::Lang> = changes
        .iter()
        .filter_map(|(_, c)| crate::engine::symbols::lang::detect(&c.path))
        .collect();
    langs.sort_by_key(|l| l.name);
    langs.dedup_by_key(|l| l.name);
    let warming = std::thread::spawn(move || {
        for l in langs {
            let _ = l.matcher();
        }
    });
    if let Some(handle) = fetching {
        match handle.join() {
            Ok(Ok(Fetch::Fetched)) => {}
            Ok(Ok(Fetch::Unreachable(e) | Fetch::Diverged(e))) => report.fetch_error = Some(e),
            Ok(Err(e)) => report.fetch_error = Some(e.to_string()),
            Err(_) => report.fetch_error = Some("the fetch thread failed".into()),
        }
    }
    let state = view(ctx, false)?.state;
    let _ = warming.join();
    report.commits += commits.len();
    let mut files: Vec<&str> = changes.iter().map(|(_, c)| c.path.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    report.files += files.len();
    report.violations.extend(judge(ctx, &state, exempt, &changes)?);
    Ok(())
}

/// The client side: the refs git is about to push to `remote` (`old` is the remote's
/// current value, `new` what is pushed).
pub fn pre_push(ctx: &Context, remote: &str, updates: &[RefUpdate]) -> Result<HookReport, Error> {
    let mut report = HookReport::new(ctx);
    if ctx.policy.hook_mode == HookMode::Off {
        return Ok(report);
    }
    let (mut tips, mut hidden) = (Vec::new(), Vec::new());
    for u in updates {
        let Some(new) = u.new else { continue };
        if u.refname.starts_with(refs::NAMESPACE) || !guarded(ctx, &u.refname) {
            continue;
        }
        report.judged.push(u.refname.clone());
        tips.push(new);
        hidden.extend(u.old);
    }
    if tips.is_empty() {
        return Ok(report);
    }
    // What the remote already has: everything under refs/remotes/.
    hidden.extend(
        ctx.store
            .refs_with_prefix("refs/remotes/")?
            .into_iter()
            .map(|(_, id)| id),
    );
    let timeout = std::time::Duration::from_secs(ctx.policy.network_timeout.0.clamp(1, 10) as u64);
    let fetch = (!ctx.offline).then(|| {
        Remote::new(remote, ctx.store.run_dir(), timeout)
            .with_ssh(crate::store::ssh::for_remote(&ctx.store, remote, &ctx.ssh))
    });
    run(ctx, &mut report, &tips, &hidden, Some(&ctx.agent), fetch)?;
    report.refuse = ctx.policy.hook_mode == HookMode::Enforce && !report.violations.is_empty();
    Ok(report)
}

/// CI: the commits of `BASE..HEAD` (or of `REV` not on any remote-tracking ref).
pub fn verify(ctx: &Context, range: &str, exempt: &AgentId, fetch: bool) -> Result<HookReport, Error> {
    let mut report = HookReport::new(ctx);
    if fetch {
        if let Some(remote) = ctx.online_remote() {
            if let Fetch::Unreachable(e) | Fetch::Diverged(e) = remote.fetch()? {
                report.fetch_error = Some(e);
            }
        }
    }
    let (tips, hidden) = match range.split_once("..") {
        Some((base, head)) => {
            let head = if head.is_empty() { "HEAD" } else { head };
            (
                vec![ctx.store.resolve(head.trim_start_matches('.'))?],
                vec![ctx.store.resolve(base)?],
            )
        }
        None => (
            vec![ctx.store.resolve(range)?],
            ctx.store
                .refs_with_prefix("refs/remotes/")?
                .into_iter()
                .map(|(_, id)| id)
                .collect(),
        ),
    };
    report.judged.push(range.to_owned());
    run(ctx, &mut report, &tips, &hidden, Some(exempt), None)?;
    report.refuse = !report.violations.is_empty();
    Ok(report)
}

/// A signed push's certificate (`git push --signed`), as git hands it to pre-receive.
#[derive(Debug, Clone)]
pub struct PushCert {
    pub blob: gix::ObjectId,
    /// The certificate's nonce is one this server issued, and fresh (no replay).
    pub nonce_ok: bool,
}

/// The server side: the ref updates of one push, judged together against the board and the
/// policy this repository already has (nothing a push carries changes how it is judged).
/// `pusher` comes from the push option `coord-agent=ID`: taken when the push is signed
/// (`cert`) by a key the allowed signers give that agent, or, unproven, when the policy
/// says `[hook] trust_push_option = true`.
pub fn pre_receive(
    ctx: &Context,
    updates: &[RefUpdate],
    pusher: Option<&AgentId>,
    cert: Option<&PushCert>,
) -> Result<HookReport, Error> {
    let mut report = HookReport::new(ctx);
    let pusher = match pusher {
        Some(p) if !ctx.policy.trust_push_option => match super::trust::push_signed_by(ctx, p, updates, cert)? {
            Ok(()) => Some(p),
            Err(why) => {
                report.unproven_pusher = Some(format!("{p}: {why}"));
                None
            }
        },
        other => other,
    };
    let mut tips = Vec::new();
    let mut board_moves = Vec::new();
    report.refused_coord.extend(archive_problems(ctx, updates)?);
    for u in updates {
        let refname = u.refname.as_str();
        if refname.starts_with(refs::ARCHIVE) {
            continue;
        }
        if let Some(rest) = refname.strip_prefix(refs::NAMESPACE) {
            if rest.starts_with("probe/") {
                continue;
            }
            match coord_write_problem(ctx, u)? {
                Some(why) => report.refused_coord.push(format!("{refname}: {why}")),
                None if is_board(refname) && u.new.is_some() => board_moves.push(u),
                None => {}
            }
            continue;
        }
        report
            .refused_policy
            .extend(super::server::policy_change_problems(ctx, u)?);
        let Some(new) = u.new else { continue };
        if ctx.policy.hook_mode == HookMode::Off || !guarded(ctx, refname) {
            continue;
        }
        report.judged.push(refname.to_owned());
        tips.push(new);
    }
    if report.refused_coord.is_empty() && !board_moves.is_empty() {
        report
            .refused_coord
            .extend(super::transitions::judge_board_push(ctx, &board_moves)?);
    }
    if !tips.is_empty() {
        // Every commit that becomes reachable from a guarded ref is judged, wherever it came
        // from (another branch of this server included): only what guarded refs already
        // hold was judged before.
        let hidden: Vec<gix::ObjectId> = ctx
            .store
            .refs_with_prefix("refs/")?
            .into_iter()
            .filter(|(name, _)| !name.starts_with(refs::NAMESPACE) && guarded(ctx, name))
            .map(|(_, id)| id)
            .collect();
        run(ctx, &mut report, &tips, &hidden, pusher, None)?;
    }
    report.refuse = !report.refused_coord.is_empty()
        || !report.refused_policy.is_empty()
        || (ctx.policy.hook_mode == HookMode::Enforce && !report.violations.is_empty());
    Ok(report)
}

/// Archived history (`git coord compact`) is written once and kept: an archive ref may only
/// be created, at the commit its name gives, by the push that compacts that board ref there;
/// and a board ref compacted at its old tip must have that tip archived by the same push.
fn archive_problems(ctx: &Context, updates: &[RefUpdate]) -> Result<Vec<String>, Error> {
    let mut problems = Vec::new();
    let created: Vec<&str> = updates
        .iter()
        .filter(|u| u.old.is_none() && u.new.is_some())
        .map(|u| u.refname.as_str())
        .collect();
    for u in updates {
        let name = u.refname.as_str();
        if let Some(rest) = name.strip_prefix(refs::ARCHIVE) {
            let compacted = refs::archived(name).filter(|(board, id)| {
                u.new == Some(*id)
                    && updates
                        .iter()
                        .any(|b| b.refname == *board && b.old == Some(*id) && b.new.is_some())
            });
            if u.old.is_some() || compacted.is_none() {
                problems.push(format!(
                    "{name}: archived history is created only by the push that compacts refs/coord/{} at that commit, and never moved or deleted",
                    rest.rsplit_once('/').map_or(rest, |(b, _)| b)
                ));
            }
            continue;
        }
        let (Some(old), Some(new)) = (u.old, u.new) else {
            continue;
        };
        if is_board(name)
            && !fast_forward(ctx, old, new)?
            && ctx.store.compacts(new, old)?
            && !created.contains(&refs::archive_ref(name, &old).as_str())
        {
            problems.push(format!(
                "{name}: a compaction must archive the tip it replaces in the same push ({})",
                refs::archive_ref(name, &old)
            ));
        }
    }
    Ok(problems)
}

/// Why a write to a refs/coord/ ref must be refused, if it must.
fn coord_write_problem(ctx: &Context, u: &RefUpdate) -> Result<Option<String>, Error> {
    let refname = u.refname.as_str();
    let Some(new_id) = u.new else {
        return Ok(is_board(refname).then(|| "deleting the claims board is not allowed".to_owned()));
    };
    if is_board(refname) {
        if let Err(e) = ctx.store.load_claims(refname, Some(new_id)) {
            let mut why = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                why.push_str(&format!(": {s}"));
                src = s.source();
            }
            return Ok(Some(format!("malformed board ({why})")));
        }
    }
    if let Some(old_id) = u.old {
        // `old` must be an ancestor of `new`: nothing of `old` hidden by `new` may remain,
        // unless `new` starts again at a compaction of `old` (archived in the same push).
        let compacted =
            |ctx: &Context| -> Result<bool, Error> { Ok(is_board(refname) && ctx.store.compacts(new_id, old_id)?) };
        if !fast_forward(ctx, old_id, new_id)? && !compacted(ctx)? {
            return Ok(Some(
                "not a fast-forward: coordination history is append-only".to_owned(),
            ));
        }
    }
    Ok(None)
}

/// Whether `new` descends from `old`.
fn fast_forward(ctx: &Context, old: gix::ObjectId, new: gix::ObjectId) -> Result<bool, Error> {
    Ok(ctx.store.commits_between(&[old], &[new], 1)?.is_empty())
}

/// The root of the board or one of its shards.
fn is_board(refname: &str) -> bool {
    refname == refs::CLAIMS || refname.starts_with(refs::SHARDS)
}
