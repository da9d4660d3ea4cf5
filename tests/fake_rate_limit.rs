//! Tests of the fake gateways' rate limiter, over raw HTTP: a sliding window in front of
//! every request, before authentication, answering an empty 429 without `Retry-After`, where
//! only admitted requests count (as new-api's limiters do).

#[path = "support/fake_gateway.rs"]
mod fake_gateway;

use std::thread::sleep;
use std::time::{Duration, Instant};

use fake_gateway::client::{Response, get, get_ok};
use fake_gateway::{Dialect, FakeGateway, Options, RateLimit, TOKEN};

const WINDOW: Duration = Duration::from_secs(1);
/// Slack for the server to have seen a request after the client got its answer.
const SLACK: Duration = Duration::from_millis(50);

fn limited(requests: usize) -> FakeGateway {
    FakeGateway::start(Options {
        rate_limit: Some(RateLimit {
            requests,
            window: WINDOW,
        }),
        ..Options::with_keys(3)
    })
}

fn statuses(gw: &FakeGateway, n: usize) -> Vec<u16> {
    (0..n)
        .map(|_| get_ok(gw, "/api/token/?p=1").status)
        .collect()
}

fn sleep_until(deadline: Instant) {
    sleep(deadline.saturating_duration_since(Instant::now()));
}

fn assert_limiter_429(response: &Response) {
    assert_eq!(response.status, 429, "{response:?}");
    assert!(response.body.is_empty(), "{response:?}");
    assert_eq!(response.content_length(), Some(0));
    assert!(
        !response.headers.contains_key("retry-after"),
        "{response:?}"
    );
    assert!(
        !response.headers.contains_key("content-type"),
        "{response:?}"
    );
}

#[test]
fn the_request_over_the_limit_gets_an_empty_429_until_the_window_passes() {
    let gw = limited(4);
    assert_eq!(statuses(&gw, 4), [200; 4]);
    let last_admitted = Instant::now();
    assert_limiter_429(&get_ok(&gw, "/api/token/?p=1"));
    assert_eq!(gw.rate_limited(), 1);
    let flags: Vec<bool> = gw.requests().iter().map(|r| r.limited).collect();
    assert_eq!(flags, [false, false, false, false, true]);
    sleep_until(last_admitted + WINDOW + SLACK);
    let again = get_ok(&gw, "/api/token/?p=1");
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["success"], true);
    assert_eq!(gw.rate_limited(), 1);
}

#[test]
fn the_window_slides_and_refused_requests_do_not_count() {
    let gw = limited(4);
    assert_eq!(statuses(&gw, 2), [200; 2]);
    let first_pair = Instant::now();
    sleep(WINDOW / 2);
    assert_eq!(statuses(&gw, 5), [200, 200, 429, 429, 429]);
    // The first pair has left the window, the second has not: two slots, whatever the three
    // refused requests did.
    sleep_until(first_pair + WINDOW + SLACK);
    let later = statuses(&gw, 3);
    assert!(
        first_pair.elapsed() < WINDOW * 3 / 2,
        "too slow: the second pair must still be inside the window for this test to mean anything"
    );
    assert_eq!(later, [200, 200, 429]);
    assert_eq!(gw.rate_limited(), 4);
}

#[test]
fn the_limiter_comes_before_authentication_and_the_route() {
    let gw = limited(2);
    assert_eq!(get(&gw, "/api/token/", &[]).status, 401);
    assert_eq!(get_ok(&gw, "/api/nothing").status, 404);
    assert_limiter_429(&get_ok(&gw, "/api/token/"));
    assert_limiter_429(&get(&gw, "/api/token/", &[]));
    assert_eq!(gw.rate_limited(), 2);
}

#[test]
fn a_limiter_that_never_clears_refuses_everything_on_every_dialect() {
    for dialect in Dialect::ALL {
        let gw = FakeGateway::start(Options {
            dialect,
            rate_limit: Some(RateLimit::never_clears()),
            ..Options::with_keys(3)
        });
        assert_limiter_429(&get_ok(&gw, "/api/token/"));
        assert_limiter_429(&get(&gw, "/api/token/", &[("Authorization", "nope")]));
        assert_limiter_429(&get(&gw, "/api/token/", &[]));
        assert_eq!(gw.rate_limited(), 3, "{dialect:?}");
        assert!(gw.requests().iter().all(|r| r.limited));
    }
}

#[test]
fn without_a_limit_nothing_is_limited() {
    let gw = FakeGateway::start(Options::with_keys(3));
    assert_eq!(statuses(&gw, 20), [200; 20]);
    assert_eq!(gw.rate_limited(), 0);
    assert!(gw.requests().iter().all(|r| !r.limited));
    let header = get(&gw, "/api/token/", &[("Authorization", TOKEN)]);
    assert_eq!(header.status, 200);
}
