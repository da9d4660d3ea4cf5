//! The JSON Schema (draft-07) of policy files — rule packs and `keylint.toml` — for editor
//! completion and validation (taplo, Even Better TOML). It is built from the code: the check
//! kinds and their parameters come from the registry, the field names and operators from the
//! `field` check, the rule ids of `[override.ID]` from the default pack. The committed copy,
//! `schema/keylint.schema.json`, is `keylint config --schema`; a test keeps the two equal and
//! checks that the schema lists exactly the keys the loader accepts.
//!
//! The schema cannot express everything the loader checks (rule names in `rules`, unique ids,
//! globs that compile, a valid calendar date): `keylint` remains the authority, and reports
//! every problem with its span.

use serde_json::{Map, Value, json};

use super::{DEFAULT_PACK_PATH, PolicyOptions, load_policy};
use crate::checks::field::Op;
use crate::checks::{CheckKind, pack_kinds};
use crate::inventory::{EffectiveStatus, FieldName};

/// Where the schema is published (its `$id`).
pub const SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/keylint/keylint/main/schema/keylint.schema.json";

/// The repository path of the committed schema.
pub const SCHEMA_PATH: &str = "schema/keylint.schema.json";

/// The schema as pretty-printed JSON with a trailing newline (the committed file's text).
pub fn render() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).expect("schema serializes");
    text.push('\n');
    text
}

/// The schema of a policy file.
pub fn json_schema() -> Value {
    let mut definitions = Map::new();
    definitions.insert(
        "severity".into(),
        json!({
            "description": "How much a finding matters.",
            "enum": ["error", "warning", "note"]
        }),
    );
    definitions.insert("rule".into(), rule_schema());
    definitions.insert("when".into(), when_schema());
    for kind in pack_kinds() {
        definitions.insert(format!("params-{}", kind.name), params_schema(kind));
        definitions.insert(
            format!("override-{}", kind.name),
            override_schema(Some(kind)),
        );
    }
    definitions.insert("override".into(), override_schema(None));
    definitions.insert("waiver".into(), waiver_schema());

    // `[override.ID]` by id and by name for every rule keylint and the default pack define, so
    // an editor completes them with the right parameters.
    let mut overrides = Map::new();
    let policy = load_policy(&PolicyOptions {
        default_rules: true,
        packs: Vec::new(),
    })
    .expect("the default pack is valid");
    for rule in &policy.rules {
        let target = match rule.kind.own() {
            None => format!("#/definitions/override-{}", rule.kind.name),
            Some(_) => "#/definitions/override".to_owned(),
        };
        for key in [&rule.id, &rule.name] {
            overrides.insert(
                key.clone(),
                json!({
                    "description": format!("{} {}: {}", rule.id, rule.name, rule.summary),
                    "$ref": target
                }),
            );
        }
    }

    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_URL,
        "title": "keylint policy",
        "description": "A keylint policy file: keylint.toml, or a rule pack given with --rules. Layers load in order: the default pack, --rules packs, keylint.toml.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "rule": {
                "description": "Rules of this file: each runs a check kind on the keys its `when` selects.",
                "type": "array",
                "items": { "$ref": "#/definitions/rule" }
            },
            "override": {
                "description": format!("Change a rule of an earlier layer (e.g. {DEFAULT_PACK_PATH}) or of this file, by id or name: [override.KL503]."),
                "type": "object",
                "properties": overrides,
                "additionalProperties": { "$ref": "#/definitions/override" }
            },
            "waiver": {
                "description": "Accepted findings: reported, marked with the reason, never counted for the exit code.",
                "type": "array",
                "items": { "$ref": "#/definitions/waiver" }
            }
        },
        "definitions": definitions
    })
}

fn rule_schema() -> Value {
    let kinds: Vec<&str> = pack_kinds().map(|k| k.name).collect();
    let conditionals: Vec<Value> = pack_kinds()
        .map(|kind| {
            json!({
                "if": {
                    "properties": { "check": { "const": kind.name } },
                    "required": ["check"]
                },
                "then": {
                    "properties": { "params": { "$ref": format!("#/definitions/params-{}", kind.name) } }
                }
            })
        })
        .collect();
    json!({
        "description": "A rule: an id and name, a severity, the check it runs, and which keys it applies to.",
        "type": "object",
        "additionalProperties": false,
        "required": ["id", "name", "severity", "check", "summary"],
        "properties": {
            "id": {
                "description": "Unique id: capital letters then digits, e.g. ACME001. The KL prefix is reserved for keylint's own rules.",
                "type": "string",
                "pattern": "^[A-Z]+[0-9]+$"
            },
            "name": {
                "description": "Unique name: lowercase words joined by hyphens, e.g. prod-needs-allowlist.",
                "type": "string",
                "pattern": "^[a-z][a-z0-9-]*$"
            },
            "severity": { "$ref": "#/definitions/severity" },
            "check": {
                "description": "The check kind the rule runs (`keylint explain` documents each), or the generic `field` check.",
                "enum": kinds
            },
            "summary": {
                "description": "One line: what the rule enforces.",
                "type": "string",
                "pattern": "\\S"
            },
            "help": {
                "description": "How to fix a finding.",
                "type": "string"
            },
            "when": { "$ref": "#/definitions/when" },
            "params": {
                "description": "Parameters of the check kind.",
                "type": "object"
            }
        },
        "allOf": conditionals
    })
}

fn when_schema() -> Value {
    let mut statuses: Vec<&str> = EffectiveStatus::ALL.iter().map(|s| s.as_str()).collect();
    statuses.push("any");
    json!({
        "description": "Which keys the rule applies to: AND across the keys of this table, OR within a list. Omitted: enabled keys.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "status": {
                "description": "Effective statuses; [\"any\"] for every key. Omitted: [\"enabled\"].",
                "type": "array",
                "minItems": 1,
                "items": { "enum": statuses }
            },
            "name": {
                "description": "Key name globs, e.g. [\"prod-*\"].",
                "type": "array",
                "items": { "type": "string" }
            },
            "group": {
                "description": "Group globs.",
                "type": "array",
                "items": { "type": "string" }
            },
            "ids": {
                "description": "Key ids.",
                "type": "array",
                "items": { "type": "integer" }
            }
        }
    })
}

fn params_schema(kind: &CheckKind) -> Value {
    if kind.name == "field" {
        let fields: Vec<&str> = FieldName::ALL
            .iter()
            .filter(|f| **f != FieldName::Key)
            .map(|f| f.as_str())
            .collect();
        let ops: Vec<&str> = Op::ALL.iter().map(|o| o.as_str()).collect();
        return json!({
            "description": "The condition `field op value` that makes the rule fire.",
            "type": "object",
            "additionalProperties": false,
            "required": ["field", "op"],
            "properties": {
                "field": { "description": "A key record field.", "enum": fields },
                "op": { "description": "The operator; see `keylint explain` of a field rule.", "enum": ops },
                "value": { "description": "The value to compare with: same type as the field, an array for in / not-in, globs for glob / not-glob, whole days for older-than-days / newer-than-days; none for empty / not-empty." }
            }
        });
    }
    let mut properties = Map::new();
    for param in kind.params {
        properties.insert(
            param.name.to_owned(),
            json!({
                "description": param.doc,
                "type": "integer",
                "minimum": param.min,
                "maximum": param.max,
                "default": param.default
            }),
        );
    }
    json!({
        "description": format!("Parameters of the `{}` check.", kind.name),
        "type": "object",
        "additionalProperties": false,
        "properties": properties
    })
}

fn override_schema(kind: Option<&CheckKind>) -> Value {
    let params = match kind {
        Some(kind) => json!({ "$ref": format!("#/definitions/params-{}", kind.name) }),
        None => json!({
            "description": "Parameters to change; the others keep their values.",
            "type": "object"
        }),
    };
    json!({
        "description": "Changes to a rule: its severity, whether it runs, its parameters.",
        "type": "object",
        "additionalProperties": false,
        "minProperties": 1,
        "properties": {
            "severity": { "$ref": "#/definitions/severity" },
            "enabled": {
                "description": "false switches the rule off.",
                "type": "boolean"
            },
            "params": params
        }
    })
}

fn waiver_schema() -> Value {
    json!({
        "description": "Accepted findings of some rules on some keys, with a reason; after `expires` they count again and KL002 fires, and a waiver that matches nothing fires KL003.",
        "type": "object",
        "additionalProperties": false,
        "required": ["rules", "reason"],
        "anyOf": [
            { "required": ["keys"] },
            { "required": ["ids"] }
        ],
        "properties": {
            "rules": {
                "description": "The waived rules, by id or name.",
                "type": "array",
                "minItems": 1,
                "items": { "type": "string" }
            },
            "keys": {
                "description": "Key name globs, e.g. [\"ci-runner-*\"].",
                "type": "array",
                "minItems": 1,
                "items": { "type": "string" }
            },
            "ids": {
                "description": "Key ids.",
                "type": "array",
                "minItems": 1,
                "items": { "type": "integer" }
            },
            "reason": {
                "description": "Why the findings are accepted (required, not blank).",
                "type": "string",
                "pattern": "\\S"
            },
            "owner": {
                "description": "Who granted the waiver.",
                "type": "string",
                "pattern": "\\S"
            },
            "expires": {
                "description": "The last day the waiver is valid (through 23:59:59 UTC): \"2027-03-31\" or a TOML date.",
                "type": "string",
                "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde::de::DeserializeOwned;

    use super::*;
    use crate::policy::raw::{RawOverride, RawRule, RawWaiver, RawWhen, TOP_LEVEL_KEYS};

    /// The committed schema is what the code generates. `KEYLINT_UPDATE_SCHEMA=1 cargo test`
    /// rewrites it (or `keylint config --schema > schema/keylint.schema.json`).
    #[test]
    fn committed_schema_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/keylint.schema.json");
        let generated = render();
        if std::env::var_os("KEYLINT_UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "{SCHEMA_PATH} is out of date: run `KEYLINT_UPDATE_SCHEMA=1 cargo test committed_schema`"
        );
    }

    /// The fields serde accepts for a raw struct, from its unknown-field error.
    fn fields_of<T: DeserializeOwned>() -> BTreeSet<String> {
        let message = match toml::from_str::<T>("zz-unknown = 1") {
            Ok(_) => panic!("an unknown field is refused"),
            Err(err) => err.message().to_owned(),
        };
        let expected = message
            .split_once("expected ")
            .expect("serde lists the expected fields")
            .1;
        expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }

    fn properties(schema: &Value, pointer: &str) -> BTreeSet<String> {
        schema
            .pointer(pointer)
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("{pointer} is an object"))
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn the_schema_lists_exactly_the_keys_the_loader_accepts() {
        let schema = json_schema();
        let top: BTreeSet<String> = TOP_LEVEL_KEYS.iter().map(|k| k.to_string()).collect();
        assert_eq!(properties(&schema, "/properties"), top);
        for (definition, fields) in [
            ("rule", fields_of::<RawRule>()),
            ("when", fields_of::<RawWhen>()),
            ("override", fields_of::<RawOverride>()),
            ("waiver", fields_of::<RawWaiver>()),
        ] {
            assert_eq!(
                properties(&schema, &format!("/definitions/{definition}/properties")),
                fields,
                "{definition}"
            );
        }
        for kind in pack_kinds().filter(|k| k.name != "field") {
            let declared: BTreeSet<String> = kind.params.iter().map(|p| p.name.into()).collect();
            assert_eq!(
                properties(
                    &schema,
                    &format!("/definitions/params-{}/properties", kind.name)
                ),
                declared,
                "{}",
                kind.name
            );
        }
        let field = properties(&schema, "/definitions/params-field/properties");
        assert_eq!(field, ["field", "op", "value"].map(String::from).into());
        let overrides = properties(&schema, "/properties/override/properties");
        assert!(overrides.contains("KL503") && overrides.contains("key-age"));
        assert!(overrides.contains("KL001") && overrides.contains("unused-waiver"));
    }
}
