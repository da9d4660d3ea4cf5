//! `expired-but-enabled` (KL105): a key still listed as enabled (raw status 1) whose expiry
//! date has passed.

use super::{CheckKind, Eval, KeyContext, Params, Target, Violation};
use crate::inventory::FieldName;
use crate::text::clock::{format_timestamp, whole_days};

pub static CHECK: CheckKind = CheckKind {
    name: "expired-but-enabled",
    doc: DOC,
    params: &[],
    needs: &[FieldName::Status, FieldName::ExpiredTime],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose raw `status` is `1` (enabled) although its `expired_time` is a positive
timestamp in the past. It looks at every key, whatever its effective status. (`0` and other
negative values other than `-1` are KL104's concern.)

## Why it matters

The gateway updates `status` lazily, when the key is next used, so the listing can show an
expired key as enabled. The key is refused, but it still sits in the inventory looking alive:
clients that depend on it are failing, and reviews that read `status` miss it.

## How to fix

If nothing needs the key any more, delete it: in the console **API Keys → Delete**, or
`DELETE /api/token/{id}`. If it is still needed, give it a new expiry (**API Keys → Edit →
Expiration time**, or `PUT /api/token/` with the full key record and a future `expired_time`;
an update that omits `expired_time` writes `0`, which keeps the key expired).

## Example

Evaluated at 2026-11-26T12:00:00Z (`--now 1795694400`):

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "expired_time": 1793491200 }
```

fires `KL105 expired-but-enabled` (expired 2026-11-01); `"status": 3` (listed as expired) or
`"expired_time": 1798761600` (2027-01-01) does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    if key.raw_status() != 1 {
        return;
    }
    let expires = key.expired_time();
    if expires > 0 && expires < key.now {
        let ago = match whole_days(key.now.saturating_sub(expires)) {
            0 => "less than a day ago".to_owned(),
            1 => "1 day ago".to_owned(),
            days => format!("{days} days ago"),
        };
        out.push(Violation {
            message: format!(
                "status is 1 (enabled) but the key expired {} ({ago}); the gateway refuses it",
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
    use crate::checks::testkit::{DAY, NOW, key, run};
    use crate::inventory::{Field, KeyRecord};

    fn record(status: i64, expired_time: i64) -> KeyRecord {
        KeyRecord {
            status: Field::Present(status),
            expired_time: Field::Present(expired_time),
            ..key()
        }
    }

    #[test]
    fn fires_on_a_positive_expiry_in_the_past() {
        for expires in [1, NOW - 25 * DAY, NOW - 1] {
            let found = run(&CHECK, &record(1, expires));
            assert_eq!(found.len(), 1, "{expires}");
            assert_eq!(found[0].target, Target::Field(FieldName::ExpiredTime));
            assert_eq!(found[0].evidence, expires.to_string());
        }
        assert_eq!(
            run(&CHECK, &record(1, NOW - 25 * DAY))[0].message,
            "status is 1 (enabled) but the key expired 2026-11-01T12:00:00Z (25 days ago); \
             the gateway refuses it"
        );
    }

    #[test]
    fn does_not_fire_at_or_after_now_or_on_non_positive_values() {
        for expires in [NOW, NOW + 1, -1, 0, -2, i64::MIN] {
            assert!(run(&CHECK, &record(1, expires)).is_empty(), "{expires}");
        }
    }

    #[test]
    fn only_raw_status_one() {
        for status in [0, 2, 3, 4, 5] {
            assert!(
                run(&CHECK, &record(status, NOW - DAY)).is_empty(),
                "{status}"
            );
        }
    }
}
