//! `duplicate-name` (KL505): two or more keys share a name (after trimming, ignoring case).
//! One violation per key of each such group; an inventory-wide check.

use std::borrow::Cow;
use std::fmt::Write;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Range;

use super::{CheckKind, Eval, KeyContext, Params, Target, Violation};
use crate::inventory::FieldName;

pub static CHECK: CheckKind = CheckKind {
    name: "duplicate-name",
    doc: DOC,
    params: &[],
    needs: &[FieldName::Name],
    eval: Eval::Inventory(check),
};

/// At most this many other key ids are listed in one message (a hostile inventory may hold
/// thousands of keys with one name).
const MAX_LISTED: usize = 5;

const DOC: &str = r#"## What it does

Groups the selected keys (by default every key, whatever its status) by name, trimmed and
compared case-insensitively, and flags each key of a group of two or more. Blank names are left
to KL507. Each finding lists the ids of the other keys with that name.

## Why it matters

The name is how people tell keys apart in the console, in waivers and in incident response.
With two `ci-deploy` keys, the one revoked after a leak may be the wrong one, and a waiver or
`[rule.when]` selector written for one silently covers the other.

## How to fix

Rename the keys so each name says who uses the key and where (`ci-deploy-prod`,
`ci-deploy-staging`), or delete the ones no longer needed (`DELETE /api/token/{id}`). In the
console: **API Keys → Edit → Name**. Through the management API, send the full key record with
the new `name` to `PUT /api/token/`; include every field, since an update that omits
`expired_time` writes `0` and expires the key at once.

## Example

```json
[ { "id": 1, "name": "ci-deploy", "status": 1 },
  { "id": 2, "name": " CI-Deploy", "status": 2 } ]
```

fires `KL505 duplicate-name` on both keys; names `ci-deploy` and `ci-deploy-old` do not.
"#;

/// A named key: its normalised name, with a hash of it first so that sorting compares the
/// names themselves only when the hashes are equal.
struct Named<'a> {
    hash: u64,
    name: Cow<'a, str>,
    index: usize,
    id: i64,
}

fn check(keys: &[&KeyContext<'_>], _params: &Params, out: &mut Vec<(usize, Violation)>) {
    // Sorted by (hash, name, index): equal names form runs, members of a run in index order.
    let mut named: Vec<Named<'_>> = Vec::with_capacity(keys.len());
    named.extend(keys.iter().enumerate().filter_map(|(index, key)| {
        let name = key.name().trim();
        if name.is_empty() {
            return None;
        }
        let name = normalise(name);
        let mut hasher = DefaultHasher::new();
        name.hash(&mut hasher);
        Some(Named {
            hash: hasher.finish(),
            name,
            index,
            id: key.record.id,
        })
    }));
    named.sort_unstable_by(|a, b| (a.hash, &a.name, a.index).cmp(&(b.hash, &b.name, b.index)));

    // Each key that shares its name, with the run of `named` holding its group.
    let mut shared: Vec<(usize, Range<usize>)> = Vec::new();
    let mut start = 0;
    while start < named.len() {
        let first = &named[start];
        let end = start
            + 1
            + named[start + 1..]
                .iter()
                .take_while(|n| n.hash == first.hash && n.name == first.name)
                .count();
        if end - start >= 2 {
            shared.extend(named[start..end].iter().map(|m| (m.index, start..end)));
        }
        start = end;
    }
    // In key order: the groups were found in name order.
    shared.sort_unstable_by_key(|(index, _)| *index);
    for (index, group) in shared {
        out.push((index, violation(keys, &named[group], index)));
    }
}

/// The finding of the key at `index`, whose name the other `members` share.
fn violation(keys: &[&KeyContext<'_>], members: &[Named<'_>], index: usize) -> Violation {
    let noun = if members.len() == 2 { "key" } else { "keys" };
    let written = keys[index].name().trim();
    let mut message = String::with_capacity(written.len() + 96);
    // Writing into a String cannot fail.
    let _ = write!(message, "the name {written:?} is also used by {noun} ");
    let mut listed = 0;
    for other in members.iter().filter(|m| m.index != index) {
        if listed == MAX_LISTED {
            break;
        }
        if listed > 0 {
            message.push_str(", ");
        }
        let _ = write!(message, "{}", other.id);
        listed += 1;
    }
    let more = members.len() - 1 - listed;
    if more > 0 {
        let _ = write!(message, " and {more} more");
    }
    Violation {
        message,
        target: Target::Field(FieldName::Name),
        evidence: members[0].name.to_string(),
    }
}

/// A trimmed name, lower-cased; borrowed when lower-casing changes nothing.
fn normalise(name: &str) -> Cow<'_, str> {
    if name
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(name.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{key, run_inventory};
    use crate::inventory::{Field, KeyRecord};

    fn named(id: i64, name: &str) -> KeyRecord {
        KeyRecord {
            id,
            name: Field::Present(name.to_owned()),
            ..key()
        }
    }

    #[test]
    fn names_equal_after_trimming_and_case_folding_collide() {
        let keys = [
            named(1, "ci-deploy"),
            named(2, "other"),
            named(3, " CI-Deploy\t"),
            named(4, "ci-deploy-old"),
        ];
        let found = run_inventory(&CHECK, &keys);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0, 0);
        assert_eq!(found[1].0, 2);
        for (_, v) in &found {
            assert_eq!(v.target, Target::Field(FieldName::Name));
            assert_eq!(v.evidence, "ci-deploy");
        }
        assert_eq!(
            found[0].1.message,
            "the name \"ci-deploy\" is also used by key 3"
        );
        assert_eq!(
            found[1].1.message,
            "the name \"CI-Deploy\" is also used by key 1"
        );
    }

    #[test]
    fn groups_of_three_list_the_others() {
        let keys = [named(10, "a"), named(11, "A"), named(12, "a ")];
        let found = run_inventory(&CHECK, &keys);
        assert_eq!(found.len(), 3);
        assert_eq!(
            found[1].1.message,
            "the name \"A\" is also used by keys 10, 12"
        );
    }

    #[test]
    fn blank_names_are_not_duplicates() {
        let keys = [named(1, ""), named(2, "  "), named(4, "\t")];
        assert!(run_inventory(&CHECK, &keys).is_empty());
    }

    #[test]
    fn unique_names_do_not_fire() {
        let keys = [named(1, "a"), named(2, "b"), named(3, "ab")];
        assert!(run_inventory(&CHECK, &keys).is_empty());
        assert!(run_inventory(&CHECK, &[]).is_empty());
    }

    #[test]
    fn large_groups_are_listed_briefly() {
        let keys: Vec<KeyRecord> = (0..1000).map(|id| named(id, "same")).collect();
        let found = run_inventory(&CHECK, &keys);
        assert_eq!(found.len(), 1000);
        assert_eq!(
            found[0].1.message,
            "the name \"same\" is also used by keys 1, 2, 3, 4, 5 and 994 more"
        );
    }
}
