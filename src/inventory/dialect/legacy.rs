//! new-api before 2025-06, Veloera, and new-api records from before CIDR allowlists: of
//! `allow_ips` only single addresses are kept (compared with the client address as text), a
//! CIDR line is dropped, and when nothing survives the key is open to every address — the
//! opposite of current new-api. Models as new-api.

use super::view::{Ignored, IpFate, IpOutcome, IpRestriction, Restrictions, is_canonical_address};
use super::{Dialect, new_api};
use crate::inventory::record::FieldName;
use crate::inventory::{KeyRecord, ParsedEntry};

/// What a gateway that matches single addresses only enforces for `record`; `dialect` is the
/// one it was read as (new-api for a record that predates CIDR allowlists).
pub(super) fn restrictions(record: &KeyRecord, dialect: Dialect) -> Restrictions<'_> {
    let (lines, entries) = new_api::allow_ips_entries(record, |entry| match entry.parsed {
        ParsedEntry::Address(_) if is_canonical_address(entry) => IpFate::Enforced,
        ParsedEntry::Address(_) => IpFate::NeverMatches,
        ParsedEntry::Cidr(_) => IpFate::CidrDropped,
        ParsedEntry::Invalid => IpFate::Unreadable,
    });
    let kept = entries
        .iter()
        .filter(|e| matches!(e.fate, IpFate::Enforced | IpFate::NeverMatches));
    let outcome = if entries.is_empty() {
        IpOutcome::Unrestricted
    } else if kept.clone().next().is_none() {
        IpOutcome::Ignored(Ignored::NoSingleAddress)
    } else if kept.clone().any(|e| e.fate == IpFate::Enforced) {
        IpOutcome::Restricted
    } else {
        IpOutcome::DeniesAll
    };
    Restrictions {
        ip: IpRestriction {
            dialect,
            field: FieldName::AllowIps,
            lines,
            entries,
            deletes_commas: true,
            honours_cidr: false,
            outcome,
        },
        model: new_api::model_restriction(record, dialect),
    }
}
