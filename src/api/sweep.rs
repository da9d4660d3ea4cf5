//! The walk of a dialect without a total (new-api-legacy, one-api; SPEC §3a): nothing says how
//! many keys there are, so completeness rests on reading the list twice.
//!
//! A pass reads pages from the dialect's first (0) until the first empty page, a batch of
//! `governor.limit()` consecutive pages at a time; pages past the end come back empty and are
//! harmless. A short page is not taken as the end: a fork may cap the page size below what
//! was asked, so the pass pays the one extra request. Within a pass, ids must be strictly
//! decreasing (the family lists newest first); two consecutive pages with the same ids mean the
//! page parameter is not read, which ends the fetch.
//!
//! The walk is accepted when a second pass lists the same ids in the same order; otherwise it
//! is inconsistent (keys created or deleted during the scan) and walked again.

use std::sync::Arc;

use tokio::task::JoinSet;

use super::client::Received;
use super::error::FetchError;
use super::observer::FetchEvent;
use super::pages::{Held, Shared, WalkError, check_pages_differ, fetch_page, ids};
use super::paging::Speaking;
use super::walk::Walked;
use crate::inventory::KeyRecord;

/// One walk: two passes that must agree. The error carries the dialect found out by then.
pub(crate) async fn walk_untotalled(
    shared: &Arc<Shared>,
    speaking: Speaking,
) -> Result<Walked, (WalkError, Option<Speaking>)> {
    let mut speaking = speaking;
    let mut held = Held::new();
    let first = pass(shared, &mut speaking, &mut held)
        .await
        .map_err(|e| (e, Some(speaking)))?;
    shared.client.observe(FetchEvent::SecondPass);
    let second = pass(shared, &mut speaking, &mut held)
        .await
        .map_err(|e| (e, Some(speaking)))?;
    if ids(&first.keys) != ids(&second.keys) {
        let why = "the second pass listed different keys than the first (keys were created or \
                   deleted during the scan)";
        return Err((WalkError::Inconsistent(why.to_owned()), Some(speaking)));
    }
    Ok(Walked {
        keys: first.keys,
        pages: first.pages,
        speaking,
    })
}

/// One pass: every key up to the first empty page, and the pages read (that one included).
struct Pass {
    keys: Vec<KeyRecord>,
    pages: u64,
}

async fn pass(
    shared: &Arc<Shared>,
    speaking: &mut Speaking,
    held: &mut Held,
) -> Result<Pass, WalkError> {
    let base = speaking.first_page();
    let mut keys: Vec<KeyRecord> = Vec::new();
    let mut previous: Vec<KeyRecord> = Vec::new();
    let mut next = base;
    loop {
        let batch = u64::try_from(shared.governor.limit()).unwrap_or(1).max(1);
        for (page, received) in fetch_batch(shared, *speaking, next, batch).await? {
            *speaking = shared.check_shape(*speaking, page, &received)?;
            held.keep(shared, &received)?;
            shared.client.observe(FetchEvent::PageRead);
            let this = received.page.keys;
            if this.is_empty() {
                return Ok(Pass {
                    keys,
                    pages: page - base + 1,
                });
            }
            check_pages_differ(*speaking, page, &previous, &this)?;
            check_descending(page, keys.last(), &this)?;
            if page - base + 1 >= shared.max_pages {
                return Err(WalkError::Fatal(FetchError::PageLimit {
                    max_pages: shared.max_pages,
                }));
            }
            keys.extend(this.iter().cloned());
            previous = this;
        }
        next += batch;
    }
}

/// Pages `first..first + count`, concurrently, in page order.
async fn fetch_batch(
    shared: &Arc<Shared>,
    speaking: Speaking,
    first: u64,
    count: u64,
) -> Result<Vec<(u64, Received)>, WalkError> {
    let size = speaking.page_size(shared.page_size);
    let mut tasks = JoinSet::new();
    for page in first..first + count {
        let shared = Arc::clone(shared);
        let query = speaking.query(page, size);
        tasks.spawn(async move { (page, fetch_page(&shared, page, &query).await) });
    }
    let mut pages = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (page, result) = joined.map_err(|e| {
            WalkError::Fatal(FetchError::Setup {
                reason: format!("a page task failed: {e}"),
            })
        })?;
        pages.push((page, result?));
    }
    pages.sort_by_key(|(page, _)| *page);
    Ok(pages)
}

/// Ids strictly decreasing within page `page` and from the last key of the pages before it.
fn check_descending(
    page: u64,
    before: Option<&KeyRecord>,
    this: &[KeyRecord],
) -> Result<(), WalkError> {
    let mut last = before.map(|k| k.id);
    for key in this {
        if let Some(previous) = last
            && key.id >= previous
        {
            return Err(WalkError::Inconsistent(format!(
                "page {page}: key id {} follows key id {previous}, but the list runs newest \
                 first (keys shifted between pages)",
                key.id
            )));
        }
        last = Some(key.id);
    }
    Ok(())
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
    fn ids_must_decrease_strictly_across_pages() {
        assert!(check_descending(0, None, &keys(&[9, 8, 7])).is_ok());
        let last = keys(&[7]);
        assert!(check_descending(1, last.first(), &keys(&[6, 5])).is_ok());
        let Err(WalkError::Inconsistent(why)) = check_descending(1, last.first(), &keys(&[7, 6]))
        else {
            panic!("a repeated id accepted");
        };
        assert!(why.contains("page 1: key id 7 follows key id 7"), "{why}");
        assert!(check_descending(0, None, &keys(&[3, 4])).is_err());
    }
}
