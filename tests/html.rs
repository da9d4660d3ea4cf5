//! `--format html` end to end: the page is self-contained (only `#` links, no `src`), its
//! Content-Security-Policy names the hashes of exactly its inline style and script, it has one
//! table row per finding of the JSON report of the same run, and hostile key names, groups and
//! allowlist entries show as text while no key value reaches it.

#[path = "support/command.rs"]
mod command;

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use command::{NOW, keylint_in, root, run_clean};
use sha2::{Digest, Sha256};

const EXAMPLE: &str = "examples/inventory.json";
const HOSTILE: &str = "tests/fixtures/hostile-html.json";
const HOSTILE_NAMES: [&str; 3] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(2)>",
    "</script><script>alert(3)</script>",
];

/// `keylint check` of `input` from `dir` in `format`, with `extra` flags; stdout.
fn check(dir: &Path, input: &str, format: &str, extra: &[&str]) -> String {
    let outcome = run_clean(
        keylint_in(dir)
            .args([
                "check", "-q", "--input", input, "--now", NOW, "--format", format,
            ])
            .args(extra),
        &["CANARY"],
    );
    assert!(outcome.code == 0 || outcome.code == 1, "{}", outcome.stderr);
    outcome.stdout
}

/// The values of attribute `name` in every start tag of `html` (as maud writes them: quoted
/// with `"`).
fn attribute_values<'h>(html: &'h str, name: &str) -> Vec<&'h str> {
    let needle = format!(" {name}=\"");
    let mut values = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&needle) {
        rest = &rest[at + needle.len()..];
        let end = rest.find('"').expect("attribute closed");
        values.push(&rest[..end]);
        rest = &rest[end..];
    }
    values
}

/// The text between `open` and the next `close`, for each occurrence.
fn elements<'h>(html: &'h str, open: &str, close: &str) -> Vec<&'h str> {
    html.split(open)
        .skip(1)
        .map(|part| &part[..part.find(close).expect("element closed")])
        .collect()
}

fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// (rule id, key id or empty), in report order.
type Pairs = Vec<(String, String)>;

/// The (rule, key id) of every table row, and of every finding of the JSON report.
fn rows_and_findings(input: &str, extra: &[&str]) -> (Pairs, Pairs) {
    let html = check(root(), input, "html", extra);
    let rows = elements(&html, "<tr data-severity=", ">")
        .into_iter()
        .map(|tag| {
            let tag = format!(" data-severity={tag}");
            (
                attribute_values(&tag, "data-rule")[0].to_owned(),
                attribute_values(&tag, "data-key")[0].to_owned(),
            )
        })
        .collect();
    let json: serde_json::Value =
        serde_json::from_str(&check(root(), input, "json", extra)).expect("JSON report");
    let findings = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let key = f["key_id"].as_i64().map(|id| id.to_string());
            (
                f["rule"].as_str().expect("rule").to_owned(),
                key.unwrap_or_default(),
            )
        })
        .collect();
    (rows, findings)
}

#[test]
fn the_page_is_self_contained_and_its_policy_allows_only_its_own_style_and_script() {
    let html = check(root(), EXAMPLE, "html", &[]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(attribute_values(&html, "src").is_empty());
    let hrefs = attribute_values(&html, "href");
    assert!(!hrefs.is_empty());
    for href in hrefs {
        assert!(href.starts_with('#') && href.len() > 1, "{href}");
    }
    for forbidden in [
        "url(", "@import", "http://", "https://", "//cdn", "<link", "<iframe",
    ] {
        let outside_svg_namespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(!outside_svg_namespace.contains(forbidden), "{forbidden}");
    }
    let policies: Vec<&str> = elements(
        &html,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"",
        "\"",
    );
    assert_eq!(policies.len(), 1);
    let policy = policies[0].replace("&#39;", "'");
    let scripts = elements(&html, "<script>", "</script>");
    let styles = elements(&html, "<style>", "</style>");
    assert_eq!((scripts.len(), styles.len()), (1, 1));
    assert_eq!(html.matches("<script").count(), 1);
    assert_eq!(
        policy,
        format!(
            "default-src 'none'; style-src {}; script-src {}; base-uri 'none'; form-action 'none'",
            csp_hash(styles[0]),
            csp_hash(scripts[0])
        )
    );
    // Every picture is inline SVG.
    assert!(html.matches("<svg ").count() >= 3);
}

#[test]
fn the_table_has_one_row_per_finding_of_the_json_report() {
    let (rows, findings) = rows_and_findings(EXAMPLE, &[]);
    assert_eq!(rows.len(), 31);
    assert_eq!(rows, findings);
    // Waived findings are rows too, marked as suppressed, like in the JSON report.
    let (rows, findings) = rows_and_findings(EXAMPLE, &["--config", "examples/keylint.toml"]);
    assert_eq!(rows, findings);
    let html = check(
        root(),
        EXAMPLE,
        "html",
        &["--config", "examples/keylint.toml"],
    );
    assert_eq!(html.matches("<tr data-severity=").count(), findings.len());
    assert_eq!(html.matches("class=\"suppressed\"><td").count(), 2);
    assert!(html.contains("waived: CI runners run on hosted runners"));
}

#[test]
fn findings_about_the_policy_are_rows_linked_to_the_policy_section() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join(EXAMPLE), dir.path().join("inventory.json")).unwrap();
    std::fs::write(
        dir.path().join("keylint.toml"),
        "[[waiver]]\nrules = [\"KL101\"]\nids = [99999]\nreason = \"<b>gone</b>\"\n",
    )
    .unwrap();
    let html = check(dir.path(), "inventory.json", "html", &[]);
    assert!(html.contains("data-rule=\"KL003\" data-key=\"\""), "{html}");
    assert!(html.contains("<a href=\"#policy\">policy</a>"));
    assert!(html.contains("<section id=\"policy\">"));
    assert!(!html.contains("<b>gone</b>"));
    assert_links_resolve(&html);
}

/// Every link of the page leads to an element of the page.
fn assert_links_resolve(html: &str) {
    for href in attribute_values(html, "href") {
        assert!(html.contains(&format!(" id=\"{}\"", &href[1..])), "{href}");
    }
}

#[test]
fn hostile_names_show_as_text_and_no_key_value_reaches_the_page() {
    let html = check(root(), HOSTILE, "html", &[]);
    for name in HOSTILE_NAMES {
        assert!(!html.contains(name), "{name} unescaped");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
    for markup in [
        "<img",
        "<svg onload",
        "<b ",
        "onerror=alert(4)>",
        "alert(3)</script>",
    ] {
        assert!(!html.contains(markup), "{markup}");
    }
    assert_eq!(html.matches("<script").count(), 1);
    assert_eq!(html.matches("</script>").count(), 1);
    assert!(!html.contains("CANARY"));
    // The record of every key with findings is shown, its offending field marked.
    assert!(html.contains("<article class=\"key\" id=\"key-1\">"));
    assert!(html.contains("<mark>-1</mark>"));
    assert_links_resolve(&html);
    let mut per_rule = BTreeMap::new();
    let (rows, findings) = rows_and_findings(HOSTILE, &[]);
    for (rule, _) in &rows {
        *per_rule.entry(rule.clone()).or_insert(0) += 1;
    }
    assert_eq!(rows, findings);
    assert_eq!(per_rule.len(), 5);
}
