//! `--format human`: miette diagnostics grouped by key. Each finding shows its severity, rule id
//! and name, message and help, over the key's record (secret-free, control characters escaped)
//! with a label on the offending field, `allow_ips` line or `model_limits` entry. A summary
//! line closes the report.

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};

use super::record::RenderedRecord;
use super::{Run, summary_line};
use crate::finding::{Finding, Severity, SuppressionKind};
use crate::sanitize::{escape, quote};

/// Renders the human report; `color` selects the coloured theme.
pub fn render(run: &Run<'_>, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .with_context_lines(1);
    let mut out = String::new();
    let mut start = 0;
    while start < run.findings.len() {
        let key = run.findings[start].key;
        let end = start
            + run.findings[start..]
                .iter()
                .take_while(|f| f.key == key)
                .count();
        render_key(run, &run.findings[start..end], &handler, &mut out);
        out.push('\n');
        start = end;
    }
    out.push_str(&summary_line(run));
    out.push('\n');
    out
}

fn render_key(
    run: &Run<'_>,
    findings: &[Finding],
    handler: &GraphicalReportHandler,
    out: &mut String,
) {
    let Some(key) = findings[0].key else {
        return render_policy(run, findings, handler, out);
    };
    let record = &run.inventory.keys[key];
    let title = match record.name.get() {
        Some(name) => format!("key {} {}", record.id, quote(name)),
        None => format!("key {}", record.id),
    };
    out.push_str(&format!(
        "── {title} ({}) ──\n",
        record.effective_status(run.now)
    ));
    let rendered = RenderedRecord::new(record);
    let source = NamedSource::new(title, Arc::<str>::from(rendered.text.as_str()));
    for finding in findings {
        let rule = &run.policy.rules[finding.rule];
        let mut help = rule.help.as_deref().map(|h| escape(h).into_owned());
        if let Some(s) = &finding.suppressed {
            let kind = match s.kind {
                SuppressionKind::Waiver => "waived",
                SuppressionKind::Baseline => "baselined",
            };
            let note = format!("{kind}: {}", escape(&s.describe()));
            help = Some(match help {
                Some(h) => format!("{h}\n{note}"),
                None => note,
            });
        }
        let diagnostic = FindingDiagnostic {
            message: format!(
                "{} {} [{}]: {}",
                rule.id,
                rule.name,
                finding.severity,
                escape(&finding.message)
            ),
            severity: finding.severity,
            help,
            labels: rendered
                .spans(&finding.target)
                .into_iter()
                .map(|span| LabeledSpan::new_with_span(Some(rule.name.clone()), span))
                .collect(),
            source: source.clone(),
        };
        // Writing into a String cannot fail.
        let _ = handler.render_report(out, &diagnostic);
    }
}

/// Findings about the policy itself (KL002, KL003), each over its waiver in the policy file.
fn render_policy(
    run: &Run<'_>,
    findings: &[Finding],
    handler: &GraphicalReportHandler,
    out: &mut String,
) {
    out.push_str("── policy ──\n");
    for finding in findings {
        let rule = &run.policy.rules[finding.rule];
        let waiver = super::waiver_of(run, finding);
        let (labels, source) = match waiver.and_then(|w| Some((w, w.source.as_ref()?))) {
            Some((waiver, (text, span))) => (
                vec![LabeledSpan::new_with_span(
                    Some(rule.name.clone()),
                    span.clone(),
                )],
                NamedSource::new(
                    escape(waiver.origin.file.as_deref().unwrap_or("policy")),
                    text.clone(),
                ),
            ),
            None => (Vec::new(), NamedSource::new("policy", Arc::<str>::from(""))),
        };
        let diagnostic = FindingDiagnostic {
            message: format!(
                "{} {} [{}]: {}",
                rule.id,
                rule.name,
                finding.severity,
                escape(&finding.message)
            ),
            severity: finding.severity,
            help: rule.help.as_deref().map(|h| escape(h).into_owned()),
            labels,
            source,
        };
        let _ = handler.render_report(out, &diagnostic);
    }
}

/// One finding as a miette diagnostic over its key's rendered record.
#[derive(Debug)]
struct FindingDiagnostic {
    message: String,
    severity: Severity,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    source: NamedSource<Arc<str>>,
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        (!self.labels.is_empty()).then_some(&self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}
