//! Rate limits (SPEC §3b) through the CLI: a fake gateway whose sliding-window limiter answers
//! an empty 429 without `Retry-After`, with the window scaled down to seconds. A run waits it
//! out without hammering it, says so on stderr, and gives up at `--max-wait`.

#[path = "support/command.rs"]
mod command;
#[path = "support/fake_gateway.rs"]
mod fake_gateway;

use std::time::{Duration, Instant};

use command::{Outcome, keylint_in, run_clean};
use fake_gateway::{CANARY, Dialect, FakeGateway, Options, RateLimit, TOKEN};
use serde_json::Value;

/// 4 requests per 3 s: a 9-page fetch needs 11 requests, so it must wait at least twice.
fn limiter() -> RateLimit {
    RateLimit {
        requests: 4,
        window: Duration::from_secs(3),
    }
}

fn fetch(gw: &FakeGateway, extra: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = keylint_in(dir.path());
    cmd.env("COMETAPI_ACCESS_TOKEN", TOKEN)
        .args(["fetch", "--base-url", &gw.base_url(), "--page-size", "10"])
        .args(extra);
    run_clean(&mut cmd, &[CANARY, TOKEN])
}

fn snapshot_keys(out: &Outcome) -> usize {
    let snapshot: Value = serde_json::from_str(&out.stdout).expect("a snapshot");
    snapshot["keys"].as_array().expect("keys").len()
}

fn wait_lines(out: &Outcome) -> usize {
    out.stderr
        .lines()
        .filter(|l| l.starts_with("keylint: the gateway is rate-limiting (HTTP 429"))
        .count()
}

#[test]
fn a_nine_page_fetch_waits_out_a_sliding_window_and_completes() {
    let gw = FakeGateway::start(Options {
        rate_limit: Some(limiter()),
        ..Options::with_keys(85)
    });
    let out = fetch(&gw, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(snapshot_keys(&out), 85);
    let limited = gw.rate_limited();
    let admitted = gw.requests().len() - limited;
    // The probe (page 1), pages 2..=9 and page 1 again.
    assert_eq!(admitted, 10, "{}", out.stderr);
    assert!(limited >= 1, "the limiter never refused: {}", out.stderr);
    // Single file after the first 429 and pauses that grow: few refused requests, not a
    // retry storm. (Concurrency 4 puts at most 4 in the first burst.)
    assert!(limited <= 8, "{limited} requests refused: {}", out.stderr);
    let lines = wait_lines(&out);
    assert!(lines >= 1 && lines <= limited, "{}", out.stderr);
    assert!(
        out.stderr.contains("of --max-wait 300 s used"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_walk_without_a_total_waits_too() {
    let gw = FakeGateway::start(Options {
        dialect: Dialect::OneApi,
        rate_limit: Some(limiter()),
        ..Options::with_keys(25)
    });
    let out = fetch(&gw, &["--concurrency", "2"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(snapshot_keys(&out), 25);
    assert!(gw.rate_limited() >= 1);
    assert!(gw.rate_limited() <= 8, "{}", out.stderr);
}

#[test]
fn a_limiter_that_never_clears_ends_at_max_wait() {
    let gw = FakeGateway::start(Options {
        rate_limit: Some(RateLimit::never_clears()),
        ..Options::with_keys(85)
    });
    let started = Instant::now();
    let out = fetch(&gw, &["--max-wait", "4"]);
    let elapsed = started.elapsed();
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains(
            "the gateway is still rate-limiting (HTTP 429) after keylint waited 4 s in all, \
             the --max-wait budget of 4 s"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("raise --max-wait"), "{}", out.stderr);
    assert!(elapsed >= Duration::from_secs(4), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(9), "{elapsed:?}");
    // Pauses of 1, 2 and the last 1 s: one request each, and the one that found the budget
    // spent.
    assert_eq!(gw.requests().len(), 4);
    assert_eq!(wait_lines(&out), 3, "{}", out.stderr);
}

#[test]
fn quiet_runs_wait_without_a_word() {
    let gw = FakeGateway::start(Options {
        rate_limit: Some(RateLimit::never_clears()),
        ..Options::with_keys(5)
    });
    let out = fetch(&gw, &["--max-wait", "1", "--quiet"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(wait_lines(&out), 0, "{}", out.stderr);
    assert!(out.stderr.contains("waited 1 s in all"), "{}", out.stderr);
}
