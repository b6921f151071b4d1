//! Plain-text helpers: marker-delimited blocks in files that belong to the user (hooks,
//! AGENTS.md, config files), and text made safe to show (what other agents wrote).

/// `text` without the lines from `begin` to `end` (inclusive), and whether there was one.
pub fn remove_block(text: &str, begin: &str, end: &str) -> (String, bool) {
    let mut out = String::new();
    let mut inside = false;
    let mut found = false;
    for line in text.lines() {
        if line.trim() == begin {
            inside = true;
            found = true;
            continue;
        }
        if line.trim() == end {
            inside = false;
            continue;
        }
        if !inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    (out, found)
}

/// Text safe to put in front of a person or an agent's terminal: every control character
/// but newline and tab, and the bidirectional overrides that make text read differently than
/// it is, shown escaped (`\u{1b}`), so another agent's note, title or scope can never drive
/// the reader's terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_the_block() {
        let (rest, found) = remove_block("a\n# >>\nours\n# <<\nb\n", "# >>", "# <<");
        assert!(found);
        assert_eq!(rest, "a\nb\n");
        assert_eq!(remove_block("a\n", "# >>", "# <<"), ("a\n".to_owned(), false));
    }
}

/// How much text one operation may carry: the board stays small to read and every commit
/// subject stays one short line. Over a limit is a usage error naming the field.
pub mod limits {
    /// Scopes in one claim or check.
    pub const SCOPES: usize = 100;
    /// A claim's note, a rejection or cancellation reason.
    pub const NOTE: usize = 1000;
    /// A handoff's summary, a task's title (one line).
    pub const SUMMARY: usize = 200;
    /// A task's body.
    pub const BODY: usize = 20_000;
    /// A handoff's notes (Markdown).
    pub const NOTES: usize = 65_536;

    /// `Err(message)` when `text` is longer than `max` characters.
    pub fn check(field: &str, text: &str, max: usize) -> Result<(), String> {
        let n = text.chars().count();
        if n > max {
            Err(format!("{field} is {n} characters long; at most {max} are taken"))
        } else {
            Ok(())
        }
    }
}
