//! `overbroad-ip-range` (KL305): an `allow_ips` CIDR whose prefix is shorter than the configured
//! minimum (`min-prefix-v4`, `min-prefix-v6`), such as `0.0.0.0/0`.

use ipnet::IpNet;

use super::wording::{entry_label, line_target};
use super::{CheckKind, Eval, KeyContext, ParamSpec, Params, Violation};
use crate::inventory::{FieldName, ParsedEntry};

/// The `min-prefix-v4` parameter.
pub const MIN_PREFIX_V4: ParamSpec = ParamSpec {
    name: "min-prefix-v4",
    default: 8,
    min: 0,
    max: 32,
    doc: "Shortest IPv4 prefix length allowed in a CIDR entry.",
};

/// The `min-prefix-v6` parameter.
pub const MIN_PREFIX_V6: ParamSpec = ParamSpec {
    name: "min-prefix-v6",
    default: 32,
    min: 0,
    max: 128,
    doc: "Shortest IPv6 prefix length allowed in a CIDR entry.",
};

pub static CHECK: CheckKind = CheckKind {
    name: "overbroad-ip-range",
    doc: DOC,
    params: &[MIN_PREFIX_V4, MIN_PREFIX_V6],
    needs: &[FieldName::AllowIps],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags each CIDR entry of `allow_ips` (read as the gateway reads it) whose prefix length is
shorter than `min-prefix-v4` (default 8) for IPv4 or `min-prefix-v6` (default 32) for IPv6.
`0.0.0.0/0` and `::/0` admit every address; `/1` to `/7` admit a large part of the internet.
A prefix exactly at the minimum is allowed, and single addresses never fire.

## Why it matters

An allowlist is only worth having if it excludes the places a leaked key would be used from.
A range this wide admits most of the internet, so the key is effectively unrestricted while
the list makes it look restricted (no KL301 finding).

## How to fix

Replace the range with the egress addresses or narrow ranges the key is really used from. In
the console: **API Keys → Edit → IP allowlist**. Through the management API, send the full key
record with the narrowed `allow_ips` to `PUT /api/token/`; include every field, since an update
that omits `expired_time` writes `0` and expires the key at once.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "allow_ips": "0.0.0.0/0" }
```

fires `KL305 overbroad-ip-range`; `"allow_ips": "203.0.113.0/24"` does not.
"#;

fn check(key: &KeyContext<'_>, params: &Params, out: &mut Vec<Violation>) {
    let min_v4 = params.get(&MIN_PREFIX_V4);
    let min_v6 = params.get(&MIN_PREFIX_V6);
    let ip = key.ip();
    if !ip.in_force() {
        return;
    }
    for entry in ip.enforced().map(|e| &e.entry) {
        let ParsedEntry::Cidr(net) = entry.parsed else {
            continue;
        };
        let (family, min) = match net {
            IpNet::V4(_) => ("IPv4", min_v4),
            IpNet::V6(_) => ("IPv6", min_v6),
        };
        let prefix = i64::from(net.prefix_len());
        if prefix >= min {
            continue;
        }
        let scope = if prefix == 0 {
            format!(", which admits every {family} address")
        } else {
            String::new()
        };
        out.push(Violation {
            message: format!(
                "{} `{}` is a /{prefix} range{scope}; the minimum {family} prefix is /{min}",
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
    use crate::checks::Target;
    use crate::checks::testkit::{evidence, numbers, run, run_with, with_allow_ips};

    #[test]
    fn fires_below_the_minimum_prefix() {
        let found = run(
            &CHECK,
            &with_allow_ips("8.8.8.8\n0.0.0.0/0\n::/0\n16.0.0.0/7"),
        );
        assert_eq!(evidence(&found), ["0.0.0.0/0", "::/0", "16.0.0.0/7"]);
        assert_eq!(
            found[0].target,
            Target::IpLine {
                field: FieldName::AllowIps,
                line: 1
            }
        );
        assert_eq!(
            found[0].message,
            "allow_ips entry `0.0.0.0/0` is a /0 range, which admits every IPv4 address; the \
             minimum IPv4 prefix is /8"
        );
        assert_eq!(
            found[2].message,
            "allow_ips entry `16.0.0.0/7` is a /7 range; the minimum IPv4 prefix is /8"
        );
    }

    #[test]
    fn the_minimum_itself_is_allowed() {
        assert!(run(&CHECK, &with_allow_ips("10.0.0.0/8\n2001:db8::/32")).is_empty());
        assert_eq!(run(&CHECK, &with_allow_ips("2001:da0::/31")).len(), 1);
        assert_eq!(run(&CHECK, &with_allow_ips("10.0.0.0/7")).len(), 1);
    }

    #[test]
    fn single_addresses_and_invalid_entries_never_fire() {
        assert!(run(&CHECK, &with_allow_ips("0.0.0.0\n::\nnot-an-ip/0")).is_empty());
    }

    #[test]
    fn honours_both_parameters() {
        let params = numbers(&[(&MIN_PREFIX_V4, 24), (&MIN_PREFIX_V6, 64)]);
        let record = with_allow_ips("10.0.0.0/23\n10.0.0.0/24\n2001:db8::/63\n2001:db8::/64");
        let found = run_with(&CHECK, &record, &params);
        assert_eq!(evidence(&found), ["10.0.0.0/23", "2001:db8::/63"]);
        let off = numbers(&[(&MIN_PREFIX_V4, 0), (&MIN_PREFIX_V6, 0)]);
        assert!(run_with(&CHECK, &with_allow_ips("0.0.0.0/0\n::/0"), &off).is_empty());
    }
}
