//! `invalid-ip-entry` (KL302): an `allow_ips` entry that is neither an IP address nor a CIDR,
//! which the gateway silently skips. One violation per entry.

use super::wording::{entry_label, line_target, skips};
use super::{CheckKind, Eval, KeyContext, Params, Violation};
use crate::inventory::dialect::{IpEntry, IpFate};
use crate::inventory::{FieldName, ParsedEntry};

pub static CHECK: CheckKind = CheckKind {
    name: "invalid-ip-entry",
    doc: DOC,
    params: &[],
    needs: &[FieldName::AllowIps],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Reads `allow_ips` as the gateway does (remove every space, split on newlines, trim, delete every
`,`, drop empty pieces) and flags each remaining entry that is neither a single IPv4/IPv6
address nor a CIDR range. Host names, ranges such as `10.0.0.1-10.0.0.9`, wildcards and typos
all count. Because commas are deleted first, `1.2.3.4,5` is read as `1.2.3.45`, a valid (if
unintended) address: that is KL304's finding, not this one.

## Why it matters

The gateway skips entries it cannot parse without any error. The address the entry was meant to
admit is refused; and if every entry is invalid, the key is refused everywhere (KL303).

## How to fix

Correct or remove the entry; write one address or CIDR per line. In the console: **API Keys →
Edit → IP allowlist**. Through the management API, send the full key record with the corrected
`allow_ips` to `PUT /api/token/`; include every field, since an update that omits
`expired_time` writes `0` and expires the key at once.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "allow_ips": "8.8.8.8\nci.example.com" }
```

fires `KL302 invalid-ip-entry` once, for `ci.example.com`; `"allow_ips": "8.8.8.8\n192.0.2.0/24"`
does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let ip = key.ip();
    if !ip.in_force() {
        return;
    }
    for IpEntry { entry, fate } in &ip.entries {
        if *fate != IpFate::Unreadable {
            continue;
        }
        let cleaned = ip.lines.get(entry.line).map(|l| l.cleaned.as_ref());
        let origin = match cleaned {
            Some(line) if line != entry.text => format!(" (read from the line `{line}`)"),
            _ => String::new(),
        };
        let what = match entry.parsed {
            ParsedEntry::Address(_) => {
                "is a single address, not a CIDR (write it with `/32` or `/128`)"
            }
            _ if entry.text.is_empty() => "is empty",
            _ if ip.field == FieldName::Subnet => "is not a CIDR",
            _ => "is neither an IP address nor a CIDR",
        };
        out.push(Violation {
            message: format!(
                "{} `{}`{origin} {what}; {}",
                entry_label(ip, entry.line),
                entry.text,
                skips(ip)
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
    use crate::checks::testkit::{evidence, key, run, with_allow_ips};
    use crate::inventory::Field;

    #[test]
    fn one_finding_per_invalid_entry_on_its_line() {
        let found = run(
            &CHECK,
            &with_allow_ips("8.8.8.8\nci.example.com\n\n10.0.0.1-10.0.0.9\n1.2.3.4/33"),
        );
        assert_eq!(
            evidence(&found),
            ["ci.example.com", "10.0.0.1-10.0.0.9", "1.2.3.4/33"]
        );
        let targets: Vec<_> = found.iter().map(|v| v.target.clone()).collect();
        assert_eq!(
            targets,
            [
                Target::IpLine {
                    field: FieldName::AllowIps,
                    line: 1
                },
                Target::IpLine {
                    field: FieldName::AllowIps,
                    line: 3
                },
                Target::IpLine {
                    field: FieldName::AllowIps,
                    line: 4
                }
            ]
        );
        assert_eq!(
            found[0].message,
            "allow_ips entry `ci.example.com` is neither an IP address nor a CIDR; the gateway \
             skips it"
        );
    }

    #[test]
    fn commas_are_deleted_before_parsing() {
        // `1.2.3.4,5` reads as `1.2.3.45`: valid, so not this rule's finding.
        assert!(run(&CHECK, &with_allow_ips("1.2.3.4,5")).is_empty());
        assert!(run(&CHECK, &with_allow_ips("8.8.8.8,")).is_empty());
        // `1.2.3.4,5.6.7.8` reads as `1.2.3.45.6.7.8`: invalid.
        let found = run(&CHECK, &with_allow_ips("1.2.3.4, 5.6.7.8"));
        assert_eq!(evidence(&found), ["1.2.3.45.6.7.8"]);
        assert!(
            found[0]
                .message
                .contains("read from the line `1.2.3.4,5.6.7.8`")
        );
    }

    #[test]
    fn valid_entries_do_not_fire() {
        for raw in [
            "8.8.8.8",
            " 8.8.8.8 ",
            "2001:4860::8888",
            "10.0.0.1/24",
            "::/0",
            "8.8.8.8\r\n1.1.1.1",
        ] {
            assert!(run(&CHECK, &with_allow_ips(raw)).is_empty(), "{raw:?}");
        }
        let mut record = key();
        record.allow_ips = Field::Present(None);
        assert!(run(&CHECK, &record).is_empty());
    }
}
