//! `--format markdown`: a review report for people — a header (source, evaluation time, keys,
//! counts, whether the run fails), a table by rule and severity, then one table row per finding,
//! suppressed ones included. GitHub-flavoured Markdown; it reads well as a pull-request comment,
//! a wiki page or an issue.
//!
//! Every value that comes from the inventory or the policy goes through [`cell`]: control and
//! invisible characters become visible `\u{..}` escapes, line breaks become `\n`, and the
//! characters Markdown would act on (`|`, backticks, `*`, `_`, `[`, `]`, `<`, `>`, `~`, `&`,
//! `\`) are backslash-escaped, so a key name can neither break the table nor inject markup.
//!
//! The findings table is shared with the GitHub step summary ([`super::github::step_summary`]).

use std::io::Write;

use super::{FindingView, Run, plural};
use crate::eval::finding::Severity;
use crate::text::escape::escape;

/// Renders the Markdown review report.
pub fn render(run: &Run<'_>) -> String {
    super::into_text(|out| write(run, out))
}

/// Writes the Markdown review report to `out`, one row at a time.
pub fn write(run: &Run<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(b"# keylint report\n\n")?;
    let provenance = &run.inventory.provenance;
    writeln!(out, "- **Source:** {}", cell(&provenance.source))?;
    writeln!(
        out,
        "- **Gateway:** {}",
        cell(&super::gateway_note(run.inventory))
    )?;
    writeln!(
        out,
        "- **Evaluated at:** {}",
        crate::text::clock::format_timestamp(run.now)
    )?;
    let pages = match provenance.pages {
        Some(p) => format!(
            " ({})",
            plural(usize::try_from(p).unwrap_or(usize::MAX), "page")
        ),
        None => String::new(),
    };
    writeln!(out, "- **Keys:** {}{pages}", run.inventory.keys.len())?;
    writeln!(out, "- **Findings:** {}", counts(run))?;
    writeln!(out, "- **Result:** {}", verdict(run))?;
    out.write_all(b"\n## By rule\n\n")?;
    rule_table(run, out)?;
    out.write_all(b"\n## Findings\n\n")?;
    findings_table(run.views(), out, None).map(drop)
}

/// `3 errors, 1 warning, 0 notes; 0 waived, 0 baselined`.
pub(crate) fn counts(run: &Run<'_>) -> String {
    let s = &run.summary;
    format!(
        "{}, {}, {}; {} waived, {} baselined",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.notes, "note"),
        s.waived,
        s.baselined
    )
}

/// Whether the run fails, as the exit code says.
pub(crate) fn verdict(run: &Run<'_>) -> String {
    let limit = run.summary.fail_on.as_str();
    match run.summary.failing {
        0 if limit == "never" => "passes (`--fail-on never`, exit 0)".to_owned(),
        0 => format!("passes: no unsuppressed finding at or above `{limit}` (exit 0)"),
        n => format!(
            "**fails**: {} at or above `{limit}` (exit 1)",
            plural(n, "unsuppressed finding")
        ),
    }
}

/// Rules with findings, errors first, then policy order: unsuppressed and suppressed counts.
fn rule_table(run: &Run<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    // (rule index, severity) -> (unsuppressed, suppressed)
    let mut rows: Vec<(usize, Severity, usize, usize)> = Vec::new();
    for finding in run.findings {
        let row = match rows
            .iter_mut()
            .find(|r| r.0 == finding.rule && r.1 == finding.severity)
        {
            Some(row) => row,
            None => {
                rows.push((finding.rule, finding.severity, 0, 0));
                rows.last_mut().expect("just pushed")
            }
        };
        if finding.suppressed.is_some() {
            row.3 += 1;
        } else {
            row.2 += 1;
        }
    }
    if rows.is_empty() {
        return out.write_all(b"No findings.\n");
    }
    rows.sort_by_key(|r| (std::cmp::Reverse(r.1), r.0));
    out.write_all(b"| Rule | Name | Severity | Findings | Suppressed |\n")?;
    out.write_all(b"|---|---|---|---:|---:|\n")?;
    for (rule, severity, open, suppressed) in rows {
        let rule = &run.policy.rules[rule];
        writeln!(
            out,
            "| {} | {} | {severity} | {open} | {suppressed} |",
            cell(&rule.id),
            cell(&rule.name),
        )?;
    }
    Ok(())
}

/// The most characters of one value a row of a size-limited table shows.
const LIMITED_CELL_CHARS: usize = 500;

/// One row per finding of `views` (the Markdown report passes them in report order: key, then
/// rule, then findings about the policy, whose Key cell reads `policy` and Name cell names the
/// waiver). With `limit`, each value is cut at [`LIMITED_CELL_CHARS`] characters, and rows stop
/// at a row boundary before the table would grow past `limit` bytes. Returns how many rows were
/// left out, for the caller to say so.
pub(crate) fn findings_table<'a>(
    views: impl Iterator<Item = FindingView<'a>>,
    out: &mut dyn Write,
    limit: Option<usize>,
) -> std::io::Result<usize> {
    let mut views = views.peekable();
    if views.peek().is_none() {
        out.write_all(b"No findings.\n")?;
        return Ok(0);
    }
    let header =
        "| Key | Name | Rule | Severity | Message | Suppression |\n|---:|---|---|---|---|---|\n";
    out.write_all(header.as_bytes())?;
    let mut written = header.len();
    while let Some(view) = views.next() {
        let row = finding_row(&view, limit.map(|_| LIMITED_CELL_CHARS));
        if limit.is_some_and(|limit| written + row.len() > limit) {
            return Ok(1 + views.count());
        }
        out.write_all(row.as_bytes())?;
        written += row.len();
    }
    Ok(0)
}

/// One finding's row; with `max_chars`, each value cut at that many characters.
fn finding_row(view: &FindingView<'_>, max_chars: Option<usize>) -> String {
    let cell = |text: &str| match max_chars {
        Some(max_chars) => capped_cell(text, max_chars),
        None => cell(text),
    };
    let rule = view.rule;
    // A finding about the policy (KL002, KL003) names its waiver instead of a key.
    let (key, name) = match (view.key_id(), view.waiver()) {
        (Some(key_id), _) => (key_id.to_string(), view.key_name().map(cell)),
        (None, waiver) => (
            view.label(),
            waiver.map(|w| cell(&format!("waiver {}", w.location()))),
        ),
    };
    format!(
        "| {key} | {} | {} {} | {} | {} | {} |\n",
        name.unwrap_or_default(),
        cell(&rule.id),
        cell(&rule.name),
        view.finding.severity,
        cell(view.finding.message()),
        view.suppression().map(|s| cell(&s)).unwrap_or_default(),
    )
}

/// Untrusted text made safe for a Markdown table cell (see the module header).
pub fn cell(text: &str) -> String {
    let escaped = escape(text);
    let mut out = String::with_capacity(escaped.len() + 8);
    for c in escaped.chars() {
        if matches!(
            c,
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// [`cell`] of at most the first `max_chars` characters of `text`, followed by `…` when `text`
/// is longer.
pub fn capped_cell(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", cell(&text[..end])),
        None => cell(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_tables_or_inject_markup() {
        assert_eq!(cell("prod-api"), "prod-api");
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("`x`"), "\\`x\\`");
        assert_eq!(cell("line\nbreak"), "line\\\\nbreak");
        assert_eq!(cell("\u{1b}[31m"), "\\\\u{001b}\\[31m");
        assert_eq!(cell("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(cell("[a](b)"), "\\[a\\](b)");
        assert!(!cell("a\r\n\u{7}\u{202e}").chars().any(char::is_control));
        assert_eq!(capped_cell("ab|cd", 3), "ab\\|…");
        assert_eq!(capped_cell("ab|", 3), "ab\\|");
    }
}
