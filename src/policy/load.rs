//! Loading policy files: TOML text -> raw serde structs with spans -> a validated [`Policy`].
//!
//! A policy is built in layers: keylint's own rules (KL001-KL003), the embedded default pack,
//! each `--rules` pack, then `keylint.toml`. Every layer uses one schema: `[[rule]]` tables add
//! rules, `[override.ID]` tables change the severity, `enabled` flag or parameters of a rule of
//! an earlier layer (or of the same file), and `[[waiver]]` tables accept findings with a reason.
//! Within a file, rules are loaded first, then overrides, then waivers, whatever their order in
//! the text.
//!
//! The document is parsed once into toml's spanned tree; each table is then deserialized on its
//! own (`deny_unknown_fields`), so one bad table does not hide the problems of the next, and
//! every value is validated after parsing with its span kept for the diagnostic. A file with any
//! problem fails the whole load: keylint never falls back to defaults on a bad policy.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::diagnostic::{IssueSink, PolicyError, PolicyIssue};
use super::{
    Change, DEFAULT_PACK, DEFAULT_PACK_PATH, Origin, Policy, Rule, SHIPPED_PACKS, Selector, Waiver,
};
use crate::checks::field::{Condition, Param};
use crate::checks::{self, CheckKind, Params};
use crate::eval::finding::Severity;
use crate::inventory::EffectiveStatus;
use crate::text::suggest::did_you_mean;

/// The largest policy file keylint reads.
const MAX_POLICY_BYTES: u64 = 4 * 1024 * 1024;

/// The top-level keys a policy file may hold.
pub const TOP_LEVEL_KEYS: [&str; 3] = ["rule", "override", "waiver"];

/// Which files make up the policy.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    /// Load the embedded default pack first.
    pub default_rules: bool,
    /// Extra packs (`--rules`), in order, then the config file (`keylint.toml`) last. A path
    /// equal to the name of a shipped pack (`strict`) loads that pack from the binary.
    pub packs: Vec<PathBuf>,
}

/// Loads the tool's own rules, the default pack (unless switched off) and every extra file.
pub fn load_policy(options: &PolicyOptions) -> Result<Policy, PolicyError> {
    let mut loader = Loader::default();
    for rule in builtin_rules() {
        for value in [&rule.id, &rule.name] {
            loader
                .defined
                .insert(value.clone(), "keylint itself".to_owned());
        }
        loader.rules.push(rule);
    }
    let mut issues = Vec::new();
    let mut files = Vec::new();
    if options.default_rules {
        issues.extend(loader.load_text(DEFAULT_PACK_PATH, DEFAULT_PACK.into(), true));
        if !issues.is_empty() {
            files.push(DEFAULT_PACK_PATH.to_owned());
        }
    }
    for path in &options.packs {
        let shipped = SHIPPED_PACKS
            .iter()
            .find(|(name, _, _)| path.as_os_str() == *name);
        let found = match shipped {
            Some((_, shown, text)) => {
                let found = loader.load_text(shown, (*text).into(), true);
                if !found.is_empty() {
                    files.push((*shown).to_owned());
                }
                found
            }
            None => {
                let shown = path.display().to_string();
                let text = read_policy_file(path)?;
                let found = loader.load_text(&shown, text.into(), false);
                if !found.is_empty() {
                    files.push(shown);
                }
                found
            }
        };
        issues.extend(found);
    }
    if issues.is_empty() {
        Ok(Policy {
            rules: loader.rules,
            waivers: loader.waivers,
            layers: loader.layers,
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
    crate::text::bounded::read_text_file(path, MAX_POLICY_BYTES).map_err(|e| {
        PolicyError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    })
}

/// The rules keylint defines itself (KL0xx): they exist whatever files are loaded.
pub fn builtin_rules() -> Vec<Rule> {
    crate::checks::own::OWN_RULES
        .iter()
        .map(|own| Rule {
            id: own.id.to_owned(),
            name: own.kind.name.to_owned(),
            severity: own.severity,
            enabled: true,
            kind: own.kind,
            summary: own.summary.to_owned(),
            help: Some(own.help.to_owned()),
            selector: Selector::default(),
            params: Params::Numbers(Vec::new()),
            origin: Origin {
                file: None,
                line: 1,
            },
            changes: Vec::new(),
        })
        .collect()
}

/// A `[[rule]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawRule {
    /// Unique id: capital letters then digits (`ACME001`); the `KL` prefix is keylint's.
    id: Spanned<String>,
    /// Unique name: lowercase words joined by hyphens (`prod-needs-allowlist`).
    name: Spanned<String>,
    /// `error`, `warning` or `note`.
    severity: Spanned<String>,
    /// A check kind (`keylint rules` lists the default pack's, one per kind), or `field`.
    check: Spanned<String>,
    /// One line: what the rule enforces.
    summary: Spanned<String>,
    /// How to fix a finding.
    #[serde(default)]
    help: Option<Spanned<String>>,
    /// Which keys the rule applies to; omitted: enabled keys.
    #[serde(default)]
    when: Option<RawWhen>,
    /// The check kind's parameters.
    #[serde(default)]
    params: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
}

/// `[rule.when]`: which keys a rule applies to.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawWhen {
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

/// An `[override.ID]` table as written: what to change in a rule of an earlier layer.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawOverride {
    /// The new severity: `error`, `warning` or `note`.
    #[serde(default)]
    severity: Option<Spanned<String>>,
    /// `false` switches the rule off; `true` switches it back on.
    #[serde(default)]
    enabled: Option<Spanned<bool>>,
    /// Parameters to change; the others keep their values. A `field` rule's condition is
    /// replaced as a whole (`field`, `op`, `value`).
    #[serde(default)]
    params: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
}

/// A `[[waiver]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawWaiver {
    /// The waived rules, by id or name.
    rules: Spanned<Vec<Spanned<String>>>,
    /// Key name globs.
    #[serde(default)]
    keys: Option<Spanned<Vec<Spanned<String>>>>,
    /// Key ids.
    #[serde(default)]
    ids: Option<Spanned<Vec<Spanned<i64>>>>,
    /// Why the findings are accepted; required, not blank.
    reason: Spanned<String>,
    /// Who granted the waiver.
    #[serde(default)]
    owner: Option<Spanned<String>>,
    /// The last day the waiver is valid (`2027-03-31`, or a TOML date).
    #[serde(default)]
    expires: Option<Spanned<toml::Value>>,
}

#[derive(Default)]
struct Loader {
    rules: Vec<Rule>,
    waivers: Vec<Waiver>,
    layers: Vec<String>,
    /// Rule id and name -> where it was first defined, for duplicate errors.
    defined: HashMap<String, String>,
}

impl Loader {
    /// Parses and validates one file, appending its rules, overrides and waivers; returns its
    /// problems.
    fn load_text(&mut self, path: &str, text: Arc<str>, builtin: bool) -> Vec<PolicyIssue> {
        let mut sink = IssueSink::new(path, text.clone());
        self.layers.push(path.to_owned());
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
        let (mut rules, mut overrides, mut waivers) = (None, None, None);
        for (key, value) in root.get_ref() {
            match key.get_ref().as_ref() {
                "rule" => rules = Some(value),
                "override" => overrides = Some(value),
                "waiver" => waivers = Some(value),
                name => {
                    let help = did_you_mean(name, TOP_LEVEL_KEYS)
                        .map(|s| format!("did you mean `{s}`?"))
                        .or_else(|| {
                            Some(
                                "a policy file holds [[rule]], [override.ID] and [[waiver]] tables"
                                    .to_owned(),
                            )
                        });
                    sink.push(
                        Some(key.span()),
                        format!("unknown key `{name}`"),
                        "not a policy file key",
                        help,
                    );
                }
            }
        }
        if let Some(value) = rules {
            let mut new_rules = Vec::new();
            for table in array_of_tables(value, "rule", &mut sink) {
                match RawRule::deserialize(ValueDeserializer::from(table.clone())) {
                    Ok(raw) => {
                        if let Some(rule) = self.validate(raw, path, &text, builtin, &mut sink) {
                            new_rules.push(rule);
                        }
                    }
                    Err(err) => push_serde_error(&err, table.span(), &mut sink),
                }
            }
            self.rules.extend(new_rules);
        }
        if let Some(value) = overrides {
            self.load_overrides(value, path, &text, &mut sink);
        }
        if let Some(value) = waivers {
            for table in array_of_tables(value, "waiver", &mut sink) {
                match RawWaiver::deserialize(ValueDeserializer::from(table.clone())) {
                    Ok(raw) => {
                        if let Some(waiver) =
                            self.validate_waiver(raw, table.span(), path, &text, &mut sink)
                        {
                            self.waivers.push(waiver);
                        }
                    }
                    Err(err) => push_serde_error(&err, table.span(), &mut sink),
                }
            }
        }
        // Report in file order, whatever order the tables were validated in.
        sink.issues
            .sort_by_key(|issue| issue.span.map_or(0, |span| span.offset()));
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
                Some("choose a prefix of your own, e.g. ACME001".to_owned()),
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
            push_unknown_severity(&raw.severity, sink);
        }

        let kind = checks::lookup(raw.check.get_ref());
        if kind.is_none() {
            let names = checks::pack_kinds().map(|k| k.name);
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
        let params =
            kind.map(|kind| validate_params(kind, raw.params, raw.check.span(), None, sink));

        if sink.issues.len() > before {
            return None;
        }
        Some(Rule {
            id: id.clone(),
            name: name.clone(),
            severity: severity?,
            enabled: true,
            kind: kind?,
            summary: raw.summary.into_inner(),
            help: raw.help.map(Spanned::into_inner),
            selector,
            params: params??,
            origin: Origin {
                file: Some(path.to_owned()),
                line,
            },
            changes: Vec::new(),
        })
    }

    /// The rule a token (an id or a name) names, among the rules loaded so far.
    fn find_rule(&self, token: &str) -> Option<usize> {
        self.rules
            .iter()
            .position(|r| r.id == token || r.name == token)
    }

    /// The "did you mean" help for a token that names no rule.
    fn rule_help(&self, token: &str) -> String {
        let names = self
            .rules
            .iter()
            .flat_map(|r| [r.id.as_str(), r.name.as_str()]);
        match did_you_mean(token, names) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "name a rule of an earlier layer or of this file by id or name; `keylint rules` lists them".to_owned(),
        }
    }

    /// `[override.ID]` tables: each names a rule loaded so far and changes it.
    fn load_overrides(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        path: &str,
        text: &str,
        sink: &mut IssueSink,
    ) {
        let DeValue::Table(table) = value.get_ref() else {
            sink.push(
                Some(value.span()),
                "`override` must be a table keyed by rule",
                "not a table",
                Some(
                    "write [override.KL503] (a rule id) or [override.key-age] (a name)".to_owned(),
                ),
            );
            return;
        };
        // In file order (the parsed table is sorted by key), so that "twice" points at the
        // second one written.
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        let mut seen: HashMap<usize, usize> = HashMap::new();
        for (key, body) in entries {
            let token: &str = key.get_ref();
            let Some(index) = self.find_rule(token) else {
                sink.push(
                    Some(key.span()),
                    format!("`[override.{token}]` names no rule"),
                    "unknown rule",
                    Some(self.rule_help(token)),
                );
                continue;
            };
            if let Some(first) = seen.get(&index) {
                sink.push(
                    Some(key.span()),
                    format!(
                        "rule {} is overridden twice in this file",
                        self.rules[index].id
                    ),
                    "second override",
                    Some(format!("the first is at line {first}; merge them")),
                );
                continue;
            }
            seen.insert(index, line_of(text, key.span().start));
            if !matches!(body.get_ref(), DeValue::Table(_)) {
                sink.push(
                    Some(body.span()),
                    format!("`override.{token}` must be a table"),
                    "not a table",
                    Some("set severity, enabled or params".to_owned()),
                );
                continue;
            }
            match RawOverride::deserialize(ValueDeserializer::from(body.clone())) {
                Ok(raw) => self.apply_override(index, raw, key.span(), path, text, sink),
                Err(err) => push_serde_error(&err, key.span(), sink),
            }
        }
    }

    fn apply_override(
        &mut self,
        index: usize,
        raw: RawOverride,
        key_span: Range<usize>,
        path: &str,
        text: &str,
        sink: &mut IssueSink,
    ) {
        let before = sink.issues.len();
        let origin = |span: Range<usize>| Origin {
            file: Some(path.to_owned()),
            line: line_of(text, span.start),
        };
        let rule = &self.rules[index];
        if raw.severity.is_none() && raw.enabled.is_none() && raw.params.is_none() {
            sink.push(
                Some(key_span.clone()),
                format!("`[override.{}]` changes nothing", key_text(text, &key_span)),
                "empty override",
                Some("set severity, enabled or params".to_owned()),
            );
        }
        let mut changes = Vec::new();
        let severity = raw.severity.as_ref().and_then(|s| {
            let parsed = Severity::from_name(s.get_ref());
            if parsed.is_none() {
                push_unknown_severity(s, sink);
            }
            parsed.map(|p| (p, s.span()))
        });
        let params = match (raw.params, rule.kind.own()) {
            (None, _) => None,
            (Some(params), None) => {
                let kind = rule.kind;
                let written: Vec<(String, Range<usize>)> = params
                    .iter()
                    .map(|(k, v)| (k.get_ref().clone(), k.span().start..v.span().end))
                    .collect();
                let validated = validate_params(
                    kind,
                    Some(params),
                    key_span.clone(),
                    Some(&rule.params),
                    sink,
                );
                validated.map(|p| (p, written))
            }
            (Some(params), _) => {
                let span = params
                    .keys()
                    .next()
                    .map(Spanned::span)
                    .unwrap_or(key_span.clone());
                sink.push(
                    Some(span),
                    format!("`{}` takes no parameters", rule.name),
                    "unknown parameter",
                    None,
                );
                None
            }
        };
        if sink.issues.len() > before {
            return;
        }
        let rule = &mut self.rules[index];
        if let Some((severity, span)) = severity {
            rule.severity = severity;
            changes.push(Change {
                setting: "severity".to_owned(),
                value: severity.to_string(),
                origin: origin(span),
            });
        }
        if let Some(enabled) = raw.enabled {
            rule.enabled = *enabled.get_ref();
            changes.push(Change {
                setting: "enabled".to_owned(),
                value: enabled.get_ref().to_string(),
                origin: origin(enabled.span()),
            });
        }
        if let Some((params, written)) = params {
            match &params {
                Params::Field(condition) => changes.push(Change {
                    setting: "params".to_owned(),
                    value: condition.describe(),
                    origin: origin(written.first().map_or(key_span, |w| w.1.clone())),
                }),
                Params::Numbers(values) => {
                    for (name, span) in written {
                        let value = values
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map_or(String::new(), |(_, v)| v.to_string());
                        changes.push(Change {
                            setting: format!("params.{name}"),
                            value,
                            origin: origin(span),
                        });
                    }
                }
            }
            rule.params = params;
        }
        rule.changes.extend(changes);
    }

    fn validate_waiver(
        &self,
        raw: RawWaiver,
        header: Range<usize>,
        path: &str,
        text: &Arc<str>,
        sink: &mut IssueSink,
    ) -> Option<Waiver> {
        let before = sink.issues.len();
        let mut rules: Vec<String> = Vec::new();
        if raw.rules.get_ref().is_empty() {
            sink.push(
                Some(raw.rules.span()),
                "`rules` is empty, so the waiver would waive nothing",
                "empty list",
                Some("name the waived rules by id or name, e.g. rules = [\"KL301\"]".to_owned()),
            );
        }
        for token in raw.rules.get_ref() {
            match self.find_rule(token.get_ref()) {
                None => sink.push(
                    Some(token.span()),
                    format!("`{}` names no rule", token.get_ref()),
                    "unknown rule",
                    Some(self.rule_help(token.get_ref())),
                ),
                Some(index) => {
                    let rule = &self.rules[index];
                    if rule.kind.reports_on_waivers() {
                        sink.push(
                            Some(token.span()),
                            format!("{} {} cannot be waived", rule.id, rule.name),
                            "reports on waivers themselves",
                            Some(format!(
                                "fix the waiver it reports, or switch it off with [override.{}] enabled = false",
                                rule.id
                            )),
                        );
                    } else if !rules.contains(&rule.id) {
                        rules.push(rule.id.clone());
                    }
                }
            }
        }
        let keys = match raw.keys {
            None => None,
            Some(list) if list.get_ref().is_empty() => {
                sink.push(
                    Some(list.span()),
                    "`keys` is empty",
                    "empty list",
                    Some("list key name globs, or leave `keys` out and use `ids`".to_owned()),
                );
                None
            }
            Some(list) => build_globs(list.into_inner(), sink),
        };
        let ids: Vec<i64> = match raw.ids {
            None => Vec::new(),
            Some(list) if list.get_ref().is_empty() => {
                sink.push(
                    Some(list.span()),
                    "`ids` is empty",
                    "empty list",
                    Some("list key ids, or leave `ids` out and use `keys`".to_owned()),
                );
                Vec::new()
            }
            Some(list) => list
                .into_inner()
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
        };
        if keys.is_none() && ids.is_empty() && sink.issues.len() == before {
            sink.push(
                Some(header.clone()),
                "the waiver names no key",
                "in this waiver",
                Some(
                    "add `keys` (name globs, e.g. [\"ci-runner-*\"]) and/or `ids` (key ids)"
                        .to_owned(),
                ),
            );
        }
        if raw.reason.get_ref().trim().is_empty() {
            sink.push(
                Some(raw.reason.span()),
                "the waiver's reason is empty",
                "say why these findings are accepted",
                Some("e.g. reason = \"CI runners have no fixed egress (SEC-142)\"".to_owned()),
            );
        }
        if let Some(owner) = &raw.owner
            && owner.get_ref().trim().is_empty()
        {
            sink.push(
                Some(owner.span()),
                "the waiver's owner is empty",
                "name a team or a person, or leave `owner` out",
                None,
            );
        }
        let expires = raw.expires.as_ref().and_then(|value| {
            let parsed = parse_date(value.get_ref());
            if let Err(message) = &parsed {
                sink.push(
                    Some(value.span()),
                    message.clone(),
                    "not a date",
                    Some("write the last valid day as expires = \"2027-03-31\"".to_owned()),
                );
            }
            parsed.ok()
        });
        if sink.issues.len() > before {
            return None;
        }
        Some(Waiver {
            rules,
            keys,
            ids,
            reason: raw.reason.get_ref().trim().to_owned(),
            owner: raw.owner.map(|o| o.get_ref().trim().to_owned()),
            expires,
            origin: Origin {
                file: Some(path.to_owned()),
                line: line_of(text, header.start),
            },
            source: Some((text.clone(), header)),
        })
    }
}

/// The tables of a `[[NAME]]` array, each a table; anything else is reported.
fn array_of_tables<'a, 'i>(
    value: &'a Spanned<DeValue<'i>>,
    name: &str,
    sink: &mut IssueSink,
) -> Vec<&'a Spanned<DeValue<'i>>> {
    let DeValue::Array(tables) = value.get_ref() else {
        sink.push(
            Some(value.span()),
            format!("`{name}` must be an array of tables"),
            format!("write each {name} as a [[{name}]] table"),
            None,
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for table in tables.iter() {
        if matches!(table.get_ref(), DeValue::Table(_)) {
            out.push(table);
        } else {
            sink.push(
                Some(table.span()),
                format!("each `{name}` entry must be a table"),
                "not a table",
                None,
            );
        }
    }
    out
}

/// A serde error of one table, at its span (or the table's), with a "did you mean" for an
/// unknown field.
fn push_serde_error(err: &toml::de::Error, fallback: Range<usize>, sink: &mut IssueSink) {
    let span = err.span().or(Some(fallback));
    let help = unknown_field_help(err.message());
    sink.push(span, err.message().to_owned(), "here", help);
}

fn push_unknown_severity(severity: &Spanned<String>, sink: &mut IssueSink) {
    let help = match did_you_mean(severity.get_ref(), ["error", "warning", "note"]) {
        Some(s) => format!("did you mean `{s}`? valid severities: error, warning, note"),
        None => "valid severities: error, warning, note".to_owned(),
    };
    sink.push(
        Some(severity.span()),
        format!("unknown severity `{}`", severity.get_ref()),
        "not a severity",
        Some(help),
    );
}

/// The text of a span (a table key as written).
fn key_text<'t>(text: &'t str, span: &Range<usize>) -> &'t str {
    text.get(span.clone()).unwrap_or_default()
}

/// A waiver's `expires`: a `YYYY-MM-DD` string or a TOML local date.
fn parse_date(value: &toml::Value) -> Result<time::Date, String> {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
        toml::Value::Datetime(_) => {
            return Err("`expires` is a day, not a time: write \"2027-03-31\"".to_owned());
        }
        _ => return Err("`expires` must be a date such as \"2027-03-31\"".to_owned()),
    };
    let parts: Vec<&str> = text.split('-').collect();
    let shape_ok = parts.len() == 3
        && [4, 2, 2]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit()));
    if !shape_ok {
        return Err(format!(
            "`{text}` is not a date in the form YYYY-MM-DD (e.g. 2027-03-31)"
        ));
    }
    let (year, month, day) = (
        parts[0].parse::<i32>().unwrap_or_default(),
        parts[1].parse::<u8>().unwrap_or_default(),
        parts[2].parse::<u8>().unwrap_or_default(),
    );
    time::Month::try_from(month)
        .ok()
        .and_then(|month| time::Date::from_calendar_date(year, month, day).ok())
        .ok_or_else(|| format!("`{text}` is not a valid calendar date"))
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

/// Validates a rule's parameters against its check kind. `base` holds the values that
/// unmentioned parameters keep (an override's rule); without it, the kind's defaults.
fn validate_params(
    kind: &'static CheckKind,
    params: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    check_span: Range<usize>,
    base: Option<&Params>,
    sink: &mut IssueSink,
) -> Option<Params> {
    let params = params.unwrap_or_default();
    if kind.name == "field" {
        return validate_field_params(params, check_span, sink);
    }
    let mut values: Vec<(&'static str, i64)> = match base {
        Some(Params::Numbers(values)) => values.clone(),
        _ => kind.params.iter().map(|p| (p.name, p.default)).collect(),
    };
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
                waivers: loader.waivers,
                layers: loader.layers,
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
        let ids: Vec<&str> = policy.rules[..4].iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["KL001", "KL002", "KL003", "KL101"]);
        assert_eq!(policy.rules[2].origin.file, None);
        assert_eq!(
            policy.rules[3].origin.file.as_deref(),
            Some(DEFAULT_PACK_PATH)
        );
        assert_eq!(policy.layers, [DEFAULT_PACK_PATH]);
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

    /// keylint's rules, the default pack, then `text` as keylint.toml.
    fn load_config(text: &str) -> Result<Policy, Vec<PolicyIssue>> {
        let mut loader = Loader::default();
        for rule in builtin_rules() {
            loader
                .defined
                .insert(rule.id.clone(), "keylint itself".to_owned());
            loader.rules.push(rule);
        }
        assert!(
            loader
                .load_text(DEFAULT_PACK_PATH, DEFAULT_PACK.into(), true)
                .is_empty()
        );
        let issues = loader.load_text("keylint.toml", text.into(), false);
        if issues.is_empty() {
            Ok(Policy {
                rules: loader.rules,
                waivers: loader.waivers,
                layers: loader.layers,
            })
        } else {
            Err(issues)
        }
    }

    /// (message, help, the text the span points at) of every problem.
    fn config_issues(text: &str) -> Vec<(String, Option<String>, String)> {
        load_config(text)
            .expect_err("config must be rejected")
            .into_iter()
            .map(|i| {
                let span = i.span.expect("every problem points into the file");
                let at = text[span.offset()..span.offset() + span.len()].to_owned();
                (i.message, i.help, at)
            })
            .collect()
    }

    fn rule<'p>(policy: &'p Policy, id: &str) -> &'p Rule {
        policy.rules.iter().find(|r| r.id == id).unwrap()
    }

    #[test]
    fn overrides_change_severity_enabled_and_params() {
        let policy = load_config(
            r#"
[override.KL503]
severity = "error"
params = { max-age-days = 30 }

[override.unnamed-key]
enabled = false

[override.overbroad-ip-range]
params = { min-prefix-v6 = 48 }
"#,
        )
        .expect("valid");
        let key_age = rule(&policy, "KL503");
        assert_eq!(key_age.severity, Severity::Error);
        assert_eq!(key_age.params, Params::Numbers(vec![("max-age-days", 30)]));
        assert_eq!(
            key_age.changes,
            vec![
                Change {
                    setting: "severity".into(),
                    value: "error".into(),
                    origin: Origin {
                        file: Some("keylint.toml".into()),
                        line: 3
                    }
                },
                Change {
                    setting: "params.max-age-days".into(),
                    value: "30".into(),
                    origin: Origin {
                        file: Some("keylint.toml".into()),
                        line: 4
                    }
                },
            ]
        );
        assert!(!rule(&policy, "KL507").enabled);
        // Parameters not mentioned keep their values.
        assert_eq!(
            rule(&policy, "KL305").params,
            Params::Numbers(vec![("min-prefix-v4", 8), ("min-prefix-v6", 48)])
        );
        // The rule's own origin is unchanged.
        assert_eq!(key_age.origin.file.as_deref(), Some(DEFAULT_PACK_PATH));
    }

    #[test]
    fn later_layers_override_earlier_ones_and_own_rules_can_be_relevelled() {
        let mut loader = Loader::default();
        loader.rules.extend(builtin_rules());
        assert!(
            loader
                .load_text(DEFAULT_PACK_PATH, DEFAULT_PACK.into(), true)
                .is_empty()
        );
        assert!(
            loader
                .load_text(
                    super::super::STRICT_PACK_PATH,
                    super::super::STRICT_PACK.into(),
                    true
                )
                .is_empty()
        );
        let config = "[override.key-age]\nparams = { max-age-days = 60 }\n\n[override.KL001]\nseverity = \"warning\"\n";
        assert!(
            loader
                .load_text("keylint.toml", config.into(), false)
                .is_empty()
        );
        let key_age = loader.rules.iter().find(|r| r.id == "KL503").unwrap();
        assert_eq!(key_age.params, Params::Numbers(vec![("max-age-days", 60)]));
        let files: Vec<Option<&str>> = key_age
            .changes
            .iter()
            .map(|c| c.origin.file.as_deref())
            .collect();
        assert_eq!(files, [Some("rules/strict.toml"), Some("keylint.toml")]);
        assert_eq!(loader.rules[0].severity, Severity::Warning);
    }

    #[test]
    fn strict_pack_tightens_the_default_pack() {
        let policy = load_policy(&PolicyOptions {
            default_rules: true,
            packs: vec![PathBuf::from("strict")],
        })
        .expect("strict pack loads");
        let param = |id: &str, name: &str| rule(&policy, id).params.number(name);
        assert_eq!(param("KL503", "max-age-days"), 30);
        assert_eq!(param("KL102", "max-days"), 90);
        assert_eq!(param("KL501", "unused-days"), 45);
        assert_eq!(param("KL502", "grace-days"), 7);
        assert_eq!(param("KL103", "within-days"), 14);
        assert_eq!(rule(&policy, "KL301").severity, Severity::Error);
        // No note is left: every note of the default pack is now a warning.
        assert!(policy.rules.iter().all(|r| r.severity != Severity::Note));
        assert_eq!(policy.layers, [DEFAULT_PACK_PATH, "rules/strict.toml"]);
        // Without the default pack there is nothing to tighten.
        let alone = load_policy(&PolicyOptions {
            default_rules: false,
            packs: vec![PathBuf::from("strict")],
        });
        assert!(matches!(alone, Err(PolicyError::Invalid { .. })));
    }

    #[test]
    fn a_field_rule_condition_is_replaced_by_an_override() {
        let policy = load_config(
            r#"
[[rule]]
id = "ACME001"
name = "no-auto-group"
severity = "warning"
check = "field"
summary = "s"
params = { field = "group", op = "eq", value = "auto" }

[override.ACME001]
params = { field = "group", op = "in", value = ["auto", "vip"] }
"#,
        )
        .expect("valid");
        let custom = rule(&policy, "ACME001");
        let Params::Field(condition) = &custom.params else {
            panic!("field rule")
        };
        assert_eq!(condition.describe(), "group in [\"auto\", \"vip\"]");
        assert_eq!(custom.changes[0].setting, "params");
    }

    #[test]
    fn override_problems_are_all_reported_with_did_you_mean() {
        let found = config_issues(
            r#"
[override.KL5O3]
severity = "error"

[override.key-agee]
enabled = false

[override.KL102]
params = { max-day = 30 }

[override.KL103]
params = { within-days = -1 }

[override.KL101]
severity = "fatal"

[override.KL201]
enabled = "no"

[override.KL202]

[override.KL001]
params = { x = 1 }

[override.KL301]
severty = "error"

[override.KL401]
severity = "error"

[override.no-model-limits]
enabled = false
"#,
        );
        let expected: Vec<(&str, Option<&str>, &str)> = vec![
            (
                "`[override.KL5O3]` names no rule",
                Some("did you mean `KL503`?"),
                "KL5O3",
            ),
            (
                "`[override.key-agee]` names no rule",
                Some("did you mean `key-age`?"),
                "key-agee",
            ),
            (
                "unknown parameter `max-day` for check `long-lifetime`",
                Some("did you mean `max-days`?"),
                "max-day",
            ),
            (
                "`within-days` is -1, outside 0..=36500",
                Some("How far ahead to warn about an expiry, in days."),
                "-1",
            ),
            (
                "unknown severity `fatal`",
                Some("valid severities: error, warning, note"),
                "\"fatal\"",
            ),
            (
                "invalid type: string \"no\", expected a boolean",
                None,
                "\"no\"",
            ),
            (
                "`[override.KL202]` changes nothing",
                Some("set severity, enabled or params"),
                "KL202",
            ),
            ("`incomplete-record` takes no parameters", None, "x"),
            (
                "unknown field `severty`, expected one of `severity`, `enabled`, `params`",
                Some("did you mean `severity`?"),
                "severty",
            ),
            (
                "rule KL401 is overridden twice in this file",
                Some("the first is at line 28; merge them"),
                "no-model-limits",
            ),
        ];
        let got: Vec<(&str, Option<&str>, &str)> = found
            .iter()
            .map(|(m, h, a)| (m.as_str(), h.as_deref(), a.as_str()))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn waivers_resolve_rules_by_id_or_name() {
        let policy = load_config(
            r#"
[[waiver]]
rules = ["KL301", "no-model-limits", "KL301"]
keys = ["ci-runner-*"]
ids = [1011]
reason = "  CI runners have no fixed egress (SEC-142)  "
owner = "platform-team"
expires = "2027-03-31"

[[waiver]]
rules = ["key-age"]
ids = [7]
reason = "legacy"
expires = 2027-04-01
"#,
        )
        .expect("valid");
        let [first, second] = &policy.waivers[..] else {
            panic!("two waivers")
        };
        assert_eq!(first.rules, ["KL301", "KL401"]);
        assert_eq!(first.keys.as_ref().unwrap().1, ["ci-runner-*"]);
        assert_eq!(first.ids, [1011]);
        assert_eq!(first.reason, "CI runners have no fixed egress (SEC-142)");
        assert_eq!(first.owner.as_deref(), Some("platform-team"));
        assert_eq!(first.expires.unwrap().to_string(), "2027-03-31");
        assert_eq!(first.location(), "keylint.toml:2");
        assert_eq!(
            first.scope(),
            "rules KL301, KL401; keys ci-runner-*; ids 1011"
        );
        assert_eq!(second.rules, ["KL503"]);
        assert!(second.keys.is_none());
        assert_eq!(second.expires.unwrap().to_string(), "2027-04-01");
        assert_eq!(second.location(), "keylint.toml:10");
        let (text, span) = second.source.as_ref().unwrap();
        assert_eq!(&text[span.clone()], "[[waiver]]");
    }

    #[test]
    fn waiver_problems_are_all_reported() {
        let found = config_issues(
            r#"
[[waiver]]
rules = ["KL31"]
keys = ["[oops"]
reason = " "
expires = "2027-02-30"

[[waiver]]
rules = ["unused-waiver"]
ids = [1]
reason = "r"
owner = ""
expires = "next week"

[[waiver]]
rules = []
reason = "r"

[[waiver]]
rules = ["KL301"]
reason = "r"
expires = 2027-03-31T12:00:00Z

[[waiver]]
rules = ["KL301"]
ids = [1]

[[waiver]]
rules = ["KL301"]
ids = [1]
reason = "r"
until = "2027-01-01"
"#,
        );
        let got: Vec<(&str, &str)> = found
            .iter()
            .map(|(m, _, a)| (m.as_str(), a.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("`KL31` names no rule", "\"KL31\""),
                ("invalid glob `[oops`", "\"[oops\""),
                ("the waiver's reason is empty", "\" \""),
                (
                    "`2027-02-30` is not a valid calendar date",
                    "\"2027-02-30\""
                ),
                ("KL003 unused-waiver cannot be waived", "\"unused-waiver\""),
                ("the waiver's owner is empty", "\"\""),
                (
                    "`next week` is not a date in the form YYYY-MM-DD (e.g. 2027-03-31)",
                    "\"next week\""
                ),
                ("`rules` is empty, so the waiver would waive nothing", "[]"),
                ("the waiver names no key", "[[waiver]]"),
                (
                    "`expires` is a day, not a time: write \"2027-03-31\"",
                    "2027-03-31T12:00:00Z"
                ),
                ("missing field `reason`", "[[waiver]]"),
                (
                    "unknown field `until`, expected one of `rules`, `keys`, `ids`, `reason`, `owner`, `expires`",
                    "until"
                ),
            ]
        );
        assert_eq!(found[0].1.as_deref(), Some("did you mean `KL301`?"));
        assert_eq!(
            found[4].1.as_deref(),
            Some(
                "fix the waiver it reports, or switch it off with [override.KL003] enabled = false"
            )
        );
    }

    #[test]
    fn rules_overrides_and_waivers_problems_come_together() {
        let found = config_issues(
            r#"
[[rule]]
id = "ACME001"
name = "a"
severity = "warning"
check = "field"
summary = "s"
params = { field = "remain_quota", op = "eq", value = "10" }

[[rule]]
id = "ACME002"
name = "a"
severity = "note"
check = "field"
summary = "s"
params = { field = "group", op = "like", value = "x" }

[override.KL999]
enabled = false

[[waiver]]
rules = ["KL301"]
keys = ["*"]
reason = ""

[extra]
"#,
        );
        let messages: Vec<&str> = found.iter().map(|(m, _, _)| m.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "`remain_quota` is an integer, but the value is a string",
                "duplicate rule name `a`",
                "unknown operator `like`",
                "`[override.KL999]` names no rule",
                "the waiver's reason is empty",
                "unknown key `extra`",
            ]
        );
    }

    #[test]
    fn unknown_top_level_keys_suggest_the_schema() {
        let found = config_issues("[[waivers]]\nrules = []\n\n[overide.KL101]\nenabled = false\n");
        let got: Vec<(&str, Option<&str>)> = found
            .iter()
            .map(|(m, h, _)| (m.as_str(), h.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("unknown key `waivers`", Some("did you mean `waiver`?")),
                ("unknown key `overide`", Some("did you mean `override`?")),
            ]
        );
    }

    #[test]
    fn dates() {
        let date = |v: toml::Value| parse_date(&v).map(|d| d.to_string());
        assert_eq!(date("2027-03-31".into()), Ok("2027-03-31".into()));
        assert!(date("2027-3-31".into()).is_err());
        assert!(date("2028-02-29".into()).is_ok());
        assert!(date("2027-02-29".into()).is_err());
        assert!(date(toml::Value::Integer(20270331)).is_err());
    }

    #[test]
    fn ids_and_names() {
        assert!(is_rule_id("ACME001") && is_rule_id("KL1"));
        assert!(!is_rule_id("ACME") && !is_rule_id("001") && !is_rule_id("Acme1"));
        assert!(is_rule_name("prod-needs-allowlist") && !is_rule_name("-x"));
        assert_eq!(line_of("a\nb\nc", 2), 2);
    }
}
