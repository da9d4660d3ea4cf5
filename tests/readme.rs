//! The README's rule table is the rule metadata: `keylint rules --format markdown` of the default
//! policy must appear in it verbatim (`scripts/build-readme-table.sh` rewrites it).

use keylint::policy::{PolicyOptions, load_policy};

#[test]
fn readme_rule_table_matches_the_rule_metadata() {
    let policy = load_policy(&PolicyOptions {
        default_rules: true,
        packs: vec![],
    })
    .expect("default policy");
    let table = keylint::app::rules_markdown(&policy);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    assert!(
        readme.contains(&table),
        "README.md's rule table is out of date: run scripts/build-readme-table.sh"
    );
    for rule in &policy.rules {
        assert!(
            readme.contains(&format!("| {} | `{}` |", rule.id, rule.name)),
            "{} missing from README",
            rule.id
        );
    }
}

/// The `keylint diff` output shown in the README's "Security reviews" section is what the
/// bundled pair of examples gives.
#[test]
fn readme_diff_example_is_the_real_output() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = assert_cmd::Command::cargo_bin("keylint")
        .expect("binary builds")
        .current_dir(root)
        .env_clear()
        .args([
            "diff",
            "examples/inventory-last-week.json",
            "examples/inventory.json",
            "--now",
            "2026-11-26T12:00:00Z",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let shown = String::from_utf8(out.stdout).expect("utf-8");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    assert!(
        readme.contains(shown.trim_end()),
        "README.md's diff example is out of date:\n{shown}"
    );
}
