//! `--format gitlab`: a GitLab Code Quality report, the JSON array that
//! `artifacts:reports:codequality` reads (the subset of the Code Climate issue format that GitLab
//! documents under "Implement a custom tool", as ruff's `--output-format gitlab` writes it):
//!
//! ```json
//! [
//!   {
//!     "description": "KL101 no-expiry: key 1011 \"ci-runner-3\": the key never expires (expired_time is -1)",
//!     "check_name": "KL101",
//!     "fingerprint": "04115747ccb7f5eb9160a2a182844b4e",
//!     "severity": "critical",
//!     "location": { "path": "rules/default.toml", "lines": { "begin": 17 } }
//!   }
//! ]
//! ```
//!
//! One entry per unsuppressed finding, in report order (key, then rule, then findings about the
//! policy); the array is empty when there are none. GitLab has no notion of a suppressed issue,
//! so waived and baselined findings are left out, as the exit code leaves them out.
//!
//! # Fields
//!
//! - `description`: rule id and name, the key's label and the message. GitLab's merge request
//!   widget shows the description, not `check_name`, so the rule is named here too.
//! - `check_name`: the rule id (`KL101`, `ACME001`): GitLab documents it as a unique name of the
//!   check that emitted the issue, and the id is the name keylint's `--select`, `--ignore`,
//!   waivers and `keylint explain` take. The rule's name is in the description.
//! - `fingerprint`: 32 hex digits of the SHA-256 of the source (base URL without a trailing `/`,
//!   or the input path) and the finding's fingerprint (the one baselines record,
//!   [`super::FindingView::fingerprint`]). GitLab tracks an issue across pipelines by it and
//!   shows issues with one fingerprint as one, so it is stable across runs and unique in the
//!   report: the source keeps two accounts apart when a pipeline merges their reports (a
//!   snapshot written by `keylint fetch` keeps the base URL it was fetched from, so checking the
//!   snapshot gives the fingerprints of a direct run), and should two findings still share one,
//!   each repeat is hashed again with its number, in report order, until it is unused.
//! - `severity`: see the table below.
//! - `location`: the file and line the finding points at, the same [`super::location`] as SARIF's
//!   `physicalLocation`: the line of the rule's `id` in its pack (`rules/default.toml` line 1
//!   for the built-in KL0xx rules, which no pack defines), or the waiver's `[[waiver]]` line in
//!   the policy file for KL002 / KL003. GitLab wants a path, not a URI: the path is SARIF's file
//!   without percent-encoding (relative to the directory keylint ran in, normally the
//!   repository root in CI).
//!
//! # Severities
//!
//! | keylint | GitLab | why |
//! |---|---|---|
//! | error | `critical` | the findings that fail the gate: a live credential outside policy. It ranks above the `major` that linters such as ruff give every finding when GitLab merges the reports of a pipeline; `blocker` is left for what stops a merge by itself, which keylint's findings about keys do not |
//! | warning | `minor` | |
//! | note | `info` | |
//!
//! # Secrets
//!
//! Records hold no key value, so none can be reported. Entries name keys by id and name only;
//! names and messages are made visible ([`crate::text::escape::escape`]) and JSON-escaped.

use std::collections::HashSet;

use serde::Serialize;

use super::{FindingView, Run};
use crate::eval::finding::Severity;
use crate::text::digest::sha256_hex;
use crate::text::escape::escape;

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: IssueSeverity,
    location: Location,
}

/// The severities of the Code Climate format that keylint uses (see the module header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueSeverity {
    Info,
    Minor,
    Critical,
}

impl From<Severity> for IssueSeverity {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::Error => IssueSeverity::Critical,
            Severity::Warning => IssueSeverity::Minor,
            Severity::Note => IssueSeverity::Info,
        }
    }
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

/// Renders the Code Quality report (pretty-printed, with a trailing newline).
pub fn render(run: &Run<'_>) -> String {
    super::into_text(|out| write(run, out))
}

/// Writes the Code Quality report to `out` as it is serialized, one entry at a time.
pub fn write(run: &Run<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    super::write_json_document(out, &Issues { run })
}

/// The entries, built and serialized one by one as they are written.
struct Issues<'a> {
    run: &'a Run<'a>,
}

impl Serialize for Issues<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let source = self.run.inventory.provenance.source.as_str();
        let mut fingerprints = UniqueFingerprints::new(source);
        serializer.collect_seq(
            self.run
                .views()
                .filter(|view| view.finding.suppressed.is_none())
                .map(|view| issue(&view, fingerprints.next(&view.fingerprint()))),
        )
    }
}

fn issue(view: &FindingView<'_>, fingerprint: String) -> Issue {
    let rule = view.rule;
    let definition = view.definition();
    Issue {
        description: format!(
            "{} {}: {}: {}",
            escape(&rule.id),
            escape(&rule.name),
            view.label(),
            escape(view.finding.message())
        ),
        check_name: escape(&rule.id).into_owned(),
        fingerprint,
        severity: view.finding.severity.into(),
        location: Location {
            path: definition.path(),
            lines: Lines {
                begin: definition.line,
            },
        },
    }
}

/// Hands out the report's fingerprints: each one derived from the source and the finding's
/// fingerprint, and rehashed with a repeat number while it is already taken.
struct UniqueFingerprints<'a> {
    source: &'a str,
    taken: HashSet<u128>,
}

impl<'a> UniqueFingerprints<'a> {
    fn new(source: &'a str) -> Self {
        UniqueFingerprints {
            source: source.trim_end_matches('/'),
            taken: HashSet::new(),
        }
    }

    /// The fingerprint of the next entry, whose finding has the fingerprint `finding`.
    fn next(&mut self, finding: &str) -> String {
        let mut repeat: u32 = 0;
        loop {
            let candidate = self.candidate(finding, repeat);
            let digits = u128::from_str_radix(&candidate, 16).expect("32 hex digits");
            if self.taken.insert(digits) {
                return candidate;
            }
            repeat += 1;
        }
    }

    fn candidate(&self, finding: &str, repeat: u32) -> String {
        let (source, finding) = (self.source.as_bytes(), finding.as_bytes());
        if repeat == 0 {
            sha256_hex(&[source, finding], 16)
        } else {
            sha256_hex(&[source, finding, b"repeat", &repeat.to_le_bytes()], 16)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_unique_and_stable() {
        let mut first = UniqueFingerprints::new("https://api.cometapi.com/");
        let a = first.next("0123456789abcdef");
        let b = first.next("0123456789abcdef");
        let c = first.next("fedcba9876543210");
        assert_eq!(a.len(), 32);
        assert!(a != b && b != c && a != c);

        let mut again = UniqueFingerprints::new("https://api.cometapi.com");
        assert_eq!(again.next("0123456789abcdef"), a);
        assert_eq!(again.next("0123456789abcdef"), b);

        let mut other = UniqueFingerprints::new("https://gateway.example");
        assert_ne!(other.next("0123456789abcdef"), a);
    }

    #[test]
    fn severities_keep_their_order() {
        let json = |s: Severity| serde_json::to_value(IssueSeverity::from(s)).unwrap();
        assert_eq!(json(Severity::Error), "critical");
        assert_eq!(json(Severity::Warning), "minor");
        assert_eq!(json(Severity::Note), "info");
    }
}
