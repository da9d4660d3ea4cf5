//! Baselines: adopt keylint on an existing account so that only new problems fail the gate.
//!
//! `--write-baseline PATH` records the fingerprints of the current findings; `--baseline PATH`
//! suppresses exactly those findings (suppression kind `baseline`) and counts the entries that
//! no longer occur, so the file can be refreshed as the account gets cleaned up.
//!
//! # File format (version 1)
//!
//! ```json
//! {
//!   "version": 1,
//!   "fingerprints": [
//!     {"rule": "KL101", "key_id": 1011, "fingerprint": "9c1b3f0e5d2a4b67"},
//!     {"rule": "KL301", "key_id": 1011, "fingerprint": "0d4e1c2b3a596877"}
//!   ]
//! }
//! ```
//!
//! One entry per line, sorted by rule, key id, then fingerprint, without duplicates: the file
//! is stable across runs and a change to it reads well in review. The fingerprint
//! ([`crate::eval::fingerprint`]) binds the rule id, the key id and the violating value (the
//! invalid entry, the field value), so a different violation of the same rule on the same key
//! is a new finding. Unknown fields, another `version`, or a malformed fingerprint make the file
//! invalid (exit 2).
//!
//! # What is recorded
//!
//! Every finding about a key that no waiver covers. Waived findings are left to their waiver
//! (when it expires they must come back, not hide in the baseline), and findings about the
//! policy itself (KL002, KL003) are never recorded: they are fixed in `keylint.toml`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::eval::finding::{Finding, Suppression, SuppressionKind};
use crate::policy::Policy;
use crate::text::scrub::sanitize_message;

/// The version of the file format this keylint reads and writes.
pub const BASELINE_VERSION: u32 = 1;

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub key_id: i64,
    pub fingerprint: String,
}

/// A set of recorded findings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Baseline {
    pub entries: BTreeSet<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    fingerprints: Vec<Entry>,
}

/// What applying a baseline did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BaselineStats {
    /// Entries in the file.
    pub entries: usize,
    /// Findings it suppressed.
    pub suppressed: usize,
    /// Entries that no longer occur: their rule ran and no finding has their fingerprint.
    pub stale: usize,
}

impl Baseline {
    /// Parses a baseline file; the error says what is wrong, with the line and column. It may
    /// quote the file, so it is sanitised as a server message is ([`sanitize_message`]): a key
    /// value the file holds by mistake is redacted and control characters are escaped.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let file: File =
            serde_json::from_str(text).map_err(|e| sanitize_message(&e.to_string(), &[]))?;
        if file.version != BASELINE_VERSION {
            return Err(format!(
                "unsupported version {} (this keylint reads version {BASELINE_VERSION})",
                file.version
            ));
        }
        for entry in &file.fingerprints {
            if entry.rule.is_empty() {
                return Err("an entry has an empty `rule`".to_owned());
            }
            if entry.fingerprint.len() != 16
                || !entry
                    .fingerprint
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return Err(format!(
                    "the fingerprint of the {} entry for key {} is not 16 lowercase hex digits",
                    sanitize_message(&entry.rule, &[]),
                    entry.key_id
                ));
            }
        }
        Ok(Baseline {
            entries: file.fingerprints.into_iter().collect(),
        })
    }

    /// The baseline of a run: every finding about a key that no waiver covers.
    pub fn from_findings(policy: &Policy, findings: &[Finding]) -> Baseline {
        let entries = findings
            .iter()
            .filter(|f| {
                !f.suppressed
                    .as_ref()
                    .is_some_and(|s| s.kind == SuppressionKind::Waiver)
            })
            .filter_map(|f| entry(policy, f))
            .collect();
        Baseline { entries }
    }

    /// The file's text: sorted, one entry per line, with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut out = format!("{{\n  \"version\": {BASELINE_VERSION},\n  \"fingerprints\": [");
        for (i, entry) in self.entries.iter().enumerate() {
            out.push_str(if i == 0 { "\n    " } else { ",\n    " });
            out.push_str(&serde_json::to_string(entry).expect("entry serializes"));
        }
        out.push_str(if self.entries.is_empty() {
            "]\n}\n"
        } else {
            "\n  ]\n}\n"
        });
        out
    }

    /// Marks every unsuppressed finding the baseline records as baselined (`reason` says
    /// where: `in the baseline keylint-baseline.json`, `location` the file).
    pub fn apply(
        &self,
        policy: &Policy,
        findings: &mut [Finding],
        reason: &str,
        location: &str,
    ) -> BaselineStats {
        let mut seen: BTreeSet<&Entry> = BTreeSet::new();
        let mut suppressed = 0;
        for finding in findings.iter_mut() {
            let Some(entry) = entry(policy, finding) else {
                continue;
            };
            let Some(recorded) = self.entries.get(&entry) else {
                continue;
            };
            seen.insert(recorded);
            if finding.suppressed.is_none() {
                finding.suppressed = Some(Box::new(Suppression {
                    kind: SuppressionKind::Baseline,
                    reason: reason.to_owned(),
                    owner: None,
                    expires: None,
                    location: Some(location.to_owned()),
                }));
                suppressed += 1;
            }
        }
        let stale = self
            .entries
            .iter()
            .filter(|e| !seen.contains(e))
            .filter(|e| {
                // An entry of a rule switched off in this run could not occur: not stale.
                !policy.rules.iter().any(|r| r.id == e.rule && !r.enabled)
            })
            .count();
        BaselineStats {
            entries: self.entries.len(),
            suppressed,
            stale,
        }
    }
}

/// The entry of a finding about a key; `None` for findings about the policy.
fn entry(policy: &Policy, finding: &Finding) -> Option<Entry> {
    let key_id = finding.key_id()?;
    let rule = &policy.rules[finding.rule].id;
    Some(Entry {
        rule: rule.clone(),
        key_id,
        fingerprint: finding.fingerprint(rule),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{NOW, key};
    use crate::inventory::{Field, Inventory, Provenance};
    use crate::policy::{PolicyOptions, load_policy};

    fn default_policy() -> Policy {
        load_policy(&PolicyOptions {
            default_rules: true,
            packs: Vec::new(),
        })
        .unwrap()
    }

    fn inventory(allow_ips: &[&str]) -> Inventory {
        let keys = allow_ips
            .iter()
            .enumerate()
            .map(|(i, ips)| {
                let mut record = key();
                record.id = 10 + i as i64;
                record.name = Field::Present(format!("key-{i}"));
                record.allow_ips = Field::Present(Some((*ips).to_owned()));
                record
            })
            .collect();
        Inventory {
            keys,
            provenance: Provenance {
                source: "test".into(),
                pages: None,
                fetched_at: None,
                gateway: crate::inventory::Dialect::NewApi,
                gateway_named: false,
                cidr_allowlists: crate::inventory::CidrSupport::Auto,
            },
        }
    }

    fn evaluate(policy: &Policy, inventory: &Inventory) -> Vec<Finding> {
        crate::eval::engine::evaluate(policy, inventory, NOW)
    }

    #[test]
    fn round_trip_suppresses_exactly_the_recorded_findings() {
        let policy = default_policy();
        let before = inventory(&["8.8.8.8\n1.2.3.x", "8.8.8.8\n1.2.3.z"]);
        let findings = evaluate(&policy, &before);
        assert_eq!(findings.len(), 2, "{findings:?}");
        let baseline = Baseline::from_findings(&policy, &findings);
        let text = baseline.to_json();
        assert_eq!(Baseline::parse(&text), Ok(baseline.clone()));

        // The same inventory: everything is baselined, nothing is stale.
        let mut again = evaluate(&policy, &before);
        let stats = baseline.apply(&policy, &mut again, "in the baseline b.json", "b.json");
        assert!(again.iter().all(|f| f.suppressed.is_some()));
        assert_eq!(
            stats,
            BaselineStats {
                entries: 2,
                suppressed: 2,
                stale: 0
            }
        );
        let s = again[0].suppressed.as_ref().unwrap();
        assert_eq!(s.kind, SuppressionKind::Baseline);
        assert_eq!(s.reason, "in the baseline b.json");

        // Key 10 now has another invalid entry (same rule, same key: new), key 11 is fixed.
        let after = inventory(&["8.8.8.8\n1.2.3.y", "8.8.8.8"]);
        let mut changed = evaluate(&policy, &after);
        let stats = baseline.apply(&policy, &mut changed, "r", "b.json");
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].key_id(), Some(10));
        assert!(
            changed[0].suppressed.is_none(),
            "a changed violation is new"
        );
        assert_eq!(stats.stale, 2);
    }

    #[test]
    fn the_file_is_sorted_one_entry_a_line() {
        let baseline = Baseline {
            entries: [
                Entry {
                    rule: "KL301".into(),
                    key_id: 2,
                    fingerprint: "00000000000000bb".into(),
                },
                Entry {
                    rule: "KL101".into(),
                    key_id: 9,
                    fingerprint: "00000000000000aa".into(),
                },
            ]
            .into_iter()
            .collect(),
        };
        assert_eq!(
            baseline.to_json(),
            "{\n  \"version\": 1,\n  \"fingerprints\": [\n    {\"rule\":\"KL101\",\"key_id\":9,\"fingerprint\":\"00000000000000aa\"},\n    {\"rule\":\"KL301\",\"key_id\":2,\"fingerprint\":\"00000000000000bb\"}\n  ]\n}\n"
        );
        assert_eq!(
            Baseline::default().to_json(),
            "{\n  \"version\": 1,\n  \"fingerprints\": []\n}\n"
        );
        assert_eq!(
            Baseline::parse(&Baseline::default().to_json()),
            Ok(Baseline::default())
        );
    }

    #[test]
    fn invalid_files_are_rejected() {
        for (text, expected) in [
            ("", "EOF while parsing"),
            (
                "{\"version\": 2, \"fingerprints\": []}",
                "unsupported version 2",
            ),
            ("{\"version\": 1}", "missing field `fingerprints`"),
            (
                "{\"version\": 1, \"fingerprints\": [], \"extra\": 1}",
                "unknown field `extra`",
            ),
            (
                "{\"version\": 1, \"fingerprints\": [{\"rule\": \"KL101\", \"key_id\": 1, \"fingerprint\": \"XYZ\"}]}",
                "not 16 lowercase hex digits",
            ),
            (
                "{\"version\": 1, \"fingerprints\": [{\"rule\": \"KL101\", \"key_id\": \"1\", \"fingerprint\": \"00000000000000aa\"}]}",
                "invalid type",
            ),
        ] {
            let err = Baseline::parse(text).expect_err(text);
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn waived_and_policy_findings_are_not_recorded() {
        let policy = default_policy();
        let mut findings = evaluate(
            &policy,
            &inventory(&["8.8.8.8\n1.2.3.x", "8.8.8.8\n1.2.3.y"]),
        );
        findings[0].suppressed = Some(Box::new(Suppression {
            kind: SuppressionKind::Waiver,
            reason: "r".into(),
            owner: None,
            expires: None,
            location: None,
        }));
        let mut own = findings[1].clone();
        own.subject = crate::eval::finding::Subject::Waiver(0);
        findings.push(own);
        let baseline = Baseline::from_findings(&policy, &findings);
        assert_eq!(baseline.entries.len(), 1);
        assert_eq!(baseline.entries.first().unwrap().key_id, 11);
    }

    #[test]
    fn entries_of_switched_off_rules_are_not_stale() {
        let mut policy = default_policy();
        let findings = evaluate(&policy, &inventory(&["8.8.8.8\n1.2.3.x"]));
        let baseline = Baseline::from_findings(&policy, &findings);
        // With the rule on, a fixed key leaves its entry stale.
        let mut fixed = evaluate(&policy, &inventory(&["8.8.8.8"]));
        assert_eq!(baseline.apply(&policy, &mut fixed, "r", "b").stale, 1);
        for rule in &mut policy.rules {
            if rule.id == "KL302" {
                rule.enabled = false;
            }
        }
        let mut none = evaluate(&policy, &inventory(&["8.8.8.8\n1.2.3.x"]));
        assert!(none.is_empty());
        assert_eq!(baseline.apply(&policy, &mut none, "r", "b").stale, 0);
    }
}
