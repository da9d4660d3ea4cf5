//! `no-expiry` (KL101): an enabled key that never expires (`expired_time == -1`).

use super::{CheckKind, Eval, KeyContext, Params, Target, Violation};
use crate::inventory::FieldName;

pub static CHECK: CheckKind = CheckKind {
    name: "no-expiry",
    doc: DOC,
    params: &[],
    needs: &[FieldName::ExpiredTime],
    eval: Eval::PerKey(check),
};

const DOC: &str = "\
## What it does

Flags a key whose `expired_time` is `-1`, the value the gateway reads as \"never expires\".

## Why it matters

A key without an expiry stays valid until someone remembers to delete it. Leaked keys are
usually found months later in logs, public repositories or old laptops; an expiry date bounds
how long such a leak is useful. Only `-1` means \"never\": `0` and other negative values are
already expired (see KL104).

## How to fix

Give the key an expiry date. In the console: **API Keys → Edit → Expiration time**. Through the
management API, update the key with its full record and a new `expired_time` (unix seconds):

```sh
curl -X PUT \"$COMETAPI_BASE_URL/api/token/\" -H \"Authorization: $COMETAPI_ACCESS_TOKEN\" \\
  -H 'Content-Type: application/json' \\
  -d '{\"id\": 1234, \"name\": \"ci-deploy\", \"expired_time\": 1798761600, ...}'
```

Send every field of the key: an update that omits `expired_time` writes `0`, which expires the
key at once.

## Example

```json
{ \"id\": 1234, \"name\": \"ci-deploy\", \"status\": 1, \"expired_time\": -1 }
```

fires `KL101 no-expiry`; `\"expired_time\": 1798761600` (2027-01-01) does not.
";

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    if key.expired_time() == -1 {
        out.push(Violation {
            message: "the key never expires (expired_time is -1)".to_owned(),
            target: Target::Field(FieldName::ExpiredTime),
            evidence: "-1".to_owned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{key, run};
    use crate::inventory::Field;

    #[test]
    fn fires_only_on_minus_one() {
        let mut record = key();
        record.expired_time = Field::Present(-1);
        let found = run(&CHECK, &record);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].target, Target::Field(FieldName::ExpiredTime));

        for other in [0, -2, 1, testkit_now()] {
            record.expired_time = Field::Present(other);
            assert!(run(&CHECK, &record).is_empty(), "fired on {other}");
        }
    }

    fn testkit_now() -> i64 {
        crate::checks::testkit::NOW
    }
}
