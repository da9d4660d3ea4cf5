//! Fetch benchmark (SPEC §8): 10,000 keys, page size 100, 50 ms of injected latency per
//! request on loopback, at concurrency 4 and 1. Prints the elapsed time and requests of each
//! run beside the round-trip floor `(2 + ceil((pages - 1) / concurrency)) * latency`: page 1,
//! the remaining pages in parallel, and the re-check of page 1. Target: within 1.5x of the floor
//! at concurrency 4.
//!
//! Run with `cargo bench --bench fetch`.

#![allow(clippy::print_stdout)]

#[path = "../tests/support/fake_gateway.rs"]
mod fake_gateway;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_gateway::{FakeGateway, Options, TOKEN};
use keylint::api::{AccessToken, FetchOptions, FetchSettings, Silent, fetch_inventory};

const KEYS: u64 = 10_000;
const PAGE_SIZE: u32 = 100;
const LATENCY: Duration = Duration::from_millis(50);
const TARGET: f64 = 1.5;

fn main() {
    // `cargo bench` passes `--bench`; without it (`cargo test --all-targets`) this is a smoke
    // run: one fetch at concurrency 4.
    let bench = std::env::args().any(|a| a == "--bench");
    let gateway = FakeGateway::start(Options {
        latency: LATENCY,
        ..Options::with_keys(KEYS)
    });
    let pages = KEYS.div_ceil(u64::from(PAGE_SIZE));
    println!(
        "fetch: {KEYS} keys, page size {PAGE_SIZE}, {pages} pages, {} ms latency per request",
        LATENCY.as_millis()
    );
    let runs: &[(usize, usize)] = if bench { &[(4, 5), (1, 1)] } else { &[(4, 1)] };
    for &(concurrency, repetitions) in runs {
        let round_trips = 2 + pages.saturating_sub(1).div_ceil(concurrency as u64);
        let floor = LATENCY * u32::try_from(round_trips).expect("a few hundred round trips");
        let mut best = Duration::MAX;
        for _ in 0..repetitions {
            let settings = FetchSettings {
                page_size: PAGE_SIZE,
                concurrency,
                ..FetchSettings::new(gateway.base_url())
            };
            let opts =
                FetchOptions::new(settings, AccessToken::new(TOKEN).unwrap()).expect("valid");
            let started = Instant::now();
            let fetched = fetch_inventory(&opts, Arc::new(Silent)).expect("fetch");
            let elapsed = started.elapsed();
            assert_eq!(fetched.inventory.keys.len() as u64, KEYS);
            println!(
                "  concurrency {concurrency}: {:>7.1} ms, {} requests, floor {} ms, {:.2}x floor",
                elapsed.as_secs_f64() * 1e3,
                fetched.requests,
                floor.as_millis(),
                elapsed.as_secs_f64() / floor.as_secs_f64()
            );
            best = best.min(elapsed);
        }
        let ratio = best.as_secs_f64() / floor.as_secs_f64();
        let verdict = if concurrency == 4 {
            if ratio <= TARGET {
                " (target <= 1.5x: met)"
            } else {
                " (target <= 1.5x: MISSED)"
            }
        } else {
            ""
        };
        println!(
            "  concurrency {concurrency}: best {:.1} ms = {ratio:.2}x floor{verdict}",
            best.as_secs_f64() * 1e3
        );
    }
}
