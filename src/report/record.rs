//! A key record rendered as secret-free, terminal-safe source text for diagnostics, with the
//! byte span of every field value and of every `allow_ips` line and `model_limits` entry, so a
//! label can point at exactly what a finding is about. The `key` value is never rendered.
//!
//! [`SnippetSource`] is what a finding's snippet is read from. An ordinary record is shown
//! whole (miette picks the lines around the label). A record over [`WHOLE_RECORD_BYTES`] or
//! [`WHOLE_RECORD_LINES`] (a long `allow_ips` or `model_limits`, rendered on one line) is shown
//! to each finding through a [`Window`]: the lines around its label, each long line cut around
//! the label with `…`, so what one finding prints is bounded and a label far right on a line
//! cannot break miette.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::Arc;

use miette::{NamedSource, SourceCode};

use crate::checks::Target;
use crate::inventory::{AllowList, FieldName, FieldState, FieldValue, KeyRecord};
use crate::text::clock;
use crate::text::escape::push_escaped;
use crate::text::window::{LineIndex, Window};

/// A rendered record larger than this many bytes is shown through windows.
pub const WHOLE_RECORD_BYTES: usize = 4096;
/// A rendered record of more lines than this is shown through windows.
pub const WHOLE_RECORD_LINES: usize = 40;
/// Lines of context a snippet shows either side of its labels (as the report's miette handler).
pub const CONTEXT_LINES: usize = 1;

/// The source of one snippet: a whole text shared by the snippets of a key, or a window.
#[derive(Debug)]
pub enum Snippet<'s> {
    Whole(&'s NamedSource<Arc<str>>),
    Window(Window),
}

impl Snippet<'_> {
    pub fn source_code(&self) -> &dyn SourceCode {
        match self {
            Snippet::Whole(source) => *source,
            Snippet::Window(window) => window,
        }
    }
}

/// Where the snippets of one source text (a key's rendered record, a policy file) are read
/// from: the text whole when it is small, else a window per snippet.
pub struct SnippetSource<'t> {
    text: &'t str,
    name: String,
    shown: Shown,
}

enum Shown {
    Whole(NamedSource<Arc<str>>),
    Windowed(LineIndex),
}

impl<'t> SnippetSource<'t> {
    /// Snippets of `text`, named `name`; `windowed` shows them through windows whatever the size.
    pub fn new(name: String, text: &'t str, windowed: bool) -> SnippetSource<'t> {
        let large = text.len() > WHOLE_RECORD_BYTES
            || text.bytes().filter(|b| *b == b'\n').count() > WHOLE_RECORD_LINES;
        let shown = if windowed || large {
            Shown::Windowed(LineIndex::new(text))
        } else {
            Shown::Whole(NamedSource::new(name.clone(), Arc::<str>::from(text)))
        };
        SnippetSource { text, name, shown }
    }

    /// The snippet for labels at `spans` of the text, and where the spans are in it.
    pub fn snippet(&self, spans: Vec<Range<usize>>) -> (Snippet<'_>, Vec<Range<usize>>) {
        match &self.shown {
            Shown::Whole(whole) => (Snippet::Whole(whole), spans),
            Shown::Windowed(lines) => {
                let (window, spans) =
                    lines.window(self.name.clone(), self.text, &spans, CONTEXT_LINES);
                (Snippet::Window(window), spans)
            }
        }
    }
}

/// The rendered record and where each part of it is.
pub struct RenderedRecord {
    pub text: String,
    fields: Vec<(FieldName, Range<usize>)>,
    /// Rendered span of each raw `allow_ips` line.
    allow_lines: Vec<Range<usize>>,
    /// For `model_limits`: rendered offset of each raw byte offset (plus one past the end).
    model_offsets: Vec<usize>,
}

impl RenderedRecord {
    pub fn new(record: &KeyRecord) -> RenderedRecord {
        let mut out = RenderedRecord {
            text: String::from("{\n"),
            fields: Vec::new(),
            allow_lines: Vec::new(),
            model_offsets: Vec::new(),
        };
        let shown: Vec<FieldName> = FieldName::ALL
            .into_iter()
            .filter(|f| *f != FieldName::Key)
            .collect();
        for (i, field) in shown.iter().enumerate() {
            let _ = write!(out.text, "  \"{field}\": ");
            let start = out.text.len();
            match record.field(*field) {
                FieldState::Present(FieldValue::Integer(v)) => out.text.push_str(&v.to_string()),
                FieldState::Present(FieldValue::Bool(v)) => out.text.push_str(&v.to_string()),
                FieldState::Present(FieldValue::Null) => out.text.push_str("null"),
                FieldState::Present(FieldValue::String(s)) => {
                    let offsets = out.push_quoted(s);
                    match field {
                        FieldName::ModelLimits => out.model_offsets = offsets,
                        FieldName::AllowIps => {
                            out.allow_lines = AllowList::parse(Some(s))
                                .lines
                                .iter()
                                .map(|l| offsets[l.raw.start]..offsets[l.raw.end])
                                .collect();
                        }
                        _ => {}
                    }
                }
                FieldState::Missing => out.text.push_str("<missing>"),
                FieldState::Mistyped(found) => {
                    let _ = write!(out.text, "<{found}>");
                }
            }
            let end = out.text.len();
            out.fields.push((*field, start..end));
            if i + 1 < shown.len() {
                out.text.push(',');
            }
            if field.is_time()
                && let FieldState::Present(FieldValue::Integer(t)) = record.field(*field)
            {
                let note = if *field == FieldName::ExpiredTime && t == -1 {
                    "never".to_owned()
                } else {
                    clock::format_timestamp(t)
                };
                let _ = write!(out.text, "  // {note}");
            }
            out.text.push('\n');
        }
        out.text.push_str("}\n");
        out
    }

    /// Appends `s` quoted and escaped; returns the rendered offset of every raw byte offset.
    fn push_quoted(&mut self, s: &str) -> Vec<usize> {
        self.text.push('"');
        let mut offsets = vec![0; s.len() + 1];
        for (i, c) in s.char_indices() {
            offsets[i] = self.text.len();
            if c == '"' || c == '\\' {
                self.text.push('\\');
                self.text.push(c);
            } else {
                push_escaped(&mut self.text, c);
            }
        }
        offsets[s.len()] = self.text.len();
        self.text.push('"');
        offsets
    }

    /// The span of a field's rendered value.
    pub fn field_span(&self, field: FieldName) -> Option<Range<usize>> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, r)| r.clone())
    }

    /// The spans a finding's target points at (several for a list of fields).
    pub fn spans(&self, target: &Target) -> Vec<Range<usize>> {
        match target {
            Target::Record => Vec::new(),
            Target::Field(f) => self.field_span(*f).into_iter().collect(),
            Target::Fields(fields) => fields.iter().filter_map(|f| self.field_span(*f)).collect(),
            Target::AllowLine(i) => self
                .allow_lines
                .get(*i)
                .cloned()
                .or_else(|| self.field_span(FieldName::AllowIps))
                .into_iter()
                .collect(),
            Target::ModelEntry(range) => {
                match (
                    self.model_offsets.get(range.start),
                    self.model_offsets.get(range.end),
                ) {
                    (Some(&s), Some(&e)) => std::iter::once(s..e).collect(),
                    _ => self
                        .field_span(FieldName::ModelLimits)
                        .into_iter()
                        .collect(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::key;
    use crate::inventory::Field;

    #[test]
    fn spans_point_at_lines_and_entries_through_escapes() {
        let mut record = key();
        record.allow_ips = Field::Present(Some("1.2.3.4\n\u{1b}x\n10.0.0.0/8".into()));
        record.model_limits = Field::Present("a, \"b\"".into());
        record.remain_quota = Field::Mistyped(crate::inventory::JsonType::String);
        record.used_quota = Field::Missing;
        let r = RenderedRecord::new(&record);
        let at = |span: &Range<usize>| &r.text[span.clone()];
        assert_eq!(at(&r.spans(&Target::AllowLine(0))[0]), "1.2.3.4");
        assert_eq!(at(&r.spans(&Target::AllowLine(1))[0]), "\\u{001b}x");
        assert_eq!(at(&r.spans(&Target::AllowLine(2))[0]), "10.0.0.0/8");
        assert_eq!(at(&r.spans(&Target::ModelEntry(2..6))[0]), " \\\"b\\\"");
        assert_eq!(
            at(&r.spans(&Target::Field(FieldName::RemainQuota))[0]),
            "<string>"
        );
        assert_eq!(
            at(&r.spans(&Target::Field(FieldName::UsedQuota))[0]),
            "<missing>"
        );
        assert!(
            r.text
                .contains("\"created_time\": 1794830400,  // 2026-11-16T12:00:00Z")
        );
        assert!(!r.text.contains("key_sha256") && !r.text.contains("0123456789abcdef"));
        assert!(!r.text.contains('\u{1b}'));
    }
}
