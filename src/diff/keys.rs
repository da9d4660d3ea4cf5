//! Keys matched by id across the two sides: added (only in NEW), removed (only in OLD) and
//! changed (in both, with at least one field that differs). Every record field of
//! [`FieldName::ALL`] is compared as the record holds it (present with a value, missing, or of
//! the wrong JSON type). The secret `key` is compared through its digest only and reported as
//! [`Change::KeyRegenerated`] (or as having appeared or gone): no part of either digest is ever
//! part of a change.

use std::collections::HashMap;

use crate::inventory::{FieldName, FieldState, KeyRecord};

/// What changed in one field of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<'a> {
    /// A field other than `key`, with its state on each side.
    Field {
        field: FieldName,
        old: FieldState<'a>,
        new: FieldState<'a>,
    },
    /// Both sides have a key value and the digests differ: the key was regenerated.
    KeyRegenerated,
    /// The key value is readable on one side only (`old`/`new`: whether each side has one).
    KeyPresence { old: bool, new: bool },
}

impl Change<'_> {
    /// The record field the change is about.
    pub fn field(&self) -> FieldName {
        match self {
            Change::Field { field, .. } => *field,
            Change::KeyRegenerated | Change::KeyPresence { .. } => FieldName::Key,
        }
    }
}

/// A key in both sides whose record differs.
pub struct ChangedKey<'a> {
    pub old: &'a KeyRecord,
    pub new: &'a KeyRecord,
    /// In the order of [`FieldName::ALL`]; never empty.
    pub changes: Vec<Change<'a>>,
}

/// The keys added, removed and changed.
pub struct KeyChanges<'a> {
    /// In NEW's order.
    pub added: Vec<&'a KeyRecord>,
    /// In OLD's order.
    pub removed: Vec<&'a KeyRecord>,
    /// In NEW's order.
    pub changed: Vec<ChangedKey<'a>>,
}

impl<'a> KeyChanges<'a> {
    /// Matches the keys of the two sides by id (ids are unique within an inventory).
    pub fn between(old: &'a [KeyRecord], new: &'a [KeyRecord]) -> KeyChanges<'a> {
        let old_by_id: HashMap<i64, &KeyRecord> = old.iter().map(|k| (k.id, k)).collect();
        let new_by_id: HashMap<i64, &KeyRecord> = new.iter().map(|k| (k.id, k)).collect();
        let mut added = Vec::new();
        let mut changed = Vec::new();
        for record in new {
            match old_by_id.get(&record.id) {
                None => added.push(record),
                Some(before) => {
                    let changes = changes(before, record);
                    if !changes.is_empty() {
                        changed.push(ChangedKey {
                            old: before,
                            new: record,
                            changes,
                        });
                    }
                }
            }
        }
        let removed = old
            .iter()
            .filter(|k| !new_by_id.contains_key(&k.id))
            .collect();
        KeyChanges {
            added,
            removed,
            changed,
        }
    }

    /// Whether no key was added, removed or changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Every field that differs between two records of one key.
fn changes<'a>(old: &'a KeyRecord, new: &'a KeyRecord) -> Vec<Change<'a>> {
    let mut changes = Vec::new();
    for field in FieldName::ALL {
        if field == FieldName::Key {
            match (&old.key_sha256, &new.key_sha256) {
                (Some(a), Some(b)) if a != b => changes.push(Change::KeyRegenerated),
                (a, b) if a.is_some() != b.is_some() => changes.push(Change::KeyPresence {
                    old: a.is_some(),
                    new: b.is_some(),
                }),
                _ => {}
            }
            continue;
        }
        let (before, after) = (old.field(field), new.field(field));
        if before != after {
            changes.push(Change::Field {
                field,
                old: before,
                new: after,
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::key;
    use crate::inventory::{Field, key_sha256};

    fn record(id: i64, name: &str) -> KeyRecord {
        let mut record = key();
        record.id = id;
        record.name = Field::Present(name.into());
        record
    }

    #[test]
    fn keys_are_matched_by_id() {
        let old = [record(1, "a"), record(2, "b")];
        let new = [record(3, "c"), record(2, "renamed")];
        let changes = KeyChanges::between(&old, &new);
        assert_eq!(changes.added.iter().map(|k| k.id).collect::<Vec<_>>(), [3]);
        assert_eq!(
            changes.removed.iter().map(|k| k.id).collect::<Vec<_>>(),
            [1]
        );
        assert_eq!(changes.changed.len(), 1);
        assert_eq!(
            changes.changed[0].changes,
            [Change::Field {
                field: FieldName::Name,
                old: FieldState::Present(crate::inventory::FieldValue::String("b")),
                new: FieldState::Present(crate::inventory::FieldValue::String("renamed")),
            }]
        );
    }

    #[test]
    fn a_new_digest_is_a_regenerated_key() {
        let mut old = record(1, "a");
        let mut new = old.clone();
        old.key_sha256 = Some(key_sha256("sk-one"));
        new.key_sha256 = Some(key_sha256("sk-two"));
        assert_eq!(changes(&old, &new), [Change::KeyRegenerated]);
        new.key_sha256 = None;
        assert_eq!(
            changes(&old, &new),
            [Change::KeyPresence {
                old: true,
                new: false
            }]
        );
        assert!(changes(&old, &old.clone()).is_empty());
    }
}
