//! The list API's envelope, `{success, message, data}`, in the shape of every dialect
//! (GATEWAYS.md §1): `data: {total, items}` (new-api), `data: {data, total_count}` (one-hub),
//! a bare `data` array with a top-level `total` (one-api-laisky) or without one (new-api-legacy,
//! one-api). The one reader of it, for a page fetched live ([`parse_page`]) and for a response
//! body given to `check --input`.
//!
//! Both read `success`, `message` and the totals with the record's tolerance (a value of the
//! wrong type reads as absent), and a `success: false` message is sanitised and capped before
//! it is kept in the error. `data: null` is an empty page.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::de::{Lenient, Records, RecordsVisitor, lenient_int};
use super::dialect::Shape;
use super::input::{InventoryError, from_json, json_error, validate_ids};
use super::record::KeyRecord;

/// One page of the list API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The dialect's total (`data.total`, `data.total_count`, top-level `total`), when the
    /// shape has one and it was an integer.
    pub total: Option<i64>,
    pub keys: Vec<KeyRecord>,
    /// What the response's shape says about the gateway's dialect.
    pub shape: Shape,
}

/// Parses one page of the list API, in any dialect's shape. `secrets` are redacted from a
/// `success: false` message.
pub fn parse_page(bytes: &[u8], secrets: &[&str]) -> Result<Page, InventoryError> {
    let envelope: Envelope = from_json(bytes).map_err(json_error)?;
    let (records, total, shape) = envelope.into_records(secrets)?;
    Ok(Page {
        total,
        keys: validate_ids(records)?,
        shape,
    })
}

/// The envelope's fields as a document holds them; unknown fields are ignored.
#[derive(Deserialize)]
pub(super) struct Envelope {
    pub(super) success: Option<Lenient<bool>>,
    pub(super) message: Option<Lenient<String>>,
    /// `None` when the document has no `data`; `data: null` is [`PageData::Null`].
    #[serde(default, deserialize_with = "present")]
    pub(super) data: Option<PageData>,
    /// one-api-laisky's top-level total.
    #[serde(default, deserialize_with = "lenient_int")]
    pub(super) total: Option<i64>,
}

/// The envelope's `data`: an object (new-api, one-hub), an array or `null`.
pub(super) enum PageData {
    Object(DataObject),
    Array(Records),
    Null,
}

/// `data` as an object.
#[derive(Deserialize)]
pub(super) struct DataObject {
    #[serde(default, deserialize_with = "lenient_int")]
    total: Option<i64>,
    items: Option<Records>,
    /// one-hub's list (`null` when empty).
    data: Option<Records>,
    #[serde(default, deserialize_with = "lenient_int")]
    total_count: Option<i64>,
}

impl<'de> Deserialize<'de> for PageData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DataVisitor;
        impl<'de> Visitor<'de> for DataVisitor {
            type Value = PageData;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object, an array of key objects or null")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<PageData, A::Error> {
                RecordsVisitor::new().visit_seq(seq).map(PageData::Array)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PageData, A::Error> {
                DataObject::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(PageData::Object)
            }
            fn visit_unit<E: de::Error>(self) -> Result<PageData, E> {
                Ok(PageData::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<PageData, E> {
                Ok(PageData::Null)
            }
        }
        deserializer.deserialize_any(DataVisitor)
    }
}

/// Reads a member that is present, `null` included (`Option` alone reads `null` as absent).
pub(super) fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PageData>, D::Error> {
    PageData::deserialize(d).map(Some)
}

impl Envelope {
    /// The records, the total and the shape of an envelope that says `success: true`.
    pub(super) fn into_records(
        self,
        secrets: &[&str],
    ) -> Result<(Records, Option<i64>, Shape), InventoryError> {
        if self.success.and_then(Lenient::into_inner) != Some(true) {
            let message = self
                .message
                .and_then(Lenient::into_inner)
                .unwrap_or_default();
            return Err(InventoryError::ApiFailure {
                message: crate::text::scrub::sanitize_message(&message, secrets),
            });
        }
        let data = self.data.ok_or(InventoryError::NoItems)?;
        let top_total = self.total;
        match data {
            PageData::Object(DataObject {
                items: Some(items),
                total,
                ..
            }) => Ok((items, total, Shape::Items)),
            PageData::Object(DataObject {
                data, total_count, ..
            }) if data.is_some() || total_count.is_some() => Ok((
                data.unwrap_or_else(Records::empty),
                total_count,
                Shape::TotalCount,
            )),
            PageData::Object(_) => Err(InventoryError::NoItems),
            PageData::Array(records) => Ok(array_page(records, top_total)),
            PageData::Null => Ok(array_page(Records::empty(), top_total)),
        }
    }
}

/// A bare `data` array: one-api-laisky when a top-level total comes with it.
fn array_page(records: Records, top_total: Option<i64>) -> (Records, Option<i64>, Shape) {
    match top_total {
        Some(total) => (records, Some(total), Shape::ArrayWithTotal),
        None => {
            let shape = Shape::of_array(&records.keys);
            (records, None, shape)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_values_of_the_wrong_type_read_as_absent() {
        let page = parse_page(
            br#"{"success":true,"message":5,"data":{"total":"2","items":[{"id":2},{"id":1}]}}"#,
            &[],
        )
        .unwrap();
        assert_eq!(page.total, None);
        assert_eq!(page.keys.len(), 2);
        assert_eq!(
            parse_page(br#"{"success":"true","data":{"total":0,"items":[]}}"#, &[]),
            Err(InventoryError::ApiFailure {
                message: String::new()
            })
        );
        assert_eq!(
            parse_page(br#"{"success":true,"data":{"total":0}}"#, &[]),
            Err(InventoryError::NoItems)
        );
    }

    #[test]
    fn failure_messages_are_sanitised_and_capped() {
        let long = "word ".repeat(2_000);
        let body = serde_json::json!({"success": false, "message": format!("TOKEN-123\n{long}")});
        let Err(InventoryError::ApiFailure { message }) =
            parse_page(body.to_string().as_bytes(), &["TOKEN-123"])
        else {
            panic!("success: false accepted");
        };
        assert!(message.starts_with("[redacted]\\nword word"), "{message}");
        // 200 characters of the message, an escape widening one of them, and the ellipsis.
        assert!(
            message.chars().count() <= 202,
            "{} chars",
            message.chars().count()
        );
    }
}
