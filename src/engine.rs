//! Evaluation: a pure function from (policy, inventory, now) to findings. No I/O.
//!
//! For each key, every enabled rule whose selector applies runs its check, unless the record
//! lacks a field the rule needs: then the rule is skipped for that key and KL001 lists the
//! field, so a gap in the data never looks like a clean key.

use std::collections::BTreeMap;

use crate::checks::{Eval, KeyContext, Target, Violation};
use crate::finding::Finding;
use crate::inventory::{FieldName, FieldState, Inventory};
use crate::policy::{Applies, Policy, Rule, RuleKind};

/// Evaluates every enabled rule of `policy` on every key of `inventory` at `now` (unix seconds).
/// Findings come out ordered by key (inventory order), then rule (policy order).
pub fn evaluate(policy: &Policy, inventory: &Inventory, now: i64) -> Vec<Finding> {
    let rules: Vec<(usize, &Rule, Vec<FieldName>)> = policy
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.enabled && matches!(r.kind, RuleKind::Check(_)))
        .map(|(i, r)| (i, r, r.needs()))
        .collect();
    let incomplete_rule = policy
        .rules
        .iter()
        .position(|r| r.enabled && matches!(r.kind, RuleKind::IncompleteRecord));

    let contexts: Vec<KeyContext<'_>> = inventory
        .keys
        .iter()
        .map(|record| KeyContext::new(record, now))
        .collect();
    // Keys selected by each inventory-wide rule, gathered during the per-key pass.
    let mut inventory_members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut findings = Vec::new();
    let mut violations = Vec::new();

    for (key_index, ctx) in contexts.iter().enumerate() {
        let record = ctx.record;
        let mut missing: Vec<FieldName> = Vec::new();
        if !record.status.is_present() {
            missing.push(FieldName::Status);
        }
        for (rule_index, rule, needs) in &rules {
            let lacking: Vec<FieldName> = needs
                .iter()
                .copied()
                .filter(|f| !matches!(record.field(*f), FieldState::Present(_)))
                .collect();
            match rule.selector.applies(record, ctx.status) {
                Applies::No => continue,
                Applies::Unknown(fields) => {
                    missing.extend(fields);
                    missing.extend(lacking);
                    continue;
                }
                Applies::Yes => {}
            }
            if rule.selector.statuses.is_some() {
                // The status was computed taking an unreadable input as "not expired / not
                // exhausted": the rule still runs, and KL001 reports the gap.
                missing.extend(
                    record
                        .status_inputs()
                        .iter()
                        .copied()
                        .filter(|f| !matches!(record.field(*f), FieldState::Present(_))),
                );
            }
            if !lacking.is_empty() {
                missing.extend(lacking);
                continue;
            }
            let RuleKind::Check(kind) = rule.kind else {
                continue;
            };
            match kind.eval {
                Eval::PerKey(check) => {
                    check(ctx, &rule.params, &mut violations);
                    for violation in violations.drain(..) {
                        findings.push(finding(*rule_index, rule, key_index, ctx, violation));
                    }
                }
                Eval::Inventory(_) => inventory_members
                    .entry(*rule_index)
                    .or_default()
                    .push(key_index),
            }
        }
        if let Some(rule_index) = incomplete_rule
            && !missing.is_empty()
        {
            missing.sort();
            missing.dedup();
            let rule = &policy.rules[rule_index];
            let listed: Vec<String> = missing
                .iter()
                .map(|f| match record.field(*f) {
                    FieldState::Mistyped(found) => {
                        format!("{f} ({found}, expected {})", f.field_type().describe())
                    }
                    _ => format!("{f} (missing)"),
                })
                .collect();
            let violation = Violation {
                message: format!(
                    "the record lacks fields that rules need: {}",
                    listed.join(", ")
                ),
                evidence: missing
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                target: Target::Fields(missing),
            };
            findings.push(finding(rule_index, rule, key_index, ctx, violation));
        }
    }

    let mut inventory_violations = Vec::new();
    for (rule_index, members) in inventory_members {
        let rule = &policy.rules[rule_index];
        let RuleKind::Check(kind) = rule.kind else {
            continue;
        };
        let Eval::Inventory(check) = kind.eval else {
            continue;
        };
        let selected: Vec<&KeyContext<'_>> = members.iter().map(|&k| &contexts[k]).collect();
        check(&selected, &rule.params, &mut inventory_violations);
        for (member, violation) in inventory_violations.drain(..) {
            let key_index = members[member];
            findings.push(finding(
                rule_index,
                rule,
                key_index,
                &contexts[key_index],
                violation,
            ));
        }
    }
    findings.sort_by_key(|f| (f.key, f.rule));
    findings
}

fn finding(
    rule_index: usize,
    rule: &Rule,
    key_index: usize,
    ctx: &KeyContext<'_>,
    violation: Violation,
) -> Finding {
    Finding {
        rule: rule_index,
        severity: rule.severity,
        key: Some(key_index),
        key_id: Some(ctx.record.id),
        message: violation.message,
        target: violation.target,
        evidence: violation.evidence,
        suppressed: None,
    }
}
