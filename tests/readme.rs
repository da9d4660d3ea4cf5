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
