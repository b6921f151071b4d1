//! The language table: file extensions → grammar + query file. Data, not logic: adding a
//! language is one row here, a grammar crate and `grammars/<lang>/symbols.scm`.

use std::sync::OnceLock;

use tree_sitter::{Language, Query};

use super::pattern::Patterns;

/// One supported language.
pub struct Lang {
    pub name: &'static str,
    pub extensions: &'static [&'static str],
    grammar: fn() -> Language,
    query_source: &'static str,
    query: OnceLock<Result<Query, String>>,
    patterns: OnceLock<Result<Patterns, String>>,
}

/// How a language's query is matched: read here (see `pattern`), or compiled by tree-sitter
/// when it uses more of the query language than is read here.
pub enum Matcher<'l> {
    Patterns(&'l Patterns),
    Query(&'l Query),
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

    /// The query's patterns, read without tree-sitter when they can be (once per process);
    /// else the compiled query.
    pub fn matcher(&self) -> Result<Matcher<'_>, String> {
        let read = self
            .patterns
            .get_or_init(|| Patterns::new(&self.language(), self.query_source));
        match read {
            Ok(p) => Ok(Matcher::Patterns(p)),
            Err(_) => self.query().map(Matcher::Query),
        }
    }

    /// Whether the query is read here (tests: every shipped query should be).
    pub fn read_here(&self) -> Result<(), String> {
        Patterns::new(&self.language(), self.query_source).map(|_| ())
    }
}

const TS_QUERY: &str = include_str!("../../../grammars/typescript/symbols.scm");
const PY_QUERY: &str = include_str!("../../../grammars/python/symbols.scm");
const GO_QUERY: &str = include_str!("../../../grammars/go/symbols.scm");

/// One row of the table.
const fn lang(
    name: &'static str,
    extensions: &'static [&'static str],
    grammar: fn() -> Language,
    query_source: &'static str,
) -> Lang {
    Lang {
        name,
        extensions,
        grammar,
        query_source,
        query: OnceLock::new(),
        patterns: OnceLock::new(),
    }
}

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
#[cfg(feature = "lang-rust")]
fn rust() -> Language {
    tree_sitter_rust::LANGUAGE.into()
}
#[cfg(feature = "lang-java")]
fn java() -> Language {
    tree_sitter_java::LANGUAGE.into()
}
#[cfg(feature = "lang-csharp")]
fn csharp() -> Language {
    tree_sitter_c_sharp::LANGUAGE.into()
}
#[cfg(feature = "lang-c")]
fn c() -> Language {
    tree_sitter_c::LANGUAGE.into()
}
#[cfg(feature = "lang-cpp")]
fn cpp() -> Language {
    tree_sitter_cpp::LANGUAGE.into()
}
#[cfg(feature = "lang-ruby")]
fn ruby() -> Language {
    tree_sitter_ruby::LANGUAGE.into()
}
#[cfg(feature = "lang-php")]
fn php() -> Language {
    tree_sitter_php::LANGUAGE_PHP.into()
}
#[cfg(feature = "lang-kotlin")]
fn kotlin() -> Language {
    tree_sitter_kotlin_ng::LANGUAGE.into()
}

/// How many languages this build knows (the optional ones by cargo feature).
const COUNT: usize = 5
    + cfg!(feature = "lang-rust") as usize
    + cfg!(feature = "lang-java") as usize
    + cfg!(feature = "lang-csharp") as usize
    + cfg!(feature = "lang-c") as usize
    + cfg!(feature = "lang-cpp") as usize
    + cfg!(feature = "lang-ruby") as usize
    + cfg!(feature = "lang-php") as usize
    + cfg!(feature = "lang-kotlin") as usize;

/// Every language this build knows (the optional ones by cargo feature, all on by default).
pub static LANGS: [Lang; COUNT] = [
    lang("typescript", &["ts", "mts", "cts"], typescript, TS_QUERY),
    lang("tsx", &["tsx"], tsx, TS_QUERY),
    lang("javascript", &["js", "jsx", "mjs", "cjs"], tsx, TS_QUERY),
    lang("python", &["py", "pyi"], python, PY_QUERY),
    lang("go", &["go"], go, GO_QUERY),
    #[cfg(feature = "lang-rust")]
    lang(
        "rust",
        &["rs"],
        rust,
        include_str!("../../../grammars/rust/symbols.scm"),
    ),
    #[cfg(feature = "lang-java")]
    lang(
        "java",
        &["java"],
        java,
        include_str!("../../../grammars/java/symbols.scm"),
    ),
    #[cfg(feature = "lang-csharp")]
    lang(
        "csharp",
        &["cs"],
        csharp,
        include_str!("../../../grammars/csharp/symbols.scm"),
    ),
    #[cfg(feature = "lang-c")]
    lang("c", &["c"], c, include_str!("../../../grammars/c/symbols.scm")),
    #[cfg(feature = "lang-cpp")]
    lang(
        "cpp",
        &["cc", "cpp", "cxx", "c++", "hh", "hpp", "hxx", "h", "ipp", "tpp"],
        cpp,
        include_str!("../../../grammars/cpp/symbols.scm"),
    ),
    #[cfg(feature = "lang-ruby")]
    lang(
        "ruby",
        &["rb", "rake", "gemspec"],
        ruby,
        include_str!("../../../grammars/ruby/symbols.scm"),
    ),
    #[cfg(feature = "lang-php")]
    lang("php", &["php"], php, include_str!("../../../grammars/php/symbols.scm")),
    #[cfg(feature = "lang-kotlin")]
    lang(
        "kotlin",
        &["kt", "kts"],
        kotlin,
        include_str!("../../../grammars/kotlin/symbols.scm"),
    ),
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
