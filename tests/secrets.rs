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
        for format in [
            "human", "json", "sarif", "github", "gitlab", "markdown", "junit", "html",
        ] {
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

/// A token too short to be a real access token.
const PLACEHOLDER_TOKEN: &str = "null";

/// A gateway on 127.0.0.1 that answers every request with one key whose name echoes the
/// request's `Authorization` header: a key name is untrusted text that may carry anything.
/// It stops after `requests` answers or a minute, whichever comes first.
fn echo_gateway(requests: usize) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut answered = 0;
        while answered < requests && std::time::Instant::now() < deadline {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(std::time::Duration::from_millis(5));
                continue;
            };
            stream.set_nonblocking(false).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut token = String::new();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("authorization")
                {
                    token = value.trim().to_owned();
                }
                line.clear();
            }
            let body = serde_json::json!({"success": true, "message": "", "data": {
                "page": 1, "page_size": 100, "total": 1, "items": [{
                    "id": 1, "user_id": 1, "key": "sk-****", "status": 1,
                    "name": format!("echo {token}"), "created_time": 1_790_000_000,
                    "accessed_time": 1_795_000_000, "expired_time": -1, "remain_quota": 1,
                    "used_quota": 0, "unlimited_quota": false, "model_limits_enabled": false,
                    "model_limits": "", "allow_ips": null, "group": "default",
                    "cross_group_retry": false
                }]
            }})
            .to_string();
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            answered += 1;
        }
    });
    url
}

#[test]
fn a_token_from_the_token_file_is_scrubbed_from_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    let token = format!("file-{TOKEN_CANARY}-secret");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    let url = echo_gateway(100);
    let summary = dir.path().join("summary.md");
    let keylint = |args: &[&str]| {
        let mut cmd = Command::cargo_bin("keylint").unwrap();
        cmd.env_clear()
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(["--color", "never"])
            .args(args)
            .args(["--base-url", &url, "--token-file"])
            .arg(&token_file);
        cmd.output().unwrap()
    };
    let clean = |what: &str, text: &str| {
        assert!(
            !text.contains(TOKEN_CANARY),
            "{what} leaked the token:\n{text}"
        );
    };
    for format in [
        "human", "json", "sarif", "github", "gitlab", "markdown", "junit", "html",
    ] {
        let args = [
            "check",
            "--now",
            "2026-11-26T12:00:00Z",
            "--format",
            format,
            "-v",
        ];
        let out = keylint(&args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{format}: {stdout}");
        assert!(stdout.contains("echo [redacted]"), "{format}: {stdout}");
        clean(format, &stdout);
        clean(format, &String::from_utf8_lossy(&out.stderr));

        let report = dir.path().join(format!("report.{format}"));
        let mut with_output = args.to_vec();
        with_output.extend(["--output", report.to_str().unwrap()]);
        let out = keylint(&with_output);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let written = std::fs::read_to_string(&report).unwrap();
        assert!(written.contains("[redacted]"), "{format}: {written}");
        clean(&format!("{format} --output"), &written);
    }
    clean(
        "the step summary",
        &std::fs::read_to_string(&summary).unwrap(),
    );
    let snapshot = dir.path().join("snapshot.json");
    let out = keylint(&["fetch", "-o", snapshot.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    clean("fetch -o", &std::fs::read_to_string(&snapshot).unwrap());
}

#[test]
fn a_placeholder_token_does_not_rewrite_reports() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/inventory.json");
    let report = |token: Option<&str>| {
        let mut cmd = Command::cargo_bin("keylint").unwrap();
        cmd.env_clear();
        if let Some(token) = token {
            cmd.env("COMETAPI_ACCESS_TOKEN", token);
        }
        let out = cmd
            .args(["check", "--now", "2026-11-26T12:00:00Z", "--format", "json"])
            .arg("--input")
            .arg(&example)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let plain = report(None);
    assert!(plain.contains("null"));
    let with_placeholder = report(Some(PLACEHOLDER_TOKEN));
    serde_json::from_str::<serde_json::Value>(&with_placeholder).expect("valid JSON");
    assert_eq!(with_placeholder, plain);
}

#[test]
fn noncharacters_and_invisible_characters_are_escaped_in_every_text_format() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("keys.json");
    let name = "a\u{fffe}b\u{ffff}c\u{2028}d\u{feff}e\u{85}f\u{2066}g";
    let keys = serde_json::json!([{"id": 1, "status": 1, "name": name, "expired_time": -1}]);
    std::fs::write(&input, keys.to_string()).unwrap();
    for format in ["human", "github", "markdown", "junit"] {
        let (code, text) = outputs(&[
            "check",
            "--now",
            "2026-11-26T12:00:00Z",
            "--color",
            "never",
            "--format",
            format,
            "--input",
            input.to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{format}: {text}");
        for bad in [
            '\u{fffe}', '\u{ffff}', '\u{2028}', '\u{feff}', '\u{85}', '\u{2066}',
        ] {
            assert!(!text.contains(bad), "{format}: raw {bad:?} in\n{text}");
        }
        assert!(text.contains("u{fffe}b"), "{format}: {text}");
    }
}
