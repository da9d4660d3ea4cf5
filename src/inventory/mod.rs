//! The key record and the inventory: tolerant parsing of the list API's key objects, the
//! effective status and the `allow_ips` / `model_limits` lists exactly as the gateway reads them,
//! and the three input forms `check --input` accepts (keylint snapshot, raw list-API response
//! body, JSON array of key objects).
//!
//! Parsing is typed and single-pass: every known field is read by a visitor that accepts any JSON
//! value and records a wrong type instead of failing, so one odd record never hides the others
//! and no intermediate `serde_json::Value` tree is built.
//!
//! The `key` field is a secret: it is never stored. Parsing hashes it into
//! [`KeyRecord::key_sha256`] (the first 16 hex digits of its SHA-256) and drops it.

pub mod snapshot;

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::ops::Range;

use ipnet::IpNet;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// The largest inventory file `check --input` reads (a 100,000-key inventory is about 40 MB).
pub const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;

/// The `format` marker of a keylint snapshot.
pub const SNAPSHOT_FORMAT: &str = "keylint-snapshot";

/// A field of the key record, by its API name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldName {
    Id,
    UserId,
    Key,
    Status,
    Name,
    CreatedTime,
    AccessedTime,
    ExpiredTime,
    RemainQuota,
    UsedQuota,
    UnlimitedQuota,
    ModelLimitsEnabled,
    ModelLimits,
    AllowIps,
    Group,
    CrossGroupRetry,
}

/// The JSON type a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Integer,
    Bool,
    String,
    /// A string or null (`allow_ips`).
    NullableString,
}

impl FieldType {
    /// The type as a message names it.
    pub fn describe(self) -> &'static str {
        match self {
            FieldType::Integer => "integer",
            FieldType::Bool => "boolean",
            FieldType::String => "string",
            FieldType::NullableString => "string or null",
        }
    }
}

impl FieldName {
    /// Every field, in the order the API documents them.
    pub const ALL: [FieldName; 16] = [
        FieldName::Id,
        FieldName::UserId,
        FieldName::Key,
        FieldName::Status,
        FieldName::Name,
        FieldName::CreatedTime,
        FieldName::AccessedTime,
        FieldName::ExpiredTime,
        FieldName::RemainQuota,
        FieldName::UsedQuota,
        FieldName::UnlimitedQuota,
        FieldName::ModelLimitsEnabled,
        FieldName::ModelLimits,
        FieldName::AllowIps,
        FieldName::Group,
        FieldName::CrossGroupRetry,
    ];

    /// The field's name in the API's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldName::Id => "id",
            FieldName::UserId => "user_id",
            FieldName::Key => "key",
            FieldName::Status => "status",
            FieldName::Name => "name",
            FieldName::CreatedTime => "created_time",
            FieldName::AccessedTime => "accessed_time",
            FieldName::ExpiredTime => "expired_time",
            FieldName::RemainQuota => "remain_quota",
            FieldName::UsedQuota => "used_quota",
            FieldName::UnlimitedQuota => "unlimited_quota",
            FieldName::ModelLimitsEnabled => "model_limits_enabled",
            FieldName::ModelLimits => "model_limits",
            FieldName::AllowIps => "allow_ips",
            FieldName::Group => "group",
            FieldName::CrossGroupRetry => "cross_group_retry",
        }
    }

    /// Looks a field up by its API name.
    pub fn from_name(name: &str) -> Option<FieldName> {
        Some(match name {
            "id" => FieldName::Id,
            "user_id" => FieldName::UserId,
            "key" => FieldName::Key,
            "status" => FieldName::Status,
            "name" => FieldName::Name,
            "created_time" => FieldName::CreatedTime,
            "accessed_time" => FieldName::AccessedTime,
            "expired_time" => FieldName::ExpiredTime,
            "remain_quota" => FieldName::RemainQuota,
            "used_quota" => FieldName::UsedQuota,
            "unlimited_quota" => FieldName::UnlimitedQuota,
            "model_limits_enabled" => FieldName::ModelLimitsEnabled,
            "model_limits" => FieldName::ModelLimits,
            "allow_ips" => FieldName::AllowIps,
            "group" => FieldName::Group,
            "cross_group_retry" => FieldName::CrossGroupRetry,
            _ => return None,
        })
    }

    /// The JSON type the API documents for the field.
    pub fn field_type(self) -> FieldType {
        match self {
            FieldName::Id
            | FieldName::UserId
            | FieldName::Status
            | FieldName::CreatedTime
            | FieldName::AccessedTime
            | FieldName::ExpiredTime
            | FieldName::RemainQuota
            | FieldName::UsedQuota => FieldType::Integer,
            FieldName::UnlimitedQuota
            | FieldName::ModelLimitsEnabled
            | FieldName::CrossGroupRetry => FieldType::Bool,
            FieldName::Key | FieldName::Name | FieldName::ModelLimits | FieldName::Group => {
                FieldType::String
            }
            FieldName::AllowIps => FieldType::NullableString,
        }
    }

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

/// The value of one record field as it was found in the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Field<T> {
    Present(T),
    /// Absent from the object, or JSON `null` (except `allow_ips`, where null is a value).
    #[default]
    Missing,
    /// Present with the wrong JSON type; holds the JSON type found (`"string"`, `"number"`, ...).
    Mistyped(&'static str),
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
}

impl<T: Copy> Field<T> {
    /// The value, copied, when it is present and well-typed.
    pub fn value(&self) -> Option<T> {
        self.get().copied()
    }
}

/// One API key, secret-free. Unknown properties of the JSON object are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyRecord {
    pub id: i64,
    pub user_id: Field<i64>,
    /// First 16 hex digits of the SHA-256 of the `key` value (a snapshot's `key_sha256`).
    pub key_sha256: Option<String>,
    pub status: Field<i64>,
    pub name: Field<String>,
    pub created_time: Field<i64>,
    pub accessed_time: Field<i64>,
    pub expired_time: Field<i64>,
    pub remain_quota: Field<i64>,
    pub used_quota: Field<i64>,
    pub unlimited_quota: Field<bool>,
    pub model_limits_enabled: Field<bool>,
    pub model_limits: Field<String>,
    /// `Present(None)` is JSON `null`: no restriction.
    pub allow_ips: Field<Option<String>>,
    pub group: Field<String>,
    pub cross_group_retry: Field<bool>,
}

/// A field value in a form every field shares, for the generic `field` check and for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue<'a> {
    Integer(i64),
    Bool(bool),
    String(&'a str),
    Null,
}

/// How a field of one record stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldState<'a> {
    Present(FieldValue<'a>),
    Missing,
    Mistyped(&'static str),
}

impl KeyRecord {
    /// The state of one field, by name. `key` reads as present when the record had one.
    pub fn field(&self, name: FieldName) -> FieldState<'_> {
        fn int(f: &Field<i64>) -> FieldState<'_> {
            lift(f, |v| FieldValue::Integer(*v))
        }
        fn boolean(f: &Field<bool>) -> FieldState<'_> {
            lift(f, |v| FieldValue::Bool(*v))
        }
        fn string(f: &Field<String>) -> FieldState<'_> {
            lift(f, |v| FieldValue::String(v))
        }
        fn lift<'a, T>(f: &'a Field<T>, to: impl Fn(&'a T) -> FieldValue<'a>) -> FieldState<'a> {
            match f {
                Field::Present(v) => FieldState::Present(to(v)),
                Field::Missing => FieldState::Missing,
                Field::Mistyped(t) => FieldState::Mistyped(t),
            }
        }
        match name {
            FieldName::Id => FieldState::Present(FieldValue::Integer(self.id)),
            FieldName::UserId => int(&self.user_id),
            FieldName::Key => match &self.key_sha256 {
                Some(_) => FieldState::Present(FieldValue::String("")),
                None => FieldState::Missing,
            },
            FieldName::Status => int(&self.status),
            FieldName::Name => string(&self.name),
            FieldName::CreatedTime => int(&self.created_time),
            FieldName::AccessedTime => int(&self.accessed_time),
            FieldName::ExpiredTime => int(&self.expired_time),
            FieldName::RemainQuota => int(&self.remain_quota),
            FieldName::UsedQuota => int(&self.used_quota),
            FieldName::UnlimitedQuota => boolean(&self.unlimited_quota),
            FieldName::ModelLimitsEnabled => boolean(&self.model_limits_enabled),
            FieldName::ModelLimits => string(&self.model_limits),
            FieldName::AllowIps => match &self.allow_ips {
                Field::Present(Some(s)) => FieldState::Present(FieldValue::String(s)),
                Field::Present(None) => FieldState::Present(FieldValue::Null),
                Field::Missing => FieldState::Missing,
                Field::Mistyped(t) => FieldState::Mistyped(t),
            },
            FieldName::Group => string(&self.group),
            FieldName::CrossGroupRetry => boolean(&self.cross_group_retry),
        }
    }

    /// The key's display name, or `""` when it has none.
    pub fn name_or_empty(&self) -> &str {
        self.name.get().map(String::as_str).unwrap_or("")
    }

    /// The state the gateway will enforce at `now` (SPEC §4 "Effective status").
    ///
    /// A field that the computation needs but the record lacks does not make the key look
    /// dead: a raw status 1 with no readable `expired_time` is taken as not expired, and likewise
    /// for the quota fields, so rules keep applying to it and `KL001` reports the gap.
    pub fn effective_status(&self, now: i64) -> EffectiveStatus {
        match self.status.value() {
            Some(1) => {}
            Some(2) => return EffectiveStatus::Disabled,
            Some(3) => return EffectiveStatus::Expired,
            Some(4) => return EffectiveStatus::Exhausted,
            _ => return EffectiveStatus::Unknown,
        }
        if let Some(expires) = self.expired_time.value()
            && expires != -1
            && expires < now
        {
            return EffectiveStatus::Expired;
        }
        if self.unlimited_quota.value() == Some(false)
            && let Some(remain) = self.remain_quota.value()
            && remain <= 0
        {
            return EffectiveStatus::Exhausted;
        }
        EffectiveStatus::Enabled
    }

    /// The fields the effective status of this record depends on.
    pub fn status_inputs(&self) -> &'static [FieldName] {
        match (self.status.value(), self.unlimited_quota.value()) {
            (Some(1), Some(true)) => &[
                FieldName::Status,
                FieldName::ExpiredTime,
                FieldName::UnlimitedQuota,
            ],
            (Some(1), _) => &[
                FieldName::Status,
                FieldName::ExpiredTime,
                FieldName::UnlimitedQuota,
                FieldName::RemainQuota,
            ],
            _ => &[FieldName::Status],
        }
    }
}

/// The state of a key as the gateway enforces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EffectiveStatus {
    Enabled,
    Disabled,
    Expired,
    Exhausted,
    Unknown,
}

impl EffectiveStatus {
    /// Every status, for selectors and help texts.
    pub const ALL: [EffectiveStatus; 5] = [
        EffectiveStatus::Enabled,
        EffectiveStatus::Disabled,
        EffectiveStatus::Expired,
        EffectiveStatus::Exhausted,
        EffectiveStatus::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EffectiveStatus::Enabled => "enabled",
            EffectiveStatus::Disabled => "disabled",
            EffectiveStatus::Expired => "expired",
            EffectiveStatus::Exhausted => "exhausted",
            EffectiveStatus::Unknown => "unknown",
        }
    }

    pub fn from_name(name: &str) -> Option<EffectiveStatus> {
        EffectiveStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

impl fmt::Display for EffectiveStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// allow_ips

/// One line of `allow_ips` (split on `\n` only), as the gateway cleans it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowLine<'a> {
    /// Byte range of the raw line in the `allow_ips` string.
    pub raw: Range<usize>,
    /// The line with every ASCII space removed and surrounding whitespace trimmed, commas kept.
    /// Borrowed from the `allow_ips` string unless the line held inner spaces.
    pub cleaned: Cow<'a, str>,
}

impl AllowLine<'_> {
    /// Whether the line holds a comma once leading and trailing commas are stripped: the
    /// gateway deletes commas, so `1.2.3.4,5.6.7.8` becomes one bogus entry.
    pub fn has_inner_comma(&self) -> bool {
        self.cleaned.trim_matches(',').contains(',')
    }
}

/// One `allow_ips` entry after normalisation, with what it parses to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowEntry<'a> {
    /// The normalised entry text (spaces and commas deleted); borrowed from the `allow_ips`
    /// string unless normalising changed more than the line's ends.
    pub text: Cow<'a, str>,
    /// Index of the line it came from in [`AllowList::lines`].
    pub line: usize,
    pub parsed: ParsedEntry,
}

/// What an `allow_ips` entry is to the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParsedEntry {
    /// A single address.
    Address(IpAddr),
    /// A CIDR, host bits kept as written.
    Cidr(IpNet),
    /// Neither: the gateway skips it.
    Invalid,
}

impl ParsedEntry {
    /// The set of addresses the entry admits, as a network with host bits cleared.
    pub fn network(&self) -> Option<IpNet> {
        match *self {
            ParsedEntry::Address(addr) => Some(IpNet::from(addr)),
            ParsedEntry::Cidr(net) => Some(net.trunc()),
            ParsedEntry::Invalid => None,
        }
    }
}

/// `allow_ips` as the gateway reads it (SPEC §4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList<'a> {
    /// Every raw line, including blank ones (entries refer to lines by index).
    pub lines: Vec<AllowLine<'a>>,
    /// The non-empty entries in order.
    pub entries: Vec<AllowEntry<'a>>,
}

impl<'a> AllowList<'a> {
    /// Reads `allow_ips`: `None` (JSON null) or a string that is empty once ASCII spaces are
    /// removed means no restriction (no entries).
    pub fn parse(raw: Option<&'a str>) -> AllowList<'a> {
        let Some(raw) = raw else {
            return AllowList::default();
        };
        if raw.bytes().all(|b| b == b' ') {
            return AllowList::default();
        }
        let line_count = raw.bytes().filter(|&b| b == b'\n').count() + 1;
        let mut list = AllowList {
            lines: Vec::with_capacity(line_count),
            entries: Vec::with_capacity(line_count),
        };
        let mut start = 0;
        for piece in raw.split('\n') {
            let range = start..start + piece.len();
            start = range.end + 1;
            let cleaned = clean_line(piece);
            let text = without_commas(&cleaned);
            let line = list.lines.len();
            if !text.is_empty() {
                let parsed = parse_entry(&text);
                list.entries.push(AllowEntry { text, line, parsed });
            }
            list.lines.push(AllowLine {
                raw: range,
                cleaned,
            });
        }
        list
    }

    /// Whether the list restricts nothing (no entries after normalisation).
    pub fn is_unrestricted(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A raw line with every ASCII space removed, then surrounding whitespace trimmed. Borrows the
/// line when it holds no space between other characters.
fn clean_line(piece: &str) -> Cow<'_, str> {
    let trimmed = piece.trim();
    if !trimmed.contains(' ') {
        // Removing spaces first and trimming after gives the same text: the spaces the trim
        // leaves in place are inner ones, and there are none.
        return Cow::Borrowed(trimmed);
    }
    let without_spaces: String = piece.chars().filter(|&c| c != ' ').collect();
    match without_spaces.trim() {
        t if t.len() == without_spaces.len() => Cow::Owned(without_spaces),
        t => Cow::Owned(t.to_owned()),
    }
}

/// An entry's text: the cleaned line with its commas deleted.
fn without_commas<'a>(cleaned: &Cow<'a, str>) -> Cow<'a, str> {
    match cleaned {
        c if c.contains(',') => Cow::Owned(c.chars().filter(|&c| c != ',').collect()),
        Cow::Borrowed(c) => Cow::Borrowed(c),
        Cow::Owned(c) => Cow::Owned(c.clone()),
    }
}

fn parse_entry(text: &str) -> ParsedEntry {
    if text.contains('/') {
        text.parse::<IpNet>()
            .map(ParsedEntry::Cidr)
            .unwrap_or(ParsedEntry::Invalid)
    } else {
        text.parse::<IpAddr>()
            .map(ParsedEntry::Address)
            .unwrap_or(ParsedEntry::Invalid)
    }
}

// ---------------------------------------------------------------------------------------------
// model_limits

/// One entry of `model_limits` split on `,` with no trimming, as the gateway reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelEntry<'a> {
    pub text: &'a str,
    /// Byte range of the entry in the `model_limits` string.
    pub range: Range<usize>,
}

impl ModelEntry<'_> {
    /// Non-empty with no surrounding whitespace: the only kind of entry that can match a model.
    pub fn is_usable(&self) -> bool {
        !self.text.is_empty() && self.text.trim() == self.text
    }
}

/// Splits `model_limits` on `,` with no trimming; an empty string yields one empty entry.
pub fn model_entries(raw: &str) -> impl Iterator<Item = ModelEntry<'_>> + Clone {
    let mut start = 0;
    raw.split(',').map(move |text| {
        let range = start..start + text.len();
        start = range.end + 1;
        ModelEntry { text, range }
    })
}

// ---------------------------------------------------------------------------------------------
// Inventory and input forms

/// Where an inventory came from and how it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The base URL fetched, or the input path (`-` for stdin).
    pub source: String,
    /// Pages fetched, when the inventory came from the API (now or in a snapshot).
    pub pages: Option<u64>,
    /// When the keys were fetched (RFC 3339), when known.
    pub fetched_at: Option<String>,
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
    #[error("the list-API response says success is false (server message: {message:?})")]
    ApiFailure { message: String },
    #[error("the list-API response has no `data.items` array")]
    NoItems,
    #[error("key record #{index} (0-based) has no integer `id` ({found})")]
    BadId { index: usize, found: &'static str },
    #[error("key id {id} appears more than once")]
    DuplicateId { id: i64 },
    #[error("the input is larger than {limit_mib} MiB")]
    TooLarge { limit_mib: u64 },
    #[error("unsupported snapshot version {version} (this keylint reads version 1)")]
    SnapshotVersion { version: i64 },
}

/// Parses an inventory document in any of the three accepted forms.
pub fn parse_inventory(bytes: &[u8], source: &str) -> Result<Inventory, InventoryError> {
    let document: Document = from_json(bytes).map_err(json_error)?;
    let (keys, pages, fetched_at, source) = match document {
        Document::Array(keys) => (keys, None, None, source.to_owned()),
        Document::Object(object) => object.into_parts(source)?,
    };
    let keys = validate_ids(keys)?;
    Ok(Inventory {
        provenance: Provenance {
            source,
            pages,
            fetched_at,
        },
        keys,
    })
}

/// Parses one page of the list API: `{success, message, data: {page, page_size, total, items}}`.
pub fn parse_page(bytes: &[u8]) -> Result<Page, InventoryError> {
    let object: PageDocument = from_json(bytes).map_err(json_error)?;
    if object.success != Some(true) {
        return Err(InventoryError::ApiFailure {
            message: object.message.unwrap_or_default(),
        });
    }
    let data = object.data.ok_or(InventoryError::NoItems)?;
    let items = data.items.ok_or(InventoryError::NoItems)?;
    Ok(Page {
        total: data.total,
        keys: validate_ids(items)?,
    })
}

/// Deserializes a JSON document. A document that is valid UTF-8 (the usual case) is checked
/// once as a whole instead of string by string; one that is not goes through the byte parser,
/// which reports where.
fn from_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// One page of the list API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// `data.total`, when it was an integer.
    pub total: Option<i64>,
    pub keys: Vec<KeyRecord>,
}

fn validate_ids(records: Records) -> Result<Vec<KeyRecord>, InventoryError> {
    let Records { keys, first_bad_id } = records;
    // The first problem in document order wins: a repeated id before the first record
    // without one, or that record.
    let valid = first_bad_id.map_or(keys.len(), |(index, _)| index);
    if let Some(id) = first_repeated_id(&keys[..valid]) {
        return Err(InventoryError::DuplicateId { id });
    }
    if let Some((index, found)) = first_bad_id {
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

/// Messages of our own that are safe to show (they quote no document value).
const OWN_MESSAGES: [&str; 2] = [EXPECTED_KEY_OBJECT, EXPECTED_KEY_ARRAY];
const EXPECTED_KEY_OBJECT: &str = "a key record is not a JSON object";
const EXPECTED_KEY_ARRAY: &str = "expected an array of key objects";

/// Turns a serde_json error into one that quotes nothing from the document: serde's own
/// messages can embed string values (a key, in a hostile document).
fn json_error(err: serde_json::Error) -> InventoryError {
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
                RecordsVisitor.visit_seq(seq).map(Document::Array)
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
    keys: Option<Records>,
    // list-API response
    success: Option<Lenient<bool>>,
    message: Option<Lenient<String>>,
    data: Option<PageData>,
}

impl ObjectDocument {
    #[allow(clippy::type_complexity)]
    fn into_parts(
        self,
        input: &str,
    ) -> Result<(Records, Option<u64>, Option<String>, String), InventoryError> {
        if self
            .format
            .as_ref()
            .and_then(Lenient::get)
            .map(String::as_str)
            == Some(SNAPSHOT_FORMAT)
        {
            let version = self.version.and_then(|v| v.into_inner()).unwrap_or(0);
            if version != 1 {
                return Err(InventoryError::SnapshotVersion { version });
            }
            let keys = self.keys.ok_or(InventoryError::NoItems)?;
            let pages = self
                .pages
                .and_then(Lenient::into_inner)
                .and_then(|p| u64::try_from(p).ok());
            let source = self
                .source
                .and_then(Lenient::into_inner)
                .unwrap_or_else(|| input.to_owned());
            let fetched_at = self.fetched_at.and_then(Lenient::into_inner);
            return Ok((keys, pages, fetched_at, source));
        }
        if self.success.is_some() || self.data.is_some() {
            if self.success.and_then(Lenient::into_inner) != Some(true) {
                return Err(InventoryError::ApiFailure {
                    message: self
                        .message
                        .and_then(Lenient::into_inner)
                        .unwrap_or_default(),
                });
            }
            let items = self
                .data
                .and_then(|d| d.items)
                .ok_or(InventoryError::NoItems)?;
            return Ok((items, Some(1), None, input.to_owned()));
        }
        Err(InventoryError::UnknownShape {
            found: "a JSON object with neither `format: \"keylint-snapshot\"` nor `success`/`data`",
        })
    }
}

#[derive(Deserialize)]
struct PageDocument {
    success: Option<bool>,
    message: Option<String>,
    data: Option<PageData>,
}

#[derive(Deserialize)]
struct PageData {
    #[serde(default, deserialize_with = "lenient_int")]
    total: Option<i64>,
    items: Option<Records>,
}

fn lenient_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Lenient::<i64>::deserialize(d)?.into_inner())
}

/// An array of key records. A record without an integer `id` keeps 0 there; the first such
/// record is remembered, to be reported once the document's shape is known.
struct Records {
    keys: Vec<KeyRecord>,
    first_bad_id: Option<(usize, &'static str)>,
}

impl<'de> Deserialize<'de> for Records {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RecordsVisitor)
    }
}

struct RecordsVisitor;

impl<'de> Visitor<'de> for RecordsVisitor {
    type Value = Records;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(EXPECTED_KEY_ARRAY)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut keys = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        let mut first_bad_id = None;
        while let Some(id) = seq.next_element_seed(RecordSeed { keys: &mut keys })? {
            let index = keys.len() - 1;
            match id {
                Field::Present(id) => keys[index].id = id,
                Field::Missing => {
                    first_bad_id.get_or_insert((index, "missing"));
                }
                Field::Mistyped(found) => {
                    first_bad_id.get_or_insert((index, found));
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

/// Reads the next record of an array straight into a new last element of `keys` (records are
/// a few hundred bytes: not moving them through the parser's return values saves copies), and
/// returns its `id` for the caller to check.
struct RecordSeed<'k> {
    keys: &'k mut Vec<KeyRecord>,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Field<i64>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Field<i64>, D::Error> {
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
    type Value = Field<i64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(EXPECTED_KEY_OBJECT)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field<i64>, A::Error> {
        let mut id = Field::Missing;
        let r = self.record;
        let mut stored_digest = None;
        while let Some(name) = map.next_key::<FieldKey>()? {
            let field = match name {
                FieldKey::Field(field) => field,
                FieldKey::KeySha256 => {
                    stored_digest = map.next_value::<Scalar>()?.stored_digest();
                    continue;
                }
                FieldKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if field == FieldName::Key {
                r.key_sha256 = map.next_value::<KeyDigest>()?.0;
                continue;
            }
            let value = map.next_value::<Scalar>()?;
            match field {
                FieldName::Id => id = value.integer(),
                FieldName::UserId => r.user_id = value.integer(),
                FieldName::Key => {}
                FieldName::Status => r.status = value.integer(),
                FieldName::Name => r.name = value.string(),
                FieldName::CreatedTime => r.created_time = value.integer(),
                FieldName::AccessedTime => r.accessed_time = value.integer(),
                FieldName::ExpiredTime => r.expired_time = value.integer(),
                FieldName::RemainQuota => r.remain_quota = value.integer(),
                FieldName::UsedQuota => r.used_quota = value.integer(),
                FieldName::UnlimitedQuota => r.unlimited_quota = value.boolean(),
                FieldName::ModelLimitsEnabled => r.model_limits_enabled = value.boolean(),
                FieldName::ModelLimits => r.model_limits = value.string(),
                FieldName::AllowIps => r.allow_ips = value.nullable_string(),
                FieldName::Group => r.group = value.string(),
                FieldName::CrossGroupRetry => r.cross_group_retry = value.boolean(),
            }
        }
        // A `key` wins over a stored digest: it is the value the digest stands for.
        if r.key_sha256.is_none() {
            r.key_sha256 = stored_digest;
        }
        Ok(id)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Field<i64>, A::Error> {
        Err(de::Error::custom(EXPECTED_KEY_OBJECT))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Field<i64>, E> {
        Err(E::custom(EXPECTED_KEY_OBJECT))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Field<i64>, E> {
        Err(E::custom(EXPECTED_KEY_OBJECT))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Field<i64>, E> {
        Err(E::custom(EXPECTED_KEY_OBJECT))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Field<i64>, E> {
        Err(E::custom(EXPECTED_KEY_OBJECT))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Field<i64>, E> {
        Err(E::custom(EXPECTED_KEY_OBJECT))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Field<i64>, E> {
        Err(E::custom(EXPECTED_KEY_OBJECT))
    }
}

/// A record property name: a known field, a snapshot's `key_sha256`, or one to ignore.
enum FieldKey {
    Field(FieldName),
    KeySha256,
    Other,
}

impl FieldKey {
    fn from_name(name: &str) -> FieldKey {
        match FieldName::from_name(name) {
            Some(field) => FieldKey::Field(field),
            None if name == KEY_SHA256 => FieldKey::KeySha256,
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
enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Other(&'static str),
}

impl Scalar {
    fn type_name(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "boolean",
            Scalar::Int(_) => "integer",
            Scalar::Str(_) => "string",
            Scalar::Other(t) => t,
        }
    }
    fn integer(self) -> Field<i64> {
        match self {
            Scalar::Int(v) => Field::Present(v),
            Scalar::Null => Field::Missing,
            other => Field::Mistyped(other.type_name()),
        }
    }
    fn boolean(self) -> Field<bool> {
        match self {
            Scalar::Bool(v) => Field::Present(v),
            Scalar::Null => Field::Missing,
            other => Field::Mistyped(other.type_name()),
        }
    }
    fn string(self) -> Field<String> {
        match self {
            Scalar::Str(v) => Field::Present(v),
            Scalar::Null => Field::Missing,
            other => Field::Mistyped(other.type_name()),
        }
    }
    fn nullable_string(self) -> Field<Option<String>> {
        match self {
            Scalar::Str(v) => Field::Present(Some(v)),
            Scalar::Null => Field::Present(None),
            other => Field::Mistyped(other.type_name()),
        }
    }
}

/// A `key` value, hashed straight from the input buffer and never stored.
struct KeyDigest(Option<String>);

impl<'de> Deserialize<'de> for KeyDigest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DigestVisitor;
        impl<'de> Visitor<'de> for DigestVisitor {
            type Value = KeyDigest;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyDigest, E> {
                Ok(KeyDigest((!v.is_empty()).then(|| key_sha256(v))))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<KeyDigest, E> {
                Ok(KeyDigest((!v.is_empty()).then(|| key_sha256(v))))
            }
            // Anything but a string reads as no key.
            fn visit_unit<E>(self) -> Result<KeyDigest, E> {
                Ok(KeyDigest(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<KeyDigest, E> {
                Ok(KeyDigest(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<KeyDigest, E> {
                Ok(KeyDigest(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<KeyDigest, E> {
                Ok(KeyDigest(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<KeyDigest, E> {
                Ok(KeyDigest(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeyDigest, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(KeyDigest(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyDigest, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(KeyDigest(None))
            }
        }
        deserializer.deserialize_any(DigestVisitor)
    }
}

impl Scalar {
    /// A snapshot's `key_sha256`: kept only when it has the shape keylint writes (16 lowercase
    /// hex digits), so a hand-edited file cannot smuggle another value into reports.
    fn stored_digest(self) -> Option<String> {
        match self {
            Scalar::Str(v) if is_key_digest(&v) => Some(v),
            _ => None,
        }
    }
}

/// The snapshot property that stands for `key`.
pub const KEY_SHA256: &str = "key_sha256";

/// Whether a text has the shape of [`key_sha256`]'s output: 16 lowercase hex digits.
pub fn is_key_digest(text: &str) -> bool {
    text.len() == 16 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The first 16 hex digits of the SHA-256 of a key value.
pub fn key_sha256(key: &str) -> String {
    crate::text::digest::sha256_hex(&[key.as_bytes()], 8)
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
                    .unwrap_or(Scalar::Other("integer out of range")))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Scalar, E> {
                Ok(Scalar::Other("fractional number"))
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("object"))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// A document-level value read with the record's tolerance: wrong types become `None`.
struct Lenient<T>(Option<T>);

impl<T> Lenient<T> {
    fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }
    fn into_inner(self) -> Option<T> {
        self.0
    }
}

impl<'de> Deserialize<'de> for Lenient<String> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Lenient(match Scalar::deserialize(d)?.string() {
            Field::Present(s) => Some(s),
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

#[cfg(test)]
mod tests {
    use super::*;

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
            error_of(r#"{"success":true,"data":{"items":[{"id":4},{"id":null}]}}"#),
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

    #[test]
    fn allow_lists_clean_lines_like_the_gateway() {
        let raw = " 1.2.3.4 \n\t10.0.0.1,\n1 .2.3.4\n\n5.6.7.8, 9.9.9.9\r";
        let list = AllowList::parse(Some(raw));
        let cleaned: Vec<&str> = list.lines.iter().map(|l| l.cleaned.as_ref()).collect();
        assert_eq!(
            cleaned,
            ["1.2.3.4", "10.0.0.1,", "1.2.3.4", "", "5.6.7.8,9.9.9.9"]
        );
        let texts: Vec<(&str, usize)> = list
            .entries
            .iter()
            .map(|e| (e.text.as_ref(), e.line))
            .collect();
        assert_eq!(
            texts,
            [
                ("1.2.3.4", 0),
                ("10.0.0.1", 1),
                ("1.2.3.4", 2),
                ("5.6.7.89.9.9.9", 4)
            ]
        );
        assert_eq!(&raw[list.lines[4].raw.clone()], "5.6.7.8, 9.9.9.9\r");
        assert!(AllowList::parse(Some("   ")).is_unrestricted());
        assert!(AllowList::parse(None).is_unrestricted());
    }
}
