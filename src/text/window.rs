//! Windows of a source text for miette snippets. miette pads a label to its column with a format
//! width, and Rust caps format widths at 65,535: a label further right panics. A snippet of a
//! long line is also as long as the line, for every finding on it. A [`Window`] holds only the
//! lines around the labelled spans, each line longer than [`MAX_LINE_BYTES`] cut around its
//! spans (`…` marks what is left out, and the line keeps its head up to a `": "` or ` = `), and
//! tells miette the line numbers and the column of a span as they are in the whole text, so a
//! snippet names the right place and its size is bounded whatever the text.

use std::ops::Range;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// A line longer than this many bytes is cut around the spans on it to this many bytes (its
/// head and kept bytes, besides the `…`): a snippet line then fits in a 100-column report.
pub const MAX_LINE_BYTES: usize = 90;
/// Bytes of a cut line kept before the first span on it.
const LEAD_BYTES: usize = 24;
/// The longest head (a field or key name) a cut line keeps before its `…`.
const MAX_HEAD_BYTES: usize = 32;
/// A window shows at most this many lines of its spans (and its context lines).
pub const MAX_SPAN_LINES: usize = 16;
/// What marks a cut.
const ELLIPSIS: &str = "…";

/// Where each line of a text starts; built once per text, so a window costs only its lines.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        // A final line break ends the last line; it does not start another.
        if starts.len() > 1 && starts.last() == Some(&text.len()) {
            starts.pop();
        }
        LineIndex { starts }
    }

    /// The line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// The bytes of a line, without its line break.
    fn line(&self, text: &str, line: usize) -> Range<usize> {
        let start = self.starts[line];
        let end = match self.starts.get(line + 1) {
            Some(next) => next - 1,
            None => text.strip_suffix('\n').map_or(text.len(), str::len),
        };
        let end = if end > start && text.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        start..end
    }

    /// The window of `text` (named `name` in the snippet header) over the lines of `spans` and
    /// `context` lines either side, and where each span is in it.
    pub fn window(
        &self,
        name: String,
        text: &str,
        spans: &[Range<usize>],
        context: usize,
    ) -> (Window, Vec<Range<usize>>) {
        let span_lines = |s: &Range<usize>| {
            let end = s.end.min(text.len()).max(s.start + 1) - 1;
            (self.line_of(s.start.min(text.len())), self.line_of(end))
        };
        let first = spans.iter().map(|s| span_lines(s).0).min().unwrap_or(0);
        let last = spans.iter().map(|s| span_lines(s).1).max().unwrap_or(0);
        // A span over many lines is shown over its first ones.
        let last = last.min(first + MAX_SPAN_LINES - 1);
        let first = first.saturating_sub(context);
        let last = (last + context).min(self.starts.len() - 1);
        let mut window = Window {
            name,
            text: String::new(),
            first_line: first,
            cuts: Vec::new(),
        };
        let mut cuts = Vec::new();
        for line in first..=last {
            let bytes = self.line(text, line);
            let focus = spans
                .iter()
                .filter(|s| s.start <= bytes.end && s.end >= bytes.start)
                .map(|s| s.start.max(bytes.start)..s.end.min(bytes.end))
                .reduce(|a, b| a.start.min(b.start)..a.end.max(b.end));
            let cut = Cut::new(text, bytes, focus, window.text.len());
            window.text.push_str(&text[cut.head.clone()]);
            if cut.keep.start > cut.head.end {
                window.text.push_str(ELLIPSIS);
            }
            window.text.push_str(&text[cut.keep.clone()]);
            if cut.keep.end < cut.line.end {
                window.text.push_str(ELLIPSIS);
            }
            if line + 1 < self.starts.len() || text.ends_with('\n') {
                window.text.push('\n');
            }
            window.cuts.push((
                cut.kept_at - cut.window_start,
                cut.keep.start - cut.line.start,
            ));
            cuts.push(cut);
        }
        let map = |offset: usize| {
            let line = self.line_of(offset.min(text.len()));
            let line = line.clamp(first, last) - first;
            cuts[line].map(offset)
        };
        let spans = spans.iter().map(|s| map(s.start)..map(s.end)).collect();
        (window, spans)
    }
}

/// How one line of the text is shown in a window: its head, then `…` when it is cut there, then
/// the kept bytes, then `…` when the line goes on.
struct Cut {
    line: Range<usize>,
    head: Range<usize>,
    keep: Range<usize>,
    /// Where the line starts in the window, and where its kept bytes start.
    window_start: usize,
    kept_at: usize,
}

impl Cut {
    fn new(text: &str, line: Range<usize>, focus: Option<Range<usize>>, at: usize) -> Cut {
        if line.len() <= MAX_LINE_BYTES {
            return Cut {
                head: line.start..line.start,
                keep: line.clone(),
                line,
                window_start: at,
                kept_at: at,
            };
        }
        // A span near the start of the line is shown from the start.
        let from = focus
            .filter(|f| f.start >= line.start + MAX_LINE_BYTES - LEAD_BYTES)
            .map_or(line.start, |f| f.start - LEAD_BYTES);
        let start = floor_boundary(text, from);
        let head_end = if start > line.start {
            let search_end = floor_boundary(text, start.min(line.start + MAX_HEAD_BYTES));
            ["\": ", " = "]
                .iter()
                .filter_map(|sep| {
                    text[line.start..search_end]
                        .find(sep)
                        .map(|i| i + sep.len())
                })
                .min()
                .map_or(line.start, |i| line.start + i)
        } else {
            line.start
        };
        let budget = MAX_LINE_BYTES - (head_end - line.start);
        let end = floor_boundary(text, (start + budget).min(line.end));
        let ellipsis = if start > head_end { ELLIPSIS.len() } else { 0 };
        Cut {
            kept_at: at + (head_end - line.start) + ellipsis,
            head: line.start..head_end,
            keep: start..end,
            line,
            window_start: at,
        }
    }

    /// Where byte `offset` of the text (on this line) is in the window; an offset that was
    /// left out goes to the nearest kept byte.
    fn map(&self, offset: usize) -> usize {
        if offset < self.head.end {
            self.window_start + (offset - self.line.start.min(offset))
        } else {
            self.kept_at + (offset.clamp(self.keep.start, self.keep.end) - self.keep.start)
        }
    }
}

/// The largest char boundary of `text` at or before `offset`.
fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Some lines of a text, cut to a bounded width, that miette reads as that text.
#[derive(Debug, Clone)]
pub struct Window {
    name: String,
    text: String,
    /// The number (from 0) of the window's first line in the whole text.
    first_line: usize,
    /// For each line of the window: where its kept bytes start in it, and their column in the
    /// whole text.
    cuts: Vec<(usize, usize)>,
}

impl Window {
    /// The text of the window.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        let line = inner.line();
        let column = match self.cuts.get(line) {
            Some(&(kept_at, real)) if inner.column() >= kept_at => real + inner.column() - kept_at,
            _ => inner.column(),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            self.first_line + line,
            column,
            inner.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window_of(text: &str, span: Range<usize>, context: usize) -> (Window, Vec<Range<usize>>) {
        LineIndex::new(text).window("f".into(), text, &[span], context)
    }

    #[test]
    fn short_lines_are_kept_whole_with_their_numbers() {
        let text = "a = 1\nb = 2\nc = 3\nd = 4\n";
        let (window, spans) = window_of(text, 16..17, 1);
        assert_eq!(window.text(), "b = 2\nc = 3\nd = 4\n");
        assert_eq!(&window.text()[spans[0].clone()], "3");
        let at = window.read_span(&spans[0].clone().into(), 0, 0).unwrap();
        assert_eq!((at.line(), at.column()), (2, 4));
    }

    #[test]
    fn a_long_line_is_cut_around_its_span_with_the_right_column() {
        let value = format!("{}bogus{}", "1.1.1.1\\n".repeat(9000), "x".repeat(500));
        let text = format!(
            "{{\n  \"allow_ips\": \"{value}\",\n  \"group\": \"{}\"\n}}\n",
            "g".repeat(300)
        );
        let start = text.find("bogus").unwrap();
        let (window, spans) = window_of(&text, start..start + 5, 1);
        assert_eq!(&window.text()[spans[0].clone()], "bogus");
        let lines: Vec<&str> = window.text().lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("  \"allow_ips\": …"), "{}", lines[1]);
        assert!(lines[1].ends_with('…'));
        assert!(
            lines
                .iter()
                .all(|l| l.len() <= MAX_HEAD_BYTES + MAX_LINE_BYTES + 6)
        );
        let at = window.read_span(&spans[0].clone().into(), 0, 0).unwrap();
        let line_start = text[..start].rfind('\n').unwrap() + 1;
        assert_eq!((at.line(), at.column()), (1, start - line_start));
    }

    #[test]
    fn a_span_over_many_lines_is_shown_over_its_first_ones() {
        let text = "x\n".repeat(1000);
        let (window, spans) = window_of(&text, 2..1990, 1);
        assert_eq!(window.text().lines().count(), MAX_SPAN_LINES + 2);
        assert_eq!(spans[0].start, 2);
        assert!(spans[0].end <= window.text().len());
    }

    #[test]
    fn a_long_span_is_clipped_and_multibyte_text_is_cut_on_boundaries() {
        let text = format!("k = \"{}\"\n", "名".repeat(1000));
        let (window, spans) = window_of(&text, 4..text.len() - 1, 0);
        assert!(window.text().len() <= MAX_LINE_BYTES + 6);
        assert!(window.text()[spans[0].clone()].starts_with("\"名"));
    }
}
