//! End-to-end tests of `keylint diff OLD NEW`: keys added, removed and changed, findings new,
//! resolved and unchanged, each side at its own time, waivers and the baseline, the exit codes,
//! the three formats, and that no key value or digest ever reaches the output.

#[path = "support/command.rs"]
mod command;

use std::path::Path;

use command::{Outcome, keylint_in, run_clean};
use serde_json::{Value, json};

const OLD_AT: &str = "2026-11-25T12:00:00Z";
const NEW_AT: &str = "2026-11-26T12:00:00Z";
/// 2026-11-26T00:00:00Z: between the two sides' times.
const BETWEEN: i64 = 1_795_651_200;
const OLD_DIGEST: &str = "0011223344556677";
const NEW_DIGEST: &str = "8899aabbccddeeff";
/// The key values of the raw list bodies, which must never be printed.
const CANARY_KEYS: [&str; 2] = [
    "sk-CANARYold0123456789abcdefABCDEF0123456789abcd",
    "sk-CANARYnew0123456789abcdefABCDEF0123456789abcd",
];

/// A key record that no default rule flags at either side's time.
fn key(id: i64, name: &str) -> Value {
    json!({
        "id": id, "user_id": 1, "key_sha256": OLD_DIGEST, "status": 1, "name": name,
        "created_time": 1_793_966_400, "accessed_time": 1_795_521_600,
        "expired_time": 1_800_878_400, "remain_quota": 5000, "used_quota": 0,
        "unlimited_quota": false, "model_limits_enabled": true, "model_limits": "gpt-4o",
        "allow_ips": "8.8.8.8", "group": "default", "cross_group_retry": false
    })
}

fn with(mut key: Value, field: &str, value: Value) -> Value {
    key[field] = value;
    key
}

fn snapshot(fetched_at: &str, keys: &[Value]) -> String {
    json!({
        "format": "keylint-snapshot", "version": 1, "source": "https://gateway.example",
        "gateway": "new-api", "fetched_at": fetched_at, "pages": 1, "total": keys.len(),
        "keys": keys
    })
    .to_string()
}

/// A directory holding `old.json` and `new.json` (and whatever else a test writes).
fn sides(old: &str, new: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.json"), old).unwrap();
    std::fs::write(dir.path().join("new.json"), new).unwrap();
    dir
}

fn diff_in(dir: &Path, extra: &[&str]) -> Outcome {
    run_clean(
        keylint_in(dir)
            .args([
                "diff",
                "old.json",
                "new.json",
                "--no-config",
                "--color",
                "never",
            ])
            .args(extra),
        &["CANARY", OLD_DIGEST, NEW_DIGEST],
    )
}

fn json_of(out: &Outcome) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// `(rule, key id)` of a list of finding objects.
fn rules_and_keys(findings: &Value) -> Vec<(String, i64)> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["key_id"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn ids(keys: &Value) -> Vec<i64> {
    keys.as_array()
        .unwrap()
        .iter()
        .map(|k| k["key_id"].as_i64().unwrap())
        .collect()
}

/// OLD: a key with a comma-separated allowlist (three errors), a clean one, one that stays.
/// NEW: the first removed, the second opened to every address (a new error), one added.
fn acceptance() -> tempfile::TempDir {
    let old = snapshot(
        OLD_AT,
        &[
            key(3, "stays"),
            key(2, "opened"),
            with(key(1, "legacy"), "allow_ips", json!("8.8.8.8,1.1.1.1")),
        ],
    );
    let new = snapshot(
        NEW_AT,
        &[
            key(4, "added"),
            key(3, "stays"),
            with(key(2, "opened"), "allow_ips", json!("0.0.0.0/0")),
        ],
    );
    sides(&old, &new)
}

#[test]
fn reports_the_keys_added_removed_and_changed_and_the_findings_new_and_resolved() {
    let dir = acceptance();
    let out = diff_in(dir.path(), &["--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let report = json_of(&out);
    assert_eq!(report["version"], 1);
    assert_eq!(ids(&report["keys"]["added"]), [4]);
    assert_eq!(ids(&report["keys"]["removed"]), [1]);
    assert_eq!(
        report["keys"]["changed"],
        json!([{"key_id": 2, "key_name": "opened", "changes": [
            {"field": "allow_ips", "old": "8.8.8.8", "new": "0.0.0.0/0"}]}])
    );
    assert_eq!(
        rules_and_keys(&report["findings"]["new"]),
        [("KL305".to_owned(), 2)]
    );
    assert_eq!(
        rules_and_keys(&report["findings"]["resolved"]),
        [
            ("KL302".to_owned(), 1),
            ("KL303".to_owned(), 1),
            ("KL304".to_owned(), 1)
        ]
    );
    assert!(report["findings"].get("unchanged").is_none());
    assert_eq!(report["old"]["evaluated_at"], OLD_AT);
    assert_eq!(report["new"]["evaluated_at"], NEW_AT);
    assert_eq!(report["summary"]["failing"], 1);
    assert_eq!(report["summary"]["new"], 1);
    assert_eq!(report["summary"]["resolved"], 3);
    // The finding objects are the check report's.
    let new = &report["findings"]["new"][0];
    for field in [
        "name",
        "severity",
        "key_name",
        "key_status",
        "message",
        "field",
    ] {
        assert!(new.get(field).is_some(), "{field}: {new}");
    }
    assert!(new["fingerprint"].as_str().unwrap().len() == 16);
    assert!(new["suppressed"].is_null());
    assert!(out.stderr.contains("1 new, 3 resolved"), "{}", out.stderr);

    let never = diff_in(dir.path(), &["--format", "json", "--fail-on", "never"]);
    assert_eq!(never.code, 0, "{}", never.stderr);
    assert_eq!(json_of(&never)["summary"]["failing"], 0);
}

#[test]
fn fail_on_warning_counts_a_new_warning() {
    let old = snapshot(OLD_AT, &[key(1, "a")]);
    let new = snapshot(NEW_AT, &[with(key(1, "a"), "allow_ips", json!(""))]);
    let dir = sides(&old, &new);
    let out = diff_in(dir.path(), &["--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(
        rules_and_keys(&json_of(&out)["findings"]["new"]),
        [("KL301".to_owned(), 1)]
    );
    assert_eq!(diff_in(dir.path(), &["--fail-on", "warning"]).code, 1);
    assert_eq!(diff_in(dir.path(), &["--fail-on", "note"]).code, 1);
    assert_eq!(diff_in(dir.path(), &["--fail-on", "error"]).code, 0);
}

#[test]
fn identical_inputs_change_nothing() {
    let doc = snapshot(
        NEW_AT,
        &[key(2, "b"), with(key(1, "a"), "allow_ips", json!(""))],
    );
    let dir = sides(&doc, &doc);
    for format in ["human", "json", "markdown"] {
        let out = diff_in(dir.path(), &["--format", format, "--fail-on", "note"]);
        assert_eq!(out.code, 0, "{format}: {}", out.stdout);
    }
    let report = json_of(&diff_in(dir.path(), &["--format", "json", "--all"]));
    assert_eq!(
        report["keys"],
        json!({"added": [], "removed": [], "changed": []})
    );
    assert_eq!(report["findings"]["new"], json!([]));
    assert_eq!(report["findings"]["resolved"], json!([]));
    assert_eq!(
        rules_and_keys(&report["findings"]["unchanged"]),
        [("KL301".to_owned(), 1)]
    );
    let human = diff_in(dir.path(), &[]);
    assert!(
        human
            .stdout
            .contains("Keys: +0 −0 ~0; findings: 0 new, 0 resolved, 1 unchanged")
    );
}

#[test]
fn a_regenerated_key_is_worded_never_shown() {
    let old = snapshot(OLD_AT, &[key(1, "a")]);
    let new = snapshot(
        NEW_AT,
        &[with(key(1, "a"), "key_sha256", json!(NEW_DIGEST))],
    );
    let dir = sides(&old, &new);
    // diff_in fails the test if either digest reaches stdout or stderr.
    let human = diff_in(dir.path(), &[]);
    assert!(
        human.stdout.contains("key: key value regenerated"),
        "{}",
        human.stdout
    );
    let markdown = diff_in(dir.path(), &["--format", "markdown"]);
    assert!(
        markdown.stdout.contains("key value regenerated"),
        "{}",
        markdown.stdout
    );
    let report = json_of(&diff_in(dir.path(), &["--format", "json"]));
    assert_eq!(
        report["keys"]["changed"][0]["changes"],
        json!([{"field": "key", "regenerated": true}])
    );
}

#[test]
fn a_renamed_key_is_a_change_not_an_addition() {
    let old = snapshot(OLD_AT, &[key(1, "before")]);
    let new = snapshot(NEW_AT, &[key(1, "after")]);
    let dir = sides(&old, &new);
    let report = json_of(&diff_in(dir.path(), &["--format", "json"]));
    assert_eq!(report["keys"]["added"], json!([]));
    assert_eq!(report["keys"]["removed"], json!([]));
    assert_eq!(
        report["keys"]["changed"],
        json!([{"key_id": 1, "key_name": "after", "changes": [
            {"field": "name", "old": "before", "new": "after"}]}])
    );
}

#[test]
fn each_side_is_evaluated_at_its_own_time() {
    // The same record on both sides: it expires between OLD's fetched_at and NEW's.
    let record = with(key(1, "a"), "expired_time", json!(BETWEEN));
    let dir = sides(
        &snapshot(OLD_AT, std::slice::from_ref(&record)),
        &snapshot(NEW_AT, &[record]),
    );
    let out = diff_in(
        dir.path(),
        &["--format", "json", "--now", "2020-01-01T00:00:00Z"],
    );
    let report = json_of(&out);
    assert_eq!(report["keys"]["changed"], json!([]));
    assert_eq!(
        rules_and_keys(&report["findings"]["new"]),
        [("KL105".to_owned(), 1)]
    );
    assert_eq!(report["findings"]["new"][0]["key_status"], "expired");
    assert_eq!(
        rules_and_keys(&report["findings"]["resolved"]),
        [("KL103".to_owned(), 1)]
    );
    assert_eq!(report["findings"]["resolved"][0]["key_status"], "enabled");
}

#[test]
fn inputs_without_fetched_at_are_evaluated_at_now_and_match_across_paths() {
    // The same bare array, saved under two paths (its source is its path), with findings.
    let keys = json!([with(key(1, "a"), "allow_ips", json!("8.8.8.8,1.1.1.1"))]).to_string();
    let dir = tempfile::tempdir().unwrap();
    for sub in ["monday", "friday"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("keys.json"), &keys).unwrap();
    }
    let out = run_clean(
        keylint_in(dir.path()).args([
            "diff",
            "monday/keys.json",
            "friday/keys.json",
            "--no-config",
            "--format",
            "json",
            "--all",
            "--now",
            NEW_AT,
        ]),
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    let report = json_of(&out);
    assert_eq!(report["old"]["source"], "monday/keys.json");
    assert_eq!(report["new"]["source"], "friday/keys.json");
    assert_eq!(report["old"]["evaluated_at"], NEW_AT);
    assert_eq!(report["findings"]["new"], json!([]));
    assert_eq!(report["findings"]["resolved"], json!([]));
    assert_eq!(report["findings"]["unchanged"].as_array().unwrap().len(), 3);
}

#[test]
fn an_unreadable_side_reports_nothing() {
    let good = snapshot(NEW_AT, &[key(1, "a")]);
    let mut partial: Value = serde_json::from_str(&snapshot(OLD_AT, &[key(1, "a")])).unwrap();
    partial["total"] = json!(2);
    let cases: [(&str, &str, i32); 4] = [
        ("partial", &partial.to_string(), 3),
        (
            "malformed",
            "{\"format\":\"keylint-snapshot\",\"keys\":[",
            3,
        ),
        (
            "bad fetched_at",
            &snapshot("last tuesday", &[key(1, "a")]),
            3,
        ),
        (
            "api failure",
            r#"{"success":false,"message":"no","data":null}"#,
            3,
        ),
    ];
    for (name, old, code) in cases {
        let dir = sides(old, &good);
        for format in ["human", "json", "markdown"] {
            let out = diff_in(dir.path(), &["--format", format]);
            assert_eq!(out.code, code, "{name}: {}", out.stderr);
            assert!(out.stdout.is_empty(), "{name}: {}", out.stdout);
        }
        // The other way round as well.
        let swapped = run_clean(
            keylint_in(dir.path()).args(["diff", "new.json", "old.json", "--no-config"]),
            &[],
        );
        assert_eq!(swapped.code, code, "{name}");
        assert!(swapped.stdout.is_empty(), "{name}: {}", swapped.stdout);
    }
    // A file that cannot be opened is a usage error, as for `check --input`.
    let dir = sides(&good, &good);
    let missing = run_clean(
        keylint_in(dir.path()).args(["diff", "old.json", "gone.json", "--no-config"]),
        &[],
    );
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(missing.stdout.is_empty());
    let both_stdin = run_clean(keylint_in(dir.path()).args(["diff", "-", "-"]), &[]);
    assert_eq!(both_stdin.code, 2, "{}", both_stdin.stderr);
}

#[test]
fn one_side_may_be_stdin() {
    let dir = acceptance();
    let old = std::fs::read(dir.path().join("old.json")).unwrap();
    let out = run_clean(
        keylint_in(dir.path())
            .args(["diff", "-", "new.json", "--no-config", "--format", "json"])
            .write_stdin(old),
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(ids(&json_of(&out)["keys"]["removed"]), [1]);
}

#[test]
fn waivers_and_the_baseline_apply() {
    let dir = acceptance();
    std::fs::write(
        dir.path().join("keylint.toml"),
        "[[waiver]]\nrules = [\"KL305\"]\nkeys = [\"opened\"]\nreason = \"SEC-1\"\n\
         expires = \"2027-03-31\"\n",
    )
    .unwrap();
    let waived = run_clean(
        keylint_in(dir.path()).args(["diff", "old.json", "new.json", "--format", "json"]),
        &[],
    );
    assert_eq!(waived.code, 0, "{}", waived.stdout);
    let report = json_of(&waived);
    assert_eq!(
        rules_and_keys(&report["findings"]["new"]),
        [("KL305".to_owned(), 2)]
    );
    assert_eq!(report["findings"]["new"][0]["suppressed"]["kind"], "waiver");
    assert_eq!(report["summary"]["failing"], 0);

    let written = run_clean(
        keylint_in(dir.path()).args([
            "check",
            "--no-config",
            "--input",
            "new.json",
            "--now",
            NEW_AT,
            "--write-baseline",
            "baseline.json",
        ]),
        &[],
    );
    assert_eq!(written.code, 0, "{}", written.stderr);
    let baselined = diff_in(
        dir.path(),
        &["--format", "json", "--baseline", "baseline.json"],
    );
    assert_eq!(baselined.code, 0, "{}", baselined.stdout);
    let report = json_of(&baselined);
    assert_eq!(
        report["findings"]["new"][0]["suppressed"]["kind"],
        "baseline"
    );
    let unbaselined = diff_in(dir.path(), &["--format", "json"]);
    assert_eq!(unbaselined.code, 1);
}

#[test]
fn all_lists_the_unchanged_findings() {
    let old = snapshot(OLD_AT, &[with(key(1, "a"), "allow_ips", json!(""))]);
    let new = snapshot(
        NEW_AT,
        &[
            with(key(2, "b"), "allow_ips", json!("")),
            with(key(1, "a"), "allow_ips", json!("")),
        ],
    );
    let dir = sides(&old, &new);
    let report = json_of(&diff_in(dir.path(), &["--format", "json", "--all"]));
    assert_eq!(
        rules_and_keys(&report["findings"]["new"]),
        [("KL301".to_owned(), 2)]
    );
    assert_eq!(
        rules_and_keys(&report["findings"]["unchanged"]),
        [("KL301".to_owned(), 1)]
    );
    let human = diff_in(dir.path(), &["--all"]).stdout;
    assert!(
        human.contains("Unchanged findings\n  = warning KL301"),
        "{human}"
    );
    assert!(
        !diff_in(dir.path(), &[])
            .stdout
            .contains("Unchanged findings")
    );
    let markdown = diff_in(dir.path(), &["--all", "--format", "markdown"]).stdout;
    assert!(markdown.contains("## Unchanged findings"), "{markdown}");
}

/// The acceptance case plus a regenerated key and a hostile name, as the reports show them.
fn rich() -> tempfile::TempDir {
    let dir = acceptance();
    let new = snapshot(
        NEW_AT,
        &[
            key(4, "added"),
            with(
                with(
                    key(3, "st|ays `x` \u{1b}[31m"),
                    "key_sha256",
                    json!(NEW_DIGEST),
                ),
                "expired_time",
                json!(-1),
            ),
            with(key(2, "opened"), "allow_ips", json!("0.0.0.0/0")),
        ],
    );
    std::fs::write(dir.path().join("new.json"), new).unwrap();
    dir
}

#[test]
fn human_report() {
    let dir = rich();
    let out = diff_in(dir.path(), &["--all"]);
    assert_eq!(out.code, 1);
    assert!(!out.stdout.contains('\u{1b}'));
    insta::assert_snapshot!("human", out.stdout);
}

#[test]
fn markdown_report() {
    let dir = rich();
    let out = diff_in(dir.path(), &["--format", "markdown", "--all"]);
    assert_eq!(out.code, 1);
    assert!(!out.stdout.contains('\u{1b}'));
    insta::assert_snapshot!("markdown", out.stdout);
}

/// A raw list-API response body, which holds key values.
fn raw_body(key_value: &str, allow_ips: &str) -> String {
    let mut record = with(key(1, "a"), "allow_ips", json!(allow_ips));
    record.as_object_mut().unwrap().remove("key_sha256");
    record["key"] = json!(key_value);
    json!({"success": true, "message": "", "data": {
        "page": 1, "page_size": 100, "total": 1, "items": [record]}})
    .to_string()
}

#[test]
fn no_key_value_reaches_any_output() {
    let dir = sides(
        &raw_body(CANARY_KEYS[0], "8.8.8.8,1.1.1.1"),
        &raw_body(CANARY_KEYS[1], ""),
    );
    let report_file = dir.path().join("report.txt");
    for format in ["human", "json", "markdown"] {
        // diff_in fails the test if any `CANARY` reaches stdout or stderr.
        let out = diff_in(dir.path(), &["--format", format, "--all", "--now", NEW_AT]);
        assert_eq!(out.code, 0, "{format}: {}", out.stderr);
        assert!(
            out.stdout.contains("regenerated"),
            "{format}: {}",
            out.stdout
        );
        let to_file = diff_in(
            dir.path(),
            &[
                "--format",
                format,
                "--now",
                NEW_AT,
                "--output",
                "report.txt",
            ],
        );
        assert_eq!(to_file.code, 0);
        let written = std::fs::read_to_string(&report_file).unwrap();
        assert!(
            written.contains("regenerated") && !written.contains("CANARY"),
            "{written}"
        );
    }
}

#[test]
fn policy_errors_are_usage_errors() {
    let dir = acceptance();
    for extra in [
        &["--select", "KL999"][..],
        &["--baseline", "no-such-baseline.json"],
        &["--now", "yesterday"],
    ] {
        let out = diff_in(dir.path(), extra);
        assert_eq!(out.code, 2, "{extra:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{extra:?}: {}", out.stdout);
    }
    // --select narrows both sides alike.
    let report = json_of(&diff_in(
        dir.path(),
        &["--format", "json", "--select", "KL304"],
    ));
    assert_eq!(report["findings"]["new"], json!([]));
    assert_eq!(
        rules_and_keys(&report["findings"]["resolved"]),
        [("KL304".to_owned(), 1)]
    );
}
