//! The text symbols are read from, and line numbers in it.

/// A file's text as symbols read it: invalid UTF-8 decoded lossily (`true` when it was),
/// and a carriage return that ends a line on its own (classic Mac) read as a newline, so
/// line numbers are what editors show.
pub fn source_text(source: &[u8]) -> (std::borrow::Cow<'_, str>, bool) {
    let (text, lossy) = match std::str::from_utf8(source) {
        Ok(t) => (std::borrow::Cow::Borrowed(t), false),
        Err(_) => (String::from_utf8_lossy(source), true),
    };
    if !text.contains('\r') {
        return (text, lossy);
    }
    let bytes = text.as_bytes();
    let fixed: Vec<u8> = bytes
        .iter()
        .enumerate()
        .map(|(i, &b)| match b == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            true => b'\n',
            false => b,
        })
        .collect();
    // Only an ASCII byte was replaced by another: still UTF-8.
    (
        std::borrow::Cow::Owned(String::from_utf8(fixed).unwrap_or_default()),
        lossy,
    )
}

/// Byte offset → 1-based line number.
pub fn line_index(text: &str) -> impl Fn(usize) -> usize + '_ {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    move |byte| starts.partition_point(|&s| s <= byte)
}

/// The warning for a file that is not valid UTF-8 (none when it is).
pub(super) fn lossy_warning(path: &str, source: &[u8]) -> Option<String> {
    std::str::from_utf8(source).is_err().then(|| lossy_said(path))
}

pub(super) fn lossy_said(path: &str) -> String {
    format!("{path} is not valid UTF-8: read with each invalid byte as U+FFFD (lines are unchanged)")
}

/// `text` with every byte in `ranges` overwritten by `with` (ASCII over ASCII: one byte for
/// one byte, so every range and line stays where it was), or `None` when `ranges` is empty.
pub(super) fn overwritten(text: &str, ranges: &[(usize, usize)], with: u8) -> Option<String> {
    if ranges.is_empty() {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    for &(a, b) in ranges {
        out[a..b].fill(with);
    }
    String::from_utf8(out).ok()
}
