//! The board as one self-contained HTML page: inline CSS and a few lines of inline script
//! (a filter box), nothing fetched. Claims are grouped by area of the tree (collapsed when
//! there are many), tasks by state with their dependencies, then open handoffs, agents and
//! the recent history. Every text from the board is escaped.

use std::fmt::Write;

use crate::model::{Claim, Mode, Scope, TaskStatus, Timestamp};
use crate::ops::board::BoardReport;

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em;color:#222}\
h1{font-size:1.4em;margin:.2em 0}h2{border-bottom:1px solid #ddd;margin-top:1.6em}\
.meta{color:#666}nav a{margin-right:1em}table{border-collapse:collapse;width:100%;margin:.4em 0}\
th,td{text-align:left;padding:2px 8px;border-bottom:1px solid #eee;vertical-align:top}\
th{background:#f6f6f6}.area table{table-layout:fixed}.area th:nth-child(1){width:16%}.area th:nth-child(2){width:30%}.area th:nth-child(3){width:12%}.area th:nth-child(4),.area th:nth-child(5){width:9%}.area td:nth-child(2){font-family:ui-monospace,monospace;word-break:break-all}\
details{margin:.3em 0}summary{cursor:pointer}summary b{font-family:ui-monospace,monospace}\
.n{color:#666}.sh{color:#0a6}.nw{color:#a60}.st{font-weight:600}#f{padding:4px;width:20em}\
.empty{color:#888;font-style:italic}";

const SCRIPT: &str = "document.getElementById('f').addEventListener('input',function(e){\
var q=e.target.value.toLowerCase();document.querySelectorAll('tr.c').forEach(function(r){\
r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':''});\
document.querySelectorAll('details.area').forEach(function(d){if(q)d.open=true})});";

/// Text made safe for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// The area of the tree a claim belongs to: up to `depth` directories of its path (before
/// any wildcard), or a key's namespace.
fn area(scope: &Scope, depth: usize) -> String {
    let path = match scope {
        Scope::Key(k) => return format!("key {}", k.split(':').next().unwrap_or(k)),
        Scope::Glob(g) => g.clone(),
        Scope::Symbol(s) => s.file.clone(),
    };
    let parts: Vec<&str> = path.split('/').collect();
    let dirs: Vec<&str> = parts[..parts.len().saturating_sub(1)]
        .iter()
        .take_while(|p| !crate::model::scope::has_glob_meta(p))
        .take(depth)
        .copied()
        .collect();
    if dirs.is_empty() {
        "(top level)".into()
    } else {
        dirs.join("/")
    }
}

/// "10:04" today, else "2026-11-20 10:04".
fn when(now: Timestamp, t: Timestamp) -> String {
    let (a, b) = (now.to_string(), t.to_string());
    if a.get(..10) == b.get(..10) {
        b.get(11..16).unwrap_or("").to_owned()
    } else {
        format!("{} {}", b.get(..10).unwrap_or(""), b.get(11..16).unwrap_or(""))
    }
}

fn claim_row(out: &mut String, c: &Claim, now: Timestamp) {
    let kind = c.scope.kind();
    let mode = match (c.mode, c.narrowed.is_empty()) {
        (Mode::Shared, _) => " <span class=sh>shared</span>",
        (_, false) => " <span class=nw>narrowed</span>",
        _ => "",
    };
    let left = if c.expires_at >= now {
        now.until(c.expires_at).human()
    } else {
        "expired".into()
    };
    let _ = writeln!(
        out,
        "<tr class=c title={}><td>{}<td>{}<td>{kind}{mode}<td>{}<td>{left}<td>{}",
        c.id,
        esc(c.agent.as_str()),
        esc(&c.scope.to_string()),
        when(now, c.created_at),
        esc(c.note.as_deref().unwrap_or(""))
    );
}

fn claims(out: &mut String, r: &BoardReport) {
    let _ = writeln!(out, "<section id=claims><h2>Claims ({})</h2>", r.claims.len());
    if r.claims.is_empty() {
        out.push_str("<p class=empty>nobody holds anything</p></section>\n");
        return;
    }
    out.push_str("<p><input id=f placeholder=\"filter claims (agent, path, note)\"></p>\n");
    // Two directories deep, or one when that would make too many areas to scan.
    let group = |depth| {
        let mut areas: std::collections::BTreeMap<String, Vec<&Claim>> = Default::default();
        for c in &r.claims {
            areas.entry(area(&c.scope, depth)).or_default().push(c);
        }
        areas
    };
    let mut areas = group(2);
    if areas.len() > 60 {
        areas = group(1);
    }
    let open_all = r.claims.len() <= 200;
    for (name, list) in &areas {
        let mut agents: Vec<&str> = list.iter().map(|c| c.agent.as_str()).collect();
        agents.sort_unstable();
        agents.dedup();
        let who = if agents.len() > 5 {
            format!("{} agents", agents.len())
        } else {
            esc(&agents.join(", "))
        };
        let open = if open_all && list.len() <= 20 { " open" } else { "" };
        let _ = writeln!(
            out,
            "<details class=area{open}><summary><b>{}</b> <span class=n>{} claim(s) · {who}</span></summary>\n<table><tr><th>Agent<th>Scope<th>Kind<th>Since<th>Expires in<th>Note",
            esc(name),
            list.len()
        );
        for c in list {
            claim_row(out, c, r.now);
        }
        out.push_str("</table></details>\n");
    }
    out.push_str("</section>\n");
}

fn tasks(out: &mut String, r: &BoardReport) {
    let _ = writeln!(out, "<section id=tasks><h2>Tasks ({})</h2>", r.tasks.len());
    if r.tasks.is_empty() {
        out.push_str("<p class=empty>no tasks</p>\n");
    }
    for status in [
        TaskStatus::Open,
        TaskStatus::Claimed,
        TaskStatus::Review,
        TaskStatus::Approved,
        TaskStatus::Cancelled,
    ] {
        let list: Vec<_> = r.tasks.iter().filter(|t| t.task.status == status).collect();
        if list.is_empty() {
            continue;
        }
        let open = if matches!(status, TaskStatus::Approved | TaskStatus::Cancelled) {
            ""
        } else {
            " open"
        };
        let _ = writeln!(
            out,
            "<details{open}><summary><span class=st>{}</span> <span class=n>({})</span></summary>\n<table><tr><th>Task<th>Title<th>P<th>Worker<th>Depends on<th>Blocked by<th>Scopes",
            status.name(),
            list.len()
        );
        for v in list {
            let t = &v.task;
            let ids = |l: &[crate::model::TaskId]| l.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
            let _ = writeln!(
                out,
                "<tr class=t data-status={}><td>{}<td>{}<td>{}<td>{}<td>{}<td>{}<td>{}",
                status.name(),
                t.id,
                esc(&t.title),
                t.priority,
                esc(t.worker.as_ref().map(|w| w.as_str()).unwrap_or("")),
                ids(&t.depends_on),
                ids(&v.blocked_by),
                esc(&crate::ops::task::scope_list(&t.scopes))
            );
        }
        out.push_str("</table></details>\n");
    }
    out.push_str("</section>\n");
}

fn rest(out: &mut String, r: &BoardReport) {
    let _ = writeln!(
        out,
        "<section id=handoffs><h2>Open handoffs ({})</h2>",
        r.handoffs.len()
    );
    if r.handoffs.is_empty() {
        out.push_str("<p class=empty>none</p>\n");
    } else {
        out.push_str("<table><tr><th>Handoff<th>Summary<th>From<th>To<th>Task<th>Status<th>Written\n");
        for h in &r.handoffs {
            let _ = writeln!(
                out,
                "<tr class=h><td>{}<td>{}<td>{}<td>{}<td>{}<td>{}<td>{}",
                h.id,
                esc(&h.summary),
                esc(h.from.as_str()),
                esc(h.to.as_deref().unwrap_or("anyone")),
                h.task.as_ref().map(|t| t.to_string()).unwrap_or_default(),
                h.status.name(),
                when(r.now, h.created_at)
            );
        }
        out.push_str("</table>\n");
    }
    let _ = writeln!(
        out,
        "</section>\n<section id=agents><h2>Agents ({})</h2>",
        r.agents.len()
    );
    out.push_str("<table><tr><th>Agent<th>Host<th>Claims<th>Tasks<th>Last active\n");
    for a in &r.agents {
        let tasks: Vec<String> = a.tasks.iter().map(|t| t.to_string()).collect();
        let _ = writeln!(
            out,
            "<tr class=a><td>{}<td>{}<td>{}<td>{}<td>{}",
            esc(&a.agent),
            esc(a.host.as_deref().unwrap_or("")),
            a.claims,
            tasks.join(", "),
            when(r.now, a.last_seen)
        );
    }
    let _ = writeln!(
        out,
        "</table></section>\n<section id=history><h2>Recent history</h2>\n<table><tr><th>When<th>What"
    );
    for e in &r.history {
        let _ = writeln!(out, "<tr class=e><td>{}<td>{}", when(r.now, e.time), esc(&e.subject));
    }
    out.push_str("</table></section>\n");
}

/// The whole page.
pub fn page(r: &BoardReport) -> String {
    let mut out = String::with_capacity(4096 + r.claims.len() * 160);
    let rev = r
        .revision
        .as_deref()
        .map(|s| &s[..12.min(s.len())])
        .unwrap_or("none yet");
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
<title>git-coord board {rev}</title><style>{CSS}</style></head><body>\n<header><h1>git-coord board</h1>\
<p class=meta>board <code>{rev}</code>{} · as of {} · {} claims · {} tasks · {} open handoffs · {} agents</p>\
<nav><a href=#claims>Claims</a><a href=#tasks>Tasks</a><a href=#handoffs>Handoffs</a><a href=#agents>Agents</a><a href=#history>History</a></nav></header>\n",
        r.remote.as_deref().map(|n| format!(" from {}", esc(n))).unwrap_or_default(),
        r.now,
        r.claims.len(),
        r.tasks.len(),
        r.handoffs.len(),
        r.agents.len()
    );
    claims(&mut out, r);
    tasks(&mut out, r);
    rest(&mut out, r);
    if !r.claims.is_empty() {
        let _ = write!(out, "<script>{SCRIPT}</script>");
    }
    out.push_str("\n</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_text_is_escaped_and_areas_come_from_the_path() {
        assert_eq!(
            esc("<img src=x onerror=\"a&b\">'"),
            "&lt;img src=x onerror=&quot;a&amp;b&quot;&gt;&#39;"
        );
        let ns = vec!["db".to_string()];
        let s = |t: &str| Scope::parse(t, &ns).unwrap();
        let area2 = |x: &Scope| area(x, 2);
        assert_eq!(area2(&s("src/auth/login.ts")), "src/auth");
        assert_eq!(area2(&s("src/auth/deep/x/**")), "src/auth");
        assert_eq!(area2(&s("src/*/x.ts")), "src");
        assert_eq!(area2(&s("README.md")), "(top level)");
        assert_eq!(area2(&s("db:users:email")), "key db");
    }
}
