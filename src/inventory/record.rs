//! The key record: its sixteen fields, declared once in [`with_record_fields!`], and how each
//! field stands in one record (present, missing, or of the wrong JSON type).
//!
//! The table generates [`FieldName`] (with its API names and documented types), the
//! [`KeyRecord`] struct and its per-field accessors; the deserialiser expands the same table
//! into its field reader (`de.rs`). Adding a field is one line of the table.

use std::fmt;

pub use super::setting::{HubSetting, HubSwitch};

/// The one list of record fields, in the order the API documents them. Each row is
/// `Variant member: Kind = "api_name";`, where `Kind` says how the field is stored and read:
///
/// - `Id`: the record's `i64` id (a record without one is refused by the input reader);
/// - `KeyDigest`: the secret `key`, kept only as [`KeyRecord::key_sha256`] (a [`KeyDigest`]);
/// - `Integer`, `Boolean`, `Text`: a [`Field`] of `i64`, `bool`, `String`;
/// - `NullableText`: a [`Field`] of `Option<String>`, where JSON `null` is a value.
///
/// `with_record_fields!(callback)` expands to `callback! { rows }`, so each place that needs
/// the list derives from this one.
macro_rules! with_record_fields {
    ($callback:ident) => {
        $callback! {
            Id id: Id = "id";
            UserId user_id: Integer = "user_id";
            /// First 16 hex digits of the SHA-256 of the `key` value (a snapshot's `key_sha256`).
            Key key_sha256: KeyDigest = "key";
            Status status: Integer = "status";
            Name name: Text = "name";
            CreatedTime created_time: Integer = "created_time";
            AccessedTime accessed_time: Integer = "accessed_time";
            ExpiredTime expired_time: Integer = "expired_time";
            RemainQuota remain_quota: Integer = "remain_quota";
            UsedQuota used_quota: Integer = "used_quota";
            UnlimitedQuota unlimited_quota: Boolean = "unlimited_quota";
            ModelLimitsEnabled model_limits_enabled: Boolean = "model_limits_enabled";
            ModelLimits model_limits: Text = "model_limits";
            /// `Present(None)` is JSON `null`: no restriction.
            AllowIps allow_ips: NullableText = "allow_ips";
            Group group: Text = "group";
            CrossGroupRetry cross_group_retry: Boolean = "cross_group_retry";
            /// one-api's IP restriction: comma-separated CIDRs; `Present(None)` is JSON `null`.
            Subnet subnet: NullableText = "subnet";
            /// one-api's model list: comma-separated, no switch; `Present(None)` is JSON `null`.
            Models models: NullableText = "models";
            /// one-hub's `setting` object, of which keylint keeps `limits`.
            Setting setting: Setting = "setting";
        }
    };
}
pub(super) use with_record_fields;

/// The Rust type that stores a field of a kind.
macro_rules! storage {
    (Id) => { i64 };
    (KeyDigest) => { Option<KeyDigest> };
    (Integer) => { Field<i64> };
    (Boolean) => { Field<bool> };
    (Text) => { Field<String> };
    (NullableText) => { Field<Option<String>> };
    (Setting) => { Field<Box<HubSetting>> };
}

/// The JSON type the API documents for a field of a kind.
macro_rules! documented_type {
    (Id) => {
        FieldType::Integer
    };
    (KeyDigest) => {
        FieldType::String
    };
    (Integer) => {
        FieldType::Integer
    };
    (Boolean) => {
        FieldType::Bool
    };
    (Text) => {
        FieldType::String
    };
    (NullableText) => {
        FieldType::NullableString
    };
    (Setting) => {
        FieldType::Setting
    };
}

/// The [`FieldState`] of a stored field of a kind.
macro_rules! state_of {
    (Id, $value:expr) => {
        FieldState::Present(FieldValue::Integer($value))
    };
    // `key` reads as present when the record had one; its value is never kept.
    (KeyDigest, $value:expr) => {
        match &$value {
            Some(_) => FieldState::Present(FieldValue::String("")),
            None => FieldState::Missing,
        }
    };
    (Integer, $value:expr) => {
        $value.state(|v| FieldValue::Integer(*v))
    };
    (Boolean, $value:expr) => {
        $value.state(|v| FieldValue::Bool(*v))
    };
    (Text, $value:expr) => {
        $value.state(|v| FieldValue::String(v))
    };
    (NullableText, $value:expr) => {
        $value.state(|v| match v {
            Some(s) => FieldValue::String(s),
            None => FieldValue::Null,
        })
    };
    (Setting, $value:expr) => {
        $value.state(|v| FieldValue::Setting(v))
    };
}

macro_rules! define_record {
    ($( $(#[$doc:meta])* $variant:ident $member:ident: $kind:ident = $name:literal; )*) => {
        /// A field of the key record, by its API name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum FieldName {
            $($variant,)*
        }

        /// The number of record fields.
        pub const FIELD_COUNT: usize = [$($name),*].len();

        impl FieldName {
            /// Every field, in the order the API documents them.
            pub const ALL: [FieldName; FIELD_COUNT] = [$(FieldName::$variant,)*];

            /// The field's name in the API's JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(FieldName::$variant => $name,)*
                }
            }

            /// Looks a field up by its API name.
            pub fn from_name(name: &str) -> Option<FieldName> {
                match name {
                    $($name => Some(FieldName::$variant),)*
                    _ => None,
                }
            }

            /// The JSON type the API documents for the field.
            pub fn field_type(self) -> FieldType {
                match self {
                    $(FieldName::$variant => documented_type!($kind),)*
                }
            }
        }

        /// One API key, secret-free. Unknown properties of the JSON object are ignored.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct KeyRecord {
            $( $(#[$doc])* pub $member: storage!($kind), )*
        }

        impl KeyRecord {
            /// The state of one field, by name. `key` reads as present when the record had one.
            pub fn field(&self, name: FieldName) -> FieldState<'_> {
                match name {
                    $(FieldName::$variant => state_of!($kind, self.$member),)*
                }
            }

            /// Makes one field missing, for tests of records that lack it (`id` cannot be
            /// missing: it is left as it is).
            #[cfg(test)]
            pub(crate) fn clear(&mut self, name: FieldName) {
                match name {
                    $(FieldName::$variant => clear!($kind, self.$member),)*
                }
            }
        }
    };
}

/// Makes a stored field of a kind missing (`id` has no missing state).
#[cfg(test)]
macro_rules! clear {
    (Id, $value:expr) => {
        ()
    };
    (KeyDigest, $value:expr) => {
        $value = None
    };
    ($kind:ident, $value:expr) => {
        $value = Field::Missing
    };
}

with_record_fields!(define_record);

impl FieldName {
    /// Whether the field holds a unix timestamp.
    pub fn is_time(self) -> bool {
        matches!(
            self,
            FieldName::CreatedTime | FieldName::AccessedTime | FieldName::ExpiredTime
        )
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON type the API documents for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Integer,
    Bool,
    String,
    /// A string or null (`allow_ips`).
    NullableString,
    /// one-hub's `setting` object.
    Setting,
}

impl FieldType {
    /// The type as a message names it.
    pub fn describe(self) -> &'static str {
        match self {
            FieldType::Integer => "integer",
            FieldType::Bool => "boolean",
            FieldType::String => "string",
            FieldType::NullableString => "string or null",
            FieldType::Setting => "object with `limits`",
        }
    }
}

/// The JSON type of a value as found in a document. `Display` gives the text messages and
/// reports show (`"fractional number"`, `"integer out of range"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonType {
    Null,
    Boolean,
    /// An integer that fits an `i64`.
    Integer,
    /// An integer beyond the range of an `i64`.
    IntegerOutOfRange,
    FractionalNumber,
    String,
    Array,
    Object,
}

impl JsonType {
    /// The type as messages name it.
    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Boolean => "boolean",
            JsonType::Integer => "integer",
            JsonType::IntegerOutOfRange => "integer out of range",
            JsonType::FractionalNumber => "fractional number",
            JsonType::String => "string",
            JsonType::Array => "array",
            JsonType::Object => "object",
        }
    }
}

impl fmt::Display for JsonType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of one record field as it was found in the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Field<T> {
    Present(T),
    /// Absent from the object, or JSON `null` (except `allow_ips`, where null is a value).
    #[default]
    Missing,
    /// Present with the wrong JSON type; holds the JSON type found.
    Mistyped(JsonType),
}

impl<T> Field<T> {
    /// The value, when it is present and well-typed.
    pub fn get(&self) -> Option<&T> {
        match self {
            Field::Present(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the value is present and well-typed.
    pub fn is_present(&self) -> bool {
        matches!(self, Field::Present(_))
    }

    /// The field's state, with a present value shown through `to`.
    fn state<'a>(&'a self, to: impl FnOnce(&'a T) -> FieldValue<'a>) -> FieldState<'a> {
        match self {
            Field::Present(v) => FieldState::Present(to(v)),
            Field::Missing => FieldState::Missing,
            Field::Mistyped(found) => FieldState::Mistyped(*found),
        }
    }
}

impl<T: Copy> Field<T> {
    /// The value, copied, when it is present and well-typed.
    pub fn value(&self) -> Option<T> {
        self.get().copied()
    }
}

/// A field value in a form every field shares, for the generic `field` check and for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue<'a> {
    Integer(i64),
    Bool(bool),
    String(&'a str),
    Null,
    /// one-hub's `setting`.
    Setting(&'a HubSetting),
}

/// How a field of one record stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldState<'a> {
    Present(FieldValue<'a>),
    Missing,
    Mistyped(JsonType),
}

impl KeyRecord {
    /// Whether a field is present and well-typed ([`KeyRecord::field`] gives
    /// [`FieldState::Present`]).
    pub fn has(&self, name: FieldName) -> bool {
        matches!(self.field(name), FieldState::Present(_))
    }

    /// Whether the record sent `field` at all (present, or of the wrong type): `false` only
    /// when the property was absent or `null` (for most fields, null reads as absent).
    pub fn field_sent(&self, field: FieldName) -> bool {
        !matches!(self.field(field), FieldState::Missing)
    }

    /// Whether the record sent any of `fields`.
    pub fn has_any(&self, fields: &[FieldName]) -> bool {
        fields.iter().any(|f| self.field_sent(*f))
    }

    /// The key's display name, or `""` when it has none.
    pub fn name_or_empty(&self) -> &str {
        self.name.get().map(String::as_str).unwrap_or("")
    }
}

/// The snapshot property that stands for `key`.
pub const KEY_SHA256: &str = "key_sha256";

/// The first 16 hex digits of the SHA-256 of a key value, held inline: an inventory holds one
/// per key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyDigest([u8; 16]);

impl KeyDigest {
    /// A text of the shape [`key_sha256`] writes (16 lowercase hex digits), else `None`: a
    /// hand-edited snapshot cannot smuggle another value into reports.
    pub fn parse(text: &str) -> Option<KeyDigest> {
        let bytes: [u8; 16] = text.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            .then_some(KeyDigest(bytes))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("parsed or written as hex digits")
    }
}

impl fmt::Display for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyDigest({})", self.as_str())
    }
}

impl serde::Serialize for KeyDigest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The first 16 hex digits of the SHA-256 of a key value.
pub fn key_sha256(key: &str) -> KeyDigest {
    KeyDigest::parse(&crate::text::digest::sha256_hex(&[key.as_bytes()], 8))
        .expect("16 lowercase hex digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for field in FieldName::ALL {
            assert_eq!(FieldName::from_name(field.as_str()), Some(field));
        }
        let mut names: Vec<&str> = FieldName::ALL.iter().map(|f| f.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FIELD_COUNT);
        assert_eq!(FieldName::from_name("key_sha256"), None);
    }

    #[test]
    fn field_states_follow_the_stored_values() {
        let record = KeyRecord {
            id: 9,
            key_sha256: Some(key_sha256("sk-x")),
            status: Field::Mistyped(JsonType::FractionalNumber),
            name: Field::Present("ci".into()),
            allow_ips: Field::Present(None),
            ..KeyRecord::default()
        };
        assert_eq!(
            record.field(FieldName::Id),
            FieldState::Present(FieldValue::Integer(9))
        );
        assert!(record.has(FieldName::Key));
        assert_eq!(
            record.field(FieldName::Status),
            FieldState::Mistyped(JsonType::FractionalNumber)
        );
        assert_eq!(
            record.field(FieldName::Name),
            FieldState::Present(FieldValue::String("ci"))
        );
        assert_eq!(
            record.field(FieldName::AllowIps),
            FieldState::Present(FieldValue::Null)
        );
        assert_eq!(record.field(FieldName::Group), FieldState::Missing);
        assert!(!KeyRecord::default().has(FieldName::Key));
    }

    #[test]
    fn json_types_read_as_today() {
        assert_eq!(
            JsonType::IntegerOutOfRange.to_string(),
            "integer out of range"
        );
        assert_eq!(JsonType::FractionalNumber.to_string(), "fractional number");
        assert_eq!(format!("<{}>", JsonType::Array), "<array>");
    }
}
