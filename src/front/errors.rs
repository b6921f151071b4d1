//! The one error renderer: `error: …`, then `caused by: …` lines, then `hint: …`, as text
//! (terminal, hooks, MCP) and as parts (JSON). Must not print or exit.

use crate::ops::Error;

/// An error as its parts: message, causes (outermost first), hint.
pub fn error_parts(e: &Error) -> (String, Vec<String>, Option<String>) {
    let mut causes = Vec::new();
    if let Some(d) = e.detail() {
        causes.push(d.to_owned());
    }
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let text = s.to_string();
        if !causes.contains(&text) && !e.to_string().ends_with(&text) {
            causes.push(text);
        }
        src = s.source();
    }
    (e.to_string(), causes, e.hint())
}

/// `error: …`, then `caused by: …` lines, then `hint: …`.
pub fn error_text(e: &Error) -> String {
    let (message, causes, hint) = error_parts(e);
    let mut text = format!("error: {message}\n");
    for c in &causes {
        text.push_str(&format!("caused by: {c}\n"));
    }
    if let Some(h) = &hint {
        text.push_str(&format!("hint: {h}\n"));
    }
    text
}
