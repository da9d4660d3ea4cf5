//! One finding rendered with miette. miette renders a diagnostic as independent parts, one
//! after the other: the message line(s), the source snippet with its labels, then the help. A
//! large inventory has tens of thousands of findings but only a few dozen help texts, and most
//! messages fit on one line, so [`Renderer`] renders the parts separately: the help once per
//! text, a one-line message directly, and only the snippet (and any message that needs
//! wrapping) through miette for each finding. The text is the same as rendering each
//! diagnostic whole, which it falls back to should a part not come out as expected.

use std::collections::HashMap;
use std::fmt;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use crate::eval::finding::Severity;
use crate::report::Run;
use crate::report::record::Snippet;
use crate::text::escape::escape;

/// The width the report is wrapped to.
const WIDTH: usize = 100;

/// The help of one finding.
pub(super) enum Help {
    None,
    /// The help of the rule at this index, escaped.
    Rule(usize),
    /// Any other text (a rule's help with a suppression note).
    Text(String),
}

/// Renders findings as miette renders each diagnostic whole, part by part (see the module
/// documentation).
pub(super) struct Renderer {
    pub(super) handler: GraphicalReportHandler,
    /// By severity: what miette writes for an empty message. A part is rendered as a
    /// diagnostic with an empty message and comes out after this prefix.
    empty_message: [String; 3],
    /// By severity: what comes before a message that fits on one line, and the longest such
    /// message (0 when that could not be established).
    one_line: [(String, usize); 3],
    /// Rendered help of each rule, by rule index.
    rule_help: HashMap<usize, Option<String>>,
    /// Rendered help of other texts.
    text_help: HashMap<String, Option<String>>,
    scratch: String,
}

const SEVERITIES: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Note];

fn severity_index(severity: Severity) -> usize {
    match severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Note => 2,
    }
}

impl Renderer {
    pub(super) fn new(color: bool) -> Renderer {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(WIDTH)
            .with_links(false)
            .with_context_lines(1);
        let empty_message = SEVERITIES.map(|s| whole(&handler, &message_only("", s)));
        let one_line = SEVERITIES.map(|s| one_line_layout(&handler, s));
        Renderer {
            handler,
            empty_message,
            one_line,
            rule_help: HashMap::new(),
            text_help: HashMap::new(),
            scratch: String::new(),
        }
    }

    /// Appends what `handler.render_report` writes for the diagnostic `snippet` with `message`
    /// and `help`.
    pub(super) fn render(
        &mut self,
        message: String,
        snippet: FindingDiagnostic<'_>,
        help: Help,
        run: &Run<'_>,
        out: &mut String,
    ) {
        let start = out.len();
        if self
            .render_parts(&message, &snippet, &help, run, out)
            .is_none()
        {
            out.truncate(start);
            let diagnostic = FindingDiagnostic {
                message,
                help: match help {
                    Help::None => None,
                    Help::Rule(rule) => run.policy.rules[rule]
                        .help
                        .as_deref()
                        .map(|h| escape(h).into_owned()),
                    Help::Text(text) => Some(text),
                },
                ..snippet
            };
            // Writing into a String cannot fail.
            let _ = self.handler.render_report(out, &diagnostic);
        }
    }

    /// The parts of the diagnostic, appended to `out`; `None` when a part did not come out as
    /// expected (the caller then renders the diagnostic whole).
    fn render_parts(
        &mut self,
        message: &str,
        snippet: &FindingDiagnostic<'_>,
        help: &Help,
        run: &Run<'_>,
        out: &mut String,
    ) -> Option<()> {
        let severity = severity_index(snippet.severity);
        let empty = &self.empty_message[severity];

        // The message.
        let (indent, longest) = &self.one_line[severity];
        if fits_one_line(message, *longest) {
            out.push_str(indent);
            out.push_str(message);
            out.push('\n');
        } else {
            out.push_str(&whole(
                &self.handler,
                &message_only(message, snippet.severity),
            ));
        }

        // The snippet.
        if !snippet.labels.is_empty() {
            self.scratch.clear();
            let _ = self.handler.render_report(&mut self.scratch, snippet);
            out.push_str(self.scratch.strip_prefix(empty.as_str())?);
        }

        // The help.
        let rendered = match help {
            Help::None => return Some(()),
            Help::Rule(rule) => self.rule_help.entry(*rule).or_insert_with(|| {
                let text = run.policy.rules[*rule].help.as_deref().unwrap_or_default();
                help_part(
                    &self.handler,
                    &self.empty_message,
                    escape(text).into_owned(),
                )
            }),
            Help::Text(text) => {
                if !self.text_help.contains_key(text) {
                    let part = help_part(&self.handler, &self.empty_message, text.clone());
                    self.text_help.insert(text.clone(), part);
                }
                &self.text_help[text]
            }
        };
        out.push_str(rendered.as_deref()?);
        Some(())
    }
}

/// What miette writes for a help text, after the empty message line.
fn help_part(
    handler: &GraphicalReportHandler,
    empty_message: &[String; 3],
    help: String,
) -> Option<String> {
    let severity = Severity::Error;
    let text = whole(
        handler,
        &FindingDiagnostic {
            help: Some(help),
            ..message_only("", severity)
        },
    );
    text.strip_prefix(empty_message[severity_index(severity)].as_str())
        .map(str::to_owned)
}

/// What comes before a message that fits on one line, and how long such a message can be:
/// established with miette itself, by rendering one word just short enough and one just too
/// long.
fn one_line_layout(handler: &GraphicalReportHandler, severity: Severity) -> (String, usize) {
    let probe = whole(handler, &message_only("x", severity));
    let Some(indent) = probe.strip_suffix("x\n") else {
        return (String::new(), 0);
    };
    let visible = strip_ansi(indent).chars().count();
    let longest = WIDTH.saturating_sub(2 + visible);
    let renders_on_one_line = |len: usize| {
        let word = "x".repeat(len);
        whole(handler, &message_only(&word, severity)) == format!("{indent}{word}\n")
    };
    if longest == 0 || !renders_on_one_line(longest) || renders_on_one_line(longest + 1) {
        return (String::new(), 0);
    }
    (indent.to_owned(), longest)
}

/// Whether miette writes `message` as is on one line: printable ASCII words separated by
/// single spaces, no longer than `longest`.
fn fits_one_line(message: &str, longest: usize) -> bool {
    let bytes = message.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= longest
        && bytes[0] != b' '
        && bytes[bytes.len() - 1] != b' '
        && bytes.iter().all(|b| (b' '..=b'~').contains(b))
        && !bytes.windows(2).any(|w| w == b"  ")
}

/// `text` without ANSI escape sequences (`ESC [ ... letter`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A diagnostic with a message and nothing else.
fn message_only(message: &str, severity: Severity) -> FindingDiagnostic<'static> {
    FindingDiagnostic {
        message: message.to_owned(),
        severity,
        help: None,
        labels: Vec::new(),
        source: None,
    }
}

/// What miette writes for a diagnostic.
pub(super) fn whole(
    handler: &GraphicalReportHandler,
    diagnostic: &FindingDiagnostic<'_>,
) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = handler.render_report(&mut out, diagnostic);
    out
}

/// One finding as a miette diagnostic over its key's rendered record.
#[derive(Debug)]
pub(super) struct FindingDiagnostic<'s> {
    pub(super) message: String,
    pub(super) severity: Severity,
    pub(super) help: Option<String>,
    pub(super) labels: Vec<LabeledSpan>,
    pub(super) source: Option<Snippet<'s>>,
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
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
        self.source
            .as_ref()
            .filter(|_| !self.labels.is_empty())
            .map(Snippet::source_code)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use miette::NamedSource;

    use super::*;
    use crate::policy::Policy;

    /// Messages around the one-line limit and ones miette must wrap, built from words like a
    /// finding's, and a few with spaces, tabs, line breaks and non-ASCII text.
    fn sample_messages() -> Vec<String> {
        let words = [
            "the",
            "key",
            "allow_ips",
            "entry",
            "`10.0.0.0/8`",
            "lies",
            "in",
            "the",
            "private",
            "range;",
            "a",
            "gateway",
            "reached",
            "over-the-internet",
            "sees",
            "\"ci-deploy\"",
            "(line",
            "2),",
            "KL307",
            "x",
        ];
        let mut messages: Vec<String> = Vec::new();
        for len in (1..=130).chain([200, 300]) {
            let mut message = String::new();
            let mut i = len;
            while message.len() < len {
                if !message.is_empty() {
                    message.push(' ');
                }
                message.push_str(words[i % words.len()]);
                i = (i * 7 + 3) % 1009;
            }
            message.truncate(len);
            messages.push(message.trim_end().to_owned());
            messages.push("y".repeat(len));
        }
        messages.extend(
            [
                "",
                " leading space",
                "trailing space ",
                "double  space",
                "tab\there",
                "two\nlines",
                "name \"Ünïcödé\" and 名前 is also used by key 3",
                "KL505 duplicate-name [warning]: the name \"x\" is also used by keys 1, 2",
            ]
            .map(str::to_owned),
        );
        messages
    }

    /// Rendering part by part gives what miette writes for the whole diagnostic, for messages
    /// around the one-line limit and ones it must wrap, with and without labels and help, in
    /// both themes and every severity.
    #[test]
    fn parts_render_like_whole_diagnostics() {
        let text = "{\n  \"id\": 7,\n  \"name\": \"ci-deploy\",\n  \"allow_ips\": \"1.2.3.4\\n10.0.0.0/8\",\n  \"group\": \"default\"\n}\n";
        let source = NamedSource::new("key 7 \"ci-deploy\"", Arc::<str>::from(text));
        let span = |needle: &str| {
            let start = text.find(needle).unwrap();
            LabeledSpan::new_with_span(Some("some-rule".to_owned()), start..start + needle.len())
        };
        let messages = sample_messages();
        let helps = [
            None,
            Some("Remove the entry."),
            Some(
                "Set an expiry of at most the policy's limit (API Keys -> Edit -> Expiry, or PUT \
                 /api/token/ with expired_time; send every field).",
            ),
            Some("Rotate the key.\nwaived: owned by the platform team until 2027-01-01"),
        ];
        let label_sets = [
            vec![],
            vec![span("\"ci-deploy\"")],
            vec![span("1.2.3.4"), span("10.0.0.0/8")],
            vec![span("7"), span("\"default\"")],
        ];
        let policy = Policy {
            rules: Vec::new(),
            waivers: Vec::new(),
            layers: Vec::new(),
        };
        let inventory = crate::inventory::Inventory {
            provenance: crate::inventory::Provenance {
                source: String::new(),
                pages: None,
                fetched_at: None,
                gateway: crate::inventory::Dialect::NewApi,
                gateway_named: false,
                cidr_allowlists: crate::inventory::CidrSupport::Auto,
            },
            keys: Vec::new(),
        };
        let run = Run {
            policy: &policy,
            inventory: &inventory,
            findings: &[],
            now: 0,
            summary: crate::report::Summary::default(),
        };
        for color in [false, true] {
            let mut renderer = Renderer::new(color);
            for severity in SEVERITIES {
                for (m, message) in messages.iter().enumerate() {
                    // Every message with the first label set; the others on a sample.
                    for (l, labels) in label_sets.iter().enumerate() {
                        if l > 0 && m % 5 != 0 {
                            continue;
                        }
                        let help = helps[(m + l) % helps.len()];
                        let diagnostic = FindingDiagnostic {
                            message: message.clone(),
                            severity,
                            help: help.map(str::to_owned),
                            labels: labels.clone(),
                            source: Some(Snippet::Whole(&source)),
                        };
                        let expected = whole(&renderer.handler, &diagnostic);
                        let snippet = FindingDiagnostic {
                            message: String::new(),
                            help: None,
                            ..diagnostic
                        };
                        let help = match help {
                            None => Help::None,
                            Some(h) => Help::Text(h.to_owned()),
                        };
                        let mut out = String::new();
                        renderer.render(message.clone(), snippet, help, &run, &mut out);
                        assert_eq!(out, expected, "{severity} {color} {message:?}");
                    }
                }
            }
            // The one-line layout was established for every severity.
            assert!(renderer.one_line.iter().all(|(_, longest)| *longest > 80));
        }
    }
}
