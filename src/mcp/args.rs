//! Reading a tool call's arguments into the values ops takes. Must not call ops or shape
//! answers.

use serde_json::Value;

use crate::model::Span;
use crate::ops::Error;

pub(super) fn s(args: &Value, key: &str) -> Option<String> {
    args.get(key).and_then(Value::as_str).map(str::to_owned)
}

pub(super) fn list(args: &Value, key: &str) -> Vec<String> {
    args.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

pub(super) fn flag(args: &Value, key: &str) -> bool {
    args.get(key).and_then(Value::as_bool).unwrap_or(false)
}

pub(super) fn span(args: &Value, key: &str) -> Result<Option<Span>, Error> {
    s(args, key)
        .map(|t| Span::parse(&t).map_err(|e| Error::usage(format!("{key}: {e}"), None)))
        .transpose()
}
