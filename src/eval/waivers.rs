//! Waivers, applied to the findings of an evaluation: a pure function, run after
//! [`crate::eval::engine::evaluate`] and before the baseline.
//!
//! A finding about a key is waived by the first waiver (in policy order) that is not expired at
//! `now`, names the finding's rule and covers its key (a name glob of `keys` matches the key's
//! name, or `ids` holds its id). The finding stays in the report with a [`Suppression`] of kind
//! `waiver` carrying the waiver's reason, owner, expiry and location, and never counts for the
//! exit code.
//!
//! Then keylint reports on the waivers themselves, with findings that belong to no key
//! (their subject is [`Subject::Waiver`]) and sit after the key findings,
//! in waiver order:
//!
//! - `KL002 expired-waiver`, once per waiver whose `expires` day has passed (it is valid through
//!   the end of that day, UTC). The waiver no longer applies, so its findings count again; the
//!   message says how many came back.
//! - `KL003 unused-waiver`, once per unexpired waiver that matched no finding, so stale waivers
//!   get cleaned up. A waiver counts as used when it matches a finding, even one that an earlier
//!   waiver also matches. A waiver whose rules were all switched off in this run (`--select`,
//!   `--ignore`, `enabled = false`) had nothing to match and is not reported.

use crate::checks::Own;
use crate::eval::finding::{Finding, Subject, Suppression, SuppressionKind};
use crate::eval::fingerprint::number_repeats;
use crate::inventory::Inventory;
use crate::policy::{Policy, Waiver};

/// Applies the policy's waivers at `now` (unix seconds) and appends the KL002 / KL003 findings.
pub fn apply_waivers(
    policy: &Policy,
    inventory: &Inventory,
    findings: &mut Vec<Finding>,
    now: i64,
) {
    if policy.waivers.is_empty() {
        return;
    }
    let expired: Vec<bool> = policy.waivers.iter().map(|w| w.is_expired(now)).collect();
    // Per waiver: findings it matched (unexpired) or would have matched (expired).
    let mut matched = vec![0usize; policy.waivers.len()];
    for finding in findings.iter_mut() {
        let Some(key) = finding.key_index() else {
            continue;
        };
        if finding.suppressed.is_some() {
            continue;
        }
        let rule_id = &policy.rules[finding.rule].id;
        let record = &inventory.keys[key];
        let mut chosen = None;
        for (index, waiver) in policy.waivers.iter().enumerate() {
            if waiver.rules.iter().any(|r| r == rule_id) && waiver.covers(record) {
                matched[index] += 1;
                if chosen.is_none() && !expired[index] {
                    chosen = Some(waiver);
                }
            }
        }
        if let Some(waiver) = chosen {
            finding.suppressed = Some(Box::new(suppression(waiver)));
        }
    }

    let first_about_waivers = findings.len();
    let expired_rule = policy.enabled_own_rule(Own::ExpiredWaiver);
    let unused_rule = policy.enabled_own_rule(Own::UnusedWaiver);
    for (index, waiver) in policy.waivers.iter().enumerate() {
        let (rule, message) = if expired[index] {
            let Some(rule) = expired_rule else { continue };
            (rule, expired_message(waiver, matched[index]))
        } else if matched[index] == 0 && judged(policy, waiver) {
            let Some(rule) = unused_rule else { continue };
            (
                rule,
                format!(
                    "the waiver at {} ({}) matched no finding",
                    waiver.location(),
                    waiver.scope()
                ),
            )
        } else {
            continue;
        };
        let evidence = match waiver.expires {
            Some(date) => format!("{}; expires {date}", waiver.scope()),
            None => waiver.scope(),
        };
        findings.push(Finding::new(
            rule,
            policy.rules[rule].severity,
            Subject::Waiver(index),
            message,
            &evidence,
        ));
    }
    number_repeats(policy, &mut findings[first_about_waivers..]);
}

/// Whether any rule the waiver names ran in this run.
fn judged(policy: &Policy, waiver: &Waiver) -> bool {
    policy
        .rules
        .iter()
        .any(|r| r.enabled && waiver.rules.contains(&r.id))
}

fn expired_message(waiver: &Waiver, came_back: usize) -> String {
    let date = waiver.expires.map(|d| d.to_string()).unwrap_or_default();
    let owner = match &waiver.owner {
        Some(owner) => format!("; owner {owner}"),
        None => String::new(),
    };
    let effect = match came_back {
        0 => "it matches no finding now; delete it".to_owned(),
        1 => "its finding counts again".to_owned(),
        n => format!("its {n} findings count again"),
    };
    format!(
        "the waiver at {} ({}{owner}) expired on {date}: {effect}",
        waiver.location(),
        waiver.scope()
    )
}

fn suppression(waiver: &Waiver) -> Suppression {
    Suppression {
        kind: SuppressionKind::Waiver,
        reason: waiver.reason.clone(),
        owner: waiver.owner.clone(),
        expires: waiver.expires.map(|d| d.to_string()),
        location: Some(waiver.location()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{DAY, NOW, key};
    use crate::inventory::{Field, Provenance};
    use crate::policy::{PackSource, PolicyOptions, load_policy};

    /// The default pack plus `config`, loaded as `keylint.toml`.
    fn policy(config: &str) -> Policy {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keylint.toml");
        std::fs::write(&path, config).unwrap();
        load_policy(&PolicyOptions {
            default_rules: true,
            packs: vec![PackSource::File(path)],
        })
        .expect("policy loads")
    }

    /// Three healthy keys but for what the tests need: 1 "ci-runner-1" and 2 "ci-runner-2"
    /// have no allowlist (KL301), 3 "prod-api" never expires (KL101).
    fn inventory() -> Inventory {
        let mut ci1 = key();
        ci1.name = Field::Present("ci-runner-1".into());
        ci1.allow_ips = Field::Present(None);
        let mut ci2 = ci1.clone();
        ci2.id = 2;
        ci2.name = Field::Present("ci-runner-2".into());
        let mut prod = key();
        prod.id = 3;
        prod.name = Field::Present("prod-api".into());
        prod.expired_time = Field::Present(-1);
        Inventory {
            keys: vec![ci1, ci2, prod],
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

    /// (rule id, key id, waived) of every finding, after waivers at `now`.
    fn run(config: &str, now: i64) -> Vec<(String, Option<i64>, bool)> {
        let policy = policy(config);
        let inventory = inventory();
        let mut findings = crate::eval::engine::evaluate(&policy, &inventory, now);
        apply_waivers(&policy, &inventory, &mut findings, now);
        findings
            .iter()
            .map(|f| {
                (
                    policy.rules[f.rule].id.clone(),
                    f.key_id(),
                    f.suppressed.is_some(),
                )
            })
            .collect()
    }

    fn row(rule: &str, key: Option<i64>, waived: bool) -> (String, Option<i64>, bool) {
        (rule.to_owned(), key, waived)
    }

    #[test]
    fn without_waivers_nothing_changes() {
        assert_eq!(
            run("", NOW),
            vec![
                row("KL301", Some(1), false),
                row("KL301", Some(2), false),
                row("KL101", Some(3), false),
            ]
        );
    }

    #[test]
    fn waives_by_name_glob_and_rule_id() {
        let found = run(
            "[[waiver]]\nrules = [\"KL301\"]\nkeys = [\"ci-runner-*\"]\nreason = \"no fixed egress\"\n",
            NOW,
        );
        assert_eq!(
            found,
            vec![
                row("KL301", Some(1), true),
                row("KL301", Some(2), true),
                row("KL101", Some(3), false),
            ]
        );
    }

    #[test]
    fn waives_by_key_id_and_rule_name() {
        let found = run(
            "[[waiver]]\nrules = [\"no-ip-allowlist\"]\nids = [2]\nreason = \"r\"\n",
            NOW,
        );
        assert_eq!(
            found,
            vec![
                row("KL301", Some(1), false),
                row("KL301", Some(2), true),
                row("KL101", Some(3), false),
            ]
        );
    }

    #[test]
    fn a_waiver_covers_only_its_rules() {
        let found = run(
            "[[waiver]]\nrules = [\"KL101\"]\nkeys = [\"ci-*\"]\nreason = \"r\"\n",
            NOW,
        );
        // KL101 does not fire on the ci keys: the waiver is unused.
        assert_eq!(found[3], row("KL003", None, false));
        assert!(found[..3].iter().all(|f| !f.2));
    }

    #[test]
    fn the_suppression_carries_the_waiver() {
        let policy = policy(
            "[[waiver]]\nrules = [\"KL101\"]\nids = [3]\nreason = \"legacy\"\nowner = \"sec\"\nexpires = 2030-01-31\n",
        );
        let inventory = inventory();
        let mut findings = crate::eval::engine::evaluate(&policy, &inventory, NOW);
        apply_waivers(&policy, &inventory, &mut findings, NOW);
        let waived = findings.iter().find(|f| f.suppressed.is_some()).unwrap();
        assert_eq!(
            waived.suppressed,
            Some(Box::new(Suppression {
                kind: SuppressionKind::Waiver,
                reason: "legacy".into(),
                owner: Some("sec".into()),
                expires: Some("2030-01-31".into()),
                location: Some(format!("{}:1", policy.layers[1])),
            }))
        );
    }

    #[test]
    fn expiry_is_the_end_of_the_day_utc() {
        // NOW is 2026-11-26T12:00:00Z.
        let config = "[[waiver]]\nrules = [\"KL301\"]\nkeys = [\"ci-runner-*\"]\nreason = \"r\"\nexpires = \"2026-11-26\"\n";
        let midnight = NOW + DAY / 2;
        // The last second of the day: still waived.
        let before = run(config, midnight - 1);
        assert_eq!(before.iter().filter(|f| f.2).count(), 2, "{before:?}");
        assert!(!before.iter().any(|f| f.0 == "KL002"));
        // The first second of the next day: the findings are back, and KL002 says why.
        let after = run(config, midnight);
        assert_eq!(
            after,
            vec![
                row("KL301", Some(1), false),
                row("KL301", Some(2), false),
                row("KL101", Some(3), false),
                row("KL002", None, false),
            ]
        );
    }

    #[test]
    fn expired_and_unused_waivers_are_reported_at_the_waiver() {
        let policy = policy(
            "[[waiver]]\nrules = [\"KL301\"]\nkeys = [\"ci-runner-*\"]\nreason = \"r\"\nowner = \"platform\"\nexpires = \"2026-01-31\"\n\n[[waiver]]\nrules = [\"KL302\"]\nkeys = [\"nothing-*\"]\nreason = \"r\"\n",
        );
        let inventory = inventory();
        let mut findings = crate::eval::engine::evaluate(&policy, &inventory, NOW);
        apply_waivers(&policy, &inventory, &mut findings, NOW);
        let own: Vec<&Finding> = findings.iter().filter(|f| f.key_id().is_none()).collect();
        assert_eq!(own.len(), 2);
        let file = &policy.layers[1];
        assert_eq!(policy.rules[own[0].rule].id, "KL002");
        assert_eq!(own[0].subject, Subject::Waiver(0));
        assert_eq!(
            own[0].message(),
            format!(
                "the waiver at {file}:1 (rules KL301; keys ci-runner-*; owner platform) expired on 2026-01-31: its 2 findings count again"
            )
        );
        assert_eq!(
            own[0].evidence(),
            "rules KL301; keys ci-runner-*; expires 2026-01-31"
        );
        assert_eq!(policy.rules[own[1].rule].id, "KL003");
        assert_eq!(own[1].subject, Subject::Waiver(1));
        assert_eq!(
            own[1].message(),
            format!("the waiver at {file}:8 (rules KL302; keys nothing-*) matched no finding")
        );
        assert_eq!(own[1].severity, crate::eval::finding::Severity::Warning);
    }

    #[test]
    fn a_waiver_of_switched_off_rules_is_not_judged() {
        let waiver = "[[waiver]]\nrules = [\"KL302\"]\nkeys = [\"*\"]\nreason = \"r\"\n";
        // With its rule on, the waiver matches nothing and is reported.
        assert!(run(waiver, NOW).iter().any(|f| f.0 == "KL003"));
        let config = format!("[override.KL302]\nenabled = false\n\n{waiver}");
        assert!(!run(&config, NOW).iter().any(|f| f.0 == "KL003"));
    }

    #[test]
    fn own_rules_can_be_switched_off() {
        let waiver = "[[waiver]]\nrules = [\"KL302\"]\nkeys = [\"*\"]\nreason = \"r\"\n";
        assert!(run(waiver, NOW).iter().any(|f| f.0 == "KL003"));
        let config = format!("[override.unused-waiver]\nenabled = false\n\n{waiver}");
        assert!(!run(&config, NOW).iter().any(|f| f.0 == "KL003"));
        let relevelled = "[override.KL003]\nseverity = \"error\"\n\n[[waiver]]\nrules = [\"KL302\"]\nkeys = [\"*\"]\nreason = \"r\"\n";
        let policy = policy(relevelled);
        let inventory = inventory();
        let mut findings = crate::eval::engine::evaluate(&policy, &inventory, NOW);
        apply_waivers(&policy, &inventory, &mut findings, NOW);
        let unused = findings.last().unwrap();
        assert_eq!(unused.severity, crate::eval::finding::Severity::Error);
    }

    #[test]
    fn overlapping_waivers_are_both_used_and_the_first_gives_the_reason() {
        let policy = policy(
            "[[waiver]]\nrules = [\"KL301\"]\nids = [1]\nreason = \"first\"\n\n[[waiver]]\nrules = [\"KL301\"]\nkeys = [\"ci-*\"]\nreason = \"second\"\n",
        );
        let inventory = inventory();
        let mut findings = crate::eval::engine::evaluate(&policy, &inventory, NOW);
        apply_waivers(&policy, &inventory, &mut findings, NOW);
        let reasons: Vec<Option<&str>> = findings
            .iter()
            .map(|f| f.suppressed.as_ref().map(|s| s.reason.as_str()))
            .collect();
        assert_eq!(reasons, vec![Some("first"), Some("second"), None]);
    }
}
