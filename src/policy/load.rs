//! Loading rule packs: TOML text -> raw serde structs with spans -> a validated [`Policy`].
//!
//! The document is parsed once into toml's spanned tree; each `[[rule]]` table is then
//! deserialized on its own (`deny_unknown_fields`), so one bad rule does not hide the problems
//! of the next, and every value is validated after parsing with its span kept for the
//! diagnostic. A pack with any problem fails the whole load: keylint never falls back to
//! defaults on a bad policy.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::diagnostic::{IssueSink, PolicyError, PolicyIssue};
use super::{DEFAULT_PACK, DEFAULT_PACK_PATH, Origin, Policy, Rule, RuleKind, Selector};
use crate::checks::field::{Condition, Param};
use crate::checks::{self, CheckKind, Params};
use crate::finding::Severity;
use crate::inventory::EffectiveStatus;
use crate::suggest::did_you_mean;

/// The largest policy file keylint reads.
const MAX_POLICY_BYTES: u64 = 4 * 1024 * 1024;

/// The top-level keys a rule pack may hold.
const TOP_LEVEL_KEYS: [&str; 1] = ["rule"];

/// Which packs make up the policy.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    /// Load the embedded default pack first.
    pub default_rules: bool,
    /// Extra packs (`--rules`), in order.
    pub packs: Vec<PathBuf>,
}

/// Loads the tool's own rules, the default pack (unless switched off) and every extra pack.
pub fn load_policy(options: &PolicyOptions) -> Result<Policy, PolicyError> {
    let mut loader = Loader::default();
    loader.rules.push(incomplete_record_rule());
    let mut issues = Vec::new();
    let mut files = Vec::new();
    if options.default_rules {
        issues.extend(loader.load_text(DEFAULT_PACK_PATH, DEFAULT_PACK.into(), true));
        if !issues.is_empty() {
            files.push(DEFAULT_PACK_PATH.to_owned());
        }
    }
    for path in &options.packs {
        let shown = path.display().to_string();
        let text = read_policy_file(path)?;
        let found = loader.load_text(&shown, text.into(), false);
        if !found.is_empty() {
            files.push(shown);
        }
        issues.extend(found);
    }
    if issues.is_empty() {
        Ok(Policy {
            rules: loader.rules,
        })
    } else {
        Err(PolicyError::Invalid {
            count: issues.len(),
            files: files.join(", "),
            issues,
        })
    }
}

fn read_policy_file(path: &std::path::Path) -> Result<String, PolicyError> {
    let unreadable = |reason: String| PolicyError::Unreadable {
        path: path.display().to_string(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_POLICY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_POLICY_BYTES {
        return Err(unreadable(format!(
            "larger than {} MiB",
            MAX_POLICY_BYTES / 1024 / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|_| unreadable("not UTF-8 text".to_owned()))
}

/// KL001, which keylint defines itself: it exists whatever packs are loaded.
fn incomplete_record_rule() -> Rule {
    Rule {
        id: "KL001".to_owned(),
        name: "incomplete-record".to_owned(),
        severity: Severity::Error,
        enabled: true,
        kind: RuleKind::IncompleteRecord,
        summary: "Key record lacks fields that the rules need".to_owned(),
        help: Some(
            "Check --base-url and the input file; rules that need a missing field were not evaluated for this key."
                .to_owned(),
        ),
        selector: Selector::default(),
        params: Params::Numbers(Vec::new()),
        origin: Origin {
            file: None,
            line: 1,
        },
    }
}

/// A `[[rule]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRule {
    id: Spanned<String>,
    name: Spanned<String>,
    severity: Spanned<String>,
    check: Spanned<String>,
    summary: Spanned<String>,
    #[serde(default)]
    help: Option<Spanned<String>>,
    #[serde(default)]
    when: Option<RawWhen>,
    #[serde(default)]
    params: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
}

/// `[rule.when]`: which keys a rule applies to.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawWhen {
    /// Effective statuses, or `["any"]`. Omitted: `["enabled"]`.
    #[serde(default)]
    status: Option<Spanned<Vec<Spanned<String>>>>,
    /// Name globs.
    #[serde(default)]
    name: Option<Vec<Spanned<String>>>,
    /// Group globs.
    #[serde(default)]
    group: Option<Vec<Spanned<String>>>,
    /// Key ids.
    #[serde(default)]
    ids: Option<Vec<Spanned<i64>>>,
}

#[derive(Default)]
struct Loader {
    rules: Vec<Rule>,
    /// Rule id and name -> where it was first defined, for duplicate errors.
    defined: HashMap<String, String>,
}

impl Loader {
    /// Parses and validates one pack, appending its rules; returns its problems.
    fn load_text(&mut self, path: &str, text: Arc<str>, builtin: bool) -> Vec<PolicyIssue> {
        let mut sink = IssueSink::new(path, text.clone());
        let (root, syntax_errors) = DeTable::parse_recoverable(&text);
        if !syntax_errors.is_empty() {
            for err in syntax_errors {
                sink.push(
                    err.span(),
                    "TOML syntax error",
                    err.message().to_owned(),
                    None,
                );
            }
            return sink.issues;
        }
        let mut new_rules = Vec::new();
        for (key, value) in root.get_ref() {
            let name: &str = key.get_ref();
            if name != "rule" {
                let help = did_you_mean(name, TOP_LEVEL_KEYS)
                    .map(|s| format!("did you mean `{s}`?"))
                    .or_else(|| Some("a rule pack holds [[rule]] tables".to_owned()));
                sink.push(
                    Some(key.span()),
                    format!("unknown key `{name}`"),
                    "not a rule pack key",
                    help,
                );
                continue;
            }
            let DeValue::Array(tables) = value.get_ref() else {
                sink.push(
                    Some(value.span()),
                    "`rule` must be an array of tables",
                    "write each rule as a [[rule]] table",
                    None,
                );
                continue;
            };
            for table in tables.iter() {
                if !matches!(table.get_ref(), DeValue::Table(_)) {
                    sink.push(
                        Some(table.span()),
                        "each `rule` entry must be a table",
                        "not a table",
                        None,
                    );
                    continue;
                }
                match RawRule::deserialize(ValueDeserializer::from(table.clone())) {
                    Ok(raw) => {
                        if let Some(rule) = self.validate(raw, path, &text, builtin, &mut sink) {
                            new_rules.push(rule);
                        }
                    }
                    Err(err) => {
                        let span = err.span().or_else(|| Some(table.span()));
                        let help = unknown_field_help(err.message());
                        sink.push(span, err.message().to_owned(), "here", help);
                    }
                }
            }
        }
        self.rules.extend(new_rules);
        sink.issues
    }

    fn validate(
        &mut self,
        raw: RawRule,
        path: &str,
        text: &str,
        builtin: bool,
        sink: &mut IssueSink,
    ) -> Option<Rule> {
        let before = sink.issues.len();
        let line = line_of(text, raw.id.span().start);

        let id = raw.id.get_ref();
        if !is_rule_id(id) {
            sink.push(
                Some(raw.id.span()),
                format!("invalid rule id `{id}`"),
                "not an id",
                Some("rule ids are capital letters followed by digits, e.g. ACME001".to_owned()),
            );
        } else if !builtin && id.starts_with("KL") {
            sink.push(
                Some(raw.id.span()),
                format!("rule id `{id}` uses the reserved KL prefix"),
                "reserved for keylint's own rules",
                Some("choose a prefix of your own, e.g. ACME001; to change a built-in rule use [override] in keylint.toml".to_owned()),
            );
        }
        let name = raw.name.get_ref();
        if !is_rule_name(name) {
            sink.push(
                Some(raw.name.span()),
                format!("invalid rule name `{name}`"),
                "not a name",
                Some(
                    "rule names are lowercase words joined by hyphens, e.g. prod-needs-allowlist"
                        .to_owned(),
                ),
            );
        }
        for (what, value, span) in [("id", id, raw.id.span()), ("name", name, raw.name.span())] {
            let here = format!("{path} line {line}");
            if let Some(first) = self.defined.get(value) {
                sink.push(
                    Some(span),
                    format!("duplicate rule {what} `{value}`"),
                    "defined again here",
                    Some(format!("first defined in {first}")),
                );
            } else if is_rule_id(value) || is_rule_name(value) {
                self.defined.insert(value.to_owned(), here);
            }
        }

        let severity = Severity::from_name(raw.severity.get_ref());
        if severity.is_none() {
            sink.push(
                Some(raw.severity.span()),
                format!("unknown severity `{}`", raw.severity.get_ref()),
                "not a severity",
                Some("valid severities: error, warning, note".to_owned()),
            );
        }

        let kind = checks::lookup(raw.check.get_ref());
        if kind.is_none() {
            let names = checks::REGISTRY.iter().map(|k| k.name);
            let help = match did_you_mean(raw.check.get_ref(), names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "run `keylint rules` or see the README for the check kinds".to_owned(),
            };
            sink.push(
                Some(raw.check.span()),
                format!("unknown check kind `{}`", raw.check.get_ref()),
                "not a check kind",
                Some(help),
            );
        }
        if raw.summary.get_ref().trim().is_empty() {
            sink.push(
                Some(raw.summary.span()),
                "the summary is empty",
                "say in one line what the rule enforces",
                None,
            );
        }

        let selector = validate_when(raw.when, sink);
        let params = kind.map(|kind| validate_params(kind, raw.params, raw.check.span(), sink));

        if sink.issues.len() > before {
            return None;
        }
        Some(Rule {
            id: id.clone(),
            name: name.clone(),
            severity: severity?,
            enabled: true,
            kind: RuleKind::Check(kind?),
            summary: raw.summary.into_inner(),
            help: raw.help.map(Spanned::into_inner),
            selector,
            params: params??,
            origin: Origin {
                file: Some(path.to_owned()),
                line,
            },
        })
    }
}

fn validate_when(when: Option<RawWhen>, sink: &mut IssueSink) -> Selector {
    let Some(when) = when else {
        return Selector::enabled_keys();
    };
    let mut selector = Selector::default();
    match when.status {
        None => selector.statuses = Some(vec![EffectiveStatus::Enabled]),
        Some(list) => {
            let span = list.span();
            let items = list.into_inner();
            if items.is_empty() {
                sink.push(
                    Some(span),
                    "`status` is empty, so the rule would apply to no key",
                    "empty list",
                    Some("use [\"any\"] for every key, or omit it for enabled keys".to_owned()),
                );
            }
            let any = items.iter().any(|s| s.get_ref() == "any");
            let mut statuses = Vec::new();
            for item in &items {
                match (
                    item.get_ref().as_str(),
                    EffectiveStatus::from_name(item.get_ref()),
                ) {
                    ("any", _) => {}
                    (_, Some(status)) => statuses.push(status),
                    (other, None) => sink.push(
                        Some(item.span()),
                        format!("unknown key status `{other}`"),
                        "not a status",
                        Some(
                            "valid statuses: enabled, disabled, expired, exhausted, unknown, any"
                                .to_owned(),
                        ),
                    ),
                }
            }
            selector.statuses = if any { None } else { Some(statuses) };
        }
    }
    selector.names = when.name.and_then(|p| build_globs(p, sink));
    selector.groups = when.group.and_then(|p| build_globs(p, sink));
    selector.ids = when
        .ids
        .map(|ids| ids.into_iter().map(Spanned::into_inner).collect());
    selector
}

fn build_globs(
    patterns: Vec<Spanned<String>>,
    sink: &mut IssueSink,
) -> Option<(GlobSet, Vec<String>)> {
    let mut builder = GlobSetBuilder::new();
    let mut written = Vec::new();
    let mut ok = true;
    for pattern in patterns {
        match Glob::new(pattern.get_ref()) {
            Ok(glob) => {
                builder.add(glob);
                written.push(pattern.into_inner());
            }
            Err(err) => {
                ok = false;
                sink.push(
                    Some(pattern.span()),
                    format!("invalid glob `{}`", pattern.get_ref()),
                    err.kind().to_string(),
                    None,
                );
            }
        }
    }
    let set = builder.build().ok()?;
    ok.then_some((set, written))
}

fn validate_params(
    kind: &'static CheckKind,
    params: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    check_span: Range<usize>,
    sink: &mut IssueSink,
) -> Option<Params> {
    let params = params.unwrap_or_default();
    if kind.name == "field" {
        return validate_field_params(params, check_span, sink);
    }
    let mut values: Vec<(&'static str, i64)> =
        kind.params.iter().map(|p| (p.name, p.default)).collect();
    let mut ok = true;
    for (key, value) in params {
        let Some(spec) = kind.params.iter().find(|p| p.name == key.get_ref()) else {
            ok = false;
            let names: Vec<&str> = kind.params.iter().map(|p| p.name).collect();
            let help = match did_you_mean(key.get_ref(), names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if names.is_empty() => format!("`{}` takes no parameters", kind.name),
                None => format!("`{}` takes: {}", kind.name, names.join(", ")),
            };
            sink.push(
                Some(key.span()),
                format!(
                    "unknown parameter `{}` for check `{}`",
                    key.get_ref(),
                    kind.name
                ),
                "unknown parameter",
                Some(help),
            );
            continue;
        };
        match value.get_ref() {
            toml::Value::Integer(n) if (spec.min..=spec.max).contains(n) => {
                if let Some(slot) = values.iter_mut().find(|(n, _)| *n == spec.name) {
                    slot.1 = *n;
                }
            }
            toml::Value::Integer(n) => {
                ok = false;
                sink.push(
                    Some(value.span()),
                    format!(
                        "`{}` is {n}, outside {}..={}",
                        spec.name, spec.min, spec.max
                    ),
                    "out of range",
                    Some(spec.doc.to_owned()),
                );
            }
            _ => {
                ok = false;
                sink.push(
                    Some(value.span()),
                    format!("`{}` must be an integer", spec.name),
                    "not an integer",
                    Some(spec.doc.to_owned()),
                );
            }
        }
    }
    ok.then_some(Params::Numbers(values))
}

fn validate_field_params(
    mut params: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    check_span: Range<usize>,
    sink: &mut IssueSink,
) -> Option<Params> {
    let mut take = |name: &str| {
        let key = params.keys().find(|k| k.get_ref() == name).cloned()?;
        params.remove_entry(&key)
    };
    let field = take("field");
    let op = take("op");
    let value = take("value");
    let mut ok = true;
    for key in params.keys() {
        ok = false;
        let help = did_you_mean(key.get_ref(), ["field", "op", "value"])
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| "`field` takes: field, op, value".to_owned());
        sink.push(
            Some(key.span()),
            format!("unknown parameter `{}` for check `field`", key.get_ref()),
            "unknown parameter",
            Some(help),
        );
    }
    let text = |entry: &Option<(Spanned<String>, Spanned<toml::Value>)>,
                name: &str,
                sink: &mut IssueSink| {
        match entry {
            None => {
                sink.push(
                    Some(check_span.clone()),
                    format!("check `field` needs `params.{name}`"),
                    "in this rule",
                    None,
                );
                None
            }
            Some((_, v)) => match v.get_ref() {
                toml::Value::String(s) => Some(s.clone()),
                _ => {
                    sink.push(
                        Some(v.span()),
                        format!("`{name}` must be a string"),
                        "not a string",
                        None,
                    );
                    None
                }
            },
        }
    };
    let field_name = text(&field, "field", sink);
    let op_name = text(&op, "op", sink);
    let (Some(field_name), Some(op_name)) = (field_name, op_name) else {
        return None;
    };
    match Condition::compile(
        &field_name,
        &op_name,
        value.as_ref().map(|(_, v)| v.get_ref()),
    ) {
        Ok(condition) if ok => Some(Params::Field(condition)),
        Ok(_) => None,
        Err(err) => {
            let span = match err.param {
                Param::Field => field.map(|(_, v)| v.span()),
                Param::Op => op.map(|(_, v)| v.span()),
                Param::Value => value.map(|(_, v)| v.span()).or(op.map(|(_, v)| v.span())),
            };
            sink.push(span, err.message, "here", err.help);
            None
        }
    }
}

/// serde's unknown-field message lists the expected fields; turn it into a "did you mean".
fn unknown_field_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(field, candidates.iter().copied()).map(|s| format!("did you mean `{s}`?"))
}

fn is_rule_id(id: &str) -> bool {
    let letters = id.bytes().take_while(u8::is_ascii_uppercase).count();
    letters > 0 && letters < id.len() && id.bytes().skip(letters).all(|b| b.is_ascii_digit())
}

fn is_rule_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_pack(text: &str) -> Result<Policy, Vec<PolicyIssue>> {
        let mut loader = Loader::default();
        let issues = loader.load_text("pack.toml", text.into(), false);
        if issues.is_empty() {
            Ok(Policy {
                rules: loader.rules,
            })
        } else {
            Err(issues)
        }
    }

    fn messages(text: &str) -> Vec<String> {
        load_pack(text)
            .expect_err("pack must be rejected")
            .into_iter()
            .map(|i| i.message)
            .collect()
    }

    const GOOD: &str = r#"
[[rule]]
id = "ACME001"
name = "prod-needs-allowlist"
severity = "error"
check = "no-ip-allowlist"
summary = "Production keys must be restricted"
[rule.when]
status = ["any"]
name = ["prod-*"]
"#;

    #[test]
    fn default_pack_loads() {
        let policy = load_policy(&PolicyOptions {
            default_rules: true,
            packs: vec![],
        })
        .expect("default pack is valid");
        assert_eq!(policy.rules[0].id, "KL001");
        assert!(policy.rules.iter().any(|r| r.id == "KL101"));
        assert_eq!(
            policy.rules[1].origin.file.as_deref(),
            Some(DEFAULT_PACK_PATH)
        );
    }

    #[test]
    fn a_good_pack_loads_with_its_selector() {
        let policy = load_pack(GOOD).expect("valid");
        let rule = &policy.rules[0];
        assert_eq!(rule.id, "ACME001");
        assert_eq!(rule.origin.line, 3);
        assert!(rule.selector.statuses.is_none());
        assert_eq!(rule.selector.names.as_ref().unwrap().1, vec!["prod-*"]);
    }

    #[test]
    fn every_problem_of_a_file_is_reported() {
        let found = messages(
            r#"
[[rule]]
id = "KL900"
name = "Bad Name"
severity = "fatal"
check = "no-expiri"
summary = ""
[rule.when]
status = ["enabeld"]
name = ["[oops"]

[[rule]]
id = "ACME2"
name = "x"
severity = "note"
check = "key-age"
summary = "s"
colour = "red"
"#,
        );
        assert_eq!(
            found,
            vec![
                "rule id `KL900` uses the reserved KL prefix",
                "invalid rule name `Bad Name`",
                "unknown severity `fatal`",
                "unknown check kind `no-expiri`",
                "the summary is empty",
                "unknown key status `enabeld`",
                "invalid glob `[oops`",
                "unknown field `colour`, expected one of `id`, `name`, `severity`, `check`, `summary`, `help`, `when`, `params`",
            ]
        );
    }

    #[test]
    fn params_are_checked_against_the_kind() {
        let found = messages(
            r#"
[[rule]]
id = "A1"
name = "a"
severity = "note"
check = "key-age"
summary = "s"
params = { max-age-day = 3 }

[[rule]]
id = "A2"
name = "b"
severity = "note"
check = "key-age"
summary = "s"
params = { max-age-days = "3" }

[[rule]]
id = "A3"
name = "c"
severity = "note"
check = "key-age"
summary = "s"
params = { max-age-days = -1 }
"#,
        );
        assert_eq!(
            found,
            vec![
                "unknown parameter `max-age-day` for check `key-age`",
                "`max-age-days` must be an integer",
                "`max-age-days` is -1, outside 0..=36500",
            ]
        );
    }

    #[test]
    fn field_conditions_are_typed() {
        let found = messages(
            r#"
[[rule]]
id = "A1"
name = "a"
severity = "note"
check = "field"
summary = "s"
params = { field = "remain_quota", op = "eq", value = "10" }

[[rule]]
id = "A2"
name = "b"
severity = "note"
check = "field"
summary = "s"
params = { field = "group" }
"#,
        );
        assert_eq!(
            found,
            vec![
                "`remain_quota` is an integer, but the value is a string",
                "check `field` needs `params.op`",
            ]
        );
    }

    #[test]
    fn duplicates_and_syntax_errors() {
        let dup = format!("{GOOD}{}", GOOD.replace("ACME001", "ACME002"));
        assert_eq!(
            messages(&dup),
            vec!["duplicate rule name `prod-needs-allowlist`"]
        );
        assert_eq!(messages("[[rule]\nid = 1"), vec!["TOML syntax error"]);
        assert_eq!(messages("rules = []"), vec!["unknown key `rules`"]);
    }

    #[test]
    fn ids_and_names() {
        assert!(is_rule_id("ACME001") && is_rule_id("KL1"));
        assert!(!is_rule_id("ACME") && !is_rule_id("001") && !is_rule_id("Acme1"));
        assert!(is_rule_name("prod-needs-allowlist") && !is_rule_name("-x"));
        assert_eq!(line_of("a\nb\nc", 2), 2);
    }
}
