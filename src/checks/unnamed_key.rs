//! `unnamed-key` (KL507): a key whose name is empty or blank.

use super::{CheckKind, Eval, KeyContext, Params, Target, Violation};
use crate::inventory::FieldName;

pub static CHECK: CheckKind = CheckKind {
    name: "unnamed-key",
    doc: DOC,
    params: &[],
    needs: &[FieldName::Name],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose `name` is empty or only whitespace. It looks at every key, whatever its
status.

## Why it matters

A key without a name cannot be traced to an owner or a purpose. When it shows up in a finding or
an incident, nobody knows what breaks if it is revoked, so it tends to be left alone; and
name-based waivers and `[rule.when]` selectors cannot target it.

## How to fix

Name the key after who uses it and where (`ci-deploy-prod`). In the console: **API Keys → Edit
→ Name**. Through the management API, send the full key record with a `name` to
`PUT /api/token/`; include every field, since an update that omits `expired_time` writes `0`
and expires the key at once. If nobody claims the key, delete it: `DELETE /api/token/{id}`.

## Example

```json
{ "id": 1234, "name": "  ", "status": 1 }
```

fires `KL507 unnamed-key`; `"name": "ci-deploy"` does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let name = key.name();
    if !name.trim().is_empty() {
        return;
    }
    let message = if name.is_empty() {
        "the key has no name".to_owned()
    } else {
        format!("the key's name {name:?} is blank")
    };
    out.push(Violation {
        message,
        target: Target::Field(FieldName::Name),
        evidence: name.to_owned(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{key, run};
    use crate::inventory::{Field, KeyRecord};

    fn named(name: &str) -> KeyRecord {
        KeyRecord {
            name: Field::Present(name.to_owned()),
            ..key()
        }
    }

    #[test]
    fn fires_on_empty_and_blank_names() {
        let found = run(&CHECK, &named(""));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].target, Target::Field(FieldName::Name));
        assert_eq!(found[0].evidence, "");
        assert_eq!(found[0].message, "the key has no name");
        for name in [" ", "\t\n", "\u{3000}"] {
            let found = run(&CHECK, &named(name));
            assert_eq!(found.len(), 1, "{name:?}");
            assert_eq!(found[0].evidence, name);
            assert!(found[0].message.ends_with("is blank"));
        }
    }

    #[test]
    fn real_names_do_not_fire() {
        for name in ["ci", " ci ", "0"] {
            assert!(run(&CHECK, &named(name)).is_empty(), "{name:?}");
        }
    }
}
