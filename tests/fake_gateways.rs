//! Tests of the fake gateways themselves, over raw HTTP: each dialect pages, answers,
//! authenticates and shapes its records as GATEWAYS.md says its real gateway does, and the
//! faults work on every dialect with pages numbered as the dialect numbers them.
//! The rate limiter has its own file, `fake_rate_limit.rs`.

#[path = "support/fake_gateway.rs"]
mod fake_gateway;

use std::collections::BTreeSet;

use fake_gateway::client::{get, get_ok, page};
use fake_gateway::{ALWAYS, Dialect, FakeGateway, Fault, KEY_PREFIX, Options, TOKEN};
use serde_json::{Value, json};

fn start(dialect: Dialect, keys: u64) -> FakeGateway {
    FakeGateway::start(Options {
        dialect,
        ..Options::with_keys(keys)
    })
}

/// A list request for `page` (as the dialect counts it) of `size`, in the dialect's own
/// parameters.
fn target(dialect: Dialect, page: u64, size: u64) -> String {
    match dialect {
        Dialect::NewApi => format!("/api/token/?p={page}&page_size={size}"),
        Dialect::OneHub => format!("/api/token/?page={page}&size={size}"),
        _ => format!("/api/token/?p={page}&size={size}"),
    }
}

/// The records of a successful list response, whatever the dialect's envelope.
fn rows(dialect: Dialect, body: &Value) -> Vec<Value> {
    assert_eq!(body["success"], true, "{body}");
    let rows = match dialect {
        Dialect::NewApi => &body["data"]["items"],
        Dialect::OneHub => &body["data"]["data"],
        _ => &body["data"],
    };
    match rows {
        Value::Null => Vec::new(),
        Value::Array(rows) => rows.clone(),
        other => panic!("records are not an array: {other}"),
    }
}

fn ids(dialect: Dialect, body: &Value) -> Vec<u64> {
    rows(dialect, body)
        .iter()
        .map(|r| r["id"].as_u64().expect("an integer id"))
        .collect()
}

/// `count` ids, newest first, from `newest` down.
fn desc(newest: u64, count: u64) -> Vec<u64> {
    (newest + 1 - count..=newest).rev().collect()
}

/// The dialect's total in `body`, `None` when absent.
fn total(dialect: Dialect, body: &Value) -> Option<Value> {
    match dialect {
        Dialect::NewApi => body["data"].get("total").cloned(),
        Dialect::OneHub => body["data"].get("total_count").cloned(),
        Dialect::OneApiLaisky => body.get("total").cloned(),
        _ => None,
    }
}

/// A bare-array envelope without a total anywhere.
fn assert_bare_without_total(body: &Value) {
    let fields: BTreeSet<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from(["data", "message", "success"]),
        "{body}"
    );
    assert!(body["data"].is_array(), "{body}");
}

fn fields(record: &Value) -> BTreeSet<String> {
    record.as_object().unwrap().keys().cloned().collect()
}

const ONE_API_FIELDS: [&str; 13] = [
    "id",
    "user_id",
    "key",
    "status",
    "name",
    "created_time",
    "accessed_time",
    "expired_time",
    "remain_quota",
    "unlimited_quota",
    "used_quota",
    "models",
    "subnet",
];

fn one_api_fields() -> BTreeSet<String> {
    ONE_API_FIELDS.iter().map(|f| (*f).to_owned()).collect()
}

#[test]
fn new_api_pages_from_one_with_page_size_and_data_total() {
    let d = Dialect::NewApi;
    assert_eq!(Options::default().dialect, d);
    let gw = start(d, 150);
    let first = page(&gw, "/api/token/?p=1&page_size=10");
    assert_eq!(ids(d, &first), desc(150, 10));
    assert_eq!(first["data"]["total"], 150);
    assert_eq!(first["data"]["page"], 1);
    assert_eq!(first["data"]["page_size"], 10);
    for same in ["/api/token/?p=0&page_size=10", "/api/token/?page_size=10"] {
        assert_eq!(ids(d, &page(&gw, same)), desc(150, 10), "{same}");
    }
    assert_eq!(
        ids(d, &page(&gw, "/api/token/?p=2&page_size=10")),
        desc(140, 10)
    );
    assert_eq!(rows(d, &page(&gw, "/api/token/?p=1&ps=7")).len(), 7);
    assert_eq!(rows(d, &page(&gw, "/api/token/?p=1&size=9")).len(), 9);
    assert_eq!(
        rows(d, &page(&gw, "/api/token/?p=1&page_size=500")).len(),
        100
    );
    let past = page(&gw, "/api/token/?p=3&page_size=100");
    assert_eq!(past["data"]["items"], json!([]));
    assert_eq!(past["data"]["total"], 150);
    let record = &rows(d, &first)[0];
    assert_eq!(record["cross_group_retry"], false);
    assert!(record.get("DeletedAt").is_none());
    assert!(record["key"].as_str().unwrap().starts_with(KEY_PREFIX));
}

#[test]
fn legacy_and_veloera_page_from_zero_with_size_and_no_total() {
    for d in [Dialect::NewApiLegacy, Dialect::Veloera] {
        let gw = start(d, 150);
        let first = page(&gw, "/api/token/?p=0&size=5");
        assert_bare_without_total(&first);
        assert_eq!(ids(d, &first), desc(150, 5));
        assert_eq!(ids(d, &page(&gw, "/api/token/?p=1&size=5")), desc(145, 5));
        for same in ["/api/token/?p=-1&size=5", "/api/token/?size=5"] {
            assert_eq!(ids(d, &page(&gw, same)), desc(150, 5), "{d:?} {same}");
        }
        assert_eq!(rows(d, &page(&gw, "/api/token/?p=0")).len(), 10);
        assert_eq!(rows(d, &page(&gw, "/api/token/?p=0&size=150")).len(), 100);
        assert_eq!(
            rows(d, &page(&gw, "/api/token/?p=0&page_size=50")).len(),
            10,
            "page_size is not a parameter of {d:?}"
        );
        let past = page(&gw, "/api/token/?p=30&size=5");
        assert_bare_without_total(&past);
        assert_eq!(past["data"], json!([]));
        let record = &rows(d, &first)[0];
        assert_eq!(record.get("DeletedAt"), Some(&Value::Null));
        assert!(record.get("cross_group_retry").is_none());
        assert!(record.get("allow_ips").is_some() && record.get("model_limits").is_some());
    }
    let capped = FakeGateway::start(Options {
        dialect: Dialect::NewApiLegacy,
        max_page_size: 7,
        ..Options::with_keys(20)
    });
    let body = page(&capped, "/api/token/?p=0&size=100");
    assert_eq!(ids(Dialect::NewApiLegacy, &body), desc(20, 7));
}

#[test]
fn one_api_always_serves_ten_per_page_from_zero() {
    let d = Dialect::OneApi;
    let gw = start(d, 25);
    let first = page(&gw, "/api/token/?p=0&size=100&page_size=100");
    assert_bare_without_total(&first);
    assert_eq!(ids(d, &first), desc(25, 10));
    assert_eq!(ids(d, &page(&gw, "/api/token/?p=1&size=3")), desc(15, 10));
    assert_eq!(rows(d, &page(&gw, "/api/token/?p=2")).len(), 5);
    assert_eq!(page(&gw, "/api/token/?p=3")["data"], json!([]));
    let all = gw.records();
    for record in &all {
        assert_eq!(fields(record), one_api_fields(), "{record}");
    }
    let subnets: BTreeSet<String> = all.iter().map(|r| r["subnet"].to_string()).collect();
    assert_eq!(
        subnets,
        BTreeSet::from(["null".to_owned(), "\"10.0.0.0/8\"".to_owned()])
    );
    assert!(all.iter().any(|r| r["models"] == "gpt-4o,gpt-4o-mini"));
    assert!(all.iter().any(|r| r["models"].is_null()));
}

#[test]
fn one_hub_pages_with_page_from_one_and_refuses_sizes_over_100() {
    let d = Dialect::OneHub;
    let gw = start(d, 25);
    let first = page(&gw, "/api/token/?page=1&size=10");
    assert_eq!(ids(d, &first), desc(25, 10));
    assert_eq!(first["data"]["total_count"], 25);
    assert_eq!(first["data"]["page"], 1);
    assert_eq!(first["data"]["size"], 10);
    for same in [
        "/api/token/?p=2&size=10",
        "/api/token/?size=10",
        "/api/token/?page=0&size=10",
        "/api/token/",
    ] {
        assert_eq!(ids(d, &page(&gw, same)), desc(25, 10), "{same}");
    }
    assert_eq!(
        ids(d, &page(&gw, "/api/token/?page=2&size=10")),
        desc(15, 10)
    );
    let past = page(&gw, "/api/token/?page=4&size=10");
    assert_eq!(past["data"]["data"], Value::Null);
    assert_eq!(past["data"]["total_count"], 25);
    let too_big = get_ok(&gw, "/api/token/?page=1&size=101");
    assert_eq!(too_big.status, 200);
    assert_eq!(too_big.json()["success"], false);
    assert!(too_big.json()["message"].is_string());
    assert_eq!(rows(d, &page(&gw, "/api/token/?page=1&size=100")).len(), 25);
    let all = gw.records();
    for record in &all {
        assert_eq!(record["key"].as_str().unwrap().len(), 48);
        assert!(record["key"].as_str().unwrap().starts_with(KEY_PREFIX));
        assert!(record["group"].is_string() && record["backup_group"].is_string());
        let limits = &record["setting"]["limits"];
        assert!(limits["limits_ip_setting"]["enabled"].is_boolean());
        assert!(limits["limits_ip_setting"]["whitelist"].is_array());
        assert!(limits["limit_model_setting"]["enabled"].is_boolean());
        assert!(limits["limit_model_setting"]["models"].is_array());
    }
    let enabled: BTreeSet<bool> = all
        .iter()
        .map(|r| r["setting"]["limits"]["limits_ip_setting"]["enabled"] == true)
        .collect();
    assert_eq!(enabled.len(), 2, "the whitelist switch varies");
}

#[test]
fn laisky_pages_from_zero_with_a_top_level_total() {
    let d = Dialect::OneApiLaisky;
    let gw = start(d, 120);
    let first = page(&gw, "/api/token/?p=0&size=10");
    assert!(first["data"].is_array());
    assert_eq!(first["total"], 120);
    assert_eq!(ids(d, &first), desc(120, 10));
    assert_eq!(ids(d, &page(&gw, "/api/token/?p=1&size=10")), desc(110, 10));
    assert_eq!(rows(d, &page(&gw, "/api/token/?p=0&size=150")).len(), 100);
    assert_eq!(rows(d, &page(&gw, "/api/token/?p=0")).len(), 10);
    let past = page(&gw, "/api/token/?p=12&size=10");
    assert_eq!(past["data"], json!([]));
    assert_eq!(past["total"], 120);
    assert_eq!(fields(&rows(d, &first)[0]), one_api_fields());
}

#[test]
fn uuid_only_records_carry_uuids_and_no_integer_ids() {
    let gw = FakeGateway::start(Options {
        dialect: Dialect::OneApiLaisky,
        uuid_only: true,
        ..Options::with_keys(3)
    });
    let body = page(&gw, "/api/token/?p=0&size=10");
    let records = rows(Dialect::OneApiLaisky, &body);
    assert_eq!(records.len(), 3);
    assert_eq!(body["total"], 3);
    let mut uuids = BTreeSet::new();
    for record in &records {
        assert!(record.get("id").is_none() && record.get("user_id").is_none());
        assert!(record["user_uuid"].is_string());
        uuids.insert(record["uuid"].as_str().unwrap().to_owned());
        let key = record["key"].as_str().unwrap();
        assert!(key.starts_with("sk-") && key.starts_with(KEY_PREFIX));
    }
    assert_eq!(uuids.len(), 3);
    assert_eq!(gw.ids(), [3, 2, 1]);
}

#[test]
fn user_headers_are_each_dialects_own() {
    let answer = |d: Dialect, headers: &[(&str, &str)]| {
        let gw = FakeGateway::start(Options {
            dialect: d,
            user_id: Some(42),
            ..Options::with_keys(3)
        });
        let mut all = vec![("Authorization", TOKEN)];
        all.extend_from_slice(headers);
        let response = get(&gw, "/api/token/", &all);
        (response.status, response.json()["success"] == true)
    };
    let ok = (200, true);
    let refused = (401, false);
    for d in [Dialect::NewApi, Dialect::NewApiLegacy] {
        assert_eq!(answer(d, &[]), refused, "{d:?}");
        assert_eq!(answer(d, &[("New-Api-User", "42")]), ok, "{d:?}");
        assert_eq!(answer(d, &[("New-Api-User", "41")]), refused, "{d:?}");
        assert_eq!(answer(d, &[("Veloera-User", "42")]), refused, "{d:?}");
    }
    let v = Dialect::Veloera;
    assert_eq!(answer(v, &[]), refused);
    assert_eq!(answer(v, &[("New-Api-User", "42")]), refused);
    assert_eq!(answer(v, &[("Veloera-User", "42")]), ok);
    assert_eq!(answer(v, &[("Veloera-User", "41")]), refused);
    let both = [("New-Api-User", "41"), ("Veloera-User", "42")];
    assert_eq!(answer(v, &both), ok, "Veloera ignores New-Api-User");
    for d in [Dialect::OneApi, Dialect::OneHub, Dialect::OneApiLaisky] {
        assert_eq!(answer(d, &[]), ok, "{d:?} has no user header");
    }
}

#[test]
fn every_dialect_takes_the_token_raw_or_after_bearer() {
    let bearer = format!("Bearer {TOKEN}");
    for d in Dialect::ALL {
        let gw = start(d, 2);
        for token in [TOKEN, bearer.as_str()] {
            let response = get(&gw, "/api/token/", &[("Authorization", token)]);
            assert_eq!(response.status, 200, "{d:?} {token}");
            assert_eq!(response.json()["success"], true, "{d:?} {token}");
        }
        assert_eq!(get(&gw, "/api/token/", &[]).status, 401, "{d:?}");
        let bad_status = if d == Dialect::OneApiLaisky { 401 } else { 200 };
        for token in ["nope", "Bearer nope"] {
            let response = get(&gw, "/api/token/", &[("Authorization", token)]);
            assert_eq!(response.status, bad_status, "{d:?} {token}");
            assert_eq!(response.json()["success"], false, "{d:?} {token}");
        }
    }
}

#[test]
fn ignore_page_param_answers_with_the_first_page() {
    for d in Dialect::ALL {
        let first = d.first_page();
        let gw = FakeGateway::start(
            Options {
                dialect: d,
                ..Options::with_keys(30)
            }
            .fault(Some(first + 1), 0, ALWAYS, Fault::IgnorePageParam),
        );
        let front = ids(d, &page(&gw, &target(d, first, 10)));
        assert_eq!(front, desc(30, 10), "{d:?}");
        let second = page(&gw, &target(d, first + 1, 10));
        assert_eq!(ids(d, &second), front, "{d:?}");
        let third = page(&gw, &target(d, first + 2, 10));
        assert_eq!(ids(d, &third), desc(10, 10), "{d:?}");
    }
}

#[test]
fn fault_pages_are_numbered_as_the_dialect_numbers_them() {
    let unavailable = Fault::Status {
        status: 503,
        message: None,
        retry_after: None,
    };
    for d in Dialect::ALL {
        let first = d.first_page();
        let gw = FakeGateway::start(
            Options {
                dialect: d,
                ..Options::with_keys(30)
            }
            .fault(Some(first), 0, 1, unavailable.clone()),
        );
        assert_eq!(get_ok(&gw, &target(d, first, 10)).status, 503, "{d:?}");
        assert_eq!(get_ok(&gw, &target(d, first + 1, 10)).status, 200, "{d:?}");
        assert_eq!(get_ok(&gw, &target(d, first, 10)).status, 200, "{d:?}");
    }
}

#[test]
fn total_faults_touch_the_dialects_own_total() {
    for d in Dialect::ALL {
        let first = d.first_page();
        let gw = FakeGateway::start(
            Options {
                dialect: d,
                ..Options::with_keys(25)
            }
            .fault(Some(first), 0, 1, Fault::TotalDelta(2))
            .fault(Some(first), 1, 1, Fault::Total(json!("many")))
            .fault(Some(first), 2, 1, Fault::NoTotal),
        );
        let [delta, set, none, plain] = [(); 4].map(|()| page(&gw, &target(d, first, 10)));
        if d.has_total() {
            assert_eq!(total(d, &delta), Some(json!(27)), "{d:?}");
            assert_eq!(total(d, &set), Some(json!("many")), "{d:?}");
            assert_eq!(total(d, &none), None, "{d:?}");
            assert_eq!(total(d, &plain), Some(json!(25)), "{d:?}");
        } else {
            for body in [&delta, &set, &none] {
                assert_bare_without_total(body);
                assert_eq!(body, &plain, "{d:?}: nothing to change");
            }
        }
    }
}

#[test]
fn truncated_and_dropped_pages_are_malformed_in_every_dialect() {
    for d in Dialect::ALL {
        let first = d.first_page();
        let gw = FakeGateway::start(
            Options {
                dialect: d,
                ..Options::with_keys(3)
            }
            .fault(Some(first), 0, 1, Fault::TruncatedJson)
            .fault(Some(first), 1, 1, Fault::DropMidBody),
        );
        let truncated = get_ok(&gw, &target(d, first, 10));
        assert_eq!(truncated.status, 200, "{d:?}");
        assert!(truncated.body.starts_with(br#"{"success":true"#), "{d:?}");
        assert!(
            serde_json::from_slice::<Value>(&truncated.body).is_err(),
            "{d:?}"
        );
        let dropped = get_ok(&gw, &target(d, first, 10));
        assert!(
            dropped.body.len() < dropped.content_length().unwrap(),
            "{d:?}"
        );
        assert!(
            serde_json::from_slice::<Value>(&dropped.body).is_err(),
            "{d:?}"
        );
        assert_eq!(
            ids(d, &page(&gw, &target(d, first, 10))),
            desc(3, 3),
            "{d:?}"
        );
    }
}

#[test]
fn list_body_is_one_page_of_every_key_in_the_dialects_shape() {
    for d in Dialect::ALL {
        let gw = start(d, 12);
        let body: Value = serde_json::from_str(&gw.list_body()).unwrap();
        assert_eq!(rows(d, &body), gw.records(), "{d:?}");
        assert_eq!(ids(d, &body), desc(12, 12), "{d:?}");
        match d {
            Dialect::NewApi => {
                assert_eq!(body["data"]["total"], 12);
                assert_eq!(body["data"]["page"], 1);
                assert_eq!(body["data"]["page_size"], 12);
            }
            Dialect::OneHub => {
                assert_eq!(body["data"]["total_count"], 12);
                assert_eq!(body["data"]["page"], 1);
                assert_eq!(body["data"]["size"], 12);
            }
            Dialect::OneApiLaisky => {
                assert!(body["data"].is_array());
                assert_eq!(body["total"], 12);
            }
            _ => assert_bare_without_total(&body),
        }
        let served = rows(d, &page(&gw, &target(d, d.first_page(), 100)));
        assert_eq!(served[..], gw.records()[..served.len()], "{d:?}");
    }
    let empty = start(Dialect::OneHub, 0);
    let body: Value = serde_json::from_str(&empty.list_body()).unwrap();
    assert_eq!(body["data"]["data"], Value::Null);
    assert_eq!(body["data"]["total_count"], 0);
}

#[test]
fn hand_made_records_are_served_and_a_created_key_takes_the_next_id() {
    let records = vec![
        json!({"id": 9, "name": "ci", "key": format!("{KEY_PREFIX}nine"), "models": "gpt-4o", "subnet": null}),
        json!({"id": 4, "name": "", "key": format!("{KEY_PREFIX}four"), "models": null, "subnet": "10.1.0.0/16"}),
    ];
    let gw = FakeGateway::start(
        Options {
            dialect: Dialect::OneApi,
            keys: 50,
            records: Some(records.clone()),
            ..Options::default()
        }
        .fault(Some(0), 0, 1, Fault::CreateKey),
    );
    assert_eq!(
        rows(Dialect::OneApi, &page(&gw, "/api/token/?p=0")),
        records
    );
    let after = rows(Dialect::OneApi, &page(&gw, "/api/token/?p=0"));
    assert_eq!(after.len(), 3);
    assert_eq!(after[0]["id"], 10);
    assert_eq!(fields(&after[0]), one_api_fields());
    assert_eq!(after[1..], records[..]);
    assert_eq!(gw.ids(), [10, 9, 4]);
    assert_eq!(gw.records(), after);
}
