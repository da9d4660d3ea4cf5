//! new-api (CometAPI) since CIDR allowlists (2025-12-15): every `allow_ips` entry that is an
//! address or a CIDR is enforced, an unreadable one is skipped, and a list of nothing but
//! unreadable entries denies every request. Models: `model_limits_enabled` switches the
//! comma-separated `model_limits` on; the legacy dialect reads models the same way.

use super::Dialect;
use super::view::{
    IpEntry, IpFate, IpOutcome, IpRestriction, ModelEntryView, ModelOutcome, ModelRestriction,
    Restrictions,
};
use crate::inventory::record::FieldName;
use crate::inventory::{AllowEntry, AllowLine, AllowList, KeyRecord, ParsedEntry, model_entries};

/// What a new-api gateway that honours CIDRs enforces for `record`.
pub(super) fn restrictions(record: &KeyRecord) -> Restrictions<'_> {
    Restrictions {
        ip: ip_restriction(record),
        model: model_restriction(record, Dialect::NewApi),
    }
}

fn ip_restriction(record: &KeyRecord) -> IpRestriction<'_> {
    let (lines, entries) = allow_ips_entries(record, |entry| match entry.parsed {
        ParsedEntry::Invalid => IpFate::Unreadable,
        ParsedEntry::Address(_) | ParsedEntry::Cidr(_) => IpFate::Enforced,
    });
    let outcome = IpOutcome::of_entries(&entries);
    IpRestriction {
        dialect: Dialect::NewApi,
        field: FieldName::AllowIps,
        lines,
        entries,
        deletes_commas: true,
        honours_cidr: true,
        outcome,
    }
}

/// `allow_ips` as the gateway reads it (the lines, and each entry with the fate `fate` gives
/// it): the reading new-api and new-api-legacy share.
pub(super) fn allow_ips_entries<'r>(
    record: &'r KeyRecord,
    fate: impl Fn(&AllowEntry<'r>) -> IpFate,
) -> (Vec<AllowLine<'r>>, Vec<IpEntry<'r>>) {
    let raw = record.allow_ips.get().and_then(|v| v.as_deref());
    let list = AllowList::parse(raw);
    let entries = list
        .entries
        .into_iter()
        .map(|entry| IpEntry {
            fate: fate(&entry),
            entry,
        })
        .collect();
    (list.lines, entries)
}

/// `model_limits_enabled` + `model_limits` (new-api and new-api-legacy): off, the list is
/// ignored; on, it is split on `,` without trimming and matched exactly.
pub(super) fn model_restriction(record: &KeyRecord, dialect: Dialect) -> ModelRestriction<'_> {
    let enabled = record.model_limits_enabled.get().copied().unwrap_or(false);
    let limits = record.model_limits.get().map_or("", String::as_str);
    if !enabled {
        return ModelRestriction {
            dialect,
            field: FieldName::ModelLimits,
            switch_field: Some(FieldName::ModelLimitsEnabled),
            entries: Vec::new(),
            raw: Some(limits),
            outcome: if limits.trim().is_empty() {
                ModelOutcome::Unrestricted
            } else {
                ModelOutcome::Ignored
            },
        };
    }
    let entries = model_entries(limits)
        .enumerate()
        .map(|(index, e)| ModelEntryView {
            text: e.text,
            index,
            range: Some(e.range),
        })
        .collect();
    ModelRestriction::in_force(
        dialect,
        FieldName::ModelLimits,
        Some(FieldName::ModelLimitsEnabled),
        entries,
        Some(limits),
    )
}
