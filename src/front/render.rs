//! Shared rendering: the output sink (human or JSON, broken pipes exit quietly), the error
//! renderer, and the few formats several commands print (a claim line, a conflict table).

use std::io::Write;

use serde::Serialize;

use crate::model::{Claim, Mode, Timestamp};
use crate::ops::report::ConflictReport;
use crate::ops::Error;

/// Where a command's report goes.
pub struct Out {
    pub json: bool,
    stdout: std::io::Stdout,
}

impl Out {
    pub fn new(json: bool) -> Out {
        Out {
            json,
            stdout: std::io::stdout(),
        }
    }

    /// Print one line of human output (control characters escaped: much of what is shown
    /// was written by other agents).
    pub fn line(&mut self, text: impl AsRef<str>) {
        let mut lock = self.stdout.lock();
        if let Err(e) = writeln!(lock, "{}", printable(text.as_ref())) {
            quiet_on_broken_pipe(e);
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

/// One line describing a claim.
pub fn claim_line(c: &Claim, now: Timestamp) -> String {
    let mode = if c.mode == Mode::Shared { " (shared)" } else { "" };
    let note = c.note.as_ref().map(|n| format!("  \"{n}\"")).unwrap_or_default();
    let task = c.task.as_ref().map(|t| format!("  task {t}")).unwrap_or_default();
    format!(
        "{}  {:<20} {}{mode}  expires {} ({}){task}{note}",
        c.id,
        c.agent.as_str(),
        c.scope,
        relative(now, c.expires_at),
        c.expires_at
    )
}

/// The table of what is held by whom.
pub fn conflicts(out: &mut Out, conflicts: &[ConflictReport], now: Timestamp) {
    for c in conflicts {
        out.line(format!("  {} is held by {}", c.requested, c.claim.agent));
        out.line(format!("    {}", claim_line(&c.claim, now)));
        if !c.symbols.is_empty() {
            out.line(format!("    symbols: {}", c.symbols.join(", ")));
        }
        if !c.files.is_empty() {
            out.line(format!("    files:   {}", c.files.join(", ")));
        } else if let Some(w) = &c.witness {
            out.line(format!("    no file yet; both would cover e.g. {w}"));
        } else if c.undecided {
            out.line("    the two patterns are too complex to compare exactly, so they count as overlapping; claim a simpler pattern");
        }
    }
}

/// Render violations as the refusal table (shared by the hook and `verify`).
pub fn table(violations: &[crate::ops::enforce::Violation], now: crate::model::Timestamp) -> Vec<String> {
    let mut lines = vec![format!(
        "  {:<34} {:<28} {:<16} {:<11} {:<22} {}",
        "FILE", "SYMBOL", "HOLDER", "CLAIM", "EXPIRES", "NOTE"
    )];
    for v in violations {
        let exp = if v.claim.expires_at >= now {
            format!("in {}", now.until(v.claim.expires_at).human())
        } else {
            "expired".into()
        };
        lines.push(format!(
            "  {:<34} {:<28} {:<16} {:<11} {:<22} {}",
            v.file,
            v.symbol.as_deref().unwrap_or("-"),
            v.claim.agent.as_str(),
            v.claim.id.as_str(),
            format!("{exp} ({})", &v.claim.expires_at.to_string()[11..16]),
            v.claim.note.as_deref().unwrap_or("")
        ));
        lines.push(format!("  {:<34} in commit(s) {}", "", v.commits.join(", ")));
    }
    lines
}
