//! Validating a SARIF log against the OASIS schema (an unmodified copy in `tests/fixtures`),
//! with formats (`uri`, `uri-reference`, `date-time`) checked, as `tests/reports.rs` does.

#![allow(dead_code)]

use serde_json::Value;

/// The schema's own `run.language` pattern (on `run` and `toolComponent`) has a stray `]` that
/// the meta-schema's `regex` format refuses; it is replaced in memory by what it means to say
/// (keylint never writes `language`).
pub fn validator() -> jsonschema::Validator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sarif-schema-2.1.0.json");
    let mut schema: Value =
        serde_json::from_slice(&std::fs::read(path).expect("schema")).expect("schema is JSON");
    for definition in ["run", "toolComponent"] {
        let pattern = &mut schema["definitions"][definition]["properties"]["language"]["pattern"];
        assert_eq!(pattern, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
        *pattern = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    }
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

/// Fails with every schema error of `log`.
pub fn assert_valid(log: &Value) {
    let validator = validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .take(20)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
