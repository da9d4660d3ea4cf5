//! `stale-key` (KL501): a key used at least once but not for more than `unused-days`.

use super::long_lifetime::span_over_limit;
use super::{CheckKind, Eval, KeyContext, ParamSpec, Params, Target, Violation};
use crate::inventory::FieldName;
use crate::text::clock::{DAY, format_date};

/// The `unused-days` parameter.
pub const UNUSED_DAYS: ParamSpec = ParamSpec {
    name: "unused-days",
    default: 90,
    min: 0,
    max: 36_500,
    doc: "Days without use after which a key counts as stale.",
};

pub static CHECK: CheckKind = CheckKind {
    name: "stale-key",
    doc: DOC,
    params: &[UNUSED_DAYS],
    needs: &[FieldName::CreatedTime, FieldName::AccessedTime],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key that has been used at least once (`accessed_time > created_time`) but whose last
use lies more than `unused-days` (default 90) days before now. A key never used since its
creation is KL502's concern instead.

## Why it matters

A key nobody uses any more still grants access. Its owner has moved on, so a leak would go
unnoticed, and it may hold quota, models or an allowlist nobody remembers granting. Removing
unused keys shrinks what an attacker can find.

## How to fix

Confirm with the owner that nothing depends on the key, then delete it: in the console
**API Keys → Delete**, or `DELETE /api/token/{id}`. If it must stay (a break-glass key, say),
waive this rule for it with a reason and an expiry, or disable it (status 2) through
`PUT /api/token/` with its full record — every field, since an update that omits
`expired_time` writes `0`.

## Example

Evaluated at 2026-11-26T12:00:00Z (`--now 1795694400`):

```json
{ "id": 1234, "name": "ci-deploy", "status": 1,
  "created_time": 1735689600, "accessed_time": 1767225600 }
```

fires `KL501 stale-key` (last used 2026-01-01, 329 days ago); `"accessed_time": 1793491200`
(2026-11-01) does not.
"#;

fn check(key: &KeyContext<'_>, params: &Params, out: &mut Vec<Violation>) {
    let (created, accessed) = (key.created_time(), key.accessed_time());
    if accessed <= created {
        return;
    }
    let unused_days = params.get(&UNUSED_DAYS);
    let idle = key.now.saturating_sub(accessed);
    if idle > unused_days.saturating_mul(DAY) {
        out.push(Violation {
            message: format!(
                "last used {}, {} ago (more than {unused_days})",
                format_date(accessed),
                span_over_limit(idle, unused_days),
            ),
            target: Target::Field(FieldName::AccessedTime),
            evidence: accessed.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{DAY, NOW, key, numbers, run, run_with};
    use crate::inventory::{Field, KeyRecord};

    fn used(created: i64, accessed: i64) -> KeyRecord {
        KeyRecord {
            created_time: Field::Present(created),
            accessed_time: Field::Present(accessed),
            ..key()
        }
    }

    #[test]
    fn fires_one_second_past_the_limit() {
        let created = NOW - 400 * DAY;
        assert!(run(&CHECK, &used(created, NOW - 90 * DAY)).is_empty());
        let found = run(&CHECK, &used(created, NOW - 90 * DAY - 1));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].target, Target::Field(FieldName::AccessedTime));
        assert_eq!(found[0].evidence, (NOW - 90 * DAY - 1).to_string());
        assert_eq!(
            found[0].message,
            "last used 2026-08-28, more than 90 days ago (more than 90)"
        );
    }

    #[test]
    fn message_quotes_the_date_and_days() {
        let found = run(&CHECK, &used(1_735_689_600, 1_767_225_600));
        assert_eq!(
            found[0].message,
            "last used 2026-01-01, 329 days ago (more than 90)"
        );
    }

    #[test]
    fn never_used_keys_are_not_stale() {
        // accessed == created is the gateway's "never used".
        let t = NOW - 400 * DAY;
        assert!(run(&CHECK, &used(t, t)).is_empty());
        assert!(run(&CHECK, &used(t, t - 1)).is_empty());
        assert_eq!(run(&CHECK, &used(t, t + 1)).len(), 1);
    }

    #[test]
    fn honours_unused_days() {
        let params = numbers(&[(&UNUSED_DAYS, 7)]);
        let created = NOW - 30 * DAY;
        assert!(run_with(&CHECK, &used(created, NOW - 7 * DAY), &params).is_empty());
        assert_eq!(
            run_with(&CHECK, &used(created, NOW - 7 * DAY - 1), &params).len(),
            1
        );
    }

    #[test]
    fn hostile_timestamps_do_not_overflow() {
        assert_eq!(run(&CHECK, &used(i64::MIN, i64::MIN + 1)).len(), 1);
        assert!(run(&CHECK, &used(i64::MIN, i64::MAX)).is_empty());
    }
}
