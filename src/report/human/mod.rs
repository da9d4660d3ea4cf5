//! `--format human`: miette diagnostics grouped by key. Each finding shows its severity, rule id
//! and name, message and help, over the key's record (secret-free, control characters escaped)
//! with a label on the offending field, `allow_ips` line or `model_limits` entry. A summary
//! line closes the report. The report is written as it is rendered, one diagnostic at a time.
//! A large record is shown to each finding through a window around its label
//! ([`super::record::SnippetSource`]), so what one finding prints is bounded.
//!
//! | module | owns |
//! |---|---|
//! | this one | the layout: keys, the policy, the summary line; streaming |
//! | [`parts`] | rendering one finding with miette, part by part |

mod parts;

use std::fmt::Write as _;
use std::io::{self, Write};

use miette::{GraphicalReportHandler, LabeledSpan};

use super::record::{RenderedRecord, SnippetSource};
use super::{FindingView, Run, key_label, summary_line};
use crate::inventory::KeyRecord;
use crate::text::escape::{escape, escape_capped};
use parts::{FindingDiagnostic, Help, Renderer, whole};

/// The longest finding message shown, in characters (a message quotes what it is about, which
/// may be as long as the record).
const MAX_MESSAGE_CHARS: usize = 400;

/// Renders the human report; `color` selects the coloured theme.
pub fn render(run: &Run<'_>, color: bool) -> String {
    super::into_text(|out| write(run, color, out))
}

/// Writes the human report to `out` as it is rendered, one whole diagnostic (or line) per
/// write, so a scrubbing stream sees every secret whole.
pub fn write(run: &Run<'_>, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut renderer = Renderer::new(color);
    let mut sink = Sink {
        text: String::new(),
        out,
    };
    let mut start = 0;
    while start < run.findings.len() {
        let key = run.findings[start].key_index();
        let end = start
            + run.findings[start..]
                .iter()
                .take_while(|f| f.key_index() == key)
                .count();
        let views = run.findings[start..end].iter().map(|f| run.view(f));
        match key {
            Some(index) => render_key(
                run,
                &run.inventory.keys[index],
                views,
                &mut renderer,
                &mut sink,
            )?,
            None => render_policy(views, &renderer.handler, &mut sink)?,
        }
        sink.text.push('\n');
        sink.flush()?;
        start = end;
    }
    sink.text.push_str(&summary_line(run));
    sink.text.push('\n');
    sink.flush()
}

/// Where the report goes: the text of the diagnostic being rendered, then the stream.
struct Sink<'o> {
    text: String,
    out: &'o mut dyn Write,
}

impl Sink<'_> {
    /// Writes what was rendered so far with one write, and starts over.
    fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(self.text.as_bytes())?;
        self.text.clear();
        Ok(())
    }
}

/// The findings of one key, each over the key's rendered record.
fn render_key<'a>(
    run: &Run<'_>,
    record: &KeyRecord,
    views: impl Iterator<Item = FindingView<'a>>,
    renderer: &mut Renderer,
    sink: &mut Sink<'_>,
) -> io::Result<()> {
    let title = key_label(record);
    let _ = writeln!(
        sink.text,
        "── {title} ({}) ──",
        record.effective_status(run.now)
    );
    let rendered = RenderedRecord::new(record, run.gateway());
    let source = SnippetSource::new(title, &rendered.text, false);
    for view in views {
        let (rule, finding) = (view.rule, view.finding);
        let help = match (view.suppression(), &rule.help) {
            (Some(note), Some(h)) => Help::Text(format!("{}\n{}", escape(h), escape(&note))),
            (Some(note), None) => Help::Text(escape(&note).into_owned()),
            (None, Some(_)) => Help::Rule(finding.rule),
            (None, None) => Help::None,
        };
        let message = headline(&view);
        let spans = view
            .target()
            .map(|target| rendered.spans(target))
            .unwrap_or_default();
        let (snippet, spans) = source.snippet(spans);
        // The diagnostic without its message and help: miette renders those apart.
        let diagnostic = FindingDiagnostic {
            message: String::new(),
            severity: finding.severity,
            help: None,
            labels: spans
                .into_iter()
                .map(|span| LabeledSpan::new_with_span(Some(rule.name.clone()), span))
                .collect(),
            source: Some(snippet),
        };
        renderer.render(message, diagnostic, help, run, &mut sink.text);
        sink.flush()?;
    }
    Ok(())
}

/// Findings about the policy itself (KL002, KL003), each over its waiver in the policy file.
fn render_policy<'a>(
    views: impl Iterator<Item = FindingView<'a>>,
    handler: &GraphicalReportHandler,
    sink: &mut Sink<'_>,
) -> io::Result<()> {
    sink.text.push_str("── policy ──\n");
    // The policy file of the last waiver: its lines are indexed once for all its waivers.
    let mut file: Option<SnippetSource<'a>> = None;
    let mut file_text: *const u8 = std::ptr::null();
    for view in views {
        let rule = view.rule;
        let (labels, snippet) = match view.waiver().and_then(|w| Some((w, w.source.as_ref()?))) {
            Some((waiver, (text, span))) => {
                let text: &'a str = text;
                if file.is_none() || file_text != text.as_ptr() {
                    let name = escape(waiver.origin.file.as_deref().unwrap_or("policy"));
                    file = Some(SnippetSource::new(name.into_owned(), text, true));
                    file_text = text.as_ptr();
                }
                let source = file.as_ref().expect("set above");
                let (snippet, spans) = source.snippet(vec![span.clone()]);
                let labels = spans
                    .into_iter()
                    .map(|span| LabeledSpan::new_with_span(Some(rule.name.clone()), span))
                    .collect();
                (labels, Some(snippet))
            }
            None => (Vec::new(), None),
        };
        let diagnostic = FindingDiagnostic {
            message: headline(&view),
            severity: view.finding.severity,
            help: rule.help.as_deref().map(|h| escape(h).into_owned()),
            labels,
            source: snippet,
        };
        sink.text.push_str(&whole(handler, &diagnostic));
        sink.flush()?;
    }
    Ok(())
}

/// The first line of a finding: rule id and name, severity, message.
fn headline(view: &FindingView<'_>) -> String {
    format!(
        "{} {} [{}]: {}",
        view.rule.id,
        view.rule.name,
        view.finding.severity,
        escape_capped(view.finding.message(), MAX_MESSAGE_CHARS)
    )
}
