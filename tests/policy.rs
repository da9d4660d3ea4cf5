//! Policy as code, end to end through the binary: config discovery and layering, overrides,
//! custom `field` rules in `keylint.toml`, waivers (matching, expiry, unused), baselines,
//! `keylint init`, `keylint config`, the strict pack, the example policy, the JSON Schema, and
//! the way a new user would try it all. Each command runs with a scrubbed environment in a
//! temporary directory unless it needs the repository's files.

#[path = "support/command.rs"]
mod command;

use std::fmt::Write;
use std::path::Path;

use assert_cmd::Command;
use command::{NOW, Outcome, root, run};
use serde_json::{Value, json};

/// `NOW` in unix seconds.
const NOW_UNIX: i64 = 1_795_694_400;
const DAY: i64 = 86_400;

/// The binary with a scrubbed environment and no colour, run from `dir`.
fn keylint_in(dir: &Path) -> Command {
    let mut cmd = command::keylint_in(dir);
    cmd.env("NO_COLOR", "1");
    cmd
}

/// A healthy enabled key: created 10 days before NOW, used yesterday, expires in 60 days,
/// limited quota, model limits, one public IP. `changes` are merged over it.
fn key(id: i64, name: &str, changes: Value) -> Value {
    let mut record = json!({
        "id": id,
        "user_id": 1,
        "status": 1,
        "name": name,
        "created_time": NOW_UNIX - 10 * DAY,
        "accessed_time": NOW_UNIX - DAY,
        "expired_time": NOW_UNIX + 60 * DAY,
        "remain_quota": 1000,
        "used_quota": 0,
        "unlimited_quota": false,
        "model_limits_enabled": true,
        "model_limits": "gpt-4o",
        "allow_ips": "8.8.8.8",
        "group": "default",
        "cross_group_retry": false,
    });
    for (k, v) in changes.as_object().expect("changes are an object") {
        record[k] = v.clone();
    }
    record
}

/// A temporary directory holding `files` (name, text).
fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn write_inventory(dir: &Path, name: &str, keys: &[Value]) {
    std::fs::write(dir.join(name), serde_json::to_vec(keys).unwrap()).unwrap();
}

/// Three keys: 1 "ci-runner-1" and 2 "ci-runner-2" without an allowlist (KL301 each), 3
/// "prod-api" that never expires (KL101).
fn three_keys() -> Vec<Value> {
    vec![
        key(1, "ci-runner-1", json!({ "allow_ips": null })),
        key(2, "ci-runner-2", json!({ "allow_ips": null })),
        key(3, "prod-api", json!({ "expired_time": -1 })),
    ]
}

/// `check --format json` in `dir` on `inventory.json`; returns the outcome and the report.
fn check_json(dir: &Path, extra: &[&str]) -> (Outcome, Value) {
    let out = run(keylint_in(dir)
        .args([
            "check",
            "--now",
            NOW,
            "--format",
            "json",
            "--input",
            "inventory.json",
        ])
        .args(extra));
    assert!(
        out.code == 0 || out.code == 1,
        "{extra:?}: exit {}: {}",
        out.code,
        out.stderr
    );
    let report = serde_json::from_str(&out.stdout).expect("json report");
    (out, report)
}

/// (rule, key id or null, suppression kind or null) of every finding.
fn findings(report: &Value) -> Vec<(String, Value, Value)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["key_id"].clone(),
                f["suppressed"]["kind"].clone(),
            )
        })
        .collect()
}

fn finding(rule: &str, key: Value, suppressed: Value) -> (String, Value, Value) {
    (rule.to_owned(), key, suppressed)
}

// ---------------------------------------------------------------------------------------------
// Discovery and layering

#[test]
fn the_config_is_read_from_the_current_directory_or_named() {
    let dir = workspace(&[
        ("keylint.toml", "[override.KL101]\nenabled = false\n"),
        ("other.toml", "[override.KL301]\nenabled = false\n"),
    ]);
    write_inventory(dir.path(), "inventory.json", &three_keys());
    let rules = |extra: &[&str]| -> Vec<String> {
        let (_, report) = check_json(dir.path(), extra);
        findings(&report).into_iter().map(|f| f.0).collect()
    };
    assert_eq!(rules(&[]), ["KL301", "KL301"], "./keylint.toml applies");
    assert_eq!(rules(&["--no-config"]), ["KL301", "KL301", "KL101"]);
    assert_eq!(rules(&["--config", "other.toml"]), ["KL101"], "instead");
}

#[test]
fn a_config_that_cannot_be_read_is_an_error_never_a_pass() {
    let dir = workspace(&[]);
    write_inventory(dir.path(), "inventory.json", &three_keys());
    let check = |extra: &[&str]| {
        run(keylint_in(dir.path())
            .args(["check", "--now", NOW, "--input", "inventory.json"])
            .args(extra))
    };
    let missing = check(&["--config", "missing.toml"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .contains("cannot read policy file missing.toml"),
        "{}",
        missing.stderr
    );
    assert!(missing.stdout.is_empty());

    // ./keylint.toml exists but is not a readable file.
    std::fs::create_dir(dir.path().join("keylint.toml")).unwrap();
    let unreadable = check(&[]);
    assert_eq!(unreadable.code, 2, "{}", unreadable.stderr);
    assert!(
        unreadable
            .stderr
            .contains("cannot read policy file keylint.toml")
    );
    std::fs::remove_dir(dir.path().join("keylint.toml")).unwrap();

    // ... or is invalid.
    std::fs::write(
        dir.path().join("keylint.toml"),
        "[override.KL101]\nenabled = 1\n",
    )
    .unwrap();
    let invalid = check(&[]);
    assert_eq!(invalid.code, 2);
    assert!(
        invalid
            .stderr
            .contains("invalid policy: 1 problem in keylint.toml")
    );

    // `rules`, `explain` and `config` read it too.
    for args in [vec!["rules"], vec!["explain", "KL101"], vec!["config"]] {
        assert_eq!(run(keylint_in(dir.path()).args(&args)).code, 2, "{args:?}");
    }
}

const PACK: &str = r#"# a team pack
[[rule]]
id = "ACME001"
name = "no-vip-group"
severity = "warning"
check = "field"
summary = "Keys stay out of the vip group"
[rule.params]
field = "group"
op = "eq"
value = "vip"

[override.key-age]
params = { max-age-days = 45 }
"#;

const CONFIG: &str = r#"# the account's policy
[override.KL503]
severity = "error"
params = { max-age-days = 30 }

[override.no-vip-group]
severity = "error"

[override.unnamed-key]
enabled = false

[[waiver]]
rules = ["KL301"]
keys = ["ci-runner-*"]
reason = "CI runners have no fixed egress (SEC-142)"
owner = "platform-team"
expires = "2099-12-31"
"#;

#[test]
fn layers_load_in_order_and_config_shows_where_each_setting_comes_from() {
    let dir = workspace(&[("pack.toml", PACK), ("keylint.toml", CONFIG)]);
    let out = run(keylint_in(dir.path()).args(["config", "--rules", "pack.toml"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("config_layers", out.stdout);
    assert!(out.stdout.contains(
        "    params.max-age-days = 45  pack.toml:14 (override)\n    severity = error          keylint.toml:3 (override)\n    params.max-age-days = 30  keylint.toml:4 (override)\n"
    ));

    // `check --show-config` prints the same without reading any inventory, after --select.
    let show = run(keylint_in(dir.path()).args([
        "check",
        "--show-config",
        "--now",
        NOW,
        "--rules",
        "pack.toml",
    ]));
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert_eq!(show.stdout, out.stdout);
    let selected = run(keylint_in(dir.path()).args([
        "check",
        "--show-config",
        "--rules",
        "pack.toml",
        "--select",
        "KL5",
    ]));
    assert!(
        selected
            .stdout
            .contains("KL101    no-expiry                      error     no")
    );

    // The layers took effect in order: the config's 30 days, not the pack's 45.
    write_inventory(
        dir.path(),
        "inventory.json",
        &[key(
            7,
            "old",
            json!({ "created_time": NOW_UNIX - 40 * DAY }),
        )],
    );
    let (_, report) = check_json(dir.path(), &["--rules", "pack.toml"]);
    assert_eq!(report["findings"][0]["rule"], "KL503");
    assert_eq!(report["findings"][0]["severity"], "error");
}

#[test]
fn every_override_by_id_and_by_name() {
    let dir = workspace(&[]);
    write_inventory(
        dir.path(),
        "inventory.json",
        &[key(
            1,
            "ci",
            json!({ "expired_time": -1, "created_time": NOW_UNIX - 10 * DAY }),
        )],
    );
    let with = |config: &str| {
        std::fs::write(dir.path().join("keylint.toml"), config).unwrap();
        let (out, report) = check_json(dir.path(), &[]);
        let rows: Vec<(String, String)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_owned(),
                    f["severity"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        (out.code, rows)
    };
    let kl101 = |severity: &str| vec![("KL101".to_owned(), severity.to_owned())];
    assert_eq!(with(""), (1, kl101("error")));
    // severity, by id and by name
    assert_eq!(
        with("[override.KL101]\nseverity = \"note\"\n"),
        (0, kl101("note"))
    );
    assert_eq!(
        with("[override.no-expiry]\nseverity = \"warning\"\n"),
        (0, kl101("warning"))
    );
    // enabled
    assert_eq!(with("[override.no-expiry]\nenabled = false\n"), (0, vec![]));
    assert_eq!(
        with("[override.KL101]\nenabled = false\n\n[override.KL503]\nenabled = true\n"),
        (0, vec![]),
        "enabled = true on a rule that is on changes nothing"
    );
    // params, by name and by id
    let mut expected = kl101("error");
    expected.push(("KL503".to_owned(), "warning".to_owned()));
    assert_eq!(
        with("[override.key-age]\nparams = { max-age-days = 5 }\n"),
        (1, expected.clone())
    );
    assert_eq!(
        with("[override.KL503]\nparams = { max-age-days = 9 }\n"),
        (1, expected)
    );
    assert_eq!(
        with("[override.KL503]\nparams = { max-age-days = 10 }\n")
            .1
            .len(),
        1,
        "more than N days is strictly greater"
    );
}

#[test]
fn a_rule_switched_off_by_a_pack_can_be_switched_back_on() {
    let dir = workspace(&[
        ("pack.toml", "[override.KL101]\nenabled = false\n"),
        ("keylint.toml", "[override.KL101]\nenabled = true\n"),
    ]);
    write_inventory(dir.path(), "inventory.json", &three_keys());
    let (_, report) = check_json(dir.path(), &["--rules", "pack.toml", "--select", "KL101"]);
    assert_eq!(findings(&report).len(), 1);
    let (_, report) = check_json(
        dir.path(),
        &["--rules", "pack.toml", "--select", "KL101", "--no-config"],
    );
    assert!(findings(&report).is_empty());
}

#[test]
fn policy_errors_are_all_reported_at_once_with_spans() {
    let dir = workspace(&[(
        "keylint.toml",
        r#"[override.KL5O3]
severity = "error"

[override.key-age]
params = { max-age-day = 30 }

[[rule]]
id = "ACME001"
name = "quota-ceiling"
severity = "warning"
check = "field"
summary = "No key holds more than 50 million units"
params = { field = "remain_quota", op = "gt", value = "50000000" }

[[rule]]
id = "ACME001"
name = "prod-names"
severity = "warning"
check = "field"
summary = "Production keys follow the naming scheme"
params = { field = "name", op = "matches", value = "prod-*" }
[rule.when]
name = ["prod-[*"]

[[waiver]]
rules = ["no-ip-allowlst"]
keys = ["ci-runner-*"]
reason = ""
expires = "2027-02-30"
"#,
    )]);
    let out = run(keylint_in(dir.path()).args(["check", "--input", "inventory.json"]));
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!("config_errors", out.stderr);
}

/// `--config` always names a file, even one named like a shipped pack; `--rules strict` is the
/// shipped pack.
#[test]
fn config_names_a_file_even_when_it_is_named_like_a_shipped_pack() {
    let pack = "[[rule]]\nid = \"ACME1\"\nname = \"acme-no-expiry\"\nseverity = \"error\"\ncheck = \"no-expiry\"\nsummary = \"ACME keys expire\"\n";
    let dir = workspace(&[("strict", pack)]);
    let config = run(keylint_in(dir.path()).args(["rules", "--config", "strict"]));
    assert_eq!(config.code, 0, "{}", config.stderr);
    assert!(config.stdout.contains("ACME1"), "{}", config.stdout);

    let shipped = run(keylint_in(dir.path()).args(["rules", "--no-config", "--rules", "strict"]));
    assert_eq!(shipped.code, 0, "{}", shipped.stderr);
    assert!(!shipped.stdout.contains("ACME1"));
    let explain = run(keylint_in(dir.path()).args(["explain", "KL503", "--rules", "strict"]));
    assert!(
        explain
            .stdout
            .contains("Overridden: params.max-age-days = 30 (rules/strict.toml:")
    );

    let local = run(keylint_in(dir.path()).args(["rules", "--no-config", "--rules", "./strict"]));
    assert!(local.stdout.contains("ACME1"), "{}", local.stderr);
}

/// A rule that lacks a required key is reported with every other problem of the file.
#[test]
fn a_missing_required_key_does_not_hide_the_other_problems() {
    let dir = workspace(&[(
        "pack.toml",
        "[[rule]]\nid = \"ACME1\"\nname = \"acme-rule\"\nseverity = 'fatal'\ncheck = \"no-expiry\"\n",
    )]);
    let out = run(keylint_in(dir.path()).args(["rules", "--no-config", "--rules", "pack.toml"]));
    assert_eq!(out.code, 2);
    insta::assert_snapshot!("missing_required_key", out.stderr);
}

/// A pack of 20,000 rules loads (in linear time: one line index per file) and every rule
/// reports the line it is defined on.
#[test]
fn a_pack_of_twenty_thousand_rules_loads_with_its_line_numbers() {
    const RULES: usize = 20_000;
    let mut pack = String::from("# generated\n");
    for n in 0..RULES {
        let _ = write!(
            pack,
            "\n[[rule]]\nid = \"ACME{n}\"\nname = \"rule-{n}\"\nseverity = \"note\"\ncheck = \"no-expiry\"\nsummary = \"s\"\n"
        );
    }
    let dir = workspace(&[("big.toml", &pack)]);
    let out = run(keylint_in(dir.path()).args([
        "rules",
        "--format",
        "json",
        "--no-default-rules",
        "--config",
        "big.toml",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rules: Value = serde_json::from_str(&out.stdout).unwrap();
    let pack_rules: Vec<&Value> = rules
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["source"] == "big.toml")
        .collect();
    assert_eq!(pack_rules.len(), RULES);
    // Rule n's header is at line 3 + 7n, its id on the next line.
    for n in [0, 1, 9_999, RULES - 1] {
        assert_eq!(pack_rules[n]["id"], format!("ACME{n}"));
        assert_eq!(pack_rules[n]["line"], 4 + 7 * n, "rule {n}");
    }
}

// ---------------------------------------------------------------------------------------------
// Custom rules: the `field` check in keylint.toml, every operator

#[test]
fn every_field_operator_works_in_the_config() {
    let ops: &[(&str, &str, &str, &str)] = &[
        // (op, field, value as TOML, the keys it fires on)
        ("eq", "group", "\"vip\"", "b"),
        ("ne", "group", "\"vip\"", "a"),
        ("lt", "remain_quota", "100", "a"),
        ("le", "remain_quota", "50", "a"),
        ("gt", "remain_quota", "100", "b"),
        ("ge", "remain_quota", "500", "b"),
        ("in", "group", "[\"vip\", \"svip\"]", "b"),
        ("not-in", "group", "[\"vip\"]", "a"),
        ("glob", "name", "\"prod-*\"", "a"),
        ("not-glob", "name", "[\"prod-*\", \"live-*\"]", "b"),
        ("empty", "model_limits", "", "b"),
        ("not-empty", "model_limits", "", "a"),
        ("older-than-days", "created_time", "30", "a"),
        ("newer-than-days", "created_time", "30", "b"),
    ];
    let mut config = String::new();
    for (i, (op, field, value, _)) in ops.iter().enumerate() {
        let _ = write!(
            config,
            "[[rule]]\nid = \"OP{i:02}\"\nname = \"op-{op}\"\nseverity = \"note\"\ncheck = \"field\"\nsummary = \"{field} {op}\"\n[rule.params]\nfield = \"{field}\"\nop = \"{op}\"\n"
        );
        if !value.is_empty() {
            let _ = writeln!(config, "value = {value}");
        }
        config.push('\n');
    }
    let dir = workspace(&[("keylint.toml", &config)]);
    write_inventory(
        dir.path(),
        "inventory.json",
        &[
            key(
                1,
                "prod-a",
                json!({ "remain_quota": 50, "created_time": NOW_UNIX - 60 * DAY }),
            ),
            key(
                2,
                "ci-b",
                json!({ "group": "vip", "remain_quota": 500, "model_limits": "", "model_limits_enabled": false }),
            ),
        ],
    );
    let (_, report) = check_json(dir.path(), &["--no-default-rules"]);
    for (i, (op, _, _, fires_on)) in ops.iter().enumerate() {
        let keys: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == format!("OP{i:02}"))
            .map(|f| f["key_name"].as_str().unwrap())
            .collect();
        let expected = if *fires_on == "a" { "prod-a" } else { "ci-b" };
        assert_eq!(keys, [expected], "{op}");
    }

    // Typed: comparing a number field with a string is a configuration error.
    std::fs::write(
        dir.path().join("keylint.toml"),
        "[[rule]]\nid = \"OP99\"\nname = \"typed\"\nseverity = \"note\"\ncheck = \"field\"\nsummary = \"s\"\n[rule.params]\nfield = \"remain_quota\"\nop = \"lt\"\nvalue = \"100\"\n",
    )
    .unwrap();
    let typed = run(keylint_in(dir.path()).args(["check", "--input", "inventory.json"]));
    assert_eq!(typed.code, 2);
    assert!(
        typed
            .stderr
            .contains("`remain_quota` is an integer, but the value is a string"),
        "{}",
        typed.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Waivers

#[test]
fn waivers_match_by_name_glob_by_key_id_and_by_rule_name() {
    let dir = workspace(&[]);
    write_inventory(dir.path(), "inventory.json", &three_keys());
    let with = |config: &str| {
        std::fs::write(dir.path().join("keylint.toml"), config).unwrap();
        check_json(dir.path(), &[])
    };
    let waiver = json!("waiver");
    let null = Value::Null;

    // By name glob and rule id: both CI keys.
    let (out, report) = with(
        "[[waiver]]\nrules = [\"KL301\"]\nkeys = [\"ci-runner-*\"]\nreason = \"CI has no fixed egress\"\nowner = \"platform\"\nexpires = \"2027-03-31\"\n",
    );
    assert_eq!(
        findings(&report),
        [
            finding("KL301", json!(1), waiver.clone()),
            finding("KL301", json!(2), waiver.clone()),
            finding("KL101", json!(3), null.clone()),
        ]
    );
    assert_eq!(out.code, 1, "KL101 still fails the run");
    assert_eq!(
        report["findings"][0]["suppressed"],
        json!({
            "kind": "waiver",
            "reason": "CI has no fixed egress",
            "owner": "platform",
            "expires": "2027-03-31",
            "location": "keylint.toml:1"
        })
    );
    assert_eq!(report["summary"]["waived"], 2);

    // By key id and rule name: only key 3; nothing fails any more.
    let (out, report) =
        with("[[waiver]]\nrules = [\"no-expiry\"]\nids = [3]\nreason = \"legacy\"\n");
    assert_eq!(
        findings(&report),
        [
            finding("KL301", json!(1), null.clone()),
            finding("KL301", json!(2), null.clone()),
            finding("KL101", json!(3), waiver.clone()),
        ]
    );
    assert_eq!(
        out.code, 0,
        "a waived finding never counts for the exit code"
    );

    // keys and ids together: either selects the key.
    let (_, report) = with(
        "[[waiver]]\nrules = [\"KL301\", \"KL101\"]\nkeys = [\"ci-runner-2\"]\nids = [3]\nreason = \"r\"\n",
    );
    assert_eq!(
        findings(&report),
        [
            finding("KL301", json!(1), null.clone()),
            finding("KL301", json!(2), waiver.clone()),
            finding("KL101", json!(3), waiver.clone()),
        ]
    );
}

const EXPIRING: &str = "[[waiver]]\nrules = [\"KL301\"]\nkeys = [\"ci-runner-*\"]\nreason = \"CI has no fixed egress\"\nowner = \"platform\"\nexpires = \"2027-03-31\"\n\n[override.KL101]\nenabled = false\n";

/// The three keys, still healthy on 2027-04-01 (they expire in 2028).
fn long_lived_keys() -> Vec<Value> {
    three_keys()
        .into_iter()
        .map(|mut k| {
            if k["expired_time"] != -1 {
                k["expired_time"] = json!(NOW_UNIX + 300 * DAY);
            }
            k
        })
        .collect()
}

#[test]
fn waiver_expiry_is_evaluated_against_now_on_both_sides_of_the_date() {
    let dir = workspace(&[("keylint.toml", EXPIRING)]);
    write_inventory(dir.path(), "inventory.json", &long_lived_keys());
    let at = |now: &str| {
        let out = run(keylint_in(dir.path()).args([
            "check",
            "--format",
            "json",
            "--input",
            "inventory.json",
            "--ignore",
            "KL5",
            "--now",
            now,
        ]));
        let report: Value = serde_json::from_str(&out.stdout).unwrap();
        (out.code, findings(&report), report)
    };
    // The last second of the expiry day: still waived.
    let (code, rows, _) = at("2027-03-31T23:59:59Z");
    assert_eq!(code, 0);
    assert_eq!(
        rows,
        [
            finding("KL301", json!(1), json!("waiver")),
            finding("KL301", json!(2), json!("waiver")),
        ]
    );
    // The next day: the findings come back and KL002 says why, at the waiver.
    let (code, rows, report) = at("2027-04-01T00:00:00Z");
    assert_eq!(code, 0, "warnings do not fail at --fail-on error");
    assert_eq!(
        rows,
        [
            finding("KL301", json!(1), Value::Null),
            finding("KL301", json!(2), Value::Null),
            finding("KL002", Value::Null, Value::Null),
        ]
    );
    let expired = &report["findings"][2];
    assert_eq!(expired["name"], "expired-waiver");
    assert_eq!(expired["severity"], "warning");
    assert_eq!(
        expired["location"],
        json!({ "file": "keylint.toml", "line": 1 })
    );
    assert_eq!(
        expired["message"],
        "the waiver at keylint.toml:1 (rules KL301; keys ci-runner-*; owner platform) expired on 2027-03-31: its 2 findings count again"
    );
    assert_eq!(report["summary"]["warnings"], 3);
    // --fail-on warning makes both the returned findings and the expired waiver fail.
    let out = run(keylint_in(dir.path()).args([
        "check",
        "--input",
        "inventory.json",
        "--ignore",
        "KL5",
        "--fail-on",
        "warning",
        "--now",
        "2027-04-01T00:00:00Z",
    ]));
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("── policy ──"), "{}", out.stdout);
    assert!(out.stdout.contains("KL002 expired-waiver [warning]"));
}

#[test]
fn unused_waivers_are_reported_so_they_get_cleaned_up() {
    let dir = workspace(&[(
        "keylint.toml",
        "[[waiver]]\nrules = [\"KL301\"]\nkeys = [\"ci-runer-*\"]\nreason = \"typo in the glob\"\n\n[[waiver]]\nrules = [\"KL302\"]\nids = [1]\nreason = \"key 1 has no invalid entry\"\n",
    )]);
    write_inventory(dir.path(), "inventory.json", &three_keys());
    let (out, report) = check_json(dir.path(), &[]);
    assert_eq!(out.code, 1);
    let own: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "KL003")
        .collect();
    assert_eq!(own.len(), 2);
    assert_eq!(own[0]["location"]["line"], 1);
    assert_eq!(own[1]["location"]["line"], 6);
    assert_eq!(
        own[0]["message"],
        "the waiver at keylint.toml:1 (rules KL301; keys ci-runer-*) matched no finding"
    );
    assert!(
        own.iter()
            .all(|f| f["key_id"].is_null() && f["key_name"].is_null())
    );

    // SARIF points at the waiver's line in keylint.toml.
    let sarif = run(keylint_in(dir.path()).args([
        "check",
        "--now",
        NOW,
        "--format",
        "sarif",
        "--input",
        "inventory.json",
    ]));
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let unused: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "KL003")
        .collect();
    let location = &unused[1]["locations"][0];
    assert_eq!(
        location["physicalLocation"],
        json!({ "artifactLocation": { "uri": "keylint.toml" }, "region": { "startLine": 6 } })
    );
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        "waiver/keylint.toml:6"
    );

    // A waiver whose rules are all switched off had nothing to match: not reported.
    let (_, report) = check_json(dir.path(), &["--ignore", "KL301,KL302"]);
    assert!(findings(&report).iter().all(|f| f.0 != "KL003"));
}

// ---------------------------------------------------------------------------------------------
// Baselines

#[test]
fn baseline_round_trip_and_a_changed_violation_is_new() {
    let dir = workspace(&[]);
    let keys = |entry: &str| {
        vec![
            key(1, "a", json!({ "allow_ips": format!("8.8.8.8\n{entry}") })),
            key(2, "b", json!({ "expired_time": -1 })),
        ]
    };
    write_inventory(dir.path(), "inventory.json", &keys("1.2.3.x"));

    // Write: the run reports the findings as baselined and passes.
    let (out, report) = check_json(dir.path(), &["--write-baseline", "baseline.json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("wrote 2 findings to the baseline baseline.json"),
        "{}",
        out.stderr
    );
    assert_eq!(report["summary"]["baselined"], 2);
    let text = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["version"], 1);
    let entries = file["fingerprints"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["rule"], "KL101");
    assert_eq!(entries[0]["key_id"], 2);
    assert_eq!(entries[1]["rule"], "KL302");
    assert_eq!(
        entries[1]["fingerprint"], report["findings"][0]["fingerprint"],
        "the baseline binds the report's fingerprint"
    );
    assert_eq!(text.lines().count(), 7, "one entry a line:\n{text}");
    // Stable: writing again gives the same bytes.
    check_json(dir.path(), &["--write-baseline", "again.json"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("again.json")).unwrap(),
        text
    );

    // Read: the same findings are suppressed (kind baseline) and the run passes.
    let (out, report) = check_json(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        report["findings"][0]["suppressed"],
        json!({ "kind": "baseline", "reason": "recorded in the baseline", "location": "baseline.json" })
    );
    assert_eq!(report["summary"]["stale_baseline"], 0);

    // A different invalid entry on the same key is a new finding; the old one is gone.
    write_inventory(dir.path(), "inventory.json", &keys("1.2.3.y"));
    let (out, report) = check_json(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(out.code, 1, "the new violation fails the run");
    assert_eq!(
        findings(&report),
        [
            finding("KL302", json!(1), Value::Null),
            finding("KL101", json!(2), json!("baseline")),
        ]
    );
    assert_eq!(report["summary"]["stale_baseline"], 1);
    let human = run(keylint_in(dir.path()).args([
        "check",
        "--now",
        NOW,
        "--input",
        "inventory.json",
        "--baseline",
        "baseline.json",
    ]));
    assert!(
        human
            .stdout
            .contains("(0 waived, 1 baselined; 1 baseline entry no longer occurs)"),
        "{}",
        human.stdout
    );
}

#[test]
fn waived_findings_stay_with_their_waiver_not_the_baseline() {
    let dir = workspace(&[("keylint.toml", EXPIRING)]);
    write_inventory(dir.path(), "inventory.json", &long_lived_keys());
    let (out, report) = check_json(
        dir.path(),
        &["--write-baseline", "b.json", "--ignore", "KL5"],
    );
    assert_eq!(out.code, 0);
    assert_eq!(report["summary"]["waived"], 2);
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    assert_eq!(file["fingerprints"], json!([]));
}

#[test]
fn an_invalid_baseline_is_a_usage_error_before_anything_is_read() {
    let dir = workspace(&[("garbage.json", "{\"version\": 1, \"fingerprints\": [1]}")]);
    for (file, expected) in [
        (
            "garbage.json",
            "cannot use the baseline garbage.json: invalid type",
        ),
        ("missing.json", "cannot use the baseline missing.json"),
    ] {
        // The inventory does not exist either: the baseline is checked first.
        let out = run(keylint_in(dir.path()).args([
            "check",
            "--input",
            "nowhere.json",
            "--baseline",
            file,
        ]));
        assert_eq!(out.code, 2, "{file}");
        assert!(out.stderr.contains(expected), "{}", out.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// init

/// The template with every commented-out TOML line (a table header or `key = value`) restored.
fn uncommented(template: &str) -> String {
    template
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest)
                if rest.starts_with('[')
                    || rest.split_once(" = ").is_some_and(|(k, _)| {
                        !k.is_empty()
                            && k.chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    }) =>
            {
                rest.to_owned()
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn init_writes_a_template_that_loads_and_never_overwrites() {
    let dir = workspace(&[]);
    let out = run(keylint_in(dir.path()).args(["init"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("wrote keylint.toml"));
    let path = dir.path().join("keylint.toml");
    let template = std::fs::read_to_string(&path).unwrap();
    assert_eq!(template, keylint::policy::INIT_TEMPLATE);
    for section in [
        "[override.",
        "[[rule]]",
        "[[waiver]]",
        "--write-baseline",
        "#:schema",
    ] {
        assert!(
            template.contains(section),
            "the template documents {section}"
        );
    }
    // It loads as is.
    let config = run(keylint_in(dir.path()).args(["config"]));
    assert_eq!(config.code, 0, "{}", config.stderr);
    assert!(config.stdout.contains("  keylint.toml\n"));

    // A second init refuses; --force overwrites.
    std::fs::write(&path, "# mine\n").unwrap();
    let again = run(keylint_in(dir.path()).args(["init"]));
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("keylint.toml already exists"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
    assert_eq!(
        run(keylint_in(dir.path()).args(["init", "--force"])).code,
        0
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), template);
    assert_eq!(
        run(keylint_in(dir.path()).args(["init", "other.toml"])).code,
        0
    );
    assert!(dir.path().join("other.toml").exists());
}

#[test]
fn every_example_in_the_template_is_valid() {
    let text = uncommented(keylint::policy::INIT_TEMPLATE);
    let dir = workspace(&[("keylint.toml", &text)]);
    let out = run(keylint_in(dir.path()).args(["config"]));
    assert_eq!(out.code, 0, "{}\n{text}", out.stderr);
    for expected in [
        "ACME001",
        "ACME002",
        "keylint.toml:",
        "CI runners have no fixed egress",
    ] {
        assert!(out.stdout.contains(expected), "{expected}: {}", out.stdout);
    }
    assert!(
        out.stdout
            .contains("KL507    unnamed-key                    note      no")
    );
}

/// A new user: init, edit, run; see a waiver work; adopt with a baseline.
#[test]
fn a_new_user_tries_init_edit_run_waiver_and_baseline() {
    let dir = workspace(&[]);
    write_inventory(dir.path(), "inventory.json", &three_keys());
    assert_eq!(run(keylint_in(dir.path()).args(["init"])).code, 0);

    // Before any edit: the default pack, KL101 fails the run.
    let (out, _) = check_json(dir.path(), &[]);
    assert_eq!(out.code, 1);

    // Edit: uncomment the waiver of the template (it covers ci-runner-*).
    let path = dir.path().join("keylint.toml");
    let template = std::fs::read_to_string(&path).unwrap();
    let start = template.find("# [[waiver]]").unwrap();
    let edited = format!("{}{}", &template[..start], uncommented(&template[start..]));
    std::fs::write(&path, edited).unwrap();
    let (out, report) = check_json(dir.path(), &[]);
    assert_eq!(out.code, 1, "KL101 is not waived");
    assert_eq!(report["summary"]["waived"], 2);
    let human =
        run(keylint_in(dir.path()).args(["check", "--now", NOW, "--input", "inventory.json"]));
    assert!(
        human
            .stdout
            .contains("waived: CI runners have no fixed egress (SEC-142) (owner platform-team,"),
        "{}",
        human.stdout
    );

    // Adopt: record what is left, commit it, and the gate passes until something new appears.
    let (out, _) = check_json(dir.path(), &["--write-baseline", "keylint-baseline.json"]);
    assert_eq!(out.code, 0);
    let (out, report) = check_json(dir.path(), &["--baseline", "keylint-baseline.json"]);
    assert_eq!(out.code, 0);
    assert_eq!(report["summary"]["baselined"], 1);
    assert_eq!(report["summary"]["waived"], 2);
    let mut keys = three_keys();
    keys.push(key(4, "new-key", json!({ "unlimited_quota": true })));
    write_inventory(dir.path(), "inventory.json", &keys);
    let (out, report) = check_json(dir.path(), &["--baseline", "keylint-baseline.json"]);
    assert_eq!(out.code, 1, "only the new problem fails");
    let failing: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"].is_null() && f["severity"] == "error")
        .collect();
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0]["key_id"], 4);
}

// ---------------------------------------------------------------------------------------------
// The strict pack and the example policy

#[test]
fn the_strict_pack_is_shipped_and_selectable() {
    let embedded = run(keylint_in(root()).args(["config", "--no-config", "--rules", "strict"]));
    let file =
        run(keylint_in(root()).args(["config", "--no-config", "--rules", "rules/strict.toml"]));
    assert_eq!(embedded.code, 0, "{}", embedded.stderr);
    assert_eq!(
        embedded.stdout, file.stdout,
        "the binary ships rules/strict.toml"
    );
    let explain = run(keylint_in(root()).args(["explain", "KL503", "--rules", "strict"]));
    assert!(explain.stdout.contains("max-age-days = 30"));

    // On the example, strict fails more at --fail-on warning: notes became warnings.
    let count = |extra: &[&str]| -> (u64, u64) {
        let out = run(keylint_in(root())
            .args(["check", "--no-config", "--now", NOW, "--format", "json"])
            .args(["--input", "examples/inventory.json"])
            .args(extra));
        let report: Value = serde_json::from_str(&out.stdout).unwrap();
        (
            report["summary"]["notes"].as_u64().unwrap(),
            report["summary"]["errors"].as_u64().unwrap(),
        )
    };
    let (default_notes, default_errors) = count(&[]);
    let (strict_notes, strict_errors) = count(&["--rules", "strict"]);
    assert!(default_notes > 0 && strict_notes == 0);
    assert!(strict_errors > default_errors);
}

fn example_check(now: &str, format: &str) -> Outcome {
    run(keylint_in(root()).args([
        "check",
        "--config",
        "examples/keylint.toml",
        "--input",
        "examples/inventory.json",
        "--now",
        now,
        "--format",
        format,
    ]))
}

#[test]
fn the_example_policy_runs_on_the_example_inventory() {
    let out = example_check(NOW, "json");
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let rows = findings(&report);
    // Both waivers apply: ci-runner-3 has no allowlist, legacy-import an unlimited quota.
    assert!(rows.contains(&finding("KL301", json!(1011), json!("waiver"))));
    assert!(rows.contains(&finding("KL201", json!(1010), json!("waiver"))));
    assert_eq!(report["summary"]["waived"], 2);
    // House rules and tuned severities.
    assert!(rows.contains(&finding("ACME010", json!(1007), Value::Null)));
    assert!(rows.contains(&finding("KL503", json!(1010), Value::Null)));
    let unnamed = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "KL507")
        .unwrap();
    assert_eq!(unnamed["severity"], "error");
    assert!(!rows.iter().any(|f| f.0 == "KL002" || f.0 == "KL003"));

    // Two weeks on, prod-api is 34 days old: the stricter production rotation fires, the
    // 60-day rotation of the other keys does not.
    let later: Value =
        serde_json::from_str(&example_check("2026-12-10T12:00:00Z", "json").stdout).unwrap();
    let later = findings(&later);
    assert!(later.contains(&finding("ACME001", json!(1012), Value::Null)));
    assert!(!later.contains(&finding("KL503", json!(1012), Value::Null)));

    // After both waivers have expired: KL002 at each waiver, in SARIF at its line.
    let sarif = example_check("2027-04-01T00:00:00Z", "sarif");
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let expired: Vec<(String, u64)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "KL002")
        .map(|r| {
            let physical = &r["locations"][0]["physicalLocation"];
            (
                physical["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                physical["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(expired.len(), 2);
    let text = std::fs::read_to_string(root().join("examples/keylint.toml")).unwrap();
    for (uri, line) in expired {
        assert_eq!(uri, "examples/keylint.toml");
        let index = usize::try_from(line).unwrap() - 1;
        assert_eq!(text.lines().nth(index), Some("[[waiver]]"));
    }
}

// ---------------------------------------------------------------------------------------------
// The JSON Schema

/// A TOML document as the JSON an editor validates (dates as strings).
fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::from(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::from(b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(k, v)| (k, toml_to_json(v)))
                .collect(),
        ),
    }
}

fn schema_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/keylint.schema.json")).unwrap(),
    )
    .unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, toml_text: &str) -> Vec<String> {
    let doc = toml_to_json(toml::from_str(toml_text).expect("TOML parses"));
    validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn the_schema_accepts_every_shipped_policy_file() {
    let validator = schema_validator();
    let read = |path: &str| std::fs::read_to_string(root().join(path)).unwrap();
    for (name, text) in [
        ("rules/default.toml", read("rules/default.toml")),
        ("rules/strict.toml", read("rules/strict.toml")),
        ("examples/keylint.toml", read("examples/keylint.toml")),
        (
            "tests/fixtures/extra-rules.toml",
            read("tests/fixtures/extra-rules.toml"),
        ),
        ("init template", keylint::policy::INIT_TEMPLATE.to_owned()),
        (
            "init template, uncommented",
            uncommented(keylint::policy::INIT_TEMPLATE),
        ),
        ("config", CONFIG.to_owned()),
        ("pack", PACK.to_owned()),
    ] {
        let errors = schema_errors(&validator, &text);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn the_schema_rejects_what_keylint_rejects() {
    let validator = schema_validator();
    for bad in [
        "rules = []",
        "[[rule]]\nid = \"ACME1\"\nname = \"a\"\nseverity = \"fatal\"\ncheck = \"no-expiry\"\nsummary = \"s\"\n",
        "[[rule]]\nid = \"ACME1\"\nname = \"a\"\nseverity = \"note\"\ncheck = \"key-age\"\nsummary = \"s\"\nparams = { max-age-dayz = 3 }\n",
        "[[rule]]\nid = \"ACME1\"\nname = \"a\"\nseverity = \"note\"\ncheck = \"field\"\nsummary = \"s\"\nparams = { field = \"group\", op = \"like\" }\n",
        "[override.KL503]\nparams = { max-age-days = -1 }\n",
        "[override.KL503]\ncolour = \"red\"\n",
        "[override.KL503]\n",
        "[[waiver]]\nrules = [\"KL301\"]\nreason = \"r\"\n",
        "[[waiver]]\nrules = [\"KL301\"]\nids = [1]\nreason = \" \"\n",
        "[[waiver]]\nrules = [\"KL301\"]\nids = [1]\nreason = \"r\"\nexpires = \"next week\"\n",
    ] {
        assert!(
            !schema_errors(&validator, bad).is_empty(),
            "accepted:\n{bad}"
        );
        let dir = workspace(&[("keylint.toml", bad)]);
        assert_eq!(
            run(keylint_in(dir.path()).args(["config"])).code,
            2,
            "{bad}"
        );
    }
}

#[test]
fn config_schema_prints_the_committed_schema() {
    let out = run(keylint_in(root()).args(["config", "--schema"]));
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        std::fs::read_to_string(root().join("schema/keylint.schema.json")).unwrap()
    );
}
