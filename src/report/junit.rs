//! `--format junit`: JUnit XML for CI systems that show test reports (GitLab's
//! `artifacts:reports:junit`, Jenkins, Azure Pipelines, ...).
//!
//! ```xml
//! <testsuites name="keylint" tests="12" failures="1" errors="0" skipped="0" time="0">
//!   <testsuite name="keylint api.cometapi.com" tests="12" failures="1" ...>
//!     <testcase classname="keylint.api_cometapi_com" name="key 1012 &quot;prod-api&quot;" time="0"/>
//!     <testcase classname="keylint.api_cometapi_com" name="key 1011 &quot;ci-runner-3&quot;" time="0">
//!       <failure type="KL101" message="the key never expires (expired_time is -1)">...</failure>
//!     </testcase>
//!   </testsuite>
//! </testsuites>
//! ```
//!
//! - One `<testcase>` per key of the inventory, in inventory order; `classname` is
//!   `keylint.<source id>` (dots of the id become `_`, so viewers that split packages on dots
//!   keep it whole), `name` is the key's label, `key <id> "<name>"`.
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
//! Text from the inventory is made visible first (control characters, and every character XML
//! 1.0 forbids, become `\u{..}`, see [`crate::text::escape::escape`]); then quick-xml escapes
//! `& < > " '`.

use std::fmt::Write as _;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::{FindingView, Run, key_label, source_id};
use crate::text::escape::escape;

/// Renders the JUnit XML report.
pub fn render(run: &Run<'_>) -> String {
    super::into_text(|out| write(run, out))
}

/// Writes the JUnit XML report to `out`, one test case at a time. The findings are in report
/// order (by key, then the findings about the policy), so each key's findings are consecutive.
pub fn write(run: &Run<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let source = &run.inventory.provenance.source;
    let id = source_id(source);
    let classname = format!("keylint.{}", id.replace('.', "_"));
    let has_policy_case = run.findings.iter().any(|f| f.key_index().is_none());
    let tests = (run.inventory.keys.len() + usize::from(has_policy_case)).to_string();
    let failures = failing_cases(run).to_string();
    let counts = [
        ("tests", tests.as_str()),
        ("failures", failures.as_str()),
        ("errors", "0"),
        ("skipped", "0"),
    ];
    let evaluated_at = crate::text::clock::format_timestamp(run.now);
    let suite_name = format!("keylint {id}");

    let mut xml = Xml::new(out);
    xml.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    xml.start(
        "testsuites",
        &[[("name", "keylint")].as_slice(), &counts, &[("time", "0")]],
    )?;
    xml.start(
        "testsuite",
        &[
            [("name", suite_name.as_str())].as_slice(),
            &counts,
            &[
                ("time", "0"),
                ("timestamp", evaluated_at.trim_end_matches('Z')),
            ],
        ],
    )?;
    xml.start("properties", &[])?;
    for (name, value) in [
        ("source", escape(source).into_owned()),
        ("evaluated_at", evaluated_at.clone()),
        ("fail_on", run.summary.fail_on.as_str().to_owned()),
        ("failing_findings", run.summary.failing.to_string()),
        ("waived", run.summary.waived.to_string()),
        ("baselined", run.summary.baselined.to_string()),
    ] {
        xml.empty("property", &[("name", name), ("value", &value)])?;
    }
    xml.end("properties")?;
    let mut views = run.views().peekable();
    let mut of_case = Vec::new();
    for (index, record) in run.inventory.keys.iter().enumerate() {
        of_case.clear();
        while let Some(view) = views.next_if(|v| v.finding.key_index() == Some(index)) {
            of_case.push(view);
        }
        test_case(run, &mut xml, &classname, &key_label(record), &of_case)?;
    }
    of_case.clear();
    of_case.extend(views.filter(|v| v.finding.key_index().is_none()));
    if !of_case.is_empty() {
        test_case(run, &mut xml, &classname, "policy", &of_case)?;
    }
    xml.end("testsuite")?;
    xml.end("testsuites")?;
    xml.finish()
}

/// How many test cases fail: keys with a finding that fails the run, and the policy's case.
fn failing_cases(run: &Run<'_>) -> usize {
    let mut last = None;
    let mut failing = 0;
    for finding in run.findings.iter().filter(|f| run.fails(f)) {
        let case = finding.key_index();
        if last != Some(case) {
            failing += 1;
            last = Some(case);
        }
    }
    failing
}

/// One test case: a key (or the policy), with a failure per finding that fails the run and the
/// other findings in `system-out`.
fn test_case(
    run: &Run<'_>,
    xml: &mut Xml<'_>,
    classname: &str,
    name: &str,
    views: &[FindingView<'_>],
) -> std::io::Result<()> {
    let attributes = [("classname", classname), ("name", name), ("time", "0")];
    if views.is_empty() {
        return xml.empty("testcase", &attributes);
    }
    xml.start("testcase", &[&attributes])?;
    let mut system_out = String::new();
    for view in views {
        let (rule, finding) = (view.rule, view.finding);
        let message = escape(finding.message());
        if run.fails(finding) {
            let mut body = format!(
                "{} {} ({}): {message}",
                rule.id, rule.name, finding.severity
            );
            if let Some(field) = view.field_path() {
                let _ = write!(body, "\nfield: {field}");
            }
            if let Some(help) = &rule.help {
                let help: Vec<_> = help.lines().map(escape).collect();
                let _ = write!(body, "\nfix: {}", help.join("\n"));
            }
            xml.text_element(
                "failure",
                &[("type", rule.id.as_str()), ("message", &message)],
                &body,
            )?;
        } else {
            let status = match view.suppression() {
                Some(note) => escape(&note).into_owned(),
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
        xml.text_element("system-out", &[], system_out.trim_end())?;
    }
    xml.end("testcase")
}

/// An indented XML document written as it is built. Every value reaching it has been made
/// visible by [`escape`] first, so it holds no character that XML 1.0 forbids nor a raw line
/// break in an attribute; quick-xml escapes the markup characters.
struct Xml<'w> {
    writer: Writer<&'w mut dyn std::io::Write>,
}

impl<'w> Xml<'w> {
    fn new(out: &'w mut dyn std::io::Write) -> Xml<'w> {
        Xml {
            writer: Writer::new_with_indent(out, b' ', 2),
        }
    }

    fn event(&mut self, event: Event<'_>) -> std::io::Result<()> {
        self.writer.write_event(event)
    }

    /// An opening tag with the attributes of every group, in order.
    fn start(&mut self, name: &str, attributes: &[&[(&str, &str)]]) -> std::io::Result<()> {
        let start =
            BytesStart::new(name).with_attributes(attributes.iter().copied().flatten().copied());
        self.event(Event::Start(start))
    }

    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) -> std::io::Result<()> {
        let element = BytesStart::new(name).with_attributes(attributes.iter().copied());
        self.event(Event::Empty(element))
    }

    fn end(&mut self, name: &str) -> std::io::Result<()> {
        self.event(Event::End(BytesEnd::new(name)))
    }

    /// An element holding only text, on one line.
    fn text_element(
        &mut self,
        name: &str,
        attributes: &[(&str, &str)],
        text: &str,
    ) -> std::io::Result<()> {
        self.start(name, &[attributes])?;
        self.event(Event::Text(BytesText::new(text)))?;
        self.end(name)
    }

    fn finish(self) -> std::io::Result<()> {
        self.writer.into_inner().write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        let mut out = Vec::new();
        let mut xml = Xml::new(&mut out);
        xml.text_element("a", &[("b", "x\"<'&")], r#"a & <b> "c" 'd'"#)
            .unwrap();
        xml.finish().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<a b=\"x&quot;&lt;&apos;&amp;\">a &amp; &lt;b&gt; &quot;c&quot; &apos;d&apos;</a>\n"
        );
    }
}
