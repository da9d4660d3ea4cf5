//! `expiring-soon` (KL103): a key that expires within `within-days` of the evaluation time.

use super::{CheckKind, Eval, KeyContext, ParamSpec, Params, Target, Violation};
use crate::inventory::FieldName;
use crate::text::clock::{DAY, format_timestamp, whole_days};

/// The `within-days` parameter.
pub const WITHIN_DAYS: ParamSpec = ParamSpec {
    name: "within-days",
    default: 7,
    min: 0,
    max: 36_500,
    doc: "How far ahead to warn about an expiry, in days.",
};

pub static CHECK: CheckKind = CheckKind {
    name: "expiring-soon",
    doc: DOC,
    params: &[WITHIN_DAYS],
    needs: &[FieldName::ExpiredTime],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose expiry is set (`expired_time` is not `-1`) and falls between now and
`within-days` (default 7) days from now, both ends included.

## Why it matters

When a key expires, every client that still uses it starts failing. A short warning gives its
owner time to roll out a replacement instead of finding out from an outage. (Expiring keys are
the goal; this note is only a reminder.)

## How to fix

Create a replacement key, deploy it, and delete the old one (`DELETE /api/token/{id}`) once
nothing uses it. If the key must live longer, extend it in the console (**API Keys → Edit →
Expiration time**) or send its full record with a later `expired_time` to `PUT /api/token/`;
an update that omits `expired_time` writes `0`, which expires the key at once.

## Example

Evaluated at 2026-11-26T12:00:00Z (`--now 1795694400`):

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "expired_time": 1795953600 }
```

fires `KL103 expiring-soon` (expires in 3 days); `"expired_time": 1801008000`
(2027-01-27) does not.
"#;

fn check(key: &KeyContext<'_>, params: &Params, out: &mut Vec<Violation>) {
    let expires = key.expired_time();
    if expires == -1 {
        return;
    }
    let within_days = params.get(&WITHIN_DAYS);
    let left = expires.saturating_sub(key.now);
    if (0..=within_days.saturating_mul(DAY)).contains(&left) {
        let when = match whole_days(left) {
            0 => "in less than a day".to_owned(),
            1 => "in 1 day".to_owned(),
            days => format!("in {days} days"),
        };
        out.push(Violation {
            message: format!(
                "expires {} ({when}, within the {within_days}-day warning window)",
                format_timestamp(expires),
            ),
            target: Target::Field(FieldName::ExpiredTime),
            evidence: expires.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{DAY, NOW, key, numbers, run, run_with};
    use crate::inventory::{Field, KeyRecord};

    fn expiring_at(expired_time: i64) -> KeyRecord {
        KeyRecord {
            expired_time: Field::Present(expired_time),
            ..key()
        }
    }

    #[test]
    fn fires_from_now_to_the_end_of_the_window() {
        for left in [0, 1, DAY, 7 * DAY] {
            let found = run(&CHECK, &expiring_at(NOW + left));
            assert_eq!(found.len(), 1, "left {left}");
            assert_eq!(found[0].target, Target::Field(FieldName::ExpiredTime));
            assert_eq!(found[0].evidence, (NOW + left).to_string());
        }
    }

    #[test]
    fn does_not_fire_outside_the_window() {
        for left in [-1, -DAY, 7 * DAY + 1, 60 * DAY] {
            assert!(
                run(&CHECK, &expiring_at(NOW + left)).is_empty(),
                "left {left}"
            );
        }
        assert!(run(&CHECK, &expiring_at(-1)).is_empty());
    }

    #[test]
    fn message_names_the_time_left() {
        let found = run(&CHECK, &expiring_at(NOW + 3 * DAY));
        assert_eq!(
            found[0].message,
            "expires 2026-11-29T12:00:00Z (in 3 days, within the 7-day warning window)"
        );
        let found = run(&CHECK, &expiring_at(NOW + 60));
        assert!(found[0].message.contains("in less than a day"));
    }

    #[test]
    fn honours_within_days() {
        let params = numbers(&[(&WITHIN_DAYS, 30)]);
        assert_eq!(
            run_with(&CHECK, &expiring_at(NOW + 30 * DAY), &params).len(),
            1
        );
        assert!(run_with(&CHECK, &expiring_at(NOW + 30 * DAY + 1), &params).is_empty());
        let zero = numbers(&[(&WITHIN_DAYS, 0)]);
        assert_eq!(run_with(&CHECK, &expiring_at(NOW), &zero).len(), 1);
        assert!(run_with(&CHECK, &expiring_at(NOW + 1), &zero).is_empty());
    }

    #[test]
    fn hostile_timestamps_do_not_overflow() {
        assert!(run(&CHECK, &expiring_at(i64::MAX)).is_empty());
        assert!(run(&CHECK, &expiring_at(i64::MIN)).is_empty());
    }
}
