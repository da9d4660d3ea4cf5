//! Validating a `[[waiver]]` table: the rules it waives (by id or name, never KL002/KL003,
//! which report on waivers themselves), the keys it covers (name globs and/or ids), a reason
//! that is not blank, an optional owner and an optional `expires` day.

use std::ops::Range;

use globset::GlobSet;
use toml::Spanned;

use super::Waiver;
use super::diagnostic::IssueSink;
use super::layers::Loader;
use super::raw::{RawWaiver, report_missing};
use super::selectors::build_globs;
use super::source::PolicyFile;

impl Loader {
    /// The waiver a `[[waiver]]` table defines, or `None` after reporting its problems.
    /// `header` is the span of the table's `[[waiver]]` header.
    pub(super) fn validate_waiver(
        &self,
        raw: RawWaiver,
        header: Range<usize>,
        file: &PolicyFile,
        sink: &mut IssueSink,
    ) -> Option<Waiver> {
        let before = sink.issues.len();
        report_missing(
            "waiver",
            &[
                ("rules", raw.rules.is_some()),
                ("reason", raw.reason.is_some()),
            ],
            &header,
            sink,
        );
        let rules = raw
            .rules
            .map(|rules| self.waived_rules(rules, sink))
            .unwrap_or_default();
        let keys = raw.keys.and_then(|list| waived_keys(list, sink));
        let ids = raw
            .ids
            .map(|list| waived_ids(list, sink))
            .unwrap_or_default();
        if keys.is_none() && ids.is_empty() && sink.issues.len() == before {
            sink.push(
                Some(header.clone()),
                "the waiver names no key",
                "in this waiver",
                Some(
                    "add `keys` (name globs, e.g. [\"ci-runner-*\"]) and/or `ids` (key ids)"
                        .to_owned(),
                ),
            );
        }
        if let Some(reason) = &raw.reason {
            check_reason(reason, sink);
        }
        if let Some(owner) = &raw.owner {
            check_owner(owner, sink);
        }
        let expires = raw.expires.as_ref().and_then(|value| expiry(value, sink));
        if sink.issues.len() > before {
            return None;
        }
        Some(Waiver {
            rules,
            keys,
            ids,
            reason: raw.reason?.get_ref().trim().to_owned(),
            owner: raw.owner.map(|o| o.get_ref().trim().to_owned()),
            expires,
            origin: file.origin(header.start),
            source: Some((file.text.clone(), header)),
        })
    }

    /// The ids of the waived rules, each once, in the order written.
    fn waived_rules(
        &self,
        list: Spanned<Vec<Spanned<String>>>,
        sink: &mut IssueSink,
    ) -> Vec<String> {
        let mut rules: Vec<String> = Vec::new();
        if list.get_ref().is_empty() {
            sink.push(
                Some(list.span()),
                "`rules` is empty, so the waiver would waive nothing",
                "empty list",
                Some("name the waived rules by id or name, e.g. rules = [\"KL301\"]".to_owned()),
            );
        }
        for token in list.get_ref() {
            let Some(index) = self.find_rule(token.get_ref()) else {
                sink.push(
                    Some(token.span()),
                    format!("`{}` names no rule", token.get_ref()),
                    "unknown rule",
                    Some(self.rule_help(token.get_ref())),
                );
                continue;
            };
            let rule = &self.rules[index];
            if rule.kind.reports_on_waivers() {
                sink.push(
                    Some(token.span()),
                    format!("{} {} cannot be waived", rule.id, rule.name),
                    "reports on waivers themselves",
                    Some(format!(
                        "fix the waiver it reports, or switch it off with [override.{}] enabled = false",
                        rule.id
                    )),
                );
            } else if !rules.contains(&rule.id) {
                rules.push(rule.id.clone());
            }
        }
        rules
    }
}

fn waived_keys(
    list: Spanned<Vec<Spanned<String>>>,
    sink: &mut IssueSink,
) -> Option<(GlobSet, Vec<String>)> {
    if list.get_ref().is_empty() {
        sink.push(
            Some(list.span()),
            "`keys` is empty",
            "empty list",
            Some("list key name globs, or leave `keys` out and use `ids`".to_owned()),
        );
        return None;
    }
    build_globs(list.into_inner(), sink)
}

fn waived_ids(list: Spanned<Vec<Spanned<i64>>>, sink: &mut IssueSink) -> Vec<i64> {
    if list.get_ref().is_empty() {
        sink.push(
            Some(list.span()),
            "`ids` is empty",
            "empty list",
            Some("list key ids, or leave `ids` out and use `keys`".to_owned()),
        );
    }
    list.into_inner()
        .into_iter()
        .map(Spanned::into_inner)
        .collect()
}

fn check_reason(reason: &Spanned<String>, sink: &mut IssueSink) {
    if reason.get_ref().trim().is_empty() {
        sink.push(
            Some(reason.span()),
            "the waiver's reason is empty",
            "say why these findings are accepted",
            Some("e.g. reason = \"CI runners have no fixed egress (SEC-142)\"".to_owned()),
        );
    }
}

fn check_owner(owner: &Spanned<String>, sink: &mut IssueSink) {
    if owner.get_ref().trim().is_empty() {
        sink.push(
            Some(owner.span()),
            "the waiver's owner is empty",
            "name a team or a person, or leave `owner` out",
            None,
        );
    }
}

fn expiry(value: &Spanned<toml::Value>, sink: &mut IssueSink) -> Option<time::Date> {
    let parsed = parse_date(value.get_ref());
    if let Err(message) = &parsed {
        sink.push(
            Some(value.span()),
            message.clone(),
            "not a date",
            Some("write the last valid day as expires = \"2027-03-31\"".to_owned()),
        );
    }
    parsed.ok()
}

/// A waiver's `expires`: a `YYYY-MM-DD` string or a TOML local date.
fn parse_date(value: &toml::Value) -> Result<time::Date, String> {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
        toml::Value::Datetime(_) => {
            return Err("`expires` is a day, not a time: write \"2027-03-31\"".to_owned());
        }
        _ => return Err("`expires` must be a date such as \"2027-03-31\"".to_owned()),
    };
    let parts: Vec<&str> = text.split('-').collect();
    let shape_ok = parts.len() == 3
        && [4, 2, 2]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit()));
    if !shape_ok {
        return Err(format!(
            "`{text}` is not a date in the form YYYY-MM-DD (e.g. 2027-03-31)"
        ));
    }
    let (year, month, day) = (
        parts[0].parse::<i32>().unwrap_or_default(),
        parts[1].parse::<u8>().unwrap_or_default(),
        parts[2].parse::<u8>().unwrap_or_default(),
    );
    time::Month::try_from(month)
        .ok()
        .and_then(|month| time::Date::from_calendar_date(year, month, day).ok())
        .ok_or_else(|| format!("`{text}` is not a valid calendar date"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::layers::testkit::{config_issues, load_config};
    #[test]
    fn waivers_resolve_rules_by_id_or_name() {
        let policy = load_config(
            r#"
[[waiver]]
rules = ["KL301", "no-model-limits", "KL301"]
keys = ["ci-runner-*"]
ids = [1011]
reason = "  CI runners have no fixed egress (SEC-142)  "
owner = "platform-team"
expires = "2027-03-31"

[[waiver]]
rules = ["key-age"]
ids = [7]
reason = "legacy"
expires = 2027-04-01
"#,
        )
        .expect("valid");
        let [first, second] = &policy.waivers[..] else {
            panic!("two waivers")
        };
        assert_eq!(first.rules, ["KL301", "KL401"]);
        assert_eq!(first.keys.as_ref().unwrap().1, ["ci-runner-*"]);
        assert_eq!(first.ids, [1011]);
        assert_eq!(first.reason, "CI runners have no fixed egress (SEC-142)");
        assert_eq!(first.owner.as_deref(), Some("platform-team"));
        assert_eq!(first.expires.unwrap().to_string(), "2027-03-31");
        assert_eq!(first.location(), "keylint.toml:2");
        assert_eq!(
            first.scope(),
            "rules KL301, KL401; keys ci-runner-*; ids 1011"
        );
        assert_eq!(second.rules, ["KL503"]);
        assert!(second.keys.is_none());
        assert_eq!(second.expires.unwrap().to_string(), "2027-04-01");
        assert_eq!(second.location(), "keylint.toml:10");
        let (text, span) = second.source.as_ref().unwrap();
        assert_eq!(&text[span.clone()], "[[waiver]]");
    }

    #[test]
    fn waiver_problems_are_all_reported() {
        let found = config_issues(
            r#"
[[waiver]]
rules = ["KL3011"]
keys = ["[oops"]
reason = " "
expires = "2027-02-30"

[[waiver]]
rules = ["unused-waiver"]
ids = [1]
reason = "r"
owner = ""
expires = "next week"

[[waiver]]
rules = []
reason = "r"

[[waiver]]
rules = ["KL301"]
reason = "r"
expires = 2027-03-31T12:00:00Z

[[waiver]]
rules = ["KL301"]
ids = [1]

[[waiver]]
rules = ["KL301"]
ids = [1]
reason = "r"
until = "2027-01-01"
"#,
        );
        let got: Vec<(&str, &str)> = found
            .iter()
            .map(|(m, _, a)| (m.as_str(), a.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("`KL3011` names no rule", "\"KL3011\""),
                ("invalid glob `[oops`", "\"[oops\""),
                ("the waiver's reason is empty", "\" \""),
                (
                    "`2027-02-30` is not a valid calendar date",
                    "\"2027-02-30\""
                ),
                ("KL003 unused-waiver cannot be waived", "\"unused-waiver\""),
                ("the waiver's owner is empty", "\"\""),
                (
                    "`next week` is not a date in the form YYYY-MM-DD (e.g. 2027-03-31)",
                    "\"next week\""
                ),
                ("`rules` is empty, so the waiver would waive nothing", "[]"),
                ("the waiver names no key", "[[waiver]]"),
                (
                    "`expires` is a day, not a time: write \"2027-03-31\"",
                    "2027-03-31T12:00:00Z"
                ),
                ("missing `reason`", "[[waiver]]"),
                (
                    "unknown field `until`, expected one of `rules`, `keys`, `ids`, `reason`, `owner`, `expires`",
                    "until"
                ),
            ]
        );
        assert_eq!(found[0].1.as_deref(), Some("did you mean `KL301`?"));
        assert_eq!(
            found[4].1.as_deref(),
            Some(
                "fix the waiver it reports, or switch it off with [override.KL003] enabled = false"
            )
        );
    }

    #[test]
    fn dates() {
        let date = |v: toml::Value| parse_date(&v).map(|d| d.to_string());
        assert_eq!(date("2027-03-31".into()), Ok("2027-03-31".into()));
        assert!(date("2027-3-31".into()).is_err());
        assert!(date("2028-02-29".into()).is_ok());
        assert!(date("2027-02-29".into()).is_err());
        assert!(date(toml::Value::Integer(20270331)).is_err());
    }
}
