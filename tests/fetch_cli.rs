//! `keylint check` and `keylint fetch` against the fake gateway, end to end through the binary:
//! exit codes, messages, the snapshot round trip, and canary secrets at every verbosity.

#[path = "support/command.rs"]
mod command;
#[path = "support/fake_gateway.rs"]
mod fake_gateway;

use assert_cmd::Command;
use command::{NOW, Outcome, keylint_in};
use fake_gateway::{ALWAYS, CANARY, FakeGateway, Fault, Options, TOKEN};
use serde_json::json;

/// The binary with a scrubbed environment and the gateway's token in `COMETAPI_ACCESS_TOKEN`.
fn keylint(token: Option<&str>) -> Command {
    let mut cmd = keylint_in(command::root());
    if let Some(token) = token {
        cmd.env("COMETAPI_ACCESS_TOKEN", token);
    }
    cmd
}

/// Runs a command; no canary and no panic may reach its output.
fn run(cmd: &mut Command) -> Outcome {
    command::run_clean(cmd, &[CANARY])
}

fn check(gw: &FakeGateway, extra: &[&str]) -> Outcome {
    run(keylint(Some(TOKEN))
        .args(["check", "--now", NOW, "--timeout", "5", "--base-url"])
        .arg(gw.base_url())
        .args(extra))
}

fn report(out: &Outcome) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr))
}

#[test]
fn checks_the_whole_account_over_several_pages() {
    let gw = FakeGateway::start(Options::with_keys(250));
    for verbosity in ["-q", "-v"] {
        let out = check(&gw, &["--format", "json", "--fail-on", "never", verbosity]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let report = report(&out);
        assert_eq!(report["inventory"]["keys"], 250);
        assert_eq!(report["inventory"]["pages"], 3);
        assert_eq!(report["source"], gw.base_url());
        if verbosity == "-v" {
            assert!(
                out.stderr.contains("GET /api/token/?p=1&page_size=100"),
                "{}",
                out.stderr
            );
        }
    }
    // The gateway's keys never expire when id % 3 == 0: KL101 fails the default gate.
    let out = check(&gw, &["--page-size", "50", "--concurrency", "2"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("250 keys scanned"), "{}", out.stdout);
}

#[test]
fn fetch_writes_a_redacted_snapshot_that_checks_identically() {
    let gw = FakeGateway::start(Options::with_keys(120));
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snapshot.json");
    let out = run(keylint(Some(TOKEN))
        .args(["fetch", "--base-url", &gw.base_url(), "-o"])
        .arg(&snapshot));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("fetched 120 keys"), "{}", out.stderr);
    let text = std::fs::read_to_string(&snapshot).unwrap();
    assert!(!text.contains(CANARY), "the snapshot holds a secret");
    assert!(text.contains("\"key_sha256\""));

    let live = check(&gw, &["--format", "json"]);
    let saved = run(keylint(None)
        .args(["check", "--now", NOW, "--format", "json", "--input"])
        .arg(&snapshot));
    assert_eq!(live.code, saved.code);
    assert_eq!(report(&live)["findings"], report(&saved)["findings"]);
    assert_eq!(report(&saved)["source"], gw.base_url());
}

#[test]
fn token_from_a_file() {
    let gw = FakeGateway::start(Options::with_keys(3));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, format!("{TOKEN}\n")).unwrap();
    let out = run(keylint(None)
        .args([
            "check",
            "--fail-on",
            "never",
            "--base-url",
            &gw.base_url(),
            "--token-file",
        ])
        .arg(&file));
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn usage_errors_exit_2_before_any_request() {
    let gw = FakeGateway::start(Options::with_keys(3));
    let no_token = run(keylint(None).args(["check", "--base-url", &gw.base_url()]));
    assert_eq!(no_token.code, 2);
    assert!(
        no_token.stderr.contains("no access token"),
        "{}",
        no_token.stderr
    );

    let plain_http =
        run(keylint(Some(TOKEN)).args(["check", "--base-url", "http://gateway.example.invalid"]));
    assert_eq!(plain_http.code, 2);
    assert!(
        plain_http.stderr.contains("refused --base-url"),
        "{}",
        plain_http.stderr
    );

    let bad_page_size = run(keylint(Some(TOKEN)).args([
        "check",
        "--base-url",
        &gw.base_url(),
        "--page-size",
        "101",
    ]));
    assert_eq!(bad_page_size.code, 2);
    assert!(gw.requests().is_empty(), "a request was sent");
}

#[test]
fn every_fault_exits_3_with_a_message_and_no_report() {
    let cases: Vec<(Fault, &str)> = vec![
        (
            Fault::SuccessFalse("invalid access token".into()),
            "success: false",
        ),
        (Fault::Html, "HTML"),
        (
            Fault::Redirect("https://elsewhere.example/login".into()),
            "https://elsewhere.example/login",
        ),
        (Fault::TruncatedJson, "page 2"),
        (
            Fault::Status {
                status: 401,
                message: Some("unauthorized".into()),
                retry_after: None,
            },
            "HTTP 401",
        ),
        (Fault::TotalDelta(1), "total"),
    ];
    for (fault, expected) in cases {
        let shown = format!("{fault:?}");
        let gw = FakeGateway::start(Options::with_keys(150).fault(Some(2), 0, ALWAYS, fault));
        for verbosity in [&[][..], &["-v"][..]] {
            let out = check(&gw, verbosity);
            assert_eq!(out.code, 3, "{shown}: {}", out.stderr);
            assert!(out.stderr.contains(expected), "{shown}: {}", out.stderr);
            assert!(out.stdout.is_empty(), "{shown}: a report was printed");
        }
    }
}

#[test]
fn wrong_token_is_exit_3_with_a_hint_and_is_never_echoed() {
    let gw = FakeGateway::start(Options::with_keys(3));
    let wrong = "WRONG-TOKEN-4c2f1a9b";
    let out = run(keylint(Some(wrong)).args(["check", "-v", "--base-url", &gw.base_url()]));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(!out.stderr.contains(wrong) && !out.stdout.contains(wrong));
    assert!(
        out.stderr.to_lowercase().contains("token"),
        "{}",
        out.stderr
    );
}

#[test]
fn snapshot_to_stdout_has_no_secret() {
    let gw = FakeGateway::start(Options::with_keys(5));
    let out = run(keylint(Some(TOKEN)).args(["fetch", "--base-url", &gw.base_url()]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let snapshot: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(snapshot["format"], "keylint-snapshot");
    assert_eq!(snapshot["keys"].as_array().unwrap().len(), 5);
}

/// Checks an inventory file.
fn check_file(path: &std::path::Path) -> Outcome {
    run(keylint(None)
        .args(["check", "--now", NOW, "--format", "json", "--input"])
        .arg(path))
}

#[test]
fn a_body_read_live_and_from_a_file_is_read_alike() {
    // `message` is not a string: the envelope is read with the record's tolerance either way.
    let gw = FakeGateway::start(Options {
        message: json!(5),
        ..Options::with_keys(30)
    });
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body.json");
    std::fs::write(&body, gw.list_body()).unwrap();

    let live = check(&gw, &["--format", "json"]);
    let saved = check_file(&body);
    assert_eq!(live.code, 1, "{}", live.stderr);
    assert_eq!(saved.code, 1, "{}", saved.stderr);
    assert_eq!(report(&live)["findings"], report(&saved)["findings"]);
    assert_eq!(report(&live)["inventory"]["keys"], 30);
}

#[test]
fn a_long_failure_message_in_a_file_is_capped() {
    let message = "the database is overloaded; ".repeat(400);
    assert!(message.len() > 10_000);
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("failed.json");
    let document = json!({"success": false, "message": message});
    std::fs::write(&body, document.to_string()).unwrap();

    let out = check_file(&body);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("success is false"), "{}", out.stderr);
    let shown = out.stderr.matches("overloaded").count();
    assert!(
        (1..=8).contains(&shown),
        "{shown} repetitions shown: {}",
        out.stderr
    );
}

#[test]
fn a_base_url_no_request_can_reach_is_a_usage_error() {
    // The URL parser accepts `{` in a host name, which no HTTP request can carry, and port 0,
    // which no connection can reach: both used to fail at the first request, with exit 3.
    for url in ["https://gate{way}.example", "https://localhost:0"] {
        let out = run(keylint(Some(TOKEN)).args(["check", "--retries", "1", "--base-url", url]));
        assert_eq!(out.code, 2, "{url}: {}", out.stderr);
        assert!(
            out.stderr.contains("refused --base-url"),
            "{url}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn every_bad_fetch_option_is_reported_at_once_with_exit_2() {
    let gw = FakeGateway::start(Options::with_keys(3));
    let out = run(keylint(Some(TOKEN)).args([
        "fetch",
        "--base-url",
        &gw.base_url(),
        "--page-size",
        "0",
        "--concurrency",
        "65",
        "--timeout",
        "0",
        "--retries",
        "21",
        "--max-pages",
        "0",
    ]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    for flag in [
        "--page-size",
        "--concurrency",
        "--timeout",
        "--retries",
        "--max-pages",
    ] {
        assert!(
            out.stderr.contains(&format!("{flag} must")),
            "{flag}: {}",
            out.stderr
        );
    }
    assert!(gw.requests().is_empty(), "a request was sent");
}

#[test]
fn verbose_lines_name_each_request_and_retry() {
    let gw = FakeGateway::start(Options::with_keys(150).fault(
        Some(2),
        0,
        1,
        Fault::Status {
            status: 503,
            message: None,
            retry_after: None,
        },
    ));
    let out = check(&gw, &["-v", "--fail-on", "never"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter_map(|l| l.split(" in ").next())
        .filter(|l| l.starts_with("keylint: GET") || l.contains("retry"))
        .collect();
    assert_eq!(
        lines,
        [
            "keylint: GET /api/token/?p=1&page_size=100 -> 200",
            "keylint: GET /api/token/?p=2&page_size=100 -> 503",
            "keylint: page 2: retry 1 of 4",
            "keylint: GET /api/token/?p=2&page_size=100 -> 200",
            "keylint: GET /api/token/?p=1&page_size=100 -> 200",
        ]
    );
}
