//! The fake's rate limiter: a sliding window in front of every request, before
//! authentication, as every gateway of the family puts one in front of `/api/*`
//! (GATEWAYS.md §4; 180 requests per 180 s on new-api).
//!
//! A request is admitted when fewer than [`RateLimit::requests`] admitted requests happened
//! within the last [`RateLimit::window`]; otherwise it gets HTTP 429 with an empty body and no
//! `Retry-After`. Only admitted requests count against the window: a refused request is not
//! recorded, so it neither extends the wait nor uses up a slot. That is what new-api does with
//! both of its limiters (`common/rate-limit.go` `InMemoryRateLimiter.Request` appends a time
//! only when it admits; the Redis one, `common/limiter/lua/sliding_window_rate_limit.lua`,
//! pushes only on admission too). A request is forgotten exactly `window` after it was
//! admitted (the real limiters count whole seconds; this one counts time precisely).
//!
//! `requests: 0` refuses every request, a limiter that never clears (new-api reads a limit of
//! 0 as "no limit"; here it is the way to test a gateway that only ever says 429).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::MAX_LIFETIME;

/// A sliding-window limit: at most `requests` admitted requests within any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: usize,
    pub window: Duration,
}

impl RateLimit {
    /// The limit of the real new-api management API: 180 requests per 180 seconds.
    pub fn new_api() -> RateLimit {
        RateLimit {
            requests: 180,
            window: Duration::from_secs(180),
        }
    }

    /// A limiter that refuses every request for the whole life of the server.
    pub fn never_clears() -> RateLimit {
        RateLimit {
            requests: 0,
            window: MAX_LIFETIME,
        }
    }
}

/// The limiter's state: the admission times still inside the window, oldest first.
#[derive(Debug)]
pub(super) struct Window {
    limit: Option<RateLimit>,
    admitted: VecDeque<Instant>,
}

impl Window {
    pub(super) fn new(limit: Option<RateLimit>) -> Window {
        Window {
            limit,
            admitted: VecDeque::new(),
        }
    }

    /// Whether a request arriving at `now` is admitted; an admitted one is recorded.
    pub(super) fn admit(&mut self, now: Instant) -> bool {
        let Some(limit) = self.limit else {
            return true;
        };
        while self
            .admitted
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= limit.window)
        {
            self.admitted.pop_front();
        }
        if self.admitted.len() >= limit.requests {
            return false;
        }
        self.admitted.push_back(now);
        true
    }
}
