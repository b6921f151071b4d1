//! Shared rendering: the output sink (human or JSON, broken pipes exit quietly), the error
//! renderer, and the few formats several commands print (a claim line, a conflict table).

use std::io::Write;

use serde::Serialize;

use super::pager::Style;
use crate::model::{Claim, Mode, Timestamp};
use crate::ops::report::ConflictReport;
use crate::ops::Error;

/// Where a command's report goes.
pub struct Out {
    pub json: bool,
    stdout: std::io::Stdout,
    color: bool,
    pager: Option<std::process::Child>,
    /// `-p` (Some(true)) / `--no-pager` (Some(false)); None: on a terminal.
    pub paginate: Option<bool>,
}

impl Out {
    pub fn new(json: bool) -> Out {
        Out {
            json,
            stdout: std::io::stdout(),
            color: false,
            pager: None,
            paginate: None,
        }
    }

    /// Colour human output when git would (see `pager`); never in JSON.
    pub fn set_color(&mut self, color_ui: Option<&str>) {
        self.color = !self.json && super::pager::color_wanted(color_ui);
    }

    /// Send human output through the pager from here on (a long list on a terminal, or
    /// `-p`); nothing changes for JSON or without a pager.
    pub fn page(&mut self, core_pager: Option<String>) {
        if self.json || self.pager.is_some() || self.paginate == Some(false) {
            return;
        }
        if let Some(cmd) = super::pager::pager_command(self.paginate == Some(true), core_pager) {
            self.pager = super::pager::start(&cmd);
        }
    }

    /// Print one line of human output (control characters escaped: much of what is shown
    /// was written by other agents).
    pub fn line(&mut self, text: impl AsRef<str>) {
        self.styled(Style::Plain, text);
    }

    /// One line, coloured as `style` when colour is on.
    pub fn styled(&mut self, style: Style, text: impl AsRef<str>) {
        let safe = printable(text.as_ref());
        let text = if self.color {
            style.wrap(&safe)
        } else {
            safe.into_owned()
        };
        let written = match self.pager.as_mut().and_then(|p| p.stdin.as_mut()) {
            Some(stdin) => writeln!(stdin, "{text}"),
            None => writeln!(self.stdout.lock(), "{text}"),
        };
        if let Err(e) = written {
            quiet_on_broken_pipe(e);
        }
    }

    /// Text exactly as given (a generated document, not board text for a terminal).
    pub fn raw(&mut self, text: &str) {
        if let Err(e) = self.stdout.lock().write_all(text.as_bytes()) {
            quiet_on_broken_pipe(e);
        }
    }

    /// A table: its header row styled, then the rows.
    pub fn table(&mut self, lines: Vec<String>) {
        for (i, l) in lines.into_iter().enumerate() {
            self.styled(if i == 0 { Style::Header } else { Style::Plain }, l);
        }
    }

    /// Print the one JSON object of this command.
    /// Compact (an agent pays for every byte) and streamed (a large board is not built
    /// as one string first).
    pub fn json<T: Serialize>(&mut self, value: &T) {
        let mut w = std::io::BufWriter::with_capacity(64 * 1024, self.stdout.lock());
        let written = serde_json::to_writer(&mut w, value)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(w))
            .and_then(|()| w.flush());
        if let Err(e) = written {
            quiet_on_broken_pipe(e);
        }
    }

    pub fn flush(&mut self) {
        if let Err(e) = self.stdout.flush() {
            quiet_on_broken_pipe(e);
        }
    }
}

impl Drop for Out {
    /// Wait for the pager, so the prompt comes back after it.
    fn drop(&mut self) {
        if let Some(mut p) = self.pager.take() {
            drop(p.stdin.take());
            let _ = p.wait();
        }
    }
}

/// Rows under a header, each column as wide as its widest cell (display width, so wide
/// and combining characters line up), two spaces apart; trailing blanks trimmed.
pub fn columns(header: &[&str], rows: Vec<Vec<String>>) -> Vec<String> {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(header.iter().map(comfy_table::Cell::new));
    for r in rows {
        t.add_row(r.into_iter().map(|c| comfy_table::Cell::new(printable(&c))));
    }
    for col in t.column_iter_mut() {
        col.set_padding((0, 2));
    }
    t.lines().map(|l| l.trim_end().to_owned()).collect()
}

pub use crate::model::text::printable;

fn quiet_on_broken_pipe(e: std::io::Error) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
}

pub use super::{error_parts, error_text};

/// The error on stderr; in JSON mode also one object on stdout with the same content.
pub fn error(out: &mut Out, e: &Error) {
    let _ = std::io::stderr().write_all(printable(&error_text(e)).as_bytes());
    if out.json {
        let (message, causes, hint) = error_parts(e);
        out.json(&serde_json::json!({
            "error": { "code": e.code(), "message": message, "causes": causes, "hint": hint, "exit": crate::front::exit_code(e) as i32 }
        }));
    }
}

/// Write a line to stderr (progress and warnings; never part of the JSON contract).
pub fn warn(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{}", printable(msg));
}

/// What opening the repository found worth saying, before any command's own output.
pub fn context_warnings(ctx: &crate::ops::Context) {
    if let Some(w) = &ctx.policy_warning {
        warn(&format!("warning: {w}"));
    }
    for lock in &ctx.cleared_locks {
        warn(&format!(
            "warning: removed {}, a lock file left by a stopped process",
            lock.display()
        ));
    }
}

/// "in 1h59m" / "3m ago".
pub fn relative(now: Timestamp, t: Timestamp) -> String {
    if t >= now {
        format!("in {}", now.until(t).human())
    } else {
        format!("{} ago", t.until(now).human())
    }
}

/// When a claim expires, for a table cell: "in 1h59m (12:00Z)" / "expired".
fn expires(now: Timestamp, t: Timestamp) -> String {
    let clock = t
        .to_string()
        .get(11..16)
        .map(|h| format!(" ({h}Z)"))
        .unwrap_or_default();
    if t >= now {
        format!("in {}{clock}", now.until(t).human())
    } else {
        format!("expired {} ago{clock}", t.until(now).human())
    }
}

/// One claim's cells: id, agent, scope (with mode), expiry, note (with task).
fn claim_cells(c: &Claim, now: Timestamp) -> Vec<String> {
    let mode = if c.mode == Mode::Shared { " (shared)" } else { "" };
    let narrowed = if c.narrowed.is_empty() { "" } else { " (narrowed)" };
    let mut note = c.note.clone().unwrap_or_default();
    if let Some(t) = &c.task {
        note = if note.is_empty() {
            format!("task {t}")
        } else {
            format!("{note} (task {t})")
        };
    }
    // Under [trust], a claim whose signature does not vouch for its agent says so.
    let agent = match c.trust {
        Some(crate::model::Trust::Unsigned) => format!("{} (unsigned)", c.agent),
        Some(crate::model::Trust::Forged) => format!("{} (FORGED)", c.agent),
        _ => c.agent.to_string(),
    };
    vec![
        c.id.to_string(),
        agent,
        format!("{}{mode}{narrowed}", c.scope),
        expires(now, c.expires_at),
        note,
    ]
}

/// Claims as a table; with `me`, a first column marks that agent's own (`*`).
pub fn claims_table(claims: &[&Claim], now: Timestamp, me: Option<&str>) -> Vec<String> {
    let mut header = vec!["CLAIM", "AGENT", "SCOPE", "EXPIRES", "NOTE"];
    if me.is_some() {
        header.insert(0, "");
    }
    let rows = claims
        .iter()
        .map(|c| {
            let mut cells = claim_cells(c, now);
            if let Some(me) = me {
                cells.insert(
                    0,
                    if c.agent.as_str() == me {
                        "*".into()
                    } else {
                        String::new()
                    },
                );
            }
            cells
        })
        .collect();
    columns(&header, rows)
}

/// Who holds the conflicting claims, each named once.
pub fn holders(conflicts: &[ConflictReport]) -> String {
    let mut names: Vec<&str> = conflicts.iter().map(|c| c.claim.agent.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(", ")
}

/// The table of what is held by whom, then what overlaps for each.
pub fn conflicts(out: &mut Out, conflicts: &[ConflictReport], now: Timestamp) {
    let rows = conflicts
        .iter()
        .map(|c| {
            let mut cells = vec![c.requested.to_string()];
            cells.extend(claim_cells(&c.claim, now));
            cells
        })
        .collect();
    out.table(
        columns(&["YOU ASKED FOR", "HELD AS", "BY", "SCOPE", "EXPIRES", "NOTE"], rows)
            .into_iter()
            .map(|l| format!("  {l}"))
            .collect(),
    );
    for c in conflicts {
        if !c.symbols.is_empty() {
            out.line(format!("  {}: symbols {}", c.requested, c.symbols.join(", ")));
        }
        if !c.files.is_empty() {
            out.line(format!("  {}: files {}", c.requested, c.files.join(", ")));
        } else if let Some(w) = &c.witness {
            out.line(format!("  {}: no file yet; both would cover e.g. {w}", c.requested));
        } else if c.undecided {
            out.line(format!("  {}: the two patterns are too complex to compare exactly, so they count as overlapping; claim a simpler pattern", c.requested));
        }
    }
}

/// Render violations as the refusal table (shared by the hook and `verify`).
pub fn table(violations: &[crate::ops::enforce::Violation], now: crate::model::Timestamp) -> Vec<String> {
    let rows = violations
        .iter()
        .map(|v| {
            vec![
                v.file.clone(),
                v.symbol.clone().unwrap_or_else(|| "-".into()),
                v.claim.agent.to_string(),
                v.claim.id.to_string(),
                expires(now, v.claim.expires_at),
                v.commits.join(", "),
                v.claim.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    columns(
        &["FILE", "SYMBOL", "HOLDER", "CLAIM", "EXPIRES", "COMMITS", "NOTE"],
        rows,
    )
    .into_iter()
    .map(|l| format!("  {l}"))
    .collect()
}
