//! `no-ip-allowlist` (KL301): a key usable from any IP address (no `allow_ips` entry once the
//! list is normalised as the gateway reads it).

use super::wording::ip_target;
use super::{CheckKind, Eval, KeyContext, Params, Violation};
use crate::inventory::dialect::IpOutcome;
use crate::inventory::{FieldName, FieldState, FieldValue};

pub static CHECK: CheckKind = CheckKind {
    name: "no-ip-allowlist",
    doc: DOC,
    params: &[],
    needs: &[FieldName::AllowIps],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose `allow_ips` restricts nothing: `null`, an empty string, or text that holds no
entry once the gateway has removed spaces and commas and dropped empty lines (`" "`, `"\n,\n"`).

## Why it matters

Without an allowlist the key works from anywhere: whoever copies it from a log, a CI artefact
or a laptop can use it from their own machine. An allowlist of your egress addresses makes a
leaked key useless elsewhere.

## How to fix

List the addresses or CIDR ranges the key is used from, one per line. In the console:
**API Keys → Edit → IP allowlist**. Through the management API, send the full key record with
`allow_ips` set (e.g. `"203.0.113.7\n198.51.100.0/24"`) to `PUT /api/token/`; include every
field, since an update that omits `expired_time` writes `0` and expires the key at once. If the
key has no fixed origin (e.g. hosted CI runners), waive this rule for it with a reason.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "allow_ips": null }
```

fires `KL301 no-ip-allowlist`, as does `"allow_ips": "  "`; `"allow_ips": "8.8.8.8"` does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let ip = key.ip();
    if ip.outcome != IpOutcome::Unrestricted {
        return;
    }
    let sent = key.record.field(ip.field);
    let null = matches!(sent, FieldState::Present(FieldValue::Null));
    let (message, evidence) = match (ip.field, null) {
        (FieldName::Setting, _) => (
            format!(
                "{} is off with an empty whitelist, so the key is accepted from any IP address",
                ip.path()
            ),
            "empty",
        ),
        (field, true) => (
            format!("{field} is null, so the key is accepted from any IP address"),
            "null",
        ),
        (field, false) => (
            format!("{field} holds no entry, so the key is accepted from any IP address"),
            "empty",
        ),
    };
    out.push(Violation {
        message,
        target: ip_target(ip),
        evidence: evidence.to_owned(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Target;
    use crate::checks::testkit::{key, run, with_allow_ips};
    use crate::inventory::Field;

    #[test]
    fn fires_on_null() {
        let mut record = key();
        record.allow_ips = Field::Present(None);
        let found = run(&CHECK, &record);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].target, Target::Field(FieldName::AllowIps));
        assert_eq!(found[0].evidence, "null");
    }

    #[test]
    fn fires_when_nothing_is_left_after_normalisation() {
        for raw in ["", " ", "   ", "\n", " \n \n", ",", "\n,\n , ,\n", "\t"] {
            let found = run(&CHECK, &with_allow_ips(raw));
            assert_eq!(found.len(), 1, "{raw:?}");
            assert_eq!(found[0].evidence, "empty");
        }
    }

    #[test]
    fn any_entry_counts_as_a_restriction_even_an_invalid_one() {
        for raw in [
            "8.8.8.8",
            " 8.8.8.8 ",
            "\n10.0.0.0/8\n",
            "not-an-ip",
            "0.0.0.0/0",
        ] {
            assert!(run(&CHECK, &with_allow_ips(raw)).is_empty(), "{raw:?}");
        }
    }
}
