//! Waiting out a rate limiter (SPEC §3b). Every gateway of the family limits `/api/*` per client
//! address over a sliding 180-second window and answers an empty 429 without `Retry-After`; only
//! time clears it, so such a 429 does not use up retries: the fetch pauses and keeps going.
//!
//! - The first such 429 puts the fetch in single file: from then on one request is in flight
//!   at a time (the [`Pacer::admit`] lane), for the rest of the run.
//! - Each 429 of a request sent after the latest pause began starts a new pause, 1 s at first
//!   and doubling up to the 180-second window. A 429 of a request sent before that pause (one
//!   of the same burst) waits for the pause already under way, so a burst costs one pause.
//! - Pauses add up against `--max-wait`; the last one is cut to what is left, and a 429 that
//!   finds nothing left ends the fetch ([`Spent`]).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex as Lane, MutexGuard};
use tokio::time::Instant;

/// The first pause.
pub const FIRST_PAUSE: Duration = Duration::from_secs(1);
/// The window of every gateway of the family; pauses grow no longer than this.
pub const RATE_LIMIT_WINDOW: Duration = Duration::from_secs(180);

/// The shared state of the rate-limit pauses of one fetch.
#[derive(Debug)]
pub(crate) struct Pacer {
    max_wait: Duration,
    limited: AtomicBool,
    lane: Lane<()>,
    pauses: Mutex<Pauses>,
}

#[derive(Debug)]
struct Pauses {
    /// When the latest pause began and when it ends.
    latest: Option<(Instant, Instant)>,
    next: Duration,
    waited: Duration,
}

/// A pause the fetch takes, as the caller reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pause {
    pub(crate) length: Duration,
    /// Waited in all, this pause included.
    pub(crate) waited: Duration,
}

/// The `--max-wait` budget was spent: what was waited in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spent {
    pub(crate) waited: Duration,
}

impl Pacer {
    pub(crate) fn new(max_wait: Duration) -> Pacer {
        Pacer {
            max_wait,
            limited: AtomicBool::new(false),
            lane: Lane::new(()),
            pauses: Mutex::new(Pauses {
                latest: None,
                next: FIRST_PAUSE,
                waited: Duration::ZERO,
            }),
        }
    }

    pub(crate) fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// Waits for the turn to send a request: at once until the first rate limit; after it,
    /// once no other request is in flight and the latest pause is over. The guard holds the
    /// turn until it is dropped.
    pub(crate) async fn admit(&self) -> Option<MutexGuard<'_, ()>> {
        if !self.limited.load(Ordering::Acquire) {
            return None;
        }
        let turn = self.lane.lock().await;
        let resume = self.lock().latest.map(|(_, end)| end);
        if let Some(end) = resume {
            tokio::time::sleep_until(end).await;
        }
        Some(turn)
    }

    /// Records a 429 without `Retry-After` for a request sent at `sent`. Returns the pause it
    /// starts (`None`: it joins the pause under way), or [`Spent`] when the budget is gone.
    pub(crate) fn on_rate_limited(&self, sent: Instant) -> Result<Option<Pause>, Spent> {
        self.limited.store(true, Ordering::Release);
        let mut pauses = self.lock();
        if pauses.latest.is_some_and(|(began, _)| sent < began) {
            return Ok(None);
        }
        let left = self.max_wait.saturating_sub(pauses.waited);
        if left.is_zero() {
            return Err(Spent {
                waited: pauses.waited,
            });
        }
        let length = pauses.next.min(left);
        let now = Instant::now();
        pauses.latest = Some((now, now + length));
        pauses.waited += length;
        pauses.next = (pauses.next * 2).min(RATE_LIMIT_WINDOW);
        Ok(Some(Pause {
            length,
            waited: pauses.waited,
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pauses> {
        self.pauses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn pauses_double_up_to_the_window_and_stop_at_the_budget() {
        let pacer = Pacer::new(Duration::from_secs(400));
        assert!(pacer.admit().await.is_none());
        let mut lengths = Vec::new();
        loop {
            let sent = Instant::now();
            match pacer.on_rate_limited(sent) {
                Ok(Some(pause)) => {
                    lengths.push(pause.length.as_secs());
                    tokio::time::advance(pause.length).await;
                }
                Ok(None) => panic!("a request sent after the pause joined it"),
                Err(spent) => {
                    assert_eq!(spent.waited, Duration::from_secs(400));
                    break;
                }
            }
        }
        assert_eq!(lengths, [1, 2, 4, 8, 16, 32, 64, 128, 145]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_costs_one_pause_and_then_requests_go_single_file() {
        let pacer = Pacer::new(Duration::from_secs(300));
        let burst = Instant::now();
        tokio::time::advance(Duration::from_millis(10)).await;
        let first = pacer.on_rate_limited(burst).unwrap().unwrap();
        assert_eq!(first.length, FIRST_PAUSE);
        assert_eq!(pacer.on_rate_limited(burst), Ok(None));
        let started = Instant::now();
        let turn = pacer.admit().await;
        assert!(turn.is_some());
        assert!(started.elapsed() >= Duration::from_millis(990));
        let second = pacer.on_rate_limited(Instant::now()).unwrap().unwrap();
        assert_eq!(second.length, Duration::from_secs(2));
        assert_eq!(second.waited, Duration::from_secs(3));
    }
}
