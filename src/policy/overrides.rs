//! `[override.ID]` tables: each names a rule loaded so far (by id or name) and changes its
//! severity, `enabled` flag or parameters; every change is recorded on the rule with where it
//! was written, for `keylint config` and `explain`.

use std::collections::HashMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeValue, ValueDeserializer};

use super::Change;
use super::diagnostic::IssueSink;
use super::layers::Loader;
use super::params::validate_params;
use super::raw::{RawOverride, RawParams, push_serde_error};
use super::rules::parse_severity;
use super::source::PolicyFile;
use crate::checks::Params;
use crate::eval::finding::Severity;
use crate::text::suggest::did_you_mean;

/// Each parameter of an override as written, with the span of `name = value`.
type Written = Vec<(String, Range<usize>)>;

/// An override that validated: what it sets, with the spans the changes are reported at.
struct Validated {
    severity: Option<(Severity, Range<usize>)>,
    enabled: Option<Spanned<bool>>,
    /// The new parameters, and each parameter as written with its span.
    params: Option<(Params, Written)>,
}

impl Loader {
    /// The rule a token (an id or a name) names, among the rules loaded so far.
    pub(super) fn find_rule(&self, token: &str) -> Option<usize> {
        self.rules
            .iter()
            .position(|r| r.id == token || r.name == token)
    }

    /// The "did you mean" help for a token that names no rule.
    pub(super) fn rule_help(&self, token: &str) -> String {
        let names = self
            .rules
            .iter()
            .flat_map(|r| [r.id.as_str(), r.name.as_str()]);
        match did_you_mean(token, names) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "name a rule of an earlier layer or of this file by id or name; `keylint rules` lists them".to_owned(),
        }
    }

    /// The `[override.ID]` tables of a file, in file order.
    pub(super) fn load_overrides(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        file: &PolicyFile,
        sink: &mut IssueSink,
    ) {
        let DeValue::Table(table) = value.get_ref() else {
            sink.push(
                Some(value.span()),
                "`override` must be a table keyed by rule",
                "not a table",
                Some(
                    "write [override.KL503] (a rule id) or [override.key-age] (a name)".to_owned(),
                ),
            );
            return;
        };
        // In file order (the parsed table is sorted by key), so that "twice" points at the
        // second one written.
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        // Rule index -> line of its first override in this file.
        let mut seen: HashMap<usize, usize> = HashMap::new();
        for (key, body) in entries {
            let key_span = key.span();
            let Some(index) = self.override_target(key.get_ref(), &key_span, &seen, sink) else {
                continue;
            };
            seen.insert(index, file.line(key_span.start));
            if !matches!(body.get_ref(), DeValue::Table(_)) {
                sink.push(
                    Some(body.span()),
                    format!("`override.{}` must be a table", key.get_ref()),
                    "not a table",
                    Some("set severity, enabled or params".to_owned()),
                );
                continue;
            }
            match RawOverride::deserialize(ValueDeserializer::from(body.clone())) {
                Ok(raw) => {
                    if let Some(valid) = self.validate_override(index, raw, &key_span, file, sink) {
                        self.apply_override(index, valid, key_span, file);
                    }
                }
                Err(err) => push_serde_error(&err, key_span, sink),
            }
        }
    }

    /// The rule an override key names, unless it names none or one already overridden in this
    /// file (both reported).
    fn override_target(
        &self,
        token: &str,
        key_span: &Range<usize>,
        seen: &HashMap<usize, usize>,
        sink: &mut IssueSink,
    ) -> Option<usize> {
        let Some(index) = self.find_rule(token) else {
            sink.push(
                Some(key_span.clone()),
                format!("`[override.{token}]` names no rule"),
                "unknown rule",
                Some(self.rule_help(token)),
            );
            return None;
        };
        if let Some(first) = seen.get(&index) {
            sink.push(
                Some(key_span.clone()),
                format!(
                    "rule {} is overridden twice in this file",
                    self.rules[index].id
                ),
                "second override",
                Some(format!("the first is at line {first}; merge them")),
            );
            return None;
        }
        Some(index)
    }

    /// What an override of rule `index` sets, or `None` after reporting its problems.
    fn validate_override(
        &self,
        index: usize,
        raw: RawOverride,
        key_span: &Range<usize>,
        file: &PolicyFile,
        sink: &mut IssueSink,
    ) -> Option<Validated> {
        let before = sink.issues.len();
        if raw.severity.is_none() && raw.enabled.is_none() && raw.params.is_none() {
            sink.push(
                Some(key_span.clone()),
                format!("`[override.{}]` changes nothing", file.slice(key_span)),
                "empty override",
                Some("set severity, enabled or params".to_owned()),
            );
        }
        let severity = raw
            .severity
            .as_ref()
            .and_then(|s| parse_severity(s, sink).map(|parsed| (parsed, s.span())));
        let params = raw
            .params
            .and_then(|params| self.override_params(index, params, key_span, sink));
        (sink.issues.len() == before).then_some(Validated {
            severity,
            enabled: raw.enabled,
            params,
        })
    }

    /// An override's parameters, validated against the rule's check kind; unmentioned ones
    /// keep the rule's values.
    fn override_params(
        &self,
        index: usize,
        params: RawParams,
        key_span: &Range<usize>,
        sink: &mut IssueSink,
    ) -> Option<(Params, Written)> {
        let rule = &self.rules[index];
        if rule.kind.own().is_some() {
            let span = params.keys().next().map_or(key_span.clone(), Spanned::span);
            sink.push(
                Some(span),
                format!("`{}` takes no parameters", rule.name),
                "unknown parameter",
                None,
            );
            return None;
        }
        let written: Written = params
            .iter()
            .map(|(k, v)| (k.get_ref().clone(), k.span().start..v.span().end))
            .collect();
        validate_params(
            rule.kind,
            Some(params),
            key_span.clone(),
            Some(&rule.params),
            sink,
        )
        .map(|p| (p, written))
    }

    /// Applies a validated override to rule `index`, recording each change.
    fn apply_override(
        &mut self,
        index: usize,
        valid: Validated,
        key_span: Range<usize>,
        file: &PolicyFile,
    ) {
        let rule = &mut self.rules[index];
        if let Some((severity, span)) = valid.severity {
            rule.severity = severity;
            rule.changes.push(Change {
                setting: "severity".to_owned(),
                value: severity.to_string(),
                origin: file.origin(span.start),
            });
        }
        if let Some(enabled) = valid.enabled {
            rule.enabled = *enabled.get_ref();
            rule.changes.push(Change {
                setting: "enabled".to_owned(),
                value: enabled.get_ref().to_string(),
                origin: file.origin(enabled.span().start),
            });
        }
        let Some((params, written)) = valid.params else {
            return;
        };
        match &params {
            Params::Field(condition) => rule.changes.push(Change {
                setting: "params".to_owned(),
                value: condition.describe(),
                origin: file.origin(written.first().map_or(key_span.start, |w| w.1.start)),
            }),
            Params::Numbers(values) => {
                for (name, span) in written {
                    let value = values
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map_or(String::new(), |(_, v)| v.to_string());
                    rule.changes.push(Change {
                        setting: format!("params.{name}"),
                        value,
                        origin: file.origin(span.start),
                    });
                }
            }
        }
        rule.params = params;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::layers::testkit::{config_issues, load_config};
    use crate::policy::{Policy, Rule};

    fn rule<'p>(policy: &'p Policy, id: &str) -> &'p Rule {
        policy.rules.iter().find(|r| r.id == id).unwrap()
    }

    #[test]
    fn keylints_own_rules_can_be_relevelled() {
        let policy = load_config("[override.KL001]\nseverity = \"warning\"\n").expect("valid");
        let own = rule(&policy, "KL001");
        assert_eq!(own.severity, crate::eval::finding::Severity::Warning);
        assert_eq!(own.changes[0].origin.line, 2);
    }

    #[test]
    fn a_field_rule_condition_is_replaced_by_an_override() {
        let policy = load_config(
            r#"
[[rule]]
id = "ACME001"
name = "no-auto-group"
severity = "warning"
check = "field"
summary = "s"
params = { field = "group", op = "eq", value = "auto" }

[override.ACME001]
params = { field = "group", op = "in", value = ["auto", "vip"] }
"#,
        )
        .expect("valid");
        let custom = rule(&policy, "ACME001");
        let Params::Field(condition) = &custom.params else {
            panic!("field rule")
        };
        assert_eq!(condition.describe(), "group in [\"auto\", \"vip\"]");
        assert_eq!(custom.changes[0].setting, "params");
    }

    #[test]
    fn override_problems_are_all_reported_with_did_you_mean() {
        let found = config_issues(
            r#"
[override.KL5O3]
severity = "error"

[override.key-agee]
enabled = false

[override.KL102]
params = { max-day = 30 }

[override.KL103]
params = { within-days = -1 }

[override.KL101]
severity = "fatal"

[override.KL201]
enabled = "no"

[override.KL202]

[override.KL001]
params = { x = 1 }

[override.KL301]
severty = "error"

[override.KL401]
severity = "error"

[override.no-model-limits]
enabled = false
"#,
        );
        let expected: Vec<(&str, Option<&str>, &str)> = vec![
            (
                "`[override.KL5O3]` names no rule",
                Some("did you mean `KL503`?"),
                "KL5O3",
            ),
            (
                "`[override.key-agee]` names no rule",
                Some("did you mean `key-age`?"),
                "key-agee",
            ),
            (
                "unknown parameter `max-day` for check `long-lifetime`",
                Some("did you mean `max-days`?"),
                "max-day",
            ),
            (
                "`within-days` is -1, outside 0..=36500",
                Some("How far ahead to warn about an expiry, in days."),
                "-1",
            ),
            (
                "unknown severity `fatal`",
                Some("valid severities: error, warning, note"),
                "\"fatal\"",
            ),
            (
                "invalid type: string \"no\", expected a boolean",
                None,
                "\"no\"",
            ),
            (
                "`[override.KL202]` changes nothing",
                Some("set severity, enabled or params"),
                "KL202",
            ),
            ("`incomplete-record` takes no parameters", None, "x"),
            (
                "unknown field `severty`, expected one of `severity`, `enabled`, `params`",
                Some("did you mean `severity`?"),
                "severty",
            ),
            (
                "rule KL401 is overridden twice in this file",
                Some("the first is at line 28; merge them"),
                "no-model-limits",
            ),
        ];
        let got: Vec<(&str, Option<&str>, &str)> = found
            .iter()
            .map(|(m, h, a)| (m.as_str(), h.as_deref(), a.as_str()))
            .collect();
        assert_eq!(got, expected);
    }
}
