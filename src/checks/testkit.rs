//! Builders shared by the checks' unit tests.

use super::*;
use crate::inventory::{Dialect, Field, KeyRecord};

/// 2026-11-26T12:00:00Z, the evaluation time of the unit tests.
pub const NOW: i64 = 1_795_694_400;
pub const DAY: i64 = crate::text::clock::DAY;

/// A healthy enabled key: created 10 days before NOW, used 1 day before NOW, expires in
/// 60 days, limited quota, model limits enabled with one model, one public IP allowed.
pub fn key() -> KeyRecord {
    KeyRecord {
        id: 1,
        user_id: Field::Present(7),
        key_sha256: crate::inventory::KeyDigest::parse("0123456789abcdef"),
        status: Field::Present(1),
        name: Field::Present("ci".into()),
        created_time: Field::Present(NOW - 10 * DAY),
        accessed_time: Field::Present(NOW - DAY),
        expired_time: Field::Present(NOW + 60 * DAY),
        remain_quota: Field::Present(1000),
        used_quota: Field::Present(0),
        unlimited_quota: Field::Present(false),
        model_limits_enabled: Field::Present(true),
        model_limits: Field::Present("gpt-4o".into()),
        allow_ips: Field::Present(Some("8.8.8.8".into())),
        group: Field::Present("default".into()),
        cross_group_retry: Field::Present(false),
        subnet: Field::Missing,
        models: Field::Missing,
        setting: Field::Missing,
    }
}

/// A healthy enabled key as a gateway of `dialect` sends it, with the members of
/// `overrides` (a JSON object) replacing the record's.
pub fn dialect_key(dialect: Dialect, overrides: &serde_json::Value) -> KeyRecord {
    use serde_json::json;
    let mut record = json!({
        "id": 1, "user_id": 7, "key": "sk-test", "status": 1, "name": "ci",
        "created_time": NOW - 10 * DAY, "accessed_time": NOW - DAY,
        "expired_time": NOW + 60 * DAY, "remain_quota": 1000, "used_quota": 0,
        "unlimited_quota": false,
    });
    let own = match dialect {
        Dialect::NewApi | Dialect::NewApiLegacy => json!({
            "model_limits_enabled": true, "model_limits": "gpt-4o",
            "allow_ips": "8.8.8.8", "group": "default",
        }),
        Dialect::OneApi | Dialect::OneApiLaisky => {
            json!({"models": "gpt-4o", "subnet": "8.8.8.0/24"})
        }
        Dialect::OneHub => json!({"group": "default", "setting": {"limits": {
            "limit_model_setting": {"enabled": true, "models": ["gpt-4o"]},
            "limits_ip_setting": {"enabled": true, "whitelist": ["8.8.8.8"]},
        }}}),
    };
    let object = record.as_object_mut().expect("an object");
    object.extend(own.as_object().expect("an object").clone());
    if dialect == Dialect::NewApi {
        object.insert("cross_group_retry".into(), json!(false));
    }
    object.extend(
        overrides
            .as_object()
            .expect("overrides are an object")
            .clone(),
    );
    let text = serde_json::to_string(&[record]).expect("serializes");
    let inventory =
        crate::inventory::parse_inventory(text.as_bytes(), "test").expect("the record parses");
    inventory.keys.into_iter().next().expect("one record")
}

/// Runs a per-key check with its default parameters on a healthy key of `dialect` with
/// `overrides` applied.
pub fn run_on(kind: &CheckKind, dialect: Dialect, overrides: &serde_json::Value) -> Vec<Violation> {
    run_record(kind, dialect, &dialect_key(dialect, overrides))
}

/// Runs a per-key check with its default parameters on `record`, read as `dialect`.
pub fn run_record(kind: &CheckKind, dialect: Dialect, record: &KeyRecord) -> Vec<Violation> {
    let ctx = KeyContext::reading(record, NOW, dialect, crate::inventory::CidrSupport::Auto);
    let mut out = Vec::new();
    match kind.eval {
        Eval::PerKey(f) => f(&ctx, &Params::defaults(kind), &mut out),
        _ => panic!("{} is not a per-key check", kind.name),
    }
    out
}

/// The healthy key with the given `allow_ips` string.
pub fn with_allow_ips(allow_ips: &str) -> KeyRecord {
    KeyRecord {
        allow_ips: Field::Present(Some(allow_ips.to_owned())),
        ..key()
    }
}

/// The healthy key with the given model limits.
pub fn with_models(enabled: bool, model_limits: &str) -> KeyRecord {
    KeyRecord {
        model_limits_enabled: Field::Present(enabled),
        model_limits: Field::Present(model_limits.to_owned()),
        ..key()
    }
}

/// `record` lacking one field (`id` cannot be missing: the record is returned unchanged).
pub fn without(record: &KeyRecord, field: FieldName) -> KeyRecord {
    let mut r = record.clone();
    r.clear(field);
    r
}

/// Numeric parameters for [`run_with`].
pub fn numbers(values: &[(&ParamSpec, i64)]) -> Params {
    Params::Numbers(
        values
            .iter()
            .map(|(spec, value)| (spec.name, *value))
            .collect(),
    )
}

/// The evidence of every violation, in order.
pub fn evidence(found: &[Violation]) -> Vec<&str> {
    found.iter().map(|v| v.evidence.as_str()).collect()
}

/// The default pack, as embedded in the binary.
pub const DEFAULT_PACK: &str = include_str!("../../rules/default.toml");

/// The default pack's rules agree with the registry: one rule per check kind in registry
/// order, named after its kind, with the kind's declared parameters at their defaults.
#[test]
fn default_pack_matches_the_registry() {
    let pack: toml::Table = toml::from_str(DEFAULT_PACK).expect("default pack parses");
    let rules = pack["rule"].as_array().expect("[[rule]] array");
    let kinds: Vec<_> = pack_kinds().filter(|k| k.name != "field").collect();
    assert_eq!(rules.len(), kinds.len());
    let raw_status = [
        "KL104", "KL105", "KL202", "KL504", "KL505", "KL506", "KL507",
    ];
    for (rule, kind) in rules.iter().zip(kinds) {
        let id = rule["id"].as_str().unwrap();
        assert_eq!(rule["name"].as_str(), Some(kind.name), "{id}");
        assert_eq!(rule["check"].as_str(), Some(kind.name), "{id}");
        assert!(
            matches!(
                rule["severity"].as_str(),
                Some("error" | "warning" | "note")
            ),
            "{id}"
        );
        let summary = rule["summary"].as_str().unwrap();
        assert!(!summary.is_empty() && summary.chars().count() <= 70, "{id}");
        assert!(!rule["help"].as_str().unwrap().is_empty(), "{id}");
        let any_status: toml::Table = toml::from_str("status = [\"any\"]").unwrap();
        let when = rule.get("when").and_then(|w| w.as_table());
        if raw_status.contains(&id) {
            assert_eq!(when, Some(&any_status), "{id}");
        } else {
            assert_eq!(when, None, "{id}");
        }
        let params: Vec<(String, i64)> = rule
            .get("params")
            .and_then(|p| p.as_table())
            .map(|t| {
                t.iter()
                    .map(|(k, v)| (k.clone(), v.as_integer().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        let mut declared: Vec<(String, i64)> = kind
            .params
            .iter()
            .map(|p| (p.name.to_owned(), p.default))
            .collect();
        declared.sort();
        assert_eq!(params, declared, "{id}");
    }
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "ids are unique and in order");
    assert_eq!((ids[0], ids[ids.len() - 1]), ("KL101", "KL507"));
}

/// Runs a per-key check with its default parameters at NOW.
pub fn run(kind: &CheckKind, record: &KeyRecord) -> Vec<Violation> {
    run_with(kind, record, &Params::defaults(kind))
}

/// Runs a per-key check with the given parameters at NOW.
pub fn run_with(kind: &CheckKind, record: &KeyRecord, params: &Params) -> Vec<Violation> {
    let ctx = KeyContext::new(record, NOW);
    let mut out = Vec::new();
    match kind.eval {
        Eval::PerKey(f) => f(&ctx, params, &mut out),
        _ => panic!("{} is not a per-key check", kind.name),
    }
    out
}

/// Runs an inventory-wide check with its default parameters at NOW.
pub fn run_inventory(kind: &CheckKind, records: &[KeyRecord]) -> Vec<(usize, Violation)> {
    let contexts: Vec<KeyContext<'_>> = records.iter().map(|r| KeyContext::new(r, NOW)).collect();
    let refs: Vec<&KeyContext<'_>> = contexts.iter().collect();
    let mut out = Vec::new();
    match kind.eval {
        Eval::Inventory(f) => f(&refs, &Params::defaults(kind), &mut out),
        _ => panic!("{} is not an inventory check", kind.name),
    }
    out
}
