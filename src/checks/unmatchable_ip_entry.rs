//! `unmatchable-ip-entry` (KL311): an address that a gateway compares with the client's as
//! text, written in a form the client address never takes (`2001:DB8::1`, `::ffff:1.2.3.4`).

use super::wording::{entry_label, line_target};
use super::{CheckKind, Eval, KeyContext, Params, Violation};
use crate::inventory::FieldName;
use crate::inventory::dialect::{IpFate, canonical_text};

pub static CHECK: CheckKind = CheckKind {
    name: "unmatchable-ip-entry",
    doc: DOC,
    params: &[],
    needs: &[FieldName::AllowIps],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

On the gateways that compare a single-address entry with the client address as text — one-hub
and done-hub (whose whitelist is not validated on save), new-api before 2025-06, Veloera and
new-api versions before CIDR allowlists — flags each entry that is an IP address but not
written the way the client address reaches the gateway: upper-case or zero-padded IPv6
(`2001:DB8::1`, `2001:db8:0::1`), IPv4-mapped IPv6 (`::ffff:203.0.113.7`). The entry is kept
and never matches.

## Why it matters

The address the entry was meant to admit is refused. If every entry is like this, the key is
refused everywhere (KL303).

## How to fix

Write the address in its canonical form (`2001:db8::1`, `203.0.113.7`); the message gives it.

## Example

On one-hub,
`"limits_ip_setting": {"enabled": true, "whitelist": ["203.0.113.7", "2001:DB8::1"]}` fires
`KL311 unmatchable-ip-entry` for `2001:DB8::1`; `"2001:db8::1"` does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let ip = key.ip();
    if !ip.in_force() {
        return;
    }
    for entry in ip.entries.iter().filter(|e| e.fate == IpFate::NeverMatches) {
        let entry = &entry.entry;
        let canonical = canonical_text(entry).unwrap_or_default();
        out.push(Violation {
            message: format!(
                "{} `{}` is compared with the client address as text, which reaches the \
                 gateway as `{canonical}`: the entry never matches; write `{canonical}`",
                entry_label(ip, entry.line),
                entry.text
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

    fn whitelist(items: &[&str]) -> serde_json::Value {
        json!({"setting": {"limits": {"limits_ip_setting": {"enabled": true, "whitelist": items}}}})
    }

    #[test]
    fn non_canonical_addresses_never_match_where_compared_as_text() {
        let found = run_on(
            &CHECK,
            Dialect::OneHub,
            &whitelist(&["203.0.113.7", "2001:DB8::1"]),
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("`2001:db8::1`"),
            "{}",
            found[0].message
        );
        assert!(run_on(&CHECK, Dialect::OneHub, &whitelist(&["2001:db8::1"])).is_empty());
        let mapped = json!({"allow_ips": "203.0.113.7\n::ffff:198.51.100.1"});
        let found = run_on(&CHECK, Dialect::NewApiLegacy, &mapped);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("`198.51.100.1`"));
        // new-api parses addresses: any spelling matches.
        assert!(run_on(&CHECK, Dialect::NewApi, &mapped).is_empty());
    }
}
