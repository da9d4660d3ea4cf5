//! `keylint rules` and `keylint explain`: the effective rules as a table, JSON or Markdown, and
//! one rule's long documentation.

use std::fmt::Write;

use crate::app::error::Failure;
use crate::checks;
use crate::policy::show::RuleColumns;
use crate::policy::{self, Policy};
use crate::text::escape::{escape, escape_lines};
use crate::text::suggest;

pub(super) fn find_rule<'p>(policy: &'p Policy, wanted: &str) -> Result<&'p policy::Rule, Failure> {
    policy
        .rules
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(wanted) || r.name == wanted)
        .ok_or_else(|| {
            Failure::usage(
                format!("no rule `{wanted}`"),
                Some(rule_suggestion(policy, wanted)),
            )
        })
}

/// The help for a token that names no rule: the closest id or name, or where to look.
pub(super) fn rule_suggestion(policy: &Policy, token: &str) -> String {
    let names = policy
        .rules
        .iter()
        .flat_map(|r| [r.id.as_str(), r.name.as_str()]);
    match suggest::did_you_mean(token, names) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "run `keylint rules` to list the rules".to_owned(),
    }
}

/// `keylint explain`: the rule's metadata, then its check kind's long documentation. Escaped
/// whole ([`escape_lines`]): the summary, help, parameters and file names come from policy files.
pub fn explain(rule: &policy::Rule) -> String {
    escape_lines(&explain_text(rule)).into_owned()
}

/// The text of [`explain`], as the policy files wrote it.
fn explain_text(rule: &policy::Rule) -> String {
    let mut text = format!(
        "# {} {}\n\nSeverity: {}{}\nCheck: {}\nDefined in: {}\n",
        rule.id,
        rule.name,
        rule.severity,
        if rule.enabled { "" } else { " (disabled)" },
        rule.check_name(),
        match &rule.origin.file {
            Some(file) => format!("{file}:{}", rule.origin.line),
            None => "keylint itself".to_owned(),
        },
    );
    for change in &rule.changes {
        let _ = writeln!(
            text,
            "Overridden: {} = {} ({}:{})",
            change.setting,
            change.value,
            change.origin.file.as_deref().unwrap_or("keylint"),
            change.origin.line
        );
    }
    let _ = writeln!(text, "\n{}", rule.summary);
    if let Some(help) = &rule.help {
        let _ = writeln!(text, "\nFix: {help}");
    }
    match &rule.params {
        checks::Params::Numbers(values) if !values.is_empty() => {
            text.push_str("\nParameters:\n");
            for (name, value) in values {
                let _ = writeln!(text, "  {name} = {value}");
            }
        }
        checks::Params::Field(condition) => {
            let _ = writeln!(text, "\nCondition: {}", condition.describe());
        }
        _ => {}
    }
    text.push('\n');
    text.push_str(rule.doc());
    if rule.kind.own().is_none() {
        text.push('\n');
        text.push_str(&checks::on_gateways::section(rule.kind, &rule.params));
    }
    text
}

/// `keylint rules`: a table of the effective rules, the summaries escaped.
pub fn rules_table(policy: &Policy) -> String {
    let columns = RuleColumns::of(policy);
    let mut text = String::new();
    columns.header(&mut text, "SUMMARY");
    for rule in &policy.rules {
        columns.row(&mut text, rule, &escape(&rule.summary));
    }
    text
}

/// `keylint rules --format markdown`: the rule table of the README, the summaries escaped.
pub fn rules_markdown(policy: &Policy) -> String {
    let mut text = String::from("| id | name | severity | summary |\n|---|---|---|---|\n");
    for rule in &policy.rules {
        let _ = writeln!(
            text,
            "| {} | `{}` | {} | {} |",
            rule.id,
            rule.name,
            rule.severity,
            escape(&rule.summary).replace('|', "\\|")
        );
    }
    text
}

/// `keylint rules --format json`.
pub fn rules_json(policy: &Policy) -> String {
    let rules: Vec<serde_json::Value> = policy
        .rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "name": r.name,
                "severity": r.severity,
                "enabled": r.enabled,
                "check": r.check_name(),
                "summary": r.summary,
                "help": r.help,
                "source": r.origin.file,
                "line": r.origin.line,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&rules).expect("rules serialize");
    text.push('\n');
    text
}
