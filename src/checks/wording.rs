//! What IP and model findings point at and how they word what the gateway does, per dialect:
//! each finding names the dialect's own field (`allow_ips`, `subnet`,
//! `setting.limits.limits_ip_setting.whitelist[2]`) and the gateway's own behaviour.

use super::Target;
use crate::inventory::Dialect;
use crate::inventory::FieldName;
use crate::inventory::dialect::{IpRestriction, ModelEntryView, ModelRestriction, ip_line_path};

/// The whole IP restriction: the field, or one-hub's `limits_ip_setting`.
pub(super) fn ip_target(ip: &IpRestriction<'_>) -> Target {
    match ip.field {
        FieldName::Setting => Target::Part(FieldName::Setting, ip.path()),
        field => Target::Field(field),
    }
}

/// One line of the IP restriction.
pub(super) fn line_target(ip: &IpRestriction<'_>, line: usize) -> Target {
    Target::IpLine {
        field: ip.field,
        line,
    }
}

/// How a message names an entry on line `line`: `allow_ips entry`, `subnet entry`, or
/// `whitelist entry setting.limits.limits_ip_setting.whitelist[2]`.
pub(super) fn entry_label(ip: &IpRestriction<'_>, line: usize) -> String {
    match ip.field {
        FieldName::Setting => format!("whitelist entry {}", ip_line_path(ip.field, line)),
        field => format!("{field} entry"),
    }
}

/// Where line `line` is, for a message that refers to another entry: `line 3` of
/// `allow_ips`, `entry 3` of `subnet`, `whitelist[2]`.
pub(super) fn position(ip: &IpRestriction<'_>, line: usize) -> String {
    match ip.field {
        FieldName::AllowIps => format!("line {}", line + 1),
        FieldName::Setting => format!("whitelist[{line}]"),
        _ => format!("entry {}", line + 1),
    }
}

/// What the gateway does with an entry it cannot read.
pub(super) fn skips(ip: &IpRestriction<'_>) -> &'static str {
    match ip.dialect {
        Dialect::NewApi if ip.honours_cidr => "the gateway skips it",
        Dialect::OneApi | Dialect::OneApiLaisky => {
            "one-api never matches it (its save handler refuses it; the value was written \
             another way)"
        }
        Dialect::OneHub => "one-hub stores entries unvalidated and never matches it",
        Dialect::NewApi | Dialect::NewApiLegacy => "the gateway drops it",
    }
}

/// For a new-api record read as coming from a version before CIDR allowlists: why, and how
/// to override it; empty otherwise.
pub(super) fn reading_note(ip: &IpRestriction<'_>) -> &'static str {
    if ip.dialect == Dialect::NewApi && !ip.honours_cidr {
        " (the record has no `cross_group_retry`, so it comes from a new-api version before \
         CIDR allowlists, which matches single addresses only; if the gateway is newer, run \
         with `--cidr-allowlists honoured`)"
    } else {
        ""
    }
}

/// The whole model restriction: the list's field, or one-hub's `limit_model_setting`.
pub(super) fn model_target(models: &ModelRestriction<'_>) -> Target {
    match models.field {
        FieldName::Setting => Target::Part(FieldName::Setting, models.path()),
        field => Target::Field(field),
    }
}

/// The model restriction's switch (`model_limits_enabled`), or the list where there is none.
pub(super) fn switch_target(models: &ModelRestriction<'_>) -> Target {
    match models.switch_field {
        Some(FieldName::Setting) | None => model_target(models),
        Some(field) => Target::Field(field),
    }
}

/// One entry of the model list.
pub(super) fn model_entry_target(
    models: &ModelRestriction<'_>,
    entry: &ModelEntryView<'_>,
) -> Target {
    Target::ModelEntry {
        field: models.field,
        index: entry.index,
        range: entry.range.clone(),
    }
}

/// How a message names a model entry: `model_limits entry`, `models entry`, or
/// `models entry setting.limits.limit_model_setting.models[1]`.
pub(super) fn model_entry_label(
    models: &ModelRestriction<'_>,
    entry: &ModelEntryView<'_>,
) -> String {
    match models.field {
        FieldName::Setting => format!(
            "models entry {}",
            crate::inventory::dialect::model_entry_path(models.field, entry.index)
        ),
        field => format!("{field} entry"),
    }
}
