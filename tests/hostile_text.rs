//! Hostile text through the CLI: a token pasted into the wrong flag or carried back encoded,
//! reports whose key names hold characters that JSON and XML escape, control characters in
//! policy files, baselines and arguments, an inventory source too large for the GitHub step
//! summary, and evaluation times the reports cannot write.

#[path = "support/command.rs"]
mod command;

use std::path::{Path, PathBuf};

use command::{NOW, Outcome, keylint_in, root, run};

/// The distinctive part of every token of these tests.
const CANARY: &str = "CANARY-9f3b";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// One key record that breaks a rule (it never expires), named `name`.
fn key_named(id: i64, name: &str) -> serde_json::Value {
    serde_json::json!({"id": id, "user_id": 1, "status": 1, "name": name, "expired_time": -1,
        "created_time": 1_790_000_000, "accessed_time": 1_795_000_000, "remain_quota": 1,
        "used_quota": 0, "unlimited_quota": false, "model_limits_enabled": false,
        "model_limits": "", "allow_ips": "8.8.8.8", "group": "default",
        "cross_group_retry": false})
}

fn inventory(dir: &Path, names: &[&str]) -> PathBuf {
    let keys: Vec<_> = (1..)
        .zip(names)
        .map(|(id, name)| key_named(id, name))
        .collect();
    write(dir, "keys.json", &serde_json::Value::from(keys).to_string())
}

/// Neither stream holds a raw ESC or BEL.
fn assert_no_raw_controls(what: &str, out: &Outcome) {
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !text.contains(['\u{1b}', '\u{7}']),
            "{what}: a raw control character in {stream}:\n{text}"
        );
    }
}

#[test]
fn usage_errors_never_quote_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let token = format!("file-{CANARY}-secret");
    let token_file = write(dir.path(), "token", &format!("{token}\n"));
    let token_file = token_file.to_str().unwrap();
    let input = root().join("tests/fixtures/clean-array.json");
    let input = input.to_str().unwrap();
    let pasted = [
        vec!["--select", &token],
        vec!["--ignore", &token],
        vec!["--now", &token],
        vec!["--fail-on", &token],
        vec!["--page-size", &token],
        vec![&token],
    ];
    let token_file_equals = format!("--token-file={token_file}");
    for token_flag in [
        vec!["--token-file", token_file],
        vec![token_file_equals.as_str()],
        vec![],
    ] {
        for args in &pasted {
            let mut cmd = keylint_in(dir.path());
            cmd.args(["check", "--no-config", "--input", input]);
            if token_flag.is_empty() {
                cmd.env("COMETAPI_ACCESS_TOKEN", &token);
            }
            cmd.args(args).args(&token_flag);
            let out = run(&mut cmd);
            assert_eq!(out.code, 2, "{args:?}: {out:?}");
            assert!(!out.stderr.contains(CANARY), "{args:?}: {}", out.stderr);
            assert!(
                out.stderr.contains("[redacted]"),
                "{args:?}: {}",
                out.stderr
            );
        }
    }
}

#[test]
fn an_encoded_upper_cased_or_split_token_is_scrubbed() {
    let dir = tempfile::tempdir().unwrap();
    let token = format!("tok/{CANARY}+secret");
    let variants = [
        token.to_ascii_uppercase(),
        token.replace('/', "%2F").replace('+', "%2b"),
        token.replace('-', "\u{200b}-").replace('s', "s\u{2060}"),
        token.replace('-', "\u{feff}-"),
    ];
    let names: Vec<String> = variants.iter().map(|v| format!("echo {v}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let input = inventory(dir.path(), &names);
    for format in [
        "human", "json", "sarif", "github", "gitlab", "markdown", "junit", "html",
    ] {
        let out = run(keylint_in(dir.path())
            .env("COMETAPI_ACCESS_TOKEN", &token)
            .args(["check", "--no-config", "--now", NOW, "--format", format])
            .arg("--input")
            .arg(&input));
        assert_eq!(out.code, 1, "{format}: {out:?}");
        let text = format!("{}{}", out.stdout, out.stderr).to_ascii_lowercase();
        for part in ["9f3b", "%2f", "canary"] {
            assert!(!text.contains(part), "{format}: {part} in\n{text}");
        }
        assert!(text.contains("echo [redacted]"), "{format}: {text}");
    }
}

#[test]
fn an_sk_key_inside_a_server_message_is_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"{"success": false, "message": "denied: /api?a=1&k=sk-abc123&b=2 SK-DEF45678", "data": null}"#;
    let input = write(dir.path(), "failure.json", body);
    let out = run(keylint_in(dir.path())
        .args(["check", "--no-config", "--now", NOW, "--input"])
        .arg(&input));
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("k=[redacted]&b=2"), "{}", out.stderr);
    for part in ["abc123", "DEF45678"] {
        assert!(!out.stderr.contains(part), "{}", out.stderr);
    }
}

#[test]
fn a_token_that_json_and_xml_escape_is_scrubbed_and_the_report_stays_valid() {
    let dir = tempfile::tempdir().unwrap();
    let token = format!("tok\"<&\\{CANARY}>'x");
    let input = inventory(dir.path(), &[&format!("echo {token} end")]);
    let report = |format: &str| {
        let out = run(keylint_in(dir.path())
            .env("COMETAPI_ACCESS_TOKEN", &token)
            .args(["check", "--no-config", "--now", NOW, "--format", format])
            .arg("--input")
            .arg(&input));
        assert_eq!(out.code, 1, "{format}: {out:?}");
        assert!(!out.stdout.contains(CANARY), "{format}: {}", out.stdout);
        assert!(!out.stderr.contains(CANARY), "{format}: {}", out.stderr);
        out.stdout
    };
    let json: serde_json::Value = serde_json::from_str(&report("json")).expect("valid JSON");
    let names: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["key_name"].as_str())
        .collect();
    assert!(names.contains(&"echo [redacted] end"), "{json}");
    let sarif = report("sarif");
    serde_json::from_str::<serde_json::Value>(&sarif).expect("valid SARIF JSON");
    let junit = report("junit");
    let xml = roxmltree::Document::parse(&junit).expect("valid XML");
    assert!(
        xml.descendants()
            .filter_map(|n| n.attribute("name"))
            .any(|name| name.contains("echo [redacted] end")),
        "{junit}"
    );
    assert!(report("markdown").contains("echo [redacted] end"));
}

/// A valid policy whose free texts hold ESC and BEL.
const HOSTILE_POLICY: &str = r#"
[[rule]]
id = "ACME001"
name = "hostile-texts"
severity = "warning"
check = "field"
summary = "summary \u001b[31mred\u0007 | pipe"
help = "help \u001b]0;title\u0007"
[rule.when]
name = ["prod-\u001b*"]
[rule.params]
field = "group"
op = "eq"
value = "v\u001bip"

[override.KL101]
severity = "note"

[[waiver]]
rules = ["KL301"]
keys = ["ci-\u001b*"]
reason = "r\u001b[31meason\u0007"
expires = "2027-03-31"
"#;

#[test]
fn policy_text_reaches_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "hostile.toml", HOSTILE_POLICY);
    for args in [
        &["rules"][..],
        &["rules", "--format", "markdown"],
        &["rules", "--format", "json"],
        &["explain", "ACME001"],
        &["config"],
    ] {
        let out = run(keylint_in(dir.path())
            .args(args)
            .arg("--config")
            .arg(&policy));
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
        assert_no_raw_controls(&format!("{args:?}"), &out);
        if args[0] != "config" {
            let escaped = if args.contains(&"json") {
                "\\u001b"
            } else {
                "\\u{001b}"
            };
            assert!(out.stdout.contains(escaped), "{args:?}: {}", out.stdout);
        }
    }
}

#[test]
fn policy_errors_quote_policy_text_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let broken = format!(
        "{HOSTILE_POLICY}\n[override.\"KL1\\u001b[31m\"]\nseverity = \"note\"\n\n\
         [[waiver]]\nrules = [\"KL301\"]\nkeys = [\"ci-\\u001b[31m\"]\nreason = \"x\"\n\n\
         [\"bad\\u0007key\"]\nx = 1\n"
    );
    let raw_control = "[[rule]]\nid = \"ACME001\" # a raw \u{1b}[31m escape\u{7}\n";
    for (name, text, expected) in [
        (
            "broken.toml",
            broken.as_str(),
            &["override", "glob", "unknown key"][..],
        ),
        ("raw.toml", raw_control, &["raw.toml"][..]),
    ] {
        let policy = write(dir.path(), name, text);
        for command in ["rules", "config", "explain"] {
            let mut cmd = keylint_in(dir.path());
            cmd.arg(command);
            if command == "explain" {
                cmd.arg("KL101");
            }
            let out = run(cmd.arg("--config").arg(&policy));
            assert_eq!(out.code, 2, "{name} {command}: {out:?}");
            assert_no_raw_controls(&format!("{name} {command}"), &out);
            for part in expected {
                assert!(out.stderr.contains(part), "{name}: {part}:\n{}", out.stderr);
            }
        }
    }
}

#[test]
fn baseline_errors_show_neither_controls_nor_keys() {
    let dir = tempfile::tempdir().unwrap();
    let input = root().join("tests/fixtures/clean-array.json");
    for (name, text) in [
        (
            "value.json",
            r#"{"version":1,"fingerprints":[{"rule":"KL101","key_id":"sk-abcdef123456\u001b[31m\u0007","fingerprint":"0000000000000000"}]}"#,
        ),
        (
            "rule.json",
            r#"{"version":1,"fingerprints":[{"rule":"KL1\u001b[31m sk-abcdef123456","key_id":1,"fingerprint":"x"}]}"#,
        ),
    ] {
        let baseline = write(dir.path(), name, text);
        let out = run(keylint_in(dir.path())
            .args(["check", "--no-config", "--now", NOW, "--input"])
            .arg(&input)
            .arg("--baseline")
            .arg(&baseline));
        assert_eq!(out.code, 2, "{name}: {out:?}");
        assert_no_raw_controls(name, &out);
        assert!(
            !out.stderr.contains("abcdef123456"),
            "{name}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("baseline"), "{name}: {}", out.stderr);
    }
}

#[test]
fn arguments_are_quoted_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let input = root().join("tests/fixtures/clean-array.json");
    let hostile = "x\u{1b}[31m\u{7}";
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("--now", vec!["--now".into(), hostile.into()]),
        (
            "--input",
            vec!["--input".into(), format!("/no/such/{hostile}")],
        ),
        (
            "--config",
            vec!["--config".into(), format!("/no/such/{hostile}")],
        ),
        (
            "--baseline",
            vec!["--baseline".into(), format!("/no/such/{hostile}")],
        ),
        ("--fail-on", vec!["--fail-on".into(), hostile.into()]),
        ("--select", vec!["--select".into(), hostile.into()]),
    ];
    for (what, args) in cases {
        let mut cmd = keylint_in(dir.path());
        cmd.arg("check");
        if what != "--config" {
            cmd.arg("--no-config");
        }
        if what != "--now" {
            cmd.args(["--now", NOW]);
        }
        if what != "--input" {
            cmd.arg("--input").arg(&input);
        }
        let out = run(cmd.args(&args));
        assert_eq!(out.code, 2, "{what}: {out:?}");
        assert_no_raw_controls(what, &out);
        assert!(out.stderr.contains("u{001b}"), "{what}: {}", out.stderr);
    }
}

fn snapshot(dir: &Path, source: &str, keys: &[serde_json::Value]) -> PathBuf {
    let snapshot = serde_json::json!({"format": "keylint-snapshot", "version": 1,
        "source": source, "fetched_at": "2026-11-26T11:00:00Z", "pages": 1,
        "total": keys.len(), "keys": keys});
    write(dir, "snapshot.json", &snapshot.to_string())
}

/// `check --format github` of `input`, with the step summary in a fresh file; its text.
fn step_summary(dir: &Path, input: &Path) -> String {
    let summary = dir.join("summary.md");
    let _ = std::fs::remove_file(&summary);
    let out = run(keylint_in(dir)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args([
            "check",
            "--no-config",
            "--now",
            NOW,
            "--format",
            "github",
            "--input",
        ])
        .arg(input));
    assert_eq!(out.code, 1, "{:?}", out.stderr);
    std::fs::read_to_string(&summary).unwrap()
}

#[test]
fn the_step_summary_stays_under_githubs_limit() {
    let dir = tempfile::tempdir().unwrap();
    let huge_source = format!("https://{}", "s".repeat(2_000_000));
    let input = snapshot(dir.path(), &huge_source, &[key_named(1, "k")]);
    let summary = step_summary(dir.path(), &input);
    assert!(summary.len() < 4096, "{} bytes", summary.len());
    assert!(summary.contains("sss…"), "{}", &summary[..200]);
    assert!(summary.contains("| 1 | k |"), "{summary}");

    let long_name = "n".repeat(5_000);
    let keys: Vec<_> = (1..=3_000).map(|id| key_named(id, &long_name)).collect();
    let input = snapshot(dir.path(), "https://gateway.example", &keys);
    let summary = step_summary(dir.path(), &input);
    assert!(summary.len() < 1024 * 1024, "{} bytes", summary.len());
    assert!(
        summary.contains("not shown: the summary is limited"),
        "{}",
        &summary[summary.len() - 300..]
    );
    assert!(!summary.contains(&long_name), "a cell is not cut");
}

#[test]
fn now_is_refused_outside_the_years_reports_can_write() {
    let dir = tempfile::tempdir().unwrap();
    let input = root().join("tests/fixtures/clean-array.json");
    for now in ["253402300800", "-1", "1969-12-31T23:59:59Z"] {
        let out = run(keylint_in(dir.path())
            .args(["check", "--no-config", "--format", "junit", "--input"])
            .arg(&input)
            .arg(format!("--now={now}")));
        assert_eq!(out.code, 2, "{now}: {out:?}");
        assert!(
            out.stderr.contains("1970-01-01T00:00:00Z"),
            "{now}: {}",
            out.stderr
        );
    }
    let out = run(keylint_in(dir.path())
        .args([
            "check",
            "--no-config",
            "--format",
            "junit",
            "--now",
            "253402300799",
        ])
        .arg("--input")
        .arg(&input));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("timestamp=\"9999-12-31T23:59:59\""),
        "{}",
        out.stdout
    );
}

#[test]
fn rule_tables_take_ids_wider_than_a_format_width() {
    let dir = tempfile::tempdir().unwrap();
    let id = format!("ACME{}", "1".repeat(70_000));
    let policy = write(
        dir.path(),
        "wide.toml",
        &format!(
            "[[rule]]\nid = \"{id}\"\nname = \"wide-id\"\nseverity = \"note\"\n\
             check = \"no-expiry\"\nsummary = \"s\"\n"
        ),
    );
    for command in ["rules", "config"] {
        let out = run(keylint_in(dir.path())
            .arg(command)
            .arg("--config")
            .arg(&policy));
        assert_eq!(out.code, 0, "{command}: {}", out.stderr);
        let row = out.stdout.lines().find(|l| l.starts_with(&id)).unwrap();
        assert!(
            row.contains("  wide-id  "),
            "{command}: {}",
            &row[id.len()..]
        );
    }
}
