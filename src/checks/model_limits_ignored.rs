//! `model-limits-ignored` (KL403): `model_limits` lists models but is not enabled, so the
//! gateway ignores the list.

use super::wording::switch_target;
use super::{CheckKind, Eval, KeyContext, Params, Violation};
use crate::inventory::FieldName;
use crate::inventory::dialect::ModelOutcome;

pub static CHECK: CheckKind = CheckKind {
    name: "model-limits-ignored",
    doc: DOC,
    params: &[],
    needs: &[FieldName::ModelLimitsEnabled, FieldName::ModelLimits],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose `model_limits` holds text (anything but whitespace) while
`model_limits_enabled` is `false`.

## Why it matters

The gateway reads `model_limits` only when `model_limits_enabled` is `true`. Whoever wrote the
list meant to restrict the key, and a reviewer reading it will believe the key is restricted;
in fact it can call every model (KL401 reports that too).

## How to fix

Turn the limits on, after checking the list is what the key needs (entries separated by `,`
with no spaces). In the console: **API Keys → Edit → Model limits**. Through the management
API, send the full key record with `"model_limits_enabled": true` to `PUT /api/token/`; include
every field, since an update that omits `expired_time` writes `0` and expires the key at once.
If the list is obsolete, clear it instead.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1,
  "model_limits_enabled": false, "model_limits": "gpt-4o" }
```

fires `KL403 model-limits-ignored`; `"model_limits_enabled": true`, or `"model_limits": ""`,
does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let models = key.models();
    if models.outcome != ModelOutcome::Ignored {
        return;
    }
    let list = models.list_text();
    let message = match models.switch_field {
        Some(FieldName::Setting) => format!(
            "{} lists {list:?} but is not enabled, so the gateway ignores the list and the key \
             may call every model",
            models.path()
        ),
        _ => format!(
            "model_limits lists {list:?} but model_limits_enabled is false, so the gateway \
             ignores the list and the key may call every model"
        ),
    };
    out.push(Violation {
        message,
        target: switch_target(models),
        evidence: list,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Target;
    use crate::checks::testkit::{run, with_models};
    use crate::inventory::Field;

    #[test]
    fn fires_on_non_blank_text_when_disabled() {
        for text in ["gpt-4o", " gpt-4o ", ",", "a,b"] {
            let found = run(&CHECK, &with_models(false, text));
            assert_eq!(found.len(), 1, "{text:?}");
            assert_eq!(
                found[0].target,
                Target::Field(FieldName::ModelLimitsEnabled)
            );
            assert_eq!(found[0].evidence, text);
        }
        assert_eq!(
            run(&CHECK, &with_models(false, "gpt-4o"))[0].message,
            "model_limits lists \"gpt-4o\" but model_limits_enabled is false, so the gateway \
             ignores the list and the key may call every model"
        );
    }

    #[test]
    fn blank_text_or_enabled_limits_do_not_fire() {
        for text in ["", " ", "\n\t"] {
            assert!(
                run(&CHECK, &with_models(false, text)).is_empty(),
                "{text:?}"
            );
        }
        assert!(run(&CHECK, &with_models(true, "gpt-4o")).is_empty());
        let mut record = with_models(false, "gpt-4o");
        record.model_limits = Field::Mistyped(crate::inventory::JsonType::Array);
        assert!(run(&CHECK, &record).is_empty());
    }
}
