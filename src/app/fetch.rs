//! `keylint fetch` and the fetch flags shared with `check`: the options, the access token (from
//! `--token-file` or the environment, never a flag), and the fetch itself.

use std::path::Path;

use super::Io;
use super::files::emit;
use crate::api;
use crate::app::cli::{ApiArgs, FetchArgs};
use crate::app::error::Failure;
use crate::inventory::{Inventory, snapshot};
use crate::report;
use crate::text::bounded;

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

/// Validates the fetch flags and reads the access token. Everything here is checked before any
/// request is sent, and every problem is a usage error (exit 2).
pub(super) fn fetch_options(
    args: &ApiArgs,
    quiet: bool,
    verbose: bool,
    io: &Io<'_>,
) -> Result<api::FetchOptions, Failure> {
    let base_url = api::validate_base_url(&args.base_url, args.allow_insecure_http)
        .map_err(|reason| {
            Failure::usage(
                format!("refused --base-url: {reason}"),
                Some("use https; plain http is allowed for loopback hosts or with --allow-insecure-http".into()),
            )
        })?;
    let token = read_token(args.token_file.as_deref())?;
    let options = api::FetchOptions {
        user_id: args.user_id,
        page_size: args.page_size,
        concurrency: usize::from(args.concurrency),
        timeout: std::time::Duration::from_secs(args.timeout),
        retries: args.retries,
        max_pages: args.max_pages,
        progress: io.stderr_is_terminal && !quiet,
        verbose,
        ..api::FetchOptions::new(base_url, token)
    };
    options
        .validate()
        .map_err(|reason| Failure::usage(reason, None))?;
    Ok(options)
}

/// The largest token file keylint reads.
const MAX_TOKEN_FILE_BYTES: u64 = 64 * 1024;

/// The access token: `--token-file`, else `COMETAPI_ACCESS_TOKEN`. Never a flag value.
fn read_token(token_file: Option<&Path>) -> Result<api::AccessToken, Failure> {
    let raw = match token_file {
        Some(path) => read_token_file(path)?,
        None => env_token().unwrap_or_default(),
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

fn env_token() -> Option<String> {
    std::env::var("COMETAPI_ACCESS_TOKEN").ok()
}

/// Every access token this run may know: the environment's and the `--token-file`'s (an
/// unreadable file is reported where the token is needed, not here). Output is scrubbed of
/// all of them, whichever one a command uses.
pub(super) fn known_tokens(token_file: Option<&Path>) -> Vec<String> {
    let from_file = token_file.and_then(|path| read_token_file(path).ok());
    env_token().into_iter().chain(from_file).collect()
}

/// Fetches the whole inventory, or fails with exit 3.
pub(super) fn fetch_from_api(
    options: &api::FetchOptions,
    quiet: bool,
    io: &mut Io<'_>,
) -> Result<Inventory, Failure> {
    let fetched = api::fetch_inventory(options)?;
    if !quiet {
        let _ = writeln!(
            io.stderr,
            "keylint: fetched {} from {} in {} ({} requests)",
            report::plural(fetched.inventory.keys.len(), "key"),
            fetched.inventory.provenance.source,
            report::plural(fetched.pages as usize, "page"),
            fetched.requests
        );
    }
    Ok(fetched.inventory)
}
