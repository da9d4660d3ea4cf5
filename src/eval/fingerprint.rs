//! Fingerprints: the stable identity of a finding across runs, which baselines record and code
//! scanning tracks alerts by. Every fingerprint keylint writes is made here.
//!
//! A fingerprint binds the rule id, the key id (or, for a finding about a waiver, a domain of
//! its own) and the violating value, so the same violation keeps its fingerprint and a
//! different violation on the same key gets a new one. One rule can report the same value twice
//! on one key (`model_limits = "a,,,b"` has two empty entries); such repeats are numbered in
//! report order ([`number_repeats`]) and the number is bound in from the second one on, so a
//! finding that is not repeated keeps the fingerprint it always had.
//!
//! Numbering repeats is not enough to make the fingerprints of a run distinct: they are
//! truncated hashes, and the parts they hash are joined by NUL bytes, which the evidence (text
//! from the gateway) may itself contain, so two different findings can be made to hash alike.
//! [`make_unique`] therefore checks the whole run after evaluation: a finding whose fingerprint
//! or SARIF location hash an earlier finding (in report order) already has gets the next free
//! repeat number. The first finding of a value keeps its fingerprint; the run's fingerprints
//! and location hashes are distinct by construction, not by the odds of a hash.

use std::collections::{HashMap, HashSet};

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

/// Makes the fingerprints ([`Finding::fingerprint`]) and the SARIF location hashes
/// ([`location_hash`], of `source`) of `findings` distinct: walking them in report order, a
/// finding whose fingerprint or location hash was already taken gets the next repeat number
/// that makes both new. Deterministic: the same findings in the same order come out the same.
/// Run it once over every finding of a run, after the waivers (whose findings join the run)
/// and before the baseline (which matches fingerprints); [`crate::lint`] does.
pub fn make_unique(policy: &Policy, source: &str, findings: &mut [Finding]) {
    // As numbers rather than hex text: a run may hold hundreds of thousands of findings.
    let mut fingerprints: HashSet<u64> = HashSet::with_capacity(findings.len());
    let mut hashes: HashSet<u128> = HashSet::with_capacity(findings.len());
    for finding in findings {
        let rule_id = policy.rules[finding.rule].id.as_str();
        loop {
            // Both are hex digits made here: 16 of them, and 32.
            let fingerprint = u64::from_str_radix(&finding.fingerprint(rule_id), 16)
                .expect("a fingerprint is 16 hex digits");
            let hash = u128::from_str_radix(&location_hash(source, rule_id, finding), 16)
                .expect("a location hash is 32 hex digits");
            if !fingerprints.contains(&fingerprint) && !hashes.contains(&hash) {
                fingerprints.insert(fingerprint);
                hashes.insert(hash);
                break;
            }
            // Every number gives other hashes, and the run has fewer findings than numbers.
            finding.repeat = finding.repeat.wrapping_add(1);
        }
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

    /// Evidence holding NUL bytes can spell the repeat suffix of another finding's hashed
    /// parts: the run is made distinct anyway, and the first of each value keeps its own.
    #[test]
    fn crafted_collisions_are_disambiguated() {
        let policy = load_policy(&PolicyOptions {
            default_rules: true,
            packs: Vec::new(),
        })
        .expect("default policy");
        let mut findings = vec![
            finding(1, Some(7), "x"),
            finding(1, Some(7), "x"),
            // The parts of the second finding, joined: its fingerprint.
            finding(1, Some(7), "x\0repeat\0\u{1}\0\0\0"),
            // Its location hash (which writes the number in decimal).
            finding(1, Some(7), "x\0repeat\x001"),
            finding(1, None, "w"),
        ];
        number_repeats(&policy, &mut findings);
        let rule_id = policy.rules[1].id.as_str();
        let fingerprints =
            |f: &[Finding]| -> Vec<String> { f.iter().map(|f| f.fingerprint(rule_id)).collect() };
        let hashes = |f: &[Finding]| -> Vec<String> {
            f.iter()
                .map(|f| location_hash("https://a.example", rule_id, f))
                .collect()
        };
        let (before, hashes_before) = (fingerprints(&findings), hashes(&findings));
        assert_eq!(before[1], before[2], "the crafted fingerprint collides");
        assert_eq!(
            hashes_before[1], hashes_before[3],
            "the crafted hash collides"
        );

        make_unique(&policy, "https://a.example", &mut findings);
        let (after, hashes_after) = (fingerprints(&findings), hashes(&findings));
        for values in [&after, &hashes_after] {
            let distinct: HashSet<&String> = values.iter().collect();
            assert_eq!(distinct.len(), findings.len(), "{values:?}");
        }
        assert_eq!(after[..2], before[..2]);
        assert_eq!(after[4], before[4]);
        let repeats: Vec<u32> = findings.iter().map(|f| f.repeat).collect();
        assert_eq!(repeats, [0, 1, 1, 1, 0]);

        // The same run again gives the same values.
        let mut again = findings.clone();
        make_unique(&policy, "https://a.example", &mut again);
        assert_eq!(fingerprints(&again), after);
    }

    /// Two findings of one rule on one key: two different entries, or one entry twice.
    #[test]
    fn findings_of_one_rule_on_one_key_are_distinct() {
        let policy = load_policy(&PolicyOptions {
            default_rules: true,
            packs: Vec::new(),
        })
        .expect("default policy");
        let mut findings = vec![
            finding(1, Some(7), "not-an-ip"),
            finding(1, Some(7), "also-bad"),
            finding(1, Some(7), "not-an-ip"),
        ];
        number_repeats(&policy, &mut findings);
        make_unique(&policy, "-", &mut findings);
        let rule_id = policy.rules[1].id.as_str();
        let values: HashSet<String> = findings
            .iter()
            .flat_map(|f| [f.fingerprint(rule_id), location_hash("-", rule_id, f)])
            .collect();
        assert_eq!(values.len(), 2 * findings.len());
        assert_eq!(
            findings[0].fingerprint(rule_id),
            fingerprint(rule_id, 7, "not-an-ip")
        );
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
