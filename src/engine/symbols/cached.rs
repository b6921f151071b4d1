//! A file's symbols kept between commands, by content: parsing is most of what `symbols`
//! costs (tree-sitter's parse alone caps two cores at 15-19 MB/s: the symbols bench prints
//! it), and most files an agent lists, a claim checks or a hook judges were read before,
//! unchanged. The engine says what to keep and reads it back; where it is kept is the
//! caller's ([`TreeCache`]).
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
const VERSION: u8 = 2;

/// The path a symbol has when it is its parent's path and its own name (or, at the top, its
/// name): most are, and those are written without it.
fn derived_path(symbols: &[Symbol], parent: Option<usize>, name: &str) -> Option<String> {
    match parent {
        Some(p) => Some(format!("{}::{name}", symbols.get(p)?.path)),
        None => Some(name.to_owned()),
    }
}

/// Numbers are LEB128 (a 5 MB file's entry was twice the file's size with fixed 8-byte
/// numbers; writing it cost more than a tenth of the parse).
fn encode(tree: &SymbolTree) -> Vec<u8> {
    let mut out = vec![VERSION];
    put_str(&mut out, tree.language);
    put_opt(&mut out, tree.error_line);
    put_num(&mut out, tree.symbols.len());
    for (i, s) in tree.symbols.iter().enumerate() {
        put_str(&mut out, &s.name);
        put_opt(&mut out, s.parent);
        // A parent comes before its children, so a reader has its path already.
        let derived = s.parent.is_none_or(|p| p < i)
            && derived_path(&tree.symbols, s.parent, &s.name).as_deref() == Some(s.path.as_str());
        match derived {
            true => out.push(0),
            false => {
                out.push(1);
                put_str(&mut out, &s.path);
            }
        }
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
    let mut symbols: Vec<Symbol> = Vec::with_capacity(n.min(bytes.len()));
    for i in 0..n {
        let name = r.str()?.to_owned();
        let parent = r.opt()?;
        if parent.is_some_and(|p| p >= i) {
            return None;
        }
        let path = match r.byte()? {
            0 => derived_path(&symbols, parent, &name)?,
            1 => r.str()?.to_owned(),
            _ => return None,
        };
        symbols.push(Symbol {
            path,
            name,
            parent,
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
    r.0.is_empty().then_some(SymbolTree {
        language,
        symbols,
        error_line,
        warning: None,
    })
}

fn put_num(out: &mut Vec<u8>, n: usize) {
    let mut n = n as u64;
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
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
    /// A LEB128 number of at most 64 bits, in its shortest form.
    fn num(&mut self) -> Option<usize> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return None;
            }
            n |= bits << shift;
            if b & 0x80 == 0 {
                return (b != 0 || shift == 0)
                    .then_some(n)
                    .and_then(|n| usize::try_from(n).ok());
            }
        }
        None
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
        let mut out = Vec::with_capacity(n.min(self.0.len() / 2));
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
    fn numbers_of_every_size_and_paths_that_are_not_derived_read_back() {
        let mut out = Vec::new();
        let nums = [0, 1, 127, 128, 300, 16_383, 16_384, u32::MAX as usize, usize::MAX];
        for n in nums {
            put_num(&mut out, n);
        }
        let mut r = Reader(&out);
        for n in nums {
            assert_eq!(r.num(), Some(n));
        }
        assert!(r.0.is_empty());
        assert_eq!(Reader(&[0x80, 0x00]).num(), None, "not the shortest form");
        assert_eq!(Reader(&[0xff; 10]).num(), None, "more than 64 bits");
        // `namespace A.B` is one top-level symbol named B whose path is A::B.
        let ts = b"namespace A.B {\n  export function f() {}\n}\nfunction g() {}\n";
        let tree = extract("a.ts", ts).unwrap();
        let paths: Vec<&str> = tree.symbols.iter().map(|s| s.path.as_str()).collect();
        assert!(paths.contains(&"A::B") && paths.contains(&"A::B::f"), "{paths:?}");
        let back = decode("typescript", &encode(&tree)).unwrap();
        assert_eq!(back.symbols, tree.symbols);
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
        let mut other = entry.clone();
        other[0] = VERSION + 1;
        assert!(decode("go", &other).is_none(), "another format version");
        // The first symbol claiming a parent at or after itself.
        let first = 1 + 1 + "go".len() + 1 + 1;
        let name_len = entry[first] as usize;
        let mut forward = entry;
        forward.splice(first + 1 + name_len..first + 2 + name_len, [1, 0]);
        assert!(decode("go", &forward).is_none(), "a parent that is not before it");
    }
}
