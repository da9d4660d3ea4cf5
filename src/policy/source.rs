//! One policy file being loaded: the name it is reported under, its text, whether keylint ships
//! it, and where its lines start, so that every span becomes a line number by binary search
//! (one pass over the text per file, however many rules it holds).

use std::ops::Range;
use std::sync::Arc;

use super::Origin;

/// A policy file's text with its line index.
pub(super) struct PolicyFile {
    /// The path as given, or the reported path of a shipped pack.
    pub path: String,
    pub text: Arc<str>,
    /// Shipped in the binary: its rules may use keylint's `KL` prefix.
    pub shipped: bool,
    /// The byte offset where each line starts, in order; the first is 0.
    line_starts: Vec<usize>,
}

impl PolicyFile {
    pub fn new(path: impl Into<String>, text: Arc<str>, shipped: bool) -> PolicyFile {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        PolicyFile {
            path: path.into(),
            text,
            shipped,
            line_starts,
        }
    }

    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset)
    }

    /// Where something written at `offset` is: this file and that line.
    pub fn origin(&self, offset: usize) -> Origin {
        Origin {
            file: Some(self.path.clone()),
            line: self.line(offset),
        }
    }

    /// The text of a span (a table key as written).
    pub fn slice(&self, span: &Range<usize>) -> &str {
        self.text.get(span.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_start_after_each_newline() {
        let file = PolicyFile::new("p.toml", "ab\n\ncd\n".into(), false);
        let lines: Vec<usize> = (0..8).map(|offset| file.line(offset)).collect();
        // a b \n | \n | c d \n | (end)
        assert_eq!(lines, [1, 1, 1, 2, 3, 3, 3, 4]);
    }
}
