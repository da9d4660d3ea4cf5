//! Secrets never leave keylint: inventories whose `key` values are canaries, run through every
//! command, format and error path at every verbosity, must not show any part of a canary; the
//! access token (a canary too) must not appear either. Untrusted text must reach the terminal
//! with its control characters escaped.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A distinctive part of every key value in the fixtures.
const KEY_CANARY: &str = "CANARYKEYVALUE";
const TOKEN_CANARY: &str = "TOKEN-CANARY-7d1e";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn outputs(args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("keylint")
        .unwrap()
        .env_clear()
        .env(
            "COMETAPI_ACCESS_TOKEN",
            format!("tok-{TOKEN_CANARY}-secret"),
        )
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap(), text)
}

fn assert_clean(args: &[&str], text: &str) {
    assert!(
        !text.contains(KEY_CANARY),
        "{args:?} leaked a key value:\n{text}"
    );
    assert!(
        !text.contains("sk-"),
        "{args:?} printed something key-like:\n{text}"
    );
    assert!(
        !text.contains(TOKEN_CANARY),
        "{args:?} leaked the token:\n{text}"
    );
}

#[test]
fn no_canary_in_any_output() {
    let dir = tempfile::tempdir().unwrap();
    for input in [
        "hostile.json",
        "missing-id.json",
        "truncated.json",
        "api-failure.json",
    ] {
        let path = fixture(input);
        let path = path.to_str().unwrap();
        for format in ["human", "json", "sarif", "github", "markdown", "junit"] {
            for verbosity in [&[][..], &["-v"][..], &["-q"][..]] {
                let mut args = vec!["check", "--now", "2026-11-26T12:00:00Z", "--input", path];
                args.extend_from_slice(&["--format", format]);
                args.extend_from_slice(verbosity);
                let (code, text) = outputs(&args);
                assert!((1..=3).contains(&code), "{args:?}: {code}");
                assert_clean(&args, &text);

                let report = dir.path().join(format!("{input}.{format}"));
                let report = report.to_str().unwrap();
                args.extend_from_slice(&["--output", report]);
                let (_, text) = outputs(&args);
                assert_clean(&args, &text);
                if let Ok(written) = std::fs::read_to_string(report) {
                    assert_clean(&args, &written);
                }
            }
        }
    }
    for args in [
        &["rules"][..],
        &["rules", "--format", "json"],
        &["explain", "KL101"],
        &["check", "--token", "sk-CANARYKEYVALUE"],
        &["check", "--token=tok-TOKEN-CANARY-7d1e-secret"],
        &["check", "--input", "tok-TOKEN-CANARY-7d1e-secret"],
    ] {
        let (_, text) = outputs(args);
        assert!(
            !text.contains(TOKEN_CANARY),
            "{args:?} leaked the token:\n{text}"
        );
    }
}

#[test]
fn control_characters_are_escaped_in_human_output() {
    let (code, text) = outputs(&[
        "check",
        "--now",
        "2026-11-26T12:00:00Z",
        "--color",
        "never",
        "--input",
        fixture("hostile.json").to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    for bad in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(
            !text.contains(bad),
            "raw {bad:?} reached the terminal:\n{text}"
        );
    }
    assert!(text.contains("evil\\u{001b}[31mred\\u{202e}eman"), "{text}");
}
