//! The only code that touches the network: reads every key of the account through
//! `GET {base}/api/token/` and proves the result complete (SPEC §3).
//!
//! [`fetch_inventory`] is synchronous; it builds a single-threaded tokio runtime for the
//! duration of the fetch (the work is waiting on the network, and parsing a page of 100 keys
//! takes microseconds). Submodules:
//!
//! - `options`: the settings of a fetch and the one place they are checked;
//! - `url`: which base URLs are accepted ([`BaseUrl`]) and the one request URL built from them;
//! - `client`: one request for one page and the meaning of its answer;
//! - `paging`: each dialect's page and size parameters, and the detection probe;
//! - `retry`: backoff, `Retry-After`, and the concurrency limit that repeated 429s halve;
//! - `pace`: waiting out a rate limiter (429 without `Retry-After`) within `--max-wait`;
//! - `walk`: detection, the walk of a dialect with a total and its completeness checks, with
//!   re-walks, and the reading of one page;
//! - `sweep`: the walk of a dialect without a total: pages until the first empty one, twice;
//! - `error`: [`FetchError`] and the sanitising of server text;
//! - `observer`: the events a fetch reports to its caller, which draws or logs them: the fetch
//!   itself writes nothing.
//!
//! Secrets: the access token lives in [`AccessToken`], whose `Debug` and `Display` print
//! `[redacted]`; it is sent only in the `Authorization` header (marked sensitive) and never
//! logged. Key values are hashed and dropped by [`crate::inventory::parse_page`] as each page is
//! parsed; server messages are sanitised before they reach an error.

use std::fmt;
use std::sync::Arc;

use crate::inventory::Inventory;

mod client;
mod error;
mod observer;
mod options;
mod pace;
mod pages;
mod paging;
mod retry;
mod sweep;
mod url;
mod walk;

pub use client::{MAX_BODY_BYTES, USER_AGENT};
pub use error::{FetchError, Hint};
pub use observer::{FetchEvent, FetchObserver, RequestOutcome, Silent};
pub use options::{
    DEFAULT_MAX_INVENTORY_MIB, DEFAULT_MAX_WAIT, FetchOptions, FetchSettings, InvalidOptions,
    MAX_CONCURRENCY, MAX_MAX_WAIT, MAX_PAGE_SIZE, MAX_RETRIES, MAX_TIMEOUT,
};
pub use pace::{FIRST_PAUSE, RATE_LIMIT_WINDOW};
pub use retry::Backoff;
pub use url::BaseUrl;
pub use walk::WALKS;

/// The personal access token. `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token, trimming surrounding whitespace (a token file usually ends with a
    /// newline). Refuses an empty token and one an HTTP header cannot carry; the error never
    /// quotes the value.
    pub fn new(value: impl Into<String>) -> Result<AccessToken, String> {
        let value = value.into();
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err("the access token is empty".to_owned());
        }
        if !trimmed.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(
                "the access token holds spaces, control or non-ASCII characters; \
                 check that the variable or file holds only the token"
                    .to_owned(),
            );
        }
        Ok(AccessToken(trimmed.to_owned()))
    }

    /// The raw token, for the `Authorization` header and for callers that scrub output.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A complete, verified inventory and what it took to read it.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Source is the base URL, `pages` the pages of the accepted walk.
    pub inventory: Inventory,
    /// Pages in the accepted walk.
    pub pages: u64,
    /// HTTP requests sent in all, retries and rejected walks included.
    pub requests: u64,
}

/// Fetches every key of the account and verifies the inventory is complete (SPEC §3),
/// reporting each step to `observer`.
pub fn fetch_inventory(
    opts: &FetchOptions,
    observer: Arc<dyn FetchObserver>,
) -> Result<Fetched, FetchError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| FetchError::Setup {
            reason: e.to_string(),
        })?;
    runtime.block_on(async {
        let client = client::Client::new(opts, observer)?;
        walk::fetch(opts, client).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_never_printed() {
        let token = AccessToken::new("  CANARYTOKEN-abc123\n").unwrap();
        assert_eq!(token.expose_secret(), "CANARYTOKEN-abc123");
        assert_eq!(format!("{token}"), "[redacted]");
        assert_eq!(format!("{token:?}"), "[redacted]");
        let opts = FetchOptions::new(FetchSettings::new("https://gw.example"), token).unwrap();
        assert!(!format!("{opts:?}").contains("CANARY"));
    }

    #[test]
    fn bad_tokens_are_refused_without_echo() {
        assert!(AccessToken::new(" \n").is_err());
        let err = AccessToken::new("CANARY TOKEN").unwrap_err();
        assert!(!err.contains("CANARY"));
        assert!(AccessToken::new("CANARY\u{7f}").is_err());
    }
}
