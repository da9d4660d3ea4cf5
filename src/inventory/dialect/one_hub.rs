//! one-hub and done-hub: `setting.limits.limits_ip_setting` is enforced only when `enabled` and
//! its `whitelist` is non-empty; an entry holding `/` is matched as a CIDR, any other by exact
//! text equality with the client address, and nothing is validated on save.
//! `setting.limits.limit_model_setting`, when `enabled`, allows exactly the listed models —
//! none when the list is empty.

use std::borrow::Cow;
use std::net::IpAddr;

use ipnet::IpNet;

use super::Dialect;
use super::view::{
    Ignored, IpEntry, IpFate, IpOutcome, IpRestriction, ModelEntryView, ModelOutcome,
    ModelRestriction, Restrictions, is_canonical_address,
};
use crate::inventory::record::{FieldName, HubSetting};
use crate::inventory::{AllowEntry, AllowLine, KeyRecord, ParsedEntry};

/// What a one-hub gateway enforces for `record`.
pub(super) fn restrictions(record: &KeyRecord) -> Restrictions<'_> {
    static OFF: HubSetting = HubSetting {
        ip: crate::inventory::record::HubSwitch {
            enabled: false,
            list: Vec::new(),
        },
        model: crate::inventory::record::HubSwitch {
            enabled: false,
            list: Vec::new(),
        },
    };
    let setting = record.setting.get().map_or(&OFF, |s| s.as_ref());
    Restrictions {
        ip: ip_restriction(setting),
        model: model_restriction(setting),
    }
}

fn ip_restriction(setting: &HubSetting) -> IpRestriction<'_> {
    let mut lines = Vec::with_capacity(setting.ip.list.len());
    let mut entries = Vec::with_capacity(setting.ip.list.len());
    for (line, item) in setting.ip.list.iter().enumerate() {
        let text = item.as_str();
        lines.push(AllowLine {
            raw: 0..text.len(),
            cleaned: Cow::Borrowed(text),
        });
        let parsed = if text.contains('/') {
            text.parse::<IpNet>()
                .map_or(ParsedEntry::Invalid, ParsedEntry::Cidr)
        } else {
            text.parse::<IpAddr>()
                .map_or(ParsedEntry::Invalid, ParsedEntry::Address)
        };
        let entry = AllowEntry {
            text: Cow::Borrowed(text),
            line,
            parsed,
        };
        let fate = match parsed {
            ParsedEntry::Cidr(_) => IpFate::Enforced,
            ParsedEntry::Address(_) if is_canonical_address(&entry) => IpFate::Enforced,
            ParsedEntry::Address(_) => IpFate::NeverMatches,
            ParsedEntry::Invalid => IpFate::Unreadable,
        };
        entries.push(IpEntry { entry, fate });
    }
    let outcome = match (setting.ip.enabled, entries.is_empty()) {
        (false, true) => IpOutcome::Unrestricted,
        (false, false) => IpOutcome::Ignored(Ignored::SwitchedOff),
        (true, true) => IpOutcome::Ignored(Ignored::EnabledEmpty),
        (true, false) => IpOutcome::of_entries(&entries),
    };
    IpRestriction {
        dialect: Dialect::OneHub,
        field: FieldName::Setting,
        lines,
        entries,
        deletes_commas: false,
        honours_cidr: true,
        outcome,
    }
}

fn model_restriction(setting: &HubSetting) -> ModelRestriction<'_> {
    let list = &setting.model.list;
    let entries: Vec<ModelEntryView<'_>> = list
        .iter()
        .enumerate()
        .map(|(index, text)| ModelEntryView {
            text,
            index,
            range: None,
        })
        .collect();
    if setting.model.enabled {
        return ModelRestriction::in_force(
            Dialect::OneHub,
            FieldName::Setting,
            Some(FieldName::Setting),
            entries,
            None,
        );
    }
    ModelRestriction {
        dialect: Dialect::OneHub,
        field: FieldName::Setting,
        switch_field: Some(FieldName::Setting),
        outcome: if entries.is_empty() {
            ModelOutcome::Unrestricted
        } else {
            ModelOutcome::Ignored
        },
        entries,
        raw: None,
    }
}
