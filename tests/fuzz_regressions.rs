//! The fuzz targets' inputs on stable Rust: every committed seed (`fuzz/seeds/TARGET/`) and every
//! input a fuzzer found (`tests/fixtures/fuzz/TARGET-NAME`) through the body of its target
//! (`fuzz/src/lib.rs`, the same code the fuzzer runs), and each found input through the binary,
//! which must handle it without a panic.

#[path = "support/command.rs"]
mod command;
#[path = "../fuzz/src/lib.rs"]
mod targets;

use std::path::{Path, PathBuf};

/// What a fuzz target does with one input.
type TargetBody = fn(&[u8]);

/// The fuzz targets and their bodies.
const TARGETS: [(&str, TargetBody); 5] = [
    ("inventory", targets::inventory),
    ("list_page", targets::list_page),
    ("policy", targets::policy),
    ("baseline", targets::baseline),
    ("pipeline", targets::pipeline),
];

/// The files of a directory, sorted; none when it does not exist.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// The inputs the fuzzers found, under `tests/fixtures/fuzz/`.
fn found(target: &str) -> Vec<PathBuf> {
    let prefix = format!("{target}-");
    files_in(&command::root().join("tests/fixtures/fuzz"))
        .into_iter()
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(&prefix))
        })
        .collect()
}

#[test]
fn every_seed_and_found_input_replays_through_its_target() {
    for (target, body) in TARGETS {
        let seeds = files_in(&command::root().join("fuzz/seeds").join(target));
        assert!(!seeds.is_empty(), "no seeds for the {target} target");
        for path in seeds.iter().chain(&found(target)) {
            body(&std::fs::read(path).expect("the input reads"));
        }
    }
}

/// `check` on `input` the way the CLI reads the input of `target`: an inventory with
/// `--input`, a policy file with `--config`, a baseline with `--baseline`.
fn check_with(target: &str, input: &Path, format: &str) -> command::Outcome {
    let mut cmd = command::keylint_in(command::root());
    cmd.args(["check", "--now", command::NOW, "--format", format]);
    cmd.args(["--fail-on", "never", "--color", "never"]);
    match target {
        "policy" => cmd
            .arg("--input")
            .arg("examples/inventory.json")
            .arg("--config"),
        "baseline" => cmd
            .arg("--input")
            .arg("examples/inventory.json")
            .arg("--baseline"),
        _ => cmd.arg("--input"),
    };
    command::run_clean(cmd.arg(input), &[])
}

#[test]
fn every_found_input_runs_through_the_binary_without_a_panic() {
    for (target, _) in TARGETS {
        for path in found(target) {
            for format in ["human", "json"] {
                // `run_clean` fails on a panic.
                check_with(target, &path, format);
            }
        }
    }
}

#[test]
fn a_policy_error_past_column_65535_is_shown_at_its_line() {
    let path = command::root().join("fuzz/seeds/policy/long-line.toml");
    let outcome = check_with("policy", &path, "human");
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("unknown severity"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("long-line.toml:6:"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn values_of_65536_characters_and_more_reach_every_report() {
    let path = command::root().join("fuzz/seeds/pipeline/long-values.json");
    for format in [
        "human", "json", "sarif", "junit", "github", "gitlab", "markdown", "html",
    ] {
        let outcome = check_with("pipeline", &path, format);
        assert_eq!(outcome.code, 0, "{format}: {}", outcome.stderr);
        assert!(outcome.stdout.contains("dup"), "{format}: no key named dup");
    }
}
