//! SARIF within GitHub code scanning's limits, end to end: an inventory with far more findings
//! than a run may hold gives a log that passes the OASIS schema, holds at most 25,000 results,
//! weighs at most 10 MB gzip-compressed, keeps every error-level finding, says what it left out
//! (in the run and on stderr) and exits 1; its fingerprints are distinct and stable across
//! runs. Then the texts a rule pack controls, cut to GitHub's lengths.
//!
//! With `KEYLINT_WRITE_BIG_SARIF=PATH` the big-inventory test also writes its SARIF log to
//! PATH (for the SARIF Multitool), and with `KEYLINT_WRITE_BIG_INVENTORY=PATH` the inventory.

#[path = "support/big_inventory.rs"]
mod big_inventory;
#[path = "support/command.rs"]
mod command;
#[path = "support/sarif_schema.rs"]
mod sarif_schema;

use std::collections::{BTreeSet, HashSet};
use std::io::Write;
use std::path::Path;

use command::{NOW, Outcome, keylint_in, root, run_clean};
use serde_json::Value;

/// GitHub's limits (SPEC §7a).
const MAX_RESULTS: usize = 25_000;
const MAX_GZIP_BYTES: usize = 10_000_000;

/// `check --input FILE --format FORMAT` at the tests' time, from the repository root.
fn check(input: &Path, format: &str, extra: &[&str]) -> Outcome {
    let mut cmd = keylint_in(root());
    cmd.args(["check", "--now", NOW, "--format", format])
        .arg("--input")
        .arg(input)
        .args(extra);
    run_clean(&mut cmd, &["sk-big-"])
}

fn gzip_size(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip").len()
}

/// (rule id, key id, fingerprint) of every error-level finding of the JSON report.
fn json_errors(report: &Value) -> BTreeSet<(String, i64, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["key_id"].as_i64().unwrap(),
                f["fingerprint"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The same of the SARIF results.
fn sarif_errors(results: &[Value]) -> BTreeSet<(String, i64, String)> {
    results
        .iter()
        .filter(|r| r["level"] == "error")
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                r["properties"]["key_id"].as_i64().unwrap(),
                r["partialFingerprints"]["keylint/v1"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

/// Every result's fingerprint of one kind, checked distinct.
fn distinct_fingerprints(results: &[Value], kind: &str) -> Vec<String> {
    let values: Vec<String> = results
        .iter()
        .map(|r| r["partialFingerprints"][kind].as_str().unwrap().to_owned())
        .collect();
    let distinct: HashSet<&String> = values.iter().collect();
    assert_eq!(
        distinct.len(),
        values.len(),
        "{kind} repeats within the run"
    );
    values
}

fn write_if_asked(variable: &str, bytes: &[u8]) {
    if let Some(path) = std::env::var_os(variable).filter(|p| !p.is_empty()) {
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{variable}: {e}"));
    }
}

#[test]
fn a_run_with_more_findings_than_github_accepts_stays_within_its_limits() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.json");
    let inventory = big_inventory::inventory(big_inventory::KEYS);
    write_if_asked("KEYLINT_WRITE_BIG_INVENTORY", &inventory);
    std::fs::write(&input, &inventory).unwrap();

    let json = check(&input, "json", &["-q"]);
    assert_eq!(json.code, 1, "{}", json.stderr);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap().len();
    let errors = json_errors(&report);
    assert_eq!(errors.len(), big_inventory::errors(big_inventory::KEYS));
    assert!(findings > 2 * MAX_RESULTS && errors.len() < MAX_RESULTS);

    let sarif = check(&input, "sarif", &[]);
    assert_eq!(sarif.code, 1, "the exit code counts every finding");
    write_if_asked("KEYLINT_WRITE_BIG_SARIF", sarif.stdout.as_bytes());
    let left_out = findings - MAX_RESULTS;
    assert!(
        sarif.stderr.contains(&format!(
            "keylint: warning: the SARIF report holds the {MAX_RESULTS} most severe of \
             {findings} findings"
        )) && sarif
            .stderr
            .contains(&format!("so {left_out} were left out")),
        "{}",
        sarif.stderr
    );
    let gzipped = gzip_size(sarif.stdout.as_bytes());
    assert!(gzipped <= MAX_GZIP_BYTES, "{gzipped} bytes gzip-compressed");

    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    sarif_schema::assert_valid(&log);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), MAX_RESULTS);
    assert_eq!(sarif_errors(results), errors, "every error is kept");
    let notification = &run["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "warning");
    assert_eq!(notification["properties"]["left_out"], left_out);
    let text = notification["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "{left_out} of {findings} findings are not in this log"
        )) && text.contains("`keylint check --format json` reports every finding"),
        "{text}"
    );

    let line_hashes = distinct_fingerprints(results, "primaryLocationLineHash");
    let own = distinct_fingerprints(results, "keylint/v1");
    let again = check(&input, "sarif", &["-q"]);
    assert_eq!(again.code, 1);
    assert!(
        again.stdout == sarif.stdout,
        "the log is the same run after run"
    );
    let again: Value = serde_json::from_str(&again.stdout).unwrap();
    let results = again["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        distinct_fingerprints(results, "primaryLocationLineHash"),
        line_hashes
    );
    assert_eq!(distinct_fingerprints(results, "keylint/v1"), own);
}

/// A rule pack whose id, name, summary and help are longer than GitHub accepts.
fn long_pack() -> String {
    let id = format!("ACME{}", "1".repeat(296));
    let name = format!("prod-{}", "x".repeat(295));
    // Multi-byte characters, so that a cut has to find a character boundary.
    let summary = "Production keys need an allowlist — äöü ".repeat(50);
    let help = "Add the egress CIDRs to allow_ips. ".repeat(60);
    assert!(summary.chars().count() >= 2_000 && help.len() >= 2_000);
    format!(
        "[[rule]]\nid = \"{id}\"\nname = \"{name}\"\nseverity = \"error\"\ncheck = \"no-expiry\"\n\
         summary = \"{summary}\"\nhelp = \"{help}\"\n"
    )
}

#[test]
fn texts_a_rule_pack_controls_are_cut_to_githubs_lengths() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("long.toml");
    std::fs::write(&pack, long_pack()).unwrap();
    let mut cmd = keylint_in(root());
    cmd.args(["check", "-q", "--now", NOW, "--format", "sarif"])
        .args(["--input", "examples/inventory.json", "--rules"])
        .arg(&pack);
    let outcome = run_clean(&mut cmd, &[]);
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    let log: Value = serde_json::from_str(&outcome.stdout).unwrap();
    sarif_schema::assert_valid(&log);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let long = rules
        .iter()
        .position(|r| r["id"].as_str().unwrap().starts_with("ACME"))
        .expect("the long rule is described");
    let rule = &rules[long];
    let id = rule["id"].as_str().unwrap();
    assert_eq!(id.len(), 255);
    let (prefix, hash) = id.rsplit_once('-').unwrap();
    assert!(prefix.starts_with("ACME111") && hash.len() == 16);
    for (field, limit) in [
        (&rule["name"], 255),
        (&rule["shortDescription"]["text"], 1_024),
        (&rule["fullDescription"]["text"], 1_024),
    ] {
        let text = field.as_str().unwrap();
        assert!(text.len() <= limit && text.ends_with('…'), "{text}");
    }
    assert!(
        rule["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Production keys need an allowlist — äöü")
    );
    // Help has no limit: it stays whole.
    assert!(rule["help"]["text"].as_str().unwrap().len() > 4_000);
    let results = run["results"].as_array().unwrap();
    let of_long: Vec<&Value> = results.iter().filter(|r| r["ruleIndex"] == long).collect();
    assert!(!of_long.is_empty());
    assert!(of_long.iter().all(|r| r["ruleId"] == id));
    // The rules that fit are untouched.
    let kl101 = rules.iter().find(|r| r["id"] == "KL101").unwrap();
    assert_eq!(kl101["name"], "no-expiry");
    assert!(
        !kl101["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .contains('…')
    );
}
