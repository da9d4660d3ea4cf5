//! `dropped-ip-entry` (KL310): a CIDR entry on a gateway that keeps single addresses only,
//! while other entries are enforced: the addresses it was meant to admit are refused.

use super::wording::{entry_label, line_target, reading_note};
use super::{CheckKind, Eval, KeyContext, Params, Violation};
use crate::inventory::FieldName;
use crate::inventory::dialect::IpFate;

pub static CHECK: CheckKind = CheckKind {
    name: "dropped-ip-entry",
    doc: DOC,
    params: &[],
    needs: &[FieldName::AllowIps],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

On a gateway that keeps only single IP addresses from `allow_ips` (new-api before 2025-06,
Veloera, and new-api versions before CIDR allowlists), flags each CIDR entry while other
entries keep the list in force. The gateway drops the CIDR line silently. (When nothing but
CIDRs and invalid lines is written, the whole list is ignored instead: KL309.)

## Why it matters

The CIDR was written to admit a network; the gateway refuses every address in it, so whatever
runs there fails — and someone will "fix" it by removing the allowlist altogether.

## How to fix

List the addresses of the network one by one, or upgrade the gateway to a version that honours
CIDRs. If the gateway already does (records without `cross_group_retry` are read as older), say
so with `--cidr-allowlists honoured` (or `KEYLINT_CIDR_ALLOWLISTS=honoured` in the job's
environment).

## Example

On new-api-legacy,

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "allow_ips": "203.0.113.7\n10.20.0.0/16" }
```

fires `KL310 dropped-ip-entry` for `10.20.0.0/16`; on current new-api it does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let ip = key.ip();
    if !ip.in_force() {
        return;
    }
    for entry in ip.entries.iter().filter(|e| e.fate == IpFate::CidrDropped) {
        let entry = &entry.entry;
        out.push(Violation {
            message: format!(
                "{} `{}` is a CIDR, which this gateway drops (it keeps single addresses only): \
                 the addresses it was meant to admit are refused{}",
                entry_label(ip, entry.line),
                entry.text,
                reading_note(ip)
            ),
            target: line_target(ip, entry.line),
            evidence: entry.text.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::run_on;
    use crate::inventory::Dialect;
    use serde_json::json;

    #[test]
    fn cidrs_are_dropped_only_where_single_addresses_are_kept() {
        let record = json!({"allow_ips": "203.0.113.7\n10.20.0.0/16"});
        let found = run_on(&CHECK, Dialect::NewApiLegacy, &record);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].evidence, "10.20.0.0/16");
        assert!(run_on(&CHECK, Dialect::NewApi, &record).is_empty());
        let only_addresses = json!({"allow_ips": "203.0.113.7\n198.51.100.1"});
        assert!(run_on(&CHECK, Dialect::NewApiLegacy, &only_addresses).is_empty());
        // Nothing but a CIDR: the whole list is ignored (KL309), not one entry dropped.
        let cidr_only = json!({"allow_ips": "10.20.0.0/16"});
        assert!(run_on(&CHECK, Dialect::NewApiLegacy, &cidr_only).is_empty());
    }
}
