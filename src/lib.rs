//! keylint: a policy linter for the API keys of a CometAPI account or a self-hosted gateway of
//! the new-api / one-api family.
//!
//! Data flows one way: [`app`] reads the command line, loads the [`policy`] and obtains the
//! [`inventory`] (fetched by [`api`] or read from a file); [`eval`] checks every key with the
//! [`checks`] of the policy and applies waivers and the baseline; [`report`] formats the
//! findings; [`diff`] compares two evaluated inventories. [`text`] holds what every layer
//! shares: escaping, scrubbing, bounded reads, time.
//! [`lint`] is the pure middle of that pipeline: policy + inventory -> findings.

pub mod api;
pub mod app;
pub mod checks;
pub mod diff;
pub mod eval;
pub mod inventory;
pub mod policy;
pub mod report;
pub mod text;

pub use app::{Io, run, use_color};

use eval::baseline::Baseline;
use eval::finding::Finding;
use inventory::Inventory;
use policy::Policy;

/// How a baselined finding is marked.
pub const BASELINE_REASON: &str = "recorded in the baseline";

/// The pure pipeline of `check`, between reading and reporting: every enabled rule of `policy`
/// on every key of `inventory` at `now` (unix seconds), then the waivers, then the fingerprints
/// made distinct across the run, then the baseline (with the name it is shown under) when there
/// is one. Returns the findings and, with a
/// baseline, how many of its entries no longer occur.
pub fn lint(
    policy: &Policy,
    inventory: &Inventory,
    now: i64,
    baseline: Option<(&Baseline, &str)>,
) -> (Vec<Finding>, Option<usize>) {
    let mut findings = eval::engine::evaluate(policy, inventory, now);
    eval::waivers::apply_waivers(policy, inventory, &mut findings, now);
    let source = inventory.provenance.source.as_str();
    eval::fingerprint::make_unique(policy, source, &mut findings);
    let stale = baseline.map(|(baseline, shown)| {
        baseline
            .apply(policy, &mut findings, BASELINE_REASON, shown)
            .stale
    });
    (findings, stale)
}
