//! A file's symbols kept between commands, by content: parsing is most of what `symbols`
//! costs (tree-sitter's parse alone caps two cores at about 12 MB/s), and most files an
//! agent lists, a claim checks or a hook judges were read before, unchanged. The engine
//! says what to keep and reads it back; where it is kept is the caller's ([`TreeCache`]).
//!
//! An entry is every field of every symbol, length-prefixed (the JSON answer leaves some
//! out); one that does not read back whole, or was written for another language, is no
//! entry. The warning about invalid UTF-8 names the path, so it is said again from the
//! bytes on every read, never kept.

use super::{extract, lang, Symbol, SymbolError, SymbolTree, MAX_BYTES};

/// The fingerprint of what decides a file's symbols in this build (see `build.rs`): where
/// one build keeps its answers, apart from every other's.
pub const BUILD: &str = env!("GIT_COORD_SYMBOLS_ID");

/// Where earlier answers are kept, by the content they were read from.
pub trait TreeCache: Sync {
    /// The name of `source`'s content (none: nothing is kept), worked out once per file.
    fn id(&self, source: &[u8]) -> Option<String>;
    /// The entry kept for the content named `id` read as `language`, if any.
    fn get(&self, language: &str, id: &str) -> Option<Vec<u8>>;
    /// Keep `entry` for the content named `id` read as `language` (best effort).
    fn put(&self, language: &str, id: &str, entry: &[u8]);
}

/// Keeps nothing.
pub struct NoCache;

impl TreeCache for NoCache {
    fn id(&self, _: &[u8]) -> Option<String> {
        None
    }
    fn get(&self, _: &str, _: &str) -> Option<Vec<u8>> {
        None
    }
    fn put(&self, _: &str, _: &str, _: &[u8]) {}
}

/// [`extract`], answered from `cache` when it holds this content.
pub fn extract_with(path: &str, source: &[u8], cache: &dyn TreeCache) -> Result<SymbolTree, SymbolError> {
    let kept = lang::detect(path).filter(|_| source.len() <= MAX_BYTES);
    let Some((lang, id)) = kept.and_then(|l| Some((l, cache.id(source)?))) else {
        return extract(path, source);
    };
    if let Some(mut tree) = cache.get(lang.name, &id).and_then(|e| decode(lang.name, &e)) {
        tree.warning = super::lossy_warning(path, source);
        return Ok(tree);
    }
    let tree = extract(path, source)?;
    cache.put(lang.name, &id, &encode(&tree));
    Ok(tree)
}

/// Format version: bump when what is written changes.
const VERSION: u8 = 1;

fn encode(tree: &SymbolTree) -> Vec<u8> {
    let mut out = vec![VERSION];
    put_str(&mut out, tree.language);
    put_opt(&mut out, tree.error_line);
    put_num(&mut out, tree.symbols.len());
    for s in &tree.symbols {
        put_str(&mut out, &s.path);
        put_str(&mut out, &s.name);
        put_opt(&mut out, s.parent);
        put_str(&mut out, &s.kind);
        put_num(&mut out, s.start_line);
        put_num(&mut out, s.end_line);
        put_pairs(&mut out, &s.ranges);
        put_pairs(&mut out, &s.lines);
        match &s.receiver {
            Some(r) => {
                out.push(1);
                put_str(&mut out, r);
            }
            None => out.push(0),
        }
    }
    out
}

fn decode(language: &'static str, bytes: &[u8]) -> Option<SymbolTree> {
    let mut r = Reader(bytes);
    if r.byte()? != VERSION || r.str()? != language {
        return None;
    }
    let error_line = r.opt()?;
    let n = r.num()?;
    let mut symbols = Vec::with_capacity(n.min(bytes.len()));
    for _ in 0..n {
        symbols.push(Symbol {
            path: r.str()?.to_owned(),
            name: r.str()?.to_owned(),
            parent: r.opt()?,
            kind: r.str()?.to_owned(),
            start_line: r.num()?,
            end_line: r.num()?,
            ranges: r.pairs()?,
            lines: r.pairs()?,
            receiver: match r.byte()? {
                0 => None,
                1 => Some(r.str()?.to_owned()),
                _ => return None,
            },
        });
    }
    let whole = r.0.is_empty() && symbols.iter().all(|s| s.parent.is_none_or(|p| p < n));
    whole.then_some(SymbolTree {
        language,
        symbols,
        error_line,
        warning: None,
    })
}

fn put_num(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u64).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_num(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, n: Option<usize>) {
    match n {
        Some(n) => {
            out.push(1);
            put_num(out, n);
        }
        None => out.push(0),
    }
}

fn put_pairs(out: &mut Vec<u8>, pairs: &[(usize, usize)]) {
    put_num(out, pairs.len());
    for &(a, b) in pairs {
        put_num(out, a);
        put_num(out, b);
    }
}

/// Reads what the `put_` functions wrote; `None` past the end or on a bad tag.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }
    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn num(&mut self) -> Option<usize> {
        let b: [u8; 8] = self.take(8)?.try_into().ok()?;
        usize::try_from(u64::from_le_bytes(b)).ok()
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.num()?;
        std::str::from_utf8(self.take(n)?).ok()
    }
    fn opt(&mut self) -> Option<Option<usize>> {
        match self.byte()? {
            0 => Some(None),
            1 => Some(Some(self.num()?)),
            _ => None,
        }
    }
    fn pairs(&mut self) -> Option<Vec<(usize, usize)>> {
        let n = self.num()?;
        let mut out = Vec::with_capacity(n.min(self.0.len() / 16));
        for _ in 0..n {
            out.push((self.num()?, self.num()?));
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// (language, id, entry)
    type Entries = Vec<(String, String, Vec<u8>)>;

    /// Keeps entries in memory, counting the reads it answered.
    #[derive(Default)]
    struct Memory(Mutex<(Entries, usize)>);

    impl TreeCache for Memory {
        fn id(&self, source: &[u8]) -> Option<String> {
            Some(String::from_utf8_lossy(source).into_owned())
        }
        fn get(&self, language: &str, id: &str) -> Option<Vec<u8>> {
            let mut m = self.0.lock().unwrap();
            let hit =
                m.0.iter()
                    .find(|(l, s, _)| l == language && s == id)
                    .map(|e| e.2.clone());
            m.1 += usize::from(hit.is_some());
            hit
        }
        fn put(&self, language: &str, id: &str, entry: &[u8]) {
            self.0
                .lock()
                .unwrap()
                .0
                .push((language.into(), id.into(), entry.to_vec()));
        }
    }

    const GO: &[u8] = b"package p\n\n// Router routes.\ntype Router struct{}\n\nfunc (r *Router) Handle() {}\n\nfunc helper() {\n\tx := 1\n\t_ = x\n}\n";

    #[test]
    fn a_kept_tree_reads_back_equal_to_a_fresh_parse() {
        let cache = Memory::default();
        let fresh = extract_with("a.go", GO, &cache).unwrap();
        let again = extract_with("b/other.go", GO, &cache).unwrap();
        assert_eq!(cache.0.lock().unwrap().1, 1, "the second read came from the cache");
        assert_eq!(fresh.symbols, again.symbols);
        assert!(
            fresh.symbols.iter().any(|s| s.receiver.is_some()),
            "{:?}",
            fresh.symbols
        );
        assert_eq!(fresh.error_line, again.error_line);
    }

    #[test]
    fn the_invalid_utf8_warning_names_the_path_it_was_read_at() {
        let cache = Memory::default();
        let mut src = GO.to_vec();
        src.extend_from_slice(b"// caf\xe9\n");
        let first = extract_with("a.go", &src, &cache).unwrap();
        let second = extract_with("b.go", &src, &cache).unwrap();
        assert!(first.warning.unwrap().starts_with("a.go "));
        assert!(second.warning.unwrap().starts_with("b.go "));
    }

    #[test]
    fn a_damaged_or_foreign_entry_is_no_entry() {
        let tree = extract("a.go", GO).unwrap();
        let entry = encode(&tree);
        assert!(decode("go", &entry).is_some());
        assert!(decode("python", &entry).is_none(), "written for another language");
        for cut in [0, 1, entry.len() / 2, entry.len() - 1] {
            assert!(decode("go", &entry[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = entry.clone();
        longer.push(0);
        assert!(decode("go", &longer).is_none(), "bytes left over");
        let mut other = entry;
        other[0] = VERSION + 1;
        assert!(decode("go", &other).is_none(), "another format version");
    }
}
