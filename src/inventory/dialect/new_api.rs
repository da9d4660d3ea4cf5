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
use crate::inventory::{AllowList, KeyRecord, ParsedEntry, model_entries};

/// What a new-api gateway that honours CIDRs enforces for `record`.
pub(super) fn restrictions(record: &KeyRecord) -> Restrictions<'_> {
    Restrictions {
        ip: ip_restriction(record),
        model: model_restriction(record, Dialect::NewApi),
    }
}

fn ip_restriction(record: &KeyRecord) -> IpRestriction<'_> {
    let raw = record.allow_ips.get().and_then(|v| v.as_deref());
    let list = AllowList::parse(raw);
    let entries: Vec<IpEntry<'_>> = list
        .entries
        .into_iter()
        .map(|entry| {
            let fate = match entry.parsed {
                ParsedEntry::Invalid => IpFate::Unreadable,
                ParsedEntry::Address(_) | ParsedEntry::Cidr(_) => IpFate::Enforced,
            };
            IpEntry { entry, fate }
        })
        .collect();
    let outcome = if entries.is_empty() {
        IpOutcome::Unrestricted
    } else if entries.iter().any(|e| e.fate == IpFate::Enforced) {
        IpOutcome::Restricted
    } else {
        IpOutcome::DeniesAll
    };
    IpRestriction {
        dialect: Dialect::NewApi,
        field: FieldName::AllowIps,
        lines: list.lines,
        entries,
        deletes_commas: true,
        honours_cidr: true,
        outcome,
    }
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
