//! `allowlist-denies-all` (KL303): `allow_ips` has entries but none is valid, so the gateway
//! refuses the key from every address.

use super::{CheckKind, Eval, KeyContext, Params, Target, Violation};
use crate::inventory::{FieldName, ParsedEntry};

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
    let list = key.allow_list();
    if list.entries.is_empty()
        || list
            .entries
            .iter()
            .any(|e| e.parsed != ParsedEntry::Invalid)
    {
        return;
    }
    let count = list.entries.len();
    let what = if count == 1 {
        format!("the only allow_ips entry, `{}`, is", list.entries[0].text)
    } else {
        format!("all {count} allow_ips entries are")
    };
    let texts: Vec<&str> = list.entries.iter().map(|e| e.text.as_ref()).collect();
    out.push(Violation {
        message: format!("{what} invalid, so the gateway refuses the key from every address"),
        target: Target::Field(FieldName::AllowIps),
        evidence: texts.join("\n"),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
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
