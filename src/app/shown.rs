//! How a failure reaches the terminal: [`Shown`] is a copy of a diagnostic (its message, code,
//! help, labels, related diagnostics, causes and source snippet) in which every text is escaped
//! ([`crate::text::escape::escape`]). A message quotes values from files and the command line (an
//! unknown key, a glob, a `--now` value, a path, a serde error quoting a baseline value); no
//! control character of those may reach the terminal, whichever code wrote the message.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, LabeledSpan, MietteError, MietteSpanContents, ReportHandler, Severity, SourceCode,
    SourceSpan, SpanContents,
};

use crate::text::escape::{escape, escape_lines, is_unsafe};

/// An escaped copy of a diagnostic, to render with a [`miette::ReportHandler`] ([`Shown::render`]).
/// It borrows the diagnostic's source code: where each line and column is stays the original
/// source's answer, and only the bytes shown are the escaped copy's.
pub struct Shown<'a> {
    message: String,
    code: Option<String>,
    severity: Option<Severity>,
    help: Option<String>,
    url: Option<String>,
    source_code: Option<Arc<SafeSource<'a>>>,
    labels: Option<Vec<LabeledSpan>>,
    related: Vec<Shown<'a>>,
    cause: Option<Box<Shown<'a>>>,
}

impl<'a> Shown<'a> {
    /// The escaped copy of `diagnostic` and of everything it refers to.
    pub fn of(diagnostic: &'a dyn Diagnostic) -> Shown<'a> {
        Shown::copy(diagnostic, &mut HashMap::new())
    }

    /// The diagnostic as `handler` renders it.
    pub fn render(&self, handler: &dyn ReportHandler) -> String {
        struct Rendered<'r>(&'r dyn ReportHandler, &'r dyn Diagnostic);
        impl fmt::Display for Rendered<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.debug(self.1, f)
            }
        }
        Rendered(handler, self).to_string()
    }

    /// `sources` holds the escaped copy of each source already copied (by the address of its
    /// text): every problem of one policy file shares that file.
    fn copy(
        diagnostic: &'a dyn Diagnostic,
        sources: &mut HashMap<usize, Arc<SafeSource<'a>>>,
    ) -> Shown<'a> {
        let labels = diagnostic.labels().map(|labels| {
            labels
                .map(|label| {
                    let text = label.label().map(|text| escape(text).into_owned());
                    if label.primary() {
                        LabeledSpan::new_primary_with_span(text, *label.inner())
                    } else {
                        LabeledSpan::new_with_span(text, *label.inner())
                    }
                })
                .collect()
        });
        let cause = match diagnostic.diagnostic_source() {
            Some(cause) => Some(Box::new(Shown::copy(cause, sources))),
            None => diagnostic
                .source()
                .map(|cause| Box::new(Shown::error(cause))),
        };
        Shown {
            message: escape_lines(&diagnostic.to_string()).into_owned(),
            code: diagnostic
                .code()
                .map(|code| escape(&code.to_string()).into_owned()),
            severity: diagnostic.severity(),
            help: diagnostic
                .help()
                .map(|help| escape_lines(&help.to_string()).into_owned()),
            url: diagnostic
                .url()
                .map(|url| escape(&url.to_string()).into_owned()),
            source_code: diagnostic
                .source_code()
                .and_then(|source| SafeSource::shared(source, sources)),
            labels,
            related: diagnostic
                .related()
                .map(|related| related.map(|d| Shown::copy(d, sources)).collect())
                .unwrap_or_default(),
            cause,
        }
    }

    /// The escaped copy of a plain error and its causes.
    fn error(error: &(dyn std::error::Error + 'static)) -> Shown<'a> {
        Shown {
            message: escape_lines(&error.to_string()).into_owned(),
            code: None,
            severity: None,
            help: None,
            url: None,
            source_code: None,
            labels: None,
            related: Vec::new(),
            cause: error.source().map(|cause| Box::new(Shown::error(cause))),
        }
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The causes are reached through [`Diagnostic::diagnostic_source`], which miette reads first.
impl std::error::Error for Shown<'_> {}

impl Diagnostic for Shown<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|code| Box::new(code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<Severity> {
        self.severity
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.url
            .as_ref()
            .map(|url| Box::new(url) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source_code
            .as_deref()
            .map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.labels
            .as_ref()
            .map(|labels| Box::new(labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
    }

    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.cause.as_deref().map(|cause| cause as &dyn Diagnostic)
    }
}

/// A source (a policy file) whose unsafe characters are each shown as as many `?` as they have
/// bytes: the original source answers where a span is (its lines, columns and name), and the
/// bytes shown are taken at the same place in the escaped copy of its text.
struct SafeSource<'a> {
    inner: &'a dyn SourceCode,
    /// Where the original text starts in memory: a span's bytes are found in the copy at the
    /// same distance from its start.
    start: usize,
    name: Option<String>,
    text: String,
}

impl<'a> SafeSource<'a> {
    /// The escaped copy of `source`, made once per source text.
    fn shared(
        source: &'a dyn SourceCode,
        sources: &mut HashMap<usize, Arc<SafeSource<'a>>>,
    ) -> Option<Arc<SafeSource<'a>>> {
        // Where the text starts (reading no more than that) says which text it is.
        let start = source.read_span(&SourceSpan::from(0..0), 0, 0).ok()?;
        let key = start.data().as_ptr() as usize;
        if let Some(copy) = sources.get(&key) {
            return Some(copy.clone());
        }
        // The whole text: from its start, every line after it.
        let whole = source
            .read_span(&SourceSpan::from(0..0), 0, usize::MAX)
            .ok()?;
        let text = String::from_utf8_lossy(whole.data());
        let mut safe = String::with_capacity(text.len());
        for c in text.chars() {
            if is_unsafe(c) && !matches!(c, '\n' | '\r' | '\t') {
                safe.extend(std::iter::repeat_n('?', c.len_utf8()));
            } else {
                safe.push(c);
            }
        }
        let copy = Arc::new(SafeSource {
            inner: source,
            start: whole.data().as_ptr() as usize,
            name: whole.name().map(|name| escape(name).into_owned()),
            text: safe,
        });
        sources.insert(key, copy.clone());
        Some(copy)
    }
}

impl SourceCode for SafeSource<'_> {
    fn read_span<'s>(
        &'s self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'s> + 's>, MietteError> {
        let contents = self
            .inner
            .read_span(span, context_lines_before, context_lines_after)?;
        let data = contents.data();
        let at = (data.as_ptr() as usize)
            .checked_sub(self.start)
            .filter(|at| at + data.len() <= self.text.len())
            .ok_or(MietteError::OutOfBounds)?;
        let data = &self.text.as_bytes()[at..at + data.len()];
        Ok(Box::new(match &self.name {
            Some(name) => MietteSpanContents::new_named(
                name.clone(),
                data,
                *contents.span(),
                contents.line(),
                contents.column(),
                contents.line_count(),
            ),
            None => MietteSpanContents::new(
                data,
                *contents.span(),
                contents.line(),
                contents.column(),
                contents.line_count(),
            ),
        }))
    }
}
