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
//! - One result per finding, in report order (key, then rule, then findings about the policy);
//!   waived and baselined findings are left out unless `--sarif-suppressed include` (see
//!   [Suppressions](#suppressions)), and no more results than GitHub accepts (see
//!   [Limits](#limits)).
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
//! its alert across runs, although every result of a rule shares one physical location.
//! `partialFingerprints["keylint/v1"]` is the finding's fingerprint, the one baselines use.
//! Both are made distinct across every finding of the run before any report is written
//! ([`crate::eval::fingerprint::make_unique`]): no two results share either, however the
//! inventory's values hash, and leaving results out changes none of them.
//!
//! # Suppressions
//!
//! A waived or baselined finding must not become an open alert, and GitHub code scanning opens
//! one for every result it receives, `suppressions` or not. The evidence, as of 2026:
//!
//! - GitHub's reference of the SARIF it reads (github/docs,
//!   `content/code-security/reference/code-scanning/sarif-files/sarif-support-for-code-scanning.md`
//!   at commit `0c5268cc10ff2d246b7eb3fc36e7d36ed9f8bb19`, published as
//!   <https://docs.github.com/en/code-security/reference/code-scanning/sarif-files/sarif-support-for-code-scanning>):
//!   "Any valid SARIF 2.1.0 output file can be uploaded, however, code scanning will only use
//!   the following supported properties"; the `result` properties listed are `ruleId`,
//!   `ruleIndex`, `rule`, `level`, `message.text`, `locations[]`, `partialFingerprints`,
//!   `codeFlows[]` and `relatedLocations[]`, and "the rest of the supported fields are
//!   ignored". `suppressions` is not among them.
//! - The upload action (github/codeql-action at commit
//!   `f3f1edbedfb4a1d188d344570834df2996d45d39`, `src/upload-lib.ts`) validates the file
//!   against the schema, adds missing fingerprints and the category, gzips and posts it; no
//!   code in `src/` reads or acts on `suppressions`.
//! - github/codeql-action issue #1230, "upload-sarif@v2 Doesn't support `suppressions`
//!   property in Sarif files": a maintainer answered in September 2024 that the feature "has
//!   not been prioritized", pointing at workarounds; the separate
//!   `advanced-security/dismiss-alerts` action exists to dismiss alerts of suppressed results
//!   through the REST API after an upload.
//!
//! So by default (`--sarif-suppressed omit`) waived and baselined findings are not written: an
//! alert whose result is absent from an upload is closed, and one that never had a result is
//! never opened. The run says how many were left out in a `note` of
//! `invocations[0].toolExecutionNotifications`. With `--sarif-suppressed include` (env
//! `KEYLINT_SARIF_SUPPRESSED`) they are written, each with `suppressions: [{ kind:
//! "external", status: "accepted", justification }]` (the justification is `waived: <reason>`
//! or `baselined: <reason>`, as every report words it), for viewers that honour it or a
//! workflow that dismisses their alerts itself; uploaded as they are, they open alerts.
//!
//! # Limits
//!
//! GitHub rejects a whole upload over one of its limits (SPEC §7a), and keylint never writes
//! such a log ([`limits`], [`size`]):
//!
//! - At most [`MAX_RESULTS`] results, and at most [`size::GZIP_BUDGET`] bytes gzip-compressed
//!   (below GitHub's 10 MB; measured before the log is written). When the findings do not fit,
//!   the most severe are kept: unsuppressed before suppressed, then errors before warnings
//!   before notes, then report order; the results stay in report order. The run's
//!   `invocations[0].toolExecutionNotifications` then has a `warning` saying how many were left
//!   out and that `--format json` reports every finding, keylint prints the same on stderr, and
//!   the exit code still counts every finding. Each notification's `properties` hold
//!   `left_out` (how many findings) and `reason` (`github-limits`, or `suppressed` for the
//!   `note` about waived and baselined findings).
//! - Rule `id` and `name` within 255 characters and the descriptions within 1,024: summaries,
//!   help and names come from rule packs, so they are cut on a character boundary, ending
//!   with `…`; an id longer than 255 (ids have no length limit) keeps its first characters and
//!   ends with `-` and a hash of the whole id ([`limits::rule_id`]).
//! - At most [`limits::MAX_RULES`] rules: when the policy enables more, only the rules with
//!   results are described. Three tags per rule and one location per result, by construction.
//!
//! Only results are left out: the rules' descriptions, which the policy controls, are always
//! written.
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

mod limits;
mod log;
mod size;

pub use limits::{MAX_RESULTS, Suppressed, Written};
pub use size::GZIP_BUDGET;

use limits::{MAX_DESCRIPTION, MAX_NAME, Selection, within};
use log::{
    ArtifactLocation, AutomationDetails, Configuration, Driver, Invocation, Location, Log,
    LogicalLocation, MultiformatText, PartialFingerprints, PhysicalLocation, Region,
    ReportingDescriptor, ResultProperties, RuleProperties, RunProperties, SarifResult, SarifRun,
    SarifSuppression, Text, Tool,
};

/// The schema the log declares.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where a rule's documentation is published.
pub const HELP_URI: &str = "https://github.com/keylint/keylint/blob/main/README.md#rules";

/// The tool's home page.
pub const INFORMATION_URI: &str = "https://github.com/keylint/keylint";

/// How to write the log: the command line's `--sarif-suppressed`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub suppressed: Suppressed,
}

/// Renders the SARIF log with the default options (pretty-printed, with a trailing newline).
pub fn render(run: &Run<'_>) -> String {
    render_with(run, Options::default())
}

/// Renders the SARIF log.
pub fn render_with(run: &Run<'_>, options: Options) -> String {
    super::into_text(|out| write(run, options, out).map(|_| ()))
}

/// Writes the SARIF log to `out`, within GitHub's limits (see [Limits](#limits)): the log is
/// serialized one result at a time, first into a measure of its size and then, when it fits,
/// to `out`; a log that does not fit is measured again with fewer results.
pub fn write(
    run: &Run<'_>,
    options: Options,
    out: &mut dyn std::io::Write,
) -> std::io::Result<Written> {
    let mut max_results = MAX_RESULTS;
    loop {
        let selection = Selection::new(run, options.suppressed, max_results);
        let (rules, rule_index) = driver_rules(run, &selection);
        let log = log(run, &rules, &selection, rule_index);
        let kept = selection.kept_count();
        match size::measure(|meter| super::write_json_document(meter, &log))? {
            size::Measured::Small(bytes) => {
                out.write_all(&bytes)?;
                out.flush()?;
            }
            size::Measured::Compressed(size) if size > GZIP_BUDGET && kept > 0 => {
                max_results = size::fewer_results(kept, size);
                continue;
            }
            size::Measured::Compressed(_) => super::write_json_document(out, &log)?,
        }
        return Ok(selection.written());
    }
}

/// The log of `selection`, whose results serialize as they are written.
fn log<'a>(
    run: &'a Run<'a>,
    rules: &'a [ReportingDescriptor<'a>],
    selection: &Selection,
    rule_index: Vec<usize>,
) -> Log<'a, Results<'a>> {
    let source = run.inventory.provenance.source.as_str();
    Log {
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
                tool_execution_notifications: selection.notifications(run),
            }],
            results: Results {
                run,
                selection: *selection,
                rule_index,
            },
            properties: RunProperties {
                source,
                gateway: run.gateway().name(),
                evaluated_at: crate::text::clock::format_timestamp(run.now),
                keys: run.inventory.keys.len(),
                pages: run.inventory.provenance.pages,
                fail_on: run.summary.fail_on.as_str(),
            },
        }],
    }
}

/// The results, built and serialized one by one as they are written: the log of a large
/// inventory never holds them all.
struct Results<'a> {
    run: &'a Run<'a>,
    selection: Selection,
    /// For each policy rule, the index of its descriptor in `tool.driver.rules`.
    rule_index: Vec<usize>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let source = self.run.inventory.provenance.source.as_str();
        serializer.collect_seq(self.selection.kept(self.run.findings).map(|finding| {
            let view = self.run.view(finding);
            result(&view, source, self.rule_index[finding.rule])
        }))
    }
}

/// `tool.driver.rules`: every enabled rule (and any rule a result names), in policy order, once
/// per id, but KL002 / KL003 only when the policy has waivers, and only the rules with results
/// when that would be more than GitHub's [`limits::MAX_RULES`]; and for each policy rule, the
/// index of its descriptor.
fn driver_rules<'a>(
    run: &Run<'a>,
    selection: &Selection,
) -> (Vec<ReportingDescriptor<'a>>, Vec<usize>) {
    let policy = run.policy;
    let mut reported = vec![false; policy.rules.len()];
    for finding in selection.kept(run.findings) {
        reported[finding.rule] = true;
    }
    let listed = |i: usize, rule: &Rule| {
        // KL002 and KL003 report on waivers: without waivers they cannot fire.
        let about_waivers = rule.kind.reports_on_waivers();
        reported[i] || (rule.enabled && !(about_waivers && policy.waivers.is_empty()))
    };
    let too_many = policy
        .rules
        .iter()
        .enumerate()
        .filter(|(i, rule)| listed(*i, rule))
        .count()
        > limits::MAX_RULES;
    let mut rules: Vec<ReportingDescriptor<'a>> = Vec::new();
    let mut index_of = vec![0; policy.rules.len()];
    for (i, rule) in policy.rules.iter().enumerate() {
        if !listed(i, rule) || (too_many && !reported[i]) {
            continue;
        }
        let id = limits::rule_id(&rule.id);
        index_of[i] = match rules.iter().position(|d| d.id == id) {
            Some(existing) => existing,
            None => {
                rules.push(descriptor(rule));
                rules.len() - 1
            }
        };
    }
    (rules, index_of)
}

/// A rule's descriptor; the texts a rule pack controls are cut to GitHub's lengths.
fn descriptor(rule: &Rule) -> ReportingDescriptor<'_> {
    let summary = sentence(&rule.summary);
    let (full, markdown) = match &rule.help {
        Some(help) => (
            format!("{summary} {help}"),
            format!("**{summary}** {help}\n\n{}", rule.doc()),
        ),
        None => (summary.clone(), format!("**{summary}**\n\n{}", rule.doc())),
    };
    let name = match rule.name.len() {
        len if len <= MAX_NAME => std::borrow::Cow::Borrowed(rule.name.as_str()),
        _ => std::borrow::Cow::Owned(within(rule.name.clone(), MAX_NAME)),
    };
    ReportingDescriptor {
        id: limits::rule_id(&rule.id),
        name,
        short_description: Text {
            text: within(rule.summary.clone(), MAX_DESCRIPTION),
        },
        full_description: Text {
            text: within(full.clone(), MAX_DESCRIPTION),
        },
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
            tags: ["security", "api-keys", rule.check_name()],
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
        rule_id: limits::rule_id(&rule.id),
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

    /// A policy with more rules than GitHub accepts in a run: only those with results are
    /// described.
    #[test]
    fn more_rules_than_a_run_may_hold_describe_those_with_results() {
        use crate::checks::Target;
        use crate::eval::finding::{Finding, Subject};
        use crate::inventory::{CidrSupport, Dialect, Inventory, Provenance};
        let mut policy = crate::policy::load_policy(&crate::policy::PolicyOptions {
            default_rules: true,
            packs: Vec::new(),
        })
        .expect("default policy");
        let template = policy
            .rules
            .iter()
            .find(|r| r.id == "KL101")
            .unwrap()
            .clone();
        for n in 0..limits::MAX_RULES {
            let mut rule = template.clone();
            (rule.id, rule.name) = (format!("ACME{n}"), format!("acme-{n}"));
            policy.rules.push(rule);
        }
        let inventory = Inventory {
            keys: vec![crate::checks::testkit::key()],
            provenance: Provenance {
                source: "test".into(),
                pages: None,
                fetched_at: None,
                gateway: Dialect::NewApi,
                gateway_named: false,
                cidr_allowlists: CidrSupport::Auto,
            },
        };
        let subject = Subject::Key {
            index: 0,
            id: inventory.keys[0].id,
            target: Target::Record,
        };
        let last = policy.rules.len() - 1;
        let findings = [Finding::new(
            last,
            Severity::Error,
            subject,
            "m".into(),
            "e",
        )];
        let run = Run {
            policy: &policy,
            inventory: &inventory,
            findings: &findings,
            now: 0,
            summary: super::super::Summary::default(),
        };
        let selection = Selection::new(&run, Suppressed::Omit, MAX_RESULTS);
        let (rules, rule_index) = driver_rules(&run, &selection);
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_ref()).collect();
        assert_eq!(ids, [policy.rules[last].id.as_str()]);
        assert_eq!(rule_index[last], 0);
    }

    #[test]
    fn sentences() {
        assert_eq!(
            sentence("Enabled key that never expires"),
            "Enabled key that never expires."
        );
        assert_eq!(sentence("Done."), "Done.");
    }
}
