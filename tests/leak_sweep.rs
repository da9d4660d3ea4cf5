//! The leak sweep: every command and report format, with `-v`, on success and on every error
//! path, with canary keys in the inventory and canary tokens from the environment and from
//! `--token-file`. Every byte keylint writes (stdout, stderr, `--output` reports, `fetch -o`
//! snapshots, `--write-baseline` files, `init` templates, the GitHub step summary) is searched for
//! any 8-character window of any canary: raw, upper- or lower-cased, percent-encoded (every byte,
//! or only the reserved ones) and with zero-width characters taken out. A failure names the run,
//! the output and the variant, and the canary by index and offset: never the canary itself.

#[path = "support/command.rs"]
mod command;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use command::{NOW, keylint_in};
use serde_json::{Value, json};

/// Two full API keys of the real shape (`sk-` and 48 alphanumerics).
const KEY_A: &str = "sk-DNxril3RavGD5MfvJ7NScUykT8C8UBkkpdhiG37LeXSyYV4g";
const KEY_B: &str = "sk-6snRoUYA4fXr6nzrvZcmT4a4Ad5y2FibpBV62h9MahWLm52m";
/// A key as the gateway masks it: only its visible parts are secret.
const KEY_MASKED: &str = "sk-Qm7Z**********x9Vw";
/// Access tokens of the real shape: one given by the environment, one by `--token-file`.
const TOKEN_ENV: &str = "va5fiI6bGfKFI6mAezmOWfSLjl8MU9cd";
const TOKEN_FILE: &str = "rJRM2jVrVKch3Tz85pkNGcVx2RHLKXSf";

/// The length of a canary window.
const WINDOW: usize = 8;

/// The secret parts of every canary, by canary index: a masked key's visible runs (each whole
/// when shorter than a window), every other canary whole.
fn canary_parts() -> Vec<(usize, &'static str)> {
    let masked = KEY_MASKED.split('*').filter(|part| part.len() >= 4);
    [KEY_A, KEY_B, TOKEN_ENV, TOKEN_FILE]
        .into_iter()
        .enumerate()
        .map(|(index, canary)| (if index < 2 { index } else { index + 1 }, canary))
        .chain(masked.map(|part| (2, part)))
        .collect()
}

/// Every window to look for: (canary index, offset in the canary, window).
fn windows() -> Vec<(usize, usize, &'static str)> {
    let mut all = Vec::new();
    for (index, part) in canary_parts() {
        let offset_of_part = [KEY_A, KEY_B, KEY_MASKED, TOKEN_ENV, TOKEN_FILE][index]
            .find(part)
            .unwrap();
        let size = WINDOW.min(part.len());
        for start in 0..=part.len() - size {
            all.push((index, offset_of_part + start, &part[start..start + size]));
        }
    }
    all
}

fn percent_all(text: &str) -> String {
    text.bytes().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "%{byte:02X}");
        out
    })
}

/// Percent-encoding of the bytes outside RFC 3986's unreserved set.
fn percent_reserved(text: &str) -> String {
    text.chars().fold(String::new(), |mut out, c| {
        if c.is_ascii_alphanumeric() || "-._~".contains(c) {
            out.push(c);
        } else {
            let _ = write!(out, "%{:02X}", c as u32);
        }
        out
    })
}

/// Where the upper-cased `haystack` holds `window`, or its upper-cased form, encoded by
/// `encode` (hex digits in either case).
fn find_encoded(haystack: &str, window: &str, encode: fn(&str) -> String) -> Option<usize> {
    [window.to_owned(), window.to_uppercase()]
        .iter()
        .find_map(|form| haystack.find(&encode(form).to_uppercase()))
}

/// The text with zero-width characters, and their escaped and encoded forms, taken out.
fn without_zero_width(upper: &str) -> String {
    let mut text = upper.to_owned();
    for zw in ['\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}'] {
        let code = format!("{:X}", zw as u32);
        let encoded: String = zw
            .to_string()
            .bytes()
            .map(|b| format!("%{b:02X}"))
            .collect();
        for form in [
            zw.to_string(),
            format!("\\U{{{code}}}"),
            format!("\\U{{{code:0>4}}}"),
            format!("\\U{code:0>4}"),
            encoded,
        ] {
            text = text.replace(&form, "");
        }
    }
    text
}

/// Where, if anywhere, `bytes` hold a canary window: "canary #i window at offset o (variant) at
/// byte b", the first window found of each canary.
fn leaks(bytes: &[u8]) -> Vec<String> {
    let raw = String::from_utf8_lossy(bytes);
    let upper = raw.to_uppercase();
    let stripped = without_zero_width(&upper);
    let mut found = Vec::new();
    let mut leaked = [false; 5];
    for (index, offset, window) in windows() {
        if leaked[index] {
            continue;
        }
        let window_upper = window.to_uppercase();
        let variants = [
            ("raw", raw.find(window)),
            ("case-changed", upper.find(&window_upper)),
            ("percent-encoded", find_encoded(&upper, window, percent_all)),
            (
                "reserved percent-encoded",
                find_encoded(&upper, window, percent_reserved),
            ),
            ("split by zero-width", stripped.find(&window_upper)),
        ];
        if let Some((variant, Some(at))) = variants.iter().find(|(_, at)| at.is_some()) {
            leaked[index] = true;
            found.push(format!(
                "canary #{index} window at offset {offset} ({variant}) at byte {at}"
            ));
        }
    }
    found
}

/// A gateway on 127.0.0.1 whose behaviour is chosen by the first segment of the request path
/// (`{base}/{scenario}/api/token/`) and which echoes the `Authorization` it is sent. It serves
/// until the test process ends.
fn echo_gateway() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
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
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let scenario = path.trim_start_matches('/').split('/').next().unwrap_or("");
            let (status, extra, body) = answer(scenario, &token);
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// A key record that breaks rules (it never expires), holding `key` and named `name`.
fn record(id: i64, key: &str, name: &str) -> Value {
    json!({"id": id, "user_id": 1, "key": key, "status": 1, "name": name,
        "created_time": 1_790_000_000, "accessed_time": 1_795_000_000, "expired_time": -1,
        "remain_quota": 1, "used_quota": 0, "unlimited_quota": true,
        "model_limits_enabled": false, "model_limits": "", "allow_ips": null,
        "group": "default", "cross_group_retry": false})
}

fn canary_records() -> Vec<Value> {
    vec![
        record(3, KEY_A, "alpha"),
        record(2, KEY_B, "beta"),
        record(1, KEY_MASKED, "masked"),
    ]
}

fn list_body(items: Vec<Value>) -> String {
    let total = items.len();
    json!({"success": true, "message": "", "data": {
        "page": 1, "page_size": 100, "total": total, "items": items}})
    .to_string()
}

/// The status line, extra headers and body of one scenario.
fn answer(scenario: &str, token: &str) -> (&'static str, String, String) {
    let redirect = |location: String| {
        (
            "302 Found",
            format!("Location: {location}\r\n"),
            String::new(),
        )
    };
    let split: String = token.chars().flat_map(|c| [c, '\u{200b}']).collect();
    match scenario {
        "ok" => ("200 OK", String::new(), list_body(canary_records())),
        "echo-name" => (
            "200 OK",
            String::new(),
            list_body(vec![
                record(2, KEY_A, &format!("echo {token}")),
                record(1, KEY_B, &format!("echo {}", percent_all(token))),
                record(0, KEY_MASKED, &format!("copy of {KEY_A}")),
            ]),
        ),
        "unauthorized" => (
            "401 Unauthorized",
            String::new(),
            json!({"success": false, "message": format!("bad token {token}")}).to_string(),
        ),
        "refused" => (
            "200 OK",
            String::new(),
            json!({"success": false,
                "message": format!("token {token} may not read key {KEY_A}")})
            .to_string(),
        ),
        "error" => (
            "500 Internal Server Error",
            String::new(),
            format!("panic: token={token} key={KEY_B}"),
        ),
        "redirect-raw" => redirect(format!("http://127.0.0.1:9/login?token={token}")),
        "redirect-encoded" => redirect(format!(
            "http://127.0.0.1:9/login?token={}",
            percent_all(token)
        )),
        "redirect-upper" => redirect(format!(
            "http://127.0.0.1:9/login?token={}",
            token.to_uppercase()
        )),
        "redirect-split" => redirect(format!(
            "http://127.0.0.1:9/login?token={}",
            percent_reserved(&split)
        )),
        _ => ("404 Not Found", String::new(), String::new()),
    }
}

/// The token a live run uses.
#[derive(Clone, Copy, Debug)]
enum TokenSource {
    Env,
    File,
}

/// The sweep: its scratch directory, its gateway, and every leak found so far.
struct Sweep {
    dir: tempfile::TempDir,
    gateway: String,
    token_file: PathBuf,
    runs: usize,
    found: Vec<String>,
}

impl Sweep {
    fn new() -> Sweep {
        let dir = tempfile::tempdir().unwrap();
        let token_file = dir.path().join("token");
        std::fs::write(&token_file, format!("{TOKEN_FILE}\n")).unwrap();
        Sweep {
            dir,
            gateway: echo_gateway(),
            token_file,
            runs: 0,
            found: Vec::new(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }

    fn base_url(&self, scenario: &str) -> String {
        format!("{}/{scenario}", self.gateway)
    }

    /// Runs keylint with `-v`, the environment token set and `args`, then searches every
    /// output, and the files named in `written` (removed afterwards), for canaries. Returns
    /// the exit code.
    fn run(&mut self, label: &str, args: &[&str], written: &[&Path]) -> i32 {
        let summary = self.path("step-summary.md");
        let mut cmd = keylint_in(self.dir.path());
        cmd.env("COMETAPI_ACCESS_TOKEN", TOKEN_ENV)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(["-v", "--color", "never"])
            .args(args);
        let out = cmd.output().unwrap();
        self.runs += 1;
        self.search(label, "stdout", &out.stdout);
        self.search(label, "stderr", &out.stderr);
        for path in written.iter().copied().chain([summary.as_path()]) {
            if let Ok(bytes) = std::fs::read(path) {
                let name = path.file_name().unwrap().to_string_lossy();
                self.search(label, &format!("file {name}"), &bytes);
                std::fs::remove_file(path).unwrap();
            }
        }
        out.status.code().expect("exited")
    }

    /// Runs `args` against the gateway's `scenario` with the token from `source`.
    fn live(&mut self, label: &str, scenario: &str, source: TokenSource, args: &[&str]) -> i32 {
        self.live_writing(label, scenario, source, args, &[])
    }

    fn live_writing(
        &mut self,
        label: &str,
        scenario: &str,
        source: TokenSource,
        args: &[&str],
        written: &[&Path],
    ) -> i32 {
        let base_url = self.base_url(scenario);
        let token_file = self.token_file.to_str().unwrap().to_owned();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--base-url", &base_url, "--retries", "0"]);
        if let TokenSource::File = source {
            all.extend(["--token-file", &token_file]);
        }
        self.run(&format!("{label} [{scenario}, {source:?}]"), &all, written)
    }

    fn search(&mut self, label: &str, output: &str, bytes: &[u8]) {
        for leak in leaks(bytes) {
            self.found.push(format!("{label}: {output}: {leak}"));
        }
    }
}

const FORMATS: [&str; 8] = [
    "human", "json", "sarif", "github", "gitlab", "markdown", "junit", "html",
];

/// Runs `check` in every format, to stdout and with `--output`; each must report findings.
fn check_every_format(
    sweep: &mut Sweep,
    label: &str,
    source: Option<(&str, TokenSource)>,
    extra: &[&str],
) {
    for format in FORMATS {
        let report = sweep.path(&format!("report.{format}"));
        let report_arg = report.to_str().unwrap().to_owned();
        for output in [None, Some(report_arg.as_str())] {
            let mut args = vec!["check", "--now", NOW, "--format", format];
            args.extend_from_slice(extra);
            if let Some(output) = output {
                args.extend(["--output", output]);
            }
            let label = format!("{label} --format {format} --output {output:?}");
            let code = match source {
                Some((scenario, token)) => {
                    sweep.live_writing(&label, scenario, token, &args, &[&report])
                }
                None => sweep.run(&label, &args, &[&report]),
            };
            assert_eq!(code, 1, "{label}: findings fail the run");
        }
    }
}

/// The saved inventories holding the canary keys: an array, a list-API body and a snapshot.
fn saved_inventories(sweep: &mut Sweep) -> Vec<(&'static str, String)> {
    let snapshot = sweep.path("fetched.json");
    let code = sweep.live_writing(
        "fetch -o",
        "ok",
        TokenSource::Env,
        &["fetch", "-o", snapshot.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 0, "fetch -o succeeds");
    let mut snapshot_doc: Value =
        serde_json::from_slice(&std::fs::read(&snapshot).unwrap()).unwrap();
    let keys = snapshot_doc["keys"].as_array_mut().expect("snapshot keys");
    for (key, value) in keys.iter_mut().zip([KEY_A, KEY_B, KEY_MASKED]) {
        key["key"] = json!(value);
    }
    vec![
        (
            "array",
            sweep.write("array.json", &Value::from(canary_records()).to_string()),
        ),
        (
            "list-API body",
            sweep.write("list.json", &list_body(canary_records())),
        ),
        (
            "snapshot",
            sweep.write("snapshot.json", &snapshot_doc.to_string()),
        ),
    ]
}

fn offline_checks(sweep: &mut Sweep) {
    for (form, input) in saved_inventories(sweep) {
        check_every_format(
            sweep,
            &format!("check --input {form}"),
            None,
            &["--input", &input],
        );
    }
    let baseline = sweep.path("baseline.json");
    let baseline_arg = baseline.to_str().unwrap().to_owned();
    let array = sweep.path("array.json");
    let input = array.to_str().unwrap().to_owned();
    let args = ["check", "--now", NOW, "--input", &input];
    let code = sweep.run(
        "check --write-baseline",
        &[&args[..], &["--write-baseline", &baseline_arg]].concat(),
        &[],
    );
    assert_eq!(code, 0, "a baselined run passes");
    let recorded = std::fs::read_to_string(&baseline).unwrap();
    sweep.search(
        "check --write-baseline",
        "file baseline.json",
        recorded.as_bytes(),
    );
    let code = sweep.run(
        "check --baseline",
        &[&args[..], &["--baseline", &baseline_arg]].concat(),
        &[],
    );
    assert_eq!(code, 0, "the baseline suppresses every finding");

    let bad_baselines = [
        json!({"version": 1, "fingerprints": [{"rule": "KL101", "key_id": KEY_A, "fingerprint": "9c1b3f0e5d2a4b67"}]}).to_string(),
        json!({"version": 1, "fingerprints": [{"rule": KEY_B, "key_id": 1, "fingerprint": "9c1b3f0e5d2a4b67"}]}).to_string(),
        json!({"version": 1, "fingerprints": [{"rule": "KL101", "key_id": 1, "fingerprint": KEY_A}]}).to_string(),
        json!({"version": 1, "fingerprints": [], KEY_B: 1}).to_string(),
        format!("{{\"version\": 1, \"fingerprints\": [{KEY_A}]}}"),
    ];
    for (n, text) in bad_baselines.iter().enumerate() {
        let path = sweep.write("bad-baseline.json", text);
        let code = sweep.run(
            &format!("check --baseline (bad #{n})"),
            &[&args[..], &["--baseline", &path]].concat(),
            &[],
        );
        assert!((1..=2).contains(&code), "bad baseline #{n}: {code}");
    }

    let record = record(1, KEY_A, "alpha").to_string();
    let cut = record.find(&KEY_A[20..]).unwrap();
    let malformed = [
        format!("[{}", &record[..cut]),
        format!("[{}\u{1}{}]", &record[..cut], &record[cut..]),
        format!("[{}]", record.replace(&format!("\"{KEY_A}\""), KEY_A)),
        format!(
            "[{}]",
            record.replace(
                &format!("\"{KEY_A}\""),
                &format!("\"{}\\q{}\"", &KEY_A[..20], &KEY_A[20..])
            )
        ),
    ];
    for (n, text) in malformed.iter().enumerate() {
        let path = sweep.write("malformed.json", text);
        for format in ["human", "json"] {
            let code = sweep.run(
                &format!("check --input malformed #{n} --format {format}"),
                &["check", "--now", NOW, "--format", format, "--input", &path],
                &[],
            );
            assert_eq!(code, 3, "malformed input #{n} is refused");
        }
    }
}

fn live_checks(sweep: &mut Sweep) {
    for source in [TokenSource::Env, TokenSource::File] {
        check_every_format(sweep, "check live", Some(("ok", source)), &[]);
        check_every_format(sweep, "check live", Some(("echo-name", source)), &[]);
        let snapshot = sweep.path("snapshot-out.json");
        let snapshot_arg = snapshot.to_str().unwrap().to_owned();
        for scenario in ["ok", "echo-name"] {
            let code = sweep.live_writing(
                "fetch -o",
                scenario,
                source,
                &["fetch", "-o", &snapshot_arg],
                &[&snapshot],
            );
            assert_eq!(code, 0, "fetch -o [{scenario}]");
            let code = sweep.live("fetch", scenario, source, &["fetch"]);
            assert_eq!(code, 0, "fetch [{scenario}]");
        }
        for scenario in [
            "unauthorized",
            "refused",
            "error",
            "redirect-raw",
            "redirect-encoded",
            "redirect-upper",
            "redirect-split",
        ] {
            for format in ["human", "json", "github"] {
                let code = sweep.live(
                    "check",
                    scenario,
                    source,
                    &["check", "--now", NOW, "--format", format],
                );
                assert!(code >= 2, "check [{scenario}] fails: {code}");
            }
            let code = sweep.live("fetch", scenario, source, &["fetch"]);
            assert!(code >= 2, "fetch [{scenario}] fails: {code}");
        }
    }
}

fn usage_errors(sweep: &mut Sweep) {
    let input = sweep.path("array.json").to_str().unwrap().to_owned();
    let token_file = sweep.token_file.to_str().unwrap().to_owned();
    let directory = sweep.dir.path().to_str().unwrap().to_owned();
    let missing = sweep.path("no-such-token").to_str().unwrap().to_owned();
    for (token, file) in [
        (TOKEN_ENV, None),
        (TOKEN_ENV, Some(token_file.as_str())),
        (TOKEN_FILE, Some(token_file.as_str())),
    ] {
        let unknown = format!("--tokn={token}");
        let userinfo = format!("http://user:{token}@10.1.2.3/api");
        let bare_userinfo = format!("http://{token}@gw.example");
        let cases: [&[&str]; 10] = [
            &["check", "--input", &input, "--select", token],
            &["check", "--input", &input, "--ignore", token],
            &["check", "--input", &input, "--now", token],
            &["check", "--input", &input, "--tokn", token],
            &["check", "--input", &input, &unknown],
            &["check", "--input", &input, token],
            &["check", "--base-url", &userinfo],
            &["fetch", "--base-url", &userinfo],
            &["check", "--base-url", &bare_userinfo],
            &["explain", token],
        ];
        for args in cases {
            let mut all = args.to_vec();
            if let Some(file) = file {
                all.extend(["--token-file", file]);
            }
            let label = format!("{:?} (token file: {})", &args[..1], file.is_some());
            let code = sweep.run(&label, &all, &[]);
            assert!(code >= 2, "a usage error fails: {code}");
        }
    }
    for (what, path) in [("a directory", &directory), ("missing", &missing)] {
        for command in ["check", "fetch"] {
            let base_url = sweep.base_url("ok");
            let code = sweep.run(
                &format!("{command} --token-file {what}"),
                &[command, "--base-url", &base_url, "--token-file", path],
                &[],
            );
            assert!(
                code >= 2,
                "{command} with a token file that is {what} fails: {code}"
            );
        }
    }
}

fn other_commands(sweep: &mut Sweep) {
    let template = sweep.path("keylint.toml");
    for args in [
        &["rules"][..],
        &["rules", "--format", "json"],
        &["rules", "--format", "markdown"],
        &["explain", "KL101"],
        &["explain", "no-expiry"],
        &["config"],
        &["config", "--schema"],
        &["completions", "bash"],
    ] {
        let code = sweep.run(&format!("{args:?}"), args, &[]);
        assert_eq!(code, 0, "{args:?} succeeds");
    }
    let code = sweep.run("init", &["init"], &[]);
    assert_eq!(code, 0, "init writes a template");
    let code = sweep.run("init (exists)", &["init"], &[&template]);
    assert_eq!(code, 2, "init refuses to overwrite");
}

#[test]
fn no_canary_window_in_any_byte_written() {
    let mut sweep = Sweep::new();
    offline_checks(&mut sweep);
    live_checks(&mut sweep);
    usage_errors(&mut sweep);
    other_commands(&mut sweep);
    assert!(sweep.runs > 200, "the sweep ran {} commands", sweep.runs);
    assert!(
        sweep.found.is_empty(),
        "{} leaks:\n{}",
        sweep.found.len(),
        sweep.found.join("\n")
    );
}

#[test]
fn the_search_finds_every_variant() {
    let window = &TOKEN_FILE[5..5 + WINDOW];
    let split: String = window.chars().flat_map(|c| [c, '\u{200b}']).collect();
    let escaped: String = window.chars().map(|c| format!("{c}\\u{{200b}}")).collect();
    for (variant, text) in [
        ("raw", format!("x {window} y")),
        ("case-changed", window.to_uppercase()),
        ("case-changed", window.to_lowercase()),
        ("percent-encoded", percent_all(window).to_lowercase()),
        ("split by zero-width", split),
        ("split by zero-width", escaped),
    ] {
        let found = leaks(text.as_bytes());
        assert!(
            found
                .iter()
                .any(|leak| leak.contains(&format!("({variant})"))),
            "{variant}: {found:?}"
        );
    }
    assert!(
        leaks(format!("{}**", &KEY_MASKED[..7]).as_bytes())
            .iter()
            .any(|l| l.contains("#2"))
    );
    assert!(leaks(b"sk-**********, KL101, 2026-11-26T12:00:00Z").is_empty());
}
