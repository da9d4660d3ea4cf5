//! Fake gateways of the new-api / one-api family for the fetch tests and the fetch benchmark:
//! a real HTTP/1.1 server on 127.0.0.1 (random port) serving `GET /api/token/` the way one
//! dialect of the family does ([`Dialect`], default [`Dialect::NewApi`], the CometAPI gateway),
//! with faults injected per request and an optional sliding-window rate limiter.
//!
//! Semantics common to every dialect: keys are listed newest first (id descending); a missing
//! `Authorization` is a 401; the token is accepted raw or after a `Bearer ` (the first one is
//! stripped, as the gateways do); a wrong token is HTTP 200 with `success: false` (HTTP 401 on
//! [`Dialect::OneApiLaisky`]). Paging, the response's shape, the records' fields and the user
//! header are the dialect's own: see [`Dialect`] and `../shared/api/GATEWAYS.md`.
//!
//! With the default dialect the gateway is the new-api one: `p` is 1-based (0 or missing is
//! page 1); the page size is `page_size` (falling back to `ps`, then `size`; 20 when none is
//! given) capped at [`Options::max_page_size`] (100, as the real endpoint); the answer is
//! `data: {page, page_size, total, items}` with `data.total` the number of keys; when
//! [`Options::user_id`] is set a missing or different `New-Api-User` is a 401.
//!
//! The server runs on its own thread with its own runtime, and stops when the [`FakeGateway`]
//! is dropped, or by itself after [`MAX_LIFETIME`] whatever happens to the test.
//!
//! Submodules: `client` (a blocking HTTP client for tests of the fake itself), `dialect`
//! (paging and envelopes per dialect), `records` (the key records each dialect serves),
//! `limit` (the rate limiter), `faults` (which faults apply and how they are answered),
//! `server` (the listener and the request handling).

#![allow(dead_code)]

// Explicit paths: a file included with `#[path]` resolves a plain `mod x;` next to itself
// (`tests/support/x.rs`), not in `fake_gateway/`.
#[path = "fake_gateway/client.rs"]
pub mod client;
#[path = "fake_gateway/dialect.rs"]
mod dialect;
#[path = "fake_gateway/faults.rs"]
mod faults;
#[path = "fake_gateway/limit.rs"]
mod limit;
#[path = "fake_gateway/records.rs"]
mod records;
#[path = "fake_gateway/server.rs"]
mod server;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::oneshot;

pub use dialect::Dialect;
pub use limit::RateLimit;

/// The token the gateway accepts. A canary: no output of keylint may contain any part of it.
pub const TOKEN: &str = "CANARYTOKEN-7f3a9c1e5b2d4086";
/// Every key value the gateway hands out starts with this canary.
pub const KEY_PREFIX: &str = "sk-CANARY";
/// The substring shared by every secret above, for "never in any output" assertions.
pub const CANARY: &str = "CANARY";

/// The server stops by itself after this long.
pub const MAX_LIFETIME: Duration = Duration::from_secs(300);

/// How the gateway behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Keys at start, ids `1..=keys` (ignored when [`Options::records`] is set).
    pub keys: u64,
    /// Serve masked key values (`sk-CANARY**********1234`) instead of full ones.
    pub masked: bool,
    /// The accepted token.
    pub token: String,
    /// When set, the dialect's user header (`New-Api-User`, or `Veloera-User` on Veloera)
    /// must carry this id. Dialects without a user header ignore it.
    pub user_id: Option<u64>,
    /// The server's cap on the page size. On new-api it is the cap; on the dialects that cap
    /// at 100 themselves (legacy, Veloera, laisky) it is a fork's lower cap on top of that;
    /// one-api always serves 10 per page.
    pub max_page_size: u64,
    /// Delay before every response.
    pub latency: Duration,
    /// The `message` of every successful page (the gateway sends `""`).
    pub message: Value,
    /// Faults, checked in order for every request.
    pub rules: Vec<Rule>,
    /// Bytes of filler in every successful page (a `padding` string the reader ignores: in
    /// `data` when `data` is an object, at the top level when it is a bare array).
    pub padding: usize,
    /// The dialect the gateway speaks.
    pub dialect: Dialect,
    /// one-api-laisky since 2026-07: records carry `uuid` / `user_uuid` and no integer
    /// `id` / `user_id`. Applies to generated records of every dialect.
    pub uuid_only: bool,
    /// Records served instead of generated ones, newest first. Each needs an integer `id`
    /// unless [`Options::uuid_only`]; [`Fault::CreateKey`] adds a generated record with the
    /// next id.
    pub records: Option<Vec<Value>>,
    /// A sliding-window limiter in front of every request.
    pub rate_limit: Option<RateLimit>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            keys: 0,
            masked: false,
            token: TOKEN.to_owned(),
            user_id: None,
            max_page_size: 100,
            latency: Duration::ZERO,
            message: json!(""),
            rules: Vec::new(),
            padding: 0,
            dialect: Dialect::NewApi,
            uuid_only: false,
            records: None,
            rate_limit: None,
        }
    }
}

impl Options {
    pub fn with_keys(keys: u64) -> Options {
        Options {
            keys,
            ..Options::default()
        }
    }

    /// Adds a fault for requests of `page` (`None`: any page): the first `skip` matching
    /// requests pass untouched, the next `times` get the fault. `page` is the page number as
    /// the dialect counts it in its own page parameter: 1-based on new-api (`p`) and one-hub
    /// (`page`), 0-based on new-api-legacy, Veloera, one-api and laisky (`p`), where page 0
    /// is the first.
    pub fn fault(mut self, page: Option<u64>, skip: usize, times: usize, fault: Fault) -> Options {
        self.rules.push(Rule {
            page,
            skip,
            times,
            fault,
        });
        self
    }
}

/// A fault applied to some requests.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The page number as the dialect counts it (see [`Options::fault`]); `None`: any page.
    pub page: Option<u64>,
    pub skip: usize,
    pub times: usize,
    pub fault: Fault,
}

/// `usize::MAX` as a rule's `times`: every matching request.
pub const ALWAYS: usize = usize::MAX;

#[derive(Debug, Clone)]
pub enum RetryAfter {
    Seconds(u64),
    /// An HTTP date this many seconds from the time of the response.
    DateIn(u64),
}

#[derive(Debug, Clone)]
pub enum Fault {
    /// An answer with this status and a JSON `{success:false,message}` body (empty body when
    /// `message` is `None`, like the gateway's 429).
    Status {
        status: u16,
        message: Option<String>,
        retry_after: Option<RetryAfter>,
    },
    /// HTTP 200 whose JSON, in the dialect's shape, stops halfway (the HTTP message itself is
    /// well framed).
    TruncatedJson,
    /// `Content-Length` announces the full page, half is sent, the connection is closed.
    DropMidBody,
    /// HTTP 200, `success: false`, this message.
    SuccessFalse(String),
    /// HTTP 200 with an HTML page.
    Html,
    /// A 302 to this location.
    Redirect(String),
    /// No answer for this long.
    Hang(Duration),
    /// A chunked HTTP 200 body of this many bytes.
    Oversized(usize),
    /// The page is served with the dialect's total (`data.total`, `data.total_count`, the
    /// top-level `total`) off by this much. Nothing on dialects without a total.
    TotalDelta(i64),
    /// The page is served with this total (dialects with a total only).
    Total(Value),
    /// The page is served without the dialect's total (dialects with a total only).
    NoTotal,
    /// After the page is served, a new key is created (it becomes the newest).
    CreateKey,
    /// After the page is served, the key in the middle of the list is deleted.
    DeleteKey,
    /// The page is served as if the request had no page parameter: the dialect's first page
    /// (echoed as such where the envelope echoes the page), whatever was asked.
    IgnorePageParam,
}

impl Fault {
    /// Faults that change the state after a normal answer, rather than the answer.
    fn is_mutation(&self) -> bool {
        matches!(self, Fault::CreateKey | Fault::DeleteKey)
    }
    /// Faults that change what a normal answer holds rather than replacing it.
    fn is_shaping(&self) -> bool {
        matches!(
            self,
            Fault::TotalDelta(_) | Fault::Total(_) | Fault::NoTotal | Fault::IgnorePageParam
        )
    }
}

/// One request as the gateway saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    /// Requests in flight when this one arrived, itself included.
    pub in_flight: usize,
    /// The rate limiter refused it (an empty 429).
    pub limited: bool,
}

/// One key the gateway holds: the id it is ordered by and the record it serves.
#[derive(Debug, Clone)]
struct Entry {
    /// The record's `id`; for records without one (`uuid_only`), the id it was generated
    /// from, or its rank from the oldest for hand-made records.
    id: u64,
    doc: Value,
}

struct State {
    /// Newest first.
    keys: Vec<Entry>,
    next_id: u64,
    requests: Vec<Recorded>,
    seen: Vec<usize>,
    window: limit::Window,
}

struct Shared {
    opts: Options,
    state: Mutex<State>,
    in_flight: AtomicUsize,
}

/// A running fake gateway. Dropping it stops the server.
pub struct FakeGateway {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeGateway {
    pub fn start(opts: Options) -> FakeGateway {
        let keys = records::initial(&opts);
        let next_id = keys.iter().map(|e| e.id).max().unwrap_or(0) + 1;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                keys,
                next_id,
                requests: Vec::new(),
                seen: vec![0; opts.rules.len()],
                window: limit::Window::new(opts.rate_limit),
            }),
            opts,
            in_flight: AtomicUsize::new(0),
        });
        let (addr, stop, thread) = server::spawn(Arc::clone(&shared));
        FakeGateway {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The dialect the gateway speaks.
    pub fn dialect(&self) -> Dialect {
        self.shared.opts.dialect
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.state.lock().unwrap().requests.clone()
    }

    /// How many requests the rate limiter refused so far.
    pub fn rate_limited(&self) -> usize {
        let state = self.shared.state.lock().unwrap();
        state.requests.iter().filter(|r| r.limited).count()
    }

    /// The body of a list response holding every key on one page, in the dialect's own
    /// shape, as the gateway would send it: what a user saves from the API to check with
    /// `--input`.
    pub fn list_body(&self) -> String {
        let state = self.shared.state.lock().unwrap();
        let docs: Vec<Value> = state.keys.iter().map(|e| e.doc.clone()).collect();
        dialect::list_body(&self.shared.opts, docs).to_string()
    }

    /// The records the gateway holds now, newest first, as it serves them.
    pub fn records(&self) -> Vec<Value> {
        let state = self.shared.state.lock().unwrap();
        state.keys.iter().map(|e| e.doc.clone()).collect()
    }

    /// The ids the gateway holds now, newest first (for records without an `id`, the ids
    /// they are ordered by).
    pub fn ids(&self) -> Vec<i64> {
        let state = self.shared.state.lock().unwrap();
        state
            .keys
            .iter()
            .map(|e| i64::try_from(e.id).expect("id fits i64"))
            .collect()
    }
}

impl Drop for FakeGateway {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
