//! The key record and the inventory: tolerant parsing of the list API's key objects, the
//! effective status and the `allow_ips` / `model_limits` lists exactly as the gateway reads them,
//! and the three input forms `check --input` accepts (keylint snapshot, raw list-API response
//! body, JSON array of key objects).
//!
//! - `record`: the one table of record fields, [`KeyRecord`], [`Field`], [`JsonType`];
//! - `status`: [`EffectiveStatus`] and what it depends on;
//! - `allow_ips`, `model_limits`: the two lists as the gateway reads them;
//! - `de`: the single-pass, tolerant deserialisation of records (no `serde_json::Value`);
//! - `setting`: one-hub's nested `setting` object;
//! - [`dialect`]: the dialects of the family, and per dialect what its restriction fields mean,
//!   as one normalised view;
//! - `envelope`: the list API's `{success, message, data}` envelope in every dialect's shape,
//!   live and from a file;
//! - `input`: the input forms, the completeness of the forms that carry a total, the id checks;
//! - [`snapshot`]: the redacted snapshot `keylint fetch` writes.
//!
//! The `key` field is a secret: it is never stored. Parsing hashes it into
//! [`KeyRecord::key_sha256`] (the first 16 hex digits of its SHA-256) and drops it.

mod allow_ips;
mod de;
pub mod dialect;
mod envelope;
mod input;
mod model_limits;
mod record;
pub mod setting;
pub mod snapshot;
mod status;

pub use allow_ips::{AllowEntry, AllowLine, AllowList, ParsedEntry};
pub use dialect::{CidrSupport, Dialect, Restrictions, Shape};
pub use envelope::{Page, parse_page};
pub use input::{Inventory, InventoryError, Provenance, parse_inventory};
pub use model_limits::{ModelEntry, model_entries};
pub use record::{
    FIELD_COUNT, Field, FieldName, FieldState, FieldType, FieldValue, HubSetting, HubSwitch,
    JsonType, KEY_SHA256, KeyDigest, KeyRecord, key_sha256,
};
pub use status::EffectiveStatus;

/// The largest inventory file `check --input` reads (a 100,000-key inventory is about 40 MB).
pub const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;

/// The `format` marker of a keylint snapshot.
pub const SNAPSHOT_FORMAT: &str = "keylint-snapshot";
