//! `--format sarif`: SARIF 2.1.0 for code scanning (GitHub's `upload-sarif`, or any SARIF viewer).
//!
//! The log is built from typed structs, so its shape is checked by the compiler and its key
//! order is fixed; it validates against the OASIS schema and GitHub's ingestion rules (both are
//! tested, and `.ci/sarif-multitool.sh` runs Microsoft's validator on it).
//!
//! # Shape
//!
//! - One run. `tool.driver` is keylint (name, version, `informationUri`) with `rules[]`: every
//!   enabled rule of the policy, in policy order, once per id (KL002 and KL003, which report on
//!   waivers, only when the policy has waivers). Each rule has `shortDescription`
//!   (its summary), `fullDescription` (summary and help), `help.text` (the same, plain) and
//!   `help.markdown` (summary, help, then the long documentation `keylint explain` shows),
//!   `helpUri` ([`HELP_URI`], the rules section of the README), `defaultConfiguration.level`
//!   (its effective severity) and `properties` (`tags`, `security-severity`, `precision`).
//! - One result per finding, in report order (key, then rule, then findings about the policy),
//!   suppressed ones included.
//! - `automationDetails.id` is `keylint/<source id>/` (see [`super::source_id`]): GitHub keeps
//!   the alerts of each account apart by this category.
//! - `results` is always present, empty when nothing was found.
//!
//! # Levels and security severity
//!
//! | keylint severity | SARIF `level` | `security-severity` | GitHub shows |
//! |---|---|---|---|
//! | error | `error` | `8.0` | High |
//! | warning | `warning` | `5.0` | Medium |
//! | note | `note` | `2.0` | Low |
//!
//! # Locations
//!
//! A key is not a file, but GitHub rejects an upload whose results lack a physical location.
//! Each result therefore points at the rule's definition: `artifactLocation.uri` is the rule
//! pack the rule came from and `region.startLine` the line of its `id`. Rules built into keylint
//! (KL0xx, which no pack defines) and any rule without a known origin point at
//! `rules/default.toml` line 1, the default pack's path in the keylint repository. A pack path
//! given as relative stays a relative URI (relative to the directory keylint ran in, normally the
//! repository root in CI); an absolute path becomes a `file://` URI, which GitHub makes relative
//! to the checkout.
//!
//! The key itself is named by the location's `logicalLocations[0]`: `name` is the key's label
//! (`key 1234 "ci-deploy"`, as in the message), `fullyQualifiedName` is `key/<id>`, `kind` is
//! `resource`.
//!
//! Findings about the policy itself (KL002 expired-waiver, KL003 unused-waiver) belong to no key:
//! they point at the waiver, the policy file and the line of its `[[waiver]]` header, and their
//! logical location is `{ name: "waiver", fullyQualifiedName: "waiver/<file>:<line>", kind:
//! "object" }`; `properties.key_id` and `key_name` are null.
//!
//! # Fingerprints
//!
//! `partialFingerprints.primaryLocationLineHash` is 32 hex digits of the SHA-256 of the source
//! (base URL without a trailing `/`, or the input path), the rule id, the key id and the
//! violating value, NUL-separated (`policy` stands for the key of a finding about the policy),
//! and for a repeat of the same value by the same rule on the same key its number (see
//! [`crate::eval::fingerprint`]): the same violation on the same key of the same account keeps
//! its alert across runs, although every result of a rule shares one physical location, and no
//! two results of a run share a fingerprint.
//! `partialFingerprints["keylint/v1"]` is the finding's fingerprint, the one baselines use.
//!
//! # Suppressions
//!
//! A waived or baselined finding carries `suppressions: [{ kind: "external", status:
//! "accepted", justification }]`; the justification is `waived: <reason>` or
//! `baselined: <reason>`, as every report words it.
//!
//! # Secrets
//!
//! Records hold no key value, so none can be reported. Results name keys by id and name only.

use serde::Serialize;

use super::{FindingView, Run};
use crate::eval::finding::Severity;
use crate::eval::fingerprint;
use crate::policy::Rule;
use crate::text::escape::escape;

/// The schema the log declares.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where a rule's documentation is published.
pub const HELP_URI: &str = "https://github.com/keylint/keylint/blob/main/README.md#rules";

/// The tool's home page.
pub const INFORMATION_URI: &str = "https://github.com/keylint/keylint";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [SarifRun<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRun<'a> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    invocations: [Invocation; 1],
    results: Results<'a>,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    help: MultiformatText,
    help_uri: &'static str,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct MultiformatText {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: Severity,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    precision: &'static str,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
}

#[derive(Serialize)]
struct RunProperties<'a> {
    source: &'a str,
    gateway: &'static str,
    evaluated_at: String,
    keys: usize,
    pages: Option<u64>,
    fail_on: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: Severity,
    message: Text,
    locations: [Location; 1],
    partial_fingerprints: PartialFingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[SarifSuppression; 1]>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    logical_locations: [LogicalLocation; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct PartialFingerprints {
    #[serde(rename = "primaryLocationLineHash")]
    primary_location_line_hash: String,
    #[serde(rename = "keylint/v1")]
    keylint_v1: String,
}

#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    key_id: Option<i64>,
    key_name: Option<&'a str>,
    field: Option<std::borrow::Cow<'static, str>>,
    evidence: &'a str,
}

/// Renders the SARIF log (pretty-printed, with a trailing newline).
pub fn render(run: &Run<'_>) -> String {
    super::into_text(|out| write(run, out))
}

/// Writes the SARIF log to `out` as it is serialized, one result at a time.
pub fn write(run: &Run<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let source = run.inventory.provenance.source.as_str();
    let (rules, rule_index) = driver_rules(run);
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [SarifRun {
            tool: Tool {
                driver: Driver {
                    name: "keylint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            automation_details: AutomationDetails {
                id: format!("keylint/{}/", super::source_id(source)),
            },
            invocations: [Invocation {
                execution_successful: true,
            }],
            results: Results { run, rule_index },
            properties: RunProperties {
                source,
                gateway: run.gateway().name(),
                evaluated_at: crate::text::clock::format_timestamp(run.now),
                keys: run.inventory.keys.len(),
                pages: run.inventory.provenance.pages,
                fail_on: run.summary.fail_on.as_str(),
            },
        }],
    };
    super::write_json_document(out, &log)
}

/// The results, built and serialized one by one as they are written: the log of a large
/// inventory never holds them all.
struct Results<'a> {
    run: &'a Run<'a>,
    /// For each policy rule, the index of its descriptor in `tool.driver.rules`.
    rule_index: Vec<usize>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let source = self.run.inventory.provenance.source.as_str();
        serializer.collect_seq(
            self.run
                .views()
                .map(|view| result(&view, source, self.rule_index[view.finding.rule])),
        )
    }
}

/// `tool.driver.rules`: every enabled rule (and any rule a finding names), in policy order, once
/// per id, but KL002 / KL003 only when the policy has waivers; and for each policy rule, the
/// index of its descriptor.
fn driver_rules<'a>(run: &Run<'a>) -> (Vec<ReportingDescriptor<'a>>, Vec<usize>) {
    let policy = run.policy;
    let mut reported = vec![false; policy.rules.len()];
    for finding in run.findings {
        reported[finding.rule] = true;
    }
    let mut rules: Vec<ReportingDescriptor<'a>> = Vec::new();
    let mut index_of = vec![0; policy.rules.len()];
    for (i, rule) in policy.rules.iter().enumerate() {
        // KL002 and KL003 report on waivers: without waivers they cannot fire.
        let about_waivers = rule.kind.reports_on_waivers();
        if (!rule.enabled || (about_waivers && policy.waivers.is_empty())) && !reported[i] {
            continue;
        }
        index_of[i] = match rules.iter().position(|d| d.id == rule.id) {
            Some(existing) => existing,
            None => {
                rules.push(descriptor(rule));
                rules.len() - 1
            }
        };
    }
    (rules, index_of)
}

fn descriptor(rule: &Rule) -> ReportingDescriptor<'_> {
    let summary = sentence(&rule.summary);
    let (full, markdown) = match &rule.help {
        Some(help) => (
            format!("{summary} {help}"),
            format!("**{summary}** {help}\n\n{}", rule.doc()),
        ),
        None => (summary.clone(), format!("**{summary}**\n\n{}", rule.doc())),
    };
    ReportingDescriptor {
        id: &rule.id,
        name: &rule.name,
        short_description: Text {
            text: rule.summary.clone(),
        },
        full_description: Text { text: full.clone() },
        help: MultiformatText {
            text: format!(
                "{full}\n\n`keylint explain {}` shows the full documentation.",
                rule.id
            ),
            markdown,
        },
        help_uri: HELP_URI,
        default_configuration: Configuration {
            level: rule.severity,
        },
        properties: RuleProperties {
            tags: vec!["security", "api-keys", rule.check_name()],
            security_severity: security_severity(rule.severity),
            precision: "very-high",
        },
    }
}

fn result<'a>(view: &FindingView<'a>, source: &str, rule_index: usize) -> SarifResult<'a> {
    let (rule, finding) = (view.rule, view.finding);
    let definition = view.definition();
    let (uri, line) = (definition.uri(), definition.line);
    let label = view.label();
    let logical = match (view.key_id(), view.waiver()) {
        (Some(key_id), _) => LogicalLocation {
            name: label.clone(),
            fully_qualified_name: format!("key/{key_id}"),
            kind: "resource",
        },
        (None, waiver) => LogicalLocation {
            name: "waiver".to_owned(),
            fully_qualified_name: match waiver {
                Some(w) => format!("waiver/{}", escape(&w.location())),
                None => "policy".to_owned(),
            },
            kind: "object",
        },
    };
    SarifResult {
        rule_id: &rule.id,
        rule_index,
        level: finding.severity,
        message: Text {
            text: format!("{label}: {}", escape(finding.message())),
        },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri },
                region: Region { start_line: line },
            },
            logical_locations: [logical],
        }],
        partial_fingerprints: PartialFingerprints {
            primary_location_line_hash: fingerprint::location_hash(source, &rule.id, finding),
            keylint_v1: view.fingerprint(),
        },
        suppressions: view.suppression().map(|justification| {
            [SarifSuppression {
                kind: "external",
                status: "accepted",
                justification,
            }]
        }),
        properties: ResultProperties {
            key_id: view.key_id(),
            key_name: view.key_name(),
            field: view.field_path(),
            evidence: finding.evidence(),
        },
    }
}

/// GitHub's `security-severity` for a keylint severity (see the table in the module header).
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.0",
        Severity::Note => "2.0",
    }
}

/// `text` ending with a full stop (unless it ends with punctuation already).
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?', ':']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences() {
        assert_eq!(
            sentence("Enabled key that never expires"),
            "Enabled key that never expires."
        );
        assert_eq!(sentence("Done."), "Done.");
    }
}
