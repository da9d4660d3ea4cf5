//! How to fetch: the settings as given ([`FetchSettings`], the CLI's flags or a library
//! caller's values) and the one place they are checked, [`FetchOptions::new`], which reports
//! every problem at once. A [`FetchOptions`] is valid by construction, so nothing can fail for
//! a bad option once requests start.

use std::time::Duration;

use super::AccessToken;
use super::client::seconds;
use super::retry::Backoff;
use super::url::BaseUrl;
use crate::inventory::Dialect;

/// Keys per page the list API serves at most.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The most requests in flight keylint allows.
pub const MAX_CONCURRENCY: usize = 64;
/// The longest per-request timeout keylint allows.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
/// The most retries of one request keylint allows.
pub const MAX_RETRIES: u32 = 20;
/// The default `--max-wait`: longer than the rate-limit window of any gateway of the family.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(300);
/// The longest `--max-wait` keylint allows.
pub const MAX_MAX_WAIT: Duration = Duration::from_secs(24 * 3600);
/// The default bound on what one walk holds, in MiB (the `check --input` cap is the same).
pub const DEFAULT_MAX_INVENTORY_MIB: u64 = 512;

/// The fetch settings as given, before they are checked. [`FetchSettings::new`] gives the
/// defaults of SPEC §1; change fields with struct update syntax.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// The gateway's base URL, as typed.
    pub base_url: String,
    /// Allow a plain-http base URL that is not loopback.
    pub allow_insecure_http: bool,
    /// Sent as `New-Api-User: N` when set (self-hosted new-api requires it).
    pub user_id: Option<u64>,
    /// Keys per page, 1..=100.
    pub page_size: u32,
    /// Requests in flight at once, 1..=64; halved by repeated 429s.
    pub concurrency: usize,
    /// Per request, connection to last body byte; more than zero, at most an hour.
    pub timeout: Duration,
    /// Retries of one request after its first attempt, at most 20.
    pub retries: u32,
    /// The most pages a walk may need, at least 1; more is an error of the fetch.
    pub max_pages: u64,
    /// The most one walk may hold, in bytes, at least 1: the page bodies read plus the records
    /// kept from them. More is an error of the fetch.
    pub max_inventory_bytes: u64,
    /// Retry timing.
    pub backoff: Backoff,
    /// The dialect to speak (`--gateway NAME`); `None` detects it from the first answer.
    pub gateway: Option<Dialect>,
    /// The most the fetch may spend waiting out rate limits (429 without `Retry-After`), in
    /// all; at most a day.
    pub max_wait: Duration,
}

impl FetchSettings {
    /// The defaults of SPEC §1: page size 100, concurrency 4, timeout 30 s, 4 retries,
    /// 10,000 pages at most, 512 MiB of inventory at most, the dialect detected, 300 s of
    /// rate-limit waits at most.
    pub fn new(base_url: impl Into<String>) -> FetchSettings {
        FetchSettings {
            base_url: base_url.into(),
            allow_insecure_http: false,
            user_id: None,
            page_size: MAX_PAGE_SIZE,
            concurrency: 4,
            timeout: Duration::from_secs(30),
            retries: 4,
            max_pages: 10_000,
            max_inventory_bytes: DEFAULT_MAX_INVENTORY_MIB * 1024 * 1024,
            backoff: Backoff::default(),
            gateway: None,
            max_wait: DEFAULT_MAX_WAIT,
        }
    }
}

/// Checked fetch options; build them with [`FetchOptions::new`].
#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub(crate) base_url: BaseUrl,
    pub(crate) token: AccessToken,
    pub(crate) user_id: Option<u64>,
    pub(crate) page_size: u32,
    pub(crate) concurrency: usize,
    pub(crate) timeout: Duration,
    pub(crate) retries: u32,
    pub(crate) max_pages: u64,
    pub(crate) max_inventory_bytes: u64,
    pub(crate) backoff: Backoff,
    pub(crate) gateway: Option<Dialect>,
    pub(crate) max_wait: Duration,
}

/// Every problem of a set of fetch settings; each names the flag it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", problems.join("; "))]
pub struct InvalidOptions {
    pub problems: Vec<String>,
    /// Whether the base URL was among them.
    pub base_url_refused: bool,
}

impl FetchOptions {
    /// Checks every setting; the error lists every problem found, not only the first.
    pub fn new(
        settings: FetchSettings,
        token: AccessToken,
    ) -> Result<FetchOptions, InvalidOptions> {
        let base_url = BaseUrl::parse(&settings.base_url, settings.allow_insecure_http);
        let mut problems = Vec::new();
        if let Err(reason) = &base_url {
            problems.push(format!("refused --base-url: {reason}"));
        }
        problems.extend(range_problems(&settings));
        match base_url {
            Ok(base_url) if problems.is_empty() => Ok(FetchOptions {
                base_url,
                token,
                user_id: settings.user_id,
                page_size: settings.page_size,
                concurrency: settings.concurrency,
                timeout: settings.timeout,
                retries: settings.retries,
                max_pages: settings.max_pages,
                max_inventory_bytes: settings.max_inventory_bytes,
                backoff: settings.backoff,
                gateway: settings.gateway,
                max_wait: settings.max_wait,
            }),
            base_url => Err(InvalidOptions {
                problems,
                base_url_refused: base_url.is_err(),
            }),
        }
    }

    /// The gateway fetched.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base_url
    }

    /// How long one page's whole read may take, every retry and wait included: each attempt's
    /// timeout, the backoff ceilings between them, and one `Retry-After` cap. Longer means the
    /// gateway keeps the fetch waiting (repeated long `Retry-After`s), and the fetch fails.
    pub fn page_deadline(&self) -> Duration {
        let backoff: Duration = (0..self.retries).map(|r| self.backoff.ceiling(r)).sum();
        self.timeout
            .saturating_mul(self.retries.saturating_add(1))
            .saturating_add(backoff)
            .saturating_add(self.backoff.retry_after_cap)
    }
}

/// The settings outside their ranges, one message each.
fn range_problems(s: &FetchSettings) -> Vec<String> {
    let mut problems = Vec::new();
    if !(1..=MAX_PAGE_SIZE).contains(&s.page_size) {
        problems.push(format!(
            "--page-size must be 1..={MAX_PAGE_SIZE} (got {})",
            s.page_size
        ));
    }
    if !(1..=MAX_CONCURRENCY).contains(&s.concurrency) {
        problems.push(format!(
            "--concurrency must be 1..={MAX_CONCURRENCY} (got {})",
            s.concurrency
        ));
    }
    if s.timeout.is_zero() || s.timeout > MAX_TIMEOUT {
        problems.push(format!(
            "--timeout must be 1..={} seconds (got {})",
            MAX_TIMEOUT.as_secs(),
            seconds(s.timeout)
        ));
    }
    if s.retries > MAX_RETRIES {
        problems.push(format!(
            "--retries must be 0..={MAX_RETRIES} (got {})",
            s.retries
        ));
    }
    if s.max_wait > MAX_MAX_WAIT {
        problems.push(format!(
            "--max-wait must be 0..={} seconds (got {})",
            MAX_MAX_WAIT.as_secs(),
            seconds(s.max_wait)
        ));
    }
    if s.max_pages == 0 {
        problems.push("--max-pages must be at least 1".to_owned());
    }
    if s.max_inventory_bytes == 0 {
        problems.push("--max-inventory-mib must be at least 1".to_owned());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> AccessToken {
        AccessToken::new("t").unwrap()
    }

    #[test]
    fn defaults_are_valid() {
        let options =
            FetchOptions::new(FetchSettings::new("https://gw.example/"), token()).unwrap();
        assert_eq!(options.base_url().as_str(), "https://gw.example");
        assert!(!format!("{options:?}").contains("\"t\""));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let settings = FetchSettings {
            page_size: 101,
            concurrency: 0,
            timeout: Duration::ZERO,
            retries: 21,
            max_pages: 0,
            max_inventory_bytes: 0,
            ..FetchSettings::new("https://u:CANARY@gw.example")
        };
        let err = FetchOptions::new(settings, token()).unwrap_err();
        assert!(err.base_url_refused);
        let flags: Vec<&str> = err
            .problems
            .iter()
            .map(|p| p.split(' ').find(|w| w.starts_with("--")).unwrap())
            .collect();
        assert_eq!(
            flags,
            [
                "--base-url:",
                "--page-size",
                "--concurrency",
                "--timeout",
                "--retries",
                "--max-pages",
                "--max-inventory-mib"
            ]
        );
        assert!(!err.to_string().contains("CANARY"), "{err}");
    }

    #[test]
    fn the_page_deadline_covers_every_attempt_and_one_retry_after() {
        let settings = FetchSettings {
            timeout: Duration::from_secs(30),
            retries: 4,
            ..FetchSettings::new("https://gw.example")
        };
        let options = FetchOptions::new(settings, token()).unwrap();
        // 5 attempts of 30 s, backoff ceilings 0.2 + 0.4 + 0.8 + 1.6 s, one 60 s Retry-After.
        assert_eq!(options.page_deadline(), Duration::from_millis(213_000));
    }

    #[test]
    fn range_ends_are_accepted() {
        for settings in [
            FetchSettings {
                page_size: 1,
                concurrency: 1,
                timeout: Duration::from_millis(1),
                retries: 0,
                max_pages: 1,
                ..FetchSettings::new("https://gw.example")
            },
            FetchSettings {
                page_size: MAX_PAGE_SIZE,
                concurrency: MAX_CONCURRENCY,
                timeout: MAX_TIMEOUT,
                retries: MAX_RETRIES,
                max_pages: u64::MAX,
                ..FetchSettings::new("https://gw.example")
            },
        ] {
            assert!(FetchOptions::new(settings, token()).is_ok());
        }
        let over = FetchSettings {
            concurrency: MAX_CONCURRENCY + 1,
            ..FetchSettings::new("https://gw.example")
        };
        let err = FetchOptions::new(over, token()).unwrap_err();
        assert!(!err.base_url_refused);
        assert_eq!(err.problems, ["--concurrency must be 1..=64 (got 65)"]);
    }
}
