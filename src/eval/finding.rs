//! Findings: a rule violated by one key. Findings are data, never errors; a failure to run is
//! an error of its own (see `error.rs`).

use crate::text::digest::sha256_hex;
use serde::Serialize;

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

/// One rule violated by one key, or (KL002, KL003) a problem of the policy itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Index of the rule in [`crate::policy::Policy::rules`].
    pub rule: usize,
    /// The rule's effective severity.
    pub severity: Severity,
    /// Index of the key in the inventory; `None` for a finding about the policy itself (an
    /// expired or unused waiver), whose [`Finding::target`] is then [`Target::Waiver`].
    pub key: Option<usize>,
    /// The key's id; `None` exactly when `key` is.
    pub key_id: Option<i64>,
    pub message: String,
    pub target: Target,
    /// The violating value(s), bound into the fingerprint.
    pub evidence: String,
    pub suppressed: Option<Suppression>,
}

impl Finding {
    /// The finding's [`fingerprint`]; for a finding about the policy itself, a fingerprint of the
    /// rule and the evidence alone (which names the waiver).
    pub fn fingerprint(&self, rule_id: &str) -> String {
        match self.key_id {
            Some(key_id) => fingerprint(rule_id, key_id, &self.evidence),
            None => policy_fingerprint(rule_id, &self.evidence),
        }
    }
}

/// The fingerprint of a finding about the policy: rule id and evidence, in a domain of its own
/// so that it can never equal a key finding's.
fn policy_fingerprint(rule_id: &str, evidence: &str) -> String {
    sha256_hex(&[b"policy", rule_id.as_bytes(), evidence.as_bytes()], 8)
}

/// A stable identity for a finding: the first 16 hex digits of the SHA-256 of the rule id, the
/// key id and the violating value, so the same violation keeps its fingerprint across runs and a
/// different violation on the same key gets a new one.
pub fn fingerprint(rule_id: &str, key_id: i64, evidence: &str) -> String {
    sha256_hex(
        &[
            rule_id.as_bytes(),
            &key_id.to_le_bytes(),
            evidence.as_bytes(),
        ],
        8,
    )
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
        assert_eq!(policy_fingerprint("KL003", "w").len(), 16);
        assert_ne!(
            policy_fingerprint("KL003", "w"),
            policy_fingerprint("KL002", "w")
        );
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
