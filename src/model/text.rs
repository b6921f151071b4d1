//! Plain-text helpers shared by the installers: marker-delimited blocks in files that
//! belong to the user (hooks, AGENTS.md, config files).

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
