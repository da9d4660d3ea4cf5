//! The closed registry of check kinds. A rule in a pack names a check kind; the kind owns the
//! logic, the parameters it accepts, the record fields it reads, the finding message and the
//! long documentation (`keylint explain`). Adding a check touches its module and one line of
//! [`REGISTRY`].
//!
//! Checks are pure: they see one key (or, for inventory-wide checks, every selected key) and the
//! evaluation time, and return [`Violation`]s. They read record fields through the accessors of
//! [`KeyContext`], only fields their kind declares in `needs` (a registry test enforces it), and
//! their parameters through the [`ParamSpec`] constants their kind declares. Selectors
//! (`[rule.when]`) are applied by the engine before a check runs, so a check tests only its own
//! condition; where the spec speaks of the *raw* status (KL104, KL105, KL202, KL504) the check
//! reads `status` itself ([`KeyContext::raw_status`]).

use std::borrow::Cow;
use std::ops::Range;

use crate::inventory::FieldName;
use crate::inventory::dialect::{ip_line_path, model_entry_path};

pub use context::KeyContext;

mod context;
pub mod field;
pub mod own;

mod allowlist_denies_all;
mod allowlist_ignored;
mod comma_separated_ips;
mod dropped_ip_entry;
mod duplicate_name;
mod exhausted_but_enabled;
mod expired_but_enabled;
mod expiring_soon;
mod inactive_key;
mod ineffective_cross_group_retry;
mod invalid_expiry;
mod invalid_ip_entry;
mod key_age;
mod long_lifetime;
mod malformed_model_entry;
mod model_limits_deny_all;
mod model_limits_ignored;
mod never_used;
mod no_expiry;
mod no_ip_allowlist;
mod no_model_limits;
mod non_canonical_cidr;
mod non_public_ip_entry;
pub mod on_gateways;
mod overbroad_ip_range;
mod redundant_ip_entry;
mod stale_key;
mod unlimited_quota;
mod unmatchable_ip_entry;
mod unnamed_key;
mod wording;

/// Every check kind: keylint's own diagnostics, then the kinds in the order of the default pack.
pub static REGISTRY: &[&CheckKind] = &[
    &own::INCOMPLETE_RECORD,
    &own::EXPIRED_WAIVER,
    &own::UNUSED_WAIVER,
    &no_expiry::CHECK,
    &long_lifetime::CHECK,
    &expiring_soon::CHECK,
    &invalid_expiry::CHECK,
    &expired_but_enabled::CHECK,
    &unlimited_quota::CHECK,
    &exhausted_but_enabled::CHECK,
    &no_ip_allowlist::CHECK,
    &invalid_ip_entry::CHECK,
    &allowlist_denies_all::CHECK,
    &comma_separated_ips::CHECK,
    &overbroad_ip_range::CHECK,
    &non_canonical_cidr::CHECK,
    &non_public_ip_entry::CHECK,
    &redundant_ip_entry::CHECK,
    &allowlist_ignored::CHECK,
    &dropped_ip_entry::CHECK,
    &unmatchable_ip_entry::CHECK,
    &no_model_limits::CHECK,
    &model_limits_deny_all::CHECK,
    &model_limits_ignored::CHECK,
    &malformed_model_entry::CHECK,
    &stale_key::CHECK,
    &never_used::CHECK,
    &key_age::CHECK,
    &inactive_key::CHECK,
    &duplicate_name::CHECK,
    &ineffective_cross_group_retry::CHECK,
    &unnamed_key::CHECK,
    &field::CHECK,
];

/// Looks up, by name, a check kind that a rule pack can name (keylint's own are not).
pub fn lookup(name: &str) -> Option<&'static CheckKind> {
    pack_kinds().find(|k| k.name == name)
}

/// The check kinds a rule pack can name in `check = "..."`.
pub fn pack_kinds() -> impl Iterator<Item = &'static CheckKind> {
    REGISTRY.iter().copied().filter(|k| k.own().is_none())
}

/// A kind of check a rule can run.
pub struct CheckKind {
    /// The name rule packs use in `check = "..."`.
    pub name: &'static str,
    /// Long documentation in Markdown: what it detects, why it matters, how to fix it (console
    /// step and API call) and an example. Shown by `keylint explain` and in reports.
    pub doc: &'static str,
    /// The numeric parameters the kind accepts, with defaults: the module's `ParamSpec`
    /// constants, which the check reads with [`Params::get`]. (The `field` kind validates its
    /// own parameters; its list is empty.)
    pub params: &'static [ParamSpec],
    /// Record fields the check reads; a key lacking one is reported by KL001 instead.
    pub needs: &'static [FieldName],
    pub eval: Eval,
}

impl std::fmt::Debug for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CheckKind({})", self.name)
    }
}

/// How a check runs.
#[derive(Clone, Copy)]
pub enum Eval {
    /// Once per selected key.
    PerKey(fn(&KeyContext<'_>, &Params, &mut Vec<Violation>)),
    /// Once over every selected key; violations carry the index of their key in the slice.
    Inventory(InventoryCheck),
    /// One of keylint's own diagnostics, produced by the engine or the waiver pass.
    Own(Own),
}

/// keylint's own diagnostics (KL0xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Own {
    /// KL001: a record lacks fields that other rules need.
    IncompleteRecord,
    /// KL002: a waiver's `expires` date has passed.
    ExpiredWaiver,
    /// KL003: a waiver matched no finding.
    UnusedWaiver,
}

impl CheckKind {
    /// Which of keylint's own diagnostics the kind is, if it is one.
    pub fn own(&self) -> Option<Own> {
        match self.eval {
            Eval::Own(own) => Some(own),
            Eval::PerKey(_) | Eval::Inventory(_) => None,
        }
    }

    /// Whether the kind reports on waivers (KL002, KL003) rather than on keys.
    pub fn reports_on_waivers(&self) -> bool {
        matches!(self.own(), Some(Own::ExpiredWaiver | Own::UnusedWaiver))
    }
}

/// An inventory-wide check: the selected keys in, violations tagged with their key's index out.
pub type InventoryCheck = fn(&[&KeyContext<'_>], &Params, &mut Vec<(usize, Violation)>);

/// A numeric parameter of a check kind (`[rule.params]`).
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// kebab-case name, e.g. `max-days`.
    pub name: &'static str,
    pub default: i64,
    /// Inclusive bounds a configured value must respect.
    pub min: i64,
    pub max: i64,
    /// One line for `explain` and the policy schema.
    pub doc: &'static str,
}

/// Validated parameters of one rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Params {
    /// Values of the kind's numeric parameters, every one present (defaults filled in).
    Numbers(Vec<(&'static str, i64)>),
    /// The generic `field` check's condition.
    Field(field::Condition),
}

impl Params {
    /// The defaults of a kind's numeric parameters.
    pub fn defaults(kind: &CheckKind) -> Params {
        Params::Numbers(kind.params.iter().map(|p| (p.name, p.default)).collect())
    }

    /// The value of a numeric parameter: what the rule sets, else the parameter's default. A
    /// check names its parameters by their declared constants (`params.get(&MAX_DAYS)`), so a
    /// misspelt name does not compile, and the loader only fills in names the kind declares.
    pub fn get(&self, spec: &ParamSpec) -> i64 {
        match self {
            Params::Numbers(values) => values
                .iter()
                .find(|(name, _)| *name == spec.name)
                .map_or(spec.default, |(_, value)| *value),
            Params::Field(_) => spec.default,
        }
    }
}

/// What a finding points at in the key's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The record as a whole.
    Record,
    /// One field's value.
    Field(FieldName),
    /// A member of a structured field, by its JSON path (one-hub's
    /// `setting.limits.limits_ip_setting`).
    Part(FieldName, &'static str),
    /// One line of an IP restriction, by index in
    /// [`crate::inventory::dialect::IpRestriction::lines`]: an `allow_ips` line, a `subnet`
    /// piece, a one-hub whitelist item.
    IpLine { field: FieldName, line: usize },
    /// One entry of a model list: by byte range in a string field (`model_limits`, `models`),
    /// by index in one-hub's `models` list.
    ModelEntry {
        field: FieldName,
        index: usize,
        range: Option<Range<usize>>,
    },
    /// Several fields (KL001).
    Fields(Vec<FieldName>),
}

impl Target {
    /// The record field the finding is about, when there is one.
    pub fn field(&self) -> Option<FieldName> {
        match self {
            Target::Record | Target::Fields(_) => None,
            Target::Field(f) | Target::Part(f, _) => Some(*f),
            Target::IpLine { field, .. } | Target::ModelEntry { field, .. } => Some(*field),
        }
    }

    /// How reports name what the finding is about: the field's name, or the JSON path of a
    /// part of a structured field (`setting.limits.limits_ip_setting.whitelist[2]`).
    pub fn path(&self) -> Option<Cow<'static, str>> {
        Some(match self {
            Target::Record | Target::Fields(_) => return None,
            Target::Field(f) => Cow::Borrowed(f.as_str()),
            Target::Part(_, path) => Cow::Borrowed(path),
            Target::IpLine { field, line } => match field {
                FieldName::Setting => Cow::Owned(ip_line_path(*field, *line)),
                f => Cow::Borrowed(f.as_str()),
            },
            Target::ModelEntry { field, index, .. } => match field {
                FieldName::Setting => Cow::Owned(model_entry_path(*field, *index)),
                f => Cow::Borrowed(f.as_str()),
            },
        })
    }
}

/// One violation of a check by one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// One sentence, specific to the key ("expires 2027-05-01, 480 days after creation (limit 365)").
    /// Never contains the key value.
    pub message: String,
    pub target: Target,
    /// The violating value(s) that identify this violation among others of the same rule on
    /// the same key (an entry, a field value); bound into the finding's fingerprint, so a
    /// different violation on the same key is a new finding.
    pub evidence: String,
}

#[cfg(test)]
pub(crate) mod testkit;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    use crate::inventory::KeyRecord;

    #[test]
    fn kind_names_are_unique_and_kebab_case() {
        let mut seen = HashSet::new();
        for kind in REGISTRY {
            assert!(seen.insert(kind.name), "duplicate check kind {}", kind.name);
            assert!(
                kind.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                kind.name
            );
            assert!(!kind.doc.trim().is_empty(), "{} has no doc", kind.name);
        }
    }

    /// Every kind's parameters have unique kebab-case names, a default within their bounds and
    /// a doc line; `default_pack_matches_the_registry` checks them against the default pack.
    #[test]
    fn declared_params_are_unique_and_in_bounds() {
        for kind in REGISTRY {
            let mut names = HashSet::new();
            for p in kind.params {
                assert!(names.insert(p.name), "{}: {} twice", kind.name, p.name);
                assert!(
                    p.name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                    "{}: {}",
                    kind.name,
                    p.name
                );
                assert!(
                    p.min <= p.default && p.default <= p.max,
                    "{}: {}",
                    kind.name,
                    p.name
                );
                assert!(!p.doc.is_empty(), "{}: {}", kind.name, p.name);
            }
        }
    }

    /// Records that drive every check down its branches: the healthy key, and keys that break
    /// each rule of the default pack.
    fn varied_records() -> Vec<KeyRecord> {
        use crate::inventory::Field;
        use testkit::{DAY, NOW, key, with_allow_ips, with_models};
        let mut records = vec![
            key(),
            with_allow_ips("10.0.0.1/8\n0.0.0.0/0\n1.2.3.4,5.6.7.8\nnot-an-ip\n10.1.1.1"),
            with_allow_ips("x"),
            with_models(true, "a,, b"),
            with_models(false, "gpt-4o"),
            with_models(true, ""),
        ];
        let mut changed = key();
        changed.allow_ips = Field::Present(None);
        changed.expired_time = Field::Present(-1);
        changed.unlimited_quota = Field::Present(true);
        changed.cross_group_retry = Field::Present(true);
        changed.name = Field::Present(" ".into());
        records.push(changed);
        let mut old = key();
        old.created_time = Field::Present(NOW - 900 * DAY);
        old.accessed_time = Field::Present(NOW - 900 * DAY);
        old.expired_time = Field::Present(NOW - DAY);
        old.remain_quota = Field::Present(0);
        records.push(old);
        for status in [2, 3, 4] {
            let mut dead = key();
            dead.status = Field::Present(status);
            dead.expired_time = Field::Present(NOW + DAY);
            records.push(dead);
        }
        let mut zero = key();
        zero.expired_time = Field::Present(0);
        records.push(zero);
        records
    }

    /// The fields a check reads of `record` (for an inventory check, of two keys with its name).
    fn fields_read(kind: &CheckKind, record: &KeyRecord) -> Vec<FieldName> {
        let params = Params::defaults(kind);
        let first = KeyContext::new(record, testkit::NOW);
        match kind.eval {
            Eval::PerKey(check) => check(&first, &params, &mut Vec::new()),
            Eval::Inventory(check) => {
                let second = KeyContext::new(record, testkit::NOW);
                check(&[&first, &second], &params, &mut Vec::new());
                let mut read = first.fields_read();
                read.extend(second.fields_read());
                return read;
            }
            Eval::Own(_) => unreachable!("pack kinds are not keylint's own"),
        }
        first.fields_read()
    }

    /// A check reads only fields it declares in `needs`: the engine runs it only when those
    /// are present, so an undeclared read would be skipped silently on a record that lacks the
    /// field. Every check runs on varied records, complete and missing each field it does not
    /// declare.
    #[test]
    fn checks_read_only_the_fields_they_declare() {
        for kind in pack_kinds().filter(|k| k.name != "field") {
            for record in varied_records() {
                let undeclared = FieldName::ALL
                    .into_iter()
                    .filter(|f| !kind.needs.contains(f));
                let records = std::iter::once(record.clone())
                    .chain(undeclared.map(|field| testkit::without(&record, field)));
                for candidate in records {
                    for field in fields_read(kind, &candidate) {
                        assert!(
                            kind.needs.contains(&field),
                            "{} reads {field} but does not declare it in `needs`",
                            kind.name
                        );
                    }
                }
            }
        }
    }

    /// The `field` check reads the field its condition names, which its rule needs.
    #[test]
    fn the_field_check_reads_its_conditions_field() {
        let condition = field::Condition::compile("group", "eq", Some(&"auto".into())).unwrap();
        let record = testkit::key();
        let ctx = KeyContext::new(&record, testkit::NOW);
        let Eval::PerKey(check) = field::CHECK.eval else {
            panic!("field is a per-key check")
        };
        check(&ctx, &Params::Field(condition), &mut Vec::new());
        assert_eq!(ctx.fields_read(), [FieldName::Group]);
    }

    #[test]
    fn no_kind_fires_on_the_healthy_test_key() {
        let record = testkit::key();
        for kind in pack_kinds().filter(|k| k.name != "field") {
            let fired = match kind.eval {
                Eval::PerKey(_) => testkit::run(kind, &record).len(),
                Eval::Inventory(_) => {
                    testkit::run_inventory(kind, std::slice::from_ref(&record)).len()
                }
                Eval::Own(_) => unreachable!("pack kinds are not keylint's own"),
            };
            assert_eq!(fired, 0, "{} fired on the healthy key", kind.name);
        }
    }
}
