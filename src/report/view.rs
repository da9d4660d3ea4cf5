//! The one view of a finding that every format reads: its rule, what it is about (a key's
//! record and the part of it, or a waiver), how a key is labelled, how a suppression is worded,
//! and its fingerprint. Formats escape these for their medium; they never join indices
//! themselves, so the label and the wording are the same in every report.

use crate::checks::Target;
use crate::eval::finding::{Finding, Subject, Suppression, SuppressionKind};
use crate::inventory::{EffectiveStatus, FieldName, KeyRecord};
use crate::policy::{Policy, Rule, Waiver};
use crate::text::escape::quote;

use super::Run;

/// One finding with everything a report shows about it. Cheap to build: references only.
#[derive(Clone, Copy)]
pub struct FindingView<'a> {
    pub finding: &'a Finding,
    pub rule: &'a Rule,
    pub about: About<'a>,
}

/// What a finding is about, resolved in the policy and the inventory.
#[derive(Clone, Copy)]
pub enum About<'a> {
    /// A key: its record, and what in the record the finding points at.
    Key {
        record: &'a KeyRecord,
        target: &'a Target,
    },
    /// A waiver of the policy (KL002, KL003).
    Waiver(&'a Waiver),
}

impl<'a> Run<'a> {
    /// The view of one of the run's findings.
    pub fn view(&self, finding: &'a Finding) -> FindingView<'a> {
        FindingView::new(self.policy, &self.inventory.keys, finding)
    }

    /// The views of the run's findings, in report order.
    pub fn views(&self) -> impl Iterator<Item = FindingView<'a>> + '_ {
        self.findings.iter().map(|f| self.view(f))
    }
}

impl<'a> FindingView<'a> {
    /// Resolves a finding's indices in the policy and the keys it was evaluated on.
    pub fn new(policy: &'a Policy, keys: &'a [KeyRecord], finding: &'a Finding) -> Self {
        let about = match &finding.subject {
            Subject::Key { index, target, .. } => About::Key {
                record: &keys[*index],
                target,
            },
            Subject::Waiver(index) => About::Waiver(&policy.waivers[*index]),
        };
        FindingView {
            finding,
            rule: &policy.rules[finding.rule],
            about,
        }
    }

    /// The key's record; `None` for a finding about a waiver.
    pub fn record(&self) -> Option<&'a KeyRecord> {
        match self.about {
            About::Key { record, .. } => Some(record),
            About::Waiver(_) => None,
        }
    }

    /// The waiver the finding is about (KL002, KL003).
    pub fn waiver(&self) -> Option<&'a Waiver> {
        match self.about {
            About::Waiver(waiver) => Some(waiver),
            About::Key { .. } => None,
        }
    }

    /// What in the key's record the finding points at; `None` for a finding about a waiver.
    pub fn target(&self) -> Option<&'a Target> {
        match self.about {
            About::Key { target, .. } => Some(target),
            About::Waiver(_) => None,
        }
    }

    pub fn key_id(&self) -> Option<i64> {
        self.record().map(|r| r.id)
    }

    /// The key's name as the gateway sent it (untrusted: escape it for the medium); `None` for
    /// a key without a readable name and for a finding about a waiver.
    pub fn key_name(&self) -> Option<&'a str> {
        self.record().and_then(|r| r.name.get()).map(String::as_str)
    }

    /// The key's effective status at `now`; `None` for a finding about a waiver.
    pub fn key_status(&self, now: i64) -> Option<EffectiveStatus> {
        self.record().map(|r| r.effective_status(now))
    }

    /// The record field the finding is about, when there is one.
    pub fn field(&self) -> Option<FieldName> {
        self.target().and_then(Target::field)
    }

    /// How reports name what the finding is about: the field, or a JSON path into a
    /// structured one ([`Target::path`]).
    pub fn field_path(&self) -> Option<std::borrow::Cow<'static, str>> {
        self.target().and_then(Target::path)
    }

    /// How every report names what the finding is about: `key 1234 "ci-deploy"` (the name
    /// quoted, unsafe characters escaped), `key 1234` for a record without a readable name,
    /// and `policy` for a finding about a waiver (its message names the waiver).
    pub fn label(&self) -> String {
        match self.about {
            About::Key { record, .. } => key_label(record),
            About::Waiver(_) => "policy".to_owned(),
        }
    }

    /// How every report words the suppression, unescaped: `waived: <reason> (owner ...,
    /// expires ..., keylint.toml:41)` or `baselined: recorded in the baseline (...)`.
    pub fn suppression(&self) -> Option<String> {
        self.finding.suppressed.as_deref().map(suppression_text)
    }

    /// The finding's fingerprint, the one baselines record: stable across runs, and distinct
    /// among the findings of a run that [`crate::lint`] made
    /// ([`crate::eval::fingerprint::make_unique`]).
    pub fn fingerprint(&self) -> String {
        self.finding.fingerprint(&self.rule.id)
    }
}

/// `key 1234 "ci-deploy"`, or `key 1234` when the record has no readable name.
pub fn key_label(record: &KeyRecord) -> String {
    match record.name.get() {
        Some(name) => format!("key {} {}", record.id, quote(name)),
        None => format!("key {}", record.id),
    }
}

/// `waived: ...` or `baselined: ...`, with the suppression's details.
fn suppression_text(suppression: &Suppression) -> String {
    let kind = match suppression.kind {
        SuppressionKind::Waiver => "waived",
        SuppressionKind::Baseline => "baselined",
    };
    format!("{kind}: {}", suppression.describe())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::key;
    use crate::inventory::Field;

    #[test]
    fn labels_quote_and_escape_the_name() {
        let mut record = key();
        record.id = 7;
        record.name = Field::Present("ci \"x\"\u{202e}".into());
        assert_eq!(key_label(&record), "key 7 \"ci \\\"x\\\"\\u{202e}\"");
        record.name = Field::Mistyped(crate::inventory::JsonType::Integer);
        assert_eq!(key_label(&record), "key 7");
    }

    #[test]
    fn suppressions_name_their_kind() {
        let mut s = Suppression {
            kind: SuppressionKind::Waiver,
            reason: "CI".into(),
            owner: Some("platform".into()),
            expires: None,
            location: None,
        };
        assert_eq!(suppression_text(&s), "waived: CI (owner platform)");
        s.kind = SuppressionKind::Baseline;
        assert_eq!(suppression_text(&s), "baselined: CI (owner platform)");
    }
}
