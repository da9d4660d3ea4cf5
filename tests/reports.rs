//! Report formats end to end: snapshots of every format on the example inventory, agreement of
//! the formats on the finding set and the exit code, SARIF schema validity and locations, JUnit
//! well-formedness, the GitHub step summary, and canary keys with hostile names.

#[path = "support/sarif_schema.rs"]
mod sarif_schema;

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use keylint::eval::finding::{Finding, Severity, Suppression, SuppressionKind};
use keylint::inventory::{Inventory, parse_inventory};
use keylint::policy::{PackSource, Policy, PolicyOptions, load_policy};
use keylint::report::{self, FailOn, Run, Summary};
use serde_json::Value;

const NOW: &str = "2026-11-26T12:00:00Z";
/// `NOW` in unix seconds.
const NOW_UNIX: i64 = 1_795_694_400;
const EXAMPLE: &str = "examples/inventory.json";
const EXTRA_RULES: &str = "tests/fixtures/extra-rules.toml";
const FORMATS: [&str; 7] = [
    "human", "json", "sarif", "github", "gitlab", "markdown", "junit",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The binary in the crate root, with an empty environment.
fn keylint() -> Command {
    let mut cmd = Command::cargo_bin("keylint").expect("binary builds");
    cmd.current_dir(root()).env_clear();
    cmd
}

/// Runs `check` on the example inventory; returns stdout and the exit code.
fn check(format: &str, extra: &[&str]) -> (String, i32) {
    let output = keylint()
        .args([
            "check", "--color", "never", "-q", "--input", EXAMPLE, "--now", NOW,
        ])
        .args(["--format", format])
        .args(extra)
        .output()
        .expect("keylint runs");
    let code = output.status.code().expect("exit code");
    assert!(code == 0 || code == 1, "{format}: exit {code}: {output:?}");
    (String::from_utf8(output.stdout).expect("utf-8"), code)
}

/// The version is the only thing in a report that changes on its own.
fn unversioned(text: &str) -> String {
    text.replace(
        &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"[VERSION]\"",
    )
}

// ---------------------------------------------------------------------------------------------
// Library-level runs, for what the command line cannot produce yet (waivers, baselines) and for
// hostile inventories.

struct Fixture {
    policy: Policy,
    inventory: Inventory,
    findings: Vec<Finding>,
}

impl Fixture {
    fn new(inventory: &[u8], source: &str, packs: &[&str]) -> Fixture {
        let policy = load_policy(&PolicyOptions {
            default_rules: true,
            packs: packs.iter().map(|p| PackSource::File(p.into())).collect(),
        })
        .expect("policy loads");
        let inventory = parse_inventory(inventory, source).expect("inventory parses");
        let findings = keylint::eval::engine::evaluate(&policy, &inventory, NOW_UNIX);
        Fixture {
            policy,
            inventory,
            findings,
        }
    }

    /// The example inventory with the extra pack, as if fetched from a gateway, with the
    /// ACME001 warning waived and the KL001 error baselined; KL101 still fails the run. (Pack paths are relative to the crate root,
    /// where cargo runs integration tests.)
    fn rich() -> Fixture {
        let bytes = std::fs::read(root().join(EXAMPLE)).expect("example");
        let mut fixture = Fixture::new(&bytes, "https://api.cometapi.com", &[EXTRA_RULES]);
        let position = |rule: &str| {
            fixture
                .findings
                .iter()
                .position(|f| fixture.policy.rules[f.rule].id == rule)
                .unwrap_or_else(|| panic!("{rule} fires on the example"))
        };
        let (warning, incomplete) = (position("ACME001"), position("KL001"));
        fixture.findings[warning].suppressed = Some(Box::new(Suppression {
            kind: SuppressionKind::Waiver,
            reason: "owned by the platform team, rotates monthly".into(),
            owner: None,
            expires: None,
            location: None,
        }));
        fixture.findings[incomplete].suppressed = Some(Box::new(Suppression {
            kind: SuppressionKind::Baseline,
            reason: "in baseline keylint-baseline.json".into(),
            owner: None,
            expires: None,
            location: None,
        }));
        fixture
    }

    fn run(&self, fail_on: Option<Severity>) -> Run<'_> {
        let fail_on = FailOn(fail_on);
        Run {
            policy: &self.policy,
            inventory: &self.inventory,
            findings: &self.findings,
            now: NOW_UNIX,
            summary: Summary::count(&self.findings, fail_on),
        }
    }
}

/// `--sarif-suppressed include`.
const SARIF_WITH_SUPPRESSED: report::sarif::Options = report::sarif::Options {
    suppressed: report::sarif::Suppressed::Include,
};

/// Every text a run can produce, by name.
fn render_all(run: &Run<'_>) -> Vec<(&'static str, String)> {
    vec![
        ("human", report::human::render(run, false)),
        ("json", report::json::render(run)),
        // With the suppressed findings, as the other formats list them; by default SARIF
        // leaves them out (tests/sarif_suppressions.rs).
        (
            "sarif",
            report::sarif::render_with(run, SARIF_WITH_SUPPRESSED),
        ),
        ("github", report::github::render(run)),
        ("step-summary", report::github::step_summary(run)),
        ("markdown", report::markdown::render(run)),
        ("junit", report::junit::render(run)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Finding sets as each format states them: (rule id, key id) -> suppressed, sorted.

type FindingSet = Vec<(String, i64, bool)>;

fn from_json(text: &str) -> FindingSet {
    let report: Value = serde_json::from_str(text).expect("json");
    let mut set: FindingSet = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["key_id"].as_i64().unwrap(),
                !f["suppressed"].is_null(),
            )
        })
        .collect();
    set.sort();
    set
}

fn from_sarif(text: &str) -> FindingSet {
    let log: Value = serde_json::from_str(text).expect("sarif");
    let mut set: FindingSet = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                r["properties"]["key_id"].as_i64().unwrap(),
                r.get("suppressions").is_some(),
            )
        })
        .collect();
    set.sort();
    set
}

/// GitHub annotates unsuppressed findings only (at most 10 per level; a plain line after the
/// commands says how many are not annotated).
fn from_github(text: &str) -> FindingSet {
    let mut set: FindingSet = text
        .lines()
        .filter(|line| line.starts_with("::"))
        .map(|line| {
            let title = line.split_once("title=").expect("title").1;
            let rule = title.split(' ').next().unwrap().to_owned();
            let data = line.splitn(3, "::").nth(2).expect("data");
            let key = data
                .strip_prefix("key ")
                .and_then(|d| d.split([' ', ':']).next())
                .and_then(|id| id.parse().ok())
                .expect("key id");
            (rule, key, false)
        })
        .collect();
    set.sort();
    set
}

/// The findings table of the Markdown report or the step summary.
fn from_markdown(text: &str) -> FindingSet {
    let table = text
        .split("| Key | Name | Rule | Severity | Message | Suppression |\n")
        .nth(1)
        .unwrap_or("");
    let mut set: FindingSet = table
        .lines()
        .skip(1)
        .take_while(|line| line.starts_with("| "))
        .map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            let key = cells[0].trim_start_matches("| ").parse().expect("key id");
            let rule = cells[2].split(' ').next().unwrap().to_owned();
            let suppressed = !cells
                .last()
                .unwrap()
                .trim_end_matches('|')
                .trim()
                .is_empty();
            (rule, key, suppressed)
        })
        .collect();
    set.sort();
    set
}

/// JUnit: failures, plus the findings listed in `system-out` (suppressed, or below `--fail-on`).
fn from_junit(text: &str) -> FindingSet {
    let doc = roxmltree::Document::parse(text).expect("well-formed XML");
    let mut set = FindingSet::new();
    for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        let key: i64 = case
            .attribute("name")
            .and_then(|n| n.strip_prefix("key "))
            .and_then(|n| n.split(' ').next())
            .and_then(|id| id.parse().ok())
            .expect("key id in test case name");
        for child in case.children().filter(|n| n.is_element()) {
            match child.tag_name().name() {
                "failure" => set.push((child.attribute("type").unwrap().to_owned(), key, false)),
                "system-out" => {
                    for line in child.text().unwrap_or("").lines() {
                        let rule = line.split(' ').next().unwrap().to_owned();
                        let suppressed =
                            line.contains(", waived: ") || line.contains(", baselined: ");
                        set.push((rule, key, suppressed));
                    }
                }
                other => panic!("unexpected <{other}> in a test case"),
            }
        }
    }
    set.sort();
    set
}

fn unsuppressed(set: &FindingSet) -> FindingSet {
    set.iter().filter(|f| !f.2).cloned().collect()
}

// ---------------------------------------------------------------------------------------------
// Snapshots

#[test]
fn snapshots_of_every_format_on_the_example() {
    for format in FORMATS {
        let (out, code) = check(format, &[]);
        assert_eq!(code, 1, "{format}");
        insta::assert_snapshot!(format!("example_{format}"), unversioned(&out));
    }
}

#[test]
fn snapshots_with_every_severity_and_suppressions() {
    let fixture = Fixture::rich();
    let run = fixture.run(Some(Severity::Error));
    for (name, text) in render_all(&run) {
        if matches!(
            name,
            "sarif" | "github" | "step-summary" | "markdown" | "junit"
        ) {
            insta::assert_snapshot!(format!("rich_{name}"), unversioned(&text));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Agreement

#[test]
fn every_format_reports_the_same_findings() {
    let (json, _) = check("json", &["--rules", EXTRA_RULES]);
    let expected = from_json(&json);
    assert!(expected.len() >= 4, "{expected:?}");
    assert_eq!(
        from_sarif(&check("sarif", &["--rules", EXTRA_RULES]).0),
        expected
    );
    assert_annotated(
        &from_github(&check("github", &["--rules", EXTRA_RULES]).0),
        &expected,
        &serde_json::from_str(&json).unwrap(),
    );
    assert_eq!(
        from_markdown(&check("markdown", &["--rules", EXTRA_RULES]).0),
        expected
    );
    assert_eq!(
        from_junit(&check("junit", &["--rules", EXTRA_RULES]).0),
        expected
    );

    // With suppressions: everything but GitHub lists them; GitHub annotates the others.
    let fixture = Fixture::rich();
    for fail_on in [Some(Severity::Error), Some(Severity::Note), None] {
        let run = fixture.run(fail_on);
        let texts: BTreeMap<_, _> = render_all(&run).into_iter().collect();
        let expected = from_json(&texts["json"]);
        assert_eq!(expected.iter().filter(|f| f.2).count(), 2);
        assert_eq!(from_sarif(&texts["sarif"]), expected);
        assert_eq!(from_markdown(&texts["markdown"]), expected);
        assert_eq!(from_markdown(&texts["step-summary"]), expected);
        assert_eq!(from_junit(&texts["junit"]), expected);
        assert_annotated(
            &from_github(&texts["github"]),
            &unsuppressed(&expected),
            &serde_json::from_str(&texts["json"]).unwrap(),
        );
    }
}

/// GitHub's annotations: unsuppressed findings of the report, at most 10 per level.
fn assert_annotated(annotated: &FindingSet, findings: &FindingSet, json: &Value) {
    assert!(annotated.iter().all(|f| !f.2 && findings.contains(f)));
    let summary = &json["summary"];
    let capped = ["errors", "warnings", "notes"]
        .iter()
        .map(|level| {
            usize::try_from(summary[level].as_u64().unwrap())
                .unwrap()
                .min(10)
        })
        .sum::<usize>();
    assert_eq!(annotated.len(), capped, "{annotated:?}");
}

#[test]
fn every_format_agrees_with_the_exit_code() {
    let (json, _) = check("json", &["--rules", EXTRA_RULES]);
    let json: Value = serde_json::from_str(&json).unwrap();
    // Unsuppressed findings at or above a severity (0 note, 1 warning, 2 error).
    let at_least = |limit: usize| {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                let rank = ["note", "warning", "error"]
                    .iter()
                    .position(|s| *s == f["severity"])
                    .unwrap();
                f["suppressed"].is_null() && rank >= limit
            })
            .count()
    };
    for (fail_on, code) in [("error", 1), ("warning", 1), ("note", 1), ("never", 0)] {
        for format in FORMATS {
            let (out, got) = check(format, &["--rules", EXTRA_RULES, "--fail-on", fail_on]);
            assert_eq!(got, code, "{format} --fail-on {fail_on}");
            if format == "junit" {
                let doc = roxmltree::Document::parse(&out).unwrap();
                let failures = doc
                    .descendants()
                    .filter(|n| n.has_tag_name("failure"))
                    .count();
                let expected = match fail_on {
                    "error" => at_least(2),
                    "warning" => at_least(1),
                    "note" => at_least(0),
                    _ => 0,
                };
                assert_eq!(failures, expected, "junit --fail-on {fail_on}");
            }
            if format == "markdown" {
                let verdict = if code == 1 { "**fails**" } else { "passes" };
                assert!(out.contains(&format!("- **Result:** {verdict}")), "{out}");
            }
        }
    }
}

#[test]
fn a_clean_run_still_has_results_and_passes() {
    // `KL` names every rule of the default pack by prefix.
    let (sarif, code) = check("sarif", &["--ignore", "KL"]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
    // Disabled rules are not described.
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"],
        Value::Array(Vec::new())
    );
    sarif_schema::assert_valid(&log);
    assert_eq!(check("github", &["--ignore", "KL"]).0, "");
    assert!(
        check("markdown", &["--ignore", "KL"])
            .0
            .contains("No findings.")
    );
    let junit = check("junit", &["--ignore", "KL"]).0;
    assert!(junit.contains(r#"<testsuites name="keylint" tests="12" failures="0""#));
}

// ---------------------------------------------------------------------------------------------
// SARIF

#[test]
fn sarif_validates_against_the_schema() {
    let (sarif, _) = check("sarif", &[]);
    sarif_schema::assert_valid(&serde_json::from_str(&sarif).unwrap());
    let (sarif, _) = check("sarif", &["--rules", EXTRA_RULES]);
    sarif_schema::assert_valid(&serde_json::from_str(&sarif).unwrap());
    let fixture = Fixture::rich();
    let sarif =
        report::sarif::render_with(&fixture.run(Some(Severity::Error)), SARIF_WITH_SUPPRESSED);
    sarif_schema::assert_valid(&serde_json::from_str(&sarif).unwrap());
}

#[test]
fn the_schema_validator_rejects_what_github_would() {
    // A guard that the validation above is not vacuous.
    let (sarif, _) = check("sarif", &[]);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let validator = sarif_schema::validator();
    assert!(validator.is_valid(&log));
    let mut bad_level = log.clone();
    bad_level["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&bad_level));
    let mut bad_uri = log.clone();
    bad_uri["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        Value::from("file:///a b");
    assert!(!validator.is_valid(&bad_uri), "formats are checked");
    let mut no_tool = log;
    no_tool["runs"][0].as_object_mut().unwrap().remove("tool");
    assert!(!validator.is_valid(&no_tool));
}

#[test]
fn every_sarif_result_has_a_physical_location_and_a_described_rule() {
    let fixture = Fixture::rich();
    let outputs = [
        check("sarif", &[]).0,
        check("sarif", &["--rules", EXTRA_RULES]).0,
        report::sarif::render_with(&fixture.run(Some(Severity::Error)), SARIF_WITH_SUPPRESSED),
    ];
    for sarif in outputs {
        let log: Value = serde_json::from_str(&sarif).unwrap();
        let run = &log["runs"][0];
        assert_eq!(log["version"], "2.1.0");
        assert!(
            log["$schema"]
                .as_str()
                .unwrap()
                .ends_with("sarif-2.1.0.json")
        );
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        let mut unique = ids.clone();
        unique.dedup();
        assert_eq!(ids, unique, "rules are listed once each");
        for rule in rules {
            for field in ["shortDescription", "fullDescription"] {
                assert!(!rule[field]["text"].as_str().unwrap().is_empty());
            }
            assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
            let summary = rule["shortDescription"]["text"].as_str().unwrap();
            assert!(rule["help"]["markdown"].as_str().unwrap().contains(summary));
            let severity = rule["properties"]["security-severity"].as_str().unwrap();
            let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
            let expected = match level {
                "error" => "8.0",
                "warning" => "5.0",
                _ => "2.0",
            };
            assert_eq!(severity, expected);
            assert_eq!(rule["properties"]["tags"][0], "security");
        }
        let automation = run["automationDetails"]["id"].as_str().unwrap();
        assert!(automation.starts_with("keylint/") && automation.ends_with('/'));
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
        for result in run["results"].as_array().unwrap() {
            let physical = &result["locations"][0]["physicalLocation"];
            let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
            assert!(!uri.is_empty());
            assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
            let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[index]["id"], result["ruleId"]);
            assert_eq!(
                result["level"],
                rules[index]["defaultConfiguration"]["level"]
            );
            let logical = &result["locations"][0]["logicalLocations"][0];
            assert_eq!(logical["kind"], "resource");
            assert_eq!(
                logical["fullyQualifiedName"],
                format!("key/{}", result["properties"]["key_id"])
            );
            let hash = result["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap();
            assert_eq!(hash.len(), 32);
            assert_eq!(
                result["partialFingerprints"]["keylint/v1"]
                    .as_str()
                    .unwrap()
                    .len(),
                16
            );
            if let Some(suppressions) = result.get("suppressions") {
                assert_eq!(suppressions[0]["kind"], "external");
                let justification = suppressions[0]["justification"].as_str().unwrap();
                assert!(
                    justification.starts_with("waived: ")
                        || justification.starts_with("baselined: ")
                );
            }
        }
    }
}

#[test]
fn sarif_points_at_the_rule_definitions() {
    let (sarif, _) = check("sarif", &["--rules", EXTRA_RULES]);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let locations: BTreeMap<String, (String, u64)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let physical = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                (
                    physical["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    physical["region"]["startLine"].as_u64().unwrap(),
                ),
            )
        })
        .collect();
    // KL001 is built in: the documented fallback.
    assert_eq!(locations["KL001"], ("rules/default.toml".into(), 1));
    assert!(locations.contains_key("KL101") && locations.contains_key("ACME001"));
    for (rule, (uri, line)) in &locations {
        if rule.starts_with("KL0") {
            continue;
        }
        let pack = if rule.starts_with("ACME") {
            EXTRA_RULES
        } else {
            "rules/default.toml"
        };
        assert_eq!(uri, pack);
        let text = std::fs::read_to_string(root().join(pack)).unwrap();
        let text = text
            .lines()
            .nth(usize::try_from(*line).unwrap() - 1)
            .unwrap();
        assert_eq!(text, format!("id = \"{rule}\""));
    }
}

#[test]
fn sarif_fingerprints_depend_on_the_source() {
    let bytes = std::fs::read(root().join(EXAMPLE)).unwrap();
    let hashes = |source: &str| -> Vec<String> {
        let fixture = Fixture::new(&bytes, source, &[]);
        let log: Value =
            serde_json::from_str(&report::sarif::render(&fixture.run(Some(Severity::Error))))
                .unwrap();
        assert_eq!(
            log["runs"][0]["automationDetails"]["id"],
            format!("keylint/{}/", report::source_id(source))
        );
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let a = hashes("https://api.cometapi.com");
    assert_eq!(a, hashes("https://api.cometapi.com/"));
    assert_ne!(a, hashes("https://gateway.example"));
}

// ---------------------------------------------------------------------------------------------
// JUnit

#[test]
fn junit_is_well_formed_and_counts_right() {
    let fixture = Fixture::rich();
    for fail_on in [
        Some(Severity::Error),
        Some(Severity::Warning),
        Some(Severity::Note),
        None,
    ] {
        let run = fixture.run(fail_on);
        let xml = report::junit::render(&run);
        let doc = roxmltree::Document::parse(&xml).expect("well-formed");
        let suites = doc.root_element();
        assert_eq!(suites.tag_name().name(), "testsuites");
        let suite = suites
            .children()
            .find(|n| n.has_tag_name("testsuite"))
            .unwrap();
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), fixture.inventory.keys.len());
        let failing = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .count();
        let failures = doc
            .descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count();
        assert_eq!(failures, run.summary.failing);
        for node in [suites, suite] {
            assert_eq!(node.attribute("tests"), Some(&*cases.len().to_string()));
            assert_eq!(node.attribute("failures"), Some(&*failing.to_string()));
            assert_eq!(node.attribute("errors"), Some("0"));
            assert_eq!(node.attribute("skipped"), Some("0"));
        }
        for case in &cases {
            assert!(case.attribute("classname").unwrap().starts_with("keylint."));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GitHub

#[test]
fn github_annotations_are_sorted_by_severity() {
    let (out, _) = check("github", &["--rules", EXTRA_RULES]);
    let rank = |kind: &str| {
        ["error", "warning", "notice"]
            .iter()
            .position(|k| *k == kind)
    };
    let ranks: Vec<usize> = out
        .lines()
        .filter(|l| l.starts_with("::"))
        .map(|l| rank(l.trim_start_matches("::").split(' ').next().unwrap()).unwrap())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{out}");
    for kind in 0..3 {
        assert!(ranks.contains(&kind), "{out}");
    }
}

#[test]
fn step_summary_is_appended_when_github_step_summary_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.md");
    std::fs::write(&path, "previous step\n").unwrap();
    for _ in 0..2 {
        let output = keylint()
            .env("GITHUB_STEP_SUMMARY", &path)
            .args([
                "check", "-q", "--input", EXAMPLE, "--now", NOW, "--format", "github",
            ])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(
            String::from_utf8(output.stdout)
                .unwrap()
                .starts_with("::error ")
        );
    }
    let summary = std::fs::read_to_string(&path).unwrap();
    assert!(summary.starts_with("previous step\n## keylint: examples/inventory.json\n"));
    assert_eq!(summary.matches("## keylint: ").count(), 2);
    assert_eq!(from_markdown(&summary), from_json(&check("json", &[]).0));

    // Other formats leave it alone.
    let output = keylint()
        .env("GITHUB_STEP_SUMMARY", &path)
        .args([
            "check", "-q", "--input", EXAMPLE, "--now", NOW, "--format", "sarif",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), summary);
}

// ---------------------------------------------------------------------------------------------
// Canaries and hostile names

const CANARY: &str = "CANARY";

const HOSTILE_NAMES: &[&str] = &[
    "evil\n::error title=pwned::injected",
    "pct %0A%25 and %",
    "<script>alert(1)</script>&amp;",
    "pipe | in | name",
    "`code` and ```fences```",
    "ansi \u{1b}[31mred\u{1b}[0m bell\u{7} nul\u{0} del\u{7f}",
    "cr\rlf\r\nend",
    "bidi \u{202e}txt.exe\u{202c} zw\u{200b}",
    "c1 \u{85}\u{9b}",
    "noncharacter \u{fffe}\u{ffff}",
    "quote \" apos ' colon: comma, ]]> --> <!--",
    "",
];

fn hostile_inventory() -> Vec<u8> {
    let keys: Vec<Value> = HOSTILE_NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let id = 500 + i as i64;
            serde_json::json!({
                "id": id,
                "user_id": 1,
                "key": format!("sk-{CANARY}-{id}-0123456789abcdef0123456789abcdef"),
                "status": 1,
                "name": name,
                "created_time": 1_790_000_000,
                "accessed_time": 1_795_000_000,
                // Every other key never expires (KL101); the others lack a field (KL001).
                "expired_time": if i % 2 == 0 { Value::from(-1) } else { Value::from("soon") },
                "remain_quota": 1000,
                "used_quota": 0,
                "unlimited_quota": true,
                "model_limits_enabled": false,
                "model_limits": "",
                "allow_ips": name,
                "group": name,
                "cross_group_retry": false,
            })
        })
        .collect();
    serde_json::to_vec(&keys).unwrap()
}

/// A pack whose rules quote the hostile values in their messages and evidence.
const HOSTILE_PACK: &str = r#"
[[rule]]
id = "ACME010"
name = "acme-named"
severity = "warning"
check = "field"
summary = "Key with a name"
help = "Nothing to fix."
[rule.params]
field = "name"
op = "not-empty"

[[rule]]
id = "ACME011"
name = "acme-grouped"
severity = "note"
check = "field"
summary = "Key in a group"
help = "Nothing to fix."
[rule.params]
field = "group"
op = "ne"
value = "default"
"#;

/// A report of hostile input holds no key value, no raw control character where a person reads
/// it, no injected command or markup, and stays well-formed.
fn assert_contained(format: &str, text: &str) {
    assert!(!text.contains(CANARY), "{format} leaks a key value");
    assert!(!text.contains("sk-"), "{format} leaks a key value");
    if matches!(format, "github" | "markdown" | "step-summary") {
        let raw: Vec<char> = text
            .chars()
            .filter(|c| *c != '\n' && (c.is_control() || matches!(c, '\u{202e}' | '\u{200b}')))
            .collect();
        assert!(
            raw.is_empty(),
            "{format} has raw control characters: {raw:?}"
        );
    }
    if format == "github" {
        for line in text.lines().filter(|l| !l.starts_with("keylint: ")) {
            assert!(
                line.starts_with("::error title=")
                    || line.starts_with("::warning title=")
                    || line.starts_with("::notice title="),
                "{line}"
            );
            // The command, its properties, and the data: nothing else ends with `::`.
            let (_, rest) = line.split_once(" title=").unwrap();
            let (title, data) = rest.split_once("::").unwrap();
            assert!(!title.contains(':') && !title.contains(','), "{title}");
            assert!(!data.contains('\r'));
        }
    }
    if matches!(format, "markdown" | "step-summary") {
        for line in text.lines().filter(|l| l.starts_with("| ")) {
            // Unescaped pipes only between cells.
            let unescaped = line
                .char_indices()
                .filter(|(i, c)| *c == '|' && !line[..*i].ends_with('\\'))
                .count();
            assert!(unescaped == 6 || unescaped == 7, "{line}");
            assert!(
                !line.contains("<script>") && !line.contains("```"),
                "{line}"
            );
        }
    }
    if format == "junit" {
        let doc = roxmltree::Document::parse(text).expect("hostile junit parses");
        let failures = doc
            .descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count();
        assert!(failures > 0);
    }
    if format == "sarif" {
        sarif_schema::assert_valid(&serde_json::from_str(text).unwrap());
    }
}

#[test]
fn canary_keys_and_hostile_names_are_contained() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("hostile.toml");
    std::fs::write(&pack, HOSTILE_PACK).unwrap();
    let input = dir.path().join("hostile.json");
    std::fs::write(&input, hostile_inventory()).unwrap();
    let mut fixture = Fixture::new(
        &hostile_inventory(),
        "https://gw.example/%0A::error::x|`<",
        &[pack.to_str().unwrap()],
    );
    assert!(fixture.findings.len() > 2 * HOSTILE_NAMES.len());
    fixture.findings[1].suppressed = Some(Box::new(Suppression {
        kind: SuppressionKind::Waiver,
        reason: "hostile reason\n::warning::x | <b> %".into(),
        owner: None,
        expires: None,
        location: None,
    }));
    let run = fixture.run(Some(Severity::Note));

    let mut outputs = render_all(&run);
    // And through the binary, as a user would run it.
    for format in FORMATS {
        let output = keylint()
            .args(["check", "-q", "--now", NOW, "--format", format])
            .arg("--input")
            .arg(&input)
            .arg("--rules")
            .arg(&pack)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}: {output:?}");
        outputs.push((format, String::from_utf8(output.stdout).unwrap()));
    }

    for (format, text) in &outputs {
        assert_contained(format, text);
    }

    // The hostile text is still there, made visible, where people read it.
    let github = &outputs.iter().find(|(f, _)| *f == "github").unwrap().1;
    assert!(github.contains("pct %250A%2525 and %25"), "{github}");
    assert!(
        github.contains("evil\\n::error title=pwned::injected"),
        "{github}"
    );
    let annotations = report::github::Annotations::of(&run.summary);
    assert_eq!(
        annotations.annotated + annotations.left_out,
        run.findings.len() - 1
    );
    let commands = github.lines().filter(|l| l.starts_with("::")).count();
    assert_eq!(commands, annotations.annotated);
    assert!(annotations.left_out > 0 && github.ends_with(" reports every finding.\n"));
}

// ---------------------------------------------------------------------------------------------
// Findings about the policy (KL002, KL003), which belong to no key

/// SARIF of findings about waivers: valid, pointing at the waiver's line, with both rules
/// described.
fn assert_sarif_points_at_the_waiver(sarif: &str, uri: &str) {
    let log: Value = serde_json::from_str(sarif).unwrap();
    sarif_schema::assert_valid(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let kl002 = results.iter().find(|r| r["ruleId"] == "KL002").unwrap();
    assert_eq!(
        kl002["locations"][0]["physicalLocation"],
        serde_json::json!({ "artifactLocation": { "uri": uri }, "region": { "startLine": 1 } })
    );
    assert_eq!(
        kl002["locations"][0]["logicalLocations"][0]["kind"],
        "object"
    );
    assert!(kl002["properties"]["key_id"].is_null());
    let rules: Vec<&str> = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"KL002") && rules.contains(&"KL003"));
}

/// JUnit of findings about waivers: one more test case, `policy`, failing at --fail-on warning.
fn assert_junit_has_a_policy_case(junit: &str, keys: usize) {
    let doc = roxmltree::Document::parse(junit).unwrap();
    let policy_case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some("policy"))
        .expect("a policy test case");
    assert_eq!(
        policy_case
            .children()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        2
    );
    assert_eq!(
        doc.root_element().attribute("tests"),
        Some(&*(keys + 1).to_string())
    );
}

#[test]
fn findings_about_waivers_render_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("keylint.toml");
    std::fs::write(
        &config,
        "[[waiver]]\nrules = [\"KL301\"]\nkeys = [\"ci-runner-*\"]\nreason = \"CI egress (SEC-142)\"\nowner = \"platform\"\nexpires = \"2026-01-31\"\n\n[[waiver]]\nrules = [\"KL302\"]\nkeys = [\"nothing-*\"]\nreason = \"stale\"\n",
    )
    .unwrap();
    let bytes = std::fs::read(root().join(EXAMPLE)).unwrap();
    let mut fixture = Fixture::new(&bytes, EXAMPLE, &[config.to_str().unwrap()]);
    keylint::eval::waivers::apply_waivers(
        &fixture.policy,
        &fixture.inventory,
        &mut fixture.findings,
        NOW_UNIX,
    );
    let own: Vec<&Finding> = fixture
        .findings
        .iter()
        .filter(|f| f.key_id().is_none())
        .collect();
    assert_eq!(own.len(), 2, "KL002 and KL003");
    let run = fixture.run(Some(Severity::Warning));
    let texts: BTreeMap<_, _> = render_all(&run).into_iter().collect();
    let uri = report::location::artifact_uri(config.to_str().unwrap());

    // JSON: no key, and the waiver's location.
    let json: Value = serde_json::from_str(&texts["json"]).unwrap();
    let last = json["findings"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["rule"], "KL003");
    assert!(last["key_id"].is_null() && last["key_name"].is_null() && last["key_status"].is_null());
    assert_eq!(last["location"]["line"], 8);
    assert_eq!(last["fingerprint"].as_str().unwrap().len(), 16);

    assert_sarif_points_at_the_waiver(&texts["sarif"], &uri);

    // GitHub: annotated on the waiver's line.
    let github = &texts["github"];
    let line = github.lines().find(|l| l.contains("KL003")).unwrap();
    assert!(
        line.starts_with("::warning title=KL003 unused-waiver,file=")
            && line.contains(",line=8::policy: the waiver at "),
        "{line}"
    );

    // Markdown and the step summary: a `policy` row naming the waiver.
    for name in ["markdown", "step-summary"] {
        assert!(
            texts[name].contains("| policy | waiver "),
            "{name}: {}",
            texts[name]
        );
    }

    assert_junit_has_a_policy_case(&texts["junit"], fixture.inventory.keys.len());

    // Human: a policy group after the keys, over the waiver in keylint.toml.
    let human = &texts["human"];
    let policy = human
        .split("── policy ──\n")
        .nth(1)
        .expect("a policy group");
    assert!(
        policy.contains("KL002 expired-waiver [warning]"),
        "{policy}"
    );
    assert!(policy.contains("1 │ [[waiver]]"), "{policy}");
    assert!(policy.contains("KL003 unused-waiver [warning]"), "{policy}");

    // The waived KL301 came back: it is not marked.
    assert!(
        fixture.findings.iter().all(|f| f.suppressed.is_none()),
        "the only waiver that matched has expired"
    );
}
