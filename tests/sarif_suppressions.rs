//! Waived and baselined findings in SARIF. GitHub code scanning ignores `suppressions` and
//! opens an alert for every result, so by default they are left out (an absent result closes
//! its alert), and the run says how many; `--sarif-suppressed include` (or
//! `KEYLINT_SARIF_SUPPRESSED=include`) writes them with `suppressions`. The exit code and the
//! fingerprints are the same either way.

#[path = "support/command.rs"]
mod command;
#[path = "support/sarif_schema.rs"]
mod sarif_schema;

use std::path::Path;

use command::{NOW, Outcome, keylint_in, root, run_clean};
use serde_json::Value;

const EXAMPLE: &str = "examples/inventory.json";

/// Waives two findings of the example: KL301 and KL401 of `ci-runner-3`.
const WAIVER: &str = "[[waiver]]\nrules = [\"KL301\", \"KL401\"]\nkeys = [\"ci-runner-*\"]\n\
                      reason = \"CI runners have no fixed egress (SEC-142)\"\n";

fn check(args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let mut cmd = keylint_in(root());
    cmd.args(["check", "-q", "--now", NOW, "--input", EXAMPLE])
        .args(args)
        .envs(env.iter().copied());
    run_clean(&mut cmd, &[])
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

/// (rule id, key id) of the results, and whether each is marked suppressed.
fn keyed(log: &Value) -> Vec<(String, i64, bool)> {
    results(log)
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                r["properties"]["key_id"].as_i64().unwrap(),
                r.get("suppressions").is_some(),
            )
        })
        .collect()
}

fn sarif(outcome: &Outcome) -> Value {
    let log: Value = serde_json::from_str(&outcome.stdout).unwrap();
    sarif_schema::assert_valid(&log);
    log
}

fn config(dir: &Path) -> String {
    let path = dir.join("keylint.toml");
    std::fs::write(&path, WAIVER).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn waived_findings_are_left_out_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let json = check(&["--config", &config, "--format", "json"], &[]);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["summary"]["waived"], 2);
    let findings = report["findings"].as_array().unwrap().len();

    let omitted = check(&["--config", &config, "--format", "sarif"], &[]);
    assert_eq!(omitted.code, json.code);
    let log = sarif(&omitted);
    let kept = keyed(&log);
    assert_eq!(kept.len(), findings - 2);
    assert!(
        !kept
            .iter()
            .any(|r| r.1 == 1011 && (r.0 == "KL301" || r.0 == "KL401"))
    );
    assert!(kept.iter().all(|r| !r.2));
    let notifications = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications[0]["level"], "note");
    assert_eq!(notifications[0]["properties"]["left_out"], 2);
    assert!(
        notifications[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("2 waived or baselined findings are not in this log")
    );

    let included = check(
        &[
            "--config",
            &config,
            "--format",
            "sarif",
            "--sarif-suppressed",
            "include",
        ],
        &[],
    );
    assert_eq!(included.code, json.code);
    let log = sarif(&included);
    assert_eq!(keyed(&log).len(), findings);
    let waived: Vec<&Value> = results(&log)
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(waived.len(), 2);
    for result in waived {
        let suppression = &result["suppressions"][0];
        assert_eq!(suppression["kind"], "external");
        assert_eq!(suppression["status"], "accepted");
        assert!(
            suppression["justification"]
                .as_str()
                .unwrap()
                .starts_with("waived: CI runners have no fixed egress (SEC-142)")
        );
    }
    assert!(log["runs"][0]["invocations"][0]["toolExecutionNotifications"].is_null());

    let by_env = check(
        &["--config", &config, "--format", "sarif"],
        &[("KEYLINT_SARIF_SUPPRESSED", "include")],
    );
    assert_eq!(by_env.stdout, included.stdout);

    // Leaving results out changes no fingerprint of the others.
    let fingerprints = |log: &Value| -> Vec<Value> {
        results(log)
            .iter()
            .filter(|r| r.get("suppressions").is_none())
            .map(|r| r["partialFingerprints"].clone())
            .collect()
    };
    assert_eq!(fingerprints(&sarif(&omitted)), fingerprints(&log));
}

#[test]
fn baselined_findings_are_left_out_and_the_run_passes() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    let written = check(&["--write-baseline", baseline, "--format", "json"], &[]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    let findings = serde_json::from_str::<Value>(&written.stdout).unwrap()["findings"]
        .as_array()
        .unwrap()
        .len();

    let omitted = check(&["--baseline", baseline, "--format", "sarif"], &[]);
    assert_eq!(omitted.code, 0);
    let log = sarif(&omitted);
    assert_eq!(results(&log), &Vec::<Value>::new(), "no alert is opened");
    let notification = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(notification["properties"]["left_out"], findings);
    assert_eq!(notification["properties"]["reason"], "suppressed");

    let included = check(
        &[
            "--baseline",
            baseline,
            "--format",
            "sarif",
            "--sarif-suppressed",
            "include",
        ],
        &[],
    );
    assert_eq!(included.code, 0);
    let log = sarif(&included);
    assert_eq!(results(&log).len(), findings);
    assert!(results(&log).iter().all(|r| {
        r["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .starts_with("baselined: ")
    }));
}

#[test]
fn an_unknown_choice_is_a_usage_error() {
    let outcome = check(&["--format", "sarif", "--sarif-suppressed", "hide"], &[]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("--sarif-suppressed"),
        "{}",
        outcome.stderr
    );
}
