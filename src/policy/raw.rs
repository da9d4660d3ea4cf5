//! Policy files as written: the serde structs of `[[rule]]`, `[rule.when]`, `[override.ID]` and
//! `[[waiver]]`, strict (`deny_unknown_fields`) and with `toml::Spanned` on every value that is
//! validated after parsing, so a diagnostic can point at it.
//!
//! Every key is optional here, even the required ones: a missing key is reported by validation
//! next to the table's other problems, instead of one serde "missing field" hiding them.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::DeValue;

use super::diagnostic::IssueSink;
use crate::text::suggest::did_you_mean;

/// The top-level keys a policy file may hold.
pub const TOP_LEVEL_KEYS: [&str; 3] = ["rule", "override", "waiver"];

/// A check's parameters as written: name -> value.
pub type RawParams = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

/// A `[[rule]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawRule {
    /// Unique id: capital letters then digits (`ACME001`); the `KL` prefix is keylint's.
    /// Required.
    #[serde(default)]
    pub id: Option<Spanned<String>>,
    /// Unique name: lowercase words joined by hyphens (`prod-needs-allowlist`). Required.
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    /// `error`, `warning` or `note`. Required.
    #[serde(default)]
    pub severity: Option<Spanned<String>>,
    /// A check kind (`keylint rules` lists the default pack's, one per kind), or `field`.
    /// Required.
    #[serde(default)]
    pub check: Option<Spanned<String>>,
    /// One line: what the rule enforces. Required.
    #[serde(default)]
    pub summary: Option<Spanned<String>>,
    /// How to fix a finding.
    #[serde(default)]
    pub help: Option<Spanned<String>>,
    /// Which keys the rule applies to; omitted: enabled keys.
    #[serde(default)]
    pub when: Option<RawWhen>,
    /// The check kind's parameters.
    #[serde(default)]
    pub params: Option<RawParams>,
}

/// `[rule.when]`: which keys a rule applies to.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawWhen {
    /// Effective statuses, or `["any"]`. Omitted: `["enabled"]`.
    #[serde(default)]
    pub status: Option<Spanned<Vec<Spanned<String>>>>,
    /// Name globs.
    #[serde(default)]
    pub name: Option<Vec<Spanned<String>>>,
    /// Group globs.
    #[serde(default)]
    pub group: Option<Vec<Spanned<String>>>,
    /// Key ids.
    #[serde(default)]
    pub ids: Option<Vec<Spanned<i64>>>,
}

/// An `[override.ID]` table as written: what to change in a rule of an earlier layer.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawOverride {
    /// The new severity: `error`, `warning` or `note`.
    #[serde(default)]
    pub severity: Option<Spanned<String>>,
    /// `false` switches the rule off; `true` switches it back on.
    #[serde(default)]
    pub enabled: Option<Spanned<bool>>,
    /// Parameters to change; the others keep their values. A `field` rule's condition is
    /// replaced as a whole (`field`, `op`, `value`).
    #[serde(default)]
    pub params: Option<RawParams>,
}

/// A `[[waiver]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawWaiver {
    /// The waived rules, by id or name. Required.
    #[serde(default)]
    pub rules: Option<Spanned<Vec<Spanned<String>>>>,
    /// Key name globs.
    #[serde(default)]
    pub keys: Option<Spanned<Vec<Spanned<String>>>>,
    /// Key ids.
    #[serde(default)]
    pub ids: Option<Spanned<Vec<Spanned<i64>>>>,
    /// Why the findings are accepted; required, not blank.
    #[serde(default)]
    pub reason: Option<Spanned<String>>,
    /// Who granted the waiver.
    #[serde(default)]
    pub owner: Option<Spanned<String>>,
    /// The last day the waiver is valid (`2027-03-31`, or a TOML date).
    #[serde(default)]
    pub expires: Option<Spanned<toml::Value>>,
}

/// Reports each required key that a table lacks, at the table's header.
pub(super) fn report_missing(
    table: &str,
    required: &[(&str, bool)],
    header: &Range<usize>,
    sink: &mut IssueSink,
) {
    let names: Vec<&str> = required.iter().map(|(name, _)| *name).collect();
    for (name, present) in required {
        if !present {
            sink.push(
                Some(header.clone()),
                format!("missing `{name}`"),
                format!("in this {table}"),
                Some(format!("every [[{table}]] needs {}", names.join(", "))),
            );
        }
    }
}

/// The tables of a `[[NAME]]` array, each a table; anything else is reported.
pub(super) fn array_of_tables<'a, 'i>(
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
pub(super) fn push_serde_error(
    err: &toml::de::Error,
    fallback: Range<usize>,
    sink: &mut IssueSink,
) {
    let span = err.span().or(Some(fallback));
    let help = unknown_field_help(err.message());
    sink.push(span, err.message().to_owned(), "here", help);
}

/// serde's unknown-field message lists the expected fields; turn it into a "did you mean".
fn unknown_field_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(field, candidates.iter().copied()).map(|s| format!("did you mean `{s}`?"))
}
