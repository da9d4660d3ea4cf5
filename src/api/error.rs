//! Why a fetch failed, in terms a user can act on: the page, the HTTP status, the server's own
//! message (sanitised) and a hint at the likely cause.
//!
//! Every text that came from the network (server messages, `Location` headers, transport error
//! descriptions) goes through [`crate::text::scrub::sanitize_message`] before it is stored in an
//! error: control and bidi characters are escaped, the length is capped, and anything that looks
//! like the access token or an API key is replaced by `[redacted]`. Our own texts never quote a
//! header value or a key.

use std::fmt;
use std::time::Duration;

use super::client::seconds;
use crate::inventory::Dialect;

/// The likely cause of a failure, shown as the diagnostic's help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// The gateway refused the access token (`success: false`, 401, 403).
    WrongToken,
    /// The gateway wants the `New-Api-User` header; `sent` says whether `--user-id` was given.
    UserId { sent: bool },
    /// The response was not the list API (an HTML page, a 404): the base URL is likely wrong.
    WrongBaseUrl,
    /// A 3xx: keylint does not follow redirects.
    Redirected,
    /// The gateway kept answering 429.
    RateLimited,
    /// Requests kept timing out.
    Timeout,
    /// The answers do not fit the dialect spoken: the gateway is another of the family.
    OtherDialect,
    /// The gateway rate-limited longer than `--max-wait` allowed.
    RateLimitWindow,
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Hint::WrongToken => {
                "check the access token: COMETAPI_ACCESS_TOKEN (or --token-file) must hold a \
                 personal access token (console: Personal Settings), sent as is, without `Bearer`"
            }
            Hint::UserId { sent: false } => {
                "this gateway requires a user header (New-Api-User, or Veloera-User on \
                 Veloera): pass --user-id N (or set COMETAPI_USER_ID) with the numeric id of \
                 the user the token belongs to"
            }
            Hint::UserId { sent: true } => {
                "--user-id must be the numeric id of the user the access token belongs to"
            }
            Hint::WrongBaseUrl => {
                "the response is not the list API's JSON: check that --base-url is the \
                 gateway's API origin (for CometAPI, https://api.cometapi.com), not a web page"
            }
            Hint::Redirected => {
                "keylint never follows redirects, so the token cannot travel to another origin; \
                 if the new location is the gateway, pass it as --base-url"
            }
            Hint::RateLimited => {
                "the gateway kept rate-limiting: lower --concurrency or retry later"
            }
            Hint::Timeout => {
                "the gateway is slow or unreachable: check the network, or raise --timeout"
            }
            Hint::OtherDialect => {
                "the gateway speaks another dialect of the family: run with --gateway auto to \
                 detect it, or pin the right one with --gateway new-api|new-api-legacy|one-api|\
                 one-hub|one-api-laisky (see the README's Gateways section)"
            }
            Hint::RateLimitWindow => {
                "the gateway limits its /api per client address over a 180-second window shared \
                 with its web UI and other jobs from this address: run again later, or raise \
                 --max-wait"
            }
        })
    }
}

/// A fetch that could not produce a complete, verified inventory. Every variant means exit 3.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The HTTP client could not be set up.
    #[error("could not start the HTTP client: {reason}")]
    Setup { reason: String },
    /// An HTTP status other than 200 and 3xx (after retries, for the retried ones).
    #[error("page {page}: HTTP {status}{}{}", attempts_note(*attempts), server_note(message))]
    Status {
        page: u64,
        status: u16,
        message: Option<String>,
        attempts: u32,
        hint: Option<Hint>,
    },
    /// A 3xx; the redirect was not followed.
    #[error(
        "page {page}: HTTP {status} redirect to {}, not followed",
        location.as_deref().map(|l| format!("\"{l}\"")).unwrap_or_else(|| "an unnamed location".to_owned())
    )]
    Redirect {
        page: u64,
        status: u16,
        location: Option<String>,
    },
    /// HTTP 200 with `success: false` (how this gateway family answers an invalid token).
    #[error("page {page}: the gateway refused the request (success: false{})", server_note(&Some(message.clone())))]
    ApiFailure {
        page: u64,
        message: String,
        hint: Option<Hint>,
    },
    /// HTTP 200 whose body is not a list-API page.
    #[error("page {page}: malformed response: {reason}")]
    Malformed {
        page: u64,
        reason: String,
        hint: Option<Hint>,
    },
    /// The body grew past the per-page cap.
    #[error("page {page}: the response body exceeds the {limit}-byte limit")]
    BodyTooLarge { page: u64, limit: u64 },
    /// Timeouts or connection failures, after retries.
    #[error("page {page}: {reason}{}", attempts_note(*attempts))]
    Network {
        page: u64,
        reason: String,
        attempts: u32,
        hint: Option<Hint>,
    },
    /// `data.total` is missing or not an integer: completeness cannot be checked.
    #[error(
        "page {page}: `data.total` is missing or not an integer, so completeness cannot be verified"
    )]
    MissingTotal { page: u64 },
    /// `data.total` is negative.
    #[error("page {page}: `data.total` is negative ({total})")]
    NegativeTotal { page: u64, total: i64 },
    /// More pages than `--max-pages` (or an absurd total).
    #[error(
        "the gateway reports {total} keys, {pages} pages of {page_size}: more than the limit of {max_pages} pages (--max-pages)"
    )]
    TooManyPages {
        total: i64,
        page_size: u64,
        pages: u64,
        max_pages: u64,
    },
    /// One page's read, retries and waits included, outlasted its deadline.
    #[error(
        "page {page}: no answer within the page's deadline of {} (each attempt's --timeout, \
         the backoff between --retries, and one Retry-After of at most {})",
        seconds(*deadline),
        seconds(*retry_after_cap)
    )]
    PageDeadline {
        page: u64,
        deadline: Duration,
        retry_after_cap: Duration,
    },
    /// The pages of a walk hold more than the inventory bound.
    #[error(
        "the inventory is larger than {} after {} (--max-inventory-mib)",
        size(*limit),
        crate::report::plural(usize::try_from(*pages).unwrap_or(usize::MAX), "page")
    )]
    InventoryTooLarge { limit: u64, pages: u64 },
    /// A page's shape is not the dialect spoken (pinned with `--gateway`, or detected from
    /// the first answer).
    #[error(
        "page {page}: the gateway answered with {found}, which is not the {dialect} dialect{}",
        if *pinned { " named by --gateway" } else { " detected from its first answer" }
    )]
    WrongDialect {
        page: u64,
        found: &'static str,
        dialect: Dialect,
        pinned: bool,
    },
    /// Two consecutive pages list the same keys: the page parameter is not read.
    #[error(
        "pages {} and {page} list the same keys: the gateway ignores the {dialect} dialect's \
         page parameter `{parameter}`, so its keys cannot be paged through",
        page - 1
    )]
    PageParameterIgnored {
        page: u64,
        dialect: Dialect,
        parameter: &'static str,
    },
    /// A dialect without a total still listed keys after `--max-pages` pages.
    #[error("the gateway still listed keys after {max_pages} pages (--max-pages)")]
    PageLimit { max_pages: u64 },
    /// 429s without `Retry-After` outlasted the `--max-wait` budget.
    #[error(
        "page {page}: the gateway is still rate-limiting (HTTP 429) after keylint waited {} in \
         all, the --max-wait budget of {}",
        seconds(*waited),
        seconds(*max_wait)
    )]
    RateLimited {
        page: u64,
        waited: Duration,
        max_wait: Duration,
    },
    /// The completeness checks failed on every walk.
    #[error(
        "the inventory could not be read consistently in {walks} walks (keys changing during the scan?): {reason}"
    )]
    Incomplete { walks: u32, reason: String },
}

/// A size in bytes as messages show it: whole MiB, else bytes.
fn size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" after {attempts} attempts")
    } else {
        String::new()
    }
}

fn server_note(message: &Option<String>) -> String {
    match message.as_deref() {
        Some(m) if !m.is_empty() => format!(", server message: \"{m}\""),
        _ => String::new(),
    }
}

impl FetchError {
    /// The process exit code for this error: always 3 (SPEC §2, "the inventory could not be read
    /// completely and correctly").
    pub fn exit_code(&self) -> u8 {
        3
    }

    /// The likely cause, when one is known.
    pub fn hint(&self) -> Option<Hint> {
        match self {
            FetchError::Status { hint, .. }
            | FetchError::ApiFailure { hint, .. }
            | FetchError::Malformed { hint, .. }
            | FetchError::Network { hint, .. } => *hint,
            FetchError::Redirect { .. } => Some(Hint::Redirected),
            FetchError::WrongDialect { .. } | FetchError::PageParameterIgnored { .. } => {
                Some(Hint::OtherDialect)
            }
            FetchError::RateLimited { .. } => Some(Hint::RateLimitWindow),
            _ => None,
        }
    }

    /// The page the failure happened on, when it is about one page.
    pub fn page(&self) -> Option<u64> {
        match self {
            FetchError::Status { page, .. }
            | FetchError::Redirect { page, .. }
            | FetchError::ApiFailure { page, .. }
            | FetchError::Malformed { page, .. }
            | FetchError::BodyTooLarge { page, .. }
            | FetchError::Network { page, .. }
            | FetchError::MissingTotal { page }
            | FetchError::NegativeTotal { page, .. }
            | FetchError::PageDeadline { page, .. }
            | FetchError::WrongDialect { page, .. }
            | FetchError::PageParameterIgnored { page, .. }
            | FetchError::RateLimited { page, .. } => Some(*page),
            _ => None,
        }
    }

    /// The HTTP status the failure came with, when there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } | FetchError::Redirect { status, .. } => {
                Some(*status)
            }
            FetchError::RateLimited { .. } => Some(429),
            FetchError::ApiFailure { .. }
            | FetchError::Malformed { .. }
            | FetchError::WrongDialect { .. } => Some(200),
            _ => None,
        }
    }
}

impl miette::Diagnostic for FetchError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let code = match self {
            FetchError::Setup { .. } => "keylint::fetch::setup",
            FetchError::Status { .. } => "keylint::fetch::http-status",
            FetchError::Redirect { .. } => "keylint::fetch::redirect",
            FetchError::ApiFailure { .. } => "keylint::fetch::api-failure",
            FetchError::Malformed { .. } => "keylint::fetch::malformed",
            FetchError::BodyTooLarge { .. } => "keylint::fetch::body-too-large",
            FetchError::Network { .. } => "keylint::fetch::network",
            FetchError::MissingTotal { .. } | FetchError::NegativeTotal { .. } => {
                "keylint::fetch::bad-total"
            }
            FetchError::TooManyPages { .. } => "keylint::fetch::too-many-pages",
            FetchError::PageDeadline { .. } => "keylint::fetch::page-deadline",
            FetchError::InventoryTooLarge { .. } => "keylint::fetch::inventory-too-large",
            FetchError::Incomplete { .. } => "keylint::fetch::incomplete",
            FetchError::WrongDialect { .. } => "keylint::fetch::wrong-dialect",
            FetchError::PageParameterIgnored { .. } => "keylint::fetch::page-parameter-ignored",
            FetchError::PageLimit { .. } => "keylint::fetch::too-many-pages",
            FetchError::RateLimited { .. } => "keylint::fetch::rate-limited",
        };
        Some(Box::new(code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.hint()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }
}

/// The hint for a refusal, from the server's message: a mention of the `New-Api-User` header or
/// a user id points at `--user-id`, anything else at the token.
pub(crate) fn refusal_hint(message: &str, user_id_sent: bool) -> Hint {
    let lower = message.to_lowercase();
    let about_user = [
        "new-api-user",
        "veloera-user",
        "user id",
        "user_id",
        "userid",
        "用户 id",
        "用户id",
    ]
    .iter()
    .any(|needle| lower.contains(needle));
    if about_user {
        Hint::UserId { sent: user_id_sent }
    } else {
        Hint::WrongToken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_hints() {
        assert_eq!(
            refusal_hint("无权进行此操作，未提供 New-Api-User", false),
            Hint::UserId { sent: false }
        );
        assert_eq!(
            refusal_hint("New-Api-User 与登录用户不匹配", true),
            Hint::UserId { sent: true }
        );
        assert_eq!(
            refusal_hint("无权进行此操作，access token 无效", false),
            Hint::WrongToken
        );
    }

    #[test]
    fn inventory_bounds_are_shown_in_their_unit() {
        let shown = |limit| FetchError::InventoryTooLarge { limit, pages: 1 }.to_string();
        assert_eq!(
            shown(512 * 1024 * 1024),
            "the inventory is larger than 512 MiB after 1 page (--max-inventory-mib)"
        );
        assert!(
            shown(1000).contains("larger than 1000 bytes"),
            "{}",
            shown(1000)
        );
    }

    #[test]
    fn every_error_exits_3() {
        let e = FetchError::Incomplete {
            walks: 3,
            reason: "x".into(),
        };
        assert_eq!(e.exit_code(), 3);
    }
}
