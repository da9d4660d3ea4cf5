//! The validated policy: every rule in effect (the tool's own diagnostics, the embedded default
//! pack, then `--rules` packs), each with its check kind, severity, selector and parameters,
//! and where it was defined. Loading and validation live in [`load`]; the errors it reports, as
//! miette diagnostics pointing into the TOML, in [`diagnostic`].

pub mod diagnostic;
pub mod load;

use globset::GlobSet;

use crate::checks::{CheckKind, Params};
use crate::finding::Severity;
use crate::inventory::{EffectiveStatus, FieldName, FieldState, KeyRecord};

pub use load::{PolicyOptions, load_policy};

/// The embedded default rule pack.
pub const DEFAULT_PACK: &str = include_str!("../../rules/default.toml");

/// The path the default pack is reported under (the file in the repository it is built from).
pub const DEFAULT_PACK_PATH: &str = "rules/default.toml";

/// Every rule in effect, in definition order.
#[derive(Debug, Clone)]
pub struct Policy {
    pub rules: Vec<Rule>,
}

/// What a rule runs.
#[derive(Clone, Copy)]
pub enum RuleKind {
    /// A check kind from the registry.
    Check(&'static CheckKind),
    /// KL001: a record lacks fields that other rules need.
    IncompleteRecord,
}

impl std::fmt::Debug for RuleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleKind::Check(kind) => write!(f, "Check({})", kind.name),
            RuleKind::IncompleteRecord => f.write_str("IncompleteRecord"),
        }
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
    pub kind: RuleKind,
    pub summary: String,
    pub help: Option<String>,
    pub selector: Selector,
    pub params: Params,
    pub origin: Origin,
}

impl Rule {
    /// The long documentation shown by `explain` and in reports.
    pub fn doc(&self) -> &'static str {
        match self.kind {
            RuleKind::Check(kind) => kind.doc,
            RuleKind::IncompleteRecord => INCOMPLETE_RECORD_DOC,
        }
    }

    /// The check kind's name (`incomplete-record` for KL001).
    pub fn check_name(&self) -> &'static str {
        match self.kind {
            RuleKind::Check(kind) => kind.name,
            RuleKind::IncompleteRecord => "incomplete-record",
        }
    }

    /// Record fields the rule's check reads.
    pub fn needs(&self) -> Vec<FieldName> {
        let mut fields = match self.kind {
            RuleKind::Check(kind) => kind.needs.to_vec(),
            RuleKind::IncompleteRecord => Vec::new(),
        };
        if let Params::Field(condition) = &self.params {
            fields.push(condition.field);
        }
        fields
    }

    /// Whether `token` (from `--select` / `--ignore`) names this rule: its id, an id prefix
    /// such as `KL3`, or its name.
    pub fn is_named_by(&self, token: &str) -> bool {
        self.id.starts_with(token) || self.name == token
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

const INCOMPLETE_RECORD_DOC: &str = "\
## What it does

Reports a key whose record lacks `status`, or lacks (or holds a wrongly typed value in) a
field that an enabled rule applying to the key needs. One finding per key lists every such
field. The rules that need a missing field are not evaluated for that key, so without this
finding a gap in the data would look like a clean key.

## Why it matters

keylint reads what the list API returns. A gateway version that renames or drops a field, a
proxy that rewrites the response, or a hand-edited snapshot can leave fields out; a linter that
skipped them silently would pass keys it never checked.

## How to fix

Check that `--base-url` points at a gateway of the new-api / one-api family and that the
snapshot or response file was not edited. Fetch again with `keylint fetch -o snapshot.json` and
compare. If the gateway really does not return the field, switch off the rules that need it in
your policy (they cannot be checked), or re-level KL001.

## Example

```json
{ \"id\": 1234, \"name\": \"ci-deploy\", \"status\": 1, \"expired_time\": \"never\" }
```

fires `KL001 incomplete-record` listing `expired_time (string, expected integer)`, and the
expiry rules are not evaluated for the key.
";

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
