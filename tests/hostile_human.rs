//! The human report and policy diagnostics under hostile input: a label far right on a very long
//! line (miette pads labels with a format width, capped at 65,535) must not panic, and a record
//! with thousands of findings must give a report that grows linearly with them, streamed to
//! stdout or `--output`.

#[path = "support/command.rs"]
mod command;

use std::path::Path;

use command::{NOW, Outcome, keylint_in, run};
use serde_json::{Value, json};

/// A key that breaks no rule of the default pack.
fn clean_key(id: u64) -> Value {
    json!({
        "id": id,
        "user_id": 1,
        "key": format!("sk-CANARYKEYVALUE{id:04}qwertyuiop"),
        "status": 1,
        "name": format!("key-{id}"),
        "created_time": 1_793_966_400,
        "accessed_time": 1_795_521_600,
        "expired_time": 1_800_878_400,
        "remain_quota": 5000,
        "used_quota": 0,
        "unlimited_quota": false,
        "model_limits_enabled": true,
        "model_limits": "gpt-4o",
        "allow_ips": "8.8.8.8",
        "group": "default",
        "cross_group_retry": false
    })
}

fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn write_inventory(dir: &Path, keys: &[Value]) {
    std::fs::write(
        dir.join("inventory.json"),
        serde_json::to_vec(keys).unwrap(),
    )
    .unwrap();
}

fn check(dir: &Path, extra: &[&str]) -> Outcome {
    run(keylint_in(dir)
        .args(["check", "--input", "inventory.json", "--now", NOW])
        .args(extra))
}

/// No line of `text` is longer than a snippet line may be (the cut line plus the gutter).
fn assert_lines_bounded(text: &str) {
    let longest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(longest <= 200, "a line of {longest} characters");
}

/// `file:line:col` of the first `needle` in `text`, as a diagnostic names it.
fn location(file: &str, text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count() + 1;
    format!("{file}:{line}:{}", at - line_start + 1)
}

#[test]
fn a_bad_allow_ips_entry_far_right_on_one_line_is_reported_without_a_panic() {
    let dir = workspace(&[]);
    let mut key = clean_key(7);
    key["allow_ips"] = json!(format!("{}bogus", "1.1.1.1\n".repeat(9000)));
    write_inventory(dir.path(), &[key]);
    let out = check(dir.path(), &["--select", "invalid-ip-entry"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("allow_ips entry `bogus` is neither"));
    // The label is on the `allow_ips` line (14) at the column of `bogus` in the whole record.
    let column = "  \"allow_ips\": \"".len() + "1.1.1.1\\n".len() * 9000 + 1;
    assert!(
        out.stdout
            .contains(&format!("key 7 \"key-7\":14:{column}]")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("bogus\","));
    assert_lines_bounded(&out.stdout);
}

#[test]
fn a_malformed_model_entry_at_the_end_of_a_long_list_is_reported_without_a_panic() {
    let dir = workspace(&[]);
    let mut key = clean_key(8);
    key["model_limits"] = json!(format!("{}, bad", vec!["gpt-4o"; 12_000].join(",")));
    write_inventory(dir.path(), &[key]);
    let out = check(dir.path(), &["--fail-on", "warning"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("model_limits entry \" bad\" has surrounding whitespace")
    );
    assert!(out.stdout.contains(", bad\","));
    assert_lines_bounded(&out.stdout);
}

#[test]
fn a_policy_error_far_right_on_a_long_line_is_reported_at_its_place() {
    let policy = format!(
        "rule = [{{ id = \"X001\", name = \"x-rule\", check = \"key-age\", summary = \"{}\", \
         severity = \"bogus\" }}]\n",
        "s".repeat(70_000)
    );
    let dir = workspace(&[("keylint.toml", &policy)]);
    write_inventory(dir.path(), &[clean_key(1)]);
    let out = check(dir.path(), &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("unknown severity `bogus`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&location("keylint.toml", &policy, "\"bogus\"")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("severity = \"bogus\" }]"));
    assert_lines_bounded(&out.stderr);
}

#[test]
fn a_syntax_error_after_a_long_string_is_reported_at_its_place() {
    let policy = format!(
        "[[rule]]\nid = \"X001\"\nname = \"x-rule\"\ncheck = \"key-age\"\nsummary = \"{}\" , \
         severity = \"bogus\"\n",
        "s".repeat(70_000)
    );
    let dir = workspace(&[("keylint.toml", &policy)]);
    write_inventory(dir.path(), &[clean_key(1)]);
    let out = check(dir.path(), &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("TOML syntax error"), "{}", out.stderr);
    assert!(out.stderr.contains("keylint.toml:5:"), "{}", out.stderr);
    assert_lines_bounded(&out.stderr);
}

#[test]
fn a_bad_waiver_id_at_the_end_of_a_long_list_is_reported_at_its_place() {
    let ids: Vec<String> = (1..15_000).map(|i| i.to_string()).collect();
    let policy = format!(
        "[[waiver]]\nrules = [\"KL201\"]\nids = [{}, \"bad\"]\nreason = \"r\"\nowner = \"o\"\n\
         expires = \"2027-01-15\"\n",
        ids.join(", ")
    );
    let dir = workspace(&[("keylint.toml", &policy)]);
    write_inventory(dir.path(), &[clean_key(1)]);
    let out = check(dir.path(), &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("\"bad\""), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&location("keylint.toml", &policy, "\"bad\"")),
        "{}",
        out.stderr
    );
    assert_lines_bounded(&out.stderr);
}

/// A key whose allowlist repeats one address 7,000 times: 6,999 KL308 findings.
fn repeated_ips_key(id: u64) -> Value {
    let mut key = clean_key(id);
    key["allow_ips"] = json!(vec!["1.1.1.1"; 7000].join("\n"));
    key
}

/// The human report of `keys` names every finding and stays under `max_bytes_per_finding`
/// bytes a finding (the whole record per finding was 126 KB a finding, 885 MB in all).
fn assert_linear_report(keys: &[Value], findings: usize) {
    let dir = workspace(&[]);
    write_inventory(dir.path(), keys);
    let max_bytes_per_finding = 1024;
    let out = check(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let named = out.stdout.lines().filter(|l| l.contains("KL308")).count();
    assert_eq!(named, findings);
    assert!(
        out.stdout.len() < findings * max_bytes_per_finding,
        "{} bytes for {findings} findings",
        out.stdout.len()
    );
    assert_lines_bounded(&out.stdout);
}

#[test]
fn a_key_with_7000_repeated_ips_gives_a_report_linear_in_its_findings() {
    assert_linear_report(&[repeated_ips_key(1)], 6999);
}

#[test]
fn three_keys_with_7000_repeated_ips_give_a_report_linear_in_their_findings() {
    let keys: Vec<Value> = (1..=3).map(repeated_ips_key).collect();
    assert_linear_report(&keys, 3 * 6999);
}

#[test]
fn the_streamed_report_file_is_the_report_and_is_scrubbed() {
    let token = "tok3n-CANARY-access-0123456789";
    let dir = workspace(&[]);
    let mut key = repeated_ips_key(1);
    key["name"] = json!(token);
    write_inventory(dir.path(), &[key]);
    let shown = check(dir.path(), &[]);
    let to_file = run(keylint_in(dir.path())
        .env("COMETAPI_ACCESS_TOKEN", token)
        .args(["check", "--input", "inventory.json", "--now", NOW])
        .args(["--output", "report.txt"]));
    assert_eq!(to_file.code, 0, "{}", to_file.stderr);
    assert!(to_file.stdout.is_empty());
    let written = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
    assert!(!written.contains(token));
    assert_eq!(written, shown.stdout.replace(token, "[redacted]"));
}
