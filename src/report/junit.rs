//! `--format junit`: JUnit XML for CI systems that show test reports (GitLab's
//! `artifacts:reports:junit`, Jenkins, Azure Pipelines, ...).
//!
//! ```xml
//! <testsuites name="keylint" tests="12" failures="1" errors="0" skipped="0" time="0">
//!   <testsuite name="keylint api.cometapi.com" tests="12" failures="1" ...>
//!     <testcase classname="keylint.api_cometapi_com" name="key 1012 prod-api" time="0"/>
//!     <testcase classname="keylint.api_cometapi_com" name="key 1011 ci-runner-3" time="0">
//!       <failure type="KL101" message="the key never expires (expired_time is -1)">...</failure>
//!     </testcase>
//!   </testsuite>
//! </testsuites>
//! ```
//!
//! - One `<testcase>` per key of the inventory, in inventory order; `classname` is
//!   `keylint.<source id>` (dots of the id become `_`, so viewers that split packages on dots
//!   keep it whole), `name` is `key <id> <name>`.
//! - One `<failure>` per finding that fails the run (unsuppressed, at or above `--fail-on`):
//!   `type` is the rule id, `message` the finding's message; the body repeats rule, severity,
//!   field and fix.
//! - Findings that do not fail the run — waived or baselined ones, and those below `--fail-on` —
//!   are listed in the test case's `<system-out>`, one line each, starting with the rule id. They
//!   are not `<skipped>`: the key was checked, and a suppressed finding is not a skipped test.
//!   So a test case fails exactly when its key fails the gate, and the report agrees with the
//!   exit code.
//! - Findings about the policy itself (KL002 expired-waiver, KL003 unused-waiver) belong to no
//!   key: they go to one more test case, named `policy`, after the keys (only when there are
//!   such findings).
//! - `tests` counts test cases (keys, plus `policy`); `failures` counts failing test cases, as
//!   JUnit counts tests; `errors` and `skipped` are 0. The number of failing findings is the
//!   `failing_findings` property.
//!
//! Text from the inventory is made visible first (control characters become `\u{..}`, see
//! [`crate::text::escape`]); then `& < > " '` are escaped and any character XML 1.0 forbids is dropped.

use std::fmt::Write as _;

use super::{Run, source_id};
use crate::eval::finding::{Finding, SuppressionKind};
use crate::text::escape::escape;

/// Renders the JUnit XML report.
pub fn render(run: &Run<'_>) -> String {
    let source = &run.inventory.provenance.source;
    let id = source_id(source);
    let classname = format!("keylint.{}", id.replace('.', "_"));
    let mut by_key: Vec<Vec<&Finding>> = vec![Vec::new(); run.inventory.keys.len()];
    let mut policy: Vec<&Finding> = Vec::new();
    for finding in run.findings {
        match finding.key {
            Some(key) => by_key[key].push(finding),
            None => policy.push(finding),
        }
    }
    let tests = by_key.len() + usize::from(!policy.is_empty());
    let failing_keys = by_key
        .iter()
        .chain(std::iter::once(&policy))
        .filter(|findings| findings.iter().any(|f| run.fails(f)))
        .count();
    let counts = format!(r#"tests="{tests}" failures="{failing_keys}" errors="0" skipped="0""#);
    let timestamp = crate::text::clock::format_timestamp(run.now);
    let timestamp = timestamp.trim_end_matches('Z');

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, r#"<testsuites name="keylint" {counts} time="0">"#);
    let _ = writeln!(
        out,
        r#"  <testsuite name="keylint {}" {counts} time="0" timestamp="{}">"#,
        attr(&id),
        attr(timestamp)
    );
    out.push_str("    <properties>\n");
    for (name, value) in [
        ("source", escape(source).into_owned()),
        (
            "evaluated_at",
            crate::text::clock::format_timestamp(run.now),
        ),
        ("fail_on", run.summary.fail_on.as_str().to_owned()),
        ("failing_findings", run.summary.failing.to_string()),
        ("waived", run.summary.waived.to_string()),
        ("baselined", run.summary.baselined.to_string()),
    ] {
        let _ = writeln!(
            out,
            r#"      <property name="{name}" value="{}"/>"#,
            attr(&value)
        );
    }
    out.push_str("    </properties>\n");
    for (record, findings) in run.inventory.keys.iter().zip(&by_key) {
        let name = match record.name.get() {
            Some(name) if !name.is_empty() => format!("key {} {}", record.id, escape(name)),
            _ => format!("key {}", record.id),
        };
        test_case(run, &classname, &name, findings, &mut out);
    }
    if !policy.is_empty() {
        test_case(run, &classname, "policy", &policy, &mut out);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// One test case: a key (or the policy), with a failure per finding that fails the run and the
/// other findings in `system-out`.
fn test_case(run: &Run<'_>, classname: &str, name: &str, findings: &[&Finding], out: &mut String) {
    let open = format!(
        r#"    <testcase classname="{}" name="{}" time="0""#,
        attr(classname),
        attr(name)
    );
    if findings.is_empty() {
        let _ = writeln!(out, "{open}/>");
        return;
    }
    let _ = writeln!(out, "{open}>");
    let mut system_out = String::new();
    for finding in findings {
        let rule = &run.policy.rules[finding.rule];
        let message = escape(&finding.message);
        if run.fails(finding) {
            let mut body = format!(
                "{} {} ({}): {message}",
                rule.id, rule.name, finding.severity
            );
            if let Some(field) = finding.target.field() {
                let _ = write!(body, "\nfield: {field}");
            }
            if let Some(help) = &rule.help {
                let _ = write!(body, "\nfix: {help}");
            }
            let _ = writeln!(
                out,
                r#"      <failure type="{}" message="{}">{}</failure>"#,
                attr(&rule.id),
                attr(&message),
                text(&body)
            );
        } else {
            let status = match &finding.suppressed {
                Some(s) => {
                    let kind = match s.kind {
                        SuppressionKind::Waiver => "waived",
                        SuppressionKind::Baseline => "baselined",
                    };
                    format!("{kind}: {}", escape(&s.describe()))
                }
                None => format!("below --fail-on {}", run.summary.fail_on.as_str()),
            };
            let _ = writeln!(
                system_out,
                "{} {} ({}, {status}): {message}",
                rule.id, rule.name, finding.severity
            );
        }
    }
    if !system_out.is_empty() {
        let _ = writeln!(
            out,
            "      <system-out>{}</system-out>",
            text(system_out.trim_end())
        );
    }
    out.push_str("    </testcase>\n");
}

/// Whether XML 1.0 allows the character at all.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Escapes character data.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars().filter(|c| is_xml_char(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value; line breaks and tabs are kept as character references (a parser
/// would otherwise normalise them to spaces).
pub fn attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars().filter(|c| is_xml_char(*c)) {
        match c {
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push_str(&text(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_illegal_characters() {
        assert_eq!(
            text(r#"a & <b> "c" 'd'"#),
            "a &amp; &lt;b&gt; &quot;c&quot; &apos;d&apos;"
        );
        assert_eq!(text("a\u{0}\u{1b}b\u{fffe}\u{ffff}c\n"), "abc\n");
        assert_eq!(attr("x\ny\t<"), "x&#10;y&#9;&lt;");
        assert_eq!(text("ü😀"), "ü😀");
    }
}
