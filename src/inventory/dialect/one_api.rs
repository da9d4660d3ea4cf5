//! one-api and one-api-laisky: `subnet` is split on `,`, each piece trimmed and parsed as a
//! CIDR (a bare address is not one, and one that does not parse never matches); a key outside
//! every subnet is refused, and null or empty means no restriction. `models` has no switch:
//! null or empty allows every model, anything else is split on `,` without trimming and
//! matched exactly.

use std::borrow::Cow;
use std::net::IpAddr;

use ipnet::IpNet;

use super::Dialect;
use super::view::{
    IpEntry, IpFate, IpOutcome, IpRestriction, ModelEntryView, ModelOutcome, ModelRestriction,
    Restrictions,
};
use crate::inventory::record::FieldName;
use crate::inventory::{AllowEntry, AllowLine, KeyRecord, ParsedEntry, model_entries};

/// What a one-api gateway enforces for `record`.
pub(super) fn restrictions(record: &KeyRecord) -> Restrictions<'_> {
    Restrictions {
        ip: ip_restriction(record),
        model: model_restriction(record),
    }
}

fn ip_restriction(record: &KeyRecord) -> IpRestriction<'_> {
    let raw = record.subnet.get().and_then(|v| v.as_deref()).unwrap_or("");
    let mut lines = Vec::new();
    let mut entries = Vec::new();
    if !raw.trim().is_empty() {
        let mut start = 0;
        for piece in raw.split(',') {
            let range = start..start + piece.len();
            start = range.end + 1;
            let text = piece.trim();
            let (parsed, fate) = match text.parse::<IpNet>() {
                Ok(net) => (ParsedEntry::Cidr(net), IpFate::Enforced),
                Err(_) => match text.parse::<IpAddr>() {
                    Ok(addr) => (ParsedEntry::Address(addr), IpFate::Unreadable),
                    Err(_) => (ParsedEntry::Invalid, IpFate::Unreadable),
                },
            };
            let line = lines.len();
            lines.push(AllowLine {
                raw: range,
                cleaned: Cow::Borrowed(text),
            });
            entries.push(IpEntry {
                entry: AllowEntry {
                    text: Cow::Borrowed(text),
                    line,
                    parsed,
                },
                fate,
            });
        }
    }
    let outcome = IpOutcome::of_entries(&entries);
    IpRestriction {
        dialect: Dialect::OneApi,
        field: FieldName::Subnet,
        lines,
        entries,
        deletes_commas: false,
        honours_cidr: true,
        outcome,
    }
}

fn model_restriction(record: &KeyRecord) -> ModelRestriction<'_> {
    let models = record.models.get().and_then(|v| v.as_deref()).unwrap_or("");
    if models.is_empty() {
        return ModelRestriction {
            dialect: Dialect::OneApi,
            field: FieldName::Models,
            switch_field: None,
            entries: Vec::new(),
            raw: Some(models),
            outcome: ModelOutcome::Unrestricted,
        };
    }
    let entries = model_entries(models)
        .enumerate()
        .map(|(index, e)| ModelEntryView {
            text: e.text,
            index,
            range: Some(e.range),
        })
        .collect();
    ModelRestriction::in_force(
        Dialect::OneApi,
        FieldName::Models,
        None,
        entries,
        Some(models),
    )
}
