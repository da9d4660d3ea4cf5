//! The layers of a policy and the order they load in: keylint's own rules (KL001-KL003), the
//! embedded default pack, each `--rules` pack, then `keylint.toml`. Every layer uses one schema:
//! `[[rule]]` tables add rules, `[override.ID]` tables change the severity, `enabled` flag or
//! parameters of a rule of an earlier layer (or of the same file), and `[[waiver]]` tables
//! accept findings with a reason. Within a file, rules are loaded first, then overrides, then
//! waivers, whatever their order in the text.
//!
//! A file is parsed once into toml's spanned tree; each table is then deserialized on its own
//! (`deny_unknown_fields`), so one bad table does not hide the problems of the next, and every
//! value is validated after parsing with its span kept for the diagnostic. A file with any
//! problem fails the whole load: keylint never falls back to defaults on a bad policy.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::diagnostic::{IssueSink, PolicyError, PolicyIssue};
use super::raw::{RawRule, RawWaiver, TOP_LEVEL_KEYS, array_of_tables, push_serde_error};
use super::source::PolicyFile;
use super::{DEFAULT_RULES, Origin, Policy, Rule, SELECTABLE_PACKS, Selector, ShippedPack, Waiver};
use crate::checks::Params;
use crate::text::suggest::did_you_mean;

/// The largest policy file keylint reads.
const MAX_POLICY_BYTES: u64 = 4 * 1024 * 1024;

/// Where a layer of the policy comes from.
#[derive(Debug, Clone)]
pub enum PackSource {
    /// A pack embedded in the binary.
    Shipped(&'static ShippedPack),
    /// A file, read when the policy is loaded.
    File(PathBuf),
}

impl PackSource {
    /// A `--rules` value: the name of a shipped pack (`strict`) selects it; anything else is a
    /// path (write `./strict` for a file of that name).
    pub fn from_rules_arg(value: PathBuf) -> PackSource {
        match SELECTABLE_PACKS
            .iter()
            .find(|pack| value.as_os_str() == pack.name)
        {
            Some(pack) => PackSource::Shipped(pack),
            None => PackSource::File(value),
        }
    }
}

/// Which files make up the policy.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    /// Load the embedded default pack first.
    pub default_rules: bool,
    /// Extra packs (`--rules`), in order, then the config file (`keylint.toml`) last.
    pub packs: Vec<PackSource>,
}

/// Loads the tool's own rules, the default pack (unless switched off) and every extra pack.
pub fn load_policy(options: &PolicyOptions) -> Result<Policy, PolicyError> {
    let mut loader = Loader::with_builtin_rules();
    let default = options
        .default_rules
        .then_some(PackSource::Shipped(&DEFAULT_RULES));
    let mut issues = Vec::new();
    let mut files = Vec::new();
    for source in default.iter().chain(&options.packs) {
        let file = match source {
            PackSource::Shipped(pack) => PolicyFile::new(pack.path, pack.text.into(), true),
            PackSource::File(path) => PolicyFile::new(
                path.display().to_string(),
                read_policy_file(path)?.into(),
                false,
            ),
        };
        let found = loader.load_file(&file);
        if !found.is_empty() {
            files.push(file.path);
            issues.extend(found);
        }
    }
    if issues.is_empty() {
        Ok(loader.into_policy())
    } else {
        Err(PolicyError::Invalid {
            count: issues.len(),
            files: files.join(", "),
            issues,
        })
    }
}

fn read_policy_file(path: &Path) -> Result<String, PolicyError> {
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

/// The policy being built, layer by layer.
#[derive(Default)]
pub(super) struct Loader {
    pub rules: Vec<Rule>,
    pub waivers: Vec<Waiver>,
    pub layers: Vec<String>,
    /// Rule id and name -> where it was first defined, for duplicate errors.
    pub defined: HashMap<String, String>,
}

/// The top-level tables of one file.
#[derive(Default)]
struct Sections<'a, 'i> {
    rules: Option<&'a Spanned<DeValue<'i>>>,
    overrides: Option<&'a Spanned<DeValue<'i>>>,
    waivers: Option<&'a Spanned<DeValue<'i>>>,
}

impl Loader {
    /// A loader holding keylint's own rules.
    pub fn with_builtin_rules() -> Loader {
        let mut loader = Loader::default();
        for rule in builtin_rules() {
            for value in [&rule.id, &rule.name] {
                loader
                    .defined
                    .insert(value.clone(), "keylint itself".to_owned());
            }
            loader.rules.push(rule);
        }
        loader
    }

    pub fn into_policy(self) -> Policy {
        Policy {
            rules: self.rules,
            waivers: self.waivers,
            layers: self.layers,
        }
    }

    /// Parses and validates one file, appending its rules, overrides and waivers; returns its
    /// problems, in file order.
    pub fn load_file(&mut self, file: &PolicyFile) -> Vec<PolicyIssue> {
        let mut sink = IssueSink::new(&file.path, file.text.clone());
        self.layers.push(file.path.clone());
        let (root, syntax_errors) = DeTable::parse_recoverable(&file.text);
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
        let sections = sections(root.get_ref(), &mut sink);
        if let Some(value) = sections.rules {
            self.load_rules(value, file, &mut sink);
        }
        if let Some(value) = sections.overrides {
            self.load_overrides(value, file, &mut sink);
        }
        if let Some(value) = sections.waivers {
            self.load_waivers(value, file, &mut sink);
        }
        // Report in file order, whatever order the tables were validated in.
        sink.issues
            .sort_by_key(|issue| issue.span.map_or(0, |span| span.offset()));
        sink.issues
    }

    /// The `[[rule]]` tables of a file; the rules join the policy once all are read, so an
    /// override in an earlier table order still sees them.
    fn load_rules(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        file: &PolicyFile,
        sink: &mut IssueSink,
    ) {
        let mut new_rules = Vec::new();
        for table in array_of_tables(value, "rule", sink) {
            match RawRule::deserialize(ValueDeserializer::from(table.clone())) {
                Ok(raw) => new_rules.extend(self.validate_rule(raw, table.span(), file, sink)),
                Err(err) => push_serde_error(&err, table.span(), sink),
            }
        }
        self.rules.extend(new_rules);
    }

    /// The `[[waiver]]` tables of a file.
    fn load_waivers(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        file: &PolicyFile,
        sink: &mut IssueSink,
    ) {
        for table in array_of_tables(value, "waiver", sink) {
            match RawWaiver::deserialize(ValueDeserializer::from(table.clone())) {
                Ok(raw) => {
                    let waiver = self.validate_waiver(raw, table.span(), file, sink);
                    self.waivers.extend(waiver);
                }
                Err(err) => push_serde_error(&err, table.span(), sink),
            }
        }
    }
}

/// Splits a file's root table into its sections; reports every other key.
fn sections<'a, 'i>(root: &'a DeTable<'i>, sink: &mut IssueSink) -> Sections<'a, 'i> {
    let mut sections = Sections::default();
    for (key, value) in root {
        match key.get_ref().as_ref() {
            "rule" => sections.rules = Some(value),
            "override" => sections.overrides = Some(value),
            "waiver" => sections.waivers = Some(value),
            name => {
                let help = did_you_mean(name, TOP_LEVEL_KEYS).map_or_else(
                    || {
                        "a policy file holds [[rule]], [override.ID] and [[waiver]] tables"
                            .to_owned()
                    },
                    |s| format!("did you mean `{s}`?"),
                );
                sink.push(
                    Some(key.span()),
                    format!("unknown key `{name}`"),
                    "not a policy file key",
                    Some(help),
                );
            }
        }
    }
    sections
}

#[cfg(test)]
pub(super) mod testkit {
    //! Loading policy text without files, for the validators' unit tests.

    use super::*;

    /// keylint's rules, the default pack, then `text` as `keylint.toml`.
    pub fn load_config(text: &str) -> Result<Policy, Vec<PolicyIssue>> {
        let mut loader = Loader::with_builtin_rules();
        let default = PolicyFile::new(DEFAULT_RULES.path, DEFAULT_RULES.text.into(), true);
        assert!(loader.load_file(&default).is_empty());
        let issues = loader.load_file(&PolicyFile::new("keylint.toml", text.into(), false));
        if issues.is_empty() {
            Ok(loader.into_policy())
        } else {
            Err(issues)
        }
    }

    /// `text` alone, as `pack.toml`.
    pub fn load_pack(text: &str) -> Result<Policy, Vec<PolicyIssue>> {
        let mut loader = Loader::default();
        let issues = loader.load_file(&PolicyFile::new("pack.toml", text.into(), false));
        if issues.is_empty() {
            Ok(loader.into_policy())
        } else {
            Err(issues)
        }
    }

    /// The message of every problem of `text` as a pack.
    pub fn messages(text: &str) -> Vec<String> {
        load_pack(text)
            .expect_err("pack must be rejected")
            .into_iter()
            .map(|i| i.message)
            .collect()
    }

    /// A valid pack of one rule.
    pub const GOOD: &str = r#"
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

    /// (message, help, the text the span points at) of every problem.
    pub fn config_issues(text: &str) -> Vec<(String, Option<String>, String)> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use testkit::config_issues;

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
}
