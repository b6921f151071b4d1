//! Large files are read in pieces. tree-sitter keeps a file's whole tree in memory (about 35
//! bytes per source byte for TypeScript: 175 MB for a 5 MB file), so a file past
//! [`CHUNKED_FROM`] is cut into pieces of about [`CHUNK_BYTES`] at top-level boundaries, each
//! piece parsed on its own (on the machine's cores side by side), and the pieces' symbols
//! joined with their lines and bytes moved back into place.
//!
//! A cut is made only where a line that starts in column 0 with a word, a decorator, an
//! attribute or a comment follows a blank line: between top-level declarations in every
//! language here, with the doc comment or decorators that belong to a declaration on its
//! side. A piece whose parse has a syntax error (a cut that fell inside a string or an
//! indented block after all) is joined with the next and parsed again, doubling, up to
//! [`MAX_GROWTH`] pieces; what still has an error then is kept as the whole file's parse
//! would report it. Symbols of one path from several pieces join into one symbol, as they
//! do within one parse. PHP is read whole (a piece without `<?php` would be HTML), and so is
//! C# with a file-scoped `namespace A.B;` (it holds every piece after it).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use super::lang::{Lang, Matcher};
use super::{extract_text, Symbol, SymbolError, SymbolTree};

/// Files at least this large are read in pieces.
pub const CHUNKED_FROM: usize = 1024 * 1024;

/// About how large each piece is.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// A piece with a syntax error grows to at most this many pieces' size before its error is
/// taken as the file's own.
const MAX_GROWTH: usize = 8;

/// What the process does while large files are read (set once, by the binary): its
/// allocator then hands freed memory back at once. A large file's pieces are parsed and
/// dropped one after another, and memory the allocator kept for reuse would otherwise pile
/// up (the default keeps it a second: a 5 MB file peaked at 115-150 MB resident). Only
/// large files: for many small files handing memory back costs 10-30 % of the parse time.
/// A file that starts while another's `leave` is on its way may be read with the usual
/// setting: memory, never correctness.
#[derive(Clone, Copy)]
pub struct LargeFileHooks {
    /// Called when the first large file starts being read.
    pub enter: fn(),
    /// Called when the last large file being read is done.
    pub leave: fn(),
}

static HOOKS: OnceLock<LargeFileHooks> = OnceLock::new();

/// How many large files are being read right now (several threads may read one each).
static READING: AtomicUsize = AtomicUsize::new(0);

/// Set the [`LargeFileHooks`] (the first call wins).
pub fn on_large_files(hooks: LargeFileHooks) {
    let _ = HOOKS.set(hooks);
}

/// While alive, one large file is being read: the first of them calls `enter`, the last
/// one done calls `leave`.
struct Reading<'a> {
    count: &'a AtomicUsize,
    hooks: Option<&'a LargeFileHooks>,
}

impl<'a> Reading<'a> {
    fn start(count: &'a AtomicUsize, hooks: Option<&'a LargeFileHooks>) -> Reading<'a> {
        if count.fetch_add(1, Ordering::SeqCst) == 0 {
            if let Some(h) = hooks {
                (h.enter)();
            }
        }
        Reading { count, hooks }
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        if self.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            if let Some(h) = self.hooks {
                (h.leave)();
            }
        }
    }
}

/// The symbols of `text`, read in pieces of about `chunk` bytes when it is at least `from`
/// bytes long (else in one parse).
pub(super) fn extract_pieces(
    lang: &Lang,
    matcher: &Matcher<'_>,
    text: &str,
    from: usize,
    chunk: usize,
) -> Result<SymbolTree, SymbolError> {
    // PHP is code only after `<?php`: a piece without it would read as HTML. C#'s
    // `namespace A.B;` holds the rest of the file: the pieces after it would be outside it.
    if text.len() < from || lang.name == "php" || (lang.name == "csharp" && file_scoped_namespace(text)) {
        return extract_text(lang, matcher, text);
    }
    let _reading = Reading::start(&READING, HOOKS.get());
    let cuts = cuts(text, chunk);
    let mut parsed = parse_all(lang, matcher, text, &cuts)?;
    // Pieces with a syntax error grow into the next ones (doubling) and are parsed again.
    let mut i = 0;
    while i < parsed.len() {
        let mut holds = 1;
        while parsed[i].1.error_line.is_some() && holds < MAX_GROWTH && i + 1 < parsed.len() {
            let take = holds.min(parsed.len() - i - 1);
            let (start, end) = (parsed[i].0 .0, parsed[i + take].0 .1);
            let tree = extract_text(lang, matcher, &text[start..end])?;
            parsed.splice(i..=i + take, std::iter::once(((start, end), tree)));
            holds += take;
        }
        i += 1;
    }
    Ok(join(lang, text, parsed))
}

/// Has this C# text a `namespace A.B;` line?
fn file_scoped_namespace(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l.starts_with("namespace ") && l.ends_with(';')
    })
}

/// Where pieces start: byte offsets of lines that may begin a top-level declaration, about
/// `chunk` bytes apart (the first is 0).
fn cuts(text: &str, chunk: usize) -> Vec<usize> {
    let mut out = vec![0];
    let bytes = text.as_bytes();
    let mut line_start = 0;
    let mut blank_before = false;
    while line_start < bytes.len() {
        let end = text[line_start..].find('\n').map_or(bytes.len(), |i| line_start + i);
        let line = &bytes[line_start..end];
        let starts_top = line
            .first()
            .is_some_and(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'@' | b'#' | b'/'));
        let last = *out.last().expect("because it starts with 0");
        if blank_before && starts_top && line_start - last >= chunk {
            out.push(line_start);
        }
        blank_before = line.iter().all(u8::is_ascii_whitespace);
        line_start = end + 1;
    }
    out
}

/// Each piece `[cuts[k], cuts[k + 1])` parsed, on as many threads as there are cores.
#[allow(clippy::type_complexity)]
fn parse_all(
    lang: &Lang,
    matcher: &Matcher<'_>,
    text: &str,
    cuts: &[usize],
) -> Result<Vec<((usize, usize), SymbolTree)>, SymbolError> {
    let spans: Vec<(usize, usize)> = cuts
        .iter()
        .enumerate()
        .map(|(k, &s)| (s, cuts.get(k + 1).copied().unwrap_or(text.len())))
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(spans.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<Result<SymbolTree, SymbolError>>> = (0..spans.len()).map(|_| None).collect();
    let done = std::sync::Mutex::new(&mut results);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&(a, b)) = spans.get(k) else { break };
                let tree = extract_text(lang, matcher, &text[a..b]);
                done.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[k] = Some(tree);
            });
        }
    });
    spans
        .into_iter()
        .zip(results)
        .map(|(span, r)| r.expect("because every piece was parsed").map(|t| (span, t)))
        .collect()
}

/// The pieces' symbols as one file's: lines and bytes moved to where each piece starts,
/// parents re-indexed, and symbols of one path joined (as one parse joins them).
fn join(lang: &Lang, text: &str, parsed: Vec<((usize, usize), SymbolTree)>) -> SymbolTree {
    let mut out: Vec<Symbol> = Vec::new();
    let mut by_path: HashMap<String, usize> = HashMap::new();
    let mut error_line = None;
    let mut lines_before = 0;
    let mut last_start = 0;
    for ((start, _), tree) in parsed {
        lines_before += text[last_start..start].matches('\n').count();
        last_start = start;
        if error_line.is_none() {
            error_line = tree.error_line.map(|l| l + lines_before);
        }
        let mut global = Vec::with_capacity(tree.symbols.len());
        for mut s in tree.symbols {
            s.start_line += lines_before;
            s.end_line += lines_before;
            for l in &mut s.lines {
                *l = (l.0 + lines_before, l.1 + lines_before);
            }
            for r in &mut s.ranges {
                *r = (r.0 + start, r.1 + start);
            }
            if let Some(&g) = by_path.get(&s.path) {
                let into = &mut out[g];
                if matches!(into.kind.as_str(), "interface" | "type")
                    && !matches!(s.kind.as_str(), "interface" | "type")
                {
                    into.kind = s.kind;
                }
                into.ranges.extend(s.ranges);
                into.lines.extend(s.lines);
                into.start_line = into.start_line.min(s.start_line);
                into.end_line = into.end_line.max(s.end_line);
                global.push(g);
                continue;
            }
            s.parent = match s.parent {
                Some(p) => Some(global[p]),
                // A method whose receiver's type an earlier piece declared (Go).
                None => s.receiver.as_ref().and_then(|r| by_path.get(r).copied()),
            };
            global.push(out.len());
            by_path.insert(s.path.clone(), out.len());
            out.push(s);
        }
    }
    SymbolTree {
        language: lang.name,
        symbols: out,
        error_line,
        warning: None,
    }
}

#[cfg(test)]
mod tests;
