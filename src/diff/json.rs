//! `keylint diff --format json`: the versioned, machine-readable diff (also described in
//! `docs/diff-json.md`).
//!
//! # Wire format (version 1)
//!
//! ```json
//! {
//!   "version": 1,
//!   "tool": { "name": "keylint", "version": "0.1.0" },
//!   "old": { "source": "old.json", "fetched_at": "2026-11-19T12:00:00Z",
//!            "evaluated_at": "2026-11-19T12:00:00Z", "keys": 3, "gateway": "new-api" },
//!   "new": { "source": "new.json", "fetched_at": "2026-11-26T12:00:00Z",
//!            "evaluated_at": "2026-11-26T12:00:00Z", "keys": 3, "gateway": "new-api" },
//!   "keys": {
//!     "added":   [ { "key_id": 4, "key_name": "deploy" } ],
//!     "removed": [ { "key_id": 1, "key_name": "legacy" } ],
//!     "changed": [ { "key_id": 3, "key_name": "ci",
//!                    "changes": [ { "field": "allow_ips", "old": "8.8.8.8", "new": "" },
//!                                 { "field": "key", "regenerated": true } ] } ]
//!   },
//!   "findings": { "new": [ ... ], "resolved": [ ... ] },
//!   "summary": { "keys_added": 1, "keys_removed": 1, "keys_changed": 1,
//!                "new": 1, "resolved": 1, "unchanged": 4, "fail_on": "error", "failing": 1 }
//! }
//! ```
//!
//! - `old`, `new`: each side. `source` is the base URL the snapshot was fetched from, or the
//!   input path; `fetched_at` (RFC 3339, or null for an input without one); `evaluated_at`:
//!   the time the side was evaluated at (its `fetched_at`, else `--now`, else the clock);
//!   `keys`: how many keys it holds; `gateway`: its dialect (SPEC §3a).
//! - `keys.added` (in NEW's order) and `keys.removed` (in OLD's order): `key_id` and
//!   `key_name` (null when the record has no readable name). Keys are matched by id: a renamed
//!   key is in `changed`.
//! - `keys.changed` (in NEW's order): `key_id`, `key_name` (NEW's), and `changes`, one per
//!   record field that differs, in the API's field order. `field` is the API name; `old` and
//!   `new` are the values as the gateway sent them (a JSON string, integer, boolean, `null`, or
//!   one-hub's `setting` object); a field absent from the record is `{"missing": true}` and a
//!   field of the wrong JSON type is `{"mistyped": "<json type>"}`. The secret `key` is never
//!   shown, not even its digest: its change is `{"field": "key", "regenerated": true}` when
//!   both sides have a key value and they differ, else `{"field": "key", "regenerated":
//!   false, "old": "present" | {"missing": true}, "new": ...}` when only one side has one.
//! - `findings.new` (only in NEW, in NEW's report order), `findings.resolved` (only in OLD,
//!   in OLD's order) and, with `--all` only, `findings.unchanged` (in both, NEW's finding):
//!   finding objects exactly as in the `check` JSON report ([`crate::report::json`]), each
//!   with its key's status at its side's evaluation time. Findings are matched by
//!   `fingerprint`.
//! - `summary`: the counts (`unchanged` is counted with or without `--all`), the `--fail-on`
//!   limit, and `failing`: the new unsuppressed findings at or above it (exit 1 when > 0).
//!
//! New fields may be added within version 1; removing or changing one bumps `version`.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::{Change, Diff, Side};
use crate::inventory::{FieldState, FieldValue, KeyRecord};
use crate::report::json::FindingOut;
use crate::report::{FindingView, into_text};
use crate::text::clock::format_timestamp;

/// The top level of the diff report.
#[derive(Serialize)]
struct Report<'a> {
    /// Always 1 for this format.
    version: u32,
    tool: Tool,
    old: SideOut<'a>,
    new: SideOut<'a>,
    keys: KeysOut<'a>,
    findings: FindingsOut<'a>,
    summary: SummaryOut,
}

/// The program that wrote the report.
#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// One side: where it was read from, when, how many keys, which dialect.
#[derive(Serialize)]
struct SideOut<'a> {
    source: &'a str,
    fetched_at: Option<&'a str>,
    evaluated_at: String,
    keys: usize,
    gateway: &'static str,
}

/// The key changes.
#[derive(Serialize)]
struct KeysOut<'a> {
    added: Vec<KeyOut<'a>>,
    removed: Vec<KeyOut<'a>>,
    changed: Vec<ChangedOut<'a>>,
}

/// A key added or removed.
#[derive(Serialize)]
struct KeyOut<'a> {
    key_id: i64,
    key_name: Option<&'a str>,
}

/// A changed key and each field that changed.
#[derive(Serialize)]
struct ChangedOut<'a> {
    key_id: i64,
    key_name: Option<&'a str>,
    changes: Vec<ChangeOut<'a>>,
}

/// One changed field (see the module header for how values and `key` are written).
struct ChangeOut<'a>(&'a Change<'a>);

/// The findings: new, resolved, and with `--all` unchanged.
#[derive(Serialize)]
struct FindingsOut<'a> {
    new: Vec<FindingOut<'a>>,
    resolved: Vec<FindingOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unchanged: Option<Vec<FindingOut<'a>>>,
}

/// The counts, and what decides the exit code.
#[derive(Serialize)]
struct SummaryOut {
    keys_added: usize,
    keys_removed: usize,
    keys_changed: usize,
    new: usize,
    resolved: usize,
    unchanged: usize,
    fail_on: &'static str,
    failing: usize,
}

/// Renders the JSON diff (pretty-printed, with a trailing newline).
pub fn render(diff: &Diff<'_>) -> String {
    into_text(|out| write(diff, out))
}

/// Writes the JSON diff to `out`.
pub fn write(diff: &Diff<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let keys = &diff.keys;
    let report = Report {
        version: 1,
        tool: Tool {
            name: "keylint",
            version: env!("CARGO_PKG_VERSION"),
        },
        old: side(&diff.old),
        new: side(&diff.new),
        keys: KeysOut {
            added: keys.added.iter().map(|k| key(k)).collect(),
            removed: keys.removed.iter().map(|k| key(k)).collect(),
            changed: keys
                .changed
                .iter()
                .map(|c| ChangedOut {
                    key_id: c.new.id,
                    key_name: c.new.name.get().map(String::as_str),
                    changes: c.changes.iter().map(ChangeOut).collect(),
                })
                .collect(),
        },
        findings: FindingsOut {
            new: findings(diff.new_views(), diff.new.now),
            resolved: findings(diff.resolved_views(), diff.old.now),
            unchanged: diff
                .all
                .then(|| findings(diff.unchanged_views(), diff.new.now)),
        },
        summary: SummaryOut {
            keys_added: keys.added.len(),
            keys_removed: keys.removed.len(),
            keys_changed: keys.changed.len(),
            new: diff.findings.new.len(),
            resolved: diff.findings.resolved.len(),
            unchanged: diff.findings.unchanged.len(),
            fail_on: diff.fail_on.as_str(),
            failing: diff.failing,
        },
    };
    crate::report::write_json_document(out, &report)
}

/// The findings of `views`, their keys' status at `now`.
fn findings<'a>(views: impl Iterator<Item = FindingView<'a>>, now: i64) -> Vec<FindingOut<'a>> {
    views.map(|v| FindingOut::of(&v, now)).collect()
}

fn side<'a>(side: &Side<'a>) -> SideOut<'a> {
    let provenance = &side.inventory.provenance;
    SideOut {
        source: side.source,
        fetched_at: provenance.fetched_at.as_deref(),
        evaluated_at: format_timestamp(side.now),
        keys: side.inventory.keys.len(),
        gateway: provenance.gateway.name(),
    }
}

fn key(record: &KeyRecord) -> KeyOut<'_> {
    KeyOut {
        key_id: record.id,
        key_name: record.name.get().map(String::as_str),
    }
}

impl Serialize for ChangeOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("field", self.0.field().as_str())?;
        match self.0 {
            Change::Field { old, new, .. } => {
                map.serialize_entry("old", &StateOut(old))?;
                map.serialize_entry("new", &StateOut(new))?;
            }
            Change::KeyRegenerated => map.serialize_entry("regenerated", &true)?,
            Change::KeyPresence { old, new } => {
                map.serialize_entry("regenerated", &false)?;
                map.serialize_entry("old", &KeyPresence(*old))?;
                map.serialize_entry("new", &KeyPresence(*new))?;
            }
        }
        map.end()
    }
}

/// A field's state: its value, `{"missing": true}` or `{"mistyped": "<json type>"}`.
struct StateOut<'a>(&'a FieldState<'a>);

impl Serialize for StateOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            FieldState::Present(value) => match value {
                FieldValue::Integer(v) => serializer.serialize_i64(*v),
                FieldValue::Bool(v) => serializer.serialize_bool(*v),
                FieldValue::String(v) => serializer.serialize_str(v),
                FieldValue::Null => serializer.serialize_unit(),
                FieldValue::Setting(v) => v.serialize(serializer),
            },
            FieldState::Missing => missing(serializer),
            FieldState::Mistyped(found) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("mistyped", found.as_str())?;
                map.end()
            }
        }
    }
}

/// Whether a side has a key value: `"present"`, or `{"missing": true}`.
struct KeyPresence(bool);

impl Serialize for KeyPresence {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 {
            serializer.serialize_str("present")
        } else {
            missing(serializer)
        }
    }
}

fn missing<S: Serializer>(serializer: S) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry("missing", &true)?;
    map.end()
}
