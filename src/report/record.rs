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
use crate::inventory::setting::{IP_PATH, MODEL_PATH};
use crate::inventory::{
    AllowList, Dialect, FieldName, FieldState, FieldValue, HubSetting, KeyRecord,
};
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
    /// Rendered span of each line of the IP restriction (`allow_ips` lines, `subnet` pieces,
    /// one-hub whitelist items).
    ip_lines: Vec<Range<usize>>,
    /// For a model list held in a string: rendered offset of each raw byte offset (plus one
    /// past the end).
    model_offsets: Vec<usize>,
    /// For one-hub's model list: rendered span of each item.
    model_items: Vec<Range<usize>>,
    /// For one-hub's `setting`: rendered spans of its two restrictions, by JSON path.
    parts: Vec<(&'static str, Range<usize>)>,
}

impl RenderedRecord {
    /// Renders the fields `dialect` sends, in the order the API documents them.
    pub fn new(record: &KeyRecord, dialect: Dialect) -> RenderedRecord {
        let mut out = RenderedRecord {
            text: String::from("{\n"),
            fields: Vec::new(),
            ip_lines: Vec::new(),
            model_offsets: Vec::new(),
            model_items: Vec::new(),
            parts: Vec::new(),
        };
        let shown: Vec<FieldName> = dialect
            .fields()
            .iter()
            .copied()
            .filter(|f| *f != FieldName::Key)
            .collect();
        for (i, field) in shown.iter().enumerate() {
            let _ = write!(out.text, "  \"{field}\": ");
            let start = out.text.len();
            out.push_value(*field, record.field(*field));
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

    fn push_value(&mut self, field: FieldName, state: FieldState<'_>) {
        match state {
            FieldState::Present(FieldValue::Integer(v)) => self.text.push_str(&v.to_string()),
            FieldState::Present(FieldValue::Bool(v)) => self.text.push_str(&v.to_string()),
            FieldState::Present(FieldValue::Null) => self.text.push_str("null"),
            FieldState::Present(FieldValue::String(s)) => {
                let offsets = self.push_quoted(s);
                match field {
                    FieldName::ModelLimits | FieldName::Models => self.model_offsets = offsets,
                    FieldName::AllowIps => {
                        self.ip_lines = AllowList::parse(Some(s))
                            .lines
                            .iter()
                            .map(|l| offsets[l.raw.start]..offsets[l.raw.end])
                            .collect();
                    }
                    FieldName::Subnet => {
                        let mut start = 0;
                        for piece in s.split(',') {
                            let end = start + piece.len();
                            self.ip_lines.push(offsets[start]..offsets[end]);
                            start = end + 1;
                        }
                    }
                    _ => {}
                }
            }
            FieldState::Present(FieldValue::Setting(setting)) => self.push_setting(setting),
            FieldState::Missing => self.text.push_str("<missing>"),
            FieldState::Mistyped(found) => {
                let _ = write!(self.text, "<{found}>");
            }
        }
    }

    /// one-hub's `setting`, reduced to the two restrictions keylint reads, one per line.
    fn push_setting(&mut self, setting: &HubSetting) {
        self.text.push_str("{\"limits\": {\n");
        let switches = [
            (IP_PATH, "limits_ip_setting", "whitelist", &setting.ip),
            (MODEL_PATH, "limit_model_setting", "models", &setting.model),
        ];
        for (i, (path, name, list, switch)) in switches.into_iter().enumerate() {
            self.text.push_str("    ");
            let start = self.text.len();
            let _ = write!(
                self.text,
                "\"{name}\": {{\"enabled\": {}, \"{list}\": [",
                switch.enabled
            );
            let mut items = Vec::with_capacity(switch.list.len());
            for (j, item) in switch.list.iter().enumerate() {
                if j > 0 {
                    self.text.push_str(", ");
                }
                let offsets = self.push_quoted(item);
                items.push(offsets[0] - 1..offsets[item.len()] + 1);
            }
            self.text.push_str("]}");
            self.parts.push((path, start..self.text.len()));
            if i == 0 {
                self.ip_lines = items;
                self.text.push(',');
            } else {
                self.model_items = items;
            }
            self.text.push('\n');
        }
        self.text.push_str("  }}");
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
            Target::Part(f, path) => self
                .parts
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, r)| r.clone())
                .or_else(|| self.field_span(*f))
                .into_iter()
                .collect(),
            Target::IpLine { field, line } => self
                .ip_lines
                .get(*line)
                .cloned()
                .or_else(|| self.field_span(*field))
                .into_iter()
                .collect(),
            Target::ModelEntry {
                field,
                index,
                range,
            } => {
                let span = match range {
                    Some(range) => match (
                        self.model_offsets.get(range.start),
                        self.model_offsets.get(range.end),
                    ) {
                        (Some(&s), Some(&e)) => Some(s..e),
                        _ => None,
                    },
                    None => self.model_items.get(*index).cloned(),
                };
                span.or_else(|| self.field_span(*field))
                    .into_iter()
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::key;
    use crate::inventory::Field;

    fn ip_line(line: usize) -> Target {
        Target::IpLine {
            field: FieldName::AllowIps,
            line,
        }
    }

    #[test]
    fn spans_point_at_lines_and_entries_through_escapes() {
        let mut record = key();
        record.allow_ips = Field::Present(Some("1.2.3.4\n\u{1b}x\n10.0.0.0/8".into()));
        record.model_limits = Field::Present("a, \"b\"".into());
        record.remain_quota = Field::Mistyped(crate::inventory::JsonType::String);
        record.used_quota = Field::Missing;
        let r = RenderedRecord::new(&record, Dialect::NewApi);
        let at = |span: &Range<usize>| &r.text[span.clone()];
        assert_eq!(at(&r.spans(&ip_line(0))[0]), "1.2.3.4");
        assert_eq!(at(&r.spans(&ip_line(1))[0]), "\\u{001b}x");
        assert_eq!(at(&r.spans(&ip_line(2))[0]), "10.0.0.0/8");
        assert_eq!(
            at(&r.spans(&Target::ModelEntry {
                field: FieldName::ModelLimits,
                index: 1,
                range: Some(2..6)
            })[0]),
            " \\\"b\\\""
        );
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
