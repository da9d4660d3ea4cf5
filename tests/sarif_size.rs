//! SARIF within GitHub's 10 MB (gzip-compressed) upload limit when the results themselves are
//! large: keys whose names are long and do not compress (a gateway's key names have no length
//! limit) make 2,250 results heavier than the budget, so the log keeps fewer, the most severe
//! first, and says so.

#[path = "support/command.rs"]
mod command;
#[path = "support/sarif_schema.rs"]
mod sarif_schema;

use std::io::Write;

use command::{NOW, keylint_in, root, run_clean};
use serde_json::{Value, json};

const NOW_UNIX: i64 = 1_795_694_400;
const DAY: i64 = 86_400;
const KEYS: usize = 1_500;
/// Characters in each key's name, of 64 kinds: six bits of entropy per byte.
const NAME_LEN: usize = 6_000;
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Deterministic names that do not compress (xorshift64).
fn random_names(count: usize, len: usize) -> Vec<String> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..count)
        .map(|_| {
            (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    char::from(ALPHABET[usize::try_from(state % 64).unwrap()])
                })
                .collect()
        })
        .collect()
}

/// Keys that never expire (KL101, an error); every other one also without model limits
/// (KL401, a warning); nothing else. The name of each appears three times in its results
/// (message, logical location, properties), but only the first costs after compression.
fn inventory() -> Vec<u8> {
    let keys: Vec<Value> = random_names(KEYS, NAME_LEN)
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            json!({
                "id": 1 + i, "user_id": 1, "key": "sk-****", "status": 1, "name": name,
                "created_time": NOW_UNIX - 10 * DAY, "accessed_time": NOW_UNIX - DAY,
                "expired_time": -1, "remain_quota": 1_000, "used_quota": 0,
                "unlimited_quota": false, "model_limits_enabled": i % 2 == 0,
                "model_limits": if i % 2 == 0 { "gpt-4o" } else { "" },
                "allow_ips": "34.1.2.3", "group": "default",
                "cross_group_retry": false,
            })
        })
        .collect();
    serde_json::to_vec(&keys).unwrap()
}

#[test]
fn results_too_heavy_for_one_upload_are_cut_to_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("long-names.json");
    std::fs::write(&input, inventory()).unwrap();
    let mut cmd = keylint_in(root());
    cmd.args(["check", "--now", NOW, "--format", "sarif", "--input"])
        .arg(&input);
    let outcome = run_clean(&mut cmd, &[]);
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);

    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(outcome.stdout.as_bytes()).unwrap();
    let gzipped = gzip.finish().unwrap().len();
    let budget = usize::try_from(keylint::report::sarif::GZIP_BUDGET).unwrap();
    assert!(gzipped <= budget, "{gzipped} bytes gzip-compressed");
    assert!(
        outcome.stdout.len() > 2 * budget,
        "the log is large uncompressed"
    );

    let log: Value = serde_json::from_str(&outcome.stdout).unwrap();
    sarif_schema::assert_valid(&log);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    let findings = KEYS + KEYS / 2;
    assert!(
        results.len() > KEYS / 2 && results.len() < KEYS,
        "{}",
        results.len()
    );
    assert!(
        results.iter().all(|r| r["level"] == "error"),
        "errors first"
    );
    // In report order: by key.
    let keys: Vec<i64> = results
        .iter()
        .map(|r| r["properties"]["key_id"].as_i64().unwrap())
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(keys[0], 1, "the first errors of the report are kept");

    let left_out = findings - results.len();
    let notification = &run["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(notification["properties"]["left_out"], left_out);
    assert!(
        outcome.stderr.contains(&format!(
            "holds the {} most severe of {findings} findings",
            results.len()
        )),
        "{}",
        outcome.stderr
    );
}
