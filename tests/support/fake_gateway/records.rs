//! The key records each dialect serves, as its list endpoint returns them (GATEWAYS.md §3):
//! new-api's full record (with `cross_group_retry`); the legacy / Veloera one (without it, with
//! `"DeletedAt": null`); one-api's and laisky's (`models` / `subnet`); one-hub's (`group`,
//! `backup_group`, the nested `setting.limits`). Restrictions vary with the id so that every
//! inventory holds a mix. Every key value starts with [`KEY_PREFIX`], the canary.

use serde_json::{Value, json};

use super::{Dialect, Entry, KEY_PREFIX, Options};

/// The keys the gateway holds at start, newest first: [`Options::records`] when set,
/// otherwise ids `keys..=1` generated in the dialect's shape.
pub(super) fn initial(opts: &Options) -> Vec<Entry> {
    let Some(records) = &opts.records else {
        return (1..=opts.keys).rev().map(|id| generate(opts, id)).collect();
    };
    let count = records.len();
    records
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let id = match doc.get("id").and_then(Value::as_u64) {
                Some(id) => id,
                None if opts.uuid_only => u64::try_from(count - i).expect("rank fits u64"),
                None => panic!("a record served by the fake gateway needs an integer id: {doc}"),
            };
            Entry {
                id,
                doc: doc.clone(),
            }
        })
        .collect()
}

/// The key `id` as the dialect of `opts` serves it.
pub(super) fn generate(opts: &Options, id: u64) -> Entry {
    let mut doc = match opts.dialect {
        Dialect::NewApi => new_api(id, opts.masked),
        Dialect::NewApiLegacy | Dialect::Veloera => legacy(id, opts.masked),
        Dialect::OneApi | Dialect::OneApiLaisky => one_api(id, opts.masked),
        Dialect::OneHub => one_hub(id, opts.masked),
    };
    if opts.uuid_only {
        let map = doc.as_object_mut().expect("a record is an object");
        map.remove("id");
        map.remove("user_id");
        map.insert("uuid".to_owned(), json!(uuid(0x4000, id)));
        map.insert("user_uuid".to_owned(), json!(uuid(0x9000, 1)));
    }
    Entry { id, doc }
}

/// A UUID-looking string made from `n`, distinct per `variant`.
fn uuid(variant: u32, n: u64) -> String {
    format!("0197c2a4-5e00-7000-{variant:04x}-{n:012}")
}

/// A key value carrying the canary: masked as new-api masks, or `len` characters in full.
fn key_value(id: u64, masked: bool, len: usize) -> String {
    if masked {
        return format!("{KEY_PREFIX}**********{:04}", id % 10_000);
    }
    let mut key = format!("{KEY_PREFIX}{id:012}abcdefghijklmnopqrstuvwxyzABCDEF");
    key.truncate(len);
    key
}

/// The fields every dialect shares (one-api's original record).
fn common(id: u64, key: String) -> Value {
    let time = 1_766_102_400 + i64::try_from(id).expect("id fits i64");
    json!({
        "id": id,
        "user_id": 1,
        "key": key,
        "status": if id.is_multiple_of(7) { 2 } else { 1 },
        "name": format!("key-{id}"),
        "created_time": time,
        "accessed_time": time,
        "expired_time": if id.is_multiple_of(3) { -1 } else { 1_798_761_600 },
        "remain_quota": 100_000,
        "used_quota": 0,
        "unlimited_quota": id.is_multiple_of(5),
    })
}

fn extend(mut doc: Value, more: Value) -> Value {
    let map = doc.as_object_mut().expect("a record is an object");
    for (name, value) in more.as_object().expect("fields are an object") {
        map.insert(name.clone(), value.clone());
    }
    doc
}

/// new-api (CometAPI) since CIDR allowlists: every field, `cross_group_retry` included.
fn new_api(id: u64, masked: bool) -> Value {
    let mut doc = legacy(id, masked);
    let map = doc.as_object_mut().expect("a record is an object");
    map.remove("DeletedAt");
    map.insert("cross_group_retry".to_owned(), json!(false));
    doc
}

/// new-api before the paged dialect, and Veloera: no `cross_group_retry`, a `DeletedAt`.
fn legacy(id: u64, masked: bool) -> Value {
    let own = json!({
        "model_limits_enabled": false,
        "model_limits": "",
        "allow_ips": if id.is_multiple_of(2) { Value::Null } else { json!("203.0.113.7") },
        "group": "",
        "DeletedAt": null,
    });
    extend(common(id, key_value(id, masked, usize::MAX)), own)
}

/// one-api (songquanpeng) and laisky: nullable `models` and `subnet` strings.
fn one_api(id: u64, masked: bool) -> Value {
    let own = json!({
        "models": if id.is_multiple_of(3) { json!("gpt-4o,gpt-4o-mini") } else { Value::Null },
        "subnet": if id.is_multiple_of(2) { Value::Null } else { json!("10.0.0.0/8") },
    });
    extend(common(id, key_value(id, masked, usize::MAX)), own)
}

/// one-hub / done-hub: 48-character keys, groups, the nested `setting.limits`.
fn one_hub(id: u64, masked: bool) -> Value {
    let whitelist = if id.is_multiple_of(2) {
        json!([])
    } else {
        json!(["203.0.113.7", "10.0.0.0/8"])
    };
    let models = if id.is_multiple_of(3) {
        json!(["gpt-4o", "gpt-4o-mini"])
    } else {
        json!([])
    };
    let own = json!({
        "group": "default",
        "backup_group": "",
        "setting": {"limits": {
            "limits_ip_setting": {"enabled": !id.is_multiple_of(2), "whitelist": whitelist},
            "limit_model_setting": {"enabled": id.is_multiple_of(3), "models": models},
        }},
    });
    extend(common(id, key_value(id, masked, 48)), own)
}
