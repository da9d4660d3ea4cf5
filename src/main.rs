//! The `keylint` binary: parse the command line, run the library over the standard streams
//! (scrubbed of the access tokens, [`keylint::text::scrub`]), print a failure as a miette
//! diagnostic, and map the outcome to the exit code (0 clean, 1 findings, 2 usage or
//! configuration error, 3 inventory not read completely).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use keylint::app::cli::{Cli, ColorChoice};
use keylint::app::shown::Shown;
use keylint::text::scrub::Scrubbing;

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
            // mistake (`--token=...`): never echo a configured token back, nor let a control
            // character of an argument reach the terminal.
            let scrubber = keylint::app::command_line_scrubber(std::env::args_os());
            let text = scrubber.scrub(&err.render().to_string()).into_owned();
            let text = keylint::text::escape::escape_lines(&text);
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
    let _ = miette::set_hook(Box::new(move |_| Box::new(failure_handler(stderr_color))));
    let scrubber = keylint::app::scrubber(Some(&cli));
    let stdin = std::io::stdin();
    let stdout_is_terminal = std::io::stdout().is_terminal();
    // A report on a terminal shows as it is written; redirected, it goes out in chunks.
    let mut stdout = if stdout_is_terminal {
        Scrubbing::line_by_line(std::io::stdout().lock(), &scrubber)
    } else {
        Scrubbing::new(std::io::stdout().lock(), &scrubber)
    };
    let mut io = keylint::Io {
        scrubber: &scrubber,
        stdin: &mut stdin.lock(),
        stdout: &mut stdout,
        stderr: &mut Scrubbing::line_by_line(std::io::stderr().lock(), &scrubber),
        stdout_is_terminal,
        stderr_is_terminal: std::io::stderr().is_terminal(),
    };
    match keylint::run(cli, &mut io) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            let code = failure.exit_code();
            // Escaped: the failure quotes values from files and the command line.
            let text = Shown::of(&failure).render(&failure_handler(stderr_color));
            let _ = writeln!(io.stderr, "{text}");
            ExitCode::from(code)
        }
    }
}

/// How keylint renders a failure on stderr.
fn failure_handler(color: bool) -> miette::MietteHandler {
    miette::MietteHandlerOpts::new()
        .color(color)
        .unicode(true)
        .terminal_links(false)
        .wrap_lines(false)
        .build()
}
