//! `invalid-expiry` (KL104): a key listed as enabled (raw status 1) whose `expired_time` is `0`
//! or a negative value other than `-1`, which the gateway reads as already expired.

use super::{CheckKind, Eval, KeyContext, Params, Target, Violation};
use crate::inventory::FieldName;

pub static CHECK: CheckKind = CheckKind {
    name: "invalid-expiry",
    doc: DOC,
    params: &[],
    needs: &[FieldName::Status, FieldName::ExpiredTime],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose raw `status` is `1` (enabled) and whose `expired_time` is `0`, or negative
but not `-1`. It looks at every key, whatever its effective status.

## Why it matters

Only `-1` means "never expires". The gateway compares any other value with the clock, so `0`
and other negatives are already in the past: the key is refused although it is listed as
enabled. The usual cause is an update (`PUT /api/token/`) that omitted `expired_time`: the
gateway then writes `0`. The owner thinks the key works, and whoever "fixes" it by hand may
well set `-1`, trading an outage for a key that never expires.

## How to fix

Decide what the key should be. If it is still needed, give it a real expiry date: in the
console **API Keys → Edit → Expiration time**, or send the full key record with an
`expired_time` in the future (unix seconds) to `PUT /api/token/` — every field, since an update
that omits `expired_time` writes `0` again. If it is not needed, delete it:
`DELETE /api/token/{id}`.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "expired_time": 0 }
```

fires `KL104 invalid-expiry`, as does `"expired_time": -2`; `-1` (never expires) and a future
timestamp such as `1798761600` do not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    if key.raw_status() != 1 {
        return;
    }
    let expires = key.expired_time();
    let message = if expires == 0 {
        "expired_time is 0, so the gateway refuses this enabled key as expired \
         (an update that omitted expired_time writes 0)"
            .to_owned()
    } else if expires < 0 && expires != -1 {
        format!(
            "expired_time is {expires}, so the gateway refuses this enabled key as expired \
             (only -1 means never expires)"
        )
    } else {
        return;
    };
    out.push(Violation {
        message,
        target: Target::Field(FieldName::ExpiredTime),
        evidence: expires.to_string(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{NOW, key, run};
    use crate::inventory::{Field, KeyRecord};

    fn record(status: i64, expired_time: i64) -> KeyRecord {
        KeyRecord {
            status: Field::Present(status),
            expired_time: Field::Present(expired_time),
            ..key()
        }
    }

    #[test]
    fn fires_on_zero_and_negatives_other_than_minus_one() {
        for expires in [0, -2, -100, i64::MIN] {
            let found = run(&CHECK, &record(1, expires));
            assert_eq!(found.len(), 1, "expired_time {expires}");
            assert_eq!(found[0].target, Target::Field(FieldName::ExpiredTime));
            assert_eq!(found[0].evidence, expires.to_string());
        }
        assert!(run(&CHECK, &record(1, 0))[0].message.contains("omitted"));
        assert!(run(&CHECK, &record(1, -2))[0].message.contains("is -2"));
    }

    #[test]
    fn does_not_fire_on_minus_one_or_positive_times() {
        for expires in [-1, 1, NOW - 1, NOW + 1, i64::MAX] {
            assert!(run(&CHECK, &record(1, expires)).is_empty(), "{expires}");
        }
    }

    #[test]
    fn only_raw_status_one() {
        for status in [0, 2, 3, 4, 5, -1] {
            assert!(
                run(&CHECK, &record(status, 0)).is_empty(),
                "status {status}"
            );
        }
    }
}
