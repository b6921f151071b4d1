//! Line diffs: which lines of two texts differ (imara-diff's Myers, with git's heuristics
//! bounding the worst case, so a regenerated file is diffed in milliseconds).

use imara_diff::intern::InternedInput;
use imara_diff::{diff, Algorithm};

/// The 1-based numbers of the lines of `old` and of `new` that the diff does not keep.
pub fn changed_lines(old: &str, new: &str) -> (Vec<usize>, Vec<usize>) {
    let input = InternedInput::new(old, new);
    let (mut o, mut n) = (Vec::new(), Vec::new());
    diff(
        Algorithm::Myers,
        &input,
        |before: std::ops::Range<u32>, after: std::ops::Range<u32>| {
            o.extend(before.map(|l| l as usize + 1));
            n.extend(after.map(|l| l as usize + 1));
        },
    );
    (o, n)
}

/// How many lines `new` adds to `old` and how many it deletes.
pub fn counts(old: &str, new: &str) -> (usize, usize) {
    let (deleted, added) = changed_lines(old, new);
    (added.len(), deleted.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_are_the_lines_a_diff_does_not_keep() {
        assert_eq!(changed_lines("a\nb\nc\n", "a\nB\nc\nd\n"), (vec![2], vec![2, 4]));
        assert_eq!(changed_lines("", "x\n"), (vec![], vec![1]));
        assert_eq!(changed_lines("same\n", "same\n"), (vec![], vec![]));
        assert_eq!(counts("a\nb\n", "a\nc\nd\n"), (2, 1));
    }
}
