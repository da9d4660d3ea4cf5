//! `--format gitlab` end to end: the GitLab Code Quality report has one entry per unsuppressed
//! finding with every field GitLab requires, unique and stable fingerprints, the same locations
//! as SARIF, the same exit code as every format, and no secret; and `examples/gitlab-ci.yml`
//! produces both of its reports and keeps the gate's exit code.

#[path = "support/command.rs"]
mod command;

use std::collections::{BTreeMap, HashSet};

use command::{NOW, Outcome, keylint_in, root, run, run_clean};
use keylint::inventory::parse_inventory;
use keylint::policy::{PolicyOptions, load_policy};
use keylint::report::{self, FailOn, Run, Summary};
use serde_json::Value;

const EXAMPLE: &str = "examples/inventory.json";
const EXAMPLE_CONFIG: &str = "examples/keylint.toml";
/// `NOW` in unix seconds.
const NOW_UNIX: i64 = 1_795_694_400;

/// `check` of the example inventory in the crate root, with `extra` arguments.
fn check(format: &str, extra: &[&str]) -> Outcome {
    let out = run(keylint_in(root())
        .args(["check", "-q", "--input", EXAMPLE, "--now", NOW])
        .args(["--format", format])
        .args(extra));
    assert!(out.code == 0 || out.code == 1, "{format}: {out:?}");
    out
}

fn parse(out: &Outcome) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

fn entries(report: &Value) -> &Vec<Value> {
    report
        .as_array()
        .expect("a Code Quality report is a JSON array")
}

/// The unsuppressed findings of the JSON report.
fn unsuppressed(json: &Value) -> Vec<&Value> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"].is_null())
        .collect()
}

#[test]
fn one_entry_per_unsuppressed_finding() {
    for extra in [&[][..], &["--config", EXAMPLE_CONFIG]] {
        let gitlab = parse(&check("gitlab", extra));
        let json = parse(&check("json", extra));
        let findings = unsuppressed(&json);
        let entries = entries(&gitlab);
        assert_eq!(entries.len(), findings.len(), "{extra:?}");
        // In report order, one for one.
        for (entry, finding) in entries.iter().zip(&findings) {
            assert_eq!(entry["check_name"], finding["rule"]);
            let description = entry["description"].as_str().unwrap();
            let rule = format!(
                "{} {}: ",
                finding["rule"].as_str().unwrap(),
                finding["name"].as_str().unwrap()
            );
            assert!(description.starts_with(&rule), "{description}");
            assert!(
                description.ends_with(finding["message"].as_str().unwrap()),
                "{description}"
            );
        }
    }
    // The example policy waives two findings: they are not in the report.
    let json = parse(&check("json", &["--config", EXAMPLE_CONFIG]));
    assert_eq!(json["summary"]["waived"], 2);
}

#[test]
fn every_entry_has_the_fields_gitlab_requires() {
    let report = parse(&check("gitlab", &["--config", EXAMPLE_CONFIG]));
    let entries = entries(&report);
    assert!(entries.len() > 20);
    let mut fingerprints = HashSet::new();
    let mut severities = BTreeMap::new();
    for entry in entries {
        for field in ["description", "check_name", "fingerprint", "severity"] {
            assert!(entry[field].is_string(), "{field}: {entry}");
        }
        let fingerprint = entry["fingerprint"].as_str().unwrap();
        assert_eq!(fingerprint.len(), 32, "{entry}");
        assert!(fingerprint.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(
            fingerprints.insert(fingerprint.to_owned()),
            "repeated: {entry}"
        );
        let severity = entry["severity"].as_str().unwrap();
        assert!(
            ["info", "minor", "major", "critical", "blocker"].contains(&severity),
            "{entry}"
        );
        *severities.entry(severity.to_owned()).or_insert(0) += 1;
        assert!(entry["location"]["path"].is_string(), "{entry}");
        let begin = entry["location"]["lines"]["begin"]
            .as_u64()
            .expect("an integer line");
        assert!(begin >= 1, "{entry}");
    }
    // error, warning and note each have their own GitLab severity.
    let json = parse(&check("json", &["--config", EXAMPLE_CONFIG]));
    let summary = &json["summary"];
    assert_eq!(severities["critical"], summary["errors"]);
    assert_eq!(severities["minor"], summary["warnings"]);
    assert_eq!(severities["info"], summary["notes"]);
}

#[test]
fn the_report_is_stable_across_runs() {
    let first = check("gitlab", &["--config", EXAMPLE_CONFIG]);
    let second = check("gitlab", &["--config", EXAMPLE_CONFIG]);
    assert_eq!(first.stdout, second.stdout);
    insta::assert_snapshot!("example_gitlab", first.stdout);
}

#[test]
fn fingerprints_stay_unique_when_findings_share_one() {
    // Findings that share their finding fingerprint (a repeat the engine could not number, or
    // a hash collision) still get distinct GitLab fingerprints, the same in every run.
    let policy = load_policy(&PolicyOptions {
        default_rules: true,
        packs: Vec::new(),
    })
    .unwrap();
    let bytes = std::fs::read(root().join(EXAMPLE)).unwrap();
    let inventory = parse_inventory(&bytes, "https://api.cometapi.com").unwrap();
    let mut findings = keylint::eval::engine::evaluate(&policy, &inventory, NOW_UNIX);
    findings.extend(findings[..3].to_vec());
    findings.push(findings[0].clone());
    let render = |source: &str| {
        let mut inventory = inventory.clone();
        inventory.provenance.source = source.to_owned();
        let run = Run {
            policy: &policy,
            inventory: &inventory,
            findings: &findings,
            now: NOW_UNIX,
            summary: Summary::count(&findings, FailOn(None)),
        };
        serde_json::from_str::<Value>(&report::gitlab::render(&run)).unwrap()
    };
    let report = render("https://api.cometapi.com");
    let fingerprints: Vec<&str> = entries(&report)
        .iter()
        .map(|e| e["fingerprint"].as_str().unwrap())
        .collect();
    let distinct: HashSet<&str> = fingerprints.iter().copied().collect();
    assert_eq!(fingerprints.len(), findings.len());
    assert_eq!(distinct.len(), fingerprints.len());
    assert_eq!(render("https://api.cometapi.com/"), report, "stable");
    // Another account's report keeps its entries apart when a pipeline merges both.
    let other = render("https://gateway.example");
    assert!(
        entries(&other)
            .iter()
            .all(|e| !distinct.contains(e["fingerprint"].as_str().unwrap()))
    );
}

#[test]
fn locations_agree_with_sarif() {
    let dir = tempfile::tempdir().unwrap();
    // A pack in a directory with a space (SARIF percent-encodes it, GitLab does not) and a
    // config with an unused waiver (KL003 points at the waiver's line).
    std::fs::create_dir(dir.path().join("my rules")).unwrap();
    std::fs::write(
        dir.path().join("my rules/acme.toml"),
        "# ACME\n\n[[rule]]\nid = \"ACME001\"\nname = \"acme-named\"\nseverity = \"note\"\n\
         check = \"field\"\nsummary = \"Key with a name\"\nhelp = \"Nothing to fix.\"\n\
         [rule.params]\nfield = \"name\"\nop = \"not-empty\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("keylint.toml"),
        "# policy\n\n[[waiver]]\nrules = [\"KL302\"]\nkeys = [\"nothing-*\"]\nreason = \"stale\"\n",
    )
    .unwrap();
    let report = |format: &str| {
        let out = run(keylint_in(dir.path())
            .args(["check", "-q", "--now", NOW, "--config", "keylint.toml"])
            .args(["--rules", "./my rules/acme.toml", "--input"])
            .arg(root().join(EXAMPLE))
            .args(["--format", format]));
        assert_eq!(out.code, 1, "{out:?}");
        parse(&out)
    };
    let sarif = report("sarif");
    let results: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_none())
        .collect();
    let gitlab = report("gitlab");
    let entries = entries(&gitlab);
    assert_eq!(entries.len(), results.len());
    let mut files = HashSet::new();
    for (entry, result) in entries.iter().zip(results) {
        assert_eq!(entry["check_name"], result["ruleId"]);
        let physical = &result["locations"][0]["physicalLocation"];
        let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
        let path = entry["location"]["path"].as_str().unwrap();
        assert_eq!(
            percent_encoding::percent_decode_str(uri)
                .decode_utf8()
                .unwrap(),
            path,
            "{entry}"
        );
        assert_eq!(
            entry["location"]["lines"]["begin"],
            physical["region"]["startLine"]
        );
        files.insert((path.to_owned(), entry["location"]["lines"]["begin"].clone()));
    }
    // The rule's `id` line; the waiver's `[[waiver]]` line.
    assert!(
        files.contains(&("my rules/acme.toml".to_owned(), 4.into())),
        "{files:?}"
    );
    assert!(
        files.contains(&("keylint.toml".to_owned(), 3.into())),
        "{files:?}"
    );
    assert!(files.iter().any(|(path, _)| path == "rules/default.toml"));
}

#[test]
fn every_format_agrees_with_the_exit_code() {
    let error = check("json", &[]);
    assert_eq!(check("gitlab", &[]).code, error.code);
    assert_eq!(error.code, 1);
    // --fail-on decides the exit code only, not which findings are reported.
    let never = check("gitlab", &["--fail-on", "never"]);
    assert_eq!(never.code, 0);
    assert_eq!(never.stdout, check("gitlab", &[]).stdout);
    // Nothing found: an empty array (GitLab marks earlier entries resolved), exit 0.
    let clean = check("gitlab", &["--ignore", "KL"]);
    assert_eq!(clean.code, 0);
    assert_eq!(parse(&clean), serde_json::json!([]));
}

#[test]
fn no_secret_and_no_raw_control_character_reaches_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let canary = "sk-CANARY-7c1e-0123456789abcdef0123456789abcdef";
    let keys = serde_json::json!([{"id": 1, "user_id": 1, "key": canary, "status": 1,
        "name": "evil\u{1b}[31m\r\n\u{202e}\"},{\"x", "expired_time": -1,
        "created_time": 1_790_000_000, "accessed_time": 1_795_000_000, "remain_quota": 1,
        "used_quota": 0, "unlimited_quota": true, "model_limits_enabled": false,
        "model_limits": "", "allow_ips": "8.8.8.8", "group": "default",
        "cross_group_retry": false}]);
    std::fs::write(dir.path().join("keys.json"), keys.to_string()).unwrap();
    let out = run_clean(
        keylint_in(dir.path())
            .args(["check", "--no-config", "--now", NOW, "--input", "keys.json"])
            .args(["--format", "gitlab"]),
        &[canary, "CANARY-7c1e"],
    );
    assert_eq!(out.code, 1, "{out:?}");
    let report = parse(&out);
    assert!(!entries(&report).is_empty());
    for entry in entries(&report) {
        let description = entry["description"].as_str().unwrap();
        assert!(
            !description
                .chars()
                .any(|c| c.is_control() || c == '\u{202e}'),
            "{description}"
        );
        assert!(description.contains("\\u{202e}"), "{description}");
    }
}

// ---------------------------------------------------------------------------------------------
// examples/gitlab-ci.yml

const GITLAB_CI: &str = "examples/gitlab-ci.yml";

fn gitlab_ci() -> String {
    std::fs::read_to_string(root().join(GITLAB_CI)).unwrap()
}

/// The `keylint check` lines of the job's script, as argument lists.
fn check_lines(ci: &str) -> Vec<Vec<&str>> {
    ci.lines()
        .filter_map(|line| line.trim_start().strip_prefix("- keylint check "))
        .map(|args| args.split_whitespace().collect())
        .collect()
}

/// The value of `--flag` (or `-o`) in an argument list.
fn flag<'a>(args: &[&'a str], names: &[&str]) -> Option<&'a str> {
    let at = args.iter().position(|a| names.contains(a))?;
    args.get(at + 1).copied()
}

#[test]
fn the_gitlab_example_uploads_both_reports_and_keeps_the_gate() {
    let ci = gitlab_ci();
    for needle in [
        "codequality: gl-code-quality-report.json",
        "junit: keylint-junit.xml",
        "when: always",
        "COMETAPI_ACCESS_TOKEN",
        "keylint fetch -o keylint-inventory.json",
        "cargo install --locked",
    ] {
        assert!(ci.contains(needle), "{needle}");
    }
    assert!(!ci.contains('\t'), "YAML is indented with spaces");
    let checks = check_lines(&ci);
    assert_eq!(checks.len(), 2, "{checks:?}");
    let (report_only, gate) = (&checks[0], &checks[1]);
    // One fetch, both runs read its snapshot; the report-only run cannot fail the job on
    // findings, and the gate runs last.
    for args in &checks {
        assert_eq!(flag(args, &["--input"]), Some("keylint-inventory.json"));
    }
    assert_eq!(flag(report_only, &["--format"]), Some("gitlab"));
    assert_eq!(flag(report_only, &["--fail-on"]), Some("never"));
    assert_eq!(
        flag(report_only, &["-o", "--output"]),
        Some("gl-code-quality-report.json")
    );
    assert_eq!(flag(gate, &["--format"]), Some("junit"));
    assert_ne!(flag(gate, &["--fail-on"]), Some("never"));
    assert_eq!(flag(gate, &["-o", "--output"]), Some("keylint-junit.xml"));
    let script = ci.split("  script:").nth(1).unwrap();
    let last_command = script
        .lines()
        .rfind(|l| l.trim_start().starts_with("- "))
        .unwrap();
    assert!(last_command.contains("--format junit"), "{last_command}");
}

#[test]
fn the_gitlab_example_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join(EXAMPLE),
        dir.path().join("keylint-inventory.json"),
    )
    .unwrap();
    let ci = gitlab_ci();
    let codes: Vec<i32> = check_lines(&ci)
        .iter()
        .map(|args| {
            let out = run(keylint_in(dir.path())
                .args(["check", "--now", NOW])
                .args(args));
            assert!(
                out.stdout.is_empty(),
                "the report goes to its file: {out:?}"
            );
            out.code
        })
        .collect();
    // The report-only run passes; the gate fails on the example's errors.
    assert_eq!(codes, [0, 1]);
    let json = parse(&check("json", &[]));
    let report: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("gl-code-quality-report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(entries(&report).len(), unsuppressed(&json).len());
    let junit = std::fs::read_to_string(dir.path().join("keylint-junit.xml")).unwrap();
    let junit = roxmltree::Document::parse(&junit).unwrap();
    let failures = junit
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert_eq!(json["summary"]["errors"], failures, "one failure per error");
}

#[test]
fn the_gitlab_example_is_one_job_with_its_keys() {
    // The YAML itself is parsed in CI; here: one job, its keys at two spaces.
    let ci = gitlab_ci();
    assert!(ci.contains("\nkeylint:\n"));
    let keys: Vec<&str> = ci
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && !l.trim().starts_with('#'))
        .filter_map(|l| l.trim().split(':').next())
        .collect();
    for key in [
        "stage",
        "image",
        "variables",
        "rules",
        "cache",
        "script",
        "artifacts",
    ] {
        assert!(keys.contains(&key), "{key}: {keys:?}");
    }
}
