//! JSON Schemas generated from the tools' Rust types (schemars), and the check of a value
//! against them: a call's arguments before they are read (a missing required field, a wrong
//! type, an unknown field or a value outside an enum is an invalid-params error naming the
//! field), and, in debug builds, every answer against its tool's output schema.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The schema of an argument type, as `tools/list` shows it.
pub fn schema<T: JsonSchema>() -> Value {
    plain(schemars::schema_for!(T))
}

/// The schema of an answer as it is written (fields skipped when empty are optional).
pub fn output_schema<T: JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::default()
        .for_serialize()
        .into_generator();
    plain(generator.into_root_schema_for::<T>())
}

/// A generated schema as tools/list shows it: without the `$schema` and `title` keys.
fn plain(schema: schemars::Schema) -> Value {
    let mut v = serde_json::to_value(schema).expect("because schemas serialise");
    if let Some(o) = v.as_object_mut() {
        o.remove("$schema");
        o.remove("title");
    }
    v
}

/// Check `args` against `T`'s schema, then read it.
pub fn parse<T: DeserializeOwned + JsonSchema>(args: &Value) -> Result<T, String> {
    let schema = schema::<T>();
    check(&schema, &schema, args, "")?;
    serde_json::from_value(args.clone()).map_err(|e| format!("invalid arguments: {e}"))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn named(path: &str) -> String {
    if path.is_empty() {
        "the arguments".into()
    } else {
        format!("`{path}`")
    }
}

/// Whether an answer fits its tool's output schema (checked on every answer in debug
/// builds, so the tests hold the generated contract to what the server really sends).
pub fn conforms(schema: &Value, v: &Value) -> Result<(), String> {
    check(schema, schema, v, "")
}

/// Validate `v` at `path` against `schema` (the subset of JSON Schema schemars writes).
fn check(root: &Value, schema: &Value, v: &Value, path: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let target = r
            .strip_prefix("#/")
            .map(|p| format!("/{p}"))
            .and_then(|p| root.pointer(&p));
        return check(root, target.unwrap_or(&Value::Bool(true)), v, path);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alts) = schema[key].as_array() {
            let errors: Vec<String> = alts.iter().filter_map(|s| check(root, s, v, path).err()).collect();
            if errors.len() == alts.len() {
                return Err(errors
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| format!("{} is not valid", named(path))));
            }
        }
    }
    let want: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let got = kind(v);
    if !want.is_empty() && !want.iter().any(|w| *w == got || (*w == "number" && got == "integer")) {
        return Err(format!("{} must be {}, not {got}", named(path), want.join(" or ")));
    }
    if let Some(options) = schema["enum"].as_array() {
        if !options.contains(v) {
            let list: Vec<String> = options
                .iter()
                .map(|o| o.as_str().map_or(o.to_string(), str::to_owned))
                .collect();
            return Err(format!("{} must be one of {} (got {v})", named(path), list.join(", ")));
        }
    }
    match v {
        Value::Object(fields) => check_object(root, schema, fields, path),
        Value::Array(items) => check_array(root, schema, items, path),
        Value::String(s) => check_string(schema, s, path),
        Value::Number(x) => check_number(schema, x, path),
        _ => Ok(()),
    }
}

fn check_object(
    root: &Value,
    schema: &Value,
    fields: &serde_json::Map<String, Value>,
    path: &str,
) -> Result<(), String> {
    let props = schema["properties"].as_object();
    for req in schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !fields.contains_key(req) {
            return Err(format!("missing required field `{}`", join(path, req)));
        }
    }
    for (k, val) in fields {
        match props.and_then(|p| p.get(k)) {
            Some(s) => check(root, s, val, &join(path, k))?,
            None if schema["additionalProperties"] == Value::Bool(false) => {
                let known: Vec<&str> = props
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                return Err(format!(
                    "unknown field `{}` (known: {})",
                    join(path, k),
                    known.join(", ")
                ));
            }
            None => {}
        }
    }
    Ok(())
}

fn check_array(root: &Value, schema: &Value, items: &[Value], path: &str) -> Result<(), String> {
    let n = items.len() as u64;
    if let Some(min) = schema["minItems"].as_u64().filter(|m| n < *m) {
        return Err(format!("{} needs at least {min} item(s)", named(path)));
    }
    if let Some(max) = schema["maxItems"].as_u64().filter(|m| n > *m) {
        return Err(format!(
            "{} takes at most {max} items (got {n}); split the call",
            named(path)
        ));
    }
    for (i, item) in items.iter().enumerate() {
        check(root, &schema["items"], item, &format!("{path}[{i}]"))?;
    }
    Ok(())
}

fn check_string(schema: &Value, s: &str, path: &str) -> Result<(), String> {
    let n = s.chars().count() as u64;
    if let Some(max) = schema["maxLength"].as_u64().filter(|m| n > *m) {
        return Err(format!(
            "{} is {n} characters long; at most {max} are taken",
            named(path)
        ));
    }
    if let Some(min) = schema["minLength"].as_u64().filter(|m| n < *m) {
        return Err(format!("{} must have at least {min} character(s)", named(path)));
    }
    Ok(())
}

fn check_number(schema: &Value, x: &serde_json::Number, path: &str) -> Result<(), String> {
    let Some(x) = x.as_f64() else { return Ok(()) };
    if let Some(min) = schema["minimum"].as_f64().filter(|m| x < *m) {
        return Err(format!("{} must be at least {min}", named(path)));
    }
    if let Some(max) = schema["maximum"].as_f64().filter(|m| x > *m) {
        return Err(format!("{} must be at most {max}", named(path)));
    }
    Ok(())
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::args::{ClaimArgs, LogArgs};
    use crate::model::Urgency;
    use serde_json::json;

    #[test]
    fn arguments_are_checked_against_their_generated_schema_and_errors_name_the_field() {
        let err = |v: Value| parse::<ClaimArgs>(&v).err().unwrap();
        assert_eq!(err(json!({})), "missing required field `scopes`");
        assert_eq!(err(json!({"scopes": "a"})), "`scopes` must be array, not string");
        assert_eq!(err(json!({"scopes": [1]})), "`scopes[0]` must be string, not integer");
        assert!(err(json!({"scopes": ["a"], "scope": 1})).starts_with("unknown field `scope` (known: "));
        let e = err(json!({"scopes": ["a"], "urgency": "urgent"}));
        assert!(e.contains("`urgency`") && e.contains("blocking"), "{e}");
        assert_eq!(
            err(json!({"scopes": ["a"], "shared": "yes"})),
            "`shared` must be boolean, not string"
        );
        assert!(err(json!({"scopes": vec!["a"; 101]})).contains("at most 100"));
        assert!(err(json!({"scopes": ["a"], "note": "x".repeat(1001)})).contains("at most 1000"));
        let ok = parse::<ClaimArgs>(&json!({"scopes": ["a"], "urgency": "high", "note": null})).unwrap();
        assert_eq!(
            (ok.scopes.len(), ok.urgency, ok.shared),
            (1, Some(Urgency::High), false)
        );
        assert!(parse::<LogArgs>(&json!({"limit": 0}))
            .unwrap_err()
            .contains("`limit` must be at least 1"));
        let s = schema::<ClaimArgs>();
        assert_eq!(s["additionalProperties"], false);
        assert_eq!(s["required"], json!(["scopes"]));
    }
}
