//! Every row of SPEC §4 "The same questions on every dialect", on both sides, per dialect,
//! through the CLI: a record in each gateway's own shape goes to `check --input` as that
//! gateway's list response, and the rules that fire (or not) are read from the JSON report.

#[path = "support/command.rs"]
mod command;

use std::collections::BTreeSet;

use command::{NOW, keylint_in, run_clean};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Gw {
    NewApi,
    Legacy,
    OneApi,
    OneHub,
    Laisky,
}

const ALL: [Gw; 5] = [Gw::NewApi, Gw::Legacy, Gw::OneApi, Gw::OneHub, Gw::Laisky];

/// A healthy enabled key as `gw` sends it, with `overrides` merged in.
fn record(gw: Gw, overrides: Value) -> Value {
    let mut r = json!({
        "id": 7, "user_id": 1, "key": "sk-DIALECTCANARY000000000000", "status": 1,
        "name": "ci", "created_time": 1_794_830_400, "accessed_time": 1_795_600_000,
        "expired_time": 1_800_000_000, "remain_quota": 1000, "used_quota": 0,
        "unlimited_quota": false,
    });
    let own = match gw {
        Gw::NewApi | Gw::Legacy => json!({
            "model_limits_enabled": true, "model_limits": "gpt-4o",
            "allow_ips": "8.8.8.8", "group": "default",
        }),
        Gw::OneApi | Gw::Laisky => json!({"models": "gpt-4o", "subnet": "8.8.8.0/24"}),
        Gw::OneHub => json!({"group": "default", "backup_group": "", "setting": hub(
            (true, &["8.8.8.8"]), (true, &["gpt-4o"]))}),
    };
    let object = r.as_object_mut().unwrap();
    object.extend(own.as_object().unwrap().clone());
    if gw == Gw::NewApi {
        object.insert("cross_group_retry".into(), json!(false));
    }
    object.extend(overrides.as_object().unwrap().clone());
    r
}

/// one-hub's `setting` with the IP whitelist and model list given as (enabled, entries).
fn hub(ip: (bool, &[&str]), models: (bool, &[&str])) -> Value {
    json!({"heartbeat": {"enabled": false}, "limits": {
        "limits_ip_setting": {"enabled": ip.0, "whitelist": ip.1},
        "limit_model_setting": {"enabled": models.0, "models": models.1},
    }, "billing_tag": null})
}

/// One list-API response of `gw` holding `records`.
fn response(gw: Gw, records: Vec<Value>) -> Value {
    let n = records.len();
    match gw {
        Gw::NewApi => json!({"success": true, "message": "",
            "data": {"page": 1, "page_size": 100, "total": n, "items": records}}),
        Gw::Legacy | Gw::OneApi => json!({"success": true, "message": "", "data": records}),
        Gw::OneHub => json!({"success": true, "message": "",
            "data": {"data": records, "page": 1, "size": 100, "total_count": n}}),
        Gw::Laisky => json!({"success": true, "message": "", "data": records, "total": n}),
    }
}

/// Runs `check` on one record of `gw` and returns the JSON report.
fn report(gw: Gw, record: Value, extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.json");
    std::fs::write(&path, response(gw, vec![record]).to_string()).unwrap();
    let out = run_clean(
        keylint_in(dir.path())
            .args(["check", "--now", NOW, "--format", "json", "--input"])
            .arg(&path)
            .args(extra),
        &["DIALECTCANARY"],
    );
    assert!(matches!(out.code, 0 | 1), "{gw:?}: {}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

/// The ids of the rules that fire on one record of `gw`.
fn fired(gw: Gw, overrides: Value) -> BTreeSet<String> {
    let report = report(gw, record(gw, overrides), &[]);
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

/// The `field` of the first finding of `rule`.
fn field_of(gw: Gw, overrides: Value, rule: &str) -> String {
    let report = report(gw, record(gw, overrides), &[]);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("{rule} on {gw:?}: {report}"))
        .clone();
    finding["field"].as_str().unwrap().to_owned()
}

fn ip(gw: Gw, entries: &[&str]) -> Value {
    match gw {
        Gw::NewApi | Gw::Legacy => json!({"allow_ips": entries.join("\n")}),
        Gw::OneApi | Gw::Laisky => json!({"subnet": entries.join(",")}),
        Gw::OneHub => json!({"setting": hub((true, entries), (true, &["gpt-4o"]))}),
    }
}

/// An address entry each dialect enforces (one-api reads CIDRs only).
fn good(gw: Gw) -> &'static str {
    match gw {
        Gw::OneApi | Gw::Laisky => "8.8.8.8/32",
        _ => "8.8.8.8",
    }
}

fn has(set: &BTreeSet<String>, rule: &str) -> bool {
    set.contains(rule)
}

#[test]
fn healthy_keys_are_clean_on_every_dialect_and_report_their_gateway() {
    let names = [
        "new-api",
        "new-api-legacy",
        "one-api",
        "one-hub",
        "one-api-laisky",
    ];
    for (gw, name) in ALL.into_iter().zip(names) {
        let report = report(gw, record(gw, json!({})), &[]);
        let rules: Vec<&Value> = report["findings"].as_array().unwrap().iter().collect();
        assert!(rules.is_empty(), "{gw:?}: {rules:?}");
        assert_eq!(report["inventory"]["gateway"], name, "{gw:?}");
    }
}

#[test]
fn where_the_ip_restriction_lives() {
    let bogus = |gw| field_of(gw, ip(gw, &["8.8.8.8", "bogus"]), "KL302");
    assert_eq!(bogus(Gw::NewApi), "allow_ips");
    assert_eq!(bogus(Gw::Legacy), "allow_ips");
    assert_eq!(bogus(Gw::OneApi), "subnet");
    assert_eq!(bogus(Gw::Laisky), "subnet");
    assert_eq!(
        bogus(Gw::OneHub),
        "setting.limits.limits_ip_setting.whitelist[1]"
    );
}

#[test]
fn a_cidr_entry_is_enforced_except_where_only_single_addresses_count() {
    for gw in [Gw::NewApi, Gw::OneApi, Gw::Laisky, Gw::OneHub] {
        let found = fired(gw, ip(gw, &["8.8.8.8/32", "10.20.0.0/16"]));
        assert!(
            !has(&found, "KL310") && !has(&found, "KL309"),
            "{gw:?}: {found:?}"
        );
        assert!(
            has(&found, "KL307"),
            "{gw:?}: the private range is enforced: {found:?}"
        );
    }
    let found = fired(Gw::Legacy, ip(Gw::Legacy, &["8.8.8.8", "10.20.0.0/16"]));
    assert!(has(&found, "KL310"), "{found:?}");
    assert!(
        !has(&found, "KL307"),
        "a dropped entry is not enforced: {found:?}"
    );
    assert!(!has(
        &fired(Gw::Legacy, ip(Gw::Legacy, &["8.8.8.8"])),
        "KL310"
    ));
}

#[test]
fn an_entry_the_gateway_cannot_read() {
    for gw in ALL {
        let found = fired(gw, ip(gw, &[good(gw), "bogus"]));
        assert!(has(&found, "KL302"), "{gw:?}: {found:?}");
        assert!(
            !has(&found, "KL303") && !has(&found, "KL309"),
            "{gw:?}: {found:?}"
        );
        assert!(!has(&fired(gw, ip(gw, &[good(gw)])), "KL302"), "{gw:?}");
    }
    // one-api reads CIDRs only: a bare address is not one.
    assert!(has(
        &fired(Gw::OneApi, ip(Gw::OneApi, &["8.8.8.8"])),
        "KL302"
    ));
}

#[test]
fn nothing_enforceable_left_denies_on_new_api_and_opens_on_legacy_and_one_hub() {
    let denies = fired(Gw::NewApi, ip(Gw::NewApi, &["bogus", "1.2.3"]));
    assert!(
        has(&denies, "KL303") && !has(&denies, "KL309"),
        "{denies:?}"
    );
    let open = fired(Gw::Legacy, ip(Gw::Legacy, &["10.0.0.0/8", "bogus"]));
    assert!(has(&open, "KL309") && !has(&open, "KL303"), "{open:?}");
    for gw in [Gw::OneApi, Gw::Laisky] {
        let found = fired(gw, ip(gw, &["bogus"]));
        assert!(
            has(&found, "KL303") && !has(&found, "KL309"),
            "{gw:?}: {found:?}"
        );
    }
    let empty = fired(Gw::OneHub, ip(Gw::OneHub, &[]));
    assert!(has(&empty, "KL309") && !has(&empty, "KL301"), "{empty:?}");
    for gw in ALL {
        let found = fired(gw, ip(gw, &["bogus", good(gw)]));
        assert!(
            !has(&found, "KL303") && !has(&found, "KL309"),
            "{gw:?}: {found:?}"
        );
    }
}

#[test]
fn a_one_hub_whitelist_switched_off_is_ignored() {
    let off = json!({"setting": hub((false, &["8.8.8.8"]), (true, &["gpt-4o"]))});
    let found = fired(Gw::OneHub, off);
    assert!(has(&found, "KL309"), "{found:?}");
    let off_empty = json!({"setting": hub((false, &[]), (true, &["gpt-4o"]))});
    let found = fired(Gw::OneHub, off_empty);
    assert!(has(&found, "KL301") && !has(&found, "KL309"), "{found:?}");
    assert!(!has(
        &fired(Gw::OneHub, ip(Gw::OneHub, &["8.8.8.8"])),
        "KL309"
    ));
}

#[test]
fn an_unrestricted_key_on_every_dialect() {
    for gw in ALL {
        let open = match gw {
            Gw::NewApi | Gw::Legacy => json!({"allow_ips": null}),
            Gw::OneApi | Gw::Laisky => json!({"subnet": ""}),
            Gw::OneHub => json!({"setting": hub((false, &[]), (true, &["gpt-4o"]))}),
        };
        assert!(has(&fired(gw, open), "KL301"), "{gw:?}");
        assert!(!has(&fired(gw, json!({})), "KL301"), "{gw:?}");
    }
}

fn models(gw: Gw, enabled: bool, entries: &[&str]) -> Value {
    match gw {
        Gw::NewApi | Gw::Legacy => {
            json!({"model_limits_enabled": enabled, "model_limits": entries.join(",")})
        }
        Gw::OneApi | Gw::Laisky => json!({"models": entries.join(",")}),
        Gw::OneHub => json!({"setting": hub((true, &["8.8.8.8"]), (enabled, entries))}),
    }
}

#[test]
fn the_model_list_and_its_switch() {
    for gw in [Gw::NewApi, Gw::Legacy, Gw::OneHub] {
        let off = fired(gw, models(gw, false, &["gpt-4o"]));
        assert!(has(&off, "KL401") && has(&off, "KL403"), "{gw:?}: {off:?}");
        let on = fired(gw, models(gw, true, &["gpt-4o"]));
        assert!(!has(&on, "KL401") && !has(&on, "KL403"), "{gw:?}: {on:?}");
    }
    for gw in [Gw::OneApi, Gw::Laisky] {
        let empty = fired(gw, models(gw, true, &[]));
        assert!(
            has(&empty, "KL401") && !has(&empty, "KL402"),
            "{gw:?}: {empty:?}"
        );
        assert!(
            !has(&fired(gw, models(gw, true, &["gpt-4o"])), "KL401"),
            "{gw:?}"
        );
    }
}

#[test]
fn an_enabled_list_with_nothing_usable_denies_every_model() {
    for gw in ALL {
        let found = fired(gw, models(gw, true, &[" gpt-4o"]));
        assert!(has(&found, "KL402"), "{gw:?}: {found:?}");
        let usable = fired(gw, models(gw, true, &["gpt-4o", " gpt-4o-mini"]));
        assert!(
            !has(&usable, "KL402") && has(&usable, "KL404"),
            "{gw:?}: {usable:?}"
        );
    }
    // one-hub: an enabled, empty list denies everything; new-api's empty list too.
    assert!(has(
        &fired(Gw::OneHub, models(Gw::OneHub, true, &[])),
        "KL402"
    ));
    assert!(has(
        &fired(Gw::NewApi, models(Gw::NewApi, true, &[])),
        "KL402"
    ));
    let entry = field_of(Gw::OneHub, models(Gw::OneHub, true, &["a", " b"]), "KL404");
    assert_eq!(entry, "setting.limits.limit_model_setting.models[1]");
}

#[test]
fn a_field_the_dialect_does_not_have_is_not_missing() {
    for gw in ALL {
        assert!(!has(&fired(gw, json!({})), "KL001"), "{gw:?}");
    }
    let mut one_api = record(Gw::OneApi, json!({}));
    one_api.as_object_mut().unwrap().remove("subnet");
    let report = report(Gw::OneApi, one_api, &[]);
    let kl001 = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "KL001")
        .expect("subnet is a field one-api sends");
    assert!(
        kl001["message"]
            .as_str()
            .unwrap()
            .contains("subnet (missing)")
    );
}

#[test]
fn new_api_records_before_cidr_allowlists_are_read_as_legacy() {
    let mut old = record(Gw::NewApi, json!({"allow_ips": "10.20.0.0/16"}));
    old.as_object_mut().unwrap().remove("cross_group_retry");
    let report = report(Gw::NewApi, old, &[]);
    let findings = report["findings"].as_array().unwrap();
    let kl309 = findings
        .iter()
        .find(|f| f["rule"] == "KL309")
        .expect("KL309");
    assert!(
        kl309["message"]
            .as_str()
            .unwrap()
            .contains("cross_group_retry")
    );
    assert!(
        !findings.iter().any(|f| f["rule"] == "KL001"),
        "{findings:?}"
    );
}

#[test]
fn uuid_only_records_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.json");
    let mut r = record(Gw::Laisky, json!({"uuid": "0b7c", "user_uuid": "9a1d"}));
    r.as_object_mut().unwrap().remove("id");
    r.as_object_mut().unwrap().remove("user_id");
    std::fs::write(&path, response(Gw::Laisky, vec![r]).to_string()).unwrap();
    let out = run_clean(
        keylint_in(dir.path())
            .args(["check", "--now", NOW, "--input"])
            .arg(&path),
        &["DIALECTCANARY"],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("uuid"), "{}", out.stderr);
    assert!(out.stderr.contains("one-api-laisky"), "{}", out.stderr);
}

#[test]
fn the_human_report_shows_the_record_as_the_gateway_sent_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.json");
    let r = record(Gw::OneHub, ip(Gw::OneHub, &["8.8.8.8", "bogus"]));
    std::fs::write(&path, response(Gw::OneHub, vec![r]).to_string()).unwrap();
    let out = run_clean(
        keylint_in(dir.path())
            .args(["check", "--now", NOW, "--color", "never", "--input"])
            .arg(&path),
        &["DIALECTCANARY"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("\"limits_ip_setting\": {\"enabled\": true"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("\"allow_ips\":"), "{}", out.stdout);
    assert!(out.stdout.contains("(one-hub)"), "{}", out.stdout);
}
