//! Redacted snapshots: what `keylint fetch` writes and `keylint check --input` reads back.
//!
//! # Wire format (version 1)
//!
//! ```json
//! {"format":"keylint-snapshot","version":1,"source":"https://api.cometapi.com",
//! "gateway":"new-api","fetched_at":"2026-11-26T12:00:00Z","pages":1,"total":2,"keys":[
//! {"id":2,"user_id":7,"key_sha256":"1f0a...","status":1,"name":"ci", ...},
//! {"id":1,"status":2,"allow_ips":null}
//! ]}
//! ```
//!
//! - `source` is the base URL fetched (or the input the inventory was read from); `fetched_at`
//!   (RFC 3339) and `pages` are written when known; `total` is the number of keys that follow
//!   (the reader refuses a snapshot without it, or whose keys disagree with it). `gateway` is
//!   the dialect the keys came from (SPEC §3a); a snapshot without it is read like a bare
//!   array, its dialect guessed from the records' fields.
//! - One key object per line, in inventory order (newest first for a fetch), fields in the
//!   order the API documents them, each under its API name.
//! - `key` is never written. `key_sha256` (the first 16 hex digits of the SHA-256 of the key)
//!   stands in for it, and is omitted when the record had no usable `key`.
//! - A field the record lacked is omitted; `allow_ips: null` is a value and is kept.
//! - A field the record held with the wrong JSON type is written as a placeholder *of that
//!   type*: `""` (string), `0` (integer), `false` (boolean), `[]` (array), `{}` (object),
//!   `0.5` (fractional number), `18446744073709551615` (integer out of range). The original
//!   value is not kept (the record never stores it); the placeholder makes the field read back
//!   as the same mistyped field, so `KL001` reports it the same way on the snapshot.
//!
//! [`crate::inventory::parse_inventory`] reads this format back into the same records.

use std::io::{self, BufWriter, Write};

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::inventory::{
    FieldName, FieldState, FieldValue, Inventory, JsonType, KEY_SHA256, KeyRecord, SNAPSHOT_FORMAT,
};

/// The snapshot format version this keylint writes.
pub const SNAPSHOT_VERSION: i64 = 1;

/// Writes `inventory` as a redacted snapshot (see the module documentation for the format).
pub fn write_snapshot(inventory: &Inventory, w: impl Write) -> io::Result<()> {
    let mut w = BufWriter::new(w);
    let p = &inventory.provenance;
    write!(w, "{{\"format\":")?;
    json(&mut w, SNAPSHOT_FORMAT)?;
    write!(w, ",\"version\":{SNAPSHOT_VERSION},\"source\":")?;
    json(&mut w, &p.source)?;
    write!(w, ",\"gateway\":")?;
    json(&mut w, p.gateway.name())?;
    if let Some(fetched_at) = &p.fetched_at {
        write!(w, ",\"fetched_at\":")?;
        json(&mut w, fetched_at)?;
    }
    if let Some(pages) = p.pages {
        write!(w, ",\"pages\":{pages}")?;
    }
    write!(w, ",\"total\":{},\"keys\":[", inventory.keys.len())?;
    for (i, key) in inventory.keys.iter().enumerate() {
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        json(&mut w, &SnapshotKey(key))?;
    }
    w.write_all(b"\n]}\n")?;
    w.flush()
}

fn json(w: &mut impl Write, value: &(impl Serialize + ?Sized)) -> io::Result<()> {
    serde_json::to_writer(w, value).map_err(io::Error::from)
}

/// One key record as a snapshot object.
struct SnapshotKey<'a>(&'a KeyRecord);

impl Serialize for SnapshotKey<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = self.0;
        let mut map = serializer.serialize_map(None)?;
        for field in FieldName::ALL {
            if field == FieldName::Key {
                if let Some(digest) = &record.key_sha256 {
                    map.serialize_entry(KEY_SHA256, digest)?;
                }
                continue;
            }
            match record.field(field) {
                FieldState::Present(value) => match value {
                    FieldValue::Integer(v) => map.serialize_entry(field.as_str(), &v)?,
                    FieldValue::Bool(v) => map.serialize_entry(field.as_str(), &v)?,
                    FieldValue::String(v) => map.serialize_entry(field.as_str(), v)?,
                    FieldValue::Null => map.serialize_entry(field.as_str(), &())?,
                    FieldValue::Setting(v) => map.serialize_entry(field.as_str(), v)?,
                },
                FieldState::Missing => {}
                FieldState::Mistyped(found) => {
                    map.serialize_entry(field.as_str(), &Placeholder(found))?;
                }
            }
        }
        map.end()
    }
}

/// A value of the JSON type named by a [`crate::inventory::Field::Mistyped`], which reads
/// back as the same type.
struct Placeholder(JsonType);

impl Serialize for Placeholder {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            JsonType::String => serializer.serialize_str(""),
            JsonType::Integer => serializer.serialize_i64(0),
            JsonType::Boolean => serializer.serialize_bool(false),
            JsonType::Object => serializer.serialize_map(Some(0))?.end(),
            JsonType::FractionalNumber => serializer.serialize_f64(0.5),
            JsonType::IntegerOutOfRange => serializer.serialize_u64(u64::MAX),
            JsonType::Array => serde::ser::SerializeSeq::end(serializer.serialize_seq(Some(0))?),
            // No field is mistyped as null: null reads as missing (or as a value).
            JsonType::Null => serializer.serialize_unit(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Field, KeyDigest, Provenance, key_sha256, parse_inventory};

    const FULL_KEY: &str = "sk-CANARYfull0123456789abcdefABCDEF0123456789abcd";

    /// A raw list-API page with a complete record, a sparse one and one with every field of
    /// the wrong type.
    fn raw_page() -> String {
        format!(
            r#"{{"success":true,"message":"","data":{{"page":1,"page_size":100,"total":3,"items":[
            {{"id":30,"user_id":7,"key":"{FULL_KEY}","status":1,"name":"ci\u001b[31m","created_time":1766102400,
              "accessed_time":1766102500,"expired_time":-1,"remain_quota":100000,"used_quota":5,
              "unlimited_quota":false,"model_limits_enabled":true,"model_limits":"gpt-4o, o3",
              "allow_ips":"10.0.0.1\n203.0.113.0/24","group":"default","cross_group_retry":false,"extra":[1]}},
            {{"id":20,"status":2,"allow_ips":null,"key":"sk-CANA**********wxyz","name":null}},
            {{"id":10,"user_id":"7","key":5,"status":"1","name":7,"created_time":1.5,
              "accessed_time":true,"expired_time":18446744073709551615,"remain_quota":[],
              "used_quota":{{}},"unlimited_quota":"no","model_limits_enabled":1,"model_limits":false,
              "allow_ips":3,"group":[],"cross_group_retry":{{}}}}
            ]}}}}"#
        )
    }

    fn snapshot_of(inventory: &Inventory) -> String {
        let mut out = Vec::new();
        write_snapshot(inventory, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn round_trips_every_field_state() {
        let original = parse_inventory(raw_page().as_bytes(), "page.json").unwrap();
        let text = snapshot_of(&original);
        let back = parse_inventory(text.as_bytes(), "snapshot.json").unwrap();
        assert_eq!(back.keys, original.keys);
        assert_eq!(back.provenance, original.provenance);

        let mistyped = &back.keys[2];
        assert_eq!(mistyped.status, Field::Mistyped(JsonType::String));
        assert_eq!(
            mistyped.created_time,
            Field::Mistyped(JsonType::FractionalNumber)
        );
        assert_eq!(
            mistyped.expired_time,
            Field::Mistyped(JsonType::IntegerOutOfRange)
        );
        assert_eq!(mistyped.remain_quota, Field::Mistyped(JsonType::Array));
        assert_eq!(mistyped.used_quota, Field::Mistyped(JsonType::Object));
        assert_eq!(mistyped.allow_ips, Field::Mistyped(JsonType::Integer));
        assert_eq!(mistyped.key_sha256, None);
        assert_eq!(back.keys[1].allow_ips, Field::Present(None));
        assert_eq!(back.keys[1].name, Field::Missing);
    }

    #[test]
    fn never_writes_a_key_value() {
        let original = parse_inventory(raw_page().as_bytes(), "page.json").unwrap();
        let text = snapshot_of(&original);
        assert!(!text.contains("CANA"), "{text}");
        assert!(!text.contains("\"key\""), "{text}");
        assert!(text.contains(&format!("\"key_sha256\":\"{}\"", key_sha256(FULL_KEY))));
    }

    #[test]
    fn wire_format() {
        let inventory = Inventory {
            provenance: Provenance {
                source: "https://api.cometapi.com".into(),
                pages: Some(1),
                fetched_at: Some("2026-11-26T12:00:00Z".into()),
                gateway: crate::inventory::Dialect::NewApi,
                gateway_named: true,
                cidr_allowlists: crate::inventory::CidrSupport::Auto,
            },
            keys: vec![
                KeyRecord {
                    id: 2,
                    key_sha256: Some(key_sha256("sk-x")),
                    status: Field::Present(1),
                    name: Field::Present("ci \"deploy\"".into()),
                    allow_ips: Field::Present(None),
                    ..KeyRecord::default()
                },
                KeyRecord {
                    id: 1,
                    ..KeyRecord::default()
                },
            ],
        };
        let expected = format!(
            "{{\"format\":\"keylint-snapshot\",\"version\":1,\"source\":\"https://api.cometapi.com\",\
             \"gateway\":\"new-api\",\"fetched_at\":\"2026-11-26T12:00:00Z\",\"pages\":1,\"total\":2,\"keys\":[\n\
             {{\"id\":2,\"key_sha256\":\"{}\",\"status\":1,\"name\":\"ci \\\"deploy\\\"\",\"allow_ips\":null}},\n\
             {{\"id\":1}}\n]}}\n",
            key_sha256("sk-x")
        );
        assert_eq!(snapshot_of(&inventory), expected);
        let back = parse_inventory(expected.as_bytes(), "-").unwrap();
        assert_eq!(back, inventory);
    }

    #[test]
    fn empty_inventory_round_trips() {
        let inventory = Inventory {
            provenance: Provenance {
                source: "http://127.0.0.1:4010".into(),
                pages: Some(1),
                fetched_at: None,
                gateway: crate::inventory::Dialect::NewApi,
                gateway_named: true,
                cidr_allowlists: crate::inventory::CidrSupport::Auto,
            },
            keys: vec![],
        };
        let text = snapshot_of(&inventory);
        assert_eq!(parse_inventory(text.as_bytes(), "-").unwrap(), inventory);
    }

    #[test]
    fn stored_digests_must_look_like_digests() {
        let doc = r#"{"format":"keylint-snapshot","version":1,"total":3,"keys":[
            {"id":1,"key_sha256":"0123456789abcdef"},
            {"id":2,"key_sha256":"sk-CANARY-not-a-digest"},
            {"id":3,"key_sha256":"0123456789abcdef","key":"sk-real"}]}"#;
        let inv = parse_inventory(doc.as_bytes(), "-").unwrap();
        assert_eq!(
            inv.keys[0].key_sha256.as_ref().map(KeyDigest::as_str),
            Some("0123456789abcdef")
        );
        assert_eq!(inv.keys[1].key_sha256, None);
        assert_eq!(inv.keys[2].key_sha256, Some(key_sha256("sk-real")));
    }
}
