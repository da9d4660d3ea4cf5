//! `non-public-ip-entry` (KL307): an `allow_ips` entry wholly inside a private, loopback,
//! link-local, CGNAT, unspecified or documentation range, which a gateway reached over the
//! internet never sees as a client address.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::wording::{entry_label, line_target};
use super::{CheckKind, Eval, KeyContext, Params, Violation};
use crate::inventory::FieldName;

pub static CHECK: CheckKind = CheckKind {
    name: "non-public-ip-entry",
    doc: DOC,
    params: &[],
    needs: &[FieldName::AllowIps],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Flags each `allow_ips` entry (a single address, or a CIDR read as its network) that lies wholly
inside a range that is not routed on the public internet:

| kind | ranges |
|---|---|
| private | `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, `fc00::/7` |
| loopback | `127.0.0.0/8`, `::1/128` |
| link-local | `169.254.0.0/16`, `fe80::/10` |
| CGNAT | `100.64.0.0/10` |
| unspecified | `0.0.0.0/8`, `::/128` |
| documentation | `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32` |

## Why it matters

A hosted gateway such as CometAPI sees the public egress address of your network (after NAT),
never an internal one, so such an entry admits nothing: requests from the host it was meant for
are refused. It is a note, not an error, because a self-hosted gateway on your own network can
legitimately see private addresses.

## How to fix

Replace the entry with the public egress address of the network the key is used from. In the
console: **API Keys → Edit → IP allowlist**. Through the management API, send the full key
record with the corrected `allow_ips` to `PUT /api/token/`; include every field, since an
update that omits `expired_time` writes `0` and expires the key at once.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1, "allow_ips": "10.1.2.3" }
```

fires `KL307 non-public-ip-entry` (private range); `"allow_ips": "8.8.8.8"` does not.
"#;

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), prefix)
}

const fn v6(first: u16, second: u16, last: u16, prefix: u8) -> Ipv6Net {
    Ipv6Net::new_assert(Ipv6Addr::new(first, second, 0, 0, 0, 0, 0, last), prefix)
}

/// The non-public IPv4 ranges, each with the kind named in messages. No two overlap.
const V4_RANGES: [(Ipv4Net, &str); 10] = [
    (v4(10, 0, 0, 0, 8), "private"),
    (v4(172, 16, 0, 0, 12), "private"),
    (v4(192, 168, 0, 0, 16), "private"),
    (v4(127, 0, 0, 0, 8), "loopback"),
    (v4(169, 254, 0, 0, 16), "link-local"),
    (v4(100, 64, 0, 0, 10), "CGNAT"),
    (v4(0, 0, 0, 0, 8), "unspecified"),
    (v4(192, 0, 2, 0, 24), "documentation"),
    (v4(198, 51, 100, 0, 24), "documentation"),
    (v4(203, 0, 113, 0, 24), "documentation"),
];

/// The non-public IPv6 ranges, likewise.
const V6_RANGES: [(Ipv6Net, &str); 5] = [
    (v6(0xfc00, 0, 0, 7), "private"),
    (v6(0, 0, 1, 128), "loopback"),
    (v6(0xfe80, 0, 0, 10), "link-local"),
    (v6(0, 0, 0, 128), "unspecified"),
    (v6(0x2001, 0xdb8, 0, 32), "documentation"),
];

/// The non-public range that holds all of `network`, with its kind. Each family is searched
/// only among its own ranges: this runs for every entry of every key.
fn non_public_range(network: IpNet) -> Option<(IpNet, &'static str)> {
    match network {
        IpNet::V4(net) => V4_RANGES
            .iter()
            .find(|(range, _)| range.contains(&net))
            .map(|(range, kind)| (IpNet::V4(*range), *kind)),
        IpNet::V6(net) => V6_RANGES
            .iter()
            .find(|(range, _)| range.contains(&net))
            .map(|(range, kind)| (IpNet::V6(*range), *kind)),
    }
}

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let ip = key.ip();
    if !ip.in_force() {
        return;
    }
    for entry in ip.enforced().map(|e| &e.entry) {
        let Some(network) = entry.parsed.network() else {
            continue;
        };
        let Some((range, kind)) = non_public_range(network) else {
            continue;
        };
        out.push(Violation {
            message: format!(
                "{} `{}` lies in the {kind} range {range}; a gateway reached over the internet \
                 sees your public egress address, so this entry admits nothing",
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

    use crate::checks::testkit::{evidence, run, with_allow_ips};

    #[test]
    fn names_the_kind_of_every_range() {
        let cases = [
            ("10.1.2.3", "private", "10.0.0.0/8"),
            ("172.31.255.255", "private", "172.16.0.0/12"),
            ("192.168.0.0/24", "private", "192.168.0.0/16"),
            ("fd00::1", "private", "fc00::/7"),
            ("127.0.0.1", "loopback", "127.0.0.0/8"),
            ("::1", "loopback", "::1/128"),
            ("169.254.169.254", "link-local", "169.254.0.0/16"),
            ("fe80::1/64", "link-local", "fe80::/10"),
            ("100.64.0.1", "CGNAT", "100.64.0.0/10"),
            ("0.0.0.0", "unspecified", "0.0.0.0/8"),
            ("::", "unspecified", "::/128"),
            ("192.0.2.10", "documentation", "192.0.2.0/24"),
            ("198.51.100.0/25", "documentation", "198.51.100.0/24"),
            ("203.0.113.7", "documentation", "203.0.113.0/24"),
            ("2001:db8::/48", "documentation", "2001:db8::/32"),
        ];
        for (entry, kind, range) in cases {
            let found = run(&CHECK, &with_allow_ips(entry));
            assert_eq!(found.len(), 1, "{entry}");
            assert_eq!(found[0].evidence, entry);
            assert_eq!(
                found[0].target,
                Target::IpLine {
                    field: FieldName::AllowIps,
                    line: 0
                }
            );
            assert!(
                found[0]
                    .message
                    .contains(&format!("lies in the {kind} range {range};")),
                "{}",
                found[0].message
            );
        }
    }

    #[test]
    fn public_and_straddling_entries_do_not_fire() {
        for raw in [
            "8.8.8.8",
            "172.32.0.1",
            "172.15.255.255",
            "100.128.0.0",
            "2001:4860::8888",
            "fe00::1",
            // wider than the private range, so not wholly inside it
            "10.0.0.0/7",
            "0.0.0.0/0",
            "::/0",
            "2001:db8::/31",
            "not-an-ip",
        ] {
            assert!(run(&CHECK, &with_allow_ips(raw)).is_empty(), "{raw}");
        }
    }

    #[test]
    fn host_bits_do_not_matter() {
        // `10.0.0.1/8` reads as `10.0.0.0/8`, wholly private.
        let found = run(&CHECK, &with_allow_ips("8.8.8.8\n10.0.0.1/8\n1.1.1.1"));
        assert_eq!(evidence(&found), ["10.0.0.1/8"]);
        assert_eq!(
            found[0].target,
            Target::IpLine {
                field: FieldName::AllowIps,
                line: 1
            }
        );
    }
}
