//! How a field's state and a change read in the text reports: values from the inventory are
//! quoted and escaped ([`crate::text::escape::escape`]), timestamps are written as RFC 3339 times, and
//! a change of the secret `key` is only ever worded, never shown.

use crate::inventory::{FieldName, FieldState, FieldValue};
use crate::text::clock::format_timestamp;
use crate::text::escape::{escape, quote};

use super::Change;

/// `field: old → new`, safe for a terminal (every value escaped), or the wording of a `key`
/// change.
pub fn change_line(change: &Change<'_>) -> String {
    match change {
        Change::Field { field, old, new } => {
            format!("{field}: {} → {}", state(*field, old), state(*field, new))
        }
        Change::KeyRegenerated => "key: key value regenerated".to_owned(),
        Change::KeyPresence { new: true, .. } => "key: a key value is now present".to_owned(),
        Change::KeyPresence { .. } => "key: the key value is no longer present".to_owned(),
    }
}

/// One side of a field change, safe for a terminal.
fn state(field: FieldName, state: &FieldState<'_>) -> String {
    match state {
        FieldState::Present(value) => present(field, value),
        FieldState::Missing => "(missing)".to_owned(),
        FieldState::Mistyped(found) => format!("(wrong type: {found})"),
    }
}

fn present(field: FieldName, value: &FieldValue<'_>) -> String {
    match value {
        FieldValue::Integer(-1) if field == FieldName::ExpiredTime => "-1 (never)".to_owned(),
        FieldValue::Integer(v) if field.is_time() && *v > 0 => format_timestamp(*v),
        FieldValue::Integer(v) => v.to_string(),
        FieldValue::Bool(v) => v.to_string(),
        FieldValue::String(text) => quote(text),
        FieldValue::Null => "null".to_owned(),
        FieldValue::Setting(setting) => {
            escape(&serde_json::to_string(setting).unwrap_or_default()).into_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_safely() {
        let change = Change::Field {
            field: FieldName::Name,
            old: FieldState::Present(FieldValue::String("a\u{1b}[31m")),
            new: FieldState::Missing,
        };
        assert_eq!(change_line(&change), "name: \"a\\u{001b}[31m\" → (missing)");
        let change = Change::Field {
            field: FieldName::ExpiredTime,
            old: FieldState::Present(FieldValue::Integer(-1)),
            new: FieldState::Present(FieldValue::Integer(1_795_694_400)),
        };
        assert_eq!(
            change_line(&change),
            "expired_time: -1 (never) → 2026-11-26T12:00:00Z"
        );
        assert_eq!(
            change_line(&Change::KeyRegenerated),
            "key: key value regenerated"
        );
    }
}
