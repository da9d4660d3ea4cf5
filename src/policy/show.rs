//! `keylint config` and `keylint check --show-config`: the effective policy as text — the files it
//! was built from, every rule with its severity, `enabled` flag, parameters, selector and where
//! it was defined, each setting a later layer's `[override.ID]` changed with where, and the
//! waivers.
//!
//! ```text
//! KL503  key-age  error  yes  rules/default.toml:233
//!     params: max-age-days = 30
//!     severity = error            keylint.toml:12 (override)
//!     params.max-age-days = 30    keylint.toml:13 (override)
//! ```

use std::fmt::Write as _;

use super::{Origin, Policy, Rule, Selector, Waiver};
use crate::checks::Params;
use crate::inventory::EffectiveStatus;
use crate::text::escape::escape;

/// The columns of a table of rules, `ID  NAME  SEVERITY  ENABLED  <last>`, as `keylint rules`
/// and `keylint config` print them.
pub struct RuleColumns {
    id: usize,
    name: usize,
}

impl RuleColumns {
    /// Columns wide enough for every rule of the policy.
    pub fn of(policy: &Policy) -> RuleColumns {
        RuleColumns {
            id: policy.rules.iter().map(|r| r.id.len()).max().unwrap_or(2),
            name: policy.rules.iter().map(|r| r.name.len()).max().unwrap_or(4),
        }
    }

    /// The header line, `last` naming the last column.
    pub fn header(&self, out: &mut String, last: &str) {
        self.line(out, ["ID", "NAME", "SEVERITY", "ENABLED"], last);
    }

    /// One rule's line, `last` in the last column.
    pub fn row(&self, out: &mut String, rule: &Rule, last: &str) {
        let enabled = if rule.enabled { "yes" } else { "no" };
        let cells = [
            rule.id.as_str(),
            &rule.name,
            rule.severity.as_str(),
            enabled,
        ];
        self.line(out, cells, last);
    }

    fn line(&self, out: &mut String, cells: [&str; 4], last: &str) {
        for (cell, width) in cells.into_iter().zip([self.id, self.name, 8, 7]) {
            pad(out, cell, width);
            out.push_str("  ");
        }
        out.push_str(last);
        out.push('\n');
    }
}

/// Renders the effective policy; `now` (unix seconds) decides which waivers have expired.
pub fn render(policy: &Policy, now: i64) -> String {
    let mut out = String::from("keylint policy, built from (in order):\n  keylint itself\n");
    for layer in &policy.layers {
        let _ = writeln!(out, "  {}", escape(layer));
    }
    let on = policy.rules.iter().filter(|r| r.enabled).count();
    let _ = writeln!(
        out,
        "\nRules: {} ({on} on, {} off)\n",
        policy.rules.len(),
        policy.rules.len() - on
    );
    let columns = RuleColumns::of(policy);
    columns.header(&mut out, "DEFINED IN");
    for rule in &policy.rules {
        columns.row(&mut out, rule, &defined_in(&rule.origin));
        rule_details(rule, &mut out);
    }
    if policy.waivers.is_empty() {
        out.push_str("\nWaivers: none\n");
    } else {
        let _ = writeln!(out, "\nWaivers: {}\n", policy.waivers.len());
        for waiver in &policy.waivers {
            waiver_details(waiver, now, &mut out);
        }
    }
    out
}

fn defined_in(origin: &Origin) -> String {
    match &origin.file {
        Some(file) => format!("{}:{}", escape(file), origin.line),
        None => "keylint itself".to_owned(),
    }
}

fn rule_details(rule: &Rule, out: &mut String) {
    match &rule.params {
        Params::Numbers(values) if !values.is_empty() => {
            let values: Vec<String> = values.iter().map(|(n, v)| format!("{n} = {v}")).collect();
            let _ = writeln!(out, "    params: {}", values.join(", "));
        }
        Params::Field(condition) => {
            let _ = writeln!(out, "    condition: {}", escape(&condition.describe()));
        }
        Params::Numbers(_) => {}
    }
    if rule.kind.own().is_none()
        && let Some(applies) = applies_to(&rule.selector)
    {
        let _ = writeln!(out, "    applies to: {applies}");
    }
    let width = rule
        .changes
        .iter()
        .map(|c| c.setting.len() + c.value.len() + 3)
        .max()
        .unwrap_or(0);
    for change in &rule.changes {
        let setting = format!("{} = {}", change.setting, escape(&change.value));
        out.push_str("    ");
        pad(out, &setting, width);
        let _ = writeln!(out, "  {} (override)", defined_in(&change.origin));
    }
}

/// Appends `text`, then spaces up to `width` characters. Not a format width: those are capped
/// at 65,535 and panic past it, and a policy may hold longer values.
fn pad(out: &mut String, text: &str, width: usize) {
    out.push_str(text);
    let len = text.chars().count();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(len)));
}

/// The selector in words, or `None` for the default (enabled keys).
fn applies_to(selector: &Selector) -> Option<String> {
    let mut parts = Vec::new();
    match &selector.statuses {
        None => parts.push("keys of any status".to_owned()),
        Some(statuses) if statuses == &[EffectiveStatus::Enabled] => {}
        Some(statuses) => {
            let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
            parts.push(format!("status {}", names.join(", ")));
        }
    }
    if let Some((_, patterns)) = &selector.names {
        parts.push(format!("name {}", escape(&patterns.join(", "))));
    }
    if let Some((_, patterns)) = &selector.groups {
        parts.push(format!("group {}", escape(&patterns.join(", "))));
    }
    if let Some(ids) = &selector.ids {
        let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
        parts.push(format!("ids {}", ids.join(", ")));
    }
    if parts.is_empty() {
        return None;
    }
    if selector.statuses.as_deref() == Some(&[EffectiveStatus::Enabled]) {
        parts.insert(0, "enabled keys".to_owned());
    }
    Some(parts.join("; "))
}

fn waiver_details(waiver: &Waiver, now: i64, out: &mut String) {
    let _ = writeln!(
        out,
        "  {}  {}",
        escape(&waiver.location()),
        escape(&waiver.scope())
    );
    let _ = writeln!(out, "    reason: {}", escape(&waiver.reason));
    if let Some(owner) = &waiver.owner {
        let _ = writeln!(out, "    owner: {}", escape(owner));
    }
    match waiver.expires {
        Some(date) if waiver.is_expired(now) => {
            let _ = writeln!(out, "    expires: {date} (expired: KL002 reports it)");
        }
        Some(date) => {
            let _ = writeln!(out, "    expires: {date}");
        }
        None => {
            let _ = writeln!(out, "    expires: never");
        }
    }
}
