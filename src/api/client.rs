//! One request for one page, and what its answer means: a page, a failure worth retrying, or a
//! failure that ends the fetch.
//!
//! The client sends only `GET {base}/api/token/?QUERY`, the query in the dialect's own paging
//! parameters (`super::paging`), with the token raw in `Authorization` (marked sensitive) and,
//! with `--user-id`, both user headers of the family (`New-Api-User`, and `Veloera-User`: the
//! two answer alike and each ignores the other's header). It never follows redirects, applies the per-request timeout
//! to the whole exchange including the body, and reads the body in chunks up to a cap that does
//! not trust `Content-Length`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Response, StatusCode};

use super::error::{FetchError, Hint, refusal_hint};
use super::observer::{FetchEvent, FetchObserver, RequestOutcome};
use super::retry::{is_retryable_status, parse_retry_after};
use super::url::BaseUrl;
use super::{AccessToken, FetchOptions};
use crate::inventory::{InventoryError, Page, parse_page};
use crate::text::scrub::sanitize_message;

/// The largest body read for one page.
pub const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("keylint/", env!("CARGO_PKG_VERSION"));

/// One page as received: its parsed records (the body itself is dropped once parsed) and the
/// size of the body they came from.
pub(crate) struct Received {
    pub(crate) page: Page,
    pub(crate) body_bytes: u64,
}

/// A failed attempt at one page.
pub(crate) enum Failure {
    /// Worth another try (429, 5xx from the retried set, timeout, connection error).
    Transient(Transient),
    /// Ends the fetch.
    Fatal(FetchError),
}

/// A failure worth retrying, with what is needed to report it if the retries run out.
pub(crate) struct Transient {
    pub(crate) kind: TransientKind,
    /// The server's `Retry-After`, when it sent one.
    pub(crate) retry_after: Option<Duration>,
}

pub(crate) enum TransientKind {
    Status {
        status: u16,
        message: Option<String>,
    },
    Timeout,
    Connection(String),
}

impl Transient {
    pub(crate) fn is_rate_limit(&self) -> bool {
        matches!(self.kind, TransientKind::Status { status: 429, .. })
    }

    /// The error reported when no retry is left.
    pub(crate) fn into_error(self, page: u64, attempts: u32, timeout: Duration) -> FetchError {
        match self.kind {
            TransientKind::Status { status, message } => FetchError::Status {
                page,
                status,
                message,
                attempts,
                hint: (status == 429).then_some(Hint::RateLimited),
            },
            TransientKind::Timeout => FetchError::Network {
                page,
                reason: format!("timed out after {}", seconds(timeout)),
                attempts,
                hint: Some(Hint::Timeout),
            },
            TransientKind::Connection(reason) => FetchError::Network {
                page,
                reason,
                attempts,
                hint: None,
            },
        }
    }
}

/// The HTTP side of a fetch: one connection pool, the request headers, the observer.
pub(crate) struct Client {
    http: reqwest::Client,
    base: BaseUrl,
    token: AccessToken,
    user_id_sent: bool,
    timeout: Duration,
    observer: Arc<dyn FetchObserver>,
    requests: AtomicU64,
}

/// What the head of a response says besides its status.
struct Head {
    retry_after: Option<Duration>,
    is_html: bool,
}

impl Head {
    fn of(response: &Response) -> Head {
        let text = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        Head {
            retry_after: text(header::RETRY_AFTER)
                .and_then(|v| parse_retry_after(v, SystemTime::now())),
            is_html: text(header::CONTENT_TYPE)
                .is_some_and(|v| v.to_ascii_lowercase().contains("html")),
        }
    }
}

impl Client {
    pub(crate) fn new(
        opts: &FetchOptions,
        observer: Arc<dyn FetchObserver>,
    ) -> Result<Client, FetchError> {
        install_crypto_provider();
        let mut headers = HeaderMap::new();
        // `AccessToken::new` admits only visible ASCII, which a header always carries.
        let mut auth =
            HeaderValue::from_str(opts.token.expose_secret()).map_err(|_| FetchError::Setup {
                reason: "the access token holds characters an HTTP header cannot carry".to_owned(),
            })?;
        auth.set_sensitive(true);
        headers.insert(header::AUTHORIZATION, auth);
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(id) = opts.user_id {
            headers.insert("New-Api-User", HeaderValue::from(id));
            headers.insert("Veloera-User", HeaderValue::from(id));
        }
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout.min(Duration::from_secs(10)))
            .referer(false)
            .build()
            .map_err(|e| FetchError::Setup {
                reason: sanitize_message(&error_chain(&e), &[]),
            })?;
        Ok(Client {
            http,
            base: opts.base_url.clone(),
            token: opts.token.clone(),
            user_id_sent: opts.user_id.is_some(),
            timeout: opts.timeout,
            observer,
            requests: AtomicU64::new(0),
        })
    }

    /// HTTP requests sent so far.
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Reports one step of the fetch to the caller's observer.
    pub(crate) fn observe(&self, event: FetchEvent<'_>) {
        self.observer.event(event);
    }

    /// One attempt at page `page`, asked for with `query`.
    pub(crate) async fn get_page(&self, page: u64, query: &str) -> Result<Received, Failure> {
        let url = self.base.list_url(query);
        let started = Instant::now();
        self.requests.fetch_add(1, Ordering::Relaxed);
        let outcome = self.exchange(page, &url).await;
        self.observe(FetchEvent::Request {
            path: &url[self.base.as_str().len()..],
            outcome: request_outcome(&outcome),
            elapsed: started.elapsed(),
        });
        outcome
    }

    async fn exchange(&self, page: u64, url: &str) -> Result<Received, Failure> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| Failure::Transient(transport_failure(&e)))?;
        let status = response.status();
        let head = Head::of(&response);
        if status.is_redirection() {
            let location = response
                .headers()
                .get(header::LOCATION)
                .map(|v| sanitize_message(&String::from_utf8_lossy(v.as_bytes()), &self.secrets()));
            return Err(Failure::Fatal(FetchError::Redirect {
                page,
                status: status.as_u16(),
                location,
            }));
        }
        let body = self.read_body(page, response).await?;
        if status != StatusCode::OK {
            return Err(self.refusal(page, status.as_u16(), head, &body));
        }
        if head.is_html || looks_like_html(&body) {
            return Err(Failure::Fatal(FetchError::Malformed {
                page,
                reason: "the body is an HTML page, not JSON".to_owned(),
                hint: Some(Hint::WrongBaseUrl),
            }));
        }
        let body_bytes = u64::try_from(body.len()).unwrap_or(u64::MAX);
        let parsed = parse_page(&body, &self.secrets());
        drop(body);
        let page = parsed.map_err(|e| match e {
            // The envelope reader has sanitised the message.
            InventoryError::ApiFailure { message } => Failure::Fatal(FetchError::ApiFailure {
                page,
                hint: Some(refusal_hint(&message, self.user_id_sent)),
                message,
            }),
            // InventoryError messages never quote document values.
            e => Failure::Fatal(FetchError::Malformed {
                page,
                reason: e.to_string(),
                hint: None,
            }),
        })?;
        Ok(Received { page, body_bytes })
    }

    /// What an answer other than 200 and 3xx means: worth a retry, or the end of the fetch.
    fn refusal(&self, page: u64, status: u16, head: Head, body: &[u8]) -> Failure {
        let message = server_message(body).map(|m| sanitize_message(&m, &self.secrets()));
        if is_retryable_status(status) {
            return Failure::Transient(Transient {
                kind: TransientKind::Status { status, message },
                retry_after: head.retry_after,
            });
        }
        let hint = match status {
            401 | 403 => Some(refusal_hint(
                message.as_deref().unwrap_or(""),
                self.user_id_sent,
            )),
            404 | 405 => Some(Hint::WrongBaseUrl),
            _ if head.is_html || looks_like_html(body) => Some(Hint::WrongBaseUrl),
            _ => None,
        };
        Failure::Fatal(FetchError::Status {
            page,
            status,
            message,
            attempts: 1,
            hint,
        })
    }

    /// Reads the body in chunks, failing as soon as it passes [`MAX_BODY_BYTES`].
    async fn read_body(&self, page: u64, mut response: Response) -> Result<Vec<u8>, Failure> {
        let too_large = || {
            Failure::Fatal(FetchError::BodyTooLarge {
                page,
                limit: MAX_BODY_BYTES,
            })
        };
        let announced = response.content_length();
        if announced.is_some_and(|len| len > MAX_BODY_BYTES) {
            return Err(too_large());
        }
        // The announced length only sizes the first allocation; the cap is enforced on what
        // actually arrives.
        let first = announced.unwrap_or(0).min(1 << 20);
        let mut body = Vec::with_capacity(usize::try_from(first).unwrap_or(0));
        loop {
            let chunk = response
                .chunk()
                .await
                .map_err(|e| Failure::Transient(transport_failure(&e)))?;
            let Some(chunk) = chunk else {
                return Ok(body);
            };
            if u64::try_from(body.len() + chunk.len()).map_or(true, |len| len > MAX_BODY_BYTES) {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
    }

    fn secrets(&self) -> [&str; 1] {
        [self.token.expose_secret()]
    }
}

/// The outcome of one request as the observer sees it.
fn request_outcome(outcome: &Result<Received, Failure>) -> RequestOutcome {
    match outcome {
        Ok(_) => RequestOutcome::Status(200),
        Err(Failure::Transient(t)) => match &t.kind {
            TransientKind::Status { status, .. } => RequestOutcome::Status(*status),
            TransientKind::Timeout => RequestOutcome::Timeout,
            TransientKind::Connection(_) => RequestOutcome::ConnectionError,
        },
        Err(Failure::Fatal(e)) => RequestOutcome::Rejected(e.status()),
    }
}

/// reqwest needs a process-wide rustls crypto provider when built without its default one.
/// Installing fails harmlessly when the embedding program has installed one already.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A transport failure (no usable response): a timeout, or a connection-level error.
fn transport_failure(err: &reqwest::Error) -> Transient {
    let kind = if err.is_timeout() {
        TransientKind::Timeout
    } else {
        TransientKind::Connection(sanitize_message(&describe_transport(err), &[]))
    };
    Transient {
        kind,
        retry_after: None,
    }
}

/// A short description of a transport error: its innermost causes, without the request URL
/// that reqwest's own message starts with.
fn describe_transport(err: &reqwest::Error) -> String {
    let what = if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "the connection failed while reading the response"
    } else {
        "the request failed"
    };
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !causes.contains(&text) {
            causes.push(text);
        }
        source = cause.source();
    }
    match causes.last() {
        Some(cause) => format!("{what}: {cause}"),
        None => what.to_owned(),
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The server's explanation in an error body: `message` (this gateway family), else `error`,
/// `detail` or `title` (problem+json); an HTML page yields nothing; a short plain-text body is
/// taken as is.
fn server_message(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        message: Option<serde_json::Value>,
        error: Option<serde_json::Value>,
        detail: Option<serde_json::Value>,
        title: Option<serde_json::Value>,
    }
    fn text(v: Option<serde_json::Value>) -> Option<String> {
        match v? {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s),
            serde_json::Value::Object(mut o) => text(o.remove("message")),
            _ => None,
        }
    }
    if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) {
        return text(parsed.message)
            .or_else(|| text(parsed.error))
            .or_else(|| text(parsed.detail))
            .or_else(|| text(parsed.title));
    }
    if looks_like_html(body) || body.len() > 1024 {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    start.is_some_and(|i| body[i] == b'<')
}

/// A duration as messages show it: whole seconds, else milliseconds.
pub(super) fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages() {
        assert_eq!(
            server_message(br#"{"success":false,"message":"no"}"#).as_deref(),
            Some("no")
        );
        assert_eq!(
            server_message(br#"{"error":{"message":"rate limited"}}"#).as_deref(),
            Some("rate limited")
        );
        assert_eq!(
            server_message(br#"{"title":"Invalid security scheme used","status":401}"#).as_deref(),
            Some("Invalid security scheme used")
        );
        assert_eq!(
            server_message(b"Too Many Requests\n").as_deref(),
            Some("Too Many Requests")
        );
        assert_eq!(server_message(b"  <html><body>502</body></html>"), None);
        assert_eq!(server_message(b""), None);
    }

    #[test]
    fn user_agent_names_the_version() {
        assert!(USER_AGENT.starts_with("keylint/"));
        assert_eq!(seconds(Duration::from_secs(30)), "30 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1500 ms");
    }
}
