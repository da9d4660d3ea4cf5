//! The fetch layer against a fake gateway: one test per fault, each asserting the outcome
//! (`Ok` with the exact id set, or the expected error) and that no error, Debug output or
//! inventory carries any part of the canary token or key values.

#[path = "support/fake_gateway.rs"]
mod fake_gateway;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fake_gateway::{ALWAYS, CANARY, FakeGateway, Fault, Options, RetryAfter, TOKEN};
use keylint::api::{
    AccessToken, Backoff, FetchError, FetchEvent, FetchObserver, FetchOptions, FetchSettings,
    Fetched, Hint, RequestOutcome, Silent, fetch_inventory,
};
use serde_json::json;

/// Settings for a test: fast backoff, short timeout.
fn settings(gw: &FakeGateway) -> FetchSettings {
    FetchSettings {
        timeout: Duration::from_secs(5),
        backoff: Backoff {
            base: Duration::from_millis(5),
            cap: Duration::from_millis(50),
            retry_after_cap: Duration::from_secs(5),
        },
        ..FetchSettings::new(gw.base_url())
    }
}

/// Checked options with the gateway's token.
fn options_from(settings: FetchSettings) -> FetchOptions {
    FetchOptions::new(settings, AccessToken::new(TOKEN).unwrap()).expect("valid settings")
}

fn options(gw: &FakeGateway) -> FetchOptions {
    options_from(settings(gw))
}

fn descending(n: i64) -> Vec<i64> {
    (1..=n).rev().collect()
}

fn ids(fetched: &Fetched) -> Vec<i64> {
    fetched.inventory.keys.iter().map(|k| k.id).collect()
}

/// Every way an outcome can be shown holds no canary.
fn assert_clean_ok(fetched: &Fetched) {
    let debug = format!("{fetched:?}");
    assert!(!debug.contains(CANARY), "canary in Debug of the inventory");
}

fn assert_clean_err(err: &FetchError) {
    let display = err.to_string();
    let debug = format!("{err:?}");
    let report = format!("{:?}", miette::Report::new(err.clone()));
    for text in [&display, &debug, &report] {
        assert!(!text.contains(CANARY), "canary in error output: {text}");
    }
    assert_eq!(err.exit_code(), 3);
}

fn fetch_ok(gw: &FakeGateway, opts: &FetchOptions) -> Fetched {
    let fetched =
        fetch_inventory(opts, Arc::new(Silent)).unwrap_or_else(|e| panic!("fetch failed: {e}"));
    assert_clean_ok(&fetched);
    assert_eq!(fetched.inventory.keys.len() as u64, gw.ids().len() as u64);
    fetched
}

fn fetch_err(opts: &FetchOptions) -> FetchError {
    let err = fetch_inventory(opts, Arc::new(Silent)).expect_err("fetch should fail");
    assert_clean_err(&err);
    err
}

// ---------------------------------------------------------------------------------------------
// The happy paths

#[test]
fn walks_every_page_with_full_keys() {
    let gw = FakeGateway::start(Options::with_keys(250));
    let fetched = fetch_ok(&gw, &options(&gw));
    assert_eq!(ids(&fetched), descending(250));
    assert_eq!(fetched.pages, 3);
    assert_eq!(fetched.requests, 4, "page 1, pages 2-3, page 1 again");
    let inv = &fetched.inventory;
    assert_eq!(inv.provenance.source, gw.base_url());
    assert_eq!(inv.provenance.pages, Some(3));
    assert!(
        inv.provenance
            .fetched_at
            .as_deref()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert!(
        inv.keys
            .iter()
            .all(|k| k.key_sha256.is_some_and(|d| d.as_str().len() == 16))
    );

    let requests = gw.requests();
    let mut targets: Vec<&str> = requests.iter().map(|r| r.target.as_str()).collect();
    targets.sort();
    assert_eq!(
        targets,
        [
            "/api/token/?p=1&page_size=100",
            "/api/token/?p=1&page_size=100",
            "/api/token/?p=2&page_size=100",
            "/api/token/?p=3&page_size=100",
        ]
    );
    for r in &requests {
        assert_eq!(r.method, "GET");
        assert_eq!(r.headers["authorization"], TOKEN, "raw token, no Bearer");
        assert!(r.headers["user-agent"].starts_with("keylint/"));
        assert!(!r.headers.contains_key("new-api-user"));
    }
}

#[test]
fn accepts_masked_keys() {
    let gw = FakeGateway::start(Options {
        masked: true,
        ..Options::with_keys(30)
    });
    let fetched = fetch_ok(
        &gw,
        &options_from(FetchSettings {
            page_size: 10,
            ..settings(&gw)
        }),
    );
    assert_eq!(ids(&fetched), descending(30));
    assert!(
        fetched
            .inventory
            .keys
            .iter()
            .all(|k| k.key_sha256.is_some())
    );
}

#[test]
fn empty_account_is_one_page() {
    let gw = FakeGateway::start(Options::with_keys(0));
    let fetched = fetch_ok(&gw, &options(&gw));
    assert!(fetched.inventory.keys.is_empty());
    assert_eq!((fetched.pages, fetched.requests), (1, 2));
}

#[test]
fn exact_multiple_of_the_page_size() {
    let gw = FakeGateway::start(Options::with_keys(200));
    let fetched = fetch_ok(&gw, &options(&gw));
    assert_eq!(ids(&fetched), descending(200));
    assert_eq!((fetched.pages, fetched.requests), (2, 3));
}

#[test]
fn follows_a_gateway_that_caps_the_page_size_lower() {
    let gw = FakeGateway::start(Options {
        max_page_size: 7,
        ..Options::with_keys(30)
    });
    let fetched = fetch_ok(&gw, &options(&gw));
    assert_eq!(ids(&fetched), descending(30));
    assert_eq!(fetched.pages, 5);
}

#[test]
fn concurrency_one_fetches_sequentially() {
    let gw = FakeGateway::start(Options::with_keys(50));
    let fetched = fetch_ok(
        &gw,
        &options_from(FetchSettings {
            page_size: 5,
            concurrency: 1,
            ..settings(&gw)
        }),
    );
    assert_eq!(ids(&fetched), descending(50));
    assert!(gw.requests().iter().all(|r| r.in_flight == 1));
}

#[test]
fn concurrency_is_bounded() {
    let gw = FakeGateway::start(Options {
        latency: Duration::from_millis(20),
        ..Options::with_keys(60)
    });
    let fetched = fetch_ok(
        &gw,
        &options_from(FetchSettings {
            page_size: 5,
            concurrency: 3,
            ..settings(&gw)
        }),
    );
    assert_eq!(ids(&fetched), descending(60));
    let max = gw.requests().iter().map(|r| r.in_flight).max().unwrap();
    assert_eq!(max, 3);
}

/// Records every event a fetch reports, as its Debug text.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl FetchObserver for Recorder {
    fn event(&self, event: FetchEvent<'_>) {
        let text = match event {
            // The duration differs from run to run.
            FetchEvent::Request { path, outcome, .. } => format!("{path} -> {outcome:?}"),
            FetchEvent::Retry {
                page,
                retry,
                retries,
                ..
            } => format!("page {page}: retry {retry} of {retries}"),
            other => format!("{other:?}"),
        };
        self.0.lock().unwrap().push(text);
    }
}

#[test]
fn the_observer_sees_every_request_and_retry_and_no_secret() {
    let echo = format!("token {TOKEN} is not valid");
    let gw = FakeGateway::start(
        Options::with_keys(150)
            .fault(Some(2), 0, 1, status(503, None))
            .fault(Some(2), 1, 1, Fault::SuccessFalse(echo)),
    );
    let recorder = Arc::new(Recorder::default());
    let err = fetch_inventory(&options(&gw), recorder.clone()).expect_err("page 2 is refused");
    assert_clean_err(&err);
    assert!(
        matches!(err, FetchError::ApiFailure { page: 2, .. }),
        "{err:?}"
    );
    let events = recorder.0.lock().unwrap();
    for event in events.iter() {
        assert!(!event.contains(CANARY), "{event}");
    }
    assert_eq!(
        *events,
        [
            "WalkStarted { walk: 1 }".to_owned(),
            format!(
                "/api/token/?p=1&page_size=100 -> {:?}",
                RequestOutcome::Status(200)
            ),
            "PagesKnown { pages: 2 }".to_owned(),
            "PageRead".to_owned(),
            format!(
                "/api/token/?p=2&page_size=100 -> {:?}",
                RequestOutcome::Status(503)
            ),
            "page 2: retry 1 of 4".to_owned(),
            format!(
                "/api/token/?p=2&page_size=100 -> {:?}",
                RequestOutcome::Rejected(Some(200))
            ),
        ]
    );
}

#[test]
fn the_observer_sees_pages_rechecks_and_rejected_walks() {
    let gw = FakeGateway::start(Options::with_keys(150).fault(Some(1), 1, 1, Fault::TotalDelta(1)));
    let recorder = Arc::new(Recorder::default());
    let fetched = fetch_inventory(&options(&gw), recorder.clone()).expect("second walk settles");
    assert_eq!(ids(&fetched), descending(150));
    let events = recorder.0.lock().unwrap();
    let steps: Vec<&str> = events
        .iter()
        .map(String::as_str)
        .filter(|e| !e.starts_with('/'))
        .collect();
    assert_eq!(
        steps,
        [
            "WalkStarted { walk: 1 }",
            "PagesKnown { pages: 2 }",
            "PageRead",
            "PageRead",
            "RecheckingFirstPage",
            "WalkRejected { walk: 1, walks: 3, reason: \"page 1 reports a total of 151 keys, page 1 reported 150\" }",
            "WalkStarted { walk: 2 }",
            "PagesKnown { pages: 2 }",
            "PageRead",
            "PageRead",
            "RecheckingFirstPage",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Authentication

#[test]
fn sends_new_api_user_when_given() {
    let gw = FakeGateway::start(Options {
        user_id: Some(42),
        ..Options::with_keys(3)
    });
    let fetched = fetch_ok(
        &gw,
        &options_from(FetchSettings {
            user_id: Some(42),
            ..settings(&gw)
        }),
    );
    assert_eq!(ids(&fetched), descending(3));
    assert!(
        gw.requests()
            .iter()
            .all(|r| r.headers["new-api-user"] == "42")
    );
}

#[test]
fn missing_user_id_is_401_with_a_hint() {
    let gw = FakeGateway::start(Options {
        user_id: Some(42),
        ..Options::with_keys(3)
    });
    let err = fetch_err(&options(&gw));
    let FetchError::Status {
        page: 1,
        status: 401,
        message: Some(message),
        hint,
        ..
    } = &err
    else {
        panic!("unexpected error: {err:?}");
    };
    assert!(message.contains("New-Api-User"), "{message}");
    assert_eq!(*hint, Some(Hint::UserId { sent: false }));
    assert!(err.to_string().contains("HTTP 401"), "{err}");
    assert_eq!(gw.requests().len(), 1, "401 is not retried");
}

#[test]
fn wrong_user_id_hints_at_the_value() {
    let gw = FakeGateway::start(Options {
        user_id: Some(42),
        ..Options::with_keys(3)
    });
    let err = fetch_err(&options_from(FetchSettings {
        user_id: Some(7),
        ..settings(&gw)
    }));
    assert_eq!(err.hint(), Some(Hint::UserId { sent: true }), "{err:?}");
}

#[test]
fn wrong_token_is_success_false_and_not_retried() {
    let gw = FakeGateway::start(Options {
        token: "CANARYTOKEN-the-other-one".into(),
        ..Options::with_keys(3)
    });
    let err = fetch_err(&options(&gw));
    let FetchError::ApiFailure {
        page: 1,
        message,
        hint,
    } = &err
    else {
        panic!("unexpected error: {err:?}");
    };
    assert_eq!(message, "无权进行此操作，access token 无效");
    assert_eq!(*hint, Some(Hint::WrongToken));
    assert!(err.to_string().contains("success: false"), "{err}");
    assert_eq!(gw.requests().len(), 1);
}

#[test]
fn the_fake_refuses_a_missing_token_with_401() {
    let gw = FakeGateway::start(Options::with_keys(1));
    let addr = gw.base_url().trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET /api/token/?p=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    assert!(response.contains("未提供 access token"), "{response}");
}

#[test]
fn forbidden_is_not_retried() {
    let gw = FakeGateway::start(Options::with_keys(3).fault(
        None,
        0,
        ALWAYS,
        Fault::Status {
            status: 403,
            message: Some("权限不足".into()),
            retry_after: None,
        },
    ));
    let err = fetch_err(&options(&gw));
    assert!(
        matches!(
            &err,
            FetchError::Status {
                status: 403,
                attempts: 1,
                hint: Some(Hint::WrongToken),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(gw.requests().len(), 1);
}

#[test]
fn not_found_hints_at_the_base_url() {
    let gw = FakeGateway::start(Options::with_keys(3).fault(
        None,
        0,
        ALWAYS,
        Fault::Status {
            status: 404,
            message: None,
            retry_after: None,
        },
    ));
    let err = fetch_err(&options(&gw));
    assert!(
        matches!(&err, FetchError::Status { status: 404, .. }),
        "{err:?}"
    );
    assert_eq!(err.hint(), Some(Hint::WrongBaseUrl));
}

// ---------------------------------------------------------------------------------------------
// Retries

fn status(status: u16, retry_after: Option<RetryAfter>) -> Fault {
    Fault::Status {
        status,
        message: None,
        retry_after,
    }
}

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

// ---------------------------------------------------------------------------------------------
// Responses that are not a page

#[test]
fn truncated_json_is_malformed() {
    let gw =
        FakeGateway::start(Options::with_keys(5).fault(Some(1), 0, ALWAYS, Fault::TruncatedJson));
    let err = fetch_err(&options(&gw));
    let FetchError::Malformed {
        page: 1, reason, ..
    } = &err
    else {
        panic!("unexpected error: {err:?}");
    };
    assert!(reason.contains("ends early"), "{reason}");
    assert_eq!(gw.requests().len(), 1, "a malformed answer is not retried");
}

#[test]
fn success_false_is_an_api_failure() {
    let gw = FakeGateway::start(Options::with_keys(150).fault(
        Some(2),
        0,
        ALWAYS,
        Fault::SuccessFalse("数据库错误".into()),
    ));
    let err = fetch_err(&options(&gw));
    assert!(
        matches!(&err, FetchError::ApiFailure { page: 2, message, .. } if message == "数据库错误"),
        "{err:?}"
    );
}

#[test]
fn server_messages_echoing_secrets_are_redacted() {
    let echo = format!("token {TOKEN} cannot read key sk-CANARY000000000001abcdefgh\u{1b}[2J");
    let gw =
        FakeGateway::start(Options::with_keys(5).fault(None, 0, ALWAYS, Fault::SuccessFalse(echo)));
    let err = fetch_err(&options(&gw));
    let FetchError::ApiFailure { message, .. } = &err else {
        panic!("unexpected error: {err:?}");
    };
    assert_eq!(
        message,
        "token [redacted] cannot read key [redacted]\\u{001b}[2J"
    );
}

#[test]
fn html_body_hints_at_the_base_url() {
    let gw = FakeGateway::start(Options::with_keys(5).fault(None, 0, ALWAYS, Fault::Html));
    let err = fetch_err(&options(&gw));
    assert!(
        matches!(
            &err,
            FetchError::Malformed {
                page: 1,
                hint: Some(Hint::WrongBaseUrl),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("HTML"), "{err}");
}

#[test]
fn redirect_is_not_followed_and_names_its_location() {
    let gw = FakeGateway::start(Options::with_keys(5).fault(
        None,
        0,
        ALWAYS,
        Fault::Redirect("https://elsewhere.example/api/token/?p=1".into()),
    ));
    let err = fetch_err(&options(&gw));
    let FetchError::Redirect {
        page: 1,
        status: 302,
        location,
    } = &err
    else {
        panic!("unexpected error: {err:?}");
    };
    assert_eq!(
        location.as_deref(),
        Some("https://elsewhere.example/api/token/?p=1")
    );
    assert!(
        err.to_string()
            .contains("https://elsewhere.example/api/token/?p=1"),
        "{err}"
    );
    assert_eq!(err.hint(), Some(Hint::Redirected));
    assert_eq!(gw.requests().len(), 1);
}

#[test]
fn oversized_body_is_cut_off() {
    let gw = FakeGateway::start(Options::with_keys(5).fault(
        None,
        0,
        ALWAYS,
        Fault::Oversized(17 * 1024 * 1024),
    ));
    let err = fetch_err(&options(&gw));
    assert_eq!(
        err,
        FetchError::BodyTooLarge {
            page: 1,
            limit: 16 * 1024 * 1024
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Totals and completeness

#[test]
fn missing_total_is_an_error() {
    let gw = FakeGateway::start(Options::with_keys(5).fault(None, 0, ALWAYS, Fault::NoTotal));
    assert_eq!(
        fetch_err(&options(&gw)),
        FetchError::MissingTotal { page: 1 }
    );
}

#[test]
fn negative_total_is_an_error() {
    let gw =
        FakeGateway::start(Options::with_keys(5).fault(None, 0, ALWAYS, Fault::Total(json!(-3))));
    assert_eq!(
        fetch_err(&options(&gw)),
        FetchError::NegativeTotal { page: 1, total: -3 }
    );
}

#[test]
fn absurd_total_is_too_many_pages() {
    let gw = FakeGateway::start(Options::with_keys(5).fault(
        None,
        0,
        ALWAYS,
        Fault::Total(json!(9_000_000_000_000_000_i64)),
    ));
    let err = fetch_err(&options(&gw));
    assert!(
        matches!(
            &err,
            FetchError::TooManyPages {
                max_pages: 10_000,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(gw.requests().len(), 1);
}

#[test]
fn more_pages_than_max_pages_is_an_error() {
    let gw = FakeGateway::start(Options::with_keys(250));
    let err = fetch_err(&options_from(FetchSettings {
        page_size: 10,
        max_pages: 5,
        ..settings(&gw)
    }));
    assert_eq!(
        err,
        FetchError::TooManyPages {
            total: 250,
            page_size: 10,
            pages: 25,
            max_pages: 5
        }
    );
}

#[test]
fn total_larger_than_the_keys_never_settles() {
    let gw =
        FakeGateway::start(Options::with_keys(250).fault(None, 0, ALWAYS, Fault::TotalDelta(5)));
    let err = fetch_err(&options(&gw));
    let FetchError::Incomplete { walks: 3, reason } = &err else {
        panic!("unexpected error: {err:?}");
    };
    assert!(
        reason.contains("250 distinct keys") && reason.contains("total of 255"),
        "{reason}"
    );
    assert_eq!(gw.requests().len(), 3 * 4);
}

#[test]
fn one_page_disagreeing_on_the_total_never_settles() {
    let gw = FakeGateway::start(Options::with_keys(350).fault(
        Some(3),
        0,
        ALWAYS,
        Fault::TotalDelta(-1),
    ));
    let err = fetch_err(&options(&gw));
    let FetchError::Incomplete { walks: 3, reason } = &err else {
        panic!("unexpected error: {err:?}");
    };
    assert!(
        reason.contains("page 3 reports a total of 349 keys, page 1 reported 350"),
        "{reason}"
    );
}

#[test]
fn recheck_of_page_1_disagreeing_on_the_total_is_rewalked() {
    // The first walk's re-check of page 1 (the second request for page 1) lies once.
    let gw = FakeGateway::start(Options::with_keys(150).fault(Some(1), 1, 1, Fault::TotalDelta(1)));
    let fetched = fetch_ok(&gw, &options(&gw));
    assert_eq!(ids(&fetched), descending(150));
    assert_eq!(fetched.requests, 2 * 3);
}

#[test]
fn keys_created_during_the_walk_settle() {
    // Serving page 2 creates a key, in the first two walks; the third walk is clean.
    let gw = FakeGateway::start(Options::with_keys(250).fault(Some(2), 0, 2, Fault::CreateKey));
    let fetched = fetch_ok(&gw, &options(&gw));
    assert_eq!(ids(&fetched), descending(252));
    assert_eq!(fetched.inventory.provenance.pages, Some(3));
}

#[test]
fn keys_deleted_during_the_walk_settle() {
    let gw = FakeGateway::start(Options::with_keys(250).fault(Some(2), 0, 1, Fault::DeleteKey));
    let fetched = fetch_ok(&gw, &options(&gw));
    let expected: Vec<i64> = descending(250)
        .into_iter()
        .filter(|&id| id != 125)
        .collect();
    assert_eq!(ids(&fetched), expected);
    assert_eq!(ids(&fetched), gw.ids());
}

#[test]
fn keys_created_on_every_walk_never_settle() {
    let gw =
        FakeGateway::start(Options::with_keys(250).fault(Some(2), 0, ALWAYS, Fault::CreateKey));
    let err = fetch_err(&options(&gw));
    assert!(
        matches!(&err, FetchError::Incomplete { walks: 3, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("3 walks"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Against Prism

/// Against a Prism mock of the endpoint built from its OpenAPI document (see
/// `.ci/prism-contract.sh`). In static mode Prism serves the document's example, so the
/// inventory must be exactly key 1234; with `PRISM_DYNAMIC=1` (Prism's `-d`) any outcome is
/// accepted as long as nothing leaks. Run with
/// `PRISM_URL=http://127.0.0.1:4010 cargo test --test fetch -- --ignored prism`.
#[test]
#[ignore = "needs a Prism mock server at PRISM_URL"]
fn prism_mock() {
    let url = std::env::var("PRISM_URL").expect("PRISM_URL");
    let dynamic = std::env::var_os("PRISM_DYNAMIC").is_some();
    let opts = options_from(FetchSettings::new(url));
    match fetch_inventory(&opts, Arc::new(Silent)) {
        Ok(fetched) => {
            assert_clean_ok(&fetched);
            if !dynamic {
                assert_eq!(ids(&fetched), [1234]);
                assert_eq!((fetched.pages, fetched.requests), (1, 2));
            }
        }
        Err(err) => {
            assert_clean_err(&err);
            assert!(dynamic, "the static mock must be read completely: {err}");
        }
    }
}
