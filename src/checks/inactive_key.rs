//! `inactive-key` (KL504): a dead key still listed (raw status 2 disabled, 3 expired or
//! 4 exhausted).

use super::{CheckKind, Eval, KeyContext, Params, Target, Violation};
use crate::inventory::FieldName;

pub static CHECK: CheckKind = CheckKind {
    name: "inactive-key",
    doc: DOC,
    params: &[],
    needs: &[FieldName::Status],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose raw `status` is `2` (disabled), `3` (expired) or `4` (exhausted). It looks at
every key, whatever its effective status. Keys still listed as `1` but already dead are
reported by KL104, KL105 and KL202.

## Why it matters

A dead key does nothing useful but is still a secret: a disabled key can be re-enabled, and
an exhausted or expired one revived by a quota top-up or a new expiry, by anyone with console
access or an access token. It also clutters every review of the inventory.

## How to fix

If it will not be needed again, delete it: in the console **API Keys → Delete**, or
`DELETE /api/token/{id}`. If it is parked on purpose (say, disabled during an incident), waive
this rule for it with a reason and an expiry date.

## Example

```json
{ "id": 1234, "name": "old-ci", "status": 2 }
```

fires `KL504 inactive-key` (disabled); `"status": 1` does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let (status, state) = match key.raw_status() {
        s @ 2 => (s, "disabled"),
        s @ 3 => (s, "expired"),
        s @ 4 => (s, "exhausted"),
        _ => return,
    };
    out.push(Violation {
        message: format!("status is {status} ({state}): a dead key still listed; delete it"),
        target: Target::Field(FieldName::Status),
        evidence: status.to_string(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{key, run};
    use crate::inventory::Field;

    #[test]
    fn fires_on_statuses_two_to_four() {
        let mut record = key();
        for (status, state) in [(2, "disabled"), (3, "expired"), (4, "exhausted")] {
            record.status = Field::Present(status);
            let found = run(&CHECK, &record);
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].target, Target::Field(FieldName::Status));
            assert_eq!(found[0].evidence, status.to_string());
            assert_eq!(
                found[0].message,
                format!("status is {status} ({state}): a dead key still listed; delete it")
            );
        }
    }

    #[test]
    fn other_statuses_do_not_fire() {
        let mut record = key();
        for status in [1, 0, 5, -1] {
            record.status = Field::Present(status);
            assert!(run(&CHECK, &record).is_empty(), "{status}");
        }
        record.status = Field::Missing;
        assert!(run(&CHECK, &record).is_empty());
    }
}
