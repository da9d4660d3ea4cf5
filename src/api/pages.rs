//! Reading one page, for every walk: the request with its retries within the page's deadline,
//! the rate-limit pauses around it ([`super::pace`]), the bound on what a walk holds, and the
//! check that each answer is in the shape of the dialect spoken.

use std::time::Duration;

use tokio::time::Instant;

use super::FetchOptions;
use super::client::{Client, Failure, Received};
use super::error::FetchError;
use super::observer::FetchEvent;
use super::pace::Pacer;
use super::paging::Speaking;
use super::retry::{Backoff, Governor};
use crate::inventory::{Dialect, KeyRecord, Shape};

/// Why a walk was not accepted.
pub(crate) enum WalkError {
    /// The gateway's answers were inconsistent: walk again.
    Inconsistent(String),
    /// Nothing a new walk would fix.
    Fatal(FetchError),
}

impl From<FetchError> for WalkError {
    fn from(e: FetchError) -> WalkError {
        WalkError::Fatal(e)
    }
}

/// What a fetch shares between its page tasks.
pub(crate) struct Shared {
    pub(crate) client: Client,
    pub(crate) governor: Governor,
    pub(crate) pacer: Pacer,
    pub(crate) page_size: u32,
    pub(crate) max_pages: u64,
    /// Whether the dialect was named with `--gateway` (for messages).
    pub(crate) pinned: bool,
    retries: u32,
    backoff: Backoff,
    page_deadline: Duration,
    retry_after_cap: Duration,
    max_inventory_bytes: u64,
}

impl Shared {
    pub(crate) fn new(opts: &FetchOptions, client: Client) -> Shared {
        Shared {
            client,
            governor: Governor::new(opts.concurrency),
            pacer: Pacer::new(opts.max_wait),
            page_size: opts.page_size,
            max_pages: opts.max_pages,
            pinned: opts.gateway.is_some(),
            retries: opts.retries,
            backoff: opts.backoff,
            page_deadline: opts.page_deadline(),
            retry_after_cap: opts.backoff.retry_after_cap,
            max_inventory_bytes: opts.max_inventory_bytes,
        }
    }

    /// The pause between two walks.
    pub(crate) fn walk_pause(&self, walk: u32) -> Duration {
        self.backoff.delay(walk, None)
    }

    /// The dialect spoken after `received` (page `page`): the same, or, for a bare-array
    /// gateway not yet told apart, the one its records name. An answer in another dialect's
    /// shape ends the fetch.
    pub(crate) fn check_shape(
        &self,
        speaking: Speaking,
        page: u64,
        received: &Received,
    ) -> Result<Speaking, WalkError> {
        let shape = received.page.shape;
        let fits = match (speaking, shape) {
            (Speaking::UntotalledArray, Shape::Array(None)) => Some(speaking),
            (
                Speaking::UntotalledArray,
                Shape::Array(Some(d @ (Dialect::NewApiLegacy | Dialect::OneApi))),
            ) => Some(Speaking::Dialect(d)),
            (Speaking::Dialect(d), _) if shape.fits(d) => Some(speaking),
            _ => None,
        };
        fits.ok_or_else(|| {
            WalkError::Fatal(FetchError::WrongDialect {
                page,
                found: shape.describe(),
                dialect: speaking.dialect(),
                pinned: self.pinned,
            })
        })
    }
}

/// What a walk holds so far, against the bound of the fetch's `max_inventory_bytes`.
pub(crate) struct Held {
    bytes: u64,
    pages: u64,
}

impl Held {
    pub(crate) fn new() -> Held {
        Held { bytes: 0, pages: 0 }
    }

    /// Counts one kept page: its records, whose strings the body's size bounds.
    pub(crate) fn keep(&mut self, shared: &Shared, received: &Received) -> Result<(), WalkError> {
        let records = received.page.keys.len() * std::mem::size_of::<KeyRecord>();
        let records = u64::try_from(records).unwrap_or(u64::MAX);
        self.bytes = self
            .bytes
            .saturating_add(received.body_bytes)
            .saturating_add(records);
        self.pages += 1;
        if self.bytes > shared.max_inventory_bytes {
            return Err(WalkError::Fatal(FetchError::InventoryTooLarge {
                limit: shared.max_inventory_bytes,
                pages: self.pages,
            }));
        }
        Ok(())
    }
}

/// How a series of attempts at one page ended, short of a page.
enum Missed {
    /// An empty 429 without `Retry-After` for the request sent at this instant.
    RateLimited(Instant),
    Walk(WalkError),
}

/// Page `page`, asked for with `query`: its attempts within the page deadline, and around
/// them as many rate-limit pauses as `--max-wait` allows.
pub(crate) async fn fetch_page(
    shared: &Shared,
    page: u64,
    query: &str,
) -> Result<Received, WalkError> {
    loop {
        let turn = shared.pacer.admit().await;
        let attempt = tokio::time::timeout(shared.page_deadline, attempts(shared, page, query))
            .await
            .unwrap_or(Err(Missed::Walk(WalkError::Fatal(
                FetchError::PageDeadline {
                    page,
                    deadline: shared.page_deadline,
                    retry_after_cap: shared.retry_after_cap,
                },
            ))));
        drop(turn);
        match attempt {
            Ok(received) => return Ok(received),
            Err(Missed::Walk(e)) => return Err(e),
            Err(Missed::RateLimited(sent)) => pause(shared, page, sent)?,
        }
    }
}

/// Records a rate limit met by a request of `page` sent at `sent`, and reports the pause it
/// starts; the next [`Pacer::admit`] waits it out.
fn pause(shared: &Shared, page: u64, sent: Instant) -> Result<(), WalkError> {
    let max_wait = shared.pacer.max_wait();
    let started = shared.pacer.on_rate_limited(sent).map_err(|spent| {
        WalkError::Fatal(FetchError::RateLimited {
            page,
            waited: spent.waited,
            max_wait,
        })
    })?;
    if let Some(pause) = started {
        if let Some(limit) = shared.governor.lower_to_one() {
            shared
                .client
                .observe(FetchEvent::ConcurrencyLowered { limit });
        }
        shared.client.observe(FetchEvent::RateLimited {
            page,
            wait: pause.length,
            waited: pause.waited,
            max_wait,
        });
    }
    Ok(())
}

/// One page, with retries. A 429 without `Retry-After` is handed back to [`fetch_page`]
/// instead of being retried here: only a pause clears it.
async fn attempts(shared: &Shared, page: u64, query: &str) -> Result<Received, Missed> {
    let mut retry = 0;
    loop {
        let sent = Instant::now();
        match shared.client.get_page(page, query).await {
            Ok(fetched) => {
                shared.governor.on_success();
                return Ok(fetched);
            }
            Err(Failure::Fatal(e)) => return Err(Missed::Walk(WalkError::Fatal(e))),
            Err(Failure::Transient(t)) => {
                if t.is_rate_limit() {
                    if t.retry_after.is_none() {
                        return Err(Missed::RateLimited(sent));
                    }
                    if let Some(limit) = shared.governor.on_rate_limited() {
                        shared
                            .client
                            .observe(FetchEvent::ConcurrencyLowered { limit });
                    }
                } else {
                    shared.governor.on_success();
                }
                if retry >= shared.retries {
                    let error = t.into_error(page, retry + 1, shared.client.timeout());
                    return Err(Missed::Walk(WalkError::Fatal(error)));
                }
                let delay = shared.backoff.delay(retry, t.retry_after);
                shared.client.observe(FetchEvent::Retry {
                    page,
                    retry: retry + 1,
                    retries: shared.retries,
                    delay,
                });
                tokio::time::sleep(delay).await;
                retry += 1;
            }
        }
    }
}

/// A capacity to reserve for `n` items announced by the gateway: never more than a million, so
/// an absurd `total` under a generous `--max-pages` cannot make an allocation fail.
pub(crate) fn prealloc(n: u64) -> usize {
    usize::try_from(n.min(1 << 20)).unwrap_or(0)
}

/// The ids of a page, in order.
pub(crate) fn ids(keys: &[KeyRecord]) -> Vec<i64> {
    keys.iter().map(|k| k.id).collect()
}

/// Ends the fetch when page `page` lists the same keys as the page before it: the gateway
/// does not read the page parameter of the dialect spoken.
pub(crate) fn check_pages_differ(
    speaking: Speaking,
    page: u64,
    previous: &[KeyRecord],
    this: &[KeyRecord],
) -> Result<(), WalkError> {
    if this.is_empty() || ids(previous) != ids(this) {
        return Ok(());
    }
    Err(WalkError::Fatal(FetchError::PageParameterIgnored {
        page,
        dialect: speaking.dialect(),
        parameter: speaking.page_parameter(),
    }))
}
