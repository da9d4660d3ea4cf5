//! `keylint diff`: what changed between two inventories, the question a periodic security
//! review asks (SPEC §9). This module is pure: it is handed both inventories, each already
//! evaluated with the same policy at its own time, and works out
//!
//! - [`keys`]: the keys added, removed and changed, matched by id (a renamed key is a change,
//!   not an addition), each changed field with its old and new state; a changed `key` is only
//!   ever reported as regenerated, never with any part of its digest;
//! - [`findings`]: the findings new in NEW, resolved since OLD and unchanged, matched by
//!   fingerprint;
//!
//! and formats the result: [`human`], [`json`] (versioned, documented there) and [`markdown`].
//! `value` is how a field's state is shown in text.
//!
//! Fingerprints bind the rule id, the key id and the violating value
//! ([`crate::eval::fingerprint`]), not where the inventory was read from, so the same violation
//! has the same fingerprint in two snapshots saved at different paths. The one place a source
//! enters is the numbering that keeps a run's SARIF location hashes distinct
//! ([`crate::eval::fingerprint::make_unique`]); the command therefore evaluates both sides under
//! NEW's source, so that numbering depends on the findings alone, and keeps each side's own
//! source for display ([`Side::source`]).

pub mod findings;
pub mod human;
pub mod json;
pub mod keys;
pub mod markdown;
mod value;

use crate::eval::finding::Finding;
use crate::inventory::Inventory;
use crate::policy::Policy;
use crate::report::{FailOn, FindingView};

pub use findings::FindingChanges;
pub use keys::{Change, ChangedKey, KeyChanges};

/// One evaluated side of a diff.
pub struct Side<'a> {
    /// Where the side was read from, as the command line or the snapshot names it.
    pub source: &'a str,
    pub inventory: &'a Inventory,
    /// The side's evaluation time (unix seconds): its `fetched_at`, else `--now` or the clock.
    pub now: i64,
    /// Every finding of the side, waivers and the baseline applied, in report order.
    pub findings: &'a [Finding],
}

impl<'a> Side<'a> {
    /// The view of one of this side's findings.
    pub fn view(&self, policy: &'a Policy, finding: &'a Finding) -> FindingView<'a> {
        FindingView::new(policy, &self.inventory.keys, finding)
    }
}

/// Two inventories compared: what the reports show.
pub struct Diff<'a> {
    pub policy: &'a Policy,
    pub old: Side<'a>,
    pub new: Side<'a>,
    pub keys: KeyChanges<'a>,
    pub findings: FindingChanges<'a>,
    /// `--all`: the reports list the unchanged findings too.
    pub all: bool,
    /// The new findings that fail the run (unsuppressed, at or above `--fail-on`).
    pub failing: usize,
    pub fail_on: FailOn,
}

impl<'a> Diff<'a> {
    /// Compares two evaluated sides.
    pub fn new(
        policy: &'a Policy,
        old: Side<'a>,
        new: Side<'a>,
        all: bool,
        fail_on: FailOn,
    ) -> Diff<'a> {
        let keys = KeyChanges::between(&old.inventory.keys, &new.inventory.keys);
        let findings = FindingChanges::between(policy, old.findings, new.findings);
        let failing = findings.new.iter().filter(|f| fail_on.fails(f)).count();
        Diff {
            policy,
            old,
            new,
            keys,
            findings,
            all,
            failing,
            fail_on,
        }
    }

    /// 1 when a new finding fails the run, else 0.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.failing > 0)
    }

    /// The new findings, as views into NEW.
    pub fn new_views(&self) -> impl Iterator<Item = FindingView<'a>> + '_ {
        self.findings
            .new
            .iter()
            .map(|f| self.new.view(self.policy, f))
    }

    /// The resolved findings, as views into OLD.
    pub fn resolved_views(&self) -> impl Iterator<Item = FindingView<'a>> + '_ {
        self.findings
            .resolved
            .iter()
            .map(|f| self.old.view(self.policy, f))
    }

    /// The unchanged findings, as views into NEW.
    pub fn unchanged_views(&self) -> impl Iterator<Item = FindingView<'a>> + '_ {
        self.findings
            .unchanged
            .iter()
            .map(|f| self.new.view(self.policy, f))
    }

    /// Whether the run fails, worded as the Markdown and human reports say it.
    pub fn verdict(&self) -> String {
        let limit = self.fail_on.as_str();
        match self.failing {
            0 if limit == "never" => "passes (`--fail-on never`, exit 0)".to_owned(),
            0 => format!("passes: no new unsuppressed finding at or above `{limit}` (exit 0)"),
            n => format!(
                "fails: {} at or above `{limit}` (exit 1)",
                crate::report::plural(n, "new unsuppressed finding")
            ),
        }
    }
}
