//! `redundant-ip-entry` (KL308): an `allow_ips` entry that repeats an earlier entry or lies
//! strictly inside another one.
//!
//! Lists come from the network and may be huge, so the check is O(n log n): entries are sorted
//! by (family, network address, prefix length, position) and swept once, keeping the current
//! top-level network. CIDR networks are either nested or disjoint, so in that order every entry
//! that some other entry covers is covered by the current top-level one, and of equal networks
//! the earliest comes first.

use ipnet::IpNet;

use super::wording::{entry_label, line_target, position};
use super::{CheckKind, Eval, KeyContext, Params, Violation};
use crate::inventory::{AllowEntry, FieldName};

pub static CHECK: CheckKind = CheckKind {
    name: "redundant-ip-entry",
    doc: DOC,
    params: &[],
    needs: &[FieldName::AllowIps],
    eval: Eval::PerKey(check),
};

const DOC: &str = r#"## What it does

Reads `allow_ips` as the gateway does and flags each valid entry that adds nothing: one whose
network (a single address counts as a /32 or /128; host bits are cleared) equals that of an
earlier entry, or lies strictly inside another entry's network, wherever that one is listed.
Each finding names the entry that covers it.

## Why it matters

Redundant entries are harmless to the gateway but not to reviewers: a list that says
`203.0.113.7` and `203.0.113.0/24` suggests that one host is admitted when 256 are. They also
tend to survive when the wider range is narrowed, silently keeping access open.

## How to fix

Remove the redundant entry, or narrow the covering one if it is wider than intended. In the
console: **API Keys → Edit → IP allowlist**. Through the management API, send the full key
record with the cleaned `allow_ips` to `PUT /api/token/`; include every field, since an update
that omits `expired_time` writes `0` and expires the key at once.

## Example

```json
{ "id": 1234, "name": "ci-deploy", "status": 1,
  "allow_ips": "203.0.113.7\n203.0.113.0/24\n8.8.8.8\n8.8.8.8" }
```

fires `KL308 redundant-ip-entry` twice: for `203.0.113.7` (inside `203.0.113.0/24`) and for the
second `8.8.8.8`. `"allow_ips": "203.0.113.0/24\n8.8.8.8"` does not.
"#;

fn check(key: &KeyContext<'_>, _params: &Params, out: &mut Vec<Violation>) {
    let ip = key.ip();
    if !ip.in_force() {
        return;
    }
    let entries: Vec<&AllowEntry<'_>> = ip.enforced().map(|e| &e.entry).collect();
    let mut networks: Vec<(IpNet, usize)> = entries
        .iter()
        .enumerate()
        .filter_map(|(index, entry)| entry.parsed.network().map(|net| (net, index)))
        .collect();
    networks.sort_unstable_by_key(|&(net, index)| sort_key(net, index));

    // (redundant entry, covering entry), by index in `entries`.
    let mut redundant = Vec::new();
    let mut cover: Option<(IpNet, usize)> = None;
    for (net, index) in networks {
        match cover {
            Some((outer, outer_index)) if outer.contains(&net) => {
                redundant.push((index, outer_index));
            }
            _ => cover = Some((net, index)),
        }
    }
    redundant.sort_unstable();

    for (index, outer_index) in redundant {
        let entry = &entries[index];
        let outer = &entries[outer_index];
        let relation = if entry.parsed.network() == outer.parsed.network() {
            "repeats"
        } else {
            "lies inside"
        };
        out.push(Violation {
            message: format!(
                "{} `{}` {relation} `{}` ({}), so it admits nothing more",
                entry_label(ip, entry.line),
                entry.text,
                outer.text,
                position(ip, outer.line)
            ),
            target: line_target(ip, entry.line),
            evidence: entry.text.to_string(),
        });
    }
}

/// Orders networks by family, then address, then prefix length (wider first), then position.
fn sort_key(net: IpNet, index: usize) -> (u8, u128, u8, usize) {
    match net {
        IpNet::V4(v4) => (4, u128::from(u32::from(v4.addr())), v4.prefix_len(), index),
        IpNet::V6(v6) => (6, u128::from(v6.addr()), v6.prefix_len(), index),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Target;
    use crate::checks::testkit::{evidence, run, with_allow_ips};

    #[test]
    fn the_doc_example() {
        let found = run(
            &CHECK,
            &with_allow_ips("203.0.113.7\n203.0.113.0/24\n8.8.8.8\n8.8.8.8"),
        );
        assert_eq!(evidence(&found), ["203.0.113.7", "8.8.8.8"]);
        assert_eq!(
            found[0].target,
            Target::IpLine {
                field: FieldName::AllowIps,
                line: 0
            }
        );
        assert_eq!(
            found[1].target,
            Target::IpLine {
                field: FieldName::AllowIps,
                line: 3
            }
        );
        assert_eq!(
            found[0].message,
            "allow_ips entry `203.0.113.7` lies inside `203.0.113.0/24` (line 2), so it admits \
             nothing more"
        );
        assert_eq!(
            found[1].message,
            "allow_ips entry `8.8.8.8` repeats `8.8.8.8` (line 3), so it admits nothing more"
        );
    }

    #[test]
    fn only_the_later_of_equal_entries_fires() {
        // Equal networks, written differently: the second one is redundant.
        let found = run(&CHECK, &with_allow_ips("10.0.0.0/24\n10.0.0.9/24"));
        assert_eq!(evidence(&found), ["10.0.0.9/24"]);
        let found = run(&CHECK, &with_allow_ips("10.0.0.9/24\n10.0.0.0/24"));
        assert_eq!(evidence(&found), ["10.0.0.0/24"]);
        // A single address equals its /32.
        let found = run(&CHECK, &with_allow_ips("1.2.3.4/32\n1.2.3.4"));
        assert_eq!(evidence(&found), ["1.2.3.4"]);
        let found = run(&CHECK, &with_allow_ips("a\n::1\n::1/128\n::1"));
        assert_eq!(evidence(&found), ["::1/128", "::1"]);
        assert!(
            found
                .iter()
                .all(|v| v.message.contains("repeats `::1` (line 2)"))
        );
    }

    #[test]
    fn containment_names_the_outermost_cover() {
        let found = run(
            &CHECK,
            &with_allow_ips("10.1.2.3\n10.1.0.0/16\n10.0.0.0/8\n11.0.0.0/8"),
        );
        assert_eq!(evidence(&found), ["10.1.2.3", "10.1.0.0/16"]);
        assert!(
            found
                .iter()
                .all(|v| v.message.contains("`10.0.0.0/8` (line 3)"))
        );
    }

    #[test]
    fn disjoint_and_adjacent_entries_do_not_fire() {
        for raw in [
            "10.0.0.0/25\n10.0.0.128/25",
            "1.2.3.4\n1.2.3.5",
            "10.0.0.0/8\n11.0.0.0/8",
            "0.0.0.0/0\n::/0",
            "::ffff:1.2.3.4\n1.2.3.4",
            "bad\nbad",
        ] {
            assert!(run(&CHECK, &with_allow_ips(raw)).is_empty(), "{raw:?}");
        }
    }

    #[test]
    fn families_do_not_cover_each_other() {
        let found = run(
            &CHECK,
            &with_allow_ips("0.0.0.0/0\n2001:db8::1\n::/0\n8.8.8.8"),
        );
        assert_eq!(evidence(&found), ["2001:db8::1", "8.8.8.8"]);
        assert!(found[0].message.contains("`::/0` (line 3)"));
        assert!(found[1].message.contains("`0.0.0.0/0` (line 1)"));
    }

    #[test]
    fn a_hostile_list_is_handled_in_n_log_n() {
        use std::fmt::Write;

        // 100,000 distinct host entries under one /8: quadratic work would not finish.
        let mut raw = String::from("10.0.0.0/8\n");
        for i in 0..100_000u32 {
            let [_, b, c, d] = (0x0a00_0000 | i).to_be_bytes();
            let _ = writeln!(raw, "10.{b}.{c}.{d}");
        }
        let found = run(&CHECK, &with_allow_ips(&raw));
        assert_eq!(found.len(), 100_000);
        assert_eq!(found[0].evidence, "10.0.0.0");
        assert_eq!(
            found[99_999].target,
            Target::IpLine {
                field: FieldName::AllowIps,
                line: 100_000
            }
        );
    }
}
