//! A generic call signature on its own line after a member with no `;` (`(a: string): void`
//! then `<T>(b: T): T` inside an interface or an object type) is a syntax error for
//! tree-sitter-typescript: it reads `void <T> (b…` as one comparison, and the error takes the
//! declarations around it down with it (a class further on lost, its methods listed at top
//! level). TypeScript ends the member at the line break. Before parsing, the blank just in
//! front of such a `<` becomes a `;`: one byte for one byte, so every range and line stays
//! where it was.
//!
//! Only a line whose first character after its indentation opens a type parameter list
//! (`<` names `>`, then `(`), under a line that ends a member (a name, `)`, `]`, `>`, `}` or
//! `?`, not `;`, `,`, `{`, `(`, an operator). In an expression the same shape is `a < T > (b)`,
//! where a `;` changes no declaration.

/// `text` with those members separated, or `None` when there are none.
pub(super) fn separate_signatures(text: &str) -> Option<String> {
    let mut at: Vec<(usize, usize)> = Vec::new();
    let mut line_start = 0;
    let mut prev_end: Option<u8> = None;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end();
        let indent = body.len() - body.trim_start().len();
        if indent > 0 && opens_type_parameters(&body.as_bytes()[indent..]) && prev_end.is_some_and(ends_member) {
            at.push((line_start + indent - 1, line_start + indent));
        }
        if let Some(last) = body.trim_start().bytes().last() {
            prev_end = Some(last);
        }
        line_start += line.len();
    }
    super::text::overwritten(text, &at, b';')
}

/// A member ends with a name, `)`, `]`, `>`, `}` or `?`.
fn ends_member(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b')' | b']' | b'>' | b'}' | b'?')
}

/// `<` names (with `extends`/`=` clauses, no nesting deeper than one `<…>`) `>`, then `(`.
fn opens_type_parameters(line: &[u8]) -> bool {
    if line.first() != Some(&b'<')
        || !line
            .get(1)
            .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'$'))
    {
        return false;
    }
    let mut depth = 0;
    for (i, &b) in line.iter().enumerate() {
        match b {
            b'<' => depth += 1,
            b'>' => {
                depth -= 1;
                if depth == 0 {
                    let rest = line[i + 1..].iter().find(|c| !c.is_ascii_whitespace());
                    return rest == Some(&b'(');
                }
            }
            b';' | b'{' | b'}' | b'(' | b')' => return false,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::separate_signatures;

    #[test]
    fn a_generic_call_signature_after_an_unended_member_is_separated_and_nothing_else_is() {
        let before =
            "interface F {\n  (a: string): void\n  <T>(b: T): T\n  <K extends keyof X, V = X[K]>(k: K): V\n}\n";
        let after = "interface F {\n  (a: string): void\n ;<T>(b: T): T\n ;<K extends keyof X, V = X[K]>(k: K): V\n}\n";
        assert_eq!(separate_signatures(before).as_deref(), Some(after));
        for same in [
            "interface F {\n  <T>(b: T): T\n}\n",
            "interface F {\n  a: string;\n  <T>(b: T): T\n}\n",
            "const x = f(\n  <T>(b: T) => b\n)\n",
            "const y = a +\n  <T>(b)\n",
            "<T>(b: T): T\n",
            "let z = a\n  < b\n",
        ] {
            assert_eq!(separate_signatures(same), None, "{same}");
        }
    }
}
