//! The bodies of keylint's fuzz targets, one function per target in `fuzz_targets/`. Each takes
//! the fuzzer's bytes, drives one public entry point of keylint and panics when an invariant
//! breaks. `tests/fuzz_regressions.rs` includes this file to replay the committed seeds and
//! the regression inputs through the same code on stable Rust.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use keylint::app::shown::Shown;
use keylint::eval::baseline::Baseline;
use keylint::inventory::{parse_inventory, parse_page};
use keylint::policy::diagnostic::PolicyError;
use keylint::policy::{PackSource, Policy, PolicyOptions, load_policy};
use keylint::report::{FailOn, Run, Summary};

/// The access token `list_page` hands to the parser: no error message may quote it.
pub const LIST_PAGE_SECRET: &str = "canary-token-123456";

/// The evaluation time of `pipeline` (2026-11-26T12:00:00Z, the time of the CLI tests).
pub const PIPELINE_NOW: i64 = 1_795_694_400;

/// `inventory`: any document through the detection of the three input forms.
pub fn inventory(data: &[u8]) {
    let _ = parse_inventory(data, "fuzz");
}

/// `list_page`: one list-API page as the fetch reads it; a `success: false` message never
/// carries the access token.
pub fn list_page(data: &[u8]) {
    if let Err(error) = parse_page(data, &[LIST_PAGE_SECRET]) {
        let message = error.to_string();
        assert!(
            !message.contains(LIST_PAGE_SECRET),
            "the token reached the error: {message}"
        );
    }
}

/// `policy`: arbitrary text as a policy file loaded after the default pack, the way the CLI
/// loads `--config`; a valid policy is listed as `keylint config` lists it, an invalid one is
/// rendered through miette as the CLI prints it (and unescaped, with miette's own handler).
pub fn policy(data: &[u8]) {
    static NEXT_FILE: AtomicU64 = AtomicU64::new(0);
    let path = std::env::temp_dir().join(format!(
        "keylint-fuzz-policy-{}-{}.toml",
        std::process::id(),
        NEXT_FILE.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, data).expect("the policy file is written");
    let loaded = load_policy(&PolicyOptions {
        default_rules: true,
        packs: vec![PackSource::File(path.clone())],
    });
    let _ = std::fs::remove_file(&path);
    match loaded {
        Ok(policy) => drop(keylint::policy::show::render(&policy, PIPELINE_NOW)),
        Err(error) => render_policy_error(&error),
    }
}

/// A policy error as `main` prints it on stderr, then as miette's graphical handler renders it.
fn render_policy_error(error: &PolicyError) {
    let handler = miette::MietteHandlerOpts::new()
        .color(false)
        .unicode(true)
        .terminal_links(false)
        .wrap_lines(false)
        .build();
    let shown = Shown::of(error).render(&handler);
    assert!(!shown.is_empty(), "a policy error renders as nothing");
    let mut graphical = String::new();
    let _ = miette::GraphicalReportHandler::new().render_report(&mut graphical, error);
}

/// `baseline`: a baseline file's text; a baseline that parses writes a file that parses back
/// into the same baseline.
pub fn baseline(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(baseline) = Baseline::parse(text) else {
        return;
    };
    let written = baseline.to_json();
    let reread = Baseline::parse(&written)
        .unwrap_or_else(|e| panic!("a written baseline does not parse: {e}\n{written}"));
    assert_eq!(
        reread.to_json(),
        written,
        "the round trip changed the baseline"
    );
}

/// `pipeline`: an inventory evaluated with the default policy, then every report format; the
/// JSON and SARIF reports are JSON, the JUnit report is well-formed XML.
pub fn pipeline(data: &[u8]) {
    let Ok(inventory) = parse_inventory(data, "fuzz") else {
        return;
    };
    let policy = default_policy();
    let (findings, _) = keylint::lint(policy, &inventory, PIPELINE_NOW, None);
    let run = Run {
        policy,
        inventory: &inventory,
        findings: &findings,
        now: PIPELINE_NOW,
        summary: Summary::count(&findings, FailOn(None)),
    };
    render_every_format(&run);
}

fn default_policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        load_policy(&PolicyOptions {
            default_rules: true,
            packs: Vec::new(),
        })
        .expect("the default policy loads")
    })
}

fn render_every_format(run: &Run<'_>) {
    use keylint::report::{github, human, json, junit, markdown, sarif};
    drop(human::render(run, false));
    let report = json::render(run);
    let parsed: serde_json::Value = serde_json::from_str(&report)
        .unwrap_or_else(|e| panic!("the JSON report is not JSON: {e}\n{report}"));
    assert!(parsed.is_object(), "the JSON report is not an object");
    let report = sarif::render(run);
    serde_json::from_str::<serde_json::Value>(&report)
        .unwrap_or_else(|e| panic!("the SARIF report is not JSON: {e}\n{report}"));
    let report = junit::render(run);
    roxmltree::Document::parse(&report)
        .unwrap_or_else(|e| panic!("the JUnit report is not XML: {e}\n{report}"));
    drop(github::render(run));
    drop(github::step_summary(run));
    drop(markdown::render(run));
}
