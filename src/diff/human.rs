//! `keylint diff --format human`: a summary (both sides, keys `+added −removed ~changed`,
//! findings new and resolved, whether the run fails), then a section for each kind of change
//! that occurred. Every value from the inventory or the policy is escaped for the terminal
//! ([`crate::text::escape::escape`]); no colour, so the text is the same in a terminal and a log.

use std::io::Write;

use super::value::change_line;
use super::{Diff, Side};
use crate::report::{FindingView, key_label, plural};
use crate::text::clock::format_timestamp;
use crate::text::escape::escape;

/// Renders the human diff.
pub fn render(diff: &Diff<'_>) -> String {
    crate::report::into_text(|out| write(diff, out))
}

/// Writes the human diff to `out`.
pub fn write(diff: &Diff<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "keylint diff")?;
    writeln!(out, "  old: {}", side(&diff.old))?;
    writeln!(out, "  new: {}", side(&diff.new))?;
    writeln!(out, "{}", summary_line(diff))?;
    writeln!(out, "Result: {}", diff.verdict())?;
    let keys = &diff.keys;
    if keys.is_empty() && diff.findings.new.is_empty() && diff.findings.resolved.is_empty() {
        writeln!(out, "\nNo key and no finding changed.")?;
    }
    if !keys.added.is_empty() {
        writeln!(out, "\nKeys added")?;
        for record in &keys.added {
            writeln!(out, "  + {}", key_label(record))?;
        }
    }
    if !keys.removed.is_empty() {
        writeln!(out, "\nKeys removed")?;
        for record in &keys.removed {
            writeln!(out, "  − {}", key_label(record))?;
        }
    }
    if !keys.changed.is_empty() {
        writeln!(out, "\nKeys changed")?;
        for changed in &keys.changed {
            writeln!(out, "  ~ {}", key_label(changed.new))?;
            for change in &changed.changes {
                writeln!(out, "      {}", change_line(change))?;
            }
        }
    }
    findings(out, "New findings", '+', diff.new_views())?;
    findings(out, "Resolved findings", '−', diff.resolved_views())?;
    if diff.all {
        findings(out, "Unchanged findings", '=', diff.unchanged_views())?;
    }
    Ok(())
}

/// `Keys: +1 −1 ~1; findings: 1 new, 1 resolved, 4 unchanged`, the line the human report
/// prints and the command repeats on stderr for the other formats.
pub fn summary_line(diff: &Diff<'_>) -> String {
    let (keys, findings) = (&diff.keys, &diff.findings);
    format!(
        "Keys: +{} −{} ~{}; findings: {} new, {} resolved, {} unchanged",
        keys.added.len(),
        keys.removed.len(),
        keys.changed.len(),
        findings.new.len(),
        findings.resolved.len(),
        findings.unchanged.len()
    )
}

/// `old.json (fetched 2026-11-19T12:00:00Z; 3 keys, new-api)`.
fn side(side: &Side<'_>) -> String {
    let p = &side.inventory.provenance;
    let when = match &p.fetched_at {
        Some(at) => format!("fetched {}", escape(at)),
        None => format!("evaluated at {}", format_timestamp(side.now)),
    };
    format!(
        "{} ({when}; {}, {})",
        escape(side.source),
        plural(side.inventory.keys.len(), "key"),
        p.gateway
    )
}

/// A section of findings, when there are any: one line each.
fn findings<'a>(
    out: &mut dyn Write,
    title: &str,
    mark: char,
    views: impl Iterator<Item = FindingView<'a>>,
) -> std::io::Result<()> {
    let mut views = views.peekable();
    if views.peek().is_none() {
        return Ok(());
    }
    writeln!(out, "\n{title}")?;
    for view in views {
        let suppression = view
            .suppression()
            .map(|s| format!(" [{}]", escape(&s)))
            .unwrap_or_default();
        writeln!(
            out,
            "  {mark} {} {} {}: {}: {}{suppression}",
            view.finding.severity,
            escape(&view.rule.id),
            escape(&view.rule.name),
            view.label(),
            escape(view.finding.message()),
        )?;
    }
    Ok(())
}
