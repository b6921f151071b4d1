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

/// `arg` as one POSIX shell word: as it is when it holds only characters no shell treats
/// specially, else in single quotes (a command printed for people to paste must run as
/// shown: `claim 'src/auth/**' --note 'rewriting the auth flow'`).
pub fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:@%+=,-".contains(c));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod shell_tests {
    #[test]
    fn printed_commands_paste_as_shown() {
        use super::shell_quote as q;
        assert_eq!(q("src/auth/login.ts"), "src/auth/login.ts");
        assert_eq!(q("src/auth/**"), "'src/auth/**'");
        assert_eq!(q("rewriting the auth flow"), "'rewriting the auth flow'");
        assert_eq!(q("it's"), r"'it'\''s'");
        assert_eq!(q(""), "''");
        assert_eq!(q("db:schema:users"), "db:schema:users");
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
