//! `allowlist-ignored` (KL309): an IP allowlist that is written but that the gateway ignores,
//! so the key is accepted from any address: CIDR-only or all-invalid lists on a gateway that
//! keeps single addresses only, one-hub whitelists switched off or enabled and empty.

use super::wording::{ip_target, reading_note};
use super::{CheckKind, Eval, KeyContext, Params, Violation};
use crate::inventory::FieldName;
use crate::inventory::dialect::{Ignored, IpOutcome};

pub static CHECK: CheckKind = CheckKind {
    name: "allowlist-ignored",
    doc: DOC,
    params: &[],
    needs: &[FieldName::AllowIps],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags a key whose IP allowlist says "restricted" while the gateway that serves it ignores the
list, so the key is accepted from every address. It happens on the gateways that read
allowlists differently from current new-api (see `keylint explain` per dialect):

- **new-api before 2025-06, Veloera, and new-api versions before CIDR allowlists**: only
  entries that are a single IP address are kept; CIDR lines are dropped and invalid lines
  skipped, and when nothing survives the key is *unrestricted* (current new-api denies
  everything instead, KL303).
- **one-hub and done-hub**: `setting.limits.limits_ip_setting` holds whitelist entries but
  `enabled` is `false`; or `enabled` is `true` with an empty whitelist, which one-hub reads as
  no restriction.

## Why it matters

The allowlist is the control that makes a leaked key useless elsewhere. A reviewer reading
`10.20.0.0/16` or a whitelist of egress addresses believes the key is fenced in; the gateway
accepts it from anywhere.

## How to fix

On a gateway that keeps single addresses only, list the egress addresses one by one. On
one-hub, enable the whitelist and list the addresses or CIDRs (**Tokens → Edit → IP
whitelist**), or clear it if the key really has no fixed origin (then KL301 reports it, and a
waiver can record why). If the record comes from a new-api gateway that does honour CIDRs
(records without `cross_group_retry` are read as older), say so with
`--cidr-allowlists honoured` (or `KEYLINT_CIDR_ALLOWLISTS=honoured`).

## Example

On new-api-legacy,

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "allow_ips": "10.20.0.0/16" }
```

fires `KL309 allowlist-ignored`; `"allow_ips": "203.0.113.7"` does not. On one-hub,
`"limits_ip_setting": {"enabled": false, "whitelist": ["203.0.113.7"]}` fires it and
`{"enabled": true, "whitelist": ["203.0.113.7"]}` does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let ip = key.ip();
    let IpOutcome::Ignored(why) = ip.outcome else {
        return;
    };
    let count = ip.entries.len();
    let because = match why {
        Ignored::NoSingleAddress => format!(
            "none of the {count} {} entries is a single IP address, and this gateway keeps \
             single addresses only (CIDR lines are dropped, invalid ones skipped) and reads \
             an allowlist with nothing left as no restriction{}",
            ip.path(),
            reading_note(ip)
        ),
        Ignored::SwitchedOff => format!(
            "{} lists {count} whitelist entries but is not enabled, so one-hub ignores them",
            ip.path()
        ),
        Ignored::EnabledEmpty => format!(
            "{} is enabled with an empty whitelist, which one-hub reads as no restriction",
            ip.path()
        ),
    };
    let texts: Vec<&str> = ip.entries.iter().map(|e| e.entry.text.as_ref()).collect();
    out.push(Violation {
        message: format!("{because}: the key is accepted from any IP address"),
        target: ip_target(ip),
        evidence: if texts.is_empty() {
            "enabled, empty".to_owned()
        } else {
            texts.join("\n")
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{dialect_key, run_on};
    use crate::inventory::Dialect;
    use serde_json::json;

    #[test]
    fn cidr_only_lists_are_open_on_legacy_gateways_and_not_on_new_api() {
        let record = json!({"allow_ips": "10.20.0.0/16\nnot-an-ip"});
        let found = run_on(&CHECK, Dialect::NewApiLegacy, &record);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("accepted from any IP address"));
        assert_eq!(found[0].evidence, "10.20.0.0/16\nnot-an-ip");
        assert!(run_on(&CHECK, Dialect::NewApi, &record).is_empty());
        let one_address = json!({"allow_ips": "10.20.0.0/16\n203.0.113.7"});
        assert!(run_on(&CHECK, Dialect::NewApiLegacy, &one_address).is_empty());
        assert!(run_on(&CHECK, Dialect::NewApiLegacy, &json!({"allow_ips": ""})).is_empty());
    }

    #[test]
    fn new_api_records_without_cross_group_retry_are_read_as_legacy() {
        let mut record = dialect_key(Dialect::NewApi, &json!({"allow_ips": "10.20.0.0/16"}));
        record.cross_group_retry = crate::inventory::Field::Missing;
        let found = crate::checks::testkit::run_record(&CHECK, Dialect::NewApi, &record);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("cidr-allowlists"));
    }

    #[test]
    fn one_hub_switch_off_or_enabled_and_empty() {
        let setting = |enabled: bool, whitelist: &[&str]| {
            json!({"setting": {"limits": {"limits_ip_setting":
                {"enabled": enabled, "whitelist": whitelist}}}})
        };
        let off = run_on(&CHECK, Dialect::OneHub, &setting(false, &["203.0.113.7"]));
        assert_eq!(off.len(), 1);
        assert!(off[0].message.contains("not enabled"));
        let empty = run_on(&CHECK, Dialect::OneHub, &setting(true, &[]));
        assert_eq!(empty.len(), 1);
        assert!(empty[0].message.contains("empty whitelist"));
        assert!(run_on(&CHECK, Dialect::OneHub, &setting(true, &["203.0.113.7"])).is_empty());
        assert!(run_on(&CHECK, Dialect::OneHub, &setting(false, &[])).is_empty());
    }

    #[test]
    fn one_api_never_ignores_a_subnet() {
        for subnet in ["10.0.0.0/8", "not-a-cidr", ""] {
            assert!(run_on(&CHECK, Dialect::OneApi, &json!({"subnet": subnet})).is_empty());
        }
    }
}
