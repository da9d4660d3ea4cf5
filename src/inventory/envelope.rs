//! The list API's envelope, `{success, message, data: {page, page_size, total, items}}`: the one
//! reader of it, for a page fetched live ([`parse_page`]) and for a response body given to
//! `check --input`.
//!
//! Both read `success`, `message` and `data.total` with the record's tolerance (a value of the
//! wrong type reads as absent), and a `success: false` message is sanitised and capped before
//! it is kept in the error.

use serde::Deserialize;

use super::de::{Lenient, Records, lenient_int};
use super::input::{InventoryError, from_json, json_error, validate_ids};
use super::record::KeyRecord;

/// One page of the list API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// `data.total`, when it was an integer.
    pub total: Option<i64>,
    pub keys: Vec<KeyRecord>,
}

/// Parses one page of the list API. `secrets` are redacted from a `success: false` message.
pub fn parse_page(bytes: &[u8], secrets: &[&str]) -> Result<Page, InventoryError> {
    let envelope: Envelope = from_json(bytes).map_err(json_error)?;
    let (records, total) = envelope.into_records(secrets)?;
    Ok(Page {
        total,
        keys: validate_ids(records)?,
    })
}

/// The envelope's fields as a document holds them; unknown fields are ignored.
#[derive(Deserialize)]
pub(super) struct Envelope {
    pub(super) success: Option<Lenient<bool>>,
    pub(super) message: Option<Lenient<String>>,
    pub(super) data: Option<PageData>,
}

/// The envelope's `data`.
#[derive(Deserialize)]
pub(super) struct PageData {
    #[serde(default, deserialize_with = "lenient_int")]
    total: Option<i64>,
    items: Option<Records>,
}

impl Envelope {
    /// The records and `data.total` of an envelope that says `success: true`.
    pub(super) fn into_records(
        self,
        secrets: &[&str],
    ) -> Result<(Records, Option<i64>), InventoryError> {
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
        let items = data.items.ok_or(InventoryError::NoItems)?;
        Ok((items, data.total))
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
