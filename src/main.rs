//! The `keylint` binary: parse the command line, run the library, print a failure as a miette
//! diagnostic, and map the outcome to the exit code (0 clean, 1 findings, 2 usage or
//! configuration error, 3 inventory not read completely).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use keylint::app::cli::{Cli, ColorChoice};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => {
            // --help and --version: stdout, exit 0.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            // A usage error quotes the command line, where a user may have pasted the token by
            // mistake (`--token=...`): never echo the configured token back.
            let text = redact(err.render().to_string(), configured_token().as_deref());
            #[allow(clippy::print_stderr)]
            {
                eprint!("{text}");
            }
            return ExitCode::from(2);
        }
    };
    let stderr_color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => keylint::use_color(ColorChoice::Auto, std::io::stderr().is_terminal()),
    };
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(stderr_color)
                .unicode(true)
                .terminal_links(false)
                .wrap_lines(false)
                .build(),
        )
    }));
    let token = configured_token();
    let stdin = std::io::stdin();
    let mut io = keylint::Io {
        stdin: &mut stdin.lock(),
        stdout: &mut Redacting {
            inner: std::io::stdout().lock(),
            secret: token.clone(),
        },
        stderr: &mut Redacting {
            inner: std::io::stderr().lock(),
            secret: token.clone(),
        },
        stdout_is_terminal: std::io::stdout().is_terminal(),
        stderr_is_terminal: std::io::stderr().is_terminal(),
    };
    match keylint::run(cli, &mut io) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            let code = failure.exit_code();
            let text = redact(
                format!("{:?}", miette::Report::new(failure)),
                token.as_deref(),
            );
            let _ = writeln!(io.stderr, "{text}");
            ExitCode::from(code)
        }
    }
}

/// The access token from the environment, if one is set: keylint's output must never show it,
/// even where a user pasted it into an argument by mistake.
fn configured_token() -> Option<String> {
    std::env::var("COMETAPI_ACCESS_TOKEN")
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

fn redact(text: String, secret: Option<&str>) -> String {
    match secret {
        Some(secret) if text.contains(secret) => text.replace(secret, "[redacted]"),
        _ => text,
    }
}

/// A stream that replaces the token wherever a single write contains it. keylint writes each
/// report and message with one `write_all`, so a token cannot straddle two writes.
struct Redacting<W> {
    inner: W,
    secret: Option<String>,
}

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &self.secret {
            Some(secret) if contains(buf, secret.as_bytes()) => {
                let text = String::from_utf8_lossy(buf).replace(secret.as_str(), "[redacted]");
                self.inner.write_all(text.as_bytes())?;
                Ok(buf.len())
            }
            _ => self.inner.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
