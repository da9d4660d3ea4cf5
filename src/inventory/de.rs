//! The tolerant single-pass deserialisation of key records: every known field is read by a
//! visitor that accepts any JSON value and records a wrong type instead of failing, so one odd
//! record never hides the others and no intermediate `serde_json::Value` tree is built. An
//! array holds at most 512 MiB of records, whatever the size of the document.
//!
//! The `key` field is a secret: it is hashed straight from the input buffer into
//! [`KeyRecord::key_sha256`] and never stored.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::record::{
    Field, FieldName, HubSetting, JsonType, KEY_SHA256, KeyDigest, KeyRecord, key_sha256,
    with_record_fields,
};

/// Messages of our own that are safe to show (they quote no document value).
pub(super) const OWN_MESSAGES: [&str; 3] = [EXPECTED_KEY_OBJECT, EXPECTED_KEY_ARRAY, TOO_MANY_KEYS];
const EXPECTED_KEY_OBJECT: &str = "a key record is not a JSON object";
pub(super) const EXPECTED_KEY_ARRAY: &str = "expected an array of key objects";
const TOO_MANY_KEYS: &str = "more key records than keylint holds (512 MiB of records)";

/// The most records one array may hold: 512 MiB of them. A record takes a few hundred bytes
/// in memory but as little as ten in a document, so the input caps alone do not bound it.
const MAX_KEYS: usize = 512 * 1024 * 1024 / std::mem::size_of::<KeyRecord>();

/// How a value is stored into a field of a kind (see [`with_record_fields!`]).
macro_rules! read_into {
    // The id and the key are read by the record visitor itself.
    (Id, $slot:expr, $value:expr) => {{}};
    (KeyDigest, $slot:expr, $value:expr) => {{}};
    (Integer, $slot:expr, $value:expr) => {
        $slot = $value.integer()
    };
    (Boolean, $slot:expr, $value:expr) => {
        $slot = $value.boolean()
    };
    (Text, $slot:expr, $value:expr) => {
        $slot = $value.string()
    };
    (NullableText, $slot:expr, $value:expr) => {
        $slot = $value.nullable_string()
    };
    // one-hub's `setting` is an object, read by the record visitor itself.
    (Setting, $slot:expr, $value:expr) => {{}};
}

macro_rules! define_reader {
    ($( $(#[$doc:meta])* $variant:ident $member:ident: $kind:ident = $name:literal; )*) => {
        /// Stores a field's value; `id` and `key` are the record visitor's own.
        fn read_field(record: &mut KeyRecord, field: FieldName, value: Scalar) {
            match field {
                $(FieldName::$variant => read_into!($kind, record.$member, value),)*
            }
        }
    };
}

with_record_fields!(define_reader);

/// An array of key records. A record without an integer `id` keeps 0 there; the first such
/// record is remembered, to be reported once the document's shape is known.
pub(super) struct Records {
    pub(super) keys: Vec<KeyRecord>,
    /// The index of the first record without an integer id, and what it had instead.
    pub(super) first_bad_id: Option<(usize, &'static str)>,
}

impl Records {
    /// No records (an empty or `null` page).
    pub(super) fn empty() -> Records {
        Records {
            keys: Vec::new(),
            first_bad_id: None,
        }
    }
}

impl<'de> Deserialize<'de> for Records {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RecordsVisitor::new())
    }
}

/// Reads an array of at most `max_keys` records; anything else is refused with
/// [`EXPECTED_KEY_ARRAY`], more records with [`TOO_MANY_KEYS`].
pub(super) struct RecordsVisitor {
    max_keys: usize,
}

impl RecordsVisitor {
    pub(super) fn new() -> RecordsVisitor {
        RecordsVisitor { max_keys: MAX_KEYS }
    }
}

impl<'de> Visitor<'de> for RecordsVisitor {
    type Value = Records;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(EXPECTED_KEY_ARRAY)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut keys = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        let mut first_bad_id = None;
        while let Some((id, uuid)) = seq.next_element_seed(RecordSeed { keys: &mut keys })? {
            let index = keys.len() - 1;
            if index == self.max_keys {
                return Err(de::Error::custom(TOO_MANY_KEYS));
            }
            match id {
                Field::Present(id) => keys[index].id = id,
                Field::Missing => {
                    first_bad_id.get_or_insert((index, if uuid { UUID_ONLY } else { "missing" }));
                }
                Field::Mistyped(found) => {
                    first_bad_id.get_or_insert((index, found.as_str()));
                }
            }
        }
        Ok(Records { keys, first_bad_id })
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom(EXPECTED_KEY_ARRAY))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(E::custom(EXPECTED_KEY_ARRAY))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(E::custom(EXPECTED_KEY_ARRAY))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(E::custom(EXPECTED_KEY_ARRAY))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(E::custom(EXPECTED_KEY_ARRAY))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(E::custom(EXPECTED_KEY_ARRAY))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(E::custom(EXPECTED_KEY_ARRAY))
    }
}

/// What a record without an integer `id` had instead when it carried a `uuid`: one-api-laisky
/// since 2026-07 identifies keys only by `uuid`.
pub(super) const UUID_ONLY: &str = "only a `uuid`";

/// Reads the next record of an array straight into a new last element of `keys` (records are
/// a few hundred bytes: not moving them through the parser's return values saves copies), and
/// returns its `id` for the caller to check, and whether it carried a `uuid`.
struct RecordSeed<'k> {
    keys: &'k mut Vec<KeyRecord>,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = (Field<i64>, bool);
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.keys.push(KeyRecord::default());
        let record = self.keys.last_mut().expect("just pushed");
        deserializer.deserialize_any(RecordVisitor { record })
    }
}

/// Fills one record from a JSON object.
struct RecordVisitor<'r> {
    record: &'r mut KeyRecord,
}

impl<'de> Visitor<'de> for RecordVisitor<'_> {
    type Value = (Field<i64>, bool);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(EXPECTED_KEY_OBJECT)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id = Field::Missing;
        let mut uuid = false;
        let record = self.record;
        let mut stored_digest = None;
        while let Some(name) = map.next_key::<FieldKey>()? {
            match name {
                FieldKey::Field(FieldName::Key) => {
                    record.key_sha256 = map.next_value::<KeyValue>()?.0;
                }
                FieldKey::Field(FieldName::Id) => id = map.next_value::<Scalar>()?.integer(),
                FieldKey::Field(FieldName::Setting) => {
                    record.setting = read_setting(&map.next_value::<serde_json::Value>()?);
                }
                FieldKey::Field(field) => read_field(record, field, map.next_value()?),
                FieldKey::KeySha256 => {
                    stored_digest = map.next_value::<Scalar>()?.stored_digest();
                }
                FieldKey::Uuid => {
                    uuid = true;
                    map.next_value::<IgnoredAny>()?;
                }
                FieldKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // A `key` wins over a stored digest: it is the value the digest stands for.
        if record.key_sha256.is_none() {
            record.key_sha256 = stored_digest;
        }
        Ok((id, uuid))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom(EXPECTED_KEY_OBJECT))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(E::custom(EXPECTED_KEY_OBJECT))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(E::custom(EXPECTED_KEY_OBJECT))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(E::custom(EXPECTED_KEY_OBJECT))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(E::custom(EXPECTED_KEY_OBJECT))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(E::custom(EXPECTED_KEY_OBJECT))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(E::custom(EXPECTED_KEY_OBJECT))
    }
}

/// one-hub's `setting`: `null` reads as missing, anything but an object with the expected
/// members as mistyped.
fn read_setting(value: &serde_json::Value) -> Field<Box<HubSetting>> {
    if value.is_null() {
        return Field::Missing;
    }
    match HubSetting::from_json(value) {
        Ok(setting) => Field::Present(Box::new(setting)),
        Err(found) => Field::Mistyped(found),
    }
}

/// A record property name: a known field, a snapshot's `key_sha256`, one-api-laisky's `uuid`,
/// or one to ignore.
enum FieldKey {
    Field(FieldName),
    KeySha256,
    Uuid,
    Other,
}

impl FieldKey {
    fn from_name(name: &str) -> FieldKey {
        match FieldName::from_name(name) {
            Some(field) => FieldKey::Field(field),
            None if name == KEY_SHA256 => FieldKey::KeySha256,
            None if name == "uuid" => FieldKey::Uuid,
            None => FieldKey::Other,
        }
    }
}

impl<'de> Deserialize<'de> for FieldKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = FieldKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a property name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FieldKey, E> {
                Ok(FieldKey::from_name(v))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<FieldKey, E> {
                Ok(FieldKey::from_name(v))
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// Any JSON value, keeping only what a record field can use.
pub(super) enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Other(JsonType),
}

impl Scalar {
    fn json_type(&self) -> JsonType {
        match self {
            Scalar::Null => JsonType::Null,
            Scalar::Bool(_) => JsonType::Boolean,
            Scalar::Int(_) => JsonType::Integer,
            Scalar::Str(_) => JsonType::String,
            Scalar::Other(t) => *t,
        }
    }
    fn integer(self) -> Field<i64> {
        match self {
            Scalar::Int(v) => Field::Present(v),
            Scalar::Null => Field::Missing,
            other => Field::Mistyped(other.json_type()),
        }
    }
    fn boolean(self) -> Field<bool> {
        match self {
            Scalar::Bool(v) => Field::Present(v),
            Scalar::Null => Field::Missing,
            other => Field::Mistyped(other.json_type()),
        }
    }
    fn string(self) -> Field<String> {
        match self {
            Scalar::Str(v) => Field::Present(v),
            Scalar::Null => Field::Missing,
            other => Field::Mistyped(other.json_type()),
        }
    }
    fn nullable_string(self) -> Field<Option<String>> {
        match self {
            Scalar::Str(v) => Field::Present(Some(v)),
            Scalar::Null => Field::Present(None),
            other => Field::Mistyped(other.json_type()),
        }
    }

    /// A snapshot's `key_sha256`: kept only when it has the shape keylint writes (16 lowercase
    /// hex digits), so a hand-edited file cannot smuggle another value into reports.
    fn stored_digest(self) -> Option<KeyDigest> {
        match self {
            Scalar::Str(v) => KeyDigest::parse(&v),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(i64::try_from(v)
                    .map(Scalar::Int)
                    .unwrap_or(Scalar::Other(JsonType::IntegerOutOfRange)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                // serde_json reads `-0`, a JSON integer, as the float -0.0 (so `-0.0` reads
                // the same way): zero, not a fraction.
                Ok(if v == 0.0 && v.is_sign_negative() {
                    Scalar::Int(0)
                } else {
                    Scalar::Other(JsonType::FractionalNumber)
                })
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other(JsonType::Array))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other(JsonType::Object))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// A `key` value, hashed straight from the input buffer and never stored.
struct KeyValue(Option<KeyDigest>);

impl<'de> Deserialize<'de> for KeyValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DigestVisitor;
        impl<'de> Visitor<'de> for DigestVisitor {
            type Value = KeyValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyValue, E> {
                Ok(KeyValue((!v.is_empty()).then(|| key_sha256(v))))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<KeyValue, E> {
                Ok(KeyValue((!v.is_empty()).then(|| key_sha256(v))))
            }
            // Anything but a string reads as no key.
            fn visit_unit<E>(self) -> Result<KeyValue, E> {
                Ok(KeyValue(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<KeyValue, E> {
                Ok(KeyValue(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<KeyValue, E> {
                Ok(KeyValue(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<KeyValue, E> {
                Ok(KeyValue(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<KeyValue, E> {
                Ok(KeyValue(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeyValue, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(KeyValue(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyValue, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(KeyValue(None))
            }
        }
        deserializer.deserialize_any(DigestVisitor)
    }
}

/// A document-level value read with the record's tolerance: wrong types become `None`.
pub(super) struct Lenient<T>(Option<T>);

impl<T> Lenient<T> {
    pub(super) fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }
    pub(super) fn into_inner(self) -> Option<T> {
        self.0
    }
}

impl<'de> Deserialize<'de> for Lenient<String> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Lenient(match Scalar::deserialize(d)? {
            Scalar::Str(s) => Some(s),
            _ => None,
        }))
    }
}

impl<'de> Deserialize<'de> for Lenient<i64> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Lenient(Scalar::deserialize(d)?.integer().value()))
    }
}

impl<'de> Deserialize<'de> for Lenient<bool> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Lenient(Scalar::deserialize(d)?.boolean().value()))
    }
}

/// Reads a lenient optional integer (`#[serde(deserialize_with)]`).
pub(super) fn lenient_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Lenient::<i64>::deserialize(d)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_array_holds_at_most_max_keys_records() {
        let read = |json: &str| {
            let mut deserializer = serde_json::Deserializer::from_str(json);
            deserializer
                .deserialize_any(RecordsVisitor { max_keys: 2 })
                .map(|records| records.keys.len())
                .map_err(|e| e.to_string())
        };
        assert_eq!(read(r#"[{"id":1},{"id":2}]"#), Ok(2));
        let error = read(r#"[{"id":1},{"id":2},{"id":3}]"#).unwrap_err();
        assert!(error.starts_with(TOO_MANY_KEYS), "{error}");
    }
}
