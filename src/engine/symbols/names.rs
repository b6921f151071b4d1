//! Names and ranges of declarations: what a name node's text means as a symbol path, where
//! a declaration really starts (its doc comments and decorators), and whether it is a local.

/// Node kinds whose body makes a declaration a local, per grammar.
const FUNCTION_LIKE: &[&str] = &[
    "arrow_function",
    "function_expression",
    "function",
    "generator_function",
    "function_declaration",
    "generator_function_declaration",
    "method_definition",
    "function_definition",
    "func_literal",
    "method_declaration",
    "lambda",
    "lambda_expression",
    "lambda_literal",
    "anonymous_function",
    "anonymous_method_expression",
    "closure_expression",
    "function_item",
    "do_block",
];

/// Is `node` inside a function body?
pub(super) fn is_local(node: tree_sitter::Node) -> bool {
    let mut n = node.parent();
    while let Some(p) = n {
        if FUNCTION_LIKE.contains(&p.kind()) {
            return true;
        }
        n = p.parent();
    }
    false
}

/// Statements that carry one declaration: its range starts where they start.
fn wraps(parent: tree_sitter::Node) -> bool {
    match parent.kind() {
        "export_statement"
        | "decorated_definition"
        | "expression_statement"
        | "ambient_declaration"
        | "template_declaration" => true,
        "lexical_declaration" | "variable_declaration" | "type_declaration" => parent.named_child_count() == 1,
        _ => false,
    }
}

/// Where a declaration really starts: at the statement that carries it (`export`, `const`,
/// a decorated definition, an assignment statement), and at the doc comments and decorators
/// right above it — each on its own line(s), with no blank line between.
pub(super) fn leading_start(node: tree_sitter::Node, text: &str) -> usize {
    let mut n = node;
    while let Some(p) = n.parent().filter(|p| wraps(*p)) {
        n = p;
    }
    let mut start = n.start_byte();
    let mut prev = n.prev_named_sibling();
    while let Some(p) = prev {
        if !matches!(
            p.kind(),
            "comment" | "decorator" | "line_comment" | "block_comment" | "attribute_item"
        ) {
            break;
        }
        let gap = &text[p.end_byte()..start];
        let own_line = text[..p.start_byte()]
            .rsplit('\n')
            .next()
            .is_some_and(|l| l.trim().is_empty());
        if !gap.trim().is_empty() || gap.matches('\n').count() > 1 || !own_line {
            break;
        }
        start = p.start_byte();
        prev = p.prev_named_sibling();
    }
    start.min(node.start_byte())
}

/// The name an assignment gives: `X.prototype.m` → `X::m`, `module.exports.f` and
/// `exports.f` → `f`, `module.exports` → `default`.
pub(super) fn assigned_name(raw: &str) -> String {
    let mut parts: Vec<&str> = raw.split('.').map(str::trim).filter(|p| *p != "prototype").collect();
    if parts.starts_with(&["module", "exports"]) {
        parts.drain(..2);
    } else if parts.first() == Some(&"exports") {
        parts.remove(0);
    }
    match parts.is_empty() {
        true => "default".into(),
        false => parts.join("::"),
    }
}

/// `"quoted-name"` → `quoted-name`; `A.B` → `A::B`; computed names stay as written.
pub(super) fn clean_name(raw: &str) -> String {
    let t = raw.trim();
    if t.starts_with('[') {
        return t.to_owned();
    }
    if let Some(q) = t.strip_prefix(['"', '\'', '`']) {
        return q.trim_end_matches(['"', '\'', '`']).to_owned();
    }
    t.split('.').map(str::trim).collect::<Vec<_>>().join("::")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("A.B"), "A::B");
        assert_eq!(clean_name("'quoted'"), "quoted");
        assert_eq!(clean_name("[Symbol.iterator]"), "[Symbol.iterator]");
        assert_eq!(assigned_name("Widget.prototype.render"), "Widget::render");
        assert_eq!(assigned_name("module.exports.make"), "make");
        assert_eq!(assigned_name("exports.v"), "v");
        assert_eq!(assigned_name("module.exports"), "default");
    }
}
