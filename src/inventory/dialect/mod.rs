//! The dialects of the gateway family (SPEC §3a, `GATEWAYS.md`): their names, the record fields
//! each one sends, how a list response's shape names its dialect, and — one module per dialect
//! — what that gateway enforces for a key's IP and model restrictions, as one normalised view
//! ([`Restrictions`]) that the rules question the same way on every gateway.
//!
//! - `new_api`: CometAPI and new-api (`allow_ips`, CIDRs honoured unless the record predates
//!   them, all-invalid denies everything; `model_limits_enabled` + `model_limits`);
//! - `legacy`: new-api before mid-2025 and Veloera (single IPs only, nothing left means open);
//! - `one_api`: one-api and one-api-laisky (`subnet` CIDRs, `models` without a switch);
//! - `one_hub`: one-hub and done-hub (`setting.limits.*`, switches and unvalidated entries);
//! - `view`: the normalised view itself.

use std::fmt;

use super::record::{FieldName, KeyRecord};

mod legacy;
mod new_api;
mod one_api;
mod one_hub;
mod view;

pub use view::{
    Ignored, IpEntry, IpFate, IpOutcome, IpRestriction, ModelEntryView, ModelOutcome,
    ModelRestriction, Restrictions, canonical_text, ip_line_path, model_entry_path,
};

/// A dialect of the gateway family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dialect {
    /// CometAPI and new-api since 2025-06 (`data.items`, `data.total`).
    NewApi,
    /// new-api before 2025-06 and Veloera (bare `data` array, 0-based pages, no total).
    NewApiLegacy,
    /// songquanpeng/one-api (bare `data` array, 0-based pages of 10, no total).
    OneApi,
    /// one-hub and done-hub (`data.data`, `data.total_count`, `page`/`size`).
    OneHub,
    /// Laisky/one-api (bare `data` array with a top-level `total`).
    OneApiLaisky,
}

/// The fields every dialect sends, followed by a dialect's own.
macro_rules! fields {
    ($($own:ident),*) => {
        &[
            FieldName::Id,
            FieldName::UserId,
            FieldName::Key,
            FieldName::Status,
            FieldName::Name,
            FieldName::CreatedTime,
            FieldName::AccessedTime,
            FieldName::ExpiredTime,
            FieldName::RemainQuota,
            FieldName::UsedQuota,
            FieldName::UnlimitedQuota,
            $(FieldName::$own),*
        ]
    };
}

/// The fields new-api (CometAPI) sends; new-api-legacy sends all but the last.
const NEW_API_FIELDS: &[FieldName] = fields!(
    ModelLimitsEnabled,
    ModelLimits,
    AllowIps,
    Group,
    CrossGroupRetry
);

/// The fields one-api and one-api-laisky send.
const ONE_API_FIELDS: &[FieldName] = fields!(Models, Subnet);

/// The fields one-hub and done-hub send.
const ONE_HUB_FIELDS: &[FieldName] = fields!(Group, Setting);

impl Dialect {
    /// Every dialect, in the order of SPEC §3a.
    pub const ALL: [Dialect; 5] = [
        Dialect::NewApi,
        Dialect::NewApiLegacy,
        Dialect::OneApi,
        Dialect::OneHub,
        Dialect::OneApiLaisky,
    ];

    /// The dialect's position in [`Dialect::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name `--gateway` and reports use.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::NewApi => "new-api",
            Dialect::NewApiLegacy => "new-api-legacy",
            Dialect::OneApi => "one-api",
            Dialect::OneHub => "one-hub",
            Dialect::OneApiLaisky => "one-api-laisky",
        }
    }

    /// The dialect of a name (`--gateway`, a snapshot's `gateway`).
    pub fn from_name(name: &str) -> Option<Dialect> {
        Dialect::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The gateways that speak it, for messages and documentation.
    pub fn gateways(self) -> &'static str {
        match self {
            Dialect::NewApi => "CometAPI, new-api since 2025-06",
            Dialect::NewApiLegacy => "new-api before 2025-06, Veloera",
            Dialect::OneApi => "one-api (songquanpeng)",
            Dialect::OneHub => "one-hub, done-hub",
            Dialect::OneApiLaisky => "one-api (Laisky)",
        }
    }

    /// The record fields this dialect sends (`key` included). A field outside the list is
    /// not missing from its records: rules that need it do not apply.
    pub fn fields(self) -> &'static [FieldName] {
        match self {
            Dialect::NewApi => NEW_API_FIELDS,
            Dialect::NewApiLegacy => &NEW_API_FIELDS[..NEW_API_FIELDS.len() - 1],
            Dialect::OneApi | Dialect::OneApiLaisky => ONE_API_FIELDS,
            Dialect::OneHub => ONE_HUB_FIELDS,
        }
    }

    /// Whether records of this dialect carry `field`.
    pub fn has(self, field: FieldName) -> bool {
        self.fields().contains(&field)
    }

    /// The dialect's own fields that answer for a field of the new-api record, the vocabulary
    /// checks declare their needs in: `allow_ips` is `subnet` on one-api and `setting` on
    /// one-hub; one-api's model list is its own switch (a list that is not empty is in force).
    /// `None` when the dialect has nothing that answers (one-api has no group): rules that
    /// need it do not apply.
    pub fn answering(self, field: FieldName) -> Option<FieldName> {
        use FieldName as F;
        match (self, field) {
            (Dialect::OneApi | Dialect::OneApiLaisky, F::AllowIps) => Some(F::Subnet),
            (Dialect::OneApi | Dialect::OneApiLaisky, F::ModelLimits | F::ModelLimitsEnabled) => {
                Some(F::Models)
            }
            (Dialect::OneHub, F::AllowIps | F::ModelLimits | F::ModelLimitsEnabled) => {
                Some(F::Setting)
            }
            (d, f) => d.has(f).then_some(f),
        }
    }

    /// What the gateway enforces for `record`'s IP and model restrictions. `cidr` says
    /// whether a new-api gateway honours CIDR entries (see [`CidrSupport`]).
    pub fn restrictions<'r>(self, record: &'r KeyRecord, cidr: CidrSupport) -> Restrictions<'r> {
        match self {
            Dialect::NewApi if cidr.honoured(record) => new_api::restrictions(record),
            Dialect::NewApi | Dialect::NewApiLegacy => legacy::restrictions(record, self),
            Dialect::OneApi | Dialect::OneApiLaisky => one_api::restrictions(record),
            Dialect::OneHub => one_hub::restrictions(record),
        }
    }

    /// The dialect that a set of records in no envelope most likely came from, by the fields
    /// they carry: `setting` is one-hub, `subnet` or `models` one-api, anything else new-api.
    pub fn of_records(records: &[KeyRecord]) -> Dialect {
        if records.iter().any(|r| r.has_any(&[FieldName::Setting])) {
            Dialect::OneHub
        } else if records
            .iter()
            .any(|r| r.has_any(&[FieldName::Subnet, FieldName::Models]))
        {
            Dialect::OneApi
        } else {
            Dialect::NewApi
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a new-api gateway honours CIDR entries in `allow_ips` (since 2025-12-15). Records
/// of versions that do carry `cross_group_retry` (added 2025-12-12); `Auto` reads a record
/// without it as coming from a gateway that matches single IPs only. `--cidr-allowlists`
/// overrides the guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CidrSupport {
    #[default]
    Auto,
    Honoured,
    Dropped,
}

impl CidrSupport {
    /// Whether the gateway that sent `record` honours CIDR entries.
    pub fn honoured(self, record: &KeyRecord) -> bool {
        match self {
            CidrSupport::Auto => record.field_sent(FieldName::CrossGroupRetry),
            CidrSupport::Honoured => true,
            CidrSupport::Dropped => false,
        }
    }
}

/// What the shape of a list response says about its dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `data.items` (with `data.total`): new-api.
    Items,
    /// `data.data` (with `data.total_count`): one-hub.
    TotalCount,
    /// A bare `data` array with a top-level `total`: one-api-laisky.
    ArrayWithTotal,
    /// A bare `data` array (or `null`) and no total: one-api when its records carry
    /// `models`/`subnet`, new-api-legacy when they carry `allow_ips`/`model_limits`; `None`
    /// when no record tells (an empty page).
    Array(Option<Dialect>),
}

impl Shape {
    /// Whether a response of this shape can come from `dialect`.
    pub fn fits(self, dialect: Dialect) -> bool {
        match self {
            Shape::Items => dialect == Dialect::NewApi,
            Shape::TotalCount => dialect == Dialect::OneHub,
            Shape::ArrayWithTotal => dialect == Dialect::OneApiLaisky,
            Shape::Array(Some(d)) => d == dialect,
            Shape::Array(None) => matches!(dialect, Dialect::NewApiLegacy | Dialect::OneApi),
        }
    }

    /// The dialect the shape names, when it names one.
    pub fn dialect(self) -> Option<Dialect> {
        match self {
            Shape::Items => Some(Dialect::NewApi),
            Shape::TotalCount => Some(Dialect::OneHub),
            Shape::ArrayWithTotal => Some(Dialect::OneApiLaisky),
            Shape::Array(d) => d,
        }
    }

    /// The shape, as messages describe it.
    pub fn describe(self) -> &'static str {
        match self {
            Shape::Items => "`data.items` with `data.total` (new-api)",
            Shape::TotalCount => "`data.data` with `data.total_count` (one-hub)",
            Shape::ArrayWithTotal => "a `data` array with a top-level `total` (one-api-laisky)",
            Shape::Array(Some(Dialect::OneApi)) => {
                "a `data` array of records with `subnet`/`models` (one-api)"
            }
            Shape::Array(Some(_)) => {
                "a `data` array of records with `allow_ips`/`model_limits` (new-api-legacy)"
            }
            Shape::Array(None) => "an empty `data` array (new-api-legacy or one-api)",
        }
    }

    /// The shape of a bare `data` array of `records`.
    pub(crate) fn of_array(records: &[KeyRecord]) -> Shape {
        let sends = |fields: &[FieldName]| records.iter().any(|r| r.has_any(fields));
        if sends(&[FieldName::Subnet, FieldName::Models]) {
            Shape::Array(Some(Dialect::OneApi))
        } else if sends(&[
            FieldName::AllowIps,
            FieldName::ModelLimits,
            FieldName::ModelLimitsEnabled,
        ]) {
            Shape::Array(Some(Dialect::NewApiLegacy))
        } else {
            Shape::Array(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in Dialect::ALL {
            assert_eq!(Dialect::from_name(d.name()), Some(d));
            assert_eq!(
                serde_json::to_value(d).unwrap(),
                serde_json::json!(d.name())
            );
        }
        assert_eq!(Dialect::from_name("auto"), None);
    }

    #[test]
    fn fields_answer_per_dialect() {
        use FieldName as F;
        assert_eq!(
            Dialect::NewApi.answering(F::CrossGroupRetry),
            Some(F::CrossGroupRetry)
        );
        assert_eq!(Dialect::NewApiLegacy.answering(F::CrossGroupRetry), None);
        assert_eq!(Dialect::OneApi.answering(F::AllowIps), Some(F::Subnet));
        assert_eq!(
            Dialect::OneApi.answering(F::ModelLimitsEnabled),
            Some(F::Models)
        );
        assert_eq!(Dialect::OneApi.answering(F::Group), None);
        assert_eq!(
            Dialect::OneHub.answering(F::ModelLimitsEnabled),
            Some(F::Setting)
        );
        assert_eq!(Dialect::OneHub.answering(F::Group), Some(F::Group));
        assert_eq!(Dialect::OneHub.answering(F::Subnet), None);
    }

    #[test]
    fn shapes_fit_their_dialects_only() {
        for shape in [Shape::Items, Shape::TotalCount, Shape::ArrayWithTotal] {
            let fitting: Vec<Dialect> = Dialect::ALL
                .into_iter()
                .filter(|d| shape.fits(*d))
                .collect();
            assert_eq!(fitting, [shape.dialect().unwrap()]);
        }
        assert!(Shape::Array(None).fits(Dialect::OneApi));
        assert!(Shape::Array(None).fits(Dialect::NewApiLegacy));
        assert!(!Shape::Array(None).fits(Dialect::OneApiLaisky));
        assert!(!Shape::Array(Some(Dialect::OneApi)).fits(Dialect::NewApiLegacy));
    }
}
