//! Pagination and completeness (SPEC §3): page 1 first, then the remaining pages with bounded
//! concurrency, then page 1 again; the walk is accepted only if every check holds, and repeated
//! up to [`WALKS`] times in all when the inventory looks inconsistent.
//!
//! A walk is accepted when:
//! - every page reports the same `data.total` as the first fetch of page 1 (the re-fetch too);
//! - the re-fetch of page 1 lists the same ids as the first fetch (new keys always land on
//!   page 1; deletions change `total`);
//! - the union of the ids of all pages has exactly `total` members, with no id on two pages.
//!
//! `total` must be a non-negative integer, and the pages it implies must not exceed
//! `max_pages`; those are errors of the gateway, not a sign of churn, so they are not re-walked.
//!
//! Bounds: a walk holds at most `max_inventory_bytes`, counting each kept page's body and its
//! records (the bodies themselves are dropped as soon as they are parsed); one page's read,
//! retries included, ends by [`FetchOptions::page_deadline`]. Neither is re-walked.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::client::{Client, Failure, Received};
use super::error::FetchError;
use super::observer::FetchEvent;
use super::retry::{Backoff, Governor};
use super::{FetchOptions, Fetched};
use crate::inventory::{Inventory, KeyRecord, Provenance};
use crate::text::clock;

/// Walks in all before giving up on an inventory that keeps changing.
pub const WALKS: u32 = 3;

/// Why a walk was not accepted.
enum WalkError {
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
struct Shared {
    client: Client,
    governor: Governor,
    retries: u32,
    backoff: Backoff,
    page_deadline: Duration,
    retry_after_cap: Duration,
    max_inventory_bytes: u64,
}

/// What a walk holds so far, against the bound of [`Shared::max_inventory_bytes`].
struct Held {
    bytes: u64,
    pages: u64,
}

impl Held {
    fn new() -> Held {
        Held { bytes: 0, pages: 0 }
    }

    /// Counts one kept page: its records, whose strings the body's size bounds.
    fn keep(&mut self, shared: &Shared, received: &Received) -> Result<(), WalkError> {
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

/// Runs the walks. Called inside the runtime built by [`super::fetch_inventory`].
pub(crate) async fn fetch(opts: &FetchOptions, client: Client) -> Result<Fetched, FetchError> {
    let shared = Arc::new(Shared {
        client,
        governor: Governor::new(opts.concurrency),
        retries: opts.retries,
        backoff: opts.backoff,
        page_deadline: opts.page_deadline(),
        retry_after_cap: opts.backoff.retry_after_cap,
        max_inventory_bytes: opts.max_inventory_bytes,
    });
    let mut reason = String::new();
    for walk in 1..=WALKS {
        let fetched_at = clock::format_timestamp(clock::now());
        shared.client.observe(FetchEvent::WalkStarted { walk });
        match walk_once(&shared, opts).await {
            Ok((keys, pages)) => {
                return Ok(Fetched {
                    inventory: Inventory {
                        provenance: Provenance {
                            source: opts.base_url.as_str().to_owned(),
                            pages: Some(pages),
                            fetched_at: Some(fetched_at),
                            gateway: crate::inventory::Dialect::NewApi,
                            gateway_named: true,
                            cidr_allowlists: crate::inventory::CidrSupport::Auto,
                        },
                        keys,
                    },
                    pages,
                    requests: shared.client.requests(),
                });
            }
            Err(WalkError::Fatal(e)) => return Err(e),
            Err(WalkError::Inconsistent(why)) => {
                shared.client.observe(FetchEvent::WalkRejected {
                    walk,
                    walks: WALKS,
                    reason: &why,
                });
                reason = why;
                if walk < WALKS {
                    tokio::time::sleep(shared.backoff.delay(walk, None)).await;
                }
            }
        }
    }
    Err(FetchError::Incomplete {
        walks: WALKS,
        reason,
    })
}

/// One walk: the keys in page order and the number of pages.
async fn walk_once(
    shared: &Arc<Shared>,
    opts: &FetchOptions,
) -> Result<(Vec<KeyRecord>, u64), WalkError> {
    let mut held = Held::new();
    let first = fetch_page(shared, 1).await?;
    held.keep(shared, &first)?;
    let first = first.page;
    let total = first.total.ok_or(FetchError::MissingTotal { page: 1 })?;
    let Ok(keys_total) = u64::try_from(total) else {
        return Err(FetchError::NegativeTotal { page: 1, total }.into());
    };
    let page_size = effective_page_size(opts.page_size, keys_total, first.keys.len());
    if page_size != u64::from(opts.page_size) {
        shared
            .client
            .observe(FetchEvent::PageSizeFollowed { page_size, total });
    }
    let pages = keys_total.div_ceil(page_size).max(1);
    if pages > opts.max_pages {
        return Err(FetchError::TooManyPages {
            total,
            page_size,
            pages,
            max_pages: opts.max_pages,
        }
        .into());
    }
    shared.client.observe(FetchEvent::PagesKnown { pages });
    shared.client.observe(FetchEvent::PageRead);

    let mut by_page: Vec<Vec<KeyRecord>> = Vec::with_capacity(prealloc(pages));
    let first_ids: HashSet<i64> = first.keys.iter().map(|k| k.id).collect();
    by_page.push(first.keys);
    by_page.extend(fetch_rest(shared, pages, total, &mut held).await?);

    shared.client.observe(FetchEvent::RecheckingFirstPage);
    let again = fetch_page(shared, 1).await?.page;
    check_total(1, again.total, total)?;
    let again_ids: HashSet<i64> = again.keys.iter().map(|k| k.id).collect();
    if again_ids != first_ids {
        return Err(WalkError::Inconsistent(
            "page 1 listed different keys at the end of the walk than at its start (keys were created or deleted)"
                .to_owned(),
        ));
    }

    let keys = union(by_page, keys_total)?;
    Ok((keys, pages))
}

/// The page size the gateway actually uses. A gateway may cap `page_size` below what was asked;
/// when page 1 holds fewer keys than both the requested size and `total`, its length is the
/// gateway's page size. (A wrong guess cannot slip through: the union check would fail.)
fn effective_page_size(requested: u32, total: u64, first_len: usize) -> u64 {
    let requested = u64::from(requested.max(1));
    let expected = requested.min(total);
    let got = u64::try_from(first_len).unwrap_or(u64::MAX);
    if got > 0 && got < expected {
        got
    } else {
        requested
    }
}

/// Pages 2..=pages, at most `governor.limit()` in flight; returned in page order.
async fn fetch_rest(
    shared: &Arc<Shared>,
    pages: u64,
    total: i64,
    held: &mut Held,
) -> Result<Vec<Vec<KeyRecord>>, WalkError> {
    let mut results: HashMap<u64, Vec<KeyRecord>> = HashMap::with_capacity(prealloc(pages));
    let mut next = 2;
    let mut tasks = JoinSet::new();
    loop {
        while next <= pages && tasks.len() < shared.governor.limit() {
            let shared = Arc::clone(shared);
            let page = next;
            tasks.spawn(async move { (page, fetch_page(&shared, page).await) });
            next += 1;
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let (page, result) = joined.map_err(|e| {
            WalkError::Fatal(FetchError::Setup {
                reason: format!("a page task failed: {e}"),
            })
        })?;
        let received = result?;
        held.keep(shared, &received)?;
        check_total(page, received.page.total, total)?;
        shared.client.observe(FetchEvent::PageRead);
        results.insert(page, received.page.keys);
    }
    Ok((2..=pages)
        .map(|p| results.remove(&p).unwrap_or_default())
        .collect())
}

/// A capacity to reserve for `n` items announced by the gateway: never more than a million, so
/// an absurd `total` under a generous `--max-pages` cannot make an allocation fail.
fn prealloc(n: u64) -> usize {
    usize::try_from(n.min(1 << 20)).unwrap_or(0)
}

fn check_total(page: u64, found: Option<i64>, expected: i64) -> Result<(), WalkError> {
    match found {
        None => Err(FetchError::MissingTotal { page }.into()),
        Some(t) if t != expected => Err(WalkError::Inconsistent(format!(
            "page {page} reports a total of {t} keys, page 1 reported {expected}"
        ))),
        Some(_) => Ok(()),
    }
}

/// Every key of the walk in page order, once each; exactly `total` of them.
fn union(by_page: Vec<Vec<KeyRecord>>, total: u64) -> Result<Vec<KeyRecord>, WalkError> {
    let mut seen: HashMap<i64, u64> = HashMap::with_capacity(prealloc(total));
    let mut keys = Vec::with_capacity(prealloc(total));
    for (page, page_keys) in (1..).zip(by_page) {
        for key in page_keys {
            if let Some(earlier) = seen.insert(key.id, page) {
                return Err(WalkError::Inconsistent(format!(
                    "key id {} is listed on page {earlier} and on page {page} (keys shifted between pages)",
                    key.id
                )));
            }
            keys.push(key);
        }
    }
    if u64::try_from(keys.len()).ok() != Some(total) {
        return Err(WalkError::Inconsistent(format!(
            "the pages list {} distinct keys but the gateway reports a total of {total}",
            keys.len()
        )));
    }
    Ok(keys)
}

/// One page, with retries, within the page deadline.
async fn fetch_page(shared: &Shared, page: u64) -> Result<Received, WalkError> {
    tokio::time::timeout(shared.page_deadline, fetch_page_with_retries(shared, page))
        .await
        .unwrap_or(Err(WalkError::Fatal(FetchError::PageDeadline {
            page,
            deadline: shared.page_deadline,
            retry_after_cap: shared.retry_after_cap,
        })))
}

/// One page, with retries.
async fn fetch_page_with_retries(shared: &Shared, page: u64) -> Result<Received, WalkError> {
    let mut retry = 0;
    loop {
        match shared.client.get_page(page).await {
            Ok(fetched) => {
                shared.governor.on_success();
                return Ok(fetched);
            }
            Err(Failure::Fatal(e)) => return Err(WalkError::Fatal(e)),
            Err(Failure::Transient(t)) => {
                if t.is_rate_limit() {
                    if let Some(limit) = shared.governor.on_rate_limited() {
                        shared
                            .client
                            .observe(FetchEvent::ConcurrencyLowered { limit });
                    }
                } else {
                    shared.governor.on_success();
                }
                if retry >= shared.retries {
                    return Err(WalkError::Fatal(t.into_error(
                        page,
                        retry + 1,
                        shared.client.timeout(),
                    )));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(ids: &[i64]) -> Vec<KeyRecord> {
        ids.iter()
            .map(|&id| KeyRecord {
                id,
                ..KeyRecord::default()
            })
            .collect()
    }

    #[test]
    fn page_size_follows_a_gateway_that_serves_fewer() {
        assert_eq!(effective_page_size(100, 250, 100), 100);
        assert_eq!(effective_page_size(100, 250, 10), 10);
        assert_eq!(effective_page_size(100, 7, 7), 100);
        assert_eq!(effective_page_size(100, 0, 0), 100);
        assert_eq!(effective_page_size(100, 250, 0), 100);
    }

    #[test]
    fn union_requires_exactly_total_distinct_ids() {
        let ok = union(vec![keys(&[5, 4]), keys(&[3])], 3).ok().unwrap();
        assert_eq!(ok.iter().map(|k| k.id).collect::<Vec<_>>(), [5, 4, 3]);
        let Err(WalkError::Inconsistent(why)) = union(vec![keys(&[5, 4]), keys(&[4])], 3) else {
            panic!("duplicate accepted");
        };
        assert!(
            why.contains("key id 4 is listed on page 1 and on page 2"),
            "{why}"
        );
        let Err(WalkError::Inconsistent(why)) = union(vec![keys(&[5, 4])], 3) else {
            panic!("short union accepted");
        };
        assert!(why.contains("2 distinct keys"), "{why}");
    }
}
