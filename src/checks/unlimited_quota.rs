//! `unlimited-quota` (KL201): a key with no spending limit (`unlimited_quota == true`).

use super::{CheckKind, Eval, KeyContext, Params, Target, Violation};
use crate::inventory::FieldName;

pub static CHECK: CheckKind = CheckKind {
    name: "unlimited-quota",
    doc: DOC,
    params: &[],
    needs: &[FieldName::UnlimitedQuota],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose `unlimited_quota` is `true`: the gateway ignores `remain_quota` and lets the
key spend the whole account balance.

## Why it matters

The quota is the only limit on what a leaked or misbehaving key costs. A runaway loop or a
stolen key with an unlimited quota can drain the account before anyone reads a bill; a limited
key stops at its quota and shows up as exhausted (KL202).

## How to fix

Give the key a quota sized for its job. In the console: **API Keys → Edit → Quota**, switching
off "unlimited". Through the management API, send the full key record with
`"unlimited_quota": false` and a `remain_quota` to `PUT /api/token/`; include every field,
since an update that omits `expired_time` writes `0` and expires the key at once.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "unlimited_quota": true }
```

fires `KL201 unlimited-quota`; `"unlimited_quota": false, "remain_quota": 500000` does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    if key.unlimited_quota() {
        out.push(Violation {
            message: "unlimited_quota is true: the key can spend the whole account balance"
                .to_owned(),
            target: Target::Field(FieldName::UnlimitedQuota),
            evidence: "true".to_owned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{key, run};
    use crate::inventory::Field;

    #[test]
    fn fires_only_on_true() {
        let mut record = key();
        record.unlimited_quota = Field::Present(true);
        let found = run(&CHECK, &record);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].target, Target::Field(FieldName::UnlimitedQuota));
        assert_eq!(found[0].evidence, "true");

        record.unlimited_quota = Field::Present(false);
        assert!(run(&CHECK, &record).is_empty());
        record.unlimited_quota = Field::Missing;
        assert!(run(&CHECK, &record).is_empty());
        record.unlimited_quota = Field::Mistyped(crate::inventory::JsonType::String);
        assert!(run(&CHECK, &record).is_empty());
    }
}
