//! Names and ranges of declarations: what a name node's text means as a symbol path, where
//! a declaration really starts (its doc comments and decorators), and whether it is a local.

use tree_sitter::Node;

use super::Up;

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
pub(super) fn is_local<'t>(node: Node<'t>, up: Up<'_, 't>) -> bool {
    let mut n = up(node);
    while let Some(p) = n {
        if FUNCTION_LIKE.contains(&p.kind()) {
            return true;
        }
        n = up(p);
    }
    false
}

/// Does a captured `@value` make its declaration a symbol? A call must take a function or an
/// object literal (directly, or through one more call: `memo(forwardRef(…))`); an `as` or
/// `satisfies` expression must wrap an object literal; anything else the query chose.
pub(super) fn value_counts(v: tree_sitter::Node) -> bool {
    match v.kind() {
        "call_expression" => takes_callable(v, 2),
        "as_expression" | "satisfies_expression" => v.named_child(0).is_some_and(|c| c.kind() == "object"),
        _ => true,
    }
}

fn takes_callable(call: tree_sitter::Node, depth: u8) -> bool {
    let Some(args) = call.child_by_field_name("arguments") else {
        return false;
    };
    let mut c = args.walk();
    let found = args.named_children(&mut c).any(|a| {
        matches!(
            a.kind(),
            "arrow_function" | "function_expression" | "function" | "generator_function" | "object"
        ) || (depth > 1 && a.kind() == "call_expression" && takes_callable(a, depth - 1))
    });
    found
}

/// Is this node a statement of the program itself (not inside any block)?
pub(super) fn top_level<'t>(node: Node<'t>, up: Up<'_, 't>) -> bool {
    up(node).is_some_and(|p| p.kind() == "expression_statement" && up(p).is_some_and(|g| g.kind() == "program"))
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

/// Nodes that belong to the declaration below them.
const LEADING: &[&str] = &[
    "comment",
    "decorator",
    "line_comment",
    "block_comment",
    "attribute_item",
];

/// Where a declaration really starts: at the statement that carries it (`export`, `const`,
/// a decorated definition, an assignment statement), and at the doc comments and decorators
/// right above it — each on its own line(s), with no blank line between. Each step looks at
/// the node that ends just before (a walk down from the root: O(depth), never O(siblings)).
pub(super) fn leading_start<'t>(node: Node<'t>, root: Node<'t>, text: &str, up: Up<'_, 't>) -> usize {
    let mut n = node;
    while let Some(p) = up(n).filter(|p| wraps(*p)) {
        n = p;
    }
    let mut start = n.start_byte();
    loop {
        let end = text[..start].trim_end().len();
        if end == 0 || text[end..start].matches('\n').count() > 1 {
            break;
        }
        let Some(above) = ending_at(root, end, start) else {
            break;
        };
        let own_line = text[..above.start_byte()]
            .rsplit('\n')
            .next()
            .is_some_and(|l| l.trim().is_empty());
        if !own_line {
            break;
        }
        start = above.start_byte();
    }
    start.min(node.start_byte())
}

/// The comment, decorator or attribute whose text ends at byte `end` (its node may take the
/// whitespace after it, up to `limit`: Rust's line comments end after their newline): the
/// outermost such node among those holding byte `end - 1` that end in `end..=limit`, found
/// walking down from the root (ends only shrink on the way down).
fn ending_at<'t>(root: Node<'t>, end: usize, limit: usize) -> Option<Node<'t>> {
    let mut cursor = root.walk();
    loop {
        let n = cursor.node();
        if (end..=limit).contains(&n.end_byte()) && LEADING.contains(&n.kind()) {
            return Some(n);
        }
        cursor.goto_first_child_for_byte(end - 1)?;
    }
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
