//! `non-canonical-cidr` (KL306): an `allow_ips` CIDR written with host bits set
//! (`10.0.0.1/24`), which admits the whole network rather than the one address it names.

use super::wording::{entry_label, line_target};
use super::{CheckKind, Eval, KeyContext, Params, Violation};
use crate::inventory::{FieldName, ParsedEntry};

pub static CHECK: CheckKind = CheckKind {
    name: "non-canonical-cidr",
    doc: DOC,
    params: &[],
    needs: &[FieldName::AllowIps],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags each CIDR entry of `allow_ips` whose address has bits set beyond the prefix, such as
`10.0.0.1/24` or `2001:db8::1/64`, and names its canonical form (`10.0.0.0/24`).

## Why it matters

The gateway accepts such an entry and admits the whole network, `10.0.0.0/24` here. The writer
usually meant either the one address `10.0.0.1` or the network; the entry as written hides
which, and a reviewer reading `10.0.0.1/24` may believe only one host is admitted.

## How to fix

Write what you mean: the single address (`10.0.0.1`) or the canonical network (`10.0.0.0/24`).
In the console: **API Keys → Edit → IP allowlist**. Through the management API, send the full
key record with the corrected `allow_ips` to `PUT /api/token/`; include every field, since an
update that omits `expired_time` writes `0` and expires the key at once.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "allow_ips": "203.0.113.7/24" }
```

fires `KL306 non-canonical-cidr` (it admits `203.0.113.0/24`); `"allow_ips": "203.0.113.0/24"`
or `"allow_ips": "203.0.113.7"` does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let ip = key.ip();
    if !ip.in_force() {
        return;
    }
    for entry in ip.enforced().map(|e| &e.entry) {
        let ParsedEntry::Cidr(net) = entry.parsed else {
            continue;
        };
        let canonical = net.trunc();
        if net == canonical {
            continue;
        }
        out.push(Violation {
            message: format!(
                "{} `{}` has host bits set: the gateway admits the whole network \
                 `{canonical}`; write `{canonical}`, or `{}` for the single address",
                entry_label(ip, entry.line),
                entry.text,
                net.addr()
            ),
            target: line_target(ip, entry.line),
            evidence: entry.text.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Target;
    use crate::checks::testkit::{evidence, run, with_allow_ips};

    #[test]
    fn fires_on_host_bits_and_names_the_canonical_form() {
        let found = run(
            &CHECK,
            &with_allow_ips("10.0.0.0/24\n10.0.0.1/24\n2001:db8::1/64\n192.168.1.255/31"),
        );
        assert_eq!(
            evidence(&found),
            ["10.0.0.1/24", "2001:db8::1/64", "192.168.1.255/31"]
        );
        assert_eq!(
            found[0].target,
            Target::IpLine {
                field: FieldName::AllowIps,
                line: 1
            }
        );
        assert_eq!(
            found[0].message,
            "allow_ips entry `10.0.0.1/24` has host bits set: the gateway admits the whole \
             network `10.0.0.0/24`; write `10.0.0.0/24`, or `10.0.0.1` for the single address"
        );
        assert!(found[1].message.contains("`2001:db8::/64`"));
        assert!(found[2].message.contains("`192.168.1.254/31`"));
    }

    #[test]
    fn canonical_ranges_and_addresses_do_not_fire() {
        for raw in [
            "10.0.0.0/24",
            "10.0.0.1/32",
            "10.0.0.1",
            "::/0",
            "2001:db8::/32",
            "x/24",
        ] {
            assert!(run(&CHECK, &with_allow_ips(raw)).is_empty(), "{raw:?}");
        }
    }
}
