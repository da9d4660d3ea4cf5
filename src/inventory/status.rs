//! The effective status of a key (SPEC §4): the state the gateway will enforce at a given time,
//! computed from the raw `status`, `expired_time` and the quota fields, and which of those fields
//! the answer depends on.

use std::fmt;

use serde::Serialize;

use super::record::{FieldName, KeyRecord};

/// The state of a key as the gateway enforces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EffectiveStatus {
    Enabled,
    Disabled,
    Expired,
    Exhausted,
    Unknown,
}

impl EffectiveStatus {
    /// Every status, for selectors and help texts.
    pub const ALL: [EffectiveStatus; 5] = [
        EffectiveStatus::Enabled,
        EffectiveStatus::Disabled,
        EffectiveStatus::Expired,
        EffectiveStatus::Exhausted,
        EffectiveStatus::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EffectiveStatus::Enabled => "enabled",
            EffectiveStatus::Disabled => "disabled",
            EffectiveStatus::Expired => "expired",
            EffectiveStatus::Exhausted => "exhausted",
            EffectiveStatus::Unknown => "unknown",
        }
    }

    pub fn from_name(name: &str) -> Option<EffectiveStatus> {
        EffectiveStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

impl fmt::Display for EffectiveStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl KeyRecord {
    /// The state the gateway will enforce at `now` (SPEC §4 "Effective status").
    ///
    /// A field that the computation needs but the record lacks does not make the key look
    /// dead: a raw status 1 with no readable `expired_time` is taken as not expired, and likewise
    /// for the quota fields, so rules keep applying to it and `KL001` reports the gap.
    pub fn effective_status(&self, now: i64) -> EffectiveStatus {
        match self.status.value() {
            Some(1) => {}
            Some(2) => return EffectiveStatus::Disabled,
            Some(3) => return EffectiveStatus::Expired,
            Some(4) => return EffectiveStatus::Exhausted,
            _ => return EffectiveStatus::Unknown,
        }
        if let Some(expires) = self.expired_time.value()
            && expires != -1
            && expires < now
        {
            return EffectiveStatus::Expired;
        }
        if self.unlimited_quota.value() == Some(false)
            && let Some(remain) = self.remain_quota.value()
            && remain <= 0
        {
            return EffectiveStatus::Exhausted;
        }
        EffectiveStatus::Enabled
    }

    /// The fields the effective status of this record depends on.
    pub fn status_inputs(&self) -> &'static [FieldName] {
        match (self.status.value(), self.unlimited_quota.value()) {
            (Some(1), Some(true)) => &[
                FieldName::Status,
                FieldName::ExpiredTime,
                FieldName::UnlimitedQuota,
            ],
            (Some(1), _) => &[
                FieldName::Status,
                FieldName::ExpiredTime,
                FieldName::UnlimitedQuota,
                FieldName::RemainQuota,
            ],
            _ => &[FieldName::Status],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EffectiveStatus::{Disabled, Enabled, Exhausted, Expired, Unknown};
    use super::*;
    use crate::inventory::{Field, JsonType};

    const NOW: i64 = 1_795_694_400;

    /// A raw-enabled key with plenty of quota that never expires.
    fn enabled() -> KeyRecord {
        KeyRecord {
            id: 1,
            status: Field::Present(1),
            expired_time: Field::Present(-1),
            remain_quota: Field::Present(500),
            unlimited_quota: Field::Present(false),
            ..KeyRecord::default()
        }
    }

    fn expiring_at(expired_time: i64) -> KeyRecord {
        KeyRecord {
            expired_time: Field::Present(expired_time),
            ..enabled()
        }
    }

    fn with_quota(remain: i64, unlimited: Field<bool>) -> KeyRecord {
        KeyRecord {
            remain_quota: Field::Present(remain),
            unlimited_quota: unlimited,
            ..enabled()
        }
    }

    #[test]
    fn expiry_is_strictly_before_now() {
        assert_eq!(expiring_at(NOW).effective_status(NOW), Enabled);
        assert_eq!(expiring_at(NOW - 1).effective_status(NOW), Expired);
        assert_eq!(expiring_at(NOW + 1).effective_status(NOW), Enabled);
    }

    #[test]
    fn only_minus_one_means_never() {
        assert_eq!(expiring_at(-1).effective_status(NOW), Enabled);
        assert_eq!(expiring_at(-1).effective_status(i64::MAX), Enabled);
        assert_eq!(expiring_at(0).effective_status(NOW), Expired);
        assert_eq!(expiring_at(-2).effective_status(NOW), Expired);
    }

    #[test]
    fn remaining_quota_at_and_around_zero() {
        let limited = Field::Present(false);
        let unlimited = Field::Present(true);
        assert_eq!(
            with_quota(0, limited.clone()).effective_status(NOW),
            Exhausted
        );
        assert_eq!(
            with_quota(-1, limited.clone()).effective_status(NOW),
            Exhausted
        );
        assert_eq!(with_quota(1, limited).effective_status(NOW), Enabled);
        for remain in [0, 1, -1] {
            assert_eq!(
                with_quota(remain, unlimited.clone()).effective_status(NOW),
                Enabled,
                "remain {remain}, unlimited"
            );
        }
    }

    #[test]
    fn unreadable_unlimited_quota_does_not_exhaust_the_key() {
        for unlimited in [Field::Missing, Field::Mistyped(JsonType::String)] {
            let record = with_quota(0, unlimited);
            assert_eq!(record.effective_status(NOW), Enabled);
            assert_eq!(
                record.status_inputs(),
                [
                    FieldName::Status,
                    FieldName::ExpiredTime,
                    FieldName::UnlimitedQuota,
                    FieldName::RemainQuota
                ]
            );
        }
    }

    #[test]
    fn raw_statuses() {
        let with_status = |status: Field<i64>| KeyRecord {
            status,
            ..expiring_at(0)
        };
        assert_eq!(
            with_status(Field::Present(2)).effective_status(NOW),
            Disabled
        );
        assert_eq!(
            with_status(Field::Present(3)).effective_status(NOW),
            Expired
        );
        assert_eq!(
            with_status(Field::Present(4)).effective_status(NOW),
            Exhausted
        );
        for unknown in [Field::Present(0), Field::Present(5), Field::Missing] {
            let record = with_status(unknown);
            assert_eq!(record.effective_status(NOW), Unknown);
            assert_eq!(record.status_inputs(), [FieldName::Status]);
        }
        // A raw 2 wins over an expiry in the past and no quota left.
        let disabled = KeyRecord {
            remain_quota: Field::Present(0),
            ..with_status(Field::Present(2))
        };
        assert_eq!(disabled.effective_status(NOW), Disabled);
    }

    #[test]
    fn an_unlimited_key_does_not_depend_on_its_remaining_quota() {
        let record = with_quota(0, Field::Present(true));
        assert!(!record.status_inputs().contains(&FieldName::RemainQuota));
    }
}
