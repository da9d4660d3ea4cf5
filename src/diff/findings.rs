//! Findings matched across the two sides by fingerprint: **new** (only in NEW), **resolved**
//! (only in OLD) and unchanged (in both). A fingerprint binds rule id, key id and violating
//! value ([`crate::eval::fingerprint`]), so a key whose allowlist changed from one bad value to
//! another has one finding resolved and one new, and a finding about a key that was removed is
//! resolved.

use std::collections::HashSet;

use crate::eval::finding::Finding;
use crate::policy::Policy;

/// The findings of both sides, sorted into new, resolved and unchanged, each in its side's
/// report order.
pub struct FindingChanges<'a> {
    /// In NEW only.
    pub new: Vec<&'a Finding>,
    /// In OLD only.
    pub resolved: Vec<&'a Finding>,
    /// In both (NEW's finding).
    pub unchanged: Vec<&'a Finding>,
}

impl<'a> FindingChanges<'a> {
    /// Matches the findings of OLD and NEW (evaluated with the same `policy`) by fingerprint.
    pub fn between(policy: &Policy, old: &'a [Finding], new: &'a [Finding]) -> FindingChanges<'a> {
        let fingerprint = |f: &Finding| f.fingerprint(&policy.rules[f.rule].id);
        let old_prints: HashSet<String> = old.iter().map(fingerprint).collect();
        let new_prints: HashSet<String> = new.iter().map(fingerprint).collect();
        let (unchanged, new) = new
            .iter()
            .partition(|f| old_prints.contains(&fingerprint(f)));
        let resolved = old
            .iter()
            .filter(|f| !new_prints.contains(&fingerprint(f)))
            .collect();
        FindingChanges {
            new,
            resolved,
            unchanged,
        }
    }
}
