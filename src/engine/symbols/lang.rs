//! The language table: file extensions → grammar + query file. Data, not logic: adding a
//! language is one row here, a grammar crate and `grammars/<lang>/symbols.scm`.

use std::sync::OnceLock;

use tree_sitter::{Language, Query};

/// One supported language.
pub struct Lang {
    pub name: &'static str,
    pub extensions: &'static [&'static str],
    grammar: fn() -> Language,
    query_source: &'static str,
    query: OnceLock<Result<Query, String>>,
}

impl Lang {
    pub fn language(&self) -> Language {
        (self.grammar)()
    }

    /// The compiled query (compiled once per process, on first use).
    pub fn query(&self) -> Result<&Query, String> {
        self.query
            .get_or_init(|| Query::new(&self.language(), self.query_source).map_err(|e| format!("{}: {e}", self.name)))
            .as_ref()
            .map_err(Clone::clone)
    }
}

const TS_QUERY: &str = include_str!("../../../grammars/typescript/symbols.scm");
const PY_QUERY: &str = include_str!("../../../grammars/python/symbols.scm");
const GO_QUERY: &str = include_str!("../../../grammars/go/symbols.scm");

fn typescript() -> Language {
    tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()
}
fn tsx() -> Language {
    tree_sitter_typescript::LANGUAGE_TSX.into()
}
fn python() -> Language {
    tree_sitter_python::LANGUAGE.into()
}
fn go() -> Language {
    tree_sitter_go::LANGUAGE.into()
}

pub static LANGS: [Lang; 5] = [
    Lang {
        name: "typescript",
        extensions: &["ts", "mts", "cts"],
        grammar: typescript,
        query_source: TS_QUERY,
        query: OnceLock::new(),
    },
    Lang {
        name: "tsx",
        extensions: &["tsx"],
        grammar: tsx,
        query_source: TS_QUERY,
        query: OnceLock::new(),
    },
    Lang {
        name: "javascript",
        extensions: &["js", "jsx", "mjs", "cjs"],
        grammar: tsx,
        query_source: TS_QUERY,
        query: OnceLock::new(),
    },
    Lang {
        name: "python",
        extensions: &["py", "pyi"],
        grammar: python,
        query_source: PY_QUERY,
        query: OnceLock::new(),
    },
    Lang {
        name: "go",
        extensions: &["go"],
        grammar: go,
        query_source: GO_QUERY,
        query: OnceLock::new(),
    },
];

/// The language of a path, by extension.
pub fn detect(path: &str) -> Option<&'static Lang> {
    let ext = path.rsplit_once('.')?.1;
    if path
        .rsplit('/')
        .next()
        .is_some_and(|base| base.starts_with('.') && base.matches('.').count() == 1)
    {
        return None;
    }
    LANGS.iter().find(|l| l.extensions.contains(&ext))
}

/// Every supported extension, for messages.
pub fn extensions() -> String {
    LANGS
        .iter()
        .flat_map(|l| l.extensions.iter().map(|e| format!(".{e}")))
        .collect::<Vec<_>>()
        .join(" ")
}
