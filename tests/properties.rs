//! Property tests of the pure parts: `allow_ips` and `model_limits` against a model of SPEC §4,
//! the effective status against SPEC §4's four steps, fingerprints stable and unique within a
//! run, and every report format well-formed for hostile key names and groups. None of the
//! generated inputs may panic.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::LazyLock;

use ipnet::IpNet;
use keylint::eval::finding::{Finding, Severity};
use keylint::inventory::{
    AllowList, EffectiveStatus, Field, Inventory, JsonType, KeyRecord, ParsedEntry, model_entries,
    parse_inventory,
};
use keylint::policy::{Policy, PolicyOptions, load_policy};
use keylint::report::{self, FailOn, Run, Summary};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{Value, json};

/// 2026-11-26T12:00:00Z in unix seconds.
const NOW: i64 = 1_795_694_400;

/// A config with `cases` cases that writes no regression file.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Generators

/// Pieces of an `allow_ips` string: addresses, CIDRs (canonical or not, valid or not), junk and
/// every separator the gateway treats specially.
fn allow_piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "1.2.3.4",
        "10.0.0.0/8",
        "10.1.2.3/8",
        "192.168.1.1",
        "1.2.3.4/33",
        "0.0.0.0/0",
        "::1",
        "2001:db8::/32",
        "2001:db8::1/129",
        "fe80::1%eth0",
        "1.2.3.45",
        "999.1.1.1",
        "junk",
        "/",
        "1.2.3",
        " ",
        "  ",
        "\t",
        ",",
        "\n",
        "\r",
        "\r\n",
        "\u{a0}",
        "\u{85}",
    ])
}

fn allow_ips() -> impl Strategy<Value = String> {
    prop::collection::vec(allow_piece(), 0..16).prop_map(|pieces| pieces.concat())
}

fn model_piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "gpt-4o", "claude", ",", " ", "\t", "\n", "\u{a0}", "é", "😀", "", "a b",
    ])
}

fn model_limits() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(model_piece(), 0..12).prop_map(|pieces| pieces.concat()),
        any::<String>(),
    ]
}

/// Text that tries every way out of a report: quotes, backslashes, line breaks, C0 and C1
/// controls, ESC, BEL, bidi overrides, zero-width characters, noncharacters, non-BMP
/// characters, markup and workflow-command syntax.
fn hostile_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "\"",
            "'",
            "\\",
            "\n",
            "\r",
            "\r\n",
            "\t",
            "\u{0}",
            "\u{7}",
            "\u{1b}[31m",
            "\u{7f}",
            "\u{85}",
            "\u{9b}",
            "\u{202e}",
            "\u{2066}",
            "\u{200b}",
            "\u{feff}",
            "\u{fffe}",
            "\u{ffff}",
            "\u{1fffe}",
            "😀",
            "𝕏",
            "名",
            "%",
            "%0A",
            "%25",
            "::",
            "::error::x",
            ":",
            ",",
            "<",
            ">",
            "&",
            "]]>",
            "--",
            "|",
            "`",
            "*",
            "key",
            " ",
        ])
        .prop_map(str::to_owned),
        any::<char>().prop_map(String::from),
    ]
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_piece(), 0..10).prop_map(|pieces| pieces.concat())
}

/// One key object as the list API sends it; `name`, `group`, `allow_ips` and `model_limits`
/// come from the caller.
#[derive(Debug, Clone)]
struct KeyParts {
    name: String,
    group: String,
    allow_ips: Option<String>,
    model_limits: String,
    model_limits_enabled: bool,
    status: i64,
    expired_time: i64,
    unlimited_quota: bool,
}

fn key_parts(name: BoxedStrategy<String>) -> impl Strategy<Value = KeyParts> {
    (
        name,
        prop::sample::select(vec!["default", "vip", ""]).prop_map(str::to_owned),
        prop::option::weighted(0.8, allow_ips()),
        model_limits(),
        any::<bool>(),
        prop::sample::select(vec![1_i64, 1, 1, 2, 0]),
        prop::sample::select(vec![-1_i64, 0, NOW - 1, NOW + 86_400, NOW + 400 * 86_400]),
        any::<bool>(),
    )
        .prop_map(
            |(
                name,
                group,
                allow_ips,
                model_limits,
                model_limits_enabled,
                status,
                expired_time,
                unlimited_quota,
            )| KeyParts {
                name,
                group,
                allow_ips,
                model_limits,
                model_limits_enabled,
                status,
                expired_time,
                unlimited_quota,
            },
        )
}

fn key_object(id: usize, parts: &KeyParts) -> Value {
    json!({
        "id": id,
        "user_id": 1,
        "key": format!("sk-property-{id}-0123456789abcdef0123456789abcdef"),
        "status": parts.status,
        "name": parts.name,
        "created_time": NOW - 30 * 86_400,
        "accessed_time": NOW - 86_400,
        "expired_time": parts.expired_time,
        "remain_quota": 1000,
        "used_quota": 0,
        "unlimited_quota": parts.unlimited_quota,
        "model_limits_enabled": parts.model_limits_enabled,
        "model_limits": parts.model_limits,
        "allow_ips": parts.allow_ips,
        "group": parts.group,
        "cross_group_retry": false,
    })
}

fn inventory_of(keys: &[KeyParts]) -> Inventory {
    let objects: Vec<Value> = keys
        .iter()
        .enumerate()
        .map(|(i, parts)| key_object(i + 1, parts))
        .collect();
    parse_inventory(&serde_json::to_vec(&objects).unwrap(), "https://gw.example")
        .expect("an array of key objects parses")
}

static POLICY: LazyLock<Policy> = LazyLock::new(|| {
    load_policy(&PolicyOptions {
        default_rules: true,
        packs: Vec::new(),
    })
    .expect("the default policy loads")
});

fn run<'a>(inventory: &'a Inventory, findings: &'a [Finding]) -> Run<'a> {
    Run {
        policy: &POLICY,
        inventory,
        findings,
        now: NOW,
        summary: Summary::count(findings, FailOn(Some(Severity::Note))),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. allow_ips

/// SPEC §4: null or all ASCII spaces is no restriction; otherwise remove every space, split on
/// `\n` only, trim each piece, delete every `,`, drop empty pieces.
fn allow_ips_model(raw: Option<&str>) -> Vec<String> {
    let Some(raw) = raw else { return Vec::new() };
    let without_spaces = raw.replace(' ', "");
    if without_spaces.is_empty() {
        return Vec::new();
    }
    without_spaces
        .split('\n')
        .map(|piece| piece.trim().replace(',', ""))
        .filter(|entry| !entry.is_empty())
        .collect()
}

/// What `std::net` and `ipnet` make of an entry's text.
fn parsed_model(text: &str) -> ParsedEntry {
    if let Ok(net) = text.parse::<IpNet>() {
        ParsedEntry::Cidr(net)
    } else if let Ok(addr) = text.parse::<IpAddr>() {
        ParsedEntry::Address(addr)
    } else {
        ParsedEntry::Invalid
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn allow_ips_normalise_as_the_gateway_does(raw in prop::option::weighted(0.9, allow_ips())) {
        let list = AllowList::parse(raw.as_deref());
        let texts: Vec<&str> = list.entries.iter().map(|e| e.text.as_ref()).collect();
        prop_assert_eq!(texts, allow_ips_model(raw.as_deref()));
        prop_assert_eq!(list.is_unrestricted(), list.entries.is_empty());
        for entry in &list.entries {
            prop_assert_eq!(entry.parsed, parsed_model(&entry.text));
            prop_assert!(entry.line < list.lines.len());
        }
        if let Some(raw) = raw.as_deref() {
            for line in &list.lines {
                prop_assert!(!raw[line.raw.clone()].contains('\n'));
            }
        }
    }

    #[test]
    fn allow_ips_of_any_text_parse_without_panicking(raw in any::<String>()) {
        let list = AllowList::parse(Some(&raw));
        let texts: Vec<&str> = list.entries.iter().map(|e| e.text.as_ref()).collect();
        prop_assert_eq!(texts, allow_ips_model(Some(&raw)));
    }
}

// ---------------------------------------------------------------------------------------------
// 2. model_limits

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn model_limits_split_on_commas_only(raw in model_limits()) {
        let entries: Vec<_> = model_entries(&raw).collect();
        let model: Vec<&str> = raw.split(',').collect();
        prop_assert_eq!(entries.len(), model.len());
        for (entry, text) in entries.iter().zip(model) {
            prop_assert_eq!(entry.text, text);
            prop_assert_eq!(&raw[entry.range.clone()], text);
            let usable = !text.is_empty()
                && !text.starts_with(char::is_whitespace)
                && !text.ends_with(char::is_whitespace);
            prop_assert_eq!(entry.is_usable(), usable, "{:?}", text);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Effective status

fn field<T: std::fmt::Debug + Clone + 'static>(
    value: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Field<T>> {
    prop_oneof![
        6 => value.prop_map(Field::Present),
        1 => Just(Field::Missing),
        1 => Just(Field::Mistyped(JsonType::String)),
    ]
}

fn around_now() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(-1_i64),
        Just(0),
        Just(i64::MIN),
        Just(i64::MAX),
        -5_i64..0,
        (NOW - 3..NOW + 3),
        any::<i64>(),
    ]
}

/// SPEC §4 "Effective status"; a field the computation needs but cannot read does not count
/// against the key (the record's documented reading).
fn status_model(
    status: &Field<i64>,
    expired: &Field<i64>,
    remain: &Field<i64>,
    unlimited: &Field<bool>,
    now: i64,
) -> EffectiveStatus {
    match status.value() {
        Some(1) => {}
        Some(2) => return EffectiveStatus::Disabled,
        Some(3) => return EffectiveStatus::Expired,
        Some(4) => return EffectiveStatus::Exhausted,
        _ => return EffectiveStatus::Unknown,
    }
    let expired_now = expired.value().is_some_and(|e| e != -1 && e < now);
    if expired_now {
        return EffectiveStatus::Expired;
    }
    let limited = unlimited.value() == Some(false);
    if limited && remain.value().is_some_and(|r| r <= 0) {
        return EffectiveStatus::Exhausted;
    }
    EffectiveStatus::Enabled
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn effective_status_follows_the_spec(
        status in field(prop_oneof![1_i64..=4, Just(0_i64), Just(5_i64), Just(-1_i64), any::<i64>()]),
        expired_time in field(around_now()),
        remain_quota in field(prop_oneof![-2_i64..=2, any::<i64>()]),
        unlimited_quota in field(any::<bool>()),
        now in prop_oneof![Just(NOW), any::<i64>()],
    ) {
        let expected = status_model(&status, &expired_time, &remain_quota, &unlimited_quota, now);
        let record = KeyRecord {
            id: 1,
            status,
            expired_time,
            remain_quota,
            unlimited_quota,
            ..KeyRecord::default()
        };
        prop_assert_eq!(record.effective_status(now), expected);
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Fingerprints

fn plain_name() -> BoxedStrategy<String> {
    prop::sample::select(vec!["ci", "ci", "prod", "", "a,b", "名"])
        .prop_map(str::to_owned)
        .boxed()
}

fn all_distinct<'a>(values: impl IntoIterator<Item = &'a str>) -> bool {
    let mut seen = HashSet::new();
    values.into_iter().all(|v| seen.insert(v))
}

fn sarif_fingerprints(sarif: &str, name: &str) -> Vec<String> {
    let log: Value = serde_json::from_str(sarif).expect("SARIF parses");
    log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            r["partialFingerprints"][name]
                .as_str()
                .expect("fingerprint")
                .to_owned()
        })
        .collect()
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn fingerprints_are_stable_and_unique(
        keys in prop::collection::vec(key_parts(plain_name()), 1..6),
    ) {
        let inventory = inventory_of(&keys);
        let (findings, _) = keylint::lint(&POLICY, &inventory, NOW, None);
        let (again, _) = keylint::lint(&POLICY, &inventory, NOW, None);
        let prints: Vec<String> = findings
            .iter()
            .map(|f| f.fingerprint(&POLICY.rules[f.rule].id))
            .collect();
        let prints_again: Vec<String> = again
            .iter()
            .map(|f| f.fingerprint(&POLICY.rules[f.rule].id))
            .collect();
        prop_assert_eq!(&prints, &prints_again);
        prop_assert!(all_distinct(prints.iter().map(String::as_str)), "{:?}", prints);

        let run = run(&inventory, &findings);
        let json: Value = serde_json::from_str(&report::json::render(&run)).expect("JSON parses");
        let json_prints: Vec<&str> = json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["fingerprint"].as_str().expect("fingerprint"))
            .collect();
        prop_assert_eq!(json_prints.len(), findings.len());
        prop_assert!(all_distinct(json_prints.iter().copied()));

        let sarif = report::sarif::render(&run);
        for name in ["keylint/v1", "primaryLocationLineHash"] {
            let sarif_prints = sarif_fingerprints(&sarif, name);
            prop_assert_eq!(sarif_prints.len(), findings.len());
            prop_assert!(all_distinct(sarif_prints.iter().map(String::as_str)), "{}", name);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Every report format well-formed for hostile names and groups

/// The OASIS schema in `tests/fixtures`, with the one pattern the meta-schema refuses replaced
/// by what it means to say (as `tests/reports.rs` does), formats checked.
static SARIF_SCHEMA: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sarif-schema-2.1.0.json"
    );
    let mut schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    for definition in ["run", "toolComponent"] {
        let pattern = &mut schema["definitions"][definition]["properties"]["language"]["pattern"];
        *pattern = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    }
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
});

fn hostile_keys() -> impl Strategy<Value = Vec<KeyParts>> {
    prop::collection::vec(
        (
            key_parts(hostile_text().boxed()),
            hostile_text(),
            prop::option::of((hostile_text(), hostile_text())),
        )
            .prop_map(|(mut parts, group, lists)| {
                parts.group = group;
                // Findings quote the lists' entries too.
                if let Some((allow_ips, model_limits)) = lists {
                    parts.allow_ips = Some(allow_ips);
                    parts.model_limits = model_limits;
                }
                parts
            }),
        1..4,
    )
}

/// A line or a whole text holds nothing a terminal or log would act on: no raw control,
/// bidi, zero-width or noncharacter except the line feed.
fn assert_visible(format: &str, text: &str) -> Result<(), TestCaseError> {
    let raw: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && keylint::text::escape::is_unsafe(c))
        .collect();
    prop_assert!(raw.is_empty(), "{} holds raw {:?}:\n{}", format, raw, text);
    Ok(())
}

/// Every `%` of a command's text starts one of GitHub's escapes.
fn percent_escaped(text: &str) -> bool {
    text.match_indices('%').all(|(i, _)| {
        ["%25", "%0D", "%0A", "%3A", "%2C"]
            .iter()
            .any(|e| text[i..].starts_with(e))
    })
}

/// GitHub workflow commands: one command per line, nothing injected into its properties or
/// data.
fn assert_github_commands(
    text: &str,
    annotations: report::github::Annotations,
) -> Result<(), TestCaseError> {
    assert_visible("github", text)?;
    prop_assert!(text.is_empty() || text.ends_with('\n'));
    // At most 10 per level; then a plain line when findings were left out.
    let left_out_note = usize::from(annotations.left_out > 0);
    prop_assert_eq!(text.lines().count(), annotations.annotated + left_out_note);
    for line in text.lines().take(annotations.annotated) {
        let rest = ["::error ", "::warning ", "::notice "]
            .iter()
            .find_map(|command| line.strip_prefix(command));
        prop_assert!(rest.is_some(), "{}", line);
        let (properties, data) = rest.unwrap().split_once("::").expect("properties::data");
        prop_assert!(properties.starts_with("title="), "{}", line);
        // Properties are comma-separated `name=value`: a value holds no `,` or `:`.
        prop_assert!(
            !properties.contains(':') && !properties.contains(','),
            "{}",
            line
        );
        prop_assert!(!data.contains('\r'), "{}", line);
        prop_assert!(
            percent_escaped(properties) && percent_escaped(data),
            "{}",
            line
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn every_format_is_well_formed_for_hostile_names(keys in hostile_keys()) {
        let inventory = inventory_of(&keys);
        let (findings, _) = keylint::lint(&POLICY, &inventory, NOW, None);
        let run = run(&inventory, &findings);

        let json: Value = serde_json::from_str(&report::json::render(&run)).expect("JSON parses");
        prop_assert_eq!(json["findings"].as_array().map(Vec::len), Some(findings.len()));

        let junit = report::junit::render(&run);
        let parsed = roxmltree::Document::parse(&junit);
        prop_assert!(parsed.is_ok(), "{:?}\n{}", parsed.err(), junit);

        let human = report::human::render(&run, false);
        assert_visible("human", &human)?;

        let annotations = report::github::Annotations::of(&run.summary);
        prop_assert_eq!(annotations.annotated + annotations.left_out, findings.len());
        assert_github_commands(&report::github::render(&run), annotations)?;

        for text in [report::markdown::render(&run), report::github::step_summary(&run)] {
            prop_assert!(text.chars().all(|c| c == '\n' || !keylint::text::escape::is_unsafe(c)), "{}", text);
        }
    }
}

proptest! {
    // Schema validation is the slow part.
    #![proptest_config(config(24))]

    #[test]
    fn sarif_validates_for_hostile_names(keys in hostile_keys()) {
        let inventory = inventory_of(&keys);
        let (findings, _) = keylint::lint(&POLICY, &inventory, NOW, None);
        let sarif = report::sarif::render(&run(&inventory, &findings));
        let log: Value = serde_json::from_str(&sarif).expect("SARIF parses");
        let errors: Vec<String> = SARIF_SCHEMA
            .iter_errors(&log)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        prop_assert!(errors.is_empty(), "{:?}", errors);
    }
}
