//! Fetching from every dialect of the gateway family (SPEC §3a) through the CLI, against a fake
//! gateway per dialect on 127.0.0.1: detection, each dialect's paging, completeness with and
//! without a total, keys created and deleted during the scan, a pinned dialect that does not
//! fit, a page parameter the gateway ignores, the user headers, and records without an id.

#[path = "support/command.rs"]
mod command;
#[path = "support/fake_gateway.rs"]
mod fake_gateway;

use command::{NOW, Outcome, keylint_in, run_clean};
use fake_gateway::{CANARY, Dialect, FakeGateway, Fault, Options, TOKEN};
use serde_json::Value;

/// The dialect keylint names for a fake (Veloera answers as new-api-legacy).
fn name(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::NewApi => "new-api",
        Dialect::NewApiLegacy | Dialect::Veloera => "new-api-legacy",
        Dialect::OneApi => "one-api",
        Dialect::OneHub => "one-hub",
        Dialect::OneApiLaisky => "one-api-laisky",
    }
}

fn gateway(dialect: Dialect, keys: u64) -> FakeGateway {
    FakeGateway::start(Options {
        dialect,
        ..Options::with_keys(keys)
    })
}

/// `keylint COMMAND ARGS` against `gw` with its token, from a scratch directory.
fn keylint(gw: &FakeGateway, args: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = keylint_in(dir.path());
    cmd.env("COMETAPI_ACCESS_TOKEN", TOKEN)
        .arg(args[0])
        .args(["--base-url", &gw.base_url()])
        .args(&args[1..]);
    run_clean(&mut cmd, &[CANARY, TOKEN])
}

/// A JSON check of `gw`, 10 keys a page (one-api serves 10 whatever is asked).
fn check_json(gw: &FakeGateway, extra: &[&str]) -> (Outcome, Value) {
    let mut args = vec![
        "check",
        "--format",
        "json",
        "--now",
        NOW,
        "--page-size",
        "10",
    ];
    args.extend_from_slice(extra);
    let out = keylint(gw, &args);
    let report = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    (out, report)
}

/// The ids of a `keylint fetch` snapshot.
fn snapshot_ids(out: &Outcome) -> Vec<i64> {
    let snapshot: Value = serde_json::from_str(&out.stdout).expect("a snapshot");
    snapshot["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["id"].as_i64().unwrap())
        .collect()
}

/// The query of every request, in order.
fn queries(gw: &FakeGateway) -> Vec<String> {
    gw.requests()
        .iter()
        .map(|r| r.target.trim_start_matches("/api/token/?").to_owned())
        .collect()
}

#[test]
fn every_dialect_reads_three_pages_completely_and_as_its_input_does() {
    for dialect in Dialect::ALL {
        let gw = gateway(dialect, 25);
        let (out, fetched) = check_json(&gw, &[]);
        assert_eq!(out.code, 1, "{dialect:?}: {}", out.stderr);
        assert_eq!(fetched["inventory"]["keys"], 25, "{dialect:?}");
        assert_eq!(
            fetched["inventory"]["gateway"],
            name(dialect),
            "{dialect:?}"
        );
        assert!(fetched["inventory"]["pages"].as_u64().unwrap() >= 3);

        let dir = tempfile::tempdir().unwrap();
        let saved = dir.path().join("response.json");
        std::fs::write(&saved, gw.list_body()).unwrap();
        let mut cmd = keylint_in(dir.path());
        cmd.args(["check", "--format", "json", "--now", NOW, "--input"])
            .arg(&saved);
        let read = run_clean(&mut cmd, &[CANARY]);
        let input: Value = serde_json::from_str(&read.stdout).expect("a JSON report");
        assert_eq!(read.code, 1, "{dialect:?}: {}", read.stderr);
        assert_eq!(input["inventory"]["gateway"], name(dialect), "{dialect:?}");
        assert!(
            !fetched["findings"].as_array().unwrap().is_empty(),
            "{dialect:?}"
        );
        assert_eq!(fetched["findings"], input["findings"], "{dialect:?}");
        assert_eq!(fetched["summary"], input["summary"], "{dialect:?}");
    }
}

#[test]
fn each_dialect_is_asked_in_its_own_parameters() {
    let expect: [(Dialect, &[&str]); 3] = [
        // The probe is new-api's first page; kept, then pages 2, 3 and page 1 again.
        (
            Dialect::NewApi,
            &[
                "p=1&page_size=10",
                "p=2&page_size=10",
                "p=3&page_size=10",
                "p=1&page_size=10",
            ],
        ),
        // one-hub reads the probe as its first page at its default size: walked again.
        (
            Dialect::OneHub,
            &[
                "p=1&page_size=10",
                "page=1&size=10",
                "page=2&size=10",
                "page=3&size=10",
                "page=1&size=10",
            ],
        ),
        (
            Dialect::OneApiLaisky,
            &[
                "p=1&page_size=10",
                "p=0&size=10",
                "p=1&size=10",
                "p=2&size=10",
                "p=0&size=10",
            ],
        ),
    ];
    for (dialect, want) in expect {
        let gw = gateway(dialect, 25);
        let (out, _) = check_json(&gw, &["--concurrency", "1"]);
        assert_eq!(out.code, 1, "{dialect:?}: {}", out.stderr);
        assert_eq!(queries(&gw), want, "{dialect:?}");
    }
}

#[test]
fn without_a_total_the_list_is_read_to_an_empty_page_twice() {
    for (dialect, page) in [
        (Dialect::NewApiLegacy, "p={}&size=10"),
        (Dialect::Veloera, "p={}&size=10"),
        (Dialect::OneApi, "p={}"),
    ] {
        let gw = gateway(dialect, 25);
        let (out, report) = check_json(&gw, &["--concurrency", "1"]);
        assert_eq!(out.code, 1, "{dialect:?}: {}", out.stderr);
        assert_eq!(report["inventory"]["keys"], 25);
        // The probe, then pages 0..=3 (3 is empty) twice.
        let pass: Vec<String> = (0..4).map(|p| page.replace("{}", &p.to_string())).collect();
        let mut want = vec!["p=1&page_size=10".to_owned()];
        want.extend(pass.iter().cloned());
        want.extend(pass.iter().cloned());
        assert_eq!(queries(&gw), want, "{dialect:?}");
    }
}

#[test]
fn a_pinned_dialect_is_spoken_from_the_first_request() {
    for dialect in Dialect::ALL {
        let gw = gateway(dialect, 25);
        let (out, report) = check_json(&gw, &["--gateway", name(dialect)]);
        assert_eq!(out.code, 1, "{dialect:?}: {}", out.stderr);
        assert_eq!(report["inventory"]["keys"], 25, "{dialect:?}");
        let first = &queries(&gw)[0];
        let want = match dialect {
            Dialect::NewApi => "p=1&page_size=10",
            Dialect::OneHub => "page=1&size=10",
            Dialect::OneApi => "p=0",
            _ => "p=0&size=10",
        };
        assert_eq!(first, want, "{dialect:?}");
    }
}

#[test]
fn a_pinned_dialect_that_does_not_fit_is_exit_3_naming_both() {
    let wrong = [
        (Dialect::NewApi, "one-hub"),
        (Dialect::NewApiLegacy, "one-api"),
        (Dialect::OneApi, "new-api-legacy"),
        (Dialect::OneHub, "new-api"),
        (Dialect::OneApiLaisky, "one-api"),
        (Dialect::Veloera, "new-api"),
    ];
    for (dialect, pinned) in wrong {
        let gw = gateway(dialect, 25);
        let (out, _) = check_json(&gw, &["--gateway", pinned]);
        assert_eq!(out.code, 3, "{dialect:?} as {pinned}: {}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("not the {pinned} dialect named by --gateway")),
            "{dialect:?} as {pinned}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(&format!("({})", name(dialect))),
            "{dialect:?} as {pinned}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("--gateway auto"), "{}", out.stderr);
    }
}

#[test]
fn a_page_parameter_the_gateway_ignores_is_exit_3_suggesting_gateway() {
    for dialect in Dialect::ALL {
        let gw = FakeGateway::start(Options {
            dialect,
            ..Options::with_keys(25).fault(None, 0, fake_gateway::ALWAYS, Fault::IgnorePageParam)
        });
        let (out, _) = check_json(&gw, &[]);
        assert_eq!(out.code, 3, "{dialect:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("list the same keys: the gateway ignores"),
            "{dialect:?}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("--gateway"), "{}", out.stderr);
        assert!(gw.requests().len() <= 6, "{dialect:?}: {:?}", queries(&gw));
    }
}

#[test]
fn keys_created_and_deleted_during_the_scan_end_in_the_final_state_or_exit_3() {
    for dialect in Dialect::ALL {
        for (fault, page) in [(Fault::CreateKey, 2), (Fault::DeleteKey, 1)] {
            let gw = FakeGateway::start(Options {
                dialect,
                ..Options::with_keys(25).fault(Some(page), 0, 1, fault.clone())
            });
            let out = keylint(&gw, &["fetch", "--page-size", "10"]);
            match out.code {
                0 => assert_eq!(snapshot_ids(&out), gw.ids(), "{dialect:?} {fault:?}"),
                3 => assert!(out.stderr.contains("walks"), "{}", out.stderr),
                code => panic!("{dialect:?} {fault:?}: exit {code}: {}", out.stderr),
            }
        }
    }
}

#[test]
fn keys_changing_on_every_pass_never_settle_and_exit_3() {
    for dialect in Dialect::ALL {
        let gw = FakeGateway::start(Options {
            dialect,
            ..Options::with_keys(25).fault(Some(2), 0, fake_gateway::ALWAYS, Fault::CreateKey)
        });
        let out = keylint(&gw, &["fetch", "--page-size", "10"]);
        assert_eq!(out.code, 3, "{dialect:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("could not be read consistently in 3 walks"),
            "{dialect:?}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn malformed_answers_are_exit_3_on_every_dialect() {
    for dialect in Dialect::ALL {
        for fault in [Fault::TruncatedJson, Fault::SuccessFalse("boom".to_owned())] {
            let gw = FakeGateway::start(Options {
                dialect,
                ..Options::with_keys(25).fault(None, 1, 1, fault.clone())
            });
            let (out, _) = check_json(&gw, &["--retries", "0"]);
            assert_eq!(out.code, 3, "{dialect:?} {fault:?}: {}", out.stderr);
            assert!(out.stdout.is_empty());
        }
    }
}

#[test]
fn the_user_id_goes_in_both_user_headers() {
    for dialect in [Dialect::NewApi, Dialect::NewApiLegacy, Dialect::Veloera] {
        let gw = FakeGateway::start(Options {
            dialect,
            user_id: Some(42),
            ..Options::with_keys(25)
        });
        let (out, report) = check_json(&gw, &["--user-id", "42"]);
        assert_eq!(out.code, 1, "{dialect:?}: {}", out.stderr);
        assert_eq!(report["inventory"]["keys"], 25);
        for request in gw.requests() {
            assert_eq!(request.headers["new-api-user"], "42");
            assert_eq!(request.headers["veloera-user"], "42");
        }
        let (without, _) = check_json(&gw, &[]);
        assert_eq!(without.code, 3, "{dialect:?}: {}", without.stderr);
        assert!(without.stderr.contains("--user-id"), "{}", without.stderr);
    }
}

#[test]
fn laisky_records_without_an_integer_id_are_refused() {
    let gw = FakeGateway::start(Options {
        dialect: Dialect::OneApiLaisky,
        uuid_only: true,
        ..Options::with_keys(5)
    });
    let (out, _) = check_json(&gw, &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("uuid"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn one_hub_is_never_asked_for_more_than_100_a_page() {
    let gw = gateway(Dialect::OneHub, 250);
    let out = keylint(&gw, &["check", "--format", "json", "--now", NOW]);
    let report: Value = serde_json::from_str(&out.stdout).expect("a JSON report");
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(report["inventory"]["keys"], 250);
    for query in queries(&gw).iter().skip(1) {
        assert!(query.ends_with("&size=100"), "{query}");
    }
}

#[test]
fn an_empty_inventory_is_complete_on_every_dialect() {
    for dialect in Dialect::ALL {
        let gw = gateway(dialect, 0);
        let (out, report) = check_json(&gw, &[]);
        assert_eq!(out.code, 0, "{dialect:?}: {}", out.stderr);
        assert_eq!(report["inventory"]["keys"], 0, "{dialect:?}");
    }
}

#[test]
fn input_documents_honour_a_pinned_dialect() {
    let gw = gateway(Dialect::OneHub, 5);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("response.json");
    std::fs::write(&saved, gw.list_body()).unwrap();
    let mut cmd = keylint_in(dir.path());
    cmd.args(["check", "--gateway", "new-api", "--input"])
        .arg(&saved);
    let out = run_clean(&mut cmd, &[CANARY]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("one-hub"), "{}", out.stderr);
}
