//! `never-used` (KL502): a key never used since its creation, created more than `grace-days` ago.

use super::long_lifetime::span_over_limit;
use super::{CheckKind, Eval, KeyContext, ParamSpec, Params, Target, Violation};
use crate::inventory::FieldName;
use crate::text::clock::{DAY, format_date};

/// The `grace-days` parameter.
pub const GRACE_DAYS: ParamSpec = ParamSpec {
    name: "grace-days",
    default: 30,
    min: 0,
    max: 36_500,
    doc: "Days a new key may go unused before it is reported.",
};

pub static CHECK: CheckKind = CheckKind {
    name: "never-used",
    doc: DOC,
    params: &[GRACE_DAYS],
    needs: &[FieldName::CreatedTime, FieldName::AccessedTime],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key that has never been used (`accessed_time <= created_time`: the gateway sets both
to the creation time and moves `accessed_time` on each use) and was created more than
`grace-days` (default 30) days ago.

## Why it matters

A key created and never used was probably made by mistake, for a project that did not happen,
or handed to someone who never needed it. It grants access nobody exercises, so a leak would
not be noticed, and it is easy to forget about.

## How to fix

Ask whoever created it; if nothing will use it, delete it: in the console **API Keys →
Delete**, or `DELETE /api/token/{id}`. If it is a break-glass key kept on purpose, waive this
rule for it with a reason, or disable it (status 2) through `PUT /api/token/` with its full
record — every field, since an update that omits `expired_time` writes `0`.

## Example

Evaluated at 2026-11-26T12:00:00Z (`--now 1795694400`):

```json
{ "id": 1234, "name": "ci-deploy", "status": 1,
  "created_time": 1767225600, "accessed_time": 1767225600 }
```

fires `KL502 never-used` (created 2026-01-01, 329 days ago); `"accessed_time": 1793491200`
(used on 2026-11-01) does not, nor does the same record created on 2026-11-01.
"#;

fn check(key: &KeyContext<'_>, params: &Params, out: &mut Vec<Violation>) {
    let (created, accessed) = (key.created_time(), key.accessed_time());
    if accessed > created {
        return;
    }
    let grace_days = params.get(&GRACE_DAYS);
    let age = key.now.saturating_sub(created);
    if age > grace_days.saturating_mul(DAY) {
        out.push(Violation {
            message: format!(
                "never used since its creation on {}, {} ago (grace period {grace_days} days)",
                format_date(created),
                span_over_limit(age, grace_days),
            ),
            target: Target::Field(FieldName::AccessedTime),
            evidence: created.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{DAY, NOW, key, numbers, run, run_with};
    use crate::inventory::{Field, KeyRecord};

    fn record(created: i64, accessed: i64) -> KeyRecord {
        KeyRecord {
            created_time: Field::Present(created),
            accessed_time: Field::Present(accessed),
            ..key()
        }
    }

    fn unused(created: i64) -> KeyRecord {
        record(created, created)
    }

    #[test]
    fn fires_one_second_past_the_grace_period() {
        assert!(run(&CHECK, &unused(NOW - 30 * DAY)).is_empty());
        let found = run(&CHECK, &unused(NOW - 30 * DAY - 1));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].target, Target::Field(FieldName::AccessedTime));
        assert_eq!(found[0].evidence, (NOW - 30 * DAY - 1).to_string());
        assert_eq!(
            found[0].message,
            "never used since its creation on 2026-10-27, more than 30 days ago \
             (grace period 30 days)"
        );
        assert!(
            run(&CHECK, &unused(1_767_225_600))[0]
                .message
                .contains("on 2026-01-01, 329 days ago")
        );
    }

    #[test]
    fn accessed_at_or_before_creation_is_never_used() {
        let created = NOW - 100 * DAY;
        assert_eq!(run(&CHECK, &record(created, created)).len(), 1);
        assert_eq!(run(&CHECK, &record(created, 0)).len(), 1);
        assert!(run(&CHECK, &record(created, created + 1)).is_empty());
    }

    #[test]
    fn honours_grace_days() {
        let params = numbers(&[(&GRACE_DAYS, 0)]);
        assert!(run_with(&CHECK, &unused(NOW), &params).is_empty());
        assert_eq!(run_with(&CHECK, &unused(NOW - 1), &params).len(), 1);
        let params = numbers(&[(&GRACE_DAYS, 365)]);
        assert!(run_with(&CHECK, &unused(NOW - 365 * DAY), &params).is_empty());
        assert_eq!(
            run_with(&CHECK, &unused(NOW - 365 * DAY - 1), &params).len(),
            1
        );
    }

    #[test]
    fn hostile_timestamps_do_not_overflow() {
        assert_eq!(run(&CHECK, &unused(i64::MIN)).len(), 1);
        assert!(run(&CHECK, &unused(i64::MAX)).is_empty());
    }
}
