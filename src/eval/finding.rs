//! Findings: a rule violated by one key, or a problem of a waiver. Findings are data, never
//! errors; a failure to run is an error of its own ([`crate::app::error::Failure`]).

use serde::Serialize;

use crate::checks::Target;
use crate::inventory::FieldName;

/// How much a finding matters; orders `note < warning < error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Note];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn from_name(name: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a finding does not count for the exit code.
///
/// In the JSON report: `{ "kind": "waiver" | "baseline", "reason": "...", "owner": "...",
/// "expires": "2027-03-31", "location": "keylint.toml:41" }`; `owner`, `expires` and `location`
/// are left out when unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// The waiver's reason, or for the baseline which file holds the finding.
    pub reason: String,
    /// Who granted the waiver (waivers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The waiver's last valid day, `YYYY-MM-DD` (waivers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Where the waiver is written (`keylint.toml:41`), or the baseline file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl Suppression {
    /// The reason with the waiver's owner and expiry, as reports print it:
    /// `CI has no fixed egress (owner platform-team, expires 2027-03-31, keylint.toml:41)`.
    pub fn describe(&self) -> String {
        let details: Vec<String> = [
            self.owner.as_ref().map(|o| format!("owner {o}")),
            self.expires.as_ref().map(|e| format!("expires {e}")),
            self.location.clone(),
        ]
        .into_iter()
        .flatten()
        .collect();
        if details.is_empty() {
            self.reason.clone()
        } else {
            format!("{} ({})", self.reason, details.join(", "))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    Waiver,
    Baseline,
}

/// What a finding is about: one key of the inventory, or (KL002, KL003) one waiver of the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A key: its index in the inventory, its id, and what in its record the finding points at.
    Key {
        index: usize,
        id: i64,
        target: Target,
    },
    /// A waiver, by index in [`crate::policy::Policy::waivers`].
    Waiver(usize),
}

/// One rule violated by one key, or (KL002, KL003) a problem of the policy itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Index of the rule in [`crate::policy::Policy::rules`].
    pub rule: usize,
    /// The rule's effective severity.
    pub severity: Severity,
    pub subject: Subject,
    /// The message followed by the evidence, in one allocation: a run may hold hundreds of
    /// thousands of findings ([`Finding::message`], [`Finding::evidence`]).
    text: Box<str>,
    /// Where the message ends in `text`.
    message_len: usize,
    /// How many earlier findings of the same rule on the same subject have the same evidence
    /// (0 for the first), raised further where the hashes of a run would still collide; bound
    /// into the fingerprint when not 0, so that no two findings of a run share one (see
    /// [`crate::eval::fingerprint::number_repeats`] and [`crate::eval::fingerprint::make_unique`]).
    pub repeat: u32,
    /// Boxed: most findings have none, and a run may hold hundreds of thousands of findings.
    pub suppressed: Option<Box<Suppression>>,
}

impl Finding {
    /// A finding, not yet numbered among repeats nor suppressed.
    pub fn new(
        rule: usize,
        severity: Severity,
        subject: Subject,
        message: String,
        evidence: &str,
    ) -> Finding {
        let message_len = message.len();
        let mut text = message;
        text.push_str(evidence);
        Finding {
            rule,
            severity,
            subject,
            text: text.into_boxed_str(),
            message_len,
            repeat: 0,
            suppressed: None,
        }
    }

    /// One sentence about the violation, specific to the key.
    pub fn message(&self) -> &str {
        &self.text[..self.message_len]
    }

    /// The violating value(s), bound into the fingerprint.
    pub fn evidence(&self) -> &str {
        &self.text[self.message_len..]
    }

    /// The inventory index of the key the finding is about; `None` for a finding about a waiver.
    pub fn key_index(&self) -> Option<usize> {
        match self.subject {
            Subject::Key { index, .. } => Some(index),
            Subject::Waiver(_) => None,
        }
    }

    /// The id of the key the finding is about; `None` for a finding about a waiver.
    pub fn key_id(&self) -> Option<i64> {
        match self.subject {
            Subject::Key { id, .. } => Some(id),
            Subject::Waiver(_) => None,
        }
    }

    /// What in the key's record the finding points at; `None` for a finding about a waiver.
    pub fn target(&self) -> Option<&Target> {
        match &self.subject {
            Subject::Key { target, .. } => Some(target),
            Subject::Waiver(_) => None,
        }
    }

    /// The record field the finding is about, when there is one.
    pub fn field(&self) -> Option<FieldName> {
        self.target().and_then(Target::field)
    }

    /// The finding's fingerprint (see [`crate::eval::fingerprint`]).
    pub fn fingerprint(&self, rule_id: &str) -> String {
        crate::eval::fingerprint::of(rule_id, self.key_id(), self.evidence(), self.repeat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_round_trips() {
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Note);
        for s in Severity::ALL {
            assert_eq!(Severity::from_name(s.as_str()), Some(s));
        }
        assert_eq!(Severity::from_name("fatal"), None);
    }

    #[test]
    fn suppressions_describe_their_waiver() {
        let mut s = Suppression {
            kind: SuppressionKind::Waiver,
            reason: "CI has no fixed egress".into(),
            owner: None,
            expires: None,
            location: None,
        };
        assert_eq!(s.describe(), "CI has no fixed egress");
        s.owner = Some("platform".into());
        s.expires = Some("2027-03-31".into());
        s.location = Some("keylint.toml:4".into());
        assert_eq!(
            s.describe(),
            "CI has no fixed egress (owner platform, expires 2027-03-31, keylint.toml:4)"
        );
    }
}
