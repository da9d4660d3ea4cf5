//! Findings: a rule violated by one key. Findings are data, never errors; a failure to run is
//! an error of its own (see `error.rs`).

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::checks::Target;

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub kind: SuppressionKind,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    Waiver,
    Baseline,
}

/// One rule violated by one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Index of the rule in [`crate::policy::Policy::rules`].
    pub rule: usize,
    /// The rule's effective severity.
    pub severity: Severity,
    /// Index of the key in the inventory.
    pub key: usize,
    pub key_id: i64,
    pub message: String,
    pub target: Target,
    /// The violating value(s), bound into the fingerprint.
    pub evidence: String,
    pub suppressed: Option<Suppression>,
}

/// A stable identity for a finding: the first 16 hex digits of the SHA-256 of the rule id, the
/// key id and the violating value, so the same violation keeps its fingerprint across runs and a
/// different violation on the same key gets a new one.
pub fn fingerprint(rule_id: &str, key_id: i64, evidence: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(rule_id.as_bytes());
    hasher.update([0]);
    hasher.update(key_id.to_le_bytes());
    hasher.update([0]);
    hasher.update(evidence.as_bytes());
    crate::inventory::hex16(&hasher.finalize())
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
    fn fingerprints_bind_rule_key_and_evidence() {
        let base = fingerprint("KL302", 7, "1.2.3.x");
        assert_eq!(base.len(), 16);
        assert_eq!(base, fingerprint("KL302", 7, "1.2.3.x"));
        assert_ne!(base, fingerprint("KL302", 7, "1.2.3.y"));
        assert_ne!(base, fingerprint("KL302", 8, "1.2.3.x"));
        assert_ne!(base, fingerprint("KL301", 7, "1.2.3.x"));
        // The separator keeps "KL30" + "27" apart from "KL302" + "7".
        assert_ne!(fingerprint("KL30", 27, ""), fingerprint("KL302", 7, ""));
    }
}
