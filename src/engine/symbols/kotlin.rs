//! tree-sitter-kotlin-ng (1.1, the newest) needs a line break or a `;` after the last member
//! of a body written on one line: `companion object { const val TAG = "x" }`, `class S { fun
//! a() {} }` and `enum class E { A, B }` are syntax errors, and the error can take the whole
//! class around them down (a class with such a companion object listed no symbol at all).
//! Kotlin allows a `;` there, so the blank just before such a `}` becomes one: one byte for
//! one byte, so every range and line stays where it was.
//!
//! Only code is changed: not comments (nested `/* */` included), strings, raw strings,
//! characters, nor the `${…}` templates inside strings. The caller keeps the mended parse
//! only when it reads further than the file as written.

use super::SymbolTree;

/// `tree`, read from `text` as written, or the reading of the mended text when `tree` has a
/// syntax error and the mended text reads further.
pub(super) fn read_further<E>(
    tree: SymbolTree,
    text: &str,
    read: impl Fn(&str) -> Result<SymbolTree, E>,
) -> Result<SymbolTree, E> {
    let Some(error) = tree.error_line else {
        return Ok(tree);
    };
    let Some(mended) = end_members(text) else {
        return Ok(tree);
    };
    let again = read(&mended)?;
    Ok(match again.error_line.is_none_or(|l| l > error) {
        true => again,
        false => tree,
    })
}

/// `text` with the blank before each such `}` turned into `;`, or `None` when there is none.
pub(super) fn end_members(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut at: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    // Brace depths of the `${…}` templates we are in (innermost last): code in them is an
    // expression, where a `;` does not belong.
    let mut templates: Vec<usize> = Vec::new();
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = line_end(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = block_comment_end(bytes, i),
            b'"' => {
                let (end, template) = string_end(bytes, i);
                i = end;
                if template {
                    templates.push(1);
                }
                continue;
            }
            b'\'' => i = char_end(bytes, i),
            b'{' => {
                if let Some(d) = templates.last_mut() {
                    *d += 1;
                }
                i += 1;
            }
            b'}' => {
                match templates.last_mut() {
                    Some(d) => {
                        *d -= 1;
                        if *d == 0 {
                            templates.pop();
                            // Back in the string the template is in.
                            let (end, template) = string_rest(bytes, i + 1);
                            i = end;
                            if template {
                                templates.push(1);
                            }
                            continue;
                        }
                    }
                    None if ends_a_member(bytes, i) => at.push((i - 1, i)),
                    None => {}
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    super::text::overwritten(text, &at, b';')
}

/// A blank before the `}` at `i`, and before that on the same line something that is not a
/// `{` or a `;` (a member, an enum entry, a statement).
fn ends_a_member(bytes: &[u8], i: usize) -> bool {
    if i == 0 || !matches!(bytes[i - 1], b' ' | b'\t') {
        return false;
    }
    let before = bytes[..i].iter().rposition(|b| !matches!(b, b' ' | b'\t'));
    before.is_some_and(|p| !matches!(bytes[p], b'{' | b';' | b'\n' | b'\r'))
}

fn line_end(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| i + p)
}

/// Past a block comment opening at `i` (Kotlin's nest).
fn block_comment_end(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if bytes[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// Past a character literal opening at `i`.
fn char_end(bytes: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < bytes.len() && bytes[i] != b'\'' && bytes[i] != b'\n' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    (i + 1).min(bytes.len())
}

/// A string opening at `i` (`"…"` or `"""…"""`): where its text stops, and whether it stops
/// at a `${` (then the template's code follows) rather than at its end.
fn string_end(bytes: &[u8], i: usize) -> (usize, bool) {
    if bytes[i..].starts_with(b"\"\"\"") {
        // Raw strings: no escapes; their templates are left unread (`}` in them is text here).
        let rest = &bytes[i + 3..];
        let end = rest
            .windows(3)
            .position(|w| w == b"\"\"\"")
            .map_or(bytes.len(), |p| i + 3 + p + 3);
        return (end, false);
    }
    string_rest(bytes, i + 1)
}

/// Inside a `"…"` string from `i`: past its closing quote, or past a `${` (then `true`).
fn string_rest(bytes: &[u8], mut i: usize) -> (usize, bool) {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' | b'\n' => return (i + 1, false),
            b'$' if bytes.get(i + 1) == Some(&b'{') => return (i + 2, true),
            _ => i += 1,
        }
    }
    (bytes.len(), false)
}

#[cfg(test)]
mod tests {
    use super::end_members;

    #[test]
    fn the_blank_before_a_one_line_bodys_closing_brace_becomes_a_semicolon_in_code_only() {
        for (before, after) in [
            ("class S { fun a() {} }", "class S { fun a() {};}"),
            (
                "class S {\n    companion object { const val TAG = \"x\" }\n}\n",
                "class S {\n    companion object { const val TAG = \"x\";}\n}\n",
            ),
            ("enum class E { A, B }", "enum class E { A, B;}"),
            (
                "val s = \"${m[\"k\"] } }\" ; object O { val x = 1 }",
                "val s = \"${m[\"k\"] } }\" ; object O { val x = 1;}",
            ),
        ] {
            assert_eq!(end_members(before).as_deref(), Some(after), "{before}");
        }
        for same in [
            "class S {\n    fun a() {}\n}\n",
            "class S { }",
            "class S {fun a() {}}",
            "class S { fun a() {}; }",
            "// class S { fun a() {} }\n",
            "/* /* nested */ class S { val x = 1 } */\n",
            "val s = \"{ a }\"\n",
            "val r = \"\"\"{ a } ${ b }\"\"\"\n",
            "val c = '}'\n",
        ] {
            assert_eq!(end_members(same), None, "{same}");
        }
    }
}
