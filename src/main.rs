//! The `keylint` binary: parse the command line, run the library, print a failure as a miette
//! diagnostic, and map the outcome to the exit code (0 clean, 1 findings, 2 usage or
//! configuration error, 3 inventory not read completely).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use keylint::cli::{Cli, ColorChoice};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
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
                .width(100)
                .build(),
        )
    }));
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut io = keylint::Io {
        stdin: &mut stdin.lock(),
        stdout: &mut stdout.lock(),
        stderr: &mut stderr.lock(),
        stdout_is_terminal: std::io::stdout().is_terminal(),
    };
    match keylint::run(cli, &mut io) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            let code = failure.exit_code();
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{:?}", miette::Report::new(failure));
            }
            ExitCode::from(code)
        }
    }
}
