//! A generated inventory with more findings than a SARIF run may hold (GitHub accepts 25,000
//! results), for the tests of the SARIF limits. Deterministic: the same call gives the same
//! bytes.
//!
//! Every key breaks several rules of the default pack at the tests' `--now`:
//!
//! - KL101 no-expiry (error), KL401 no-model-limits (warning), KL503 key-age (warning) and
//!   KL506 ineffective-cross-group-retry (note), on every key;
//! - one key in four has the same invalid allowlist entry twice next to a valid one: two
//!   KL302 invalid-ip-entry errors of one rule on one key, with the same evidence; the others
//!   have no allowlist: KL301 no-ip-allowlist (warning).
//!
//! So `keys` keys give `keys * 1.5` errors and about `keys * 5.25` findings: with 12,000 keys,
//! 18,000 errors (they all fit) among 63,000 findings (they do not).

#![allow(dead_code)]

use serde_json::{Value, json};

/// The tests' `--now`, 2026-11-26T12:00:00Z, in unix seconds.
const NOW_UNIX: i64 = 1_795_694_400;
const DAY: i64 = 86_400;

/// How many keys the limit tests generate.
pub const KEYS: usize = 12_000;

/// Error-level findings of an inventory of `keys` keys.
pub fn errors(keys: usize) -> usize {
    keys + 2 * keys.div_ceil(4)
}

/// The inventory as a JSON array of key objects.
pub fn inventory(keys: usize) -> Vec<u8> {
    let records: Vec<Value> = (0..keys).map(record).collect();
    serde_json::to_vec(&records).expect("serializes")
}

fn record(i: usize) -> Value {
    let allow_ips = if i.is_multiple_of(4) {
        format!(
            "not-an-ip\nnot-an-ip\n34.{}.{}.{}",
            i / 65_536,
            i / 256 % 256,
            i % 256
        )
    } else {
        String::new()
    };
    json!({
        "id": 100_000 + i,
        "user_id": 1,
        "key": format!("sk-big-{i:08}-0123456789abcdef0123456789abcdef"),
        "status": 1,
        "name": format!("svc-{i}"),
        "created_time": NOW_UNIX - 200 * DAY,
        "accessed_time": NOW_UNIX - DAY,
        "expired_time": -1,
        "remain_quota": 1_000,
        "used_quota": 10,
        "unlimited_quota": false,
        "model_limits_enabled": false,
        "model_limits": "",
        "allow_ips": allow_ips,
        "group": "default",
        "cross_group_retry": true,
    })
}
