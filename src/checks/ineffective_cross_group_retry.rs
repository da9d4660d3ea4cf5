//! `ineffective-cross-group-retry` (KL506): `cross_group_retry` is on for a key outside the
//! `auto` group, where the gateway never applies it.

use super::{CheckKind, Eval, KeyContext, Params, Target, Violation};
use crate::inventory::FieldName;

pub static CHECK: CheckKind = CheckKind {
    name: "ineffective-cross-group-retry",
    doc: DOC,
    params: &[],
    needs: &[FieldName::CrossGroupRetry, FieldName::Group],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose `cross_group_retry` is `true` while its `group` is anything other than
exactly `auto` (an empty group, `default`, `vip`, `Auto`, ...). It looks at every key, whatever
its status.

## Why it matters

Cross-group retry lets the gateway retry a failed request in another channel group, and it
only does so for keys in the `auto` group. Elsewhere the flag is silently ignored: whoever set
it expects failover that will never happen, and reviewers reading the record are misled.

## How to fix

Decide which behaviour the key needs. For failover across groups, move the key to the `auto`
group; otherwise switch the flag off. In the console: **API Keys → Edit → Group** /
**Cross-group retry**. Through the management API, send the full key record with the new
`group` or `"cross_group_retry": false` to `PUT /api/token/`; include every field, since an
update that omits `expired_time` writes `0` and expires the key at once.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1,
  "group": "default", "cross_group_retry": true }
```

fires `KL506 ineffective-cross-group-retry`; `"group": "auto"`, or `"cross_group_retry": false`,
does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let group = key.group();
    if !key.cross_group_retry() || group == "auto" {
        return;
    }
    out.push(Violation {
        message: format!(
            "cross_group_retry is on but the group is {group:?}; the gateway retries across \
             groups only for keys in the \"auto\" group, so the setting has no effect"
        ),
        target: Target::Field(FieldName::CrossGroupRetry),
        evidence: group.to_owned(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{key, run};
    use crate::inventory::{Field, KeyRecord};

    fn record(retry: bool, group: &str) -> KeyRecord {
        KeyRecord {
            cross_group_retry: Field::Present(retry),
            group: Field::Present(group.to_owned()),
            ..key()
        }
    }

    #[test]
    fn fires_outside_the_auto_group() {
        for group in ["default", "", "Auto", " auto", "vip"] {
            let found = run(&CHECK, &record(true, group));
            assert_eq!(found.len(), 1, "{group:?}");
            assert_eq!(found[0].target, Target::Field(FieldName::CrossGroupRetry));
            assert_eq!(found[0].evidence, group);
        }
        assert_eq!(
            run(&CHECK, &record(true, "default"))[0].message,
            "cross_group_retry is on but the group is \"default\"; the gateway retries across \
             groups only for keys in the \"auto\" group, so the setting has no effect"
        );
    }

    #[test]
    fn auto_group_or_flag_off_does_not_fire() {
        assert!(run(&CHECK, &record(true, "auto")).is_empty());
        assert!(run(&CHECK, &record(false, "default")).is_empty());
    }
}
