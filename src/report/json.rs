//! `--format json`: the versioned, machine-readable report.
//!
//! # Wire format (version 1)
//!
//! ```json
//! {
//!   "version": 1,
//!   "tool": { "name": "keylint", "version": "0.1.0" },
//!   "source": "https://api.cometapi.com",      // base URL, or the input path
//!   "evaluated_at": "2026-11-26T12:00:00Z",    // --now or the clock
//!   "inventory": { "keys": 120, "gateway": "new-api", "pages": 2, "complete": true,
//!                  "fetched_at": null },        // gateway: the dialect (SPEC §3a)
//!   "summary": { "errors": 3, "warnings": 5, "notes": 1, "suppressed": 0,
//!                "waived": 0, "baselined": 0, "failing": 3 },
//!   "findings": [
//!     { "rule": "KL101", "name": "no-expiry", "severity": "error",
//!       "key_id": 1234, "key_name": "ci-deploy", "key_status": "enabled",
//!       "message": "the key never expires (expired_time is -1)",
//!       "field": "expired_time", "evidence": "-1",
//!       "fingerprint": "3f2c9a1b7d0e4c55", "suppressed": null }
//!   ]
//! }
//! ```
//!
//! `findings` is ordered by key (inventory order) then rule (policy order), then come the
//! findings about the policy itself (KL002 expired-waiver, KL003 unused-waiver), in waiver
//! order: those have `key_id`, `key_name` and `key_status` null and a `location`,
//! `{ "file": "keylint.toml", "line": 41 }`, the waiver's header (other findings have no
//! `location`). `key_name` is null when the record has no readable name; `field` is null when
//! the finding is about the record as a whole. `suppressed` is null or `{ "kind": "waiver" |
//! "baseline", "reason": "...", "owner": "...", "expires": "2027-03-31", "location":
//! "keylint.toml:41" }` (`owner`, `expires` and `location` only when known; for a baseline,
//! `location` is the baseline file). With `--baseline`, `summary.stale_baseline` counts the
//! baseline's entries that no longer occur.
//! `complete` is always true: keylint never reports on an inventory it did not read completely.
//! New fields may be added within version 1; removing or changing one bumps `version`.

use serde::Serialize;

use super::{Run, Summary};
use crate::eval::finding::{Severity, Suppression};
use crate::inventory::EffectiveStatus;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    source: &'a str,
    evaluated_at: String,
    inventory: InventoryInfo<'a>,
    summary: SummaryOut,
    findings: FindingsOut<'a>,
}

/// The findings, serialized one by one as they are written: the report of a large inventory
/// never holds a second copy of them.
struct FindingsOut<'a>(&'a Run<'a>);

impl Serialize for FindingsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let run = self.0;
        serializer.collect_seq(run.views().map(|view| FindingOut::of(&view, run.now)))
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct InventoryInfo<'a> {
    keys: usize,
    gateway: &'static str,
    pages: Option<u64>,
    complete: bool,
    fetched_at: Option<&'a str>,
}

#[derive(Serialize)]
struct SummaryOut {
    #[serde(flatten)]
    counts: Summary,
    suppressed: usize,
}

/// One finding as the JSON report writes it (also the finding objects of `keylint diff`'s JSON).
#[derive(Serialize)]
pub(crate) struct FindingOut<'a> {
    rule: &'a str,
    name: &'a str,
    severity: Severity,
    key_id: Option<i64>,
    key_name: Option<&'a str>,
    key_status: Option<&'static str>,
    message: &'a str,
    field: Option<std::borrow::Cow<'static, str>>,
    evidence: &'a str,
    fingerprint: String,
    suppressed: Option<&'a Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location<'a>>,
}

impl<'a> FindingOut<'a> {
    /// The finding of `view`, its key's status at `now`.
    pub(crate) fn of(view: &super::FindingView<'a>, now: i64) -> FindingOut<'a> {
        FindingOut {
            rule: &view.rule.id,
            name: &view.rule.name,
            severity: view.finding.severity,
            key_id: view.key_id(),
            key_name: view.key_name(),
            key_status: view.key_status(now).map(EffectiveStatus::as_str),
            message: view.finding.message(),
            field: view.field_path(),
            evidence: view.finding.evidence(),
            fingerprint: view.fingerprint(),
            suppressed: view.finding.suppressed.as_deref(),
            location: view.waiver().map(|w| Location {
                file: w.origin.file.as_deref(),
                line: w.origin.line,
            }),
        }
    }
}

/// Where a finding about the policy points: the waiver's header line.
#[derive(Serialize)]
struct Location<'a> {
    file: Option<&'a str>,
    line: usize,
}

/// Renders the JSON report (pretty-printed, with a trailing newline).
pub fn render(run: &Run<'_>) -> String {
    super::into_text(|out| write(run, out))
}

/// Writes the JSON report to `out` as it is serialized, one finding at a time.
pub fn write(run: &Run<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let report = Report {
        version: 1,
        tool: Tool {
            name: "keylint",
            version: env!("CARGO_PKG_VERSION"),
        },
        source: &run.inventory.provenance.source,
        evaluated_at: crate::text::clock::format_timestamp(run.now),
        inventory: InventoryInfo {
            keys: run.inventory.keys.len(),
            gateway: run.gateway().name(),
            pages: run.inventory.provenance.pages,
            complete: true,
            fetched_at: run.inventory.provenance.fetched_at.as_deref(),
        },
        summary: SummaryOut {
            counts: run.summary,
            suppressed: run.summary.waived + run.summary.baselined,
        },
        findings: FindingsOut(run),
    };
    super::write_json_document(out, &report)
}
