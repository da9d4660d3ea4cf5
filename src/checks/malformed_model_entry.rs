//! `malformed-model-entry` (KL404): an empty or whitespace-padded entry in an enabled
//! `model_limits` list that also holds usable entries. One violation per entry.

use super::wording::{model_entry_label, model_entry_target};
use super::{CheckKind, Eval, KeyContext, Params, Violation};
use crate::inventory::FieldName;
use crate::inventory::dialect::ModelOutcome;

pub static CHECK: CheckKind = CheckKind {
    name: "malformed-model-entry",
    doc: DOC,
    params: &[],
    needs: &[FieldName::ModelLimitsEnabled, FieldName::ModelLimits],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

When `model_limits_enabled` is `true`, splits `model_limits` on `,` as the gateway does (no
trimming) and flags each entry that is empty or has whitespace before or after it, provided at
least one other entry is usable. (If none is usable, the key is refused everything and KL402
reports that instead.)

## Why it matters

The gateway matches each entry exactly against the requested model name. `"gpt-4o, gpt-4o-mini"`
holds `" gpt-4o-mini"`, which never matches: the model the owner meant to allow is refused, and
the list no longer says what the key can do. An empty entry (`"a,,b"`, `"a,"`) is harmless but
usually marks an editing slip.

## How to fix

Write the entries separated by `,` with no spaces and no empty items. In the console: **API
Keys → Edit → Model limits**. Through the management API, send the full key record with the
corrected `model_limits` (e.g. `"gpt-4o,gpt-4o-mini"`) to `PUT /api/token/`; include every field,
since an update that omits `expired_time` writes `0` and expires the key at once.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1,
  "model_limits_enabled": true, "model_limits": "gpt-4o, gpt-4o-mini" }
```

fires `KL404 malformed-model-entry` for `" gpt-4o-mini"`; `"model_limits": "gpt-4o,gpt-4o-mini"` does
not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let models = key.models();
    if models.outcome != ModelOutcome::Restricted {
        return;
    }
    for entry in models.entries.iter().filter(|e| !e.is_usable()) {
        let label = model_entry_label(models, entry);
        let message = if entry.text.is_empty() {
            match models.raw {
                Some(_) => format!("{} has an empty entry (a stray `,`)", models.path()),
                None => format!("{label} is empty and matches no model"),
            }
        } else if entry.text.trim().is_empty() {
            format!(
                "{label} {:?} is only whitespace and matches no model",
                entry.text
            )
        } else {
            format!(
                "{label} {:?} has surrounding whitespace, so it never matches the model {:?}; \
                 {}",
                entry.text,
                entry.text.trim(),
                match models.raw {
                    Some(_) => "separate entries with `,` and no spaces",
                    None => "remove the whitespace",
                }
            )
        };
        out.push(Violation {
            message,
            target: model_entry_target(models, entry),
            evidence: entry.text.to_owned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Target;
    use crate::checks::testkit::{evidence, run, with_models};

    #[test]
    fn fires_per_malformed_entry_with_its_range() {
        let found = run(&CHECK, &with_models(true, "gpt-4o, gpt-4o-mini"));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].target,
            Target::ModelEntry {
                field: FieldName::ModelLimits,
                index: 1,
                range: Some(7..19)
            }
        );
        assert_eq!(found[0].evidence, " gpt-4o-mini");
        assert_eq!(
            found[0].message,
            "model_limits entry \" gpt-4o-mini\" has surrounding whitespace, so it never matches \
             the model \"gpt-4o-mini\"; separate entries with `,` and no spaces"
        );

        let found = run(&CHECK, &with_models(true, "a,,b , \t,c,"));
        assert_eq!(evidence(&found), ["", "b ", " \t", ""]);
        let targets: Vec<_> = found.iter().map(|v| v.target.clone()).collect();
        assert_eq!(
            targets,
            [
                Target::ModelEntry {
                    field: FieldName::ModelLimits,
                    index: 1,
                    range: Some(2..2)
                },
                Target::ModelEntry {
                    field: FieldName::ModelLimits,
                    index: 2,
                    range: Some(3..5)
                },
                Target::ModelEntry {
                    field: FieldName::ModelLimits,
                    index: 3,
                    range: Some(6..8)
                },
                Target::ModelEntry {
                    field: FieldName::ModelLimits,
                    index: 5,
                    range: Some(11..11)
                },
            ]
        );
        assert_eq!(
            found[0].message,
            "model_limits has an empty entry (a stray `,`)"
        );
        assert!(found[2].message.contains("only whitespace"));
    }

    #[test]
    fn the_spec_example_a_comma_space_b() {
        // SPEC §4: `"a, b"` holds `" b"`, which never matches.
        let found = run(&CHECK, &with_models(true, "a, b"));
        assert_eq!(evidence(&found), [" b"]);
        assert_eq!(
            found[0].target,
            Target::ModelEntry {
                field: FieldName::ModelLimits,
                index: 1,
                range: Some(2..4)
            }
        );
    }

    #[test]
    fn without_a_usable_entry_it_is_deny_all_not_malformed() {
        for text in [" gpt-4o", "", ",", " a , b "] {
            assert!(run(&CHECK, &with_models(true, text)).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn clean_or_disabled_lists_do_not_fire() {
        assert!(run(&CHECK, &with_models(true, "gpt-4o,gpt-4o-mini")).is_empty());
        assert!(run(&CHECK, &with_models(false, "gpt-4o, gpt-4o-mini")).is_empty());
    }
}
