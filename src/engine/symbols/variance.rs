//! TypeScript's variance annotations (`interface Schema<out O, in I>`, TypeScript 4.7) are
//! not in the newest tree-sitter-typescript grammar: each one is a syntax error that takes
//! the declaration around it down with it (zod's core schemas use them throughout). The
//! modifiers say nothing about which symbols a file declares, so before parsing they are
//! overwritten with spaces: every byte and line stays where it was, and so does every range.
//!
//! Only where the language allows them: the type parameter list right after the name in
//! `interface Name<…>`, `class Name<…>` and `type Name<…>`, at the start of a parameter
//! (after an optional `const`), `in`, `out` or `in out`, followed by the parameter's name.
//! A parameter *named* `out` (`<out>`, `<out extends X>`, `<out = X>`) is left as it is; in
//! `<in out>` only the `in` is blanked (a parameter named `out`).

/// `text` with the variance modifiers blanked, or `None` when it has none.
pub(super) fn blank_variance(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut blanks: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(at) = next_declaration(bytes, i) {
        i = at.max(i + 1);
        if let Some(open) = list_after_name(bytes, at) {
            modifiers_in_list(bytes, open, &mut blanks);
        }
    }
    super::text::overwritten(text, &blanks, b' ')
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The offset just past the next `interface`, `class` or `type` keyword at or after `from`
/// (a whole word followed by whitespace).
fn next_declaration(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        let word_start = i == 0 || !is_ident(bytes[i - 1]);
        if word_start {
            for kw in [&b"interface"[..], b"class", b"type"] {
                let end = i + kw.len();
                if bytes[i..].starts_with(kw) && bytes.get(end).is_some_and(u8::is_ascii_whitespace) {
                    return Some(end);
                }
            }
        }
        i += 1;
    }
    None
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// Past a comment starting at `i` (`//` to the line's end, `/* … */`), else `i`.
fn skip_comment(bytes: &[u8], i: usize) -> usize {
    let rest = &bytes[i.min(bytes.len())..];
    if rest.starts_with(b"//") {
        return rest.iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| i + p);
    }
    if rest.starts_with(b"/*") {
        return rest
            .windows(2)
            .skip(2)
            .position(|w| w == b"*/")
            .map_or(bytes.len(), |p| i + p + 4);
    }
    i
}

/// Past whitespace and comments.
fn skip_trivia(bytes: &[u8], mut i: usize) -> usize {
    loop {
        let next = skip_comment(bytes, skip_space(bytes, i));
        if next == i {
            return i;
        }
        i = next;
    }
}

/// The word starting at `i` (identifier bytes), as a range.
fn word(bytes: &[u8], i: usize) -> (usize, usize) {
    let mut end = i;
    while bytes.get(end).copied().is_some_and(is_ident) {
        end += 1;
    }
    (i, end)
}

/// After a keyword ending at `at`: a name and then `<`: the offset of the `<`.
fn list_after_name(bytes: &[u8], at: usize) -> Option<usize> {
    let (a, b) = word(bytes, skip_space(bytes, at));
    if a == b || bytes[a].is_ascii_digit() {
        return None;
    }
    let open = skip_space(bytes, b);
    (bytes.get(open) == Some(&b'<')).then_some(open)
}

/// Walk the type parameter list opening at `open` and note the modifiers that start its
/// parameters. Brackets of every kind nest (a `{` opens an object type); `=>` is not a
/// closing `>`. Gives up at a `;` at the list's own level, or past 4 KB (not a parameter
/// list after all).
fn modifiers_in_list(bytes: &[u8], open: usize, blanks: &mut Vec<(usize, usize)>) {
    let mut depth = 0usize;
    let mut i = open;
    let limit = (open + 4096).min(bytes.len());
    while i < limit {
        let past = skip_comment(bytes, i);
        if past != i {
            i = past;
            continue;
        }
        match bytes[i] {
            b'<' | b'(' | b'[' | b'{' => {
                depth += 1;
                if depth == 1 {
                    parameter_start(bytes, i + 1, blanks);
                }
            }
            b'>' if i > 0 && bytes[i - 1] == b'=' => {}
            b'>' | b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return;
                }
            }
            b',' if depth == 1 => parameter_start(bytes, i + 1, blanks),
            b';' if depth == 1 => return,
            _ => {}
        }
        i += 1;
    }
}

/// At the start of one parameter: `[const] in|out|in out Name` blanks the modifiers.
fn parameter_start(bytes: &[u8], from: usize, blanks: &mut Vec<(usize, usize)>) {
    let mut i = skip_trivia(bytes, from);
    let (a, b) = word(bytes, i);
    if &bytes[a..b] == b"const" {
        i = skip_trivia(bytes, b);
    }
    let mut found = Vec::new();
    for kw in [&b"in"[..], b"out"] {
        let (a, b) = word(bytes, i);
        if &bytes[a..b] != kw {
            continue;
        }
        let next = skip_trivia(bytes, b);
        // `in out>`: `out` is the parameter's name, `in` its modifier.
        if next == b {
            break;
        }
        let (n0, n1) = word(bytes, next);
        // The parameter's name must follow (`in out T`: `out` is then checked in turn).
        if n0 == n1 || bytes[n0].is_ascii_digit() || &bytes[n0..n1] == b"extends" {
            break;
        }
        found.push((a, b));
        i = next;
    }
    blanks.extend(found);
}

#[cfg(test)]
mod tests {
    use super::blank_variance;

    #[test]
    fn modifiers_are_blanked_where_typescript_allows_them_and_only_there() {
        for (before, after) in [
            ("interface A<out O, in I> {}", "interface A<    O,    I> {}"),
            (
                "export interface A<in out T = unknown> {}",
                "export interface A<       T = unknown> {}",
            ),
            ("class C<const in T> {}", "class C<const    T> {}"),
            ("type F<out T> = () => T;", "type F<    T> = () => T;"),
            ("interface A<in out> {}", "interface A<   out> {}"),
            ("interface A<in out, out in> {}", "interface A<   out,     in> {}"),
            (
                "interface O<\n  /** @ts-ignore Cast variance */\n  out S extends Shape = Loose, // <x>\n  out C = Strip,\n> {}",
                "interface O<\n  /** @ts-ignore Cast variance */\n      S extends Shape = Loose, // <x>\n      C = Strip,\n> {}",
            ),
            (
                "interface Z<out O = unknown, in I = (x: O) => void, out X extends Y<in> = Y> {}",
                "interface Z<    O = unknown,    I = (x: O) => void,     X extends Y<in> = Y> {}",
            ),
        ] {
            assert_eq!(blank_variance(before).as_deref(), Some(after), "{before}");
        }
        for same in [
            "interface A<T> {}",
            "interface A<out> {}",
            "interface A<out extends B> {}",
            "interface A<out = B> {}",
            "function f<T>(x: T) { for (const k in x) {} }",
            "const type = 1; if (a < out && b > c) {}",
            "let klass = class<T> {}",
        ] {
            assert_eq!(blank_variance(same), None, "{same}");
        }
    }
}
