//! The fetch layer against a fake gateway: the happy paths, authentication, and the Prism
//! contract. Each test asserts the outcome (`Ok` with the exact id set, or the expected error)
//! and that no error, Debug output or inventory carries any part of the canary token or key
//! values. Retries are in `fetch_retries.rs`, answers that are not a page and the completeness
//! checks in `fetch_responses.rs`.

#[path = "support/fake_gateway.rs"]
mod fake_gateway;
#[path = "support/fetch_kit.rs"]
mod fetch_kit;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake_gateway::{ALWAYS, CANARY, FakeGateway, Fault, Options, TOKEN};
use fetch_kit::*;
use keylint::api::{
    FetchError, FetchEvent, FetchObserver, FetchSettings, Hint, RequestOutcome, Silent,
    fetch_inventory,
};

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
