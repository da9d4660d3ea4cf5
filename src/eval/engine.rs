//! Evaluation: a pure function from (policy, inventory, now) to findings. No I/O.
//!
//! For each key, every enabled rule whose selector applies runs its check, unless the record
//! lacks a field the rule needs: then the rule is skipped for that key and KL001 lists the
//! field, so a gap in the data never looks like a clean key.

use std::collections::BTreeMap;

use crate::checks::Own;
use crate::checks::Params;
use crate::checks::{Eval, KeyContext, Target, Violation};
use crate::eval::finding::{Finding, Subject};
use crate::eval::fingerprint::number_repeats;
use crate::inventory::{Dialect, EffectiveStatus, FieldName, FieldState, Inventory, KeyRecord};
use crate::policy::{Applies, Policy, Rule, Selector};

/// A set of record fields, one bit per [`FieldName`] in declaration order, so iterating the
/// bits from the lowest gives the fields sorted.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct FieldSet(u32);

impl FieldSet {
    fn of(fields: &[FieldName]) -> FieldSet {
        FieldSet(fields.iter().fold(0, |bits, f| bits | FieldSet::bit(*f)))
    }

    fn bit(field: FieldName) -> u32 {
        1 << field as u32
    }

    /// The fields of a record that are present and well-typed: those where
    /// [`KeyRecord::field`] gives [`FieldState::Present`].
    fn present_in(r: &KeyRecord) -> FieldSet {
        FieldSet(FieldName::ALL.into_iter().fold(0, |bits, field| {
            if r.has(field) {
                bits | FieldSet::bit(field)
            } else {
                bits
            }
        }))
    }

    fn without(self, other: FieldSet) -> FieldSet {
        FieldSet(self.0 & !other.0)
    }

    fn union(self, other: FieldSet) -> FieldSet {
        FieldSet(self.0 | other.0)
    }

    fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The fields, sorted.
    fn to_vec(self) -> Vec<FieldName> {
        FieldName::ALL
            .into_iter()
            .filter(|f| self.0 & FieldSet::bit(*f) != 0)
            .collect()
    }
}

/// An enabled check rule, with what the engine needs of it per key.
struct Active<'p> {
    index: usize,
    rule: &'p Rule,
    /// The fields the rule needs, per dialect ([`Dialect::index`]); `None` where the rule does
    /// not apply (the dialect has nothing that answers for a field it needs).
    needs: [Option<FieldSet>; Dialect::ALL.len()],
    eval: Eval,
    /// For a selector that reads nothing but the effective status: the statuses it selects,
    /// one bit each, so the engine can decide without calling [`Selector::applies`].
    statuses_only: Option<u8>,
}

impl Active<'_> {
    fn applies(&self, record: &KeyRecord, status: EffectiveStatus) -> Applies {
        match self.statuses_only {
            Some(mask) if mask & status_bit(status) != 0 => Applies::Yes,
            Some(_) => Applies::No,
            None => self.rule.selector.applies(record, status),
        }
    }
}

fn status_bit(status: EffectiveStatus) -> u8 {
    1 << status as u8
}

fn statuses_only(selector: &Selector) -> Option<u8> {
    if selector.ids.is_some() || selector.names.is_some() || selector.groups.is_some() {
        return None;
    }
    Some(match &selector.statuses {
        None => u8::MAX,
        Some(statuses) => statuses.iter().fold(0, |bits, s| bits | status_bit(*s)),
    })
}

/// The fields `rule` needs on records of `dialect`, in that dialect's own names; `None` when
/// the rule does not apply there: a field it needs has no counterpart, or it selects keys by
/// `group` on a dialect without groups.
fn needs_on(rule: &Rule, dialect: Dialect) -> Option<FieldSet> {
    let mut fields = Vec::with_capacity(rule.kind.needs.len() + 1);
    for need in rule.kind.needs {
        fields.push(dialect.answering(*need)?);
    }
    if let Params::Field(condition) = &rule.params {
        fields.push(dialect.has(condition.field).then_some(condition.field)?);
    }
    if rule.selector.groups.is_some() && !dialect.has(FieldName::Group) {
        return None;
    }
    Some(FieldSet::of(&fields))
}

/// Evaluates every enabled rule of `policy` on every key of `inventory` at `now` (unix seconds).
/// Findings come out ordered by key (inventory order), then rule (policy order), with repeats
/// numbered ([`number_repeats`]).
pub fn evaluate(policy: &Policy, inventory: &Inventory, now: i64) -> Vec<Finding> {
    let pass = Pass {
        policy,
        rules: policy
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.enabled)
            .filter(|(_, r)| r.kind.own().is_none())
            .map(|(index, rule)| Active {
                index,
                rule,
                needs: Dialect::ALL.map(|dialect| needs_on(rule, dialect)),
                eval: rule.kind.eval,
                statuses_only: statuses_only(&rule.selector),
            })
            .collect(),
        incomplete_rule: policy.enabled_own_rule(Own::IncompleteRecord),
    };
    let mut contexts: Vec<KeyContext<'_>> = inventory
        .keys
        .iter()
        .map(|record| {
            let p = &inventory.provenance;
            KeyContext::reading(record, now, p.gateway, p.cidr_allowlists)
        })
        .collect();
    // Keys selected by each inventory-wide rule, gathered during the per-key pass.
    let mut inventory_members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut findings = Vec::new();
    let mut violations = Vec::new();
    for (key_index, slot) in contexts.iter_mut().enumerate() {
        let key_start = findings.len();
        let missing = pass.run_per_key(
            key_index,
            slot,
            &mut inventory_members,
            &mut violations,
            &mut findings,
        );
        pass.report_missing(key_index, slot, missing, key_start, &mut findings);
        slot.release_restrictions();
    }
    let inventory_findings = pass.run_inventory_wide(&contexts, inventory_members);
    let mut findings = merge_by_key_and_rule(findings, inventory_findings);
    number_repeats(policy, &mut findings);
    findings
}

/// One evaluation: the policy and its enabled check rules.
struct Pass<'p> {
    policy: &'p Policy,
    rules: Vec<Active<'p>>,
    /// KL001, when enabled.
    incomplete_rule: Option<usize>,
}

impl Pass<'_> {
    /// Runs the per-key rules that apply to one key, appending their findings, and notes the
    /// key as a member of each inventory-wide rule that applies. Returns the fields that rules
    /// needed and the record lacks.
    fn run_per_key(
        &self,
        key_index: usize,
        ctx: &KeyContext<'_>,
        inventory_members: &mut BTreeMap<usize, Vec<usize>>,
        violations: &mut Vec<Violation>,
        findings: &mut Vec<Finding>,
    ) -> FieldSet {
        let record = ctx.record;
        let present = FieldSet::present_in(record);
        let mut missing = FieldSet::of(&[FieldName::Status]).without(present);
        // The status was computed taking an unreadable input as "not expired / not
        // exhausted": rules selected by status still run, and KL001 reports the gap.
        let status_gaps = FieldSet::of(record.status_inputs()).without(present);
        for active in &self.rules {
            let rule = active.rule;
            let Some(needs) = active.needs[ctx.fields_dialect().index()] else {
                continue;
            };
            let lacking = needs.without(present);
            match active.applies(record, ctx.status) {
                Applies::No => continue,
                Applies::Unknown(fields) => {
                    missing = missing.union(FieldSet::of(&fields)).union(lacking);
                    continue;
                }
                Applies::Yes => {}
            }
            if rule.selector.statuses.is_some() {
                missing = missing.union(status_gaps);
            }
            if !lacking.is_empty() {
                missing = missing.union(lacking);
                continue;
            }
            match active.eval {
                Eval::PerKey(check) => {
                    check(ctx, &rule.params, violations);
                    // Most checks find nothing: skip building a drain for an empty list.
                    if !violations.is_empty() {
                        for violation in violations.drain(..) {
                            findings.push(finding(active.index, rule, key_index, ctx, violation));
                        }
                    }
                }
                Eval::Inventory(_) => inventory_members
                    .entry(active.index)
                    .or_default()
                    .push(key_index),
                // Filtered out above: keylint's own diagnostics are produced here and in the
                // waiver pass, not run per key.
                Eval::Own(_) => {}
            }
        }
        missing
    }

    /// KL001 for a key that lacks fields, inserted among the key's findings (from `key_start`)
    /// in rule order.
    fn report_missing(
        &self,
        key_index: usize,
        ctx: &KeyContext<'_>,
        missing: FieldSet,
        key_start: usize,
        findings: &mut Vec<Finding>,
    ) {
        let Some(rule_index) = self.incomplete_rule else {
            return;
        };
        if missing.is_empty() {
            return;
        }
        let missing = missing.to_vec();
        let rule = &self.policy.rules[rule_index];
        let listed: Vec<String> = missing
            .iter()
            .map(|f| match ctx.record.field(*f) {
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
        let at = key_start + findings[key_start..].partition_point(|f| f.rule <= rule_index);
        findings.insert(at, finding(rule_index, rule, key_index, ctx, violation));
    }

    /// Runs each inventory-wide rule over the keys it selected.
    fn run_inventory_wide(
        &self,
        contexts: &[KeyContext<'_>],
        inventory_members: BTreeMap<usize, Vec<usize>>,
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut violations = Vec::new();
        for (rule_index, members) in inventory_members {
            let rule = &self.policy.rules[rule_index];
            let Eval::Inventory(check) = rule.kind.eval else {
                continue;
            };
            let selected: Vec<&KeyContext<'_>> = members.iter().map(|&k| &contexts[k]).collect();
            check(&selected, &rule.params, &mut violations);
            for (member, violation) in violations.drain(..) {
                let key_index = members[member];
                let ctx = &contexts[key_index];
                findings.push(finding(rule_index, rule, key_index, ctx, violation));
            }
        }
        findings
    }
}

/// Merges the per-key findings, already in key then rule order, with those of the
/// inventory-wide rules: the result is what a stable sort of both by (key, rule) gives. In
/// place, from the back, in one pass: a run may hold hundreds of thousands of findings, and
/// neither a second vector of them nor a sort's scratch space is needed.
fn merge_by_key_and_rule(per_key: Vec<Finding>, mut inventory: Vec<Finding>) -> Vec<Finding> {
    let order = |f: &Finding| (f.key_index(), f.rule);
    debug_assert!(per_key.is_sorted_by_key(order));
    if inventory.is_empty() {
        return per_key;
    }
    inventory.sort_by_key(order);
    let mut merged = per_key;
    let mut unplaced = merged.len();
    merged.resize_with(unplaced + inventory.len(), placeholder);
    // Fill slots from the end: the larger of the two last unplaced findings goes there; on a tie
    // the inventory-wide one, which comes after the per-key ones of the same key and rule.
    for slot in (0..merged.len()).rev() {
        let Some(last) = inventory.last() else { break };
        if unplaced > 0 && order(&merged[unplaced - 1]) > order(last) {
            merged.swap(unplaced - 1, slot);
            unplaced -= 1;
        } else {
            merged[slot] = inventory.pop().expect("checked above");
        }
    }
    merged
}

/// A finding that holds no allocation, for a slot about to be filled.
fn placeholder() -> Finding {
    Finding::new(
        0,
        crate::eval::finding::Severity::Note,
        Subject::Waiver(0),
        String::new(),
        "",
    )
}

fn finding(
    rule_index: usize,
    rule: &Rule,
    key_index: usize,
    ctx: &KeyContext<'_>,
    violation: Violation,
) -> Finding {
    let subject = Subject::Key {
        index: key_index,
        id: ctx.record.id,
        target: violation.target,
    };
    Finding::new(
        rule_index,
        rule.severity,
        subject,
        violation.message,
        &violation.evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::key;
    use crate::inventory::Field;

    #[test]
    fn present_fields_agree_with_the_record() {
        let mut sparse = key();
        sparse.user_id = Field::Missing;
        sparse.key_sha256 = None;
        sparse.name = Field::Mistyped(crate::inventory::JsonType::Integer);
        sparse.allow_ips = Field::Present(None);
        sparse.model_limits = Field::Missing;
        sparse.cross_group_retry = Field::Mistyped(crate::inventory::JsonType::String);
        for record in [key(), sparse, KeyRecord::default()] {
            let expected = FieldName::ALL
                .into_iter()
                .filter(|f| matches!(record.field(*f), FieldState::Present(_)))
                .collect::<Vec<_>>();
            assert_eq!(FieldSet::present_in(&record).to_vec(), expected);
        }
    }

    #[test]
    fn status_only_selectors_decide_like_the_selector() {
        let record = key();
        for selector in [
            Selector::default(),
            Selector::enabled_keys(),
            Selector {
                statuses: Some(vec![EffectiveStatus::Disabled, EffectiveStatus::Unknown]),
                ..Selector::default()
            },
        ] {
            let mask = statuses_only(&selector).expect("status-only selector");
            for status in EffectiveStatus::ALL {
                let quick = if mask & status_bit(status) != 0 {
                    Applies::Yes
                } else {
                    Applies::No
                };
                assert_eq!(quick, selector.applies(&record, status), "{status}");
            }
        }
        let by_id = Selector {
            ids: Some(vec![1]),
            ..Selector::default()
        };
        assert_eq!(statuses_only(&by_id), None);
    }

    #[test]
    fn merging_in_place_is_a_stable_sort_by_key_and_rule() {
        let at = |index: usize, rule: usize, tag: &str| {
            let subject = Subject::Key {
                index,
                id: 1,
                target: Target::Record,
            };
            let severity = crate::eval::finding::Severity::Note;
            Finding::new(rule, severity, subject, String::new(), tag)
        };
        // Per-key findings in (key, rule) order, inventory-wide ones in any order; ties between
        // the two keep the per-key finding first.
        let per_key = vec![at(0, 1, "a"), at(0, 3, "b"), at(2, 1, "c"), at(2, 1, "d")];
        let inventory = vec![at(2, 1, "y"), at(0, 2, "x"), at(3, 0, "z"), at(0, 0, "w")];
        let mut expected: Vec<Finding> = per_key.iter().chain(&inventory).cloned().collect();
        expected.sort_by_key(|f| (f.key_index(), f.rule));
        let merged = merge_by_key_and_rule(per_key.clone(), inventory);
        let tags = |findings: &[Finding]| {
            findings
                .iter()
                .map(|f| f.evidence().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(tags(&merged), tags(&expected));
        assert_eq!(tags(&merged), ["w", "a", "x", "b", "c", "d", "y", "z"]);
        assert_eq!(merge_by_key_and_rule(per_key.clone(), Vec::new()), per_key);
        let only = merge_by_key_and_rule(Vec::new(), vec![at(1, 0, "q"), at(0, 0, "p")]);
        assert_eq!(tags(&only), ["p", "q"]);
    }
}
