//! `allowlist-denies-all` (KL303): `allow_ips` has entries but none is valid, so the gateway
//! refuses the key from every address.

use super::wording::{ip_target, reading_note};
use super::{CheckKind, Eval, KeyContext, Params, Violation};
use crate::inventory::FieldName;
use crate::inventory::dialect::{IpFate, IpOutcome};

pub static CHECK: CheckKind = CheckKind {
    name: "allowlist-denies-all",
    doc: DOC,
    params: &[],
    needs: &[FieldName::AllowIps],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Reads `allow_ips` as the gateway does (remove every space, split on newlines, trim, delete every
`,`, drop empty pieces) and flags the key when entries remain but every one of them is neither
an IP address nor a CIDR. Each such entry is also reported by KL302.

## Why it matters

The gateway skips invalid entries; when nothing valid is left it does not fall back to "no
restriction", it denies every request. The key looks restricted but cannot be used at all:
whatever depends on it is failing, typically after someone wrote the list as
`1.2.3.4,5.6.7.8` (read as `1.2.3.45.6.7.8`) or used host names.

## How to fix

Write the allowlist as valid addresses or CIDR ranges, one per line; or, if the key is not
needed, delete it (`DELETE /api/token/{id}`). In the console: **API Keys → Edit → IP
allowlist**. Through the management API, send the full key record with the corrected
`allow_ips` to `PUT /api/token/`; include every field, since an update that omits
`expired_time` writes `0` and expires the key at once.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "allow_ips": "1.2.3.4,5.6.7.8" }
```

fires `KL303 allowlist-denies-all`; `"allow_ips": "1.2.3.4\n5.6.7.8"` does not, nor does
`"allow_ips": "1.2.3.4\nci.example.com"` (one valid entry is left).
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let ip = key.ip();
    if ip.outcome != IpOutcome::DeniesAll {
        return;
    }
    let count = ip.entries.len();
    let all_unreadable = ip.entries.iter().all(|e| e.fate == IpFate::Unreadable);
    let what = match (count, all_unreadable) {
        (1, true) => format!(
            "the only {} entry, `{}`, is invalid",
            ip.path(),
            ip.entries[0].entry.text
        ),
        (_, true) => format!("all {count} {} entries are invalid", ip.path()),
        (1, false) => format!(
            "the only {} entry, `{}`, can never match",
            ip.path(),
            ip.entries[0].entry.text
        ),
        (_, false) => format!("none of the {count} {} entries can match", ip.path()),
    };
    let texts: Vec<&str> = ip.entries.iter().map(|e| e.entry.text.as_ref()).collect();
    out.push(Violation {
        message: format!(
            "{what}, so the gateway refuses the key from every address{}",
            reading_note(ip)
        ),
        target: ip_target(ip),
        evidence: texts.join("\n"),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Target;
    use crate::checks::testkit::{key, run, with_allow_ips};
    use crate::inventory::Field;

    #[test]
    fn fires_when_every_entry_is_invalid() {
        let found = run(&CHECK, &with_allow_ips("1.2.3.4,5.6.7.8"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].target, Target::Field(FieldName::AllowIps));
        assert_eq!(found[0].evidence, "1.2.3.45.6.7.8");
        assert_eq!(
            found[0].message,
            "the only allow_ips entry, `1.2.3.45.6.7.8`, is invalid, so the gateway refuses \
             the key from every address"
        );

        let found = run(&CHECK, &with_allow_ips("ci.example.com\n\nlocalhost"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].evidence, "ci.example.com\nlocalhost");
        assert!(
            found[0]
                .message
                .starts_with("all 2 allow_ips entries are invalid")
        );
    }

    #[test]
    fn one_valid_entry_is_enough() {
        for raw in [
            "1.2.3.4\n5.6.7.8",
            "1.2.3.4\nci.example.com",
            "1.2.3.4,5",
            "::1",
        ] {
            assert!(run(&CHECK, &with_allow_ips(raw)).is_empty(), "{raw:?}");
        }
    }

    #[test]
    fn no_entries_is_no_restriction_not_deny_all() {
        for raw in ["", " ", "\n,\n"] {
            assert!(run(&CHECK, &with_allow_ips(raw)).is_empty(), "{raw:?}");
        }
        let mut record = key();
        record.allow_ips = Field::Present(None);
        assert!(run(&CHECK, &record).is_empty());
        record.allow_ips = Field::Missing;
        assert!(run(&CHECK, &record).is_empty());
    }
}
