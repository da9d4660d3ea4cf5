//! When to try a request again and how long to wait: exponential backoff with full jitter,
//! `Retry-After` (seconds or HTTP date), and the shared concurrency limit that repeated 429s
//! with `Retry-After` halve and a rate limit without one (`super::pace`) sets to 1.
//!
//! Retried: 429, 500, 502, 503, 504, timeouts and connection errors. Never retried: 401, 403,
//! `success: false`, other 4xx, redirects and malformed bodies — trying again would not change
//! the answer, and a refused token should not be sent over and over.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

/// Retry timing: the backoff between attempts and between walks, and the longest `Retry-After`
/// honoured. The defaults suit a real gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first wait; each retry doubles it (full jitter: the wait is drawn
    /// uniformly from zero to the ceiling).
    pub base: Duration,
    /// The largest ceiling.
    pub cap: Duration,
    /// The longest `Retry-After` honoured; longer ones are cut to this.
    pub retry_after_cap: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            base: Duration::from_millis(200),
            cap: Duration::from_secs(10),
            retry_after_cap: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// The wait before retry number `retry` (0 for the first retry). A `Retry-After` from the
    /// server wins over the computed backoff.
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.retry_after_cap);
        }
        self.ceiling(retry).mul_f64(fastrand::f64())
    }

    /// The longest computed wait before retry number `retry`.
    pub(crate) fn ceiling(&self, retry: u32) -> Duration {
        self.base
            .saturating_mul(1u32.checked_shl(retry.min(30)).unwrap_or(u32::MAX))
            .min(self.cap)
    }
}

/// Whether an HTTP status is worth retrying.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Reads a `Retry-After` value: delay-seconds or an HTTP date (a date in the past means now).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The number of requests allowed in flight, shared by every page of a fetch. A 429 that
/// follows another 429 with no success in between halves it, down to 1; it never grows back
/// during a fetch.
#[derive(Debug)]
pub(crate) struct Governor {
    limit: AtomicUsize,
    streak: AtomicU32,
}

impl Governor {
    pub(crate) fn new(concurrency: usize) -> Governor {
        Governor {
            limit: AtomicUsize::new(concurrency.max(1)),
            streak: AtomicU32::new(0),
        }
    }

    /// Requests allowed in flight now.
    pub(crate) fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }

    /// A response that was not a 429 ends the streak.
    pub(crate) fn on_success(&self) {
        self.streak.store(0, Ordering::Relaxed);
    }

    /// Sets the limit to 1 (a rate limiter that only time clears); returns it when it was
    /// higher.
    pub(crate) fn lower_to_one(&self) -> Option<usize> {
        (self.limit.swap(1, Ordering::Relaxed) > 1).then_some(1)
    }

    /// Records a 429; returns the new limit when it was lowered.
    pub(crate) fn on_rate_limited(&self) -> Option<usize> {
        let streak = self.streak.fetch_add(1, Ordering::Relaxed) + 1;
        if streak < 2 {
            return None;
        }
        self.streak.store(0, Ordering::Relaxed);
        let old = self
            .limit
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| {
                (l > 1).then_some((l / 2).max(1))
            })
            .ok()?;
        Some((old / 2).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_within_the_cap_with_full_jitter() {
        let b = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1000),
            retry_after_cap: Duration::from_secs(5),
        };
        for retry in 0..40 {
            let ceiling = Duration::from_millis(100 * 2u64.pow(retry.min(10))).min(b.cap);
            for _ in 0..20 {
                assert!(b.delay(retry, None) <= ceiling);
            }
        }
        assert_eq!(
            b.delay(0, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            b.delay(0, Some(Duration::from_secs(3600))),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_694_400);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn repeated_429_halves_the_limit_down_to_one() {
        let g = Governor::new(8);
        assert_eq!(g.on_rate_limited(), None);
        g.on_success();
        assert_eq!(g.on_rate_limited(), None);
        assert_eq!(g.on_rate_limited(), Some(4));
        assert_eq!(g.on_rate_limited(), None);
        assert_eq!(g.on_rate_limited(), Some(2));
        g.on_rate_limited();
        assert_eq!(g.on_rate_limited(), Some(1));
        g.on_rate_limited();
        assert_eq!(g.on_rate_limited(), None);
        assert_eq!(g.limit(), 1);
        let g = Governor::new(4);
        assert_eq!(g.lower_to_one(), Some(1));
        assert_eq!(g.lower_to_one(), None);
        assert_eq!(g.limit(), 1);
    }

    #[test]
    fn retryable_statuses() {
        for s in [429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [400, 401, 403, 404, 501, 302] {
            assert!(!is_retryable_status(s));
        }
    }
}
