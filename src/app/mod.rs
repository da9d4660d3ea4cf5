//! The commands: flags, environment, files and the standard streams. This is the only code
//! that reads the environment or opens files named on the command line; everything below it
//! (policy, api, inventory, eval, report) is handed values and writes only to what it is given.

pub mod cli;
pub mod error;
pub mod shown;

mod check;
mod diff;
mod fetch;
mod files;
mod policy_files;
mod rules;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;

use clap::CommandFactory;

use crate::app::cli::{Cli, ColorChoice, Command, ListFormat};
use crate::app::error::Failure;
use crate::text::scrub::Scrubber;
use files::write_out;
use policy_files::{config, init, load};
use rules::find_rule;

pub use rules::{explain, rules_json, rules_markdown, rules_table};

/// The process's standard streams and what is known about them.
pub struct Io<'a> {
    /// The access tokens of the run ([`scrubber`]); every file a command writes is scrubbed of
    /// them. The streams must be scrubbed already ([`crate::text::scrub::Scrubbing`]).
    pub scrubber: &'a Scrubber,
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    /// Whether stdout is a terminal (for `--color auto`).
    pub stdout_is_terminal: bool,
    /// Whether stderr is a terminal (for the fetch progress bar).
    pub stderr_is_terminal: bool,
}

/// Runs one command; returns the exit code (0 or 1), or the failure that stopped it.
pub fn run(cli: Cli, io: &mut Io<'_>) -> Result<u8, Failure> {
    let color = use_color(cli.color, io.stdout_is_terminal);
    match cli.command {
        Command::Check(args) => check::run(*args, cli.quiet, cli.verbose, color, io),
        Command::Fetch(args) => fetch::run(*args, cli.quiet, cli.verbose, io),
        Command::Diff(args) => diff::run(&args, cli.quiet, io),
        Command::Rules(args) => {
            let policy = load(&args.policy)?;
            let text = match args.format {
                ListFormat::Human => rules_table(&policy),
                ListFormat::Json => rules_json(&policy),
                ListFormat::Markdown => rules_markdown(&policy),
            };
            write_out(io.stdout, &text)?;
            Ok(0)
        }
        Command::Explain(args) => {
            let policy = load(&args.policy)?;
            let rule = find_rule(&policy, &args.rule)?;
            write_out(io.stdout, &explain(rule))?;
            Ok(0)
        }
        Command::Config(args) => config(&args, io),
        Command::Init(args) => init(&args, cli.quiet, io),
        Command::Completions(args) => {
            clap_complete::generate(args.shell, &mut Cli::command(), "keylint", io.stdout);
            Ok(0)
        }
    }
}

/// The scrubber of a run: it knows the access token of the environment and, when the command
/// has one, the token in `--token-file`. Before the command line is parsed (`cli` is `None`),
/// only the environment's.
pub fn scrubber(cli: Option<&Cli>) -> Scrubber {
    let token_file = match cli.map(|cli| &cli.command) {
        Some(Command::Check(args)) => args.api.token_file.as_deref(),
        Some(Command::Fetch(args)) => args.api.token_file.as_deref(),
        _ => None,
    };
    Scrubber::new(fetch::known_tokens(token_file))
}

/// The scrubber for a command line that could not be parsed: the environment's token, and the
/// token in every file the arguments name after `--token-file` (`--token-file PATH` or
/// `--token-file=PATH`), so that a usage error never quotes either.
pub fn command_line_scrubber(args: impl IntoIterator<Item = OsString>) -> Scrubber {
    let mut token_files = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--token-file" {
            token_files.extend(args.next());
        } else if let Some(path) = arg
            .to_str()
            .and_then(|arg| arg.strip_prefix("--token-file="))
        {
            token_files.push(OsString::from(path));
        }
    }
    let mut scrubber = Scrubber::new(fetch::known_tokens(None));
    for path in token_files {
        for token in fetch::known_tokens(Some(Path::new(&path))) {
            scrubber.add(&token);
        }
    }
    scrubber
}

/// Whether to colour output on stdout: `--color`, then `NO_COLOR`, then whether it is a terminal.
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}
