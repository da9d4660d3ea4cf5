//! Reports: one module per output format, each a pure function from the evaluated run to text.
//! [`Run`] is everything a reporter may read; [`Summary`] is the counting every format shares,
//! so the formats and the exit code agree by construction.
//!
//! | format | module | for |
//! |---|---|---|
//! | `human` | [`human`] | people at a terminal |
//! | `json` | [`json`] | scripts (versioned, documented) |
//! | `sarif` | [`sarif`] | code scanning (GitHub, other SARIF viewers) |
//! | `github` | [`github`] | GitHub Actions annotations (at most 10 per level) and the job's step summary |
//! | `gitlab` | [`gitlab`] | GitLab Code Quality (`artifacts:reports:codequality`) |
//! | `markdown` | [`markdown`] | review reports, pull-request comments |
//! | `junit` | [`junit`] | CI systems that read JUnit XML (GitLab, Jenkins, ...) |
//! | `html` | [`html`] | a security review in a browser: one self-contained page with charts |
//!
//! Every format reads the same [`Run::findings`], each through the one [`view::FindingView`] of
//! a finding (its rule, record, label, suppression wording and fingerprint), so `--select`,
//! `--ignore`, waivers and the baseline apply to all of them alike, and [`Run::fails`] is the
//! one place that decides whether a finding counts for the exit code. [`location`] is where a
//! finding points in the repository's files, shared by SARIF and GitLab.

pub mod github;
pub mod gitlab;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod location;
pub mod markdown;
mod record;
pub mod sarif;
pub mod view;

use crate::eval::finding::{Finding, Severity, SuppressionKind};
use crate::inventory::Inventory;
use crate::policy::Policy;

pub use view::{FindingView, key_label};

/// An evaluated run, as reporters see it.
pub struct Run<'a> {
    pub policy: &'a Policy,
    pub inventory: &'a Inventory,
    /// After `--select` / `--ignore`, in key then rule order.
    pub findings: &'a [Finding],
    /// Evaluation time, unix seconds.
    pub now: i64,
    pub summary: Summary,
}

impl Run<'_> {
    /// Whether a finding counts for the exit code: unsuppressed and at or above `--fail-on`.
    pub fn fails(&self, finding: &Finding) -> bool {
        self.summary.fail_on.fails(finding)
    }

    /// The dialect of the gateway the keys came from.
    pub fn gateway(&self) -> crate::inventory::Dialect {
        self.inventory.provenance.gateway
    }
}

/// The lowest severity that fails the run, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailOn(pub Option<Severity>);

impl FailOn {
    /// Whether a finding counts for the exit code: unsuppressed and at or above the limit.
    pub fn fails(self, finding: &Finding) -> bool {
        finding.suppressed.is_none() && self.0.is_some_and(|limit| finding.severity >= limit)
    }

    /// The limit as `--fail-on` spells it.
    pub fn as_str(self) -> &'static str {
        self.0.map_or("never", Severity::as_str)
    }
}

/// Counts shared by every format and by the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Summary {
    /// Unsuppressed findings by severity.
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings suppressed by a waiver.
    pub waived: usize,
    /// Findings suppressed by the baseline.
    pub baselined: usize,
    /// Unsuppressed findings at or above `--fail-on`.
    pub failing: usize,
    /// With `--baseline`: its entries that no longer occur (left out of the JSON report
    /// without a baseline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale_baseline: Option<usize>,
    /// The `--fail-on` that `failing` was counted against.
    #[serde(skip)]
    pub fail_on: FailOn,
}

impl Summary {
    pub fn count(findings: &[Finding], fail_on: FailOn) -> Summary {
        let mut summary = Summary {
            fail_on,
            ..Summary::default()
        };
        for finding in findings {
            match &finding.suppressed {
                Some(s) if s.kind == SuppressionKind::Waiver => summary.waived += 1,
                Some(_) => summary.baselined += 1,
                None => {
                    match finding.severity {
                        Severity::Error => summary.errors += 1,
                        Severity::Warning => summary.warnings += 1,
                        Severity::Note => summary.notes += 1,
                    }
                    if fail_on.fails(finding) {
                        summary.failing += 1;
                    }
                }
            }
        }
        summary
    }

    /// The exit code of a completely read inventory: 1 when something fails the run, else 0.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.failing > 0)
    }
}

/// A report written into memory, for callers that want it as one text (tests, benchmarks).
pub fn into_text(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    let mut bytes = Vec::new();
    write(&mut bytes).expect("writing into memory cannot fail");
    String::from_utf8(bytes).expect("reports are built from strings")
}

/// Writes a JSON document (pretty-printed, with a trailing newline) as serde serializes it.
/// serde writes in many small pieces: a buffer of a concrete type takes them without a dynamic
/// call each.
pub(crate) fn write_json_document(
    out: &mut dyn std::io::Write,
    document: &impl serde::Serialize,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut buffered, document)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// `n thing` / `n things`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The dialect, and how many keys of a new-api gateway were read as coming from a version
/// before CIDR allowlists: `new-api`, `new-api; 2 keys read without CIDR allowlists`.
pub fn gateway_note(inventory: &crate::inventory::Inventory) -> String {
    let p = &inventory.provenance;
    let legacy = match p.gateway {
        crate::inventory::Dialect::NewApi => inventory
            .keys
            .iter()
            .filter(|k| !p.cidr_allowlists.honoured(k))
            .count(),
        _ => 0,
    };
    match legacy {
        0 => p.gateway.name().to_owned(),
        n => format!(
            "{}; {} read as from a version without CIDR allowlists",
            p.gateway,
            plural(n, "key")
        ),
    }
}

/// The one-line summary every format prints to stderr (and `human` at the end of its report).
pub fn summary_line(run: &Run<'_>) -> String {
    let s = &run.summary;
    let pages = match run.inventory.provenance.pages {
        Some(p) => format!(
            ", {}",
            plural(usize::try_from(p).unwrap_or(usize::MAX), "page")
        ),
        None => String::new(),
    };
    let stale = match s.stale_baseline {
        None | Some(0) => String::new(),
        Some(1) => "; 1 baseline entry no longer occurs".to_owned(),
        Some(n) => format!("; {n} baseline entries no longer occur"),
    };
    format!(
        "{} scanned from {} ({}){pages}: {}, {}, {} ({} waived, {} baselined{stale})",
        plural(run.inventory.keys.len(), "key"),
        crate::text::escape::escape(&run.inventory.provenance.source),
        gateway_note(run.inventory),
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.notes, "note"),
        s.waived,
        s.baselined,
    )
}

/// A short, stable, file-name-safe id for the inventory's source, used where a report needs to
/// tell accounts apart (SARIF `automationDetails.id`, the JUnit class name): the base URL's host,
/// port and path (`https://api.cometapi.com` -> `api.cometapi.com`,
/// `http://127.0.0.1:3000/` -> `127.0.0.1-3000`), or the input path (`-` -> `stdin`).
/// Lower case, `[a-z0-9._-]` only; credentials, query and fragment are dropped; an id longer
/// than 64 characters is cut and ends with a hash of the whole source.
pub fn source_id(source: &str) -> String {
    let source = source.trim();
    if source == "-" {
        return "stdin".to_owned();
    }
    let rest = match source.split_once("://") {
        Some((_scheme, rest)) => {
            let rest = rest.split(['?', '#']).next().unwrap_or_default();
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host);
            format!("{host}{path}")
        }
        None => source.to_owned(),
    };
    let mut id = String::with_capacity(rest.len());
    for c in rest.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            c
        } else {
            '-'
        };
        if !(c == '-' && id.ends_with('-')) {
            id.push(c);
        }
    }
    let id = id.trim_matches(|c| c == '-' || c == '.');
    if id.is_empty() {
        return "inventory".to_owned();
    }
    if id.len() > 64 {
        let hash = crate::eval::fingerprint::fingerprint("source", 0, source);
        return format!("{}-{}", &id[..47], &hash);
    }
    id.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ids_are_stable_and_safe() {
        assert_eq!(source_id("https://api.cometapi.com"), "api.cometapi.com");
        assert_eq!(source_id("https://api.cometapi.com/"), "api.cometapi.com");
        assert_eq!(source_id("http://127.0.0.1:3000/"), "127.0.0.1-3000");
        assert_eq!(
            source_id("https://user:secret@Gateway.example/new-api/?x=1#y"),
            "gateway.example-new-api"
        );
        assert_eq!(
            source_id("examples/inventory.json"),
            "examples-inventory.json"
        );
        assert_eq!(source_id("-"), "stdin");
        assert_eq!(source_id(""), "inventory");
        assert_eq!(source_id("::/"), "inventory");
        let long = source_id(&format!("https://{}.example", "a".repeat(100)));
        assert_eq!(long.len(), 64);
        assert_ne!(
            long,
            source_id(&format!("https://{}.example", "a".repeat(101)))
        );
    }

    #[test]
    fn fail_on_counts_unsuppressed_findings_at_or_above_the_limit() {
        use crate::checks::Target;
        use crate::eval::finding::{Subject, Suppression};
        let finding = |severity, suppressed: Option<Suppression>| {
            let subject = Subject::Key {
                index: 0,
                id: 1,
                target: Target::Record,
            };
            let mut finding = Finding::new(0, severity, subject, String::new(), "");
            finding.suppressed = suppressed.map(Box::new);
            finding
        };
        let warning = finding(Severity::Warning, None);
        assert!(FailOn(Some(Severity::Warning)).fails(&warning));
        assert!(FailOn(Some(Severity::Note)).fails(&warning));
        assert!(!FailOn(Some(Severity::Error)).fails(&warning));
        assert!(!FailOn(None).fails(&warning));
        let waived = finding(
            Severity::Error,
            Some(Suppression {
                kind: SuppressionKind::Waiver,
                reason: "ok".into(),
                owner: None,
                expires: None,
                location: None,
            }),
        );
        assert!(!FailOn(Some(Severity::Note)).fails(&waived));
        assert_eq!(FailOn(None).as_str(), "never");
        assert_eq!(FailOn(Some(Severity::Warning)).as_str(), "warning");
    }
}
