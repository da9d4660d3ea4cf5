//! What a fetch tells its caller while it runs: one [`FetchEvent`] per step, handed to a
//! [`FetchObserver`] the caller supplies. The fetch itself writes nothing; the caller decides
//! whether events become a progress bar, log lines, or nothing ([`Silent`]).
//!
//! Events carry no secret: request paths hold only the page number and size, and walk
//! rejection reasons are keylint's own texts about ids and totals.

use std::time::Duration;

/// Receives the events of a fetch. Called from the fetch's page tasks, hence `Send + Sync`.
pub trait FetchObserver: Send + Sync {
    fn event(&self, event: FetchEvent<'_>);
}

/// An observer that ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl FetchObserver for Silent {
    fn event(&self, _: FetchEvent<'_>) {}
}

/// One step of a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchEvent<'a> {
    /// A walk starts: the first, or another after an inconsistent one. Its page count is not
    /// known until page 1 has been read.
    WalkStarted { walk: u32 },
    /// The first page's total announced how many pages this walk has (dialects without a
    /// total never send it).
    PagesKnown { pages: u64 },
    /// One more page of the walk was read.
    PageRead,
    /// Every page was read; page 1 is read again to check nothing moved.
    RecheckingFirstPage,
    /// One HTTP request was answered (or failed).
    Request {
        /// Path and query, relative to the base URL: `/api/token/?p=N&page_size=S` (in the
        /// dialect's own parameters).
        path: &'a str,
        outcome: RequestOutcome,
        elapsed: Duration,
    },
    /// A request is tried again after `delay`.
    Retry {
        page: u64,
        /// 1 for the first retry.
        retry: u32,
        retries: u32,
        delay: Duration,
    },
    /// Repeated 429s lowered the number of requests in flight.
    ConcurrencyLowered { limit: usize },
    /// The gateway serves fewer keys per page than asked; the walk follows it.
    PageSizeFollowed { page_size: u64, total: i64 },
    /// The gateway rate-limits (an empty 429 without `Retry-After`): the fetch pauses for
    /// `wait`, having waited `waited` in all (this pause included) of at most `max_wait`.
    RateLimited {
        page: u64,
        wait: Duration,
        waited: Duration,
        max_wait: Duration,
    },
    /// A dialect without a total was read to its first empty page; it is read a second time,
    /// and both walks must list the same keys.
    SecondPass,
    /// A walk was inconsistent and will be repeated (if `walk < walks`).
    WalkRejected {
        walk: u32,
        walks: u32,
        reason: &'a str,
    },
}

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestOutcome {
    /// An HTTP status: a page, or a failure worth retrying.
    Status(u16),
    /// No answer within the timeout.
    Timeout,
    /// The connection failed.
    ConnectionError,
    /// A failure that ends the fetch, with the HTTP status when there was one.
    Rejected(Option<u16>),
}
