//! `keylint fetch` and the fetch flags shared with `check`: the options, the access token (from
//! `--token-file` or the environment, never a flag), and the fetch itself with what it shows on
//! stderr: the progress bar on a terminal and, with `-v`, one line per request and retry. A
//! rate-limit pause shows on the bar, or without a terminal as one line per pause (unless
//! `--quiet`).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Io;
use super::files::emit;
use crate::api::{self, FetchEvent, RequestOutcome};
use crate::app::cli::{ApiArgs, FetchArgs};
use crate::app::error::Failure;
use crate::inventory::{Inventory, snapshot};
use crate::report;
use crate::text::bounded;
use crate::text::scrub::Scrubber;

/// `keylint fetch`: the inventory from the API, written as a redacted snapshot.
pub(super) fn run(
    args: FetchArgs,
    quiet: bool,
    verbose: bool,
    io: &mut Io<'_>,
) -> Result<u8, Failure> {
    let options = fetch_options(&args.api, quiet, verbose, io)?;
    let inventory = fetch_from_api(&options, quiet, io)?;
    let mut bytes = Vec::new();
    snapshot::write_snapshot(&inventory, &mut bytes).map_err(|e| Failure::Output {
        path: "snapshot".into(),
        reason: e.to_string(),
    })?;
    emit(args.output.as_deref(), io, &bytes)?;
    Ok(0)
}

/// A checked fetch and how to show it.
pub(super) struct Fetch {
    options: api::FetchOptions,
    /// Draw a progress bar (stderr is a terminal and not quiet).
    progress: bool,
    /// Log each request and retry on stderr.
    verbose: bool,
}

/// Validates the fetch flags and reads the access token. Everything here is checked before any
/// request is sent, and every problem is a usage error (exit 2).
pub(super) fn fetch_options(
    args: &ApiArgs,
    quiet: bool,
    verbose: bool,
    io: &Io<'_>,
) -> Result<Fetch, Failure> {
    let token = read_token(args.token_file.as_deref())?;
    let settings = api::FetchSettings {
        base_url: args.base_url.clone(),
        allow_insecure_http: args.allow_insecure_http,
        user_id: args.user_id,
        page_size: args.page_size,
        concurrency: usize::from(args.concurrency),
        timeout: Duration::from_secs(args.timeout),
        retries: args.retries,
        max_pages: args.max_pages,
        max_inventory_bytes: args.max_inventory_mib.saturating_mul(1024 * 1024),
        backoff: api::Backoff::default(),
        gateway: args.gateway.dialect(),
        max_wait: Duration::from_secs(args.max_wait),
    };
    let options = api::FetchOptions::new(settings, token).map_err(|invalid| {
        let help = invalid.base_url_refused.then(|| {
            "use https; plain http is allowed for loopback hosts or with --allow-insecure-http"
                .to_owned()
        });
        Failure::usage(invalid.to_string(), help)
    })?;
    Ok(Fetch {
        options,
        progress: io.stderr_is_terminal && !quiet,
        verbose,
    })
}

/// The largest token file keylint reads.
const MAX_TOKEN_FILE_BYTES: u64 = 64 * 1024;

/// The access token: `--token-file`, else `COMETAPI_ACCESS_TOKEN`. Never a flag value.
fn read_token(token_file: Option<&Path>) -> Result<api::AccessToken, Failure> {
    let raw = match token_file {
        Some(path) => read_token_file(path)?,
        None => match env_token() {
            Ok(token) => token.unwrap_or_default(),
            Err(NotUnicode) => {
                return Err(Failure::usage(
                    "invalid access token: COMETAPI_ACCESS_TOKEN is not valid UTF-8",
                    Some("set COMETAPI_ACCESS_TOKEN to the personal access token itself".into()),
                ));
            }
        },
    };
    if raw.trim().is_empty() {
        return Err(Failure::usage(
            "no access token",
            Some("set COMETAPI_ACCESS_TOKEN or pass --token-file PATH (Console -> Personal Settings -> access token)".into()),
        ));
    }
    // The reason names what is wrong with the value, never the value.
    api::AccessToken::new(raw)
        .map_err(|reason| Failure::usage(format!("invalid access token: {reason}"), None))
}

fn read_token_file(path: &Path) -> Result<String, Failure> {
    bounded::read_text_file(path, MAX_TOKEN_FILE_BYTES).map_err(|e| {
        Failure::usage(
            format!("cannot read --token-file {}: {e}", path.display()),
            None,
        )
    })
}

/// `COMETAPI_ACCESS_TOKEN` holds bytes that are not UTF-8 (so not a token).
struct NotUnicode;

/// The environment's token, `None` when the variable is unset.
fn env_token() -> Result<Option<String>, NotUnicode> {
    match std::env::var("COMETAPI_ACCESS_TOKEN") {
        Ok(token) => Ok(Some(token)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(NotUnicode),
    }
}

/// Every access token this run may know: the environment's and the `--token-file`'s (an
/// unreadable file is reported where the token is needed, not here). Output is scrubbed of
/// all of them, whichever one a command uses.
pub(super) fn known_tokens(token_file: Option<&Path>) -> Vec<String> {
    let from_file = token_file.and_then(|path| read_token_file(path).ok());
    // A token that is not UTF-8 is refused before any request, so it cannot be echoed.
    let from_env = env_token().ok().flatten();
    from_env.into_iter().chain(from_file).collect()
}

/// Fetches the whole inventory, or fails with exit 3.
pub(super) fn fetch_from_api(
    fetch: &Fetch,
    quiet: bool,
    io: &mut Io<'_>,
) -> Result<Inventory, Failure> {
    let narrator = Arc::new(Narrator {
        bar: progress_bar(fetch.progress),
        verbose: fetch.verbose,
        wait_lines: !fetch.progress && !quiet,
        scrubber: io.scrubber.clone(),
    });
    let fetched = api::fetch_inventory(&fetch.options, narrator.clone());
    narrator.bar.finish_and_clear();
    let fetched = fetched?;
    if !quiet {
        let _ = writeln!(
            io.stderr,
            "keylint: fetched {} from {} ({}) in {} ({} requests)",
            report::plural(fetched.inventory.keys.len(), "key"),
            fetched.inventory.provenance.source,
            fetched.inventory.provenance.gateway,
            report::plural(usize::try_from(fetched.pages).unwrap_or(usize::MAX), "page"),
            fetched.requests
        );
    }
    Ok(fetched.inventory)
}

/// Shows a fetch on stderr: the progress bar, and the `-v` lines above it.
struct Narrator {
    bar: ProgressBar,
    verbose: bool,
    /// Write a line per rate-limit pause (no bar to show it, and not quiet).
    wait_lines: bool,
    /// The run's scrubber: these lines go to stderr beside the scrubbed stream, not through it.
    scrubber: Scrubber,
}

impl api::FetchObserver for Narrator {
    fn event(&self, event: FetchEvent<'_>) {
        match event {
            FetchEvent::WalkStarted { .. } => {
                self.bar.set_position(0);
                self.bar.set_length(1);
                self.bar.set_message("");
            }
            FetchEvent::PagesKnown { pages } => self.bar.set_length(pages),
            FetchEvent::PageRead => {
                self.bar.inc(1);
                // Without a total the length grows with the pages read.
                if self
                    .bar
                    .length()
                    .is_some_and(|len| self.bar.position() > len)
                {
                    self.bar.set_length(self.bar.position());
                }
            }
            FetchEvent::RecheckingFirstPage => self.bar.set_message("re-checking page 1"),
            FetchEvent::SecondPass => {
                self.bar.set_position(0);
                self.bar
                    .set_message("second pass (no total to check against)");
            }
            FetchEvent::RateLimited { .. } => {
                if let Some(line) = wait_line(&event) {
                    self.bar.set_message(line.clone());
                    if self.wait_lines && !self.verbose {
                        self.write_line(&line);
                    }
                }
            }
            _ => {}
        }
        if self.verbose
            && let Some(line) = log_line(&event)
        {
            self.write_line(&line);
        }
    }
}

impl Narrator {
    /// One `keylint: ` line on stderr, above the bar.
    fn write_line(&self, line: &str) {
        self.bar.suspend(|| {
            let line = self.scrubber.scrub(line);
            let _ = writeln!(std::io::stderr().lock(), "keylint: {line}");
        });
    }
}

/// What a rate-limit pause says: that the gateway is rate-limiting and how long keylint waits.
fn wait_line(event: &FetchEvent<'_>) -> Option<String> {
    let FetchEvent::RateLimited {
        page,
        wait,
        waited,
        max_wait,
    } = event
    else {
        return None;
    };
    Some(format!(
        "the gateway is rate-limiting (HTTP 429 at page {page}): waiting {} s before the next \
         request ({} s of --max-wait {} s used)",
        wait.as_secs_f64().ceil(),
        waited.as_secs_f64().ceil(),
        max_wait.as_secs()
    ))
}

/// The `-v` line of an event: method, path and query, outcome, duration; never a header.
fn log_line(event: &FetchEvent<'_>) -> Option<String> {
    Some(match event {
        FetchEvent::Request {
            path,
            outcome,
            elapsed,
        } => {
            let outcome = match outcome {
                RequestOutcome::Status(status) => status.to_string(),
                RequestOutcome::Timeout => "timeout".to_owned(),
                RequestOutcome::ConnectionError => "connection error".to_owned(),
                RequestOutcome::Rejected(Some(status)) => format!("{status} (rejected)"),
                RequestOutcome::Rejected(None) => "failed".to_owned(),
            };
            format!("GET {path} -> {outcome} in {} ms", elapsed.as_millis())
        }
        FetchEvent::Retry {
            page,
            retry,
            retries,
            delay,
        } => format!(
            "page {page}: retry {retry} of {retries} in {} ms",
            delay.as_millis()
        ),
        FetchEvent::ConcurrencyLowered { limit } => {
            format!("rate limited: concurrency lowered to {limit}")
        }
        FetchEvent::PageSizeFollowed { page_size, total } => format!(
            "page 1 holds {page_size} of {total} keys: the gateway serves {page_size} keys per page"
        ),
        FetchEvent::WalkRejected {
            walk,
            walks,
            reason,
        } => format!("walk {walk} of {walks} rejected: {reason}"),
        FetchEvent::RateLimited { .. } => return wait_line(event),
        FetchEvent::SecondPass => {
            "every page read; reading them again: without a total, two passes must agree".to_owned()
        }
        FetchEvent::WalkStarted { .. }
        | FetchEvent::PagesKnown { .. }
        | FetchEvent::PageRead
        | FetchEvent::RecheckingFirstPage => return None,
    })
}

fn progress_bar(enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("fetching keys {bar:30} {pos}/{len} pages {msg}")
    {
        bar.set_style(style);
    }
    bar
}
