//! `--format github` within GitHub's limits: at most 10 annotations per level (GitHub drops the
//! rest of a step's silently), the most severe first and the same in every run; a step summary
//! under 1 MiB that lists every finding when it fits, says how many were not annotated, and
//! says how many rows it left out when it does not fit; workflow-command escaping of the
//! properties GitHub reads.

#[path = "support/command.rs"]
mod command;

use std::path::Path;

use command::{NOW, Outcome, keylint_in, root, run};
use serde_json::Value;

/// GitHub's cap per level and step.
const PER_LEVEL: usize = 10;
/// GitHub refuses a step summary over 1 MiB.
const ONE_MIB: usize = 1024 * 1024;

/// A key that breaks several rules: it never expires and has an unlimited quota (errors), no
/// allowlist and no model limits (warnings), and shares its name with one other key (a note).
fn breaking_key(id: i64) -> Value {
    serde_json::json!({"id": id, "user_id": 1, "status": 1, "name": format!("service-{}", id / 2),
        "expired_time": -1, "created_time": 1_790_000_000, "accessed_time": 1_795_000_000,
        "remain_quota": 1, "used_quota": 0, "unlimited_quota": true,
        "model_limits_enabled": false, "model_limits": "", "allow_ips": null,
        "group": "default", "cross_group_retry": false})
}

fn write_keys(dir: &Path, count: i64) -> std::path::PathBuf {
    let keys: Vec<Value> = (1..=count).map(breaking_key).collect();
    let path = dir.join("keys.json");
    std::fs::write(&path, Value::from(keys).to_string()).unwrap();
    path
}

/// `check --format github` of `input`, run in `dir`, with a fresh step summary file: the
/// outcome and the summary.
fn github(dir: &Path, input: &Path, extra: &[&str]) -> (Outcome, String) {
    let summary_dir = tempfile::tempdir().unwrap();
    let summary = summary_dir.path().join("summary.md");
    let out = run(keylint_in(dir)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "-q", "--now", NOW, "--format", "github", "--input"])
        .arg(input)
        .args(extra));
    assert_eq!(out.code, 1, "{out:?}");
    (out, std::fs::read_to_string(&summary).unwrap())
}

fn json(dir: &Path, input: &Path, extra: &[&str]) -> Value {
    let out = run(keylint_in(dir)
        .args(["check", "-q", "--now", NOW, "--format", "json", "--input"])
        .arg(input)
        .args(extra));
    serde_json::from_str(&out.stdout).unwrap()
}

/// The workflow commands' levels, in order.
fn levels(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("::"))
        .map(|l| l.split(' ').next().unwrap())
        .collect()
}

/// The step summary's finding rows (the table rows after the header).
fn rows(summary: &str) -> Vec<&str> {
    summary
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Key |"))
        .collect()
}

fn count(summary: &Value, level: &str) -> usize {
    usize::try_from(summary[level].as_u64().unwrap()).unwrap()
}

#[test]
fn annotations_stay_within_githubs_caps_on_a_large_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_keys(dir.path(), 3_000);
    let report = json(dir.path(), &input, &[]);
    let counts = &report["summary"];
    let total = report["findings"].as_array().unwrap().len();
    assert!(total > 4 * 3_000, "{counts}");
    for level in ["errors", "warnings", "notes"] {
        assert!(count(counts, level) > PER_LEVEL, "{level}: {counts}");
    }

    let (out, summary) = github(dir.path(), &input, &[]);
    // 10 of each level, errors first, then warnings, then notices.
    let expected: Vec<&str> = ["error", "warning", "notice"]
        .iter()
        .flat_map(|level| [*level; PER_LEVEL])
        .collect();
    assert_eq!(levels(&out.stdout), expected, "{}", out.stdout);
    // The log says how many were left out.
    let last = out.stdout.lines().last().unwrap();
    assert!(
        last.starts_with(&format!(
            "keylint: {} of {total} unsuppressed findings are not annotated",
            total - 3 * PER_LEVEL
        )),
        "{last}"
    );

    // The summary: under 1 MiB, what was not annotated, and where the rest is.
    assert!(summary.len() < ONE_MIB, "{} bytes", summary.len());
    assert!(summary.len() <= keylint::report::github::STEP_SUMMARY_LIMIT);
    assert!(
        summary.contains(&format!(
            "**{} of {total} unsuppressed findings not annotated**",
            total - 3 * PER_LEVEL
        )),
        "{}",
        &summary[..600]
    );
    let rows = rows(&summary);
    let left_out = total - rows.len();
    assert!(left_out > 0, "3,000 keys do not fit");
    let note = format!("**{left_out} more findings not shown: the summary is limited in size**");
    let tail = &summary[summary.len() - 400..];
    assert!(summary.contains(&note), "{tail}");
    assert!(tail.contains("`keylint check --format json`"), "{tail}");
    assert!(summary.ends_with(".\n\n"), "ends after the note: {tail}");
    // Cut at a row boundary: every row is whole.
    assert!(rows.iter().all(|r| r.ends_with(" |")));

    // Most severe rows first: the cut drops notes before warnings before errors, and the first
    // rows of each level are the ones annotated.
    let severity = |row: &str| row.split(" | ").nth(3).unwrap().to_owned();
    let errors = count(counts, "errors");
    assert!(rows[..errors].iter().all(|r| severity(r) == "error"));
    assert!(rows[errors..].iter().all(|r| severity(r) != "error"));
    let annotated_keys: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .map(|l| l.split("::key ").nth(1).unwrap().split(' ').next().unwrap())
        .collect();
    let first_error_keys: Vec<&str> = rows[..PER_LEVEL]
        .iter()
        .map(|r| r.trim_start_matches("| ").split(' ').next().unwrap())
        .collect();
    assert_eq!(annotated_keys, first_error_keys);
}

#[test]
fn annotations_are_the_same_in_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_keys(dir.path(), 40);
    let (first, first_summary) = github(dir.path(), &input, &[]);
    let (second, second_summary) = github(dir.path(), &input, &[]);
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(first_summary, second_summary);
}

#[test]
fn a_small_inventory_has_a_complete_summary() {
    let input = root().join("examples/inventory.json");
    let config = ["--config", "examples/keylint.toml"];
    let report = json(root(), &input, &config);
    let findings = report["findings"].as_array().unwrap();
    let counts = &report["summary"];
    let unsuppressed = ["errors", "warnings", "notes"]
        .iter()
        .map(|level| count(counts, level))
        .sum::<usize>();
    let annotated = ["errors", "warnings", "notes"]
        .iter()
        .map(|level| count(counts, level).min(PER_LEVEL))
        .sum::<usize>();
    assert!(
        annotated < unsuppressed,
        "the example has more than 10 warnings"
    );

    let (out, summary) = github(root(), &input, &config);
    assert_eq!(levels(&out.stdout).len(), annotated);
    // Every finding, suppressed ones included, and no truncation.
    assert_eq!(rows(&summary).len(), findings.len());
    assert!(!summary.contains("not shown"), "{summary}");
    assert!(
        summary.contains(&format!(
            "**{} of {unsuppressed} unsuppressed findings not annotated**",
            unsuppressed - annotated
        )),
        "{summary}"
    );
    assert!(
        summary.contains("Waived and baselined findings (2) are listed but not annotated."),
        "{summary}"
    );
    for finding in findings {
        let rule = format!(
            "| {} {} |",
            finding["rule"].as_str().unwrap(),
            finding["name"].as_str().unwrap()
        );
        assert!(summary.contains(&rule), "{rule}");
    }
}

#[test]
fn everything_is_annotated_when_it_fits() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_keys(dir.path(), 2);
    let (out, summary) = github(dir.path(), &input, &[]);
    let commands = levels(&out.stdout).len();
    assert_eq!(commands, rows(&summary).len());
    assert!(
        out.stdout.lines().all(|l| l.starts_with("::")),
        "{}",
        out.stdout
    );
    assert!(!summary.contains("not annotated"), "{summary}");
}

#[test]
fn properties_and_messages_are_escaped_for_workflow_commands() {
    let dir = tempfile::tempdir().unwrap();
    let mut key = breaking_key(1);
    key["name"] = Value::from("50% off\r\n::error title=x::y, z: w");
    std::fs::write(
        dir.path().join("keys.json"),
        Value::from(vec![key]).to_string(),
    )
    .unwrap();
    // An unused waiver in a policy file whose name GitHub would split on: KL003 names it in
    // the `file` property.
    let policy = dir.path().join("a:b,c%.toml");
    std::fs::write(
        &policy,
        "[[waiver]]\nrules = [\"KL302\"]\nkeys = [\"nothing-*\"]\nreason = \"stale\"\n",
    )
    .unwrap();
    let input = dir.path().join("keys.json");
    let (out, _) = github(dir.path(), &input, &["--config", "a:b,c%.toml"]);
    let waiver = out
        .stdout
        .lines()
        .find(|l| l.contains("KL003"))
        .expect("the unused waiver is annotated first among warnings");
    assert!(
        waiver.starts_with("::warning title=KL003 unused-waiver,file=a%3Ab%2Cc%25.toml,line=1::"),
        "{waiver}"
    );
    for line in out.stdout.lines().filter(|l| l.starts_with("::")) {
        let (properties, data) = line[2..].split_once("::").unwrap();
        let values = properties.split_once(' ').unwrap().1;
        for value in values.split(',') {
            let (_, value) = value.split_once('=').unwrap();
            assert!(!value.contains(':'), "{line}");
        }
        assert!(!data.contains('\r'), "{line}");
        if data.contains("50") {
            assert!(
                data.contains("50%25 off\\r\\n::error title=x::y, z: w"),
                "{line}"
            );
        }
    }
}
