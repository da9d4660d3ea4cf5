//! Detection and the walk of a dialect with a total (SPEC §3, §3a).
//!
//! With `--gateway auto` the first request is the probe (`super::paging`), whose answer's
//! shape names the dialect; a new-api answer is its first page, any other dialect's walk
//! starts at its own first page. A pinned dialect starts there at once. Every answer must be
//! in the shape of the dialect spoken, or the fetch ends naming both.
//!
//! A dialect with a total (new-api, one-hub, one-api-laisky) reads its first page, then the
//! remaining pages with bounded concurrency, then the first page again; the walk is accepted
//! when:
//! - every page reports the same total as the first fetch of the first page (the re-fetch too);
//! - the re-fetch of the first page lists the same ids as the first fetch (new keys always land
//!   there; deletions change the total);
//! - the union of the ids of all pages has exactly `total` members, with no id on two pages.
//!
//! Otherwise it is repeated, [`WALKS`] times in all. A dialect without a total is walked by
//! `super::sweep`. `total` must be a non-negative integer, and the pages it implies must not
//! exceed `max_pages`; two consecutive pages listing the same keys mean the page parameter is
//! not read. Those are errors of the gateway, not a sign of churn, so they are not re-walked.
//!
//! Bounds: a walk holds at most `max_inventory_bytes`, counting each kept page's body and its
//! records (the bodies themselves are dropped as soon as they are parsed); one page's read,
//! retries included, ends by [`FetchOptions::page_deadline`]; rate-limit pauses, outside that
//! deadline, end by `--max-wait`. Neither is re-walked.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokio::task::JoinSet;

use super::client::Received;
use super::error::FetchError;
use super::observer::FetchEvent;
use super::pages::{Held, Shared, WalkError, check_pages_differ, fetch_page, prealloc};
use super::paging::{Speaking, probe_query};
use super::sweep::walk_untotalled;
use super::{FetchOptions, Fetched};
use crate::inventory::{Dialect, Inventory, KeyRecord, Provenance, Shape};
use crate::text::clock;

/// Walks in all before giving up on an inventory that keeps changing.
pub const WALKS: u32 = 3;

/// An accepted walk: the keys in page order, the pages read, the dialect spoken.
pub(crate) struct Walked {
    pub(crate) keys: Vec<KeyRecord>,
    pub(crate) pages: u64,
    pub(crate) speaking: Speaking,
}

/// Runs the walks. Called inside the runtime built by [`super::fetch_inventory`].
pub(crate) async fn fetch(
    opts: &FetchOptions,
    client: super::client::Client,
) -> Result<Fetched, FetchError> {
    let shared = Arc::new(Shared::new(opts, client));
    let mut speaking = opts.gateway.map(Speaking::Dialect);
    let mut reason = String::new();
    for walk in 1..=WALKS {
        let fetched_at = clock::format_timestamp(clock::now());
        shared.client.observe(FetchEvent::WalkStarted { walk });
        let attempt = match speaking {
            Some(known) => walk_as(&shared, known, None).await,
            None => detect_and_walk(&shared).await,
        };
        match attempt {
            Ok(walked) => {
                let provenance = Provenance {
                    source: opts.base_url.as_str().to_owned(),
                    pages: Some(walked.pages),
                    fetched_at: Some(fetched_at),
                    gateway: walked.speaking.dialect(),
                    gateway_named: true,
                    cidr_allowlists: crate::inventory::CidrSupport::Auto,
                };
                return Ok(Fetched {
                    inventory: Inventory {
                        provenance,
                        keys: walked.keys,
                    },
                    pages: walked.pages,
                    requests: shared.client.requests(),
                });
            }
            Err((WalkError::Fatal(e), _)) => return Err(e),
            Err((WalkError::Inconsistent(why), spoken)) => {
                speaking = spoken.or(speaking);
                shared.client.observe(FetchEvent::WalkRejected {
                    walk,
                    walks: WALKS,
                    reason: &why,
                });
                reason = why;
                if walk < WALKS {
                    tokio::time::sleep(shared.walk_pause(walk)).await;
                }
            }
        }
    }
    Err(FetchError::Incomplete {
        walks: WALKS,
        reason,
    })
}

/// A walk that failed, with the dialect it had found out by then (a rejected walk still
/// names the dialect the next one speaks).
type Failed = (WalkError, Option<Speaking>);

/// The first walk of `--gateway auto`: the probe names the dialect, then its walk.
async fn detect_and_walk(shared: &Arc<Shared>) -> Result<Walked, Failed> {
    let probe = fetch_page(shared, 1, &probe_query(shared.page_size))
        .await
        .map_err(|e| (e, None))?;
    let (speaking, first) = match probe.page.shape {
        Shape::Items => (Speaking::Dialect(Dialect::NewApi), Some(probe)),
        Shape::TotalCount => (Speaking::Dialect(Dialect::OneHub), None),
        Shape::ArrayWithTotal => (Speaking::Dialect(Dialect::OneApiLaisky), None),
        Shape::Array(Some(d)) => (Speaking::Dialect(d), None),
        Shape::Array(None) => (Speaking::UntotalledArray, None),
    };
    walk_as(shared, speaking, first)
        .await
        .map_err(|(e, spoken)| (e, spoken.or(Some(speaking))))
}

/// One walk in a known dialect; `first` is its first page when the probe was that page.
async fn walk_as(
    shared: &Arc<Shared>,
    speaking: Speaking,
    first: Option<Received>,
) -> Result<Walked, Failed> {
    if speaking.has_total() {
        walk_totalled(shared, speaking, first)
            .await
            .map_err(|e| (e, Some(speaking)))
    } else {
        walk_untotalled(shared, speaking).await
    }
}

/// One walk of a dialect with a total.
async fn walk_totalled(
    shared: &Arc<Shared>,
    speaking: Speaking,
    first: Option<Received>,
) -> Result<Walked, WalkError> {
    let base = speaking.first_page();
    let requested = speaking.page_size(shared.page_size);
    let first = match first {
        Some(first) => first,
        None => fetch_page(shared, base, &speaking.query(base, requested)).await?,
    };
    shared.check_shape(speaking, base, &first)?;
    let mut held = Held::new();
    held.keep(shared, &first)?;
    let first = first.page;
    let total = first.total.ok_or(FetchError::MissingTotal { page: base })?;
    let Ok(keys_total) = u64::try_from(total) else {
        return Err(FetchError::NegativeTotal { page: base, total }.into());
    };
    let page_size = effective_page_size(requested, keys_total, first.keys.len());
    if page_size != u64::from(requested) {
        shared
            .client
            .observe(FetchEvent::PageSizeFollowed { page_size, total });
    }
    let pages = keys_total.div_ceil(page_size).max(1);
    if pages > shared.max_pages {
        return Err(FetchError::TooManyPages {
            total,
            page_size,
            pages,
            max_pages: shared.max_pages,
        }
        .into());
    }
    shared.client.observe(FetchEvent::PagesKnown { pages });
    shared.client.observe(FetchEvent::PageRead);

    let walk = Walk {
        speaking,
        base,
        pages,
        requested,
        total,
    };
    let mut by_page: Vec<Vec<KeyRecord>> = Vec::with_capacity(prealloc(pages));
    let first_ids: HashSet<i64> = first.keys.iter().map(|k| k.id).collect();
    by_page.push(first.keys);
    by_page.extend(fetch_rest(shared, &walk, &mut held).await?);
    for (page, pair) in (base + 1..).zip(by_page.windows(2)) {
        check_pages_differ(speaking, page, &pair[0], &pair[1])?;
    }

    shared.client.observe(FetchEvent::RecheckingFirstPage);
    let again = fetch_page(shared, base, &speaking.query(base, requested)).await?;
    shared.check_shape(speaking, base, &again)?;
    check_total(base, base, again.page.total, total)?;
    let again_ids: HashSet<i64> = again.page.keys.iter().map(|k| k.id).collect();
    if again_ids != first_ids {
        return Err(WalkError::Inconsistent(format!(
            "page {base} listed different keys at the end of the walk than at its start (keys were created or deleted)"
        )));
    }

    let keys = union(by_page, base, keys_total)?;
    Ok(Walked {
        keys,
        pages,
        speaking,
    })
}

/// What the pages after the first of a walk with a total are asked for with.
struct Walk {
    speaking: Speaking,
    /// The number of the first page.
    base: u64,
    pages: u64,
    requested: u32,
    total: i64,
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

/// The pages after the first, at most `governor.limit()` in flight; returned in page order.
async fn fetch_rest(
    shared: &Arc<Shared>,
    walk: &Walk,
    held: &mut Held,
) -> Result<Vec<Vec<KeyRecord>>, WalkError> {
    let last = walk.base + walk.pages - 1;
    let mut results: HashMap<u64, Vec<KeyRecord>> = HashMap::with_capacity(prealloc(walk.pages));
    let mut next = walk.base + 1;
    let mut tasks = JoinSet::new();
    loop {
        while next <= last && tasks.len() < shared.governor.limit() {
            let shared = Arc::clone(shared);
            let page = next;
            let query = walk.speaking.query(page, walk.requested);
            tasks.spawn(async move { (page, fetch_page(&shared, page, &query).await) });
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
        shared.check_shape(walk.speaking, page, &received)?;
        held.keep(shared, &received)?;
        check_total(page, walk.base, received.page.total, walk.total)?;
        shared.client.observe(FetchEvent::PageRead);
        results.insert(page, received.page.keys);
    }
    Ok((walk.base + 1..=last)
        .map(|p| results.remove(&p).unwrap_or_default())
        .collect())
}

fn check_total(page: u64, base: u64, found: Option<i64>, expected: i64) -> Result<(), WalkError> {
    match found {
        None => Err(FetchError::MissingTotal { page }.into()),
        Some(t) if t != expected => Err(WalkError::Inconsistent(format!(
            "page {page} reports a total of {t} keys, page {base} reported {expected}"
        ))),
        Some(_) => Ok(()),
    }
}

/// Every key of the walk in page order (the first page numbered `base`), once each; exactly
/// `total` of them.
fn union(by_page: Vec<Vec<KeyRecord>>, base: u64, total: u64) -> Result<Vec<KeyRecord>, WalkError> {
    let mut seen: HashMap<i64, u64> = HashMap::with_capacity(prealloc(total));
    let mut keys = Vec::with_capacity(prealloc(total));
    for (page, page_keys) in (base..).zip(by_page) {
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
        let ok = union(vec![keys(&[5, 4]), keys(&[3])], 1, 3).ok().unwrap();
        assert_eq!(ok.iter().map(|k| k.id).collect::<Vec<_>>(), [5, 4, 3]);
        let Err(WalkError::Inconsistent(why)) = union(vec![keys(&[5, 4]), keys(&[4])], 1, 3) else {
            panic!("duplicate accepted");
        };
        assert!(
            why.contains("key id 4 is listed on page 1 and on page 2"),
            "{why}"
        );
        let Err(WalkError::Inconsistent(why)) = union(vec![keys(&[5, 4])], 1, 3) else {
            panic!("short union accepted");
        };
        assert!(why.contains("2 distinct keys"), "{why}");
    }
}
