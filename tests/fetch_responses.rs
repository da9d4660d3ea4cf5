//! The fetch layer against a fake gateway that answers badly: bodies that are not a page
//! (truncated, HTML, redirects, oversized, `success: false`) and totals that break the
//! completeness checks. Each test asserts the outcome and that nothing carries any part of a
//! canary secret.

#[path = "support/fake_gateway.rs"]
mod fake_gateway;
#[path = "support/fetch_kit.rs"]
mod fetch_kit;

use fake_gateway::{ALWAYS, FakeGateway, Fault, Options, TOKEN};
use fetch_kit::*;
use keylint::api::{FetchError, FetchSettings, Hint};
use serde_json::json;

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
