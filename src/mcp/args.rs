//! Reading a tool call's arguments, and shaping short answers (an agent pays for every
//! byte).

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

/// At most 10 items, then how many more: an agent pays for every byte.
pub(super) fn capped(items: Vec<String>, sep: &str) -> String {
    let n = items.len();
    let mut shown: Vec<String> = items.into_iter().take(10).collect();
    if n > 10 {
        shown.push(format!("… and {} more (verbose: true lists all)", n - 10));
    }
    shown.join(sep)
}

pub(super) fn short(text: &str) -> String {
    if text.chars().count() <= 120 {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(119).collect::<String>())
    }
}

pub(super) fn full<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("because reports serialise")
}

/// One claim, as an answer line.
pub(super) fn claim_line(c: &crate::model::Claim) -> String {
    format!("{} {} until {}", c.id, c.scope, c.expires_at)
}
