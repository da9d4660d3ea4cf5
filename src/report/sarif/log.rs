//! The SARIF 2.1.0 objects keylint writes, as typed structs: the compiler checks the shape of
//! the log and serde writes its keys in a fixed order. Only what keylint fills is declared.

use std::borrow::Cow;

use serde::Serialize;

use crate::eval::finding::Severity;

#[derive(Serialize)]
pub(super) struct Log<'a, R: Serialize> {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: [SarifRun<'a, R>; 1],
}

/// One run; `results` is whatever serializes as the array of results (written one by one).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SarifRun<'a, R: Serialize> {
    pub tool: Tool<'a>,
    pub automation_details: AutomationDetails,
    pub invocations: [Invocation; 1],
    pub results: R,
    pub properties: RunProperties<'a>,
}

#[derive(Serialize)]
pub(super) struct Tool<'a> {
    pub driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Driver<'a> {
    pub name: &'static str,
    pub version: &'static str,
    pub semantic_version: &'static str,
    pub information_uri: &'static str,
    pub rules: &'a [ReportingDescriptor<'a>],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ReportingDescriptor<'a> {
    pub id: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub short_description: Text,
    pub full_description: Text,
    pub help: MultiformatText,
    pub help_uri: &'static str,
    pub default_configuration: Configuration,
    pub properties: RuleProperties,
}

#[derive(Serialize)]
pub(super) struct Text {
    pub text: String,
}

#[derive(Serialize)]
pub(super) struct MultiformatText {
    pub text: String,
    pub markdown: String,
}

#[derive(Serialize)]
pub(super) struct Configuration {
    pub level: Severity,
}

#[derive(Serialize)]
pub(super) struct RuleProperties {
    /// A fixed number of tags, far below GitHub's 20 per rule.
    pub tags: [&'static str; 3],
    #[serde(rename = "security-severity")]
    pub security_severity: &'static str,
    pub precision: &'static str,
}

#[derive(Serialize)]
pub(super) struct AutomationDetails {
    pub id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Invocation {
    pub execution_successful: bool,
    /// What the log leaves out, and why; absent when it holds every finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_execution_notifications: Vec<Notification>,
}

/// A `notification` of the run: a message at a level, with its counts as properties.
#[derive(Serialize)]
pub(super) struct Notification {
    pub level: Severity,
    pub message: Text,
    pub properties: NotificationProperties,
}

#[derive(Serialize)]
pub(super) struct NotificationProperties {
    /// How many findings the notification is about.
    pub left_out: usize,
    /// Why: `github-limits` or `suppressed`.
    pub reason: &'static str,
}

#[derive(Serialize)]
pub(super) struct RunProperties<'a> {
    pub source: &'a str,
    pub gateway: &'static str,
    pub evaluated_at: String,
    pub keys: usize,
    pub pages: Option<u64>,
    pub fail_on: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SarifResult<'a> {
    pub rule_id: Cow<'a, str>,
    pub rule_index: usize,
    pub level: Severity,
    pub message: Text,
    /// One location per result, far below GitHub's 1,000.
    pub locations: [Location; 1],
    pub partial_fingerprints: PartialFingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressions: Option<[SarifSuppression; 1]>,
    pub properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Location {
    pub physical_location: PhysicalLocation,
    pub logical_locations: [LogicalLocation; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    pub region: Region,
}

#[derive(Serialize)]
pub(super) struct ArtifactLocation {
    pub uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Region {
    pub start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LogicalLocation {
    pub name: String,
    pub fully_qualified_name: String,
    pub kind: &'static str,
}

#[derive(Serialize)]
pub(super) struct PartialFingerprints {
    #[serde(rename = "primaryLocationLineHash")]
    pub primary_location_line_hash: String,
    #[serde(rename = "keylint/v1")]
    pub keylint_v1: String,
}

#[derive(Serialize)]
pub(super) struct SarifSuppression {
    pub kind: &'static str,
    pub status: &'static str,
    pub justification: String,
}

#[derive(Serialize)]
pub(super) struct ResultProperties<'a> {
    pub key_id: Option<i64>,
    pub key_name: Option<&'a str>,
    pub field: Option<Cow<'static, str>>,
    pub evidence: &'a str,
}
