//! `keylint diff --format markdown`: the diff as a review-ticket comment — a header (both
//! sides, the counts, whether the run fails), then a table per kind of change: keys added,
//! removed and changed (one row per changed field), findings new, resolved and (with `--all`)
//! unchanged. Every value from the inventory or the policy goes through
//! [`crate::report::markdown::cell`], so no key name can break a table or inject markup.

use std::io::Write;

use super::value::change_line;
use super::{Diff, Side};
use crate::inventory::KeyRecord;
use crate::report::markdown::cell;
use crate::report::{FindingView, plural};
use crate::text::clock::format_timestamp;

/// Renders the Markdown diff.
pub fn render(diff: &Diff<'_>) -> String {
    crate::report::into_text(|out| write(diff, out))
}

/// Writes the Markdown diff to `out`.
pub fn write(diff: &Diff<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(b"# keylint diff\n\n")?;
    writeln!(out, "- **Old:** {}", side(&diff.old))?;
    writeln!(out, "- **New:** {}", side(&diff.new))?;
    let (keys, findings) = (&diff.keys, &diff.findings);
    writeln!(
        out,
        "- **Keys:** {} added, {} removed, {} changed",
        keys.added.len(),
        keys.removed.len(),
        keys.changed.len()
    )?;
    writeln!(
        out,
        "- **Findings:** {} new, {} resolved, {} unchanged",
        findings.new.len(),
        findings.resolved.len(),
        findings.unchanged.len()
    )?;
    let verdict = diff.verdict();
    match verdict.strip_prefix("fails") {
        Some(rest) => writeln!(out, "- **Result:** **fails**{rest}")?,
        None => writeln!(out, "- **Result:** {verdict}")?,
    }
    key_table(out, "Keys added", &keys.added)?;
    key_table(out, "Keys removed", &keys.removed)?;
    if !keys.changed.is_empty() {
        out.write_all(b"\n## Keys changed\n\n| Key | Name | Change |\n|---:|---|---|\n")?;
        for changed in &keys.changed {
            for change in &changed.changes {
                writeln!(
                    out,
                    "| {} | {} | {} |",
                    changed.new.id,
                    name(changed.new),
                    cell(&change_line(change))
                )?;
            }
        }
    }
    finding_table(out, "New findings", diff.new_views())?;
    finding_table(out, "Resolved findings", diff.resolved_views())?;
    if diff.all {
        finding_table(out, "Unchanged findings", diff.unchanged_views())?;
    }
    Ok(())
}

/// `` old.json, fetched 2026-11-19T12:00:00Z, 3 keys (new-api) ``.
fn side(side: &Side<'_>) -> String {
    let p = &side.inventory.provenance;
    let when = match &p.fetched_at {
        Some(at) => format!("fetched {}", cell(at)),
        None => format!("evaluated at {}", format_timestamp(side.now)),
    };
    format!(
        "{}, {when}, {} ({})",
        cell(side.source),
        plural(side.inventory.keys.len(), "key"),
        p.gateway
    )
}

fn name(record: &KeyRecord) -> String {
    record.name.get().map(|n| cell(n)).unwrap_or_default()
}

fn key_table(out: &mut dyn Write, title: &str, keys: &[&KeyRecord]) -> std::io::Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n## {title}\n\n| Key | Name |\n|---:|---|")?;
    for record in keys {
        writeln!(out, "| {} | {} |", record.id, name(record))?;
    }
    Ok(())
}

fn finding_table<'a>(
    out: &mut dyn Write,
    title: &str,
    views: impl Iterator<Item = FindingView<'a>>,
) -> std::io::Result<()> {
    let mut views = views.peekable();
    if views.peek().is_none() {
        return Ok(());
    }
    writeln!(out, "\n## {title}\n")?;
    crate::report::markdown::findings_table(views, out, None).map(drop)
}
