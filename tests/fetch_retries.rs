//! The fetch layer's retries against a fake gateway: 429 with and without `Retry-After`, the
//! page deadline, rate-limit pauses, 5xx, dropped connections, hangs and refused connections.
//! Each test asserts the outcome and that nothing carries any part of a canary secret.

#[path = "support/fake_gateway.rs"]
mod fake_gateway;
#[path = "support/fetch_kit.rs"]
mod fetch_kit;

use std::time::{Duration, Instant};

use fake_gateway::{ALWAYS, FakeGateway, Fault, Options, RetryAfter};
use fetch_kit::*;
use keylint::api::{Backoff, FetchError, FetchOptions, FetchSettings, Hint};

// ---------------------------------------------------------------------------------------------
// Retries

#[test]
fn empty_429_without_retry_after_is_retried() {
    let gw = FakeGateway::start(Options::with_keys(250).fault(Some(2), 0, 2, status(429, None)));
    let fetched = fetch_ok(&gw, &options(&gw));
    assert_eq!(ids(&fetched), descending(250));
    assert_eq!(fetched.requests, 6);
}

/// Settings whose `Retry-After` cap (150 ms) is three times the longest computed backoff
/// (50 ms): a retry that waits at least the cap waited for the server's `Retry-After`.
fn retry_after_capped_short(gw: &FakeGateway) -> FetchOptions {
    options_from(FetchSettings {
        backoff: Backoff {
            retry_after_cap: RETRY_AFTER_CAP,
            ..settings(gw).backoff
        },
        ..settings(gw)
    })
}

const RETRY_AFTER_CAP: Duration = Duration::from_millis(150);

#[test]
fn retry_after_seconds_is_honoured() {
    let gw = FakeGateway::start(Options::with_keys(5).fault(
        Some(1),
        0,
        1,
        status(429, Some(RetryAfter::Seconds(1))),
    ));
    let started = Instant::now();
    let fetched = fetch_ok(&gw, &retry_after_capped_short(&gw));
    let elapsed = started.elapsed();
    assert!(elapsed >= RETRY_AFTER_CAP, "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(950), "{elapsed:?}");
    assert_eq!(ids(&fetched), descending(5));
    assert_eq!(fetched.requests, 3);
}

#[test]
fn retry_after_http_date_is_honoured() {
    let gw = FakeGateway::start(Options::with_keys(5).fault(
        Some(1),
        0,
        1,
        status(503, Some(RetryAfter::DateIn(2))),
    ));
    let started = Instant::now();
    let fetched = fetch_ok(&gw, &retry_after_capped_short(&gw));
    // An HTTP date has whole seconds: two seconds ahead is at least one from now, so the wait
    // is the cap.
    assert!(
        started.elapsed() >= RETRY_AFTER_CAP,
        "{:?}",
        started.elapsed()
    );
    assert_eq!(ids(&fetched), descending(5));
}

#[test]
fn retry_after_is_capped() {
    let gw = FakeGateway::start(Options::with_keys(5).fault(
        Some(1),
        0,
        1,
        status(429, Some(RetryAfter::Seconds(3600))),
    ));
    let opts = options_from(FetchSettings {
        backoff: Backoff {
            retry_after_cap: Duration::from_millis(100),
            ..settings(&gw).backoff
        },
        ..settings(&gw)
    });
    let started = Instant::now();
    fetch_ok(&gw, &opts);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn a_page_read_ends_at_its_deadline() {
    // Every answer asks for a long wait: 20 retries would wait 20 Retry-After caps, far past
    // the page's deadline of 21 timeouts, the backoff ceilings and one cap.
    let gw = FakeGateway::start(Options::with_keys(5).fault(
        None,
        0,
        ALWAYS,
        status(429, Some(RetryAfter::Seconds(60))),
    ));
    let opts = options_from(FetchSettings {
        timeout: Duration::from_millis(20),
        retries: 20,
        backoff: Backoff {
            base: Duration::from_millis(1),
            cap: Duration::from_millis(1),
            retry_after_cap: RETRY_AFTER_CAP,
        },
        ..settings(&gw)
    });
    let deadline = opts.page_deadline();
    assert_eq!(deadline, Duration::from_millis(20 * 21 + 20 + 150));
    let started = Instant::now();
    let err = fetch_err(&opts);
    let elapsed = started.elapsed();
    assert_eq!(
        err,
        FetchError::PageDeadline {
            page: 1,
            deadline,
            retry_after_cap: RETRY_AFTER_CAP
        }
    );
    assert!(elapsed >= deadline, "{elapsed:?}");
    assert!(elapsed < deadline + Duration::from_secs(2), "{elapsed:?}");
    assert!(gw.requests().len() < 21, "{} requests", gw.requests().len());
    assert_eq!(
        err.to_string(),
        "page 1: no answer within the page's deadline of 590 ms (each attempt's --timeout, \
         the backoff between --retries, and one Retry-After of at most 150 ms)"
    );
    assert_eq!(err.exit_code(), 3);
}

#[test]
fn persistent_empty_429_waits_out_the_budget_then_fails() {
    // An empty 429 without Retry-After is a rate limiter that only time clears (SPEC §3b): it
    // uses no retry; the fetch pauses 1 s, then 2 s, and gives up when --max-wait is spent.
    let gw = FakeGateway::start(Options::with_keys(5).fault(None, 0, ALWAYS, status(429, None)));
    let started = Instant::now();
    let err = fetch_err(&options_from(FetchSettings {
        retries: 0,
        max_wait: Duration::from_secs(3),
        ..settings(&gw)
    }));
    let elapsed = started.elapsed();
    assert_eq!(
        err,
        FetchError::RateLimited {
            page: 1,
            waited: Duration::from_secs(3),
            max_wait: Duration::from_secs(3),
        }
    );
    assert_eq!(err.hint(), Some(Hint::RateLimitWindow));
    assert_eq!(
        err.to_string(),
        "page 1: the gateway is still rate-limiting (HTTP 429) after keylint waited 3 s in all, \
         the --max-wait budget of 3 s"
    );
    assert!(elapsed >= Duration::from_secs(3), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    // One request per pause and the one that found the budget spent: no hammering.
    assert_eq!(gw.requests().len(), 3);
}

#[test]
fn persistent_429_with_retry_after_fails_after_the_retries() {
    let gw = FakeGateway::start(Options::with_keys(5).fault(
        None,
        0,
        ALWAYS,
        status(429, Some(RetryAfter::Seconds(0))),
    ));
    let err = fetch_err(&options_from(FetchSettings {
        retries: 3,
        ..settings(&gw)
    }));
    assert!(
        matches!(
            &err,
            FetchError::Status {
                page: 1,
                status: 429,
                attempts: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.hint(), Some(Hint::RateLimited));
    assert!(err.to_string().contains("after 4 attempts"), "{err}");
    assert_eq!(gw.requests().len(), 4);
}

#[test]
fn repeated_429_lowers_the_concurrency_to_one() {
    let gw = FakeGateway::start(Options {
        latency: Duration::from_millis(10),
        ..Options::with_keys(20).fault(None, 1, 6, status(429, None))
    });
    let fetched = fetch_ok(
        &gw,
        &options_from(FetchSettings {
            page_size: 1,
            concurrency: 4,
            ..settings(&gw)
        }),
    );
    assert_eq!(ids(&fetched), descending(20));
    let requests = gw.requests();
    let tail = &requests[requests.len() - 8..];
    assert!(
        tail.iter().all(|r| r.in_flight == 1),
        "{:?}",
        requests.iter().map(|r| r.in_flight).collect::<Vec<_>>()
    );
}

#[test]
fn transient_5xx_then_success() {
    let gw = FakeGateway::start(
        Options::with_keys(500)
            .fault(Some(1), 0, 1, status(500, None))
            .fault(Some(2), 0, 1, status(502, None))
            .fault(Some(3), 0, 1, status(503, None))
            .fault(Some(4), 0, 1, status(504, None)),
    );
    let fetched = fetch_ok(&gw, &options(&gw));
    assert_eq!(ids(&fetched), descending(500));
    assert_eq!(fetched.requests, 1 + 4 + 4 + 1);
}

#[test]
fn persistent_503_fails_with_the_server_message() {
    let gw = FakeGateway::start(Options::with_keys(150).fault(
        Some(2),
        0,
        ALWAYS,
        Fault::Status {
            status: 503,
            message: Some("upstream\nbusy".into()),
            retry_after: None,
        },
    ));
    let err = fetch_err(&options_from(FetchSettings {
        retries: 2,
        ..settings(&gw)
    }));
    let FetchError::Status {
        page: 2,
        status: 503,
        attempts: 3,
        message,
        ..
    } = &err
    else {
        panic!("unexpected error: {err:?}");
    };
    assert_eq!(
        message.as_deref(),
        Some("upstream\\nbusy"),
        "control characters escaped"
    );
}

#[test]
fn other_5xx_is_not_retried() {
    let gw = FakeGateway::start(Options::with_keys(5).fault(None, 0, ALWAYS, status(501, None)));
    let err = fetch_err(&options(&gw));
    assert!(
        matches!(
            &err,
            FetchError::Status {
                status: 501,
                attempts: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(gw.requests().len(), 1);
}

#[test]
fn connection_dropped_mid_body_is_retried() {
    let gw = FakeGateway::start(Options::with_keys(150).fault(Some(2), 0, 1, Fault::DropMidBody));
    let fetched = fetch_ok(&gw, &options(&gw));
    assert_eq!(ids(&fetched), descending(150));
    assert_eq!(fetched.requests, 4);
}

#[test]
fn hang_times_out_and_is_retried() {
    let gw = FakeGateway::start(Options::with_keys(150).fault(
        Some(2),
        0,
        1,
        Fault::Hang(Duration::from_secs(20)),
    ));
    let started = Instant::now();
    let fetched = fetch_ok(
        &gw,
        &options_from(FetchSettings {
            timeout: Duration::from_millis(100),
            ..settings(&gw)
        }),
    );
    assert_eq!(ids(&fetched), descending(150));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn persistent_hang_is_a_timeout_error() {
    let gw = FakeGateway::start(Options::with_keys(5).fault(
        None,
        0,
        ALWAYS,
        Fault::Hang(Duration::from_secs(20)),
    ));
    let started = Instant::now();
    let err = fetch_err(&options_from(FetchSettings {
        timeout: Duration::from_millis(100),
        retries: 1,
        ..settings(&gw)
    }));
    assert!(
        matches!(
            &err,
            FetchError::Network {
                page: 1,
                attempts: 2,
                hint: Some(Hint::Timeout),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("timed out after 100 ms"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn connection_refused_is_retried_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let opts = options_from(FetchSettings {
        retries: 2,
        backoff: Backoff {
            base: Duration::from_millis(1),
            cap: Duration::from_millis(5),
            retry_after_cap: Duration::from_secs(1),
        },
        ..FetchSettings::new(format!("http://{addr}"))
    });
    let err = fetch_err(&opts);
    assert!(
        matches!(
            &err,
            FetchError::Network {
                page: 1,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("could not connect"), "{err}");
}
