//! The input forms of `check --input`: a keylint snapshot, a raw list-API response body, or a
//! JSON array of key objects; and the checks every inventory passes: a snapshot or response
//! holds exactly the keys its total announces (an array has no total), an integer `id` on every
//! record, no id twice. Errors never quote a document value.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::SNAPSHOT_FORMAT;
use super::de::{EXPECTED_KEY_ARRAY, Lenient, OWN_MESSAGES, Records, RecordsVisitor, UUID_ONLY};
use super::dialect::{CidrSupport, Dialect, Shape};
use super::envelope::{Envelope, PageData, present};
use super::record::KeyRecord;

/// Where an inventory came from and how it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The base URL fetched, or the input path (`-` for stdin).
    pub source: String,
    /// Pages fetched, when the inventory came from the API (now or in a snapshot).
    pub pages: Option<u64>,
    /// When the keys were fetched (RFC 3339), when known.
    pub fetched_at: Option<String>,
    /// The dialect of the gateway the keys came from.
    pub gateway: Dialect,
    /// Whether the document named the dialect (a snapshot, a response whose shape names it)
    /// or keylint guessed it from the records' fields.
    #[serde(skip)]
    pub gateway_named: bool,
    /// Whether a new-api gateway honours CIDR allowlists (`--cidr-allowlists`).
    #[serde(skip)]
    pub cidr_allowlists: CidrSupport,
}

/// Every key of the account, read completely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    pub provenance: Provenance,
    pub keys: Vec<KeyRecord>,
}

/// Why an inventory document could not be read. Messages never quote document values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    #[error("{what} at line {line}, column {column}")]
    Json {
        what: String,
        line: usize,
        column: usize,
    },
    #[error(
        "the document is {found}; expected a keylint snapshot, a list-API response or an array of key objects"
    )]
    UnknownShape { found: &'static str },
    #[error("the list-API response says success is false (server message: \"{message}\")")]
    ApiFailure { message: String },
    #[error("the list-API response has no `data.items` array (nor the `data` of another dialect)")]
    NoItems,
    #[error("key record #{index} (0-based) has no integer `id` ({found})")]
    BadId { index: usize, found: &'static str },
    /// one-api-laisky since 2026-07: records carry only a `uuid`.
    #[error(
        "key record #{index} (0-based) has a `uuid` but no integer `id`: this gateway \
         (one-api-laisky since 2026-07) identifies keys by uuid only, and keylint refuses to \
         evaluate keys under invented ids (waivers, baselines, fingerprints and the \
         completeness checks all rest on the integer id)"
    )]
    UuidOnly { index: usize },
    /// A `--gateway` pin that the document's own dialect contradicts.
    #[error(
        "the input is {found} but --gateway pins {pinned}; drop --gateway or name the dialect \
         the input came from"
    )]
    GatewayMismatch { found: Dialect, pinned: Dialect },
    #[error(
        "the snapshot's `gateway` names no dialect keylint knows (new-api, new-api-legacy, \
         one-api, one-hub, one-api-laisky)"
    )]
    UnknownGateway,
    #[error("key id {id} appears more than once")]
    DuplicateId { id: i64 },
    #[error("the input is larger than {limit_mib} MiB")]
    TooLarge { limit_mib: u64 },
    #[error("unsupported snapshot version {version} (this keylint reads version 1)")]
    SnapshotVersion { version: i64 },
    /// A snapshot or list-API response whose total disagrees with the keys it holds (one page
    /// of several, or a file cut short): evaluating it would pass the keys it lacks.
    #[error(
        "{form} says the account has {total} keys but holds {count}: it is not the whole \
         inventory (to check a deliberate subset, give its keys as a JSON array of key objects)"
    )]
    Partial {
        form: &'static str,
        total: i64,
        count: usize,
    },
    /// A snapshot or list-API response without an integer total: completeness cannot be shown.
    #[error("{form} has no integer `{field}`, so it cannot be shown to hold the whole inventory")]
    NoTotal {
        form: &'static str,
        field: &'static str,
    },
}

/// The UTF-8 byte order mark some editors put at the start of a file.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses an inventory document in any of the three accepted forms (a leading UTF-8 byte
/// order mark is skipped). A snapshot or list-API response must hold exactly the keys its total
/// announces; an array of key objects has no total and is read as given.
pub fn parse_inventory(bytes: &[u8], source: &str) -> Result<Inventory, InventoryError> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let document: Document = from_json(bytes).map_err(json_error)?;
    let parts = match document {
        Document::Array(keys) => Parts {
            keys,
            pages: None,
            fetched_at: None,
            source: source.to_owned(),
            gateway: None,
        },
        Document::Object(object) => object.into_parts(source)?,
    };
    let keys = validate_ids(parts.keys)?;
    let (gateway, gateway_named) = match parts.gateway {
        Some(d) => (d, true),
        None => (Dialect::of_records(&keys), false),
    };
    Ok(Inventory {
        provenance: Provenance {
            source: parts.source,
            pages: parts.pages,
            fetched_at: parts.fetched_at,
            gateway,
            gateway_named,
            cidr_allowlists: CidrSupport::Auto,
        },
        keys,
    })
}

impl Inventory {
    /// Applies a `--gateway` pin: it names the dialect of an input that does not say its own,
    /// and must agree with one that does.
    pub fn pin_gateway(mut self, pinned: Option<Dialect>) -> Result<Inventory, InventoryError> {
        let Some(pinned) = pinned else {
            return Ok(self);
        };
        let found = self.provenance.gateway;
        if self.provenance.gateway_named && found != pinned {
            return Err(InventoryError::GatewayMismatch { found, pinned });
        }
        self.provenance.gateway = pinned;
        self.provenance.gateway_named = true;
        Ok(self)
    }
}

/// What an input document holds besides its records' ids.
struct Parts {
    keys: Records,
    pages: Option<u64>,
    fetched_at: Option<String>,
    source: String,
    /// The dialect the document names, if it names one.
    gateway: Option<Dialect>,
}

/// Deserializes a JSON document. A document that is valid UTF-8 (the usual case) is checked
/// once as a whole instead of string by string; one that is not goes through the byte parser,
/// which reports where.
pub(super) fn from_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

pub(super) fn validate_ids(records: Records) -> Result<Vec<KeyRecord>, InventoryError> {
    let Records { keys, first_bad_id } = records;
    // The first problem in document order wins: a repeated id before the first record
    // without one, or that record.
    let valid = first_bad_id.map_or(keys.len(), |(index, _)| index);
    if let Some(id) = first_repeated_id(&keys[..valid]) {
        return Err(InventoryError::DuplicateId { id });
    }
    if let Some((index, found)) = first_bad_id {
        if found == UUID_ONLY {
            return Err(InventoryError::UuidOnly { index });
        }
        return Err(InventoryError::BadId { index, found });
    }
    Ok(keys)
}

/// The id of the first record, in order, whose id an earlier record already has.
fn first_repeated_id(keys: &[KeyRecord]) -> Option<i64> {
    // Whether any id repeats, by sorting a copy of the ids: the list API returns keys ordered
    // by id, so this is close to linear and much cheaper than hashing every id.
    let mut ids: Vec<i64> = keys.iter().map(|k| k.id).collect();
    ids.sort_unstable();
    if ids.windows(2).all(|w| w[0] != w[1]) {
        return None;
    }
    let mut seen = HashSet::with_capacity(keys.len());
    keys.iter().map(|k| k.id).find(|id| !seen.insert(*id))
}

/// Turns a serde_json error into one that quotes nothing from the document: serde's own
/// messages can embed string values (a key, in a hostile document).
pub(super) fn json_error(err: serde_json::Error) -> InventoryError {
    use serde_json::error::Category;
    let what = match err.classify() {
        Category::Io => "the input could not be read".to_owned(),
        Category::Syntax => "invalid JSON".to_owned(),
        Category::Eof => "the JSON ends early (truncated?)".to_owned(),
        Category::Data => {
            let full = err.to_string();
            OWN_MESSAGES
                .iter()
                .find(|own| full.starts_with(**own))
                .map(|own| (*own).to_owned())
                .unwrap_or_else(|| "unexpected JSON structure".to_owned())
        }
    };
    InventoryError::Json {
        what,
        line: err.line(),
        column: err.column(),
    }
}

/// The top of an inventory document: an array of records or an object (snapshot / response).
enum Document {
    Array(Records),
    Object(Box<ObjectDocument>),
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DocumentVisitor;
        impl<'de> Visitor<'de> for DocumentVisitor {
            type Value = Document;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object or array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Document, A::Error> {
                RecordsVisitor::new().visit_seq(seq).map(Document::Array)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Document, A::Error> {
                ObjectDocument::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|o| Document::Object(Box::new(o)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Document, E> {
                Err(E::custom(EXPECTED_KEY_ARRAY))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Document, E> {
                Err(E::custom(EXPECTED_KEY_ARRAY))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Document, E> {
                Err(E::custom(EXPECTED_KEY_ARRAY))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Document, E> {
                Err(E::custom(EXPECTED_KEY_ARRAY))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Document, E> {
                Err(E::custom(EXPECTED_KEY_ARRAY))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Document, E> {
                Err(E::custom(EXPECTED_KEY_ARRAY))
            }
        }
        deserializer.deserialize_any(DocumentVisitor)
    }
}

/// The fields of a snapshot and of a list-API response; unknown fields are ignored.
#[derive(Deserialize)]
struct ObjectDocument {
    // keylint snapshot
    format: Option<Lenient<String>>,
    version: Option<Lenient<i64>>,
    source: Option<Lenient<String>>,
    fetched_at: Option<Lenient<String>>,
    pages: Option<Lenient<i64>>,
    /// The snapshot's total, and one-api-laisky's top-level total in a response.
    total: Option<Lenient<i64>>,
    keys: Option<Records>,
    gateway: Option<Lenient<String>>,
    // list-API response
    success: Option<Lenient<bool>>,
    message: Option<Lenient<String>>,
    #[serde(default, deserialize_with = "present")]
    data: Option<PageData>,
}

impl ObjectDocument {
    fn into_parts(self, input: &str) -> Result<Parts, InventoryError> {
        if self
            .format
            .as_ref()
            .and_then(Lenient::get)
            .map(String::as_str)
            == Some(SNAPSHOT_FORMAT)
        {
            return self.snapshot_parts(input);
        }
        if self.success.is_some() || self.data.is_some() {
            let envelope = Envelope {
                success: self.success,
                message: self.message,
                data: self.data,
                total: self.total.and_then(Lenient::into_inner),
            };
            let (keys, total, shape) = envelope.into_records(&[])?;
            match shape {
                Shape::Items => check_complete(RESPONSE, "data.total", total, &keys)?,
                Shape::TotalCount => check_complete(RESPONSE, "data.total_count", total, &keys)?,
                Shape::ArrayWithTotal => check_complete(RESPONSE, "total", total, &keys)?,
                // Dialects without a total: the page is read as given, like an array.
                Shape::Array(_) => {}
            }
            return Ok(Parts {
                keys,
                pages: Some(1),
                fetched_at: None,
                source: input.to_owned(),
                gateway: shape.dialect(),
            });
        }
        Err(InventoryError::UnknownShape {
            found: "a JSON object with neither `format: \"keylint-snapshot\"` nor `success`/`data`",
        })
    }

    fn snapshot_parts(self, input: &str) -> Result<Parts, InventoryError> {
        let version = self.version.and_then(|v| v.into_inner()).unwrap_or(0);
        if version != 1 {
            return Err(InventoryError::SnapshotVersion { version });
        }
        let keys = self.keys.ok_or(InventoryError::NoItems)?;
        let total = self.total.and_then(Lenient::into_inner);
        check_complete("the snapshot", "total", total, &keys)?;
        let gateway = match self.gateway.and_then(Lenient::into_inner) {
            None => None,
            Some(name) => Some(Dialect::from_name(&name).ok_or(InventoryError::UnknownGateway)?),
        };
        Ok(Parts {
            keys,
            pages: self
                .pages
                .and_then(Lenient::into_inner)
                .and_then(|p| u64::try_from(p).ok()),
            fetched_at: self.fetched_at.and_then(Lenient::into_inner),
            source: self
                .source
                .and_then(Lenient::into_inner)
                .unwrap_or_else(|| input.to_owned()),
            gateway,
        })
    }
}

/// How messages name a list-API response body.
const RESPONSE: &str = "the list-API response";

/// Whether a document holds the whole inventory its `total` announces.
fn check_complete(
    form: &'static str,
    field: &'static str,
    total: Option<i64>,
    records: &Records,
) -> Result<(), InventoryError> {
    let total = total.ok_or(InventoryError::NoTotal { form, field })?;
    let count = records.keys.len();
    if i64::try_from(count).ok() != Some(total) {
        return Err(InventoryError::Partial { form, total, count });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Field;

    fn error_of(document: &str) -> InventoryError {
        parse_inventory(document.as_bytes(), "test").expect_err("the document is rejected")
    }

    #[test]
    fn the_first_id_problem_in_document_order_is_reported() {
        assert_eq!(
            error_of(r#"[{"id":3},{"id":1},{"id":2},{"id":1},{"id":3}]"#),
            InventoryError::DuplicateId { id: 1 }
        );
        assert_eq!(
            error_of(r#"[{"id":1},{"id":1},{"name":"x"}]"#),
            InventoryError::DuplicateId { id: 1 }
        );
        assert_eq!(
            error_of(r#"[{"id":1},{"id":"7"},{"id":1}]"#),
            InventoryError::BadId {
                index: 1,
                found: "string"
            }
        );
        assert_eq!(
            error_of(r#"{"success":true,"data":{"total":2,"items":[{"id":4},{"id":null}]}}"#),
            InventoryError::BadId {
                index: 1,
                found: "missing"
            }
        );
        // The document's shape is judged before the records' ids.
        assert_eq!(
            error_of(r#"{"success":false,"data":{"items":[{"id":1},{"id":1}]}}"#),
            InventoryError::ApiFailure {
                message: String::new()
            }
        );
    }

    #[test]
    fn records_keep_their_order_and_ids() {
        let inventory =
            parse_inventory(br#"[{"id":7,"name":"a"},{"id":-2},{"id":5}]"#, "test").unwrap();
        let ids: Vec<i64> = inventory.keys.iter().map(|k| k.id).collect();
        assert_eq!(ids, [7, -2, 5]);
        assert_eq!(inventory.keys[0].name, Field::Present("a".to_owned()));
        assert_eq!(inventory.keys[1].name, Field::Missing);
    }

    #[test]
    fn a_total_must_match_the_keys_held() {
        assert_eq!(
            error_of(r#"{"success":true,"data":{"total":250,"items":[{"id":1}]}}"#),
            InventoryError::Partial {
                form: "the list-API response",
                total: 250,
                count: 1
            }
        );
        assert_eq!(
            error_of(r#"{"format":"keylint-snapshot","version":1,"total":0,"keys":[{"id":1}]}"#),
            InventoryError::Partial {
                form: "the snapshot",
                total: 0,
                count: 1
            }
        );
        assert_eq!(
            error_of(r#"{"format":"keylint-snapshot","version":1,"keys":[]}"#),
            InventoryError::NoTotal {
                form: "the snapshot",
                field: "total"
            }
        );
        assert_eq!(
            error_of(r#"{"success":true,"data":{"total":"1","items":[{"id":1}]}}"#),
            InventoryError::NoTotal {
                form: "the list-API response",
                field: "data.total"
            }
        );
    }

    #[test]
    fn negative_zero_is_the_integer_zero() {
        let inventory = parse_inventory(br#"[{"id":-0,"expired_time":-0},{"id":1}]"#, "t").unwrap();
        assert_eq!(inventory.keys[0].id, 0);
        assert_eq!(inventory.keys[0].expired_time, Field::Present(0));
        let fractional = parse_inventory(br#"[{"id":0.5}]"#, "t").unwrap_err();
        assert!(
            matches!(fractional, InventoryError::BadId { .. }),
            "{fractional:?}"
        );
    }

    #[test]
    fn invalid_utf8_is_located_like_any_syntax_error() {
        let error = error_of("[{\"id\":1,\"name\":\"\u{0}\"}]");
        assert!(matches!(error, InventoryError::Json { .. }), "{error:?}");
        let bytes = b"[{\"id\":1,\"name\":\"\xff\"}]";
        assert_eq!(
            parse_inventory(bytes, "test").unwrap_err(),
            InventoryError::Json {
                what: "invalid JSON".to_owned(),
                line: 1,
                column: 18
            }
        );
    }
}
