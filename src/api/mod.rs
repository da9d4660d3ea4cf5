//! The only code that touches the network: reads every key of the account through
//! `GET {base}/api/token/` and proves the result complete (SPEC §3).
//!
//! [`fetch_inventory`] is synchronous; it builds a single-threaded tokio runtime for the
//! duration of the fetch (the work is waiting on the network, and parsing a page of 100 keys
//! takes microseconds). Submodules:
//!
//! - `url`: which base URLs are accepted and the one request URL built from them;
//! - `client`: one request for one page and the meaning of its answer;
//! - `retry`: backoff, `Retry-After`, and the concurrency limit that repeated 429s halve;
//! - `walk`: pagination and the completeness checks, with re-walks;
//! - `error`: [`FetchError`] and the sanitising of server text.
//!
//! Secrets: the access token lives in [`AccessToken`], whose `Debug` and `Display` print
//! `[redacted]`; it is sent only in the `Authorization` header (marked sensitive) and never
//! logged. Key values are hashed and dropped by [`crate::inventory::parse_page`] as each page is
//! parsed; server messages are sanitised before they reach an error.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::inventory::Inventory;

mod client;
mod error;
mod retry;
mod url;
mod walk;

pub use client::{MAX_BODY_BYTES, USER_AGENT};
pub(crate) use error::sanitize;
pub use error::{FetchError, Hint};
pub use retry::Backoff;
pub use url::validate_base_url;
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

/// How to fetch. Build it with [`FetchOptions::new`] and struct update syntax.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The gateway's base URL, as returned by [`validate_base_url`] (which also decides the
    /// http/https policy; the fetch itself does not re-apply it).
    pub base_url: String,
    pub token: AccessToken,
    /// Sent as `New-Api-User: N` when set (self-hosted new-api requires it).
    pub user_id: Option<u64>,
    /// Keys per page, 1..=100.
    pub page_size: u32,
    /// Requests in flight at once, at least 1; halved by repeated 429s.
    pub concurrency: usize,
    /// Per request, connection to last body byte.
    pub timeout: Duration,
    /// Retries of one request after its first attempt.
    pub retries: u32,
    /// The most pages a walk may need; more is an error.
    pub max_pages: u64,
    /// Draw a progress bar on stderr (the caller decides: stderr is a terminal and not quiet).
    pub progress: bool,
    /// Log each request on stderr: method, path and query, status, duration. Never headers.
    pub verbose: bool,
    /// Retry timing.
    pub backoff: Backoff,
    /// Tests: collect the verbose log lines here instead of writing them to stderr.
    #[doc(hidden)]
    pub log_capture: Option<Arc<Mutex<Vec<String>>>>,
}

impl FetchOptions {
    /// The defaults of SPEC §1: page size 100, concurrency 4, timeout 30 s, 4 retries,
    /// 10,000 pages at most, no progress bar, not verbose.
    pub fn new(base_url: impl Into<String>, token: AccessToken) -> FetchOptions {
        FetchOptions {
            base_url: base_url.into(),
            token,
            user_id: None,
            page_size: 100,
            concurrency: 4,
            timeout: Duration::from_secs(30),
            retries: 4,
            max_pages: 10_000,
            progress: false,
            verbose: false,
            backoff: Backoff::default(),
            log_capture: None,
        }
    }

    /// Checks the ranges of the tuning options and the shape of the base URL (credentials,
    /// query, scheme); the CLI calls it before fetching so that a bad value exits 2.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=100).contains(&self.page_size) {
            return Err(format!(
                "--page-size must be 1..=100 (got {})",
                self.page_size
            ));
        }
        if self.concurrency == 0 {
            return Err("--concurrency must be at least 1".to_owned());
        }
        if self.timeout.is_zero() {
            return Err("--timeout must be more than 0 seconds".to_owned());
        }
        if self.max_pages == 0 {
            return Err("--max-pages must be at least 1".to_owned());
        }
        validate_base_url(&self.base_url, true).map(|_| ())
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

/// Fetches every key of the account and verifies the inventory is complete (SPEC §3).
pub fn fetch_inventory(opts: &FetchOptions) -> Result<Fetched, FetchError> {
    opts.validate()
        .map_err(|reason| FetchError::Options { reason })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| FetchError::Setup {
            reason: e.to_string(),
        })?;
    let progress = progress_bar(opts.progress);
    runtime.block_on(async {
        let client = client::Client::new(opts, progress)?;
        walk::fetch(opts, client).await
    })
}

fn progress_bar(enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("fetching keys {bar:30} {pos}/{len} pages {msg}")
    {
        bar.set_style(style);
    }
    bar
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
        let opts = FetchOptions::new("https://gw.example", token);
        assert!(!format!("{opts:?}").contains("CANARY"));
    }

    #[test]
    fn bad_tokens_are_refused_without_echo() {
        assert!(AccessToken::new(" \n").is_err());
        let err = AccessToken::new("CANARY TOKEN").unwrap_err();
        assert!(!err.contains("CANARY"));
        assert!(AccessToken::new("CANARY\u{7f}").is_err());
    }

    #[test]
    fn options_are_range_checked() {
        let token = AccessToken::new("t").unwrap();
        let ok = FetchOptions::new("https://gw.example", token);
        assert!(ok.validate().is_ok());
        for bad in [
            FetchOptions {
                page_size: 0,
                ..ok.clone()
            },
            FetchOptions {
                page_size: 101,
                ..ok.clone()
            },
            FetchOptions {
                concurrency: 0,
                ..ok.clone()
            },
            FetchOptions {
                max_pages: 0,
                ..ok.clone()
            },
            FetchOptions {
                timeout: Duration::ZERO,
                ..ok.clone()
            },
            FetchOptions {
                base_url: "https://u:p@gw.example".into(),
                ..ok.clone()
            },
        ] {
            assert!(bad.validate().is_err());
        }
    }
}
