//! Hostile and unusual inventories through the binary: partial saved inventories, a fetch that
//! outgrows the memory bound, `-0` ids, a byte order mark, and an access token that is not
//! UTF-8.

#[path = "support/command.rs"]
mod command;
#[path = "support/fake_gateway.rs"]
mod fake_gateway;

use std::path::Path;

use assert_cmd::Command;
use command::{NOW, Outcome, keylint_in, root};
use fake_gateway::{CANARY, FakeGateway, Options, TOKEN};
use serde_json::{Value, json};

/// Runs a command; no canary and no panic may reach its output.
fn run(cmd: &mut Command) -> Outcome {
    command::run_clean(cmd, &[CANARY])
}

/// `check --input PATH --format json --fail-on never`.
fn check_input(path: &Path) -> Outcome {
    run(keylint_in(root())
        .args([
            "check",
            "--now",
            NOW,
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .arg("--input")
        .arg(path))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(root().join("tests/fixtures").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Asserts a run refused its input as partial, naming the file, the total and the count.
fn assert_partial(out: &Outcome, path: &Path, total: u64, count: usize) {
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let stderr = out.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(
        stderr.contains(&format!("has {total} keys but holds {count}")),
        "{stderr}"
    );
}

#[test]
fn a_list_api_page_that_is_not_the_whole_account_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let one_of_250 = json!({"success": true, "message": "", "data": {
        "page": 1, "page_size": 100, "total": 250, "items": [{"id": 1, "name": "only"}]}});
    let path = write(dir.path(), "one.json", one_of_250.to_string().as_bytes());
    assert_partial(&check_input(&path), &path, 250, 1);

    // Page 2 of 3, saved from a live walk.
    let gw = FakeGateway::start(Options::with_keys(250));
    let mut page_two: Value = serde_json::from_str(&gw.list_body()).unwrap();
    let items: Vec<Value> = (101..=200).map(|id| json!({"id": id})).collect();
    page_two["data"]["page"] = json!(2);
    page_two["data"]["items"] = json!(items);
    let path = write(dir.path(), "page2.json", page_two.to_string().as_bytes());
    assert_partial(&check_input(&path), &path, 250, 100);

    // A response without an integer total cannot show it is complete.
    let mut no_total = fixture("clean-response.json");
    no_total["data"]["total"] = json!("3");
    let path = write(dir.path(), "no-total.json", no_total.to_string().as_bytes());
    let out = check_input(&path);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("no integer `data.total`"),
        "{}",
        out.stderr
    );

    // The complete response passes the completeness check.
    let out = check_input(&root().join("tests/fixtures/clean-response.json"));
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_snapshot_whose_total_disagrees_with_its_keys_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let complete = fixture("clean-snapshot.json");
    let held = complete["keys"].as_array().unwrap().len();

    let mut inflated = complete.clone();
    inflated["total"] = json!(held + 1);
    let path = write(dir.path(), "inflated.json", inflated.to_string().as_bytes());
    assert_partial(&check_input(&path), &path, held as u64 + 1, held);

    let mut cut = complete.clone();
    cut["keys"].as_array_mut().unwrap().pop();
    let path = write(dir.path(), "cut.json", cut.to_string().as_bytes());
    assert_partial(&check_input(&path), &path, held as u64, held - 1);

    let mut untotalled = complete.clone();
    untotalled.as_object_mut().unwrap().remove("total");
    let path = write(
        dir.path(),
        "untotalled.json",
        untotalled.to_string().as_bytes(),
    );
    let out = check_input(&path);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("no integer `total`"), "{}", out.stderr);

    // An array of key objects has no total: the user's own list is read as given.
    let keys = json!(cut["keys"]);
    let path = write(dir.path(), "subset.json", keys.to_string().as_bytes());
    let out = check_input(&path);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["inventory"]["keys"], held - 1);
}

#[test]
fn a_snapshot_written_by_fetch_reads_back_complete() {
    let gw = FakeGateway::start(Options::with_keys(130));
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snapshot.json");
    let out = run(keylint_in(root())
        .env("COMETAPI_ACCESS_TOKEN", TOKEN)
        .args(["fetch", "-q", "--base-url", &gw.base_url(), "-o"])
        .arg(&snapshot));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = check_input(&snapshot);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["inventory"]["keys"], 130);
}

#[test]
fn a_fetch_past_the_inventory_bound_fails() {
    // Ten pages of about 300 kB each: 3 MB in all.
    let gw = FakeGateway::start(Options {
        padding: 300_000,
        ..Options::with_keys(1_000)
    });
    let fetch = |bound: &str| {
        run(keylint_in(root())
            .env("COMETAPI_ACCESS_TOKEN", TOKEN)
            .args([
                "check",
                "--now",
                NOW,
                "--format",
                "json",
                "--fail-on",
                "never",
            ])
            .args(["--concurrency", "1", "--max-inventory-mib", bound])
            .args(["--base-url", &gw.base_url()]))
    };
    let out = fetch("1");
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("the inventory is larger than 1 MiB after "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("pages (--max-inventory-mib)"),
        "{}",
        out.stderr
    );
    // The walk stopped at the bound, long before its tenth page.
    let requests = gw.requests().len();
    assert!((3..=4).contains(&requests), "{requests} requests");

    let out = fetch("8");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["inventory"]["keys"], 1_000);

    let out = fetch("0");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--max-inventory-mib must be at least 1"),
        "{}",
        out.stderr
    );
}

#[test]
fn minus_zero_is_the_integer_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "zero.json",
        br#"[{"id":-0,"name":"zero","status":1,"expired_time":-1},{"id":1,"name":"one"}]"#,
    );
    let out = check_input(&path);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["inventory"]["keys"], 2);
    let ids: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["key_id"])
        .collect();
    assert!(ids.contains(&&json!(0)), "{ids:?}");

    // `-0` twice is the same id twice.
    let path = write(dir.path(), "twice.json", br#"[{"id":0},{"id":-0}]"#);
    let out = check_input(&path);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("key id 0 appears more than once"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_leading_byte_order_mark_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "clean-snapshot.json",
        "clean-response.json",
        "clean-array.json",
    ] {
        let fixture = root().join("tests/fixtures").join(name);
        let plain = check_input(&fixture);
        assert_eq!(plain.code, 0, "{name}: {}", plain.stderr);
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(std::fs::read(&fixture).unwrap());
        let path = write(dir.path(), name, &bytes);
        let marked = check_input(&path);
        assert_eq!(marked.code, 0, "{name}: {}", marked.stderr);
        let plain: Value = serde_json::from_str(&plain.stdout).unwrap();
        let marked: Value = serde_json::from_str(&marked.stdout).unwrap();
        assert_eq!(marked["findings"], plain["findings"], "{name}");
        assert_eq!(
            marked["inventory"]["keys"], plain["inventory"]["keys"],
            "{name}"
        );
    }
}

#[test]
fn an_access_token_that_is_not_utf8_is_invalid_not_missing() {
    use std::os::unix::ffi::OsStrExt;
    let token = std::ffi::OsStr::from_bytes(b"CANARYTOKEN-\xff\xfe-7f3a9c1e");
    let out = run(keylint_in(root())
        .env("COMETAPI_ACCESS_TOKEN", token)
        .args(["check", "--now", NOW, "--base-url", "http://127.0.0.1:9"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("invalid access token: COMETAPI_ACCESS_TOKEN is not valid UTF-8"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("no access token"), "{}", out.stderr);
    assert!(!out.stderr.contains("7f3a9c1e"), "{}", out.stderr);

    // Offline commands do not need the token and still run.
    let out = run(keylint_in(root())
        .env("COMETAPI_ACCESS_TOKEN", token)
        .args(["check", "--now", NOW, "--input"])
        .arg(root().join("tests/fixtures/clean-snapshot.json")));
    assert_eq!(out.code, 0, "{}", out.stderr);
}
