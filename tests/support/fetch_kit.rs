//! What the fetch-layer tests share: settings with fast backoff, checked options with the fake
//! gateway's token, and the assertions that no outcome carries any part of a canary secret.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use crate::fake_gateway::{CANARY, FakeGateway, Fault, RetryAfter, TOKEN};
use keylint::api::{
    AccessToken, Backoff, FetchError, FetchOptions, FetchSettings, Fetched, Silent, fetch_inventory,
};

/// Settings for a test: fast backoff, short timeout.
pub fn settings(gw: &FakeGateway) -> FetchSettings {
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
pub fn options_from(settings: FetchSettings) -> FetchOptions {
    FetchOptions::new(settings, AccessToken::new(TOKEN).unwrap()).expect("valid settings")
}

pub fn options(gw: &FakeGateway) -> FetchOptions {
    options_from(settings(gw))
}

pub fn descending(n: i64) -> Vec<i64> {
    (1..=n).rev().collect()
}

pub fn ids(fetched: &Fetched) -> Vec<i64> {
    fetched.inventory.keys.iter().map(|k| k.id).collect()
}

/// Every way an outcome can be shown holds no canary.
pub fn assert_clean_ok(fetched: &Fetched) {
    let debug = format!("{fetched:?}");
    assert!(!debug.contains(CANARY), "canary in Debug of the inventory");
}

pub fn assert_clean_err(err: &FetchError) {
    let display = err.to_string();
    let debug = format!("{err:?}");
    let report = format!("{:?}", miette::Report::new(err.clone()));
    for text in [&display, &debug, &report] {
        assert!(!text.contains(CANARY), "canary in error output: {text}");
    }
    assert_eq!(err.exit_code(), 3);
}

pub fn fetch_ok(gw: &FakeGateway, opts: &FetchOptions) -> Fetched {
    let fetched =
        fetch_inventory(opts, Arc::new(Silent)).unwrap_or_else(|e| panic!("fetch failed: {e}"));
    assert_clean_ok(&fetched);
    assert_eq!(fetched.inventory.keys.len() as u64, gw.ids().len() as u64);
    fetched
}

pub fn fetch_err(opts: &FetchOptions) -> FetchError {
    let err = fetch_inventory(opts, Arc::new(Silent)).expect_err("fetch should fail");
    assert_clean_err(&err);
    err
}

/// A fault that answers `status` with an empty body, and `Retry-After` when given.
pub fn status(status: u16, retry_after: Option<RetryAfter>) -> Fault {
    Fault::Status {
        status,
        message: None,
        retry_after,
    }
}
