//! `no-model-limits` (KL401): a key that may call every model (`model_limits_enabled == false`).

use super::{CheckKind, Eval, KeyContext, Params, Target, Violation};
use crate::inventory::setting::MODEL_PATH;
use crate::inventory::{Dialect, FieldName};

pub static CHECK: CheckKind = CheckKind {
    name: "no-model-limits",
    doc: DOC,
    params: &[],
    needs: &[FieldName::ModelLimitsEnabled],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose `model_limits_enabled` is `false`. The gateway then ignores `model_limits`
entirely (see KL403) and the key may call every model the account can reach.

## Why it matters

Models differ in price by orders of magnitude and in what they can do (images, audio, tools).
A key restricted to the models its job needs limits both the bill a leak can run up and the
capabilities it exposes; an unrestricted key is the most valuable kind to steal.

## How to fix

Enable model limits and list the models the key needs, separated by `,` with no spaces. In the
console: **API Keys → Edit → Model limits**. Through the management API, send the full key
record with `"model_limits_enabled": true` and `"model_limits": "gpt-4o,gpt-4o-mini"` to
`PUT /api/token/`; include every field, since an update that omits `expired_time` writes `0`
and expires the key at once.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "model_limits_enabled": false }
```

fires `KL401 no-model-limits`; `"model_limits_enabled": true, "model_limits": "gpt-4o"` does
not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    if key.model_limits_apply() {
        return;
    }
    let (message, target, evidence) = match key.dialect {
        Dialect::NewApi | Dialect::NewApiLegacy => (
            "model_limits_enabled is false, so the key may call every model".to_owned(),
            Target::Field(FieldName::ModelLimitsEnabled),
            "false",
        ),
        Dialect::OneApi | Dialect::OneApiLaisky => (
            "models is empty, so the key may call every model (one-api has no switch: an \
             empty list allows everything)"
                .to_owned(),
            Target::Field(FieldName::Models),
            "empty",
        ),
        Dialect::OneHub => (
            format!("{MODEL_PATH} is not enabled, so the key may call every model"),
            Target::Part(FieldName::Setting, MODEL_PATH),
            "false",
        ),
    };
    out.push(Violation {
        message,
        target,
        evidence: evidence.to_owned(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{run, with_models};

    #[test]
    fn fires_only_when_limits_are_off() {
        for text in ["", "gpt-4o"] {
            let found = run(&CHECK, &with_models(false, text));
            assert_eq!(found.len(), 1);
            assert_eq!(
                found[0].target,
                Target::Field(FieldName::ModelLimitsEnabled)
            );
            assert_eq!(found[0].evidence, "false");
        }
        assert!(run(&CHECK, &with_models(true, "gpt-4o")).is_empty());
        assert!(run(&CHECK, &with_models(true, "")).is_empty());
    }
}
