//! `key-age` (KL503): a key created more than `max-age-days` ago, due for rotation.

use super::long_lifetime::span_over_limit;
use super::{CheckKind, Eval, KeyContext, ParamSpec, Params, Target, Violation};
use crate::inventory::FieldName;
use crate::text::clock::{DAY, format_date};

/// The `max-age-days` parameter.
pub const MAX_AGE_DAYS: ParamSpec = ParamSpec {
    name: "max-age-days",
    default: 90,
    min: 0,
    max: 36_500,
    doc: "Oldest a key may be before it should be rotated, in days.",
};

pub static CHECK: CheckKind = CheckKind {
    name: "key-age",
    doc: DOC,
    params: &[MAX_AGE_DAYS],
    needs: &[FieldName::CreatedTime],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose `created_time` lies more than `max-age-days` (default 90) days before now,
whatever its expiry or use.

## Why it matters

The longer a key lives, the more places it has been copied to: CI settings, laptops, logs,
chat messages. Rotating keys on a schedule bounds the life of a leak nobody has noticed and
keeps the rotation procedure working for the day it is needed in a hurry.

## How to fix

Rotate: create a new key with the same settings, deploy it, then delete the old one. In the
console: **API Keys → Add**, then **Delete** on the old key; through the management API,
`POST /api/token/` for the new key and `DELETE /api/token/{id}` for the old one. (Editing the
old key with `PUT /api/token/` does not rotate its secret.)

## Example

Evaluated at 2026-11-26T12:00:00Z (`--now 1795694400`):

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "created_time": 1767225600 }
```

fires `KL503 key-age` (created 2026-01-01, 329 days ago); `"created_time": 1793491200`
(2026-11-01) does not.
"#;

fn check(key: &KeyContext<'_>, params: &Params, out: &mut Vec<Violation>) {
    let created = key.created_time();
    let max_age_days = params.get(&MAX_AGE_DAYS);
    let age = key.now.saturating_sub(created);
    if age > max_age_days.saturating_mul(DAY) {
        out.push(Violation {
            message: format!(
                "created {}, {} ago (more than {max_age_days}); rotate it",
                format_date(created),
                span_over_limit(age, max_age_days),
            ),
            target: Target::Field(FieldName::CreatedTime),
            evidence: created.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{DAY, NOW, key, numbers, run, run_with};
    use crate::inventory::{Field, KeyRecord};

    fn created(at: i64) -> KeyRecord {
        KeyRecord {
            created_time: Field::Present(at),
            ..key()
        }
    }

    #[test]
    fn fires_one_second_past_the_limit() {
        assert!(run(&CHECK, &created(NOW - 90 * DAY)).is_empty());
        let found = run(&CHECK, &created(NOW - 90 * DAY - 1));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].target, Target::Field(FieldName::CreatedTime));
        assert_eq!(found[0].evidence, (NOW - 90 * DAY - 1).to_string());
        assert_eq!(
            run(&CHECK, &created(1_767_225_600))[0].message,
            "created 2026-01-01, 329 days ago (more than 90); rotate it"
        );
    }

    #[test]
    fn evidence_does_not_depend_on_now() {
        let found = run(&CHECK, &created(1_767_225_600));
        assert_eq!(found[0].evidence, "1767225600");
    }

    #[test]
    fn honours_max_age_days() {
        let params = numbers(&[(&MAX_AGE_DAYS, 365)]);
        assert!(run_with(&CHECK, &created(NOW - 365 * DAY), &params).is_empty());
        assert_eq!(
            run_with(&CHECK, &created(NOW - 365 * DAY - 1), &params).len(),
            1
        );
        let params = numbers(&[(&MAX_AGE_DAYS, 36_500)]);
        assert_eq!(run_with(&CHECK, &created(i64::MIN), &params).len(), 1);
    }

    #[test]
    fn future_and_hostile_times() {
        assert!(run(&CHECK, &created(NOW + DAY)).is_empty());
        assert!(run(&CHECK, &created(i64::MAX)).is_empty());
        assert_eq!(run(&CHECK, &created(i64::MIN)).len(), 1);
    }
}
