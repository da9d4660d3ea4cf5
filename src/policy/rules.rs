//! Validating a `[[rule]]` table: its id and name (well-formed, unique across every layer),
//! severity, check kind, summary, selector and parameters. Every problem of the table is
//! reported; the rule joins the policy only when it has none.

use std::ops::Range;

use toml::Spanned;

use super::diagnostic::IssueSink;
use super::layers::Loader;
use super::params::validate_params;
use super::raw::{RawRule, report_missing};
use super::selectors::validate_when;
use super::source::PolicyFile;
use super::{Origin, Rule};
use crate::checks::{self, CheckKind};
use crate::eval::finding::Severity;
use crate::text::suggest::did_you_mean;

impl Loader {
    /// The rule a `[[rule]]` table defines, or `None` after reporting its problems. `header`
    /// is the span of the table's `[[rule]]` header.
    pub(super) fn validate_rule(
        &mut self,
        raw: RawRule,
        header: Range<usize>,
        file: &PolicyFile,
        sink: &mut IssueSink,
    ) -> Option<Rule> {
        let before = sink.issues.len();
        report_missing(
            "rule",
            &[
                ("id", raw.id.is_some()),
                ("name", raw.name.is_some()),
                ("severity", raw.severity.is_some()),
                ("check", raw.check.is_some()),
                ("summary", raw.summary.is_some()),
            ],
            &header,
            sink,
        );
        let line = file.line(raw.id.as_ref().map_or(header.start, |id| id.span().start));
        if let Some(id) = &raw.id {
            check_id(id, file.shipped, sink);
        }
        if let Some(name) = &raw.name {
            check_name(name, sink);
        }
        self.register_identity(&raw, &format!("{} line {line}", file.path), sink);
        let severity = raw.severity.as_ref().and_then(|s| parse_severity(s, sink));
        let kind = raw
            .check
            .as_ref()
            .and_then(|check| lookup_kind(check, sink));
        if let Some(summary) = &raw.summary {
            check_summary(summary, sink);
        }
        let selector = validate_when(raw.when, sink);
        let params = match (kind, &raw.check) {
            (Some(kind), Some(check)) => {
                validate_params(kind, raw.params, check.span(), None, sink)
            }
            _ => None,
        };
        if sink.issues.len() > before {
            return None;
        }
        Some(Rule {
            id: raw.id?.into_inner(),
            name: raw.name?.into_inner(),
            severity: severity?,
            enabled: true,
            kind: kind?,
            summary: raw.summary?.into_inner(),
            help: raw.help.map(Spanned::into_inner),
            selector,
            params: params?,
            origin: Origin {
                file: Some(file.path.clone()),
                line,
            },
            changes: Vec::new(),
        })
    }

    /// Records where the rule's id and name are defined; reports one defined before.
    fn register_identity(&mut self, raw: &RawRule, here: &str, sink: &mut IssueSink) {
        let written = [("id", &raw.id), ("name", &raw.name)];
        for (what, value) in written {
            let Some(value) = value else { continue };
            let text = value.get_ref();
            if let Some(first) = self.defined.get(text) {
                sink.push(
                    Some(value.span()),
                    format!("duplicate rule {what} `{text}`"),
                    "defined again here",
                    Some(format!("first defined in {first}")),
                );
            } else if is_rule_id(text) || is_rule_name(text) {
                self.defined.insert(text.clone(), here.to_owned());
            }
        }
    }
}

fn check_id(id: &Spanned<String>, shipped: bool, sink: &mut IssueSink) {
    let text = id.get_ref();
    if !is_rule_id(text) {
        sink.push(
            Some(id.span()),
            format!("invalid rule id `{text}`"),
            "not an id",
            Some("rule ids are capital letters followed by digits, e.g. ACME001".to_owned()),
        );
    } else if !shipped && text.starts_with("KL") {
        sink.push(
            Some(id.span()),
            format!("rule id `{text}` uses the reserved KL prefix"),
            "reserved for keylint's own rules",
            Some("choose a prefix of your own, e.g. ACME001".to_owned()),
        );
    }
}

fn check_name(name: &Spanned<String>, sink: &mut IssueSink) {
    let text = name.get_ref();
    if !is_rule_name(text) {
        sink.push(
            Some(name.span()),
            format!("invalid rule name `{text}`"),
            "not a name",
            Some(
                "rule names are lowercase words joined by hyphens, e.g. prod-needs-allowlist"
                    .to_owned(),
            ),
        );
    }
}

fn check_summary(summary: &Spanned<String>, sink: &mut IssueSink) {
    if summary.get_ref().trim().is_empty() {
        sink.push(
            Some(summary.span()),
            "the summary is empty",
            "say in one line what the rule enforces",
            None,
        );
    }
}

fn lookup_kind(check: &Spanned<String>, sink: &mut IssueSink) -> Option<&'static CheckKind> {
    let kind = checks::lookup(check.get_ref());
    if kind.is_none() {
        let names = checks::pack_kinds().map(|k| k.name);
        let help = match did_you_mean(check.get_ref(), names) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "run `keylint rules` or see the README for the check kinds".to_owned(),
        };
        sink.push(
            Some(check.span()),
            format!("unknown check kind `{}`", check.get_ref()),
            "not a check kind",
            Some(help),
        );
    }
    kind
}

/// A severity as written; an unknown one is reported.
pub(super) fn parse_severity(severity: &Spanned<String>, sink: &mut IssueSink) -> Option<Severity> {
    let parsed = Severity::from_name(severity.get_ref());
    if parsed.is_none() {
        let help = match did_you_mean(severity.get_ref(), ["error", "warning", "note"]) {
            Some(s) => format!("did you mean `{s}`? valid severities: error, warning, note"),
            None => "valid severities: error, warning, note".to_owned(),
        };
        sink.push(
            Some(severity.span()),
            format!("unknown severity `{}`", severity.get_ref()),
            "not a severity",
            Some(help),
        );
    }
    parsed
}

fn is_rule_id(id: &str) -> bool {
    let letters = id.bytes().take_while(u8::is_ascii_uppercase).count();
    letters > 0 && letters < id.len() && id.bytes().skip(letters).all(|b| b.is_ascii_digit())
}

fn is_rule_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::layers::testkit::{GOOD, load_pack, messages};
    /// A missing required key is one problem among the others of the file, not the only one.
    #[test]
    fn a_missing_key_does_not_hide_the_other_problems() {
        let text = "[[rule]]\nid = \"ACME1\"\nname = \"a\"\nseverity = 'fatal'\ncheck = \"no-expiry\"\n\n[[rule]]\nid = \"ACME2\"\nname = \"Bad\"\n";
        let issues = load_pack(text).expect_err("pack must be rejected");
        let found: Vec<(&str, usize)> = issues
            .iter()
            .map(|i| (i.message.as_str(), i.span.unwrap().offset()))
            .collect();
        let second = text.rfind("[[rule]]").unwrap();
        assert_eq!(
            found,
            [
                ("missing `summary`", 0),
                ("unknown severity `fatal`", text.find("'fatal'").unwrap()),
                ("missing `severity`", second),
                ("missing `check`", second),
                ("missing `summary`", second),
                ("invalid rule name `Bad`", text.find("\"Bad\"").unwrap()),
            ]
        );
        assert_eq!(
            issues[0].help.as_deref(),
            Some("every [[rule]] needs id, name, severity, check, summary")
        );
    }

    #[test]
    fn a_good_pack_loads_with_its_selector() {
        let policy = load_pack(GOOD).expect("valid");
        let rule = &policy.rules[0];
        assert_eq!(rule.id, "ACME001");
        assert_eq!(rule.origin.line, 3);
        assert!(rule.selector.statuses.is_none());
        assert_eq!(rule.selector.names.as_ref().unwrap().1, vec!["prod-*"]);
    }

    #[test]
    fn every_problem_of_a_file_is_reported() {
        let found = messages(
            r#"
[[rule]]
id = "KL900"
name = "Bad Name"
severity = "fatal"
check = "no-expiri"
summary = ""
[rule.when]
status = ["enabeld"]
name = ["[oops"]

[[rule]]
id = "ACME2"
name = "x"
severity = "note"
check = "key-age"
summary = "s"
colour = "red"
"#,
        );
        assert_eq!(
            found,
            vec![
                "rule id `KL900` uses the reserved KL prefix",
                "invalid rule name `Bad Name`",
                "unknown severity `fatal`",
                "unknown check kind `no-expiri`",
                "the summary is empty",
                "unknown key status `enabeld`",
                "invalid glob `[oops`",
                "unknown field `colour`, expected one of `id`, `name`, `severity`, `check`, `summary`, `help`, `when`, `params`",
            ]
        );
    }

    #[test]
    fn duplicates_and_syntax_errors() {
        let dup = format!("{GOOD}{}", GOOD.replace("ACME001", "ACME002"));
        assert_eq!(
            messages(&dup),
            vec!["duplicate rule name `prod-needs-allowlist`"]
        );
        assert_eq!(messages("[[rule]\nid = 1"), vec!["TOML syntax error"]);
        assert_eq!(messages("rules = []"), vec!["unknown key `rules`"]);
    }

    #[test]
    fn ids_and_names() {
        assert!(is_rule_id("ACME001") && is_rule_id("KL1"));
        assert!(!is_rule_id("ACME") && !is_rule_id("001") && !is_rule_id("Acme1"));
        assert!(is_rule_name("prod-needs-allowlist") && !is_rule_name("-x"));
        assert!(is_rule_name("a1-b") && !is_rule_name("a_b"));
    }
}
