//! `comma-separated-ips` (KL304): an `allow_ips` line that holds a comma between entries. The
//! gateway deletes commas, so the line becomes one entry that is not what was meant.

use super::wording::{line_target, skips};
use super::{CheckKind, Eval, KeyContext, Params, Violation};
use crate::inventory::FieldName;
use crate::inventory::dialect::{IpEntry, IpFate};

pub static CHECK: CheckKind = CheckKind {
    name: "comma-separated-ips",
    doc: DOC,
    params: &[],
    needs: &[FieldName::AllowIps],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags each line of `allow_ips` that still holds a `,` once spaces and leading and trailing
commas are stripped, e.g. `1.2.3.4,5.6.7.8` or `10.0.0.0/8, 192.168.1.1`. A trailing comma
alone (`1.2.3.4,`) is harmless and not reported.

## Why it matters

The gateway splits `allow_ips` on newlines only, then deletes every comma inside an entry. So
`1.2.3.4,5.6.7.8` becomes the single bogus entry `1.2.3.45.6.7.8`, which is skipped (KL302);
worse, `1.2.3.4,5` becomes `1.2.3.45`, a valid address nobody meant to allow. Either way the
addresses the list was written for are refused, and if no valid entry is left the key is refused
everywhere (KL303).

## How to fix

Put one address or CIDR per line. In the console: **API Keys → Edit → IP allowlist**, one entry
per line. Through the management API, send the full key record with `allow_ips` separated by
`\n` (e.g. `"1.2.3.4\n5.6.7.8"`) to `PUT /api/token/`; include every field, since an update
that omits `expired_time` writes `0` and expires the key at once.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "allow_ips": "1.2.3.4,5.6.7.8" }
```

fires `KL304 comma-separated-ips`; `"allow_ips": "1.2.3.4\n5.6.7.8"` does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let ip = key.ip();
    if !ip.deletes_commas {
        return;
    }
    for (index, line) in ip.lines.iter().enumerate() {
        if !line.has_inner_comma() {
            continue;
        }
        // Entries are in line order, at most one per line; a line with an inner comma always
        // yields one.
        let entry = ip
            .entries
            .binary_search_by_key(&index, |e| e.entry.line)
            .ok()
            .map(|i| &ip.entries[i]);
        let Some(IpEntry { entry, fate }) = entry else {
            continue;
        };
        let outcome = match fate {
            IpFate::Unreadable => format!("an invalid entry {}", skips(ip).replace(" it", "")),
            IpFate::Enforced => "a single entry that admits other addresses than intended".into(),
            IpFate::CidrDropped => "a CIDR, which this gateway drops".into(),
            IpFate::NeverMatches => "an address written in a form that never matches".into(),
        };
        out.push(Violation {
            message: format!(
                "{} line `{}` separates entries with a comma; the gateway deletes commas, so it \
                 becomes `{}`, {outcome}; put one entry per line",
                ip.path(),
                line.cleaned,
                entry.text
            ),
            target: line_target(ip, index),
            evidence: line.cleaned.to_string(),
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
    fn fires_per_line_with_an_inner_comma() {
        let found = run(&CHECK, &with_allow_ips("1.2.3.4,5.6.7.8"));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].target,
            Target::IpLine {
                field: FieldName::AllowIps,
                line: 0
            }
        );
        assert_eq!(found[0].evidence, "1.2.3.4,5.6.7.8");
        assert_eq!(
            found[0].message,
            "allow_ips line `1.2.3.4,5.6.7.8` separates entries with a comma; the gateway \
             deletes commas, so it becomes `1.2.3.45.6.7.8`, an invalid entry the gateway \
             skips; put one entry per line"
        );

        let found = run(
            &CHECK,
            &with_allow_ips("8.8.8.8\n10.0.0.0/8, 192.168.1.1\n\n1.1.1.1,,2.2.2.2"),
        );
        assert_eq!(
            evidence(&found),
            ["10.0.0.0/8,192.168.1.1", "1.1.1.1,,2.2.2.2"]
        );
        assert_eq!(
            found[0].target,
            Target::IpLine {
                field: FieldName::AllowIps,
                line: 1
            }
        );
        assert_eq!(
            found[1].target,
            Target::IpLine {
                field: FieldName::AllowIps,
                line: 3
            }
        );
    }

    #[test]
    fn a_comma_that_yields_a_valid_entry_still_fires() {
        let found = run(&CHECK, &with_allow_ips("1.2.3.4,5"));
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .contains("becomes `1.2.3.45`, a single entry")
        );
    }

    #[test]
    fn leading_and_trailing_commas_are_harmless() {
        for raw in [
            "1.2.3.4,",
            ",1.2.3.4",
            ",,1.2.3.4,,",
            " , 1.2.3.4 ,\n5.6.7.8,",
            ",",
        ] {
            assert!(run(&CHECK, &with_allow_ips(raw)).is_empty(), "{raw:?}");
        }
    }

    #[test]
    fn no_list_no_finding() {
        let mut record = key();
        record.allow_ips = Field::Present(None);
        assert!(run(&CHECK, &record).is_empty());
    }
}
