//! The validated policy: every rule in effect (the tool's own diagnostics, the embedded default
//! pack, then `--rules` packs, then `keylint.toml`), each with its check kind, severity, selector
//! and parameters, where it was defined and which later layer changed it; and the waivers.
//!
//! Loading goes one way: [`layers`] reads the files in order; each is parsed into the serde
//! structs of `raw` (spans kept), then validated by `rules`, `overrides`, `waivers`, `params`
//! and `selectors`, which report every problem as a miette diagnostic of [`diagnostic`]
//! pointing into the TOML (`source` turns spans into line numbers). The `keylint config`
//! listing is [`show`]; the JSON Schema of the file is [`schema`].

pub mod diagnostic;
pub mod layers;
mod overrides;
mod params;
pub(crate) mod raw;
mod rules;
pub mod schema;
mod selectors;
pub mod show;
mod source;
mod waivers;

use std::ops::Range;
use std::sync::Arc;

use globset::GlobSet;

use crate::checks::{CheckKind, Params};
use crate::eval::finding::Severity;
use crate::inventory::{EffectiveStatus, FieldName, FieldState, KeyRecord};

pub use layers::{PackSource, PolicyOptions, load_policy};

/// The embedded default rule pack.
pub const DEFAULT_PACK: &str = include_str!("../../rules/default.toml");

/// The path the default pack is reported under (the file in the repository it is built from).
pub const DEFAULT_PACK_PATH: &str = "rules/default.toml";

/// A rule pack embedded in the binary.
#[derive(Debug)]
pub struct ShippedPack {
    /// The name `--rules NAME` selects it by.
    pub name: &'static str,
    /// The path it is reported under (the file in the repository it is built from).
    pub path: &'static str,
    pub text: &'static str,
}

/// The default pack, loaded first unless `--no-default-rules`.
pub static DEFAULT_RULES: ShippedPack = ShippedPack {
    name: "default",
    path: DEFAULT_PACK_PATH,
    text: DEFAULT_PACK,
};

/// The strict pack, for production accounts (`--rules strict`).
pub static STRICT_RULES: ShippedPack = ShippedPack {
    name: "strict",
    path: "rules/strict.toml",
    text: include_str!("../../rules/strict.toml"),
};

/// The shipped packs `--rules NAME` selects. A `--rules` value equal to one of their names
/// always means the shipped pack; write `./strict` for a file of that name. `--config` always
/// names a file.
pub static SELECTABLE_PACKS: [&ShippedPack; 1] = [&STRICT_RULES];

/// The commented `keylint.toml` that `keylint init` writes; it loads as is.
pub const INIT_TEMPLATE: &str = include_str!("template.toml");

/// The policy file `check`, `rules`, `explain` and `config` read from the current directory
/// when it exists (and `--config` is not given).
pub const CONFIG_FILE: &str = "keylint.toml";

/// Every rule in effect, in definition order, and every waiver.
#[derive(Debug, Clone)]
pub struct Policy {
    pub rules: Vec<Rule>,
    /// Waivers of every layer, in layer then definition order.
    pub waivers: Vec<Waiver>,
    /// The files the policy was built from, in load order (the default pack as
    /// [`DEFAULT_PACK_PATH`]).
    pub layers: Vec<String>,
}

impl Policy {
    /// The index of the enabled rule that reports one of keylint's own diagnostics, if any.
    pub fn enabled_own_rule(&self, own: crate::checks::Own) -> Option<usize> {
        self.rules
            .iter()
            .position(|r| r.enabled && r.kind.own() == Some(own))
    }
}

/// Where a rule was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The pack's path as given (the default pack: [`DEFAULT_PACK_PATH`]); `None` for rules
    /// built into keylint itself (KL0xx).
    pub file: Option<String>,
    /// 1-based line of the rule's `id`.
    pub line: usize,
}

/// One rule of the policy.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub enabled: bool,
    /// The check kind the rule runs (keylint's own diagnostics included).
    pub kind: &'static CheckKind,
    pub summary: String,
    pub help: Option<String>,
    pub selector: Selector,
    pub params: Params,
    pub origin: Origin,
    /// Settings changed by `[override.ID]` tables of later layers, in the order applied.
    pub changes: Vec<Change>,
}

/// One setting of a rule changed by an `[override.ID]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `severity`, `enabled`, or `params.NAME` (`params` for a `field` condition).
    pub setting: String,
    /// The new value, as `keylint config` prints it.
    pub value: String,
    /// Where the override is written (the line of the setting).
    pub origin: Origin,
}

impl Rule {
    /// The long documentation shown by `explain` and in reports.
    pub fn doc(&self) -> &'static str {
        self.kind.doc
    }

    /// The check kind's name (`incomplete-record` for KL001).
    pub fn check_name(&self) -> &'static str {
        self.kind.name
    }

    /// Whether `token` (from `--select` / `--ignore`) names this rule: its id, an id prefix
    /// such as `KL3`, or its name.
    pub fn is_named_by(&self, token: &str) -> bool {
        self.id.starts_with(token) || self.name == token
    }
}

/// A `[[waiver]]`: findings of some rules on some keys that a person has accepted, with a reason.
/// A waived finding is still reported, marked, but never counts for the exit code. Applied by
/// [`crate::eval::waivers`].
#[derive(Debug, Clone)]
pub struct Waiver {
    /// Ids of the waived rules (resolved from the ids or names written).
    pub rules: Vec<String>,
    /// Key name globs, with their patterns as written.
    pub keys: Option<(GlobSet, Vec<String>)>,
    /// Key ids.
    pub ids: Vec<i64>,
    pub reason: String,
    pub owner: Option<String>,
    /// The last day the waiver is valid (through 23:59:59 UTC); `None`: no expiry.
    pub expires: Option<time::Date>,
    /// The file and the line of the `[[waiver]]` header.
    pub origin: Origin,
    /// The policy file's text and the waiver's span in it, for diagnostics.
    pub source: Option<(Arc<str>, Range<usize>)>,
}

impl Waiver {
    /// Whether the waiver covers a key: its name matches one of `keys`, or its id is in `ids`.
    pub fn covers(&self, record: &KeyRecord) -> bool {
        self.ids.contains(&record.id)
            || self
                .keys
                .as_ref()
                .zip(record.name.get())
                .is_some_and(|((set, _), name)| set.is_match(name))
    }

    /// Whether the waiver has expired at `now` (unix seconds): `expires` is valid through the
    /// end of that day, UTC.
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires.is_some_and(|date| {
            let next_day = date
                .next_day()
                .map_or(i64::MAX, |d| d.midnight().assume_utc().unix_timestamp());
            now >= next_day
        })
    }

    /// `rules KL301; keys ci-runner-*; ids 1011`: what the waiver waives.
    pub fn scope(&self) -> String {
        let mut parts = vec![format!("rules {}", self.rules.join(", "))];
        if let Some((_, patterns)) = &self.keys {
            parts.push(format!("keys {}", patterns.join(", ")));
        }
        if !self.ids.is_empty() {
            let ids: Vec<String> = self.ids.iter().map(i64::to_string).collect();
            parts.push(format!("ids {}", ids.join(", ")));
        }
        parts.join("; ")
    }

    /// `keylint.toml:41`.
    pub fn location(&self) -> String {
        match &self.origin.file {
            Some(file) => format!("{file}:{}", self.origin.line),
            None => format!("line {}", self.origin.line),
        }
    }
}

/// Which keys a rule applies to: AND across the lists, OR within one.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// Effective statuses; `None` means any.
    pub statuses: Option<Vec<EffectiveStatus>>,
    /// Name globs, with their patterns as written.
    pub names: Option<(GlobSet, Vec<String>)>,
    /// Group globs, with their patterns as written.
    pub groups: Option<(GlobSet, Vec<String>)>,
    /// Key ids.
    pub ids: Option<Vec<i64>>,
}

/// Whether a selector applies to a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applies {
    Yes,
    No,
    /// Undecidable: the selector reads these fields and the record lacks them.
    Unknown(Vec<FieldName>),
}

impl Selector {
    /// The selector every rule gets when its pack says nothing: enabled keys.
    pub fn enabled_keys() -> Selector {
        Selector {
            statuses: Some(vec![EffectiveStatus::Enabled]),
            ..Selector::default()
        }
    }

    /// Whether the selector applies to a key whose effective status is `status`.
    pub fn applies(&self, record: &KeyRecord, status: EffectiveStatus) -> Applies {
        if let Some(ids) = &self.ids
            && !ids.contains(&record.id)
        {
            return Applies::No;
        }
        if let Some(statuses) = &self.statuses
            && !statuses.contains(&status)
        {
            return Applies::No;
        }
        let mut unknown = Vec::new();
        for (globs, field) in [
            (&self.names, FieldName::Name),
            (&self.groups, FieldName::Group),
        ] {
            let Some((set, _)) = globs else { continue };
            match record.field(field) {
                FieldState::Present(crate::inventory::FieldValue::String(text)) => {
                    if !set.is_match(text) {
                        return Applies::No;
                    }
                }
                _ => unknown.push(field),
            }
        }
        if unknown.is_empty() {
            Applies::Yes
        } else {
            Applies::Unknown(unknown)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::key;
    use crate::inventory::Field;

    fn globs(patterns: &[&str]) -> Option<(GlobSet, Vec<String>)> {
        let mut builder = globset::GlobSetBuilder::new();
        for p in patterns {
            builder.add(globset::Glob::new(p).unwrap());
        }
        Some((
            builder.build().unwrap(),
            patterns.iter().map(|p| p.to_string()).collect(),
        ))
    }

    #[test]
    fn selector_is_and_across_lists_and_or_within() {
        let selector = Selector {
            statuses: Some(vec![EffectiveStatus::Enabled]),
            names: globs(&["prod-*", "live-*"]),
            groups: None,
            ids: None,
        };
        let mut record = key();
        record.name = Field::Present("live-api".into());
        assert_eq!(
            selector.applies(&record, EffectiveStatus::Enabled),
            Applies::Yes
        );
        assert_eq!(
            selector.applies(&record, EffectiveStatus::Disabled),
            Applies::No
        );
        record.name = Field::Present("staging".into());
        assert_eq!(
            selector.applies(&record, EffectiveStatus::Enabled),
            Applies::No
        );
        record.name = Field::Missing;
        assert_eq!(
            selector.applies(&record, EffectiveStatus::Enabled),
            Applies::Unknown(vec![FieldName::Name])
        );
    }

    #[test]
    fn id_selector() {
        let selector = Selector {
            ids: Some(vec![1, 5]),
            ..Selector::default()
        };
        let mut record = key();
        assert_eq!(
            selector.applies(&record, EffectiveStatus::Unknown),
            Applies::Yes
        );
        record.id = 2;
        assert_eq!(
            selector.applies(&record, EffectiveStatus::Enabled),
            Applies::No
        );
    }
}
