//! `exhausted-but-enabled` (KL202): a key listed as enabled (raw status 1), not expired, with a
//! limited quota that is used up.

use super::{CheckKind, Eval, KeyContext, Params, Target, Violation};
use crate::inventory::FieldName;

pub static CHECK: CheckKind = CheckKind {
    name: "exhausted-but-enabled",
    doc: DOC,
    params: &[],
    needs: &[
        FieldName::Status,
        FieldName::ExpiredTime,
        FieldName::UnlimitedQuota,
        FieldName::RemainQuota,
    ],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose raw `status` is `1` (enabled), that has not expired (`expired_time` is `-1`
or not before now), whose quota is limited (`unlimited_quota` is `false`) and whose
`remain_quota` is `0` or less. It looks at every key, whatever its effective status; expired
keys are left to KL104 and KL105.

## Why it matters

The gateway marks a key exhausted lazily, so the listing still shows it as enabled while every
request is refused. Clients that depend on it are failing; if nothing depends on it, it is a
dead key cluttering the inventory.

## How to fix

If the key is still needed, top up its quota: in the console **API Keys → Edit → Quota**, or
send the full key record with a new `remain_quota` to `PUT /api/token/` (every field: an update
that omits `expired_time` writes `0`, which expires the key). If it is not needed, delete it:
`DELETE /api/token/{id}`.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "expired_time": -1,
  "unlimited_quota": false, "remain_quota": 0 }
```

fires `KL202 exhausted-but-enabled`; `"remain_quota": 500000`, or `"unlimited_quota": true`,
does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    if key.raw_status() != 1 || key.unlimited_quota() {
        return;
    }
    let (expires, remain) = (key.expired_time(), key.remain_quota());
    let expired = expires != -1 && expires < key.now;
    if !expired && remain <= 0 {
        out.push(Violation {
            message: format!(
                "remain_quota is {remain} on a limited quota, so the gateway refuses every \
                 request although the key is listed as enabled"
            ),
            target: Target::Field(FieldName::RemainQuota),
            evidence: remain.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{NOW, key, run};
    use crate::inventory::{Field, KeyRecord};

    fn exhausted(remain: i64) -> KeyRecord {
        KeyRecord {
            remain_quota: Field::Present(remain),
            ..key()
        }
    }

    #[test]
    fn fires_at_zero_and_below() {
        for remain in [0, -1, i64::MIN] {
            let found = run(&CHECK, &exhausted(remain));
            assert_eq!(found.len(), 1, "{remain}");
            assert_eq!(found[0].target, Target::Field(FieldName::RemainQuota));
            assert_eq!(found[0].evidence, remain.to_string());
        }
        assert!(run(&CHECK, &exhausted(1)).is_empty());
    }

    #[test]
    fn unlimited_keys_do_not_fire() {
        let mut record = exhausted(0);
        record.unlimited_quota = Field::Present(true);
        assert!(run(&CHECK, &record).is_empty());
    }

    #[test]
    fn not_expired_means_never_or_not_before_now() {
        let mut record = exhausted(0);
        for expires in [-1, NOW, NOW + 1] {
            record.expired_time = Field::Present(expires);
            assert_eq!(run(&CHECK, &record).len(), 1, "{expires}");
        }
        for expires in [NOW - 1, 0, -2] {
            record.expired_time = Field::Present(expires);
            assert!(run(&CHECK, &record).is_empty(), "{expires}");
        }
    }

    #[test]
    fn only_raw_status_one() {
        let mut record = exhausted(0);
        for status in [0, 2, 3, 4, 5] {
            record.status = Field::Present(status);
            assert!(run(&CHECK, &record).is_empty(), "{status}");
        }
    }
}
