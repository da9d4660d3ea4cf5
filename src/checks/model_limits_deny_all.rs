//! `model-limits-deny-all` (KL402): model limits are enabled but no entry can match a model
//! name, so the gateway refuses every model request.

use super::wording::model_target;
use super::{CheckKind, Eval, KeyContext, Params, Violation};
use crate::inventory::FieldName;
use crate::inventory::dialect::ModelOutcome;

pub static CHECK: CheckKind = CheckKind {
    name: "model-limits-deny-all",
    doc: DOC,
    params: &[],
    needs: &[FieldName::ModelLimitsEnabled, FieldName::ModelLimits],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose `model_limits_enabled` is `true` while `model_limits` holds no usable entry.
The gateway splits the list on `,` without trimming and matches each entry exactly against the
model name; an entry is usable only if it is non-empty with no surrounding whitespace. So an
empty list, `","` or `" gpt-4o"` (leading space) admit no model at all.

## Why it matters

A key that cannot call any model is broken: whatever uses it is failing. It often results from
pasting a list with spaces (`"a, b"` holds `" b"`) or clearing the list while leaving limits on.

## How to fix

Write the model names separated by `,` with no spaces, or delete the key if it is not needed
(`DELETE /api/token/{id}`). In the console: **API Keys → Edit → Model limits**. Through the
management API, send the full key record with e.g. `"model_limits": "gpt-4o,gpt-4o-mini"` to
`PUT /api/token/`; include every field, since an update that omits `expired_time` writes `0`
and expires the key at once.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1,
  "model_limits_enabled": true, "model_limits": " gpt-4o" }
```

fires `KL402 model-limits-deny-all`; `"model_limits": "gpt-4o"` does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let models = key.models();
    if models.outcome != ModelOutcome::DeniesAll {
        return;
    }
    let list = models.list_text();
    let message = match (models.raw, models.entries.len()) {
        (Some(""), _) | (None, 0) => format!(
            "{} with an empty list, so the gateway refuses every model",
            enabled_subject(models.path())
        ),
        (Some(raw), _) => format!(
            "{} but {raw:?} holds no usable entry (entries are split on `,` and matched \
             exactly, whitespace included), so the gateway refuses every model",
            enabled_subject(models.path())
        ),
        (None, _) => format!(
            "{} is enabled but none of its models entries is usable (entries are matched \
             exactly, whitespace included), so the gateway refuses every model",
            models.path()
        ),
    };
    out.push(Violation {
        message,
        target: model_target(models),
        evidence: list,
    });
}

/// How the message opens: `model limits are enabled`, `models is set`, or the one-hub path.
fn enabled_subject(path: &str) -> String {
    match path {
        "model_limits" => "model limits are enabled".to_owned(),
        "models" => "models is set".to_owned(),
        other => format!("{other} is enabled"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Target;
    use crate::checks::testkit::{run, with_models};

    #[test]
    fn fires_when_no_entry_is_usable() {
        for text in ["", ",", " ", " gpt-4o", "gpt-4o ", " a , b ", ",,\t"] {
            let found = run(&CHECK, &with_models(true, text));
            assert_eq!(found.len(), 1, "{text:?}");
            assert_eq!(found[0].target, Target::Field(FieldName::ModelLimits));
            assert_eq!(found[0].evidence, text);
        }
        assert_eq!(
            run(&CHECK, &with_models(true, ""))[0].message,
            "model limits are enabled with an empty list, so the gateway refuses every model"
        );
        assert!(
            run(&CHECK, &with_models(true, " gpt-4o"))[0]
                .message
                .contains("\" gpt-4o\" holds no usable entry")
        );
    }

    #[test]
    fn one_usable_entry_is_enough() {
        for text in ["gpt-4o", "a, b", " a,b", "a,", ",a"] {
            assert!(run(&CHECK, &with_models(true, text)).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn disabled_limits_are_left_to_other_rules() {
        assert!(run(&CHECK, &with_models(false, "")).is_empty());
        assert!(run(&CHECK, &with_models(false, " gpt-4o")).is_empty());
    }
}
