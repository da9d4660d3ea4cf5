//! Benchmark of `check --input` on a large inventory, phase by phase, beside the two
//! reference points of SPEC §8: serde_json parsing the same file into typed structs, and into
//! `serde_json::Value`.
//!
//! ```sh
//! python3 scripts/gen-inventory.py 100000 > /tmp/inventory-100k.json
//! KEYLINT_BENCH_INVENTORY=/tmp/inventory-100k.json cargo bench --bench check
//! ```
//!
//! Each phase runs 5 times; the median is printed.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::time::{Duration, Instant};

use keylint::policy::{PolicyOptions, load_policy};
use keylint::report::{FailOn, Run, Summary};

/// The key record as plain typed structs: the fastest a parser of this file can be.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct TypedKey {
    id: i64,
    user_id: i64,
    key: String,
    status: i64,
    name: String,
    created_time: i64,
    accessed_time: i64,
    expired_time: i64,
    remain_quota: i64,
    used_quota: i64,
    unlimited_quota: bool,
    model_limits_enabled: bool,
    model_limits: String,
    allow_ips: Option<String>,
    group: String,
    cross_group_retry: bool,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct TypedResponse {
    success: bool,
    data: TypedData,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct TypedData {
    items: Vec<TypedKey>,
}

const NOW: i64 = 1_795_694_400;

fn median(mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[2]
}

fn main() {
    let path = std::env::var("KEYLINT_BENCH_INVENTORY")
        .unwrap_or_else(|_| "/tmp/inventory-100k.json".to_owned());
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("read {path}: {e}; generate it with scripts/gen-inventory.py"));
    let policy = load_policy(&PolicyOptions {
        default_rules: true,
        packs: vec![],
    })
    .expect("default policy");
    let inventory = keylint::inventory::parse_inventory(&bytes, &path).expect("inventory");
    let findings = keylint::eval::engine::evaluate(&policy, &inventory, NOW);
    let run = Run {
        policy: &policy,
        inventory: &inventory,
        findings: &findings,
        now: NOW,
        summary: Summary::count(&findings, FailOn(None)),
    };

    println!(
        "inventory: {} keys, {:.1} MB, {} findings",
        inventory.keys.len(),
        bytes.len() as f64 / 1e6,
        findings.len()
    );
    let typed = median(|| {
        let parsed: TypedResponse = serde_json::from_slice(&bytes).expect("typed");
        std::hint::black_box(parsed);
    });
    let value = median(|| {
        let parsed: serde_json::Value = serde_json::from_slice(&bytes).expect("value");
        std::hint::black_box(parsed);
    });
    let parse = median(|| {
        std::hint::black_box(keylint::inventory::parse_inventory(&bytes, &path).expect("parse"));
    });
    let evaluate = median(|| {
        std::hint::black_box(keylint::eval::engine::evaluate(&policy, &inventory, NOW));
    });
    let json = median(|| {
        std::hint::black_box(keylint::report::json::render(&run));
    });
    let whole = parse + evaluate + json;
    println!("reference  serde typed structs   {typed:>10.3?}");
    println!("reference  serde_json::Value     {value:>10.3?}");
    println!("keylint    parse inventory       {parse:>10.3?}");
    println!("keylint    evaluate default pack {evaluate:>10.3?}");
    println!("keylint    render json report    {json:>10.3?}");
    println!(
        "keylint    parse+evaluate+json   {whole:>10.3?}  ({:.2}x the typed parse)",
        whole.as_secs_f64() / typed.as_secs_f64()
    );
}
