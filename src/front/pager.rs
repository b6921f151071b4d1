//! Colour and paging, decided like git decides them. Colour: never with `NO_COLOR`; always
//! with `CLICOLOR_FORCE` (not `0`) or `color.ui = always`; never with `color.ui = never` /
//! `false`; otherwise only on a terminal. Paging (long lists on a terminal, or `-p`):
//! `GIT_PAGER` > `core.pager` > `PAGER` > `less`, with `LESS=FRX` unless set; `cat` or an
//! empty value means no pager.

use std::io::IsTerminal;
use std::process::{Child, Command, Stdio};

/// What the terminal gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    /// Column headers.
    Header,
    /// Yours, free, granted.
    Good,
    /// Held by others, refused.
    Bad,
    /// Expired, pending, warnings.
    Warn,
}

impl Style {
    pub fn wrap(self, text: &str) -> String {
        let code = match self {
            Style::Plain => return text.to_owned(),
            Style::Header => "1",
            Style::Good => "32",
            Style::Bad => "31",
            Style::Warn => "33",
        };
        format!("\x1b[{code}m{text}\x1b[m")
    }
}

/// Whether to colour stdout, given git's `color.ui` (if set).
pub fn color_wanted(color_ui: Option<&str>) -> bool {
    let env = |k: &str| std::env::var(k).ok();
    if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if env("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    match color_ui.map(str::to_ascii_lowercase).as_deref() {
        Some("always") => true,
        Some("never") | Some("false") => false,
        _ => std::io::stdout().is_terminal() && env("TERM").as_deref() != Some("dumb"),
    }
}

/// The pager command, if one should run: `forced` by `-p`, else only on a terminal.
pub fn pager_command(forced: bool, core_pager: Option<String>) -> Option<String> {
    if !forced && !std::io::stdout().is_terminal() {
        return None;
    }
    let env = |k: &str| std::env::var(k).ok();
    let cmd = env("GIT_PAGER")
        .or(core_pager)
        .or_else(|| env("PAGER"))
        .unwrap_or_else(|| "less".into());
    let cmd = cmd.trim().to_owned();
    (!cmd.is_empty() && cmd != "cat").then_some(cmd)
}

/// Start the pager; its standard input takes our output.
pub fn start(cmd: &str) -> Option<Child> {
    let mut c = Command::new("sh");
    c.arg("-c").arg(cmd).stdin(Stdio::piped());
    if std::env::var_os("LESS").is_none() {
        c.env("LESS", "FRX");
    }
    if std::env::var_os("LV").is_none() {
        c.env("LV", "-c");
    }
    c.spawn().ok()
}
