//! `keylint diff OLD NEW`: read both inventories completely (or fail before reporting
//! anything), evaluate each with the same policy at its own time, compare them
//! ([`crate::diff`]), report, and return the exit code.
//!
//! Exit codes: 0 when NEW has no new unsuppressed finding at or above `--fail-on`, 1 when it
//! has; 2 for a usage or configuration error, including an input file that cannot be opened
//! (as for `check --input`) and `-` given for both sides; 3 when a side is malformed or
//! incomplete (a snapshot short of its total, a `fetched_at` that is not a time, ...). A side
//! that cannot be read yields no report at all: nothing is ever reported as resolved (or new)
//! because one side was unreadable.

use std::path::Path;

use super::Io;
use super::check::{apply_selection, evaluation_time, fail_on, read_baseline};
use super::files::{read_input, stream};
use super::policy_files::load;
use crate::app::cli::{DiffArgs, DiffFormat};
use crate::app::error::Failure;
use crate::diff::{Diff, Side};
use crate::eval::baseline::Baseline;
use crate::eval::finding::Finding;
use crate::inventory::Inventory;
use crate::policy::Policy;
use crate::text::clock;

pub(super) fn run(args: &DiffArgs, quiet: bool, io: &mut Io<'_>) -> Result<u8, Failure> {
    let now = evaluation_time(args.now.as_deref())?;
    let mut policy = load(&args.policy)?;
    apply_selection(&mut policy, &args.selection.select, &args.selection.ignore)?;
    let baseline = match &args.baseline {
        Some(path) => Some((path.display().to_string(), read_baseline(path)?)),
        None => None,
    };
    let stdin = Path::new("-");
    if args.old == stdin && args.new == stdin {
        return Err(Failure::usage(
            "OLD and NEW cannot both be read from stdin (`-`)",
            Some("save one of them to a file".to_owned()),
        ));
    }
    let mut old = read_input(&args.old, io.stdin, args.gateway.dialect())?;
    let mut new = read_input(&args.new, io.stdin, args.gateway.dialect())?;
    for inventory in [&mut old, &mut new] {
        inventory.provenance.cidr_allowlists = args.cidr_allowlists.support();
    }
    let (old_now, new_now) = (
        side_time(&old, &args.old, now)?,
        side_time(&new, &args.new, now)?,
    );
    // Both sides are evaluated under NEW's source, so that numbering repeats depends on the
    // findings alone ([`crate::diff`]); each side keeps its own source for display.
    let old_source = std::mem::replace(&mut old.provenance.source, new.provenance.source.clone());
    let baseline = baseline.as_ref().map(|(shown, b)| (b, shown.as_str()));
    let old_findings = evaluate(&policy, &old, old_now, baseline);
    let new_findings = evaluate(&policy, &new, new_now, baseline);
    let diff = Diff::new(
        &policy,
        Side {
            source: &old_source,
            inventory: &old,
            now: old_now,
            findings: &old_findings,
        },
        Side {
            source: &new.provenance.source,
            inventory: &new,
            now: new_now,
            findings: &new_findings,
        },
        args.all,
        fail_on(args.fail_on),
    );
    stream(args.output.as_deref(), io, |out| match args.format {
        DiffFormat::Human => crate::diff::human::write(&diff, out),
        DiffFormat::Json => crate::diff::json::write(&diff, out),
        DiffFormat::Markdown => crate::diff::markdown::write(&diff, out),
    })?;
    if !quiet && (args.output.is_some() || args.format != DiffFormat::Human) {
        let _ = writeln!(
            io.stderr,
            "keylint: {}; {}",
            crate::diff::human::summary_line(&diff),
            diff.verdict()
        );
    }
    Ok(diff.exit_code())
}

/// The time a side is evaluated at: its `fetched_at`, else `now` (`--now` or the clock).
fn side_time(inventory: &Inventory, path: &Path, now: i64) -> Result<i64, Failure> {
    match &inventory.provenance.fetched_at {
        Some(at) => clock::parse_time(at).map_err(|_| Failure::FetchedAt {
            source_name: path.display().to_string(),
        }),
        None => Ok(now),
    }
}

/// One side's findings, as `check` would report them at `now`.
fn evaluate(
    policy: &Policy,
    inventory: &Inventory,
    now: i64,
    baseline: Option<(&Baseline, &str)>,
) -> Vec<Finding> {
    crate::lint(policy, inventory, now, baseline).0
}
