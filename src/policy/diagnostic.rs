//! Errors found in policy files (rule packs and `keylint.toml`), as miette diagnostics that name
//! the file, line and column and point at the offending span. Every problem of every file is collected and reported at once.
// miette's derive expands to assignments that recent rustc flags as unused.
#![allow(unused_assignments)]

use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};

/// One problem in a policy file.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(keylint::policy))]
pub struct PolicyIssue {
    pub message: String,
    #[source_code]
    pub source_code: NamedSource<Arc<str>>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

/// Collects the problems of one policy file.
pub struct IssueSink {
    source: NamedSource<Arc<str>>,
    pub issues: Vec<PolicyIssue>,
}

impl IssueSink {
    pub fn new(path: &str, text: Arc<str>) -> IssueSink {
        IssueSink {
            source: NamedSource::new(path, text),
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
        self.issues.push(PolicyIssue {
            message: message.into(),
            source_code: self.source.clone(),
            span: span.map(SourceSpan::from),
            label: label.into(),
            help,
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
