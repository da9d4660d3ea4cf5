//! Fingerprints: the stable identity of a finding across runs, which baselines record and code
//! scanning tracks alerts by. Every fingerprint keylint writes is made here.
//!
//! A fingerprint binds the rule id, the key id (or, for a finding about a waiver, a domain of
//! its own) and the violating value, so the same violation keeps its fingerprint and a
//! different violation on the same key gets a new one. One rule can report the same value twice
//! on one key (`model_limits = "a,,,b"` has two empty entries); such repeats are numbered in
//! report order ([`number_repeats`]) and the number is bound in from the second one on, so no
//! two findings of a run share a fingerprint while a finding that is not repeated keeps the
//! fingerprint it always had.

use std::collections::HashMap;

use crate::eval::finding::Finding;
use crate::policy::Policy;
use crate::text::digest::sha256_hex;

/// A finding's fingerprint: 16 hex digits of the SHA-256 of rule id, key id (or the policy
/// domain) and evidence, and the repeat number when it is not 0.
pub fn of(rule_id: &str, key_id: Option<i64>, evidence: &str, repeat: u32) -> String {
    let key = key_id.map(i64::to_le_bytes);
    let subject: &[u8] = key.as_ref().map_or(b"policy", |id| id.as_slice());
    let (rule_id, evidence) = (rule_id.as_bytes(), evidence.as_bytes());
    if repeat == 0 {
        // A finding about a waiver has the domain first, so it can never equal a key finding's.
        match key_id {
            Some(_) => sha256_hex(&[rule_id, subject, evidence], 8),
            None => sha256_hex(&[subject, rule_id, evidence], 8),
        }
    } else {
        let repeat = repeat.to_le_bytes();
        match key_id {
            Some(_) => sha256_hex(&[rule_id, subject, evidence, b"repeat", &repeat], 8),
            None => sha256_hex(&[subject, rule_id, evidence, b"repeat", &repeat], 8),
        }
    }
}

/// The fingerprint of a violation of `rule_id` by the key `key_id` (the first of its kind).
pub fn fingerprint(rule_id: &str, key_id: i64, evidence: &str) -> String {
    of(rule_id, Some(key_id), evidence, 0)
}

/// SARIF's `primaryLocationLineHash`: 32 hex digits of the SHA-256 of the source (without a
/// trailing `/`), the rule id, the key (its id, or `policy`) and the evidence, and the repeat
/// number when it is not 0.
pub fn location_hash(source: &str, rule_id: &str, finding: &Finding) -> String {
    let key = finding
        .key_id()
        .map_or_else(|| "policy".to_owned(), |id| id.to_string());
    let parts: [&[u8]; 4] = [
        source.trim_end_matches('/').as_bytes(),
        rule_id.as_bytes(),
        key.as_bytes(),
        finding.evidence().as_bytes(),
    ];
    if finding.repeat == 0 {
        sha256_hex(&parts, 16)
    } else {
        let repeat = finding.repeat.to_string();
        let [a, b, c, d] = parts;
        sha256_hex(&[a, b, c, d, b"repeat", repeat.as_bytes()], 16)
    }
}

/// Segments up to this length are numbered by comparing every pair; longer ones with a map.
const PAIRWISE_LIMIT: usize = 32;

/// Numbers the findings that repeat an earlier one: same subject (key id, or the policy), same
/// rule id and same evidence. `findings` holds each subject's findings together, as the engine
/// and the waiver pass produce them; each finding's [`Finding::repeat`] becomes the number of
/// earlier findings of its subject with the same rule id and evidence.
pub fn number_repeats(policy: &Policy, findings: &mut [Finding]) {
    let mut start = 0;
    while start < findings.len() {
        let subject = findings[start].key_id();
        let len = findings[start..]
            .iter()
            .take_while(|f| f.key_id() == subject)
            .count();
        let segment = &mut findings[start..start + len];
        if len > PAIRWISE_LIMIT {
            number_long_segment(policy, segment);
        } else {
            for i in 1..len {
                let (earlier, rest) = segment.split_at_mut(i);
                let finding = &mut rest[0];
                let repeats = earlier
                    .iter()
                    .filter(|e| same_violation(policy, e, finding))
                    .count();
                finding.repeat = count(repeats);
            }
        }
        start += len;
    }
}

/// Whether two findings of one subject report the same value under the same rule id.
fn same_violation(policy: &Policy, a: &Finding, b: &Finding) -> bool {
    a.evidence() == b.evidence()
        && (a.rule == b.rule || policy.rules[a.rule].id == policy.rules[b.rule].id)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// [`number_repeats`] for one subject with many findings (a long allowlist), with a map.
fn number_long_segment(policy: &Policy, segment: &mut [Finding]) {
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    let repeats: Vec<u32> = segment
        .iter()
        .map(|f| {
            let rule_id = policy.rules[f.rule].id.as_str();
            let earlier = seen.entry((rule_id, f.evidence())).or_default();
            let repeat = count(*earlier);
            *earlier += 1;
            repeat
        })
        .collect();
    for (finding, repeat) in segment.iter_mut().zip(repeats) {
        finding.repeat = repeat;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Target;
    use crate::eval::finding::{Severity, Subject};
    use crate::policy::{PolicyOptions, load_policy};

    fn finding(rule: usize, key: Option<i64>, evidence: &str) -> Finding {
        let subject = match key {
            Some(id) => Subject::Key {
                index: 0,
                id,
                target: Target::Record,
            },
            None => Subject::Waiver(0),
        };
        Finding::new(rule, Severity::Warning, subject, String::new(), evidence)
    }

    #[test]
    fn fingerprints_bind_rule_key_evidence_and_repeat() {
        let base = fingerprint("KL302", 7, "1.2.3.x");
        assert_eq!(base.len(), 16);
        assert_eq!(base, fingerprint("KL302", 7, "1.2.3.x"));
        assert_ne!(base, fingerprint("KL302", 7, "1.2.3.y"));
        assert_ne!(base, fingerprint("KL302", 8, "1.2.3.x"));
        assert_ne!(base, fingerprint("KL301", 7, "1.2.3.x"));
        assert_ne!(base, of("KL302", Some(7), "1.2.3.x", 1));
        assert_ne!(of("KL302", Some(7), "", 1), of("KL302", Some(7), "", 2));
        // The separator keeps "KL30" + "27" apart from "KL302" + "7".
        assert_ne!(fingerprint("KL30", 27, ""), fingerprint("KL302", 7, ""));
        assert_ne!(of("KL003", None, "w", 0), of("KL002", None, "w", 0));
        assert_ne!(of("KL003", None, "w", 0), of("KL003", None, "w", 1));
    }

    /// Fingerprints written by earlier versions stay valid: a baseline keeps matching.
    #[test]
    fn first_fingerprints_are_those_of_earlier_versions() {
        assert_eq!(
            fingerprint("KL302", 7, "1.2.3.x"),
            sha256_hex(&[b"KL302", &7i64.to_le_bytes(), b"1.2.3.x"], 8)
        );
        assert_eq!(
            of("KL003", None, "w", 0),
            sha256_hex(&[b"policy", b"KL003", b"w"], 8)
        );
        let f = finding(0, Some(1), "-1");
        assert_eq!(
            location_hash("https://a.example/", "KL101", &f),
            sha256_hex(&[b"https://a.example", b"KL101", b"1", b"-1"], 16)
        );
    }

    #[test]
    fn location_hash_binds_source_rule_key_evidence_and_repeat() {
        let f = finding(0, Some(1), "-1");
        let base = location_hash("https://a.example", "KL101", &f);
        assert_eq!(base.len(), 32);
        assert_ne!(base, location_hash("https://b.example", "KL101", &f));
        assert_ne!(base, location_hash("https://a.example", "KL102", &f));
        assert_ne!(
            base,
            location_hash("https://a.example", "KL101", &finding(0, Some(2), "-1"))
        );
        assert_ne!(
            base,
            location_hash("https://a.example", "KL101", &finding(0, Some(1), "0"))
        );
        let mut repeated = f;
        repeated.repeat = 1;
        assert_ne!(base, location_hash("https://a.example", "KL101", &repeated));
    }

    #[test]
    fn repeats_are_numbered_per_subject_rule_and_evidence() {
        let policy = load_policy(&PolicyOptions {
            default_rules: true,
            packs: Vec::new(),
        })
        .expect("default policy");
        let mut findings = vec![
            finding(1, Some(1), ""),
            finding(1, Some(1), "x"),
            finding(1, Some(1), ""),
            finding(2, Some(1), ""),
            finding(1, Some(1), ""),
            finding(1, Some(2), ""),
            finding(1, None, ""),
            finding(1, None, ""),
        ];
        number_repeats(&policy, &mut findings);
        let repeats: Vec<u32> = findings.iter().map(|f| f.repeat).collect();
        assert_eq!(repeats, [0, 0, 1, 0, 2, 0, 0, 1]);

        // A long segment is numbered the same way.
        let mut long: Vec<Finding> = (0..100)
            .map(|i| finding(1, Some(1), if i % 2 == 0 { "a" } else { "b" }))
            .collect();
        number_repeats(&policy, &mut long);
        let repeats: Vec<u32> = long.iter().map(|f| f.repeat).collect();
        let expected: Vec<u32> = (0..100).map(|i| i / 2).collect();
        assert_eq!(repeats, expected);
    }
}
