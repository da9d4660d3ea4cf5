//! `long-lifetime` (KL102): a key whose expiry lies more than `max-days` after its creation.
//!
//! Also home of [`span_over_limit`], the day count shared by the checks that compare a time
//! span with a limit in days.

use super::{CheckKind, Eval, KeyContext, ParamSpec, Params, Target, Violation};
use crate::inventory::FieldName;
use crate::text::clock::{DAY, format_date, whole_days};

/// The `max-days` parameter.
pub const MAX_DAYS: ParamSpec = ParamSpec {
    name: "max-days",
    default: 365,
    min: 0,
    max: 36_500,
    doc: "Longest allowed time from creation to expiry, in days.",
};

pub static CHECK: CheckKind = CheckKind {
    name: "long-lifetime",
    doc: DOC,
    params: &[MAX_DAYS],
    needs: &[FieldName::CreatedTime, FieldName::ExpiredTime],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose expiry is set (`expired_time` is not `-1`) but lies more than `max-days`
(default 365) after its `created_time`. Exactly `max-days` days is allowed; one second more is not.

## Why it matters

An expiry date only bounds a leak if it is near. A key valid for years is, in practice, a key
that never expires: whoever finds it in an old log or repository can still use it.

## How to fix

Set an earlier expiry, or create a fresh key and delete this one when the old one is due.
In the console: **API Keys → Edit → Expiration time**. Through the management API, send the
full key record with a new `expired_time` (unix seconds) to `PUT /api/token/`; an update that
omits `expired_time` writes `0`, which expires the key at once.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1,
  "created_time": 1735689600, "expired_time": 1799193600 }
```

fires `KL102 long-lifetime` (expires 2027-01-06, 735 days after creation, more than 365);
`"expired_time": 1767225600` (2026-01-01, 365 days after creation) does not.
"#;

fn check(key: &KeyContext<'_>, params: &Params, out: &mut Vec<Violation>) {
    let (created, expires) = (key.created_time(), key.expired_time());
    if expires == -1 {
        return;
    }
    let max_days = params.get(&MAX_DAYS);
    let lifetime = expires.saturating_sub(created);
    if lifetime > max_days.saturating_mul(DAY) {
        out.push(Violation {
            message: format!(
                "expires {}, {} after creation (more than {max_days})",
                format_date(expires),
                span_over_limit(lifetime, max_days),
            ),
            target: Target::Field(FieldName::ExpiredTime),
            evidence: expires.to_string(),
        });
    }
}

/// A span of `seconds` known to exceed `limit_days` days, as whole days for a message. A span
/// that passes the limit by less than a day reads "more than N days" rather than "N days".
pub(super) fn span_over_limit(seconds: i64, limit_days: i64) -> String {
    let days = whole_days(seconds);
    if days <= limit_days {
        format!("more than {limit_days} days")
    } else {
        format!("{days} days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{DAY, NOW, key, numbers, run, run_with};
    use crate::inventory::Field;

    fn lifetime(seconds: i64) -> crate::inventory::KeyRecord {
        let mut record = key();
        record.created_time = Field::Present(NOW - DAY);
        record.expired_time = Field::Present(NOW - DAY + seconds);
        record
    }

    #[test]
    fn exactly_the_limit_does_not_fire_one_second_more_does() {
        assert!(run(&CHECK, &lifetime(365 * DAY)).is_empty());
        let found = run(&CHECK, &lifetime(365 * DAY + 1));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].target, Target::Field(FieldName::ExpiredTime));
        assert_eq!(found[0].evidence, (NOW - DAY + 365 * DAY + 1).to_string());
        assert!(
            found[0]
                .message
                .contains("more than 365 days after creation"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn message_quotes_the_date_and_the_day_count() {
        let mut record = key();
        record.created_time = Field::Present(1_735_689_600); // 2025-01-01
        record.expired_time = Field::Present(1_799_193_600); // 2027-01-06
        let found = run(&CHECK, &record);
        assert_eq!(
            found[0].message,
            "expires 2027-01-06, 735 days after creation (more than 365)"
        );
    }

    #[test]
    fn never_expiring_keys_are_left_to_no_expiry() {
        let mut record = lifetime(0);
        record.created_time = Field::Present(0);
        record.expired_time = Field::Present(-1);
        assert!(run(&CHECK, &record).is_empty());
    }

    #[test]
    fn honours_max_days() {
        let params = numbers(&[(&MAX_DAYS, 30)]);
        assert!(run_with(&CHECK, &lifetime(30 * DAY), &params).is_empty());
        assert_eq!(run_with(&CHECK, &lifetime(30 * DAY + 1), &params).len(), 1);
        let zero = numbers(&[(&MAX_DAYS, 0)]);
        assert!(run_with(&CHECK, &lifetime(0), &zero).is_empty());
        assert_eq!(run_with(&CHECK, &lifetime(1), &zero).len(), 1);
    }

    #[test]
    fn hostile_timestamps_do_not_overflow() {
        let mut record = key();
        record.created_time = Field::Present(i64::MIN);
        record.expired_time = Field::Present(i64::MAX);
        assert_eq!(run(&CHECK, &record).len(), 1);
        record.created_time = Field::Present(i64::MAX);
        record.expired_time = Field::Present(i64::MIN);
        assert!(run(&CHECK, &record).is_empty());
    }

    #[test]
    fn span_over_limit_never_understates() {
        assert_eq!(span_over_limit(365 * DAY + 1, 365), "more than 365 days");
        assert_eq!(span_over_limit(366 * DAY, 365), "366 days");
    }
}
