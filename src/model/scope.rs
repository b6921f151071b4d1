//! Scopes: what a claim covers — a file glob, one symbol in a file, or a logical key.
//!
//! Parsing and normalisation live here; deciding overlap of globs needs automata and lives in
//! the engine. Nothing here touches the file system: a directory named without a trailing
//! `/` is recognised later, against the tracked files.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The namespaces every repository knows; `.coord.toml` may add more.
pub const BUILTIN_NAMESPACES: &[&str] = &["api", "db", "event", "flag", "env", "contract", "feature"];

/// What a claim covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// A normalised glob relative to the repository root (`src/auth/**`, `README.md`).
    Glob(String),
    /// One declaration in one file.
    Symbol(SymbolScope),
    /// A logical resource `<namespace>:<name>`.
    Key(String),
}

/// `file::A::B`: a symbol path inside one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SymbolScope {
    pub file: String,
    pub path: Vec<String>,
}

/// Why a scope argument was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error(
        "empty scope: name a path or glob (src/auth/**), a symbol (src/a.ts::Class::method) or a key (db:schema:users)"
    )]
    Empty,
    #[error("negated pattern '{0}' cannot be claimed: claim the paths you will edit instead")]
    Negated(String),
    #[error("path '{0}' leaves the repository: scopes are relative to the repository root")]
    Escapes(String),
    #[error("absolute path '{0}': give the path relative to the repository root")]
    Absolute(String),
    #[error("invalid symbol scope '{0}': write FILE::Name[::Inner…] with a file path and non-empty names")]
    Symbol(String),
    #[error("symbol scope '{0}' names a glob as its file: a symbol lives in exactly one file")]
    SymbolGlob(String),
    #[error("unknown key namespace '{ns}' in '{text}': known namespaces are {known}; declare new ones in .coord.toml under [keys] namespaces, or write ./{text} for a file")]
    UnknownNamespace { ns: String, text: String, known: String },
    #[error("invalid key '{0}': write <namespace>:<name> with a non-empty name")]
    Key(String),
    #[error("invalid glob '{text}': {reason}")]
    Glob { text: String, reason: String },
    #[error(
        "scope '{0}' contains a control character: scopes are printed to other agents, so they must be plain text"
    )]
    Control(String),
}

/// Characters that make a path a pattern.
pub fn has_glob_meta(text: &str) -> bool {
    text.contains(['*', '?', '[', '{'])
}

impl Scope {
    /// Parse a user's scope argument. `namespaces` are the key namespaces in force
    /// (built-ins plus policy).
    pub fn parse(text: &str, namespaces: &[String]) -> Result<Scope, ScopeError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(ScopeError::Empty);
        }
        if t.chars().any(char::is_control) {
            return Err(ScopeError::Control(t.escape_debug().to_string()));
        }
        if t.starts_with('!') {
            return Err(ScopeError::Negated(t.to_owned()));
        }
        if let Some((file, sym)) = t.split_once("::") {
            return parse_symbol(t, file, sym).map(Scope::Symbol);
        }
        if let Some((ns, name)) = key_shape(t) {
            if namespaces.iter().any(|n| n == ns) {
                if name.trim().is_empty() {
                    return Err(ScopeError::Key(t.to_owned()));
                }
                return Ok(Scope::Key(t.to_owned()));
            }
            let mut known: Vec<&str> = namespaces.iter().map(String::as_str).collect();
            known.sort_unstable();
            return Err(ScopeError::UnknownNamespace {
                ns: ns.to_owned(),
                text: t.to_owned(),
                known: known.join(", "),
            });
        }
        normalize_glob(t).map(Scope::Glob)
    }

    /// Re-read a stored scope of a known kind (no namespace check: policy may have changed).
    pub fn from_stored(kind: &str, text: &str) -> Result<Scope, ScopeError> {
        match kind {
            "glob" if is_normal(text) => Ok(Scope::Glob(text.to_owned())),
            "glob" => normalize_glob(text).map(Scope::Glob),
            "symbol" => {
                let (file, sym) = text
                    .split_once("::")
                    .ok_or_else(|| ScopeError::Symbol(text.to_owned()))?;
                parse_symbol(text, file, sym).map(Scope::Symbol)
            }
            "key" => match key_shape(text) {
                Some((_, name)) if !name.trim().is_empty() => Ok(Scope::Key(text.to_owned())),
                _ => Err(ScopeError::Key(text.to_owned())),
            },
            _ => Err(ScopeError::Key(text.to_owned())),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Glob(_) => "glob",
            Scope::Symbol(_) => "symbol",
            Scope::Key(_) => "key",
        }
    }

    pub fn text(&self) -> String {
        match self {
            Scope::Glob(g) => g.clone(),
            Scope::Symbol(s) => s.to_string(),
            Scope::Key(k) => k.clone(),
        }
    }

    /// The file this scope is about, for symbol scopes.
    pub fn file(&self) -> Option<&str> {
        match self {
            Scope::Symbol(s) => Some(&s.file),
            _ => None,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl fmt::Display for SymbolScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.file, self.path.join("::"))
    }
}

impl SymbolScope {
    /// `Router` covers `Router::handleAuth`; equal paths cover each other.
    pub fn overlaps(&self, other: &SymbolScope) -> bool {
        if self.file != other.file {
            return false;
        }
        let n = self.path.len().min(other.path.len());
        self.path[..n] == other.path[..n]
    }
}

/// Two keys overlap when equal or when one is a prefix of the other on `:` boundaries.
pub fn keys_overlap(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long == short || (long.starts_with(short) && long.as_bytes()[short.len()] == b':')
}

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct StoredScope<'a> {
    #[serde(borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    text: std::borrow::Cow<'a, str>,
}

impl schemars::JsonSchema for Scope {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scope".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["glob", "symbol", "key"]},
                "text": {"type": "string"}
            },
            "required": ["kind", "text"]
        })
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = match self {
            Scope::Glob(t) | Scope::Key(t) => std::borrow::Cow::Borrowed(t.as_str()),
            Scope::Symbol(sym) => std::borrow::Cow::Owned(sym.to_string()),
        };
        StoredScope {
            kind: self.kind().into(),
            text,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let stored = StoredScope::deserialize(d)?;
        Scope::from_stored(&stored.kind, &stored.text).map_err(serde::de::Error::custom)
    }
}

/// `ns:name` where ns is a lowercase word and nothing before the colon looks like a path.
fn key_shape(t: &str) -> Option<(&str, &str)> {
    let (ns, name) = t.split_once(':')?;
    let word = !ns.is_empty()
        && ns.as_bytes()[0].is_ascii_lowercase()
        && ns
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    word.then_some((ns, name))
}

fn parse_symbol(text: &str, file: &str, sym: &str) -> Result<SymbolScope, ScopeError> {
    let file = normalize_glob(file)?;
    if has_glob_meta(&file) || file.ends_with("**") {
        return Err(ScopeError::SymbolGlob(text.to_owned()));
    }
    let path: Vec<String> = sym.split("::").map(|s| s.trim().to_owned()).collect();
    if path
        .iter()
        .any(|p| p.is_empty() || p.contains(char::is_whitespace) || p.contains(':'))
    {
        return Err(ScopeError::Symbol(text.to_owned()));
    }
    Ok(SymbolScope { file, path })
}

/// Already in normal form (what this crate writes): no need to rebuild it.
fn is_normal(t: &str) -> bool {
    !t.is_empty()
        && !t.starts_with(['/', '!', '.'])
        && !t.ends_with('/')
        && !t.contains(['\\', ' ', '\t'])
        && !t.contains("//")
        && !t.contains("/./")
        && !t.contains("/../")
        && !t.ends_with("/.")
        && !t.ends_with("/..")
}

/// Normalise a path or glob: `\` → `/`, drop `./` and empty segments, resolve `..` (refusing
/// to leave the root), and turn a trailing `/` into `/**`.
pub fn normalize_glob(text: &str) -> Result<String, ScopeError> {
    let t = text.trim().replace('\\', "/");
    if t.is_empty() {
        return Err(ScopeError::Empty);
    }
    if t.starts_with('!') {
        return Err(ScopeError::Negated(text.to_owned()));
    }
    if t.starts_with('/')
        || (t.len() >= 2
            && t.as_bytes()[1] == b':'
            && t.as_bytes()[0].is_ascii_alphabetic()
            && t.get(2..3) == Some("/"))
    {
        return Err(ScopeError::Absolute(text.to_owned()));
    }
    let dir = t.ends_with('/') || t.ends_with("/.") || t == ".";
    let mut parts: Vec<&str> = Vec::new();
    for seg in t.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(ScopeError::Escapes(text.to_owned()));
                }
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return Ok("**".to_owned());
    }
    let mut out = parts.join("/");
    if dir && !out.ends_with("**") {
        out.push_str("/**");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns() -> Vec<String> {
        BUILTIN_NAMESPACES.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_each_kind() {
        let table: &[(&str, &str, &str)] = &[
            ("src/auth/**", "glob", "src/auth/**"),
            ("./src//auth/", "glob", "src/auth/**"),
            ("src\\auth\\login.ts", "glob", "src/auth/login.ts"),
            ("src/./a/../b.ts", "glob", "src/b.ts"),
            (".", "glob", "**"),
            (
                "src/auth/router.ts::Router::handleAuth",
                "symbol",
                "src/auth/router.ts::Router::handleAuth",
            ),
            ("./src/a.py::f", "symbol", "src/a.py::f"),
            ("db:schema:users", "key", "db:schema:users"),
            ("api:POST /v1/users", "key", "api:POST /v1/users"),
            ("docs/a:b.md", "glob", "docs/a:b.md"),
        ];
        for (input, kind, text) in table {
            let s = Scope::parse(input, &ns()).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((s.kind(), s.text().as_str()), (*kind, *text), "{input}");
        }
    }

    #[test]
    fn refuses_bad_scopes_with_reasons() {
        let table: &[(&str, &str)] = &[
            ("", "empty scope"),
            ("  ", "empty scope"),
            ("!src/**", "negated"),
            ("../outside.ts", "leaves the repository"),
            ("src/../../x", "leaves the repository"),
            ("/etc/passwd", "absolute path"),
            ("src/a.ts::", "invalid symbol"),
            ("src/a.ts::A::::b", "invalid symbol"),
            ("src/*.ts::A", "names a glob"),
            ("queue:jobs", "unknown key namespace 'queue'"),
            ("db:", "invalid key"),
        ];
        for (input, needle) in table {
            let err = Scope::parse(input, &ns()).expect_err(input).to_string();
            assert!(err.contains(needle), "{input}: {err}");
        }
    }

    #[test]
    fn declared_namespaces_are_keys() {
        let mut n = ns();
        n.push("queue".into());
        assert_eq!(Scope::parse("queue:jobs", &n).unwrap().kind(), "key");
    }

    #[test]
    fn key_overlap_is_on_colon_boundaries() {
        assert!(keys_overlap("db:schema", "db:schema:users"));
        assert!(keys_overlap("db:schema:users", "db:schema:users"));
        assert!(!keys_overlap("db:schema:user", "db:schema:users"));
        assert!(!keys_overlap("db:schema:users", "db:schema:users_v2"));
        assert!(!keys_overlap("api:x", "db:x"));
    }

    #[test]
    fn symbol_overlap_is_on_segment_boundaries() {
        let p = |t: &str| match Scope::parse(t, &[]).unwrap() {
            Scope::Symbol(s) => s,
            _ => unreachable!(),
        };
        assert!(p("a.ts::Router").overlaps(&p("a.ts::Router::handleAuth")));
        assert!(!p("a.ts::Router::a").overlaps(&p("a.ts::Router::b")));
        assert!(!p("a.ts::Auth::login").overlaps(&p("a.ts::AuthX::login")));
        assert!(p("a.ts::Auth::login").overlaps(&p("a.ts::Auth::login::inner")));
        assert!(!p("a.ts::Router").overlaps(&p("b.ts::Router")));
    }

    #[test]
    fn stored_scopes_round_trip() {
        for t in ["src/**", "a.ts::A::b", "db:x:y"] {
            let s = Scope::parse(t, &ns()).unwrap();
            let json = serde_json::to_string(&s).unwrap();
            let back: Scope = serde_json::from_str(&json).unwrap();
            assert_eq!(s, back);
        }
    }
}
