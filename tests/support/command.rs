//! Running the `keylint` binary in tests: a scrubbed environment (nothing inherited but `PATH`:
//! no `COMETAPI_*`, `NO_COLOR` or terminal settings) and its outcome as text.

#![allow(dead_code)]

use std::path::Path;

use assert_cmd::Command;

/// The evaluation time of the CLI tests (`--now`).
pub const NOW: &str = "2026-11-26T12:00:00Z";

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The binary with a scrubbed environment, run from `dir`.
pub fn keylint_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("keylint").expect("binary builds");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(dir);
    cmd
}

/// What a command did.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a command to its end.
pub fn run(cmd: &mut Command) -> Outcome {
    let out = cmd.output().expect("runs");
    Outcome {
        code: out.status.code().expect("exited"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// Runs a command to its end and checks that no panic and none of `secrets` reached its output.
pub fn run_clean(cmd: &mut Command, secrets: &[&str]) -> Outcome {
    let outcome = run(cmd);
    for secret in secrets {
        assert!(
            !outcome.stdout.contains(secret) && !outcome.stderr.contains(secret),
            "a canary secret reached the output:\n{}\n{}",
            outcome.stdout,
            outcome.stderr
        );
    }
    assert!(!outcome.stderr.contains("panicked"), "{}", outcome.stderr);
    // Exit 101 is a panic: no input may cause one.
    assert_ne!(outcome.code, 101, "{}", outcome.stderr);
    outcome
}
