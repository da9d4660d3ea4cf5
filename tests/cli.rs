//! End-to-end tests of the `keylint` binary: every exit code, every input form, `rules`,
//! `explain`, `completions`, and rendered policy errors as snapshots. Each command runs with a
//! scrubbed environment (no inherited `COMETAPI_*`, `NO_COLOR` or terminal settings).

#[path = "support/command.rs"]
mod command;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use command::{NOW, Outcome, keylint_in, run};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The bundled example, relative to the directory the commands run in (stable in snapshots).
fn example() -> PathBuf {
    PathBuf::from("examples/inventory.json")
}

fn keylint() -> Command {
    keylint_in(command::root())
}

fn check(input: &Path, extra: &[&str]) -> Outcome {
    run(keylint()
        .args(["check", "--now", NOW, "--color", "never", "--input"])
        .arg(input)
        .args(extra))
}

#[test]
fn exit_0_on_a_clean_inventory_in_every_input_form() {
    for name in [
        "clean-array.json",
        "clean-response.json",
        "clean-snapshot.json",
    ] {
        let out = check(&fixture(name), &[]);
        assert_eq!(out.code, 0, "{name}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stdout.contains("3 keys scanned")
                && out.stdout.contains("0 errors, 0 warnings, 0 notes"),
            "{name}: {}",
            out.stdout
        );
    }
    let snapshot = check(&fixture("clean-snapshot.json"), &[]);
    assert!(
        snapshot.stdout.contains("from https://gateway.example"),
        "{}",
        snapshot.stdout
    );
}

#[test]
fn reads_stdin() {
    let bytes = std::fs::read(fixture("clean-array.json")).unwrap();
    let out = run(keylint()
        .args(["check", "--now", NOW, "--input", "-"])
        .write_stdin(bytes));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("3 keys scanned from -"));
}

#[test]
fn exit_1_on_findings_at_or_above_fail_on() {
    let out = check(&example(), &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("KL101 no-expiry"));
    // Only notes left after selecting note rules: exit 0 at the default --fail-on error ...
    let notes = check(&example(), &["--select", "KL504,KL507"]);
    assert_eq!(notes.code, 0, "{}", notes.stdout);
    assert!(notes.stdout.contains("KL504 inactive-key"));
    // ... and 1 at --fail-on note.
    assert_eq!(
        check(&example(), &["--select", "KL504", "--fail-on", "note"]).code,
        1
    );
    assert_eq!(check(&example(), &["--fail-on", "never"]).code, 0);
}

#[test]
fn select_and_ignore_take_ids_prefixes_and_names() {
    let json = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&check(&example(), &args).stdout).expect("json report")
    };
    let rules = |report: &serde_json::Value| -> Vec<String> {
        let mut ids: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let ip_rules = rules(&json(&["--select", "KL3"]));
    assert!(
        ip_rules
            .iter()
            .all(|id| id.starts_with("KL3") || id == "KL001"),
        "{ip_rules:?}"
    );
    assert!(ip_rules.contains(&"KL304".to_owned()));
    let by_name = rules(&json(&["--select", "no-expiry"]));
    assert!(
        by_name.contains(&"KL101".to_owned())
            && by_name.iter().all(|id| id == "KL101" || id == "KL001")
    );
    let ignored = rules(&json(&["--ignore", "KL1,unnamed-key"]));
    assert!(
        ignored
            .iter()
            .all(|id| !id.starts_with("KL1") && id != "KL507"),
        "{ignored:?}"
    );
    // A token that names no rule is a usage error, with a suggestion.
    let bad = check(&example(), &["--select", "KL10x"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("`KL10x` names no rule"),
        "{}",
        bad.stderr
    );
}

#[test]
fn exit_2_on_usage_and_policy_errors() {
    let missing = check(&fixture("does-not-exist.json"), &[]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("cannot read the inventory"),
        "{}",
        missing.stderr
    );

    let bad_now = run(keylint()
        .args(["check", "--now", "yesterday", "--input"])
        .arg(example()));
    assert_eq!(bad_now.code, 2);
    assert!(bad_now.stderr.contains("invalid --now"));

    let no_input = run(keylint().args(["check", "--now", NOW]));
    assert_eq!(no_input.code, 2);

    assert_eq!(run(keylint().args(["check", "--bogus-flag"])).code, 2);
    assert_eq!(
        run(keylint()
            .args(["check", "--rules", "nope.toml", "--input"])
            .arg(example()))
        .code,
        2
    );
}

#[test]
fn exit_3_on_a_malformed_inventory() {
    for (name, expected) in [
        (
            "missing-id.json",
            "key record #1 (0-based) has no integer `id` (missing)",
        ),
        (
            "api-failure.json",
            "success is false (server message: \"access token invalid\")",
        ),
        ("truncated.json", "the JSON ends early"),
    ] {
        let out = check(&fixture(name), &[]);
        assert_eq!(out.code, 3, "{name}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{name}: {}", out.stderr);
        assert!(
            out.stdout.is_empty(),
            "{name}: a partial report was printed"
        );
    }
}

#[test]
fn json_report_has_the_documented_fields() {
    let out = check(&example(), &["--format", "json"]);
    assert_eq!(out.code, 1);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["inventory"]["keys"], 12);
    assert_eq!(report["inventory"]["complete"], true);
    assert_eq!(report["evaluated_at"], NOW);
    let first = &report["findings"][0];
    for field in [
        "rule",
        "name",
        "severity",
        "key_id",
        "key_name",
        "message",
        "field",
        "fingerprint",
        "suppressed",
    ] {
        assert!(first.get(field).is_some(), "finding lacks {field}: {first}");
    }
    let errors = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .count();
    assert_eq!(report["summary"]["errors"], errors);
    // The summary still reaches stderr.
    assert!(out.stderr.contains("12 keys scanned"));
}

#[test]
fn output_file_gets_the_report_and_stderr_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let out = check(
        &example(),
        &["--format", "json", "--output", path.to_str().unwrap()],
    );
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("12 keys scanned"));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(report["version"], 1);
}

#[test]
fn human_report_snapshot() {
    let out = check(&example(), &[]);
    insta::assert_snapshot!("human_example", out.stdout);
}

#[test]
fn rules_lists_the_whole_default_pack() {
    let out = run(keylint().args(["rules"]));
    assert_eq!(out.code, 0);
    insta::assert_snapshot!("rules_table", out.stdout);

    let json = run(keylint().args(["rules", "--format", "json"]));
    let rules: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 32);
    assert_eq!(ids[..3], ["KL001", "KL002", "KL003"]);
    assert!(ids.contains(&"KL308") && ids.contains(&"KL507"));
}

#[test]
fn explain_by_id_and_by_name() {
    let by_id = run(keylint().args(["explain", "KL302"]));
    assert_eq!(by_id.code, 0);
    assert!(by_id.stdout.starts_with("# KL302 invalid-ip-entry"));
    assert!(by_id.stdout.contains("## How to fix"));
    let by_name = run(keylint().args(["explain", "invalid-ip-entry"]));
    assert_eq!(by_id.stdout, by_name.stdout);
    let params = run(keylint().args(["explain", "KL102"]));
    assert!(params.stdout.contains("max-days = 365"));
    let unknown = run(keylint().args(["explain", "no-expiri"]));
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("did you mean `no-expiry`?"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn completions() {
    let out = run(keylint().args(["completions", "bash"]));
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("_keylint()"));
}

#[test]
fn policy_errors_render_with_file_line_and_span() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acme.toml"),
        r#"# ACME's extra rules
[[rule]]
id = "KL900"
name = "prod-needs-allowlist"
severity = "fatal"
check = "no-ip-alowlist"
summary = "Production keys must be restricted"
[rule.when]
name = ["prod-[*"]

[[rule]]
id = "ACME002"
name = "no-auto-group"
severity = "warning"
check = "field"
summary = "Keys must not use the auto group"
params = { field = "group", op = "lt", value = "auto" }
"#,
    )
    .unwrap();
    let out = run(keylint_in(dir.path())
        .args(["rules", "--rules", "acme.toml"])
        .env("NO_COLOR", "1"));
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!("policy_errors", out.stderr);

    std::fs::write(dir.path().join("syntax.toml"), "[[rule]\nid = \"A1\"\n").unwrap();
    let syntax = run(keylint_in(dir.path())
        .args(["rules", "--rules", "syntax.toml"])
        .env("NO_COLOR", "1"));
    assert_eq!(syntax.code, 2);
    insta::assert_snapshot!("policy_syntax_error", syntax.stderr);
}

#[test]
fn custom_pack_adds_rules() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acme.toml"),
        r#"[[rule]]
id = "ACME001"
name = "no-default-group"
severity = "error"
check = "field"
summary = "Keys must name their group"
[rule.when]
name = ["clean-a"]
[rule.params]
field = "group"
op = "eq"
value = "default"
"#,
    )
    .unwrap();
    let out = run(keylint_in(dir.path())
        .args([
            "check",
            "--now",
            NOW,
            "--format",
            "json",
            "--rules",
            "acme.toml",
            "--input",
        ])
        .arg(fixture("clean-array.json")));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "ACME001");
    assert_eq!(findings[0]["key_name"], "clean-a");

    let only_custom = run(keylint_in(dir.path()).args([
        "rules",
        "--no-default-rules",
        "--rules",
        "acme.toml",
        "--format",
        "json",
    ]));
    let rules: serde_json::Value = serde_json::from_str(&only_custom.stdout).unwrap();
    assert_eq!(
        rules.as_array().unwrap().len(),
        4,
        "keylint's own KL001-KL003, and ACME001"
    );
}

/// A key record as the list API returns it, with the given `model_limits` and `allow_ips`.
fn key_object(id: i64, model_limits: &str, allow_ips: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "user_id": 1, "key": "sk-****", "status": 1, "name": format!("svc-{id}"),
        "created_time": 1_790_000_000, "accessed_time": 1_795_000_000,
        "expired_time": 1_800_000_000, "remain_quota": 10, "used_quota": 0,
        "unlimited_quota": false, "model_limits_enabled": true, "model_limits": model_limits,
        "allow_ips": allow_ips, "group": "default", "cross_group_retry": false
    })
}

/// Every `fingerprint` of a JSON report and every `partialFingerprints` value of a SARIF
/// report of `input`, asserted distinct; returns how many findings there were.
fn assert_fingerprints_distinct(input: &Path) -> usize {
    let json = check(input, &["--format", "json", "-q"]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON report");
    let findings = report["findings"].as_array().expect("findings");
    let mut seen = std::collections::HashSet::new();
    for finding in findings {
        let fingerprint = finding["fingerprint"].as_str().expect("fingerprint");
        assert!(seen.insert(fingerprint.to_owned()), "repeated {finding}");
    }
    let sarif = check(input, &["--format", "sarif", "-q"]);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("SARIF log");
    let results = log["runs"][0]["results"].as_array().expect("results");
    // Every finding, up to the results GitHub accepts in a run (tests/sarif_limits.rs).
    assert_eq!(
        results.len(),
        findings.len().min(keylint::report::sarif::MAX_RESULTS)
    );
    for name in ["primaryLocationLineHash", "keylint/v1"] {
        let mut seen = std::collections::HashSet::new();
        for result in results {
            let value = result["partialFingerprints"][name].as_str().expect(name);
            assert!(seen.insert(value.to_owned()), "repeated {name} in {result}");
        }
    }
    findings.len()
}

#[test]
fn repeated_entries_get_distinct_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("keys.json");
    let keys = serde_json::json!([key_object(1, "a,,,b", "8.8.8.8")]);
    std::fs::write(&input, keys.to_string()).unwrap();
    let json = check(&input, &["--format", "json", "-q"]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let kl404: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "KL404")
        .collect();
    assert_eq!(kl404.len(), 2, "{}", json.stdout);
    assert_eq!(kl404[0]["evidence"], kl404[1]["evidence"]);
    assert_fingerprints_distinct(&input);
}

/// 12,000 keys, most of them repeating a violation on one key the way real inventories do
/// (empty model entries, the same bad or redundant allowlist entry on several lines).
#[test]
fn fingerprints_are_distinct_across_a_large_inventory() {
    let models = ["a,,,b", "gpt-4o", " x, x ,gpt-4o", "gpt-4o,,", ""];
    let ips = [
        "8.8.8.8",
        "1.2.3.x\n1.2.3.x",
        "10.0.0.1/24\n10.0.0.1/24\n10.0.0.1/24",
        "1.2.3.4,5.6.7.8\n1.2.3.4,5.6.7.8",
        "0.0.0.0/0\n0.0.0.0/0\n203.0.113.7",
        "",
    ];
    let keys: Vec<serde_json::Value> = (0..12_000)
        .zip(models.iter().cycle())
        .zip(ips.iter().cycle())
        .map(|((i, models), ips)| key_object(100_000 - i, models, ips))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("keys.json");
    std::fs::write(&input, serde_json::Value::from(keys).to_string()).unwrap();
    let findings = assert_fingerprints_distinct(&input);
    assert!(findings > 30_000, "{findings} findings");
}
