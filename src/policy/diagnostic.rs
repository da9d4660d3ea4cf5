//! Errors found in policy files (rule packs and `keylint.toml`), as miette diagnostics that name
//! the file, line and column and point at the offending span, over a bounded window of the file
//! ([`crate::text::window`]). Every problem of every file is collected and reported at once.
// miette's derive expands to assignments that recent rustc flags as unused.
#![allow(unused_assignments)]

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, SourceCode, SourceSpan};

use crate::text::window::{LineIndex, Window};

/// One problem in a policy file. Its snippet is a [`Window`] of the file around the span (a
/// long line cut around it), so no line of the file makes it unbounded or breaks miette.
#[derive(Debug, Clone)]
pub struct PolicyIssue {
    pub message: String,
    /// Where the problem is in the file; `None` for the file as a whole.
    pub span: Option<SourceSpan>,
    pub label: String,
    pub help: Option<String>,
    /// The lines of the file around `span`, and where `span` is in them.
    snippet: Option<(Window, SourceSpan)>,
}

impl fmt::Display for PolicyIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyIssue {}

impl Diagnostic for PolicyIssue {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("keylint::policy"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.snippet.as_ref().map(|(w, _)| w as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (_, span) = self.snippet.as_ref()?;
        let label = LabeledSpan::new_with_span(Some(self.label.clone()), *span);
        Some(Box::new(std::iter::once(label)))
    }
}

/// Collects the problems of one policy file.
pub struct IssueSink {
    path: String,
    text: Arc<str>,
    lines: LineIndex,
    pub issues: Vec<PolicyIssue>,
}

impl IssueSink {
    pub fn new(path: &str, text: Arc<str>) -> IssueSink {
        IssueSink {
            path: path.to_owned(),
            lines: LineIndex::new(&text),
            text,
            issues: Vec::new(),
        }
    }

    /// Records a problem at `span` (a byte range of the file; `None` for the file as a whole).
    pub fn push(
        &mut self,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        let snippet = span.clone().map(|span| {
            let (window, spans) = self.lines.window(
                self.path.clone(),
                &self.text,
                std::slice::from_ref(&span),
                1,
            );
            (window, SourceSpan::from(spans[0].clone()))
        });
        self.issues.push(PolicyIssue {
            message: message.into(),
            span: span.map(SourceSpan::from),
            label: label.into(),
            help,
            snippet,
        });
    }
}

/// Why the policy could not be loaded. Exit code 2.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum PolicyError {
    #[error("cannot read policy file {path}: {reason}")]
    #[diagnostic(code(keylint::policy::read))]
    Unreadable { path: String, reason: String },

    #[error("invalid policy: {count} problem{plural} in {files}", plural = if *.count == 1 { "" } else { "s" })]
    #[diagnostic(
        code(keylint::policy::invalid),
        help("fix every problem listed; keylint never falls back to defaults on a bad policy")
    )]
    Invalid {
        count: usize,
        files: String,
        #[related]
        issues: Vec<PolicyIssue>,
    },
}
