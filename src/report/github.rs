//! `--format github`: GitHub Actions workflow commands, one annotation per unsuppressed finding,
//! errors first (then warnings, then notes; report order within a severity):
//!
//! ```text
//! ::error title=KL101 no-expiry::key 1011 "ci-runner-3": the key never expires (expired_time is -1)
//! ```
//!
//! A finding about the policy itself (KL002, KL003) also carries `file=` and `line=` naming the
//! waiver in the policy file, so GitHub shows it on that line.
//!
//! keylint's `note` is GitHub's `notice`. GitHub shows at most 10 annotations of each kind per
//! step, which is why errors come first; the log keeps every line, and [`step_summary`] lists
//! every finding, suppressed ones included (suppressed findings get no annotation). `check`
//! appends the summary to the file named by `GITHUB_STEP_SUMMARY` when that variable is set.
//!
//! # Escaping
//!
//! Key names and messages are untrusted. They are first made visible (control and invisible
//! characters become `\u{..}` escapes, line breaks `\n`, see [`crate::text::escape::escape`]),
//! so no value can end the line and start a command of its own; then GitHub's own encoding applies: in the
//! message `%` -> `%25`, CR -> `%0D`, LF -> `%0A`; in properties (`title`) also `:` -> `%3A` and
//! `,` -> `%2C`.

use super::{FindingView, Run, markdown};
use crate::eval::finding::Severity;
use crate::text::escape::escape;

/// GitHub rejects a step summary larger than 1 MiB; stay clear of it.
const STEP_SUMMARY_LIMIT: usize = 1000 * 1024;

/// The most characters of the inventory's source the summary's heading shows.
const SOURCE_CHARS: usize = 200;

/// Renders the workflow commands, one line per unsuppressed finding.
pub fn render(run: &Run<'_>) -> String {
    super::into_text(|out| write(run, out))
}

/// Writes the workflow commands to `out`: one pass over the findings per severity, errors first.
pub fn write(run: &Run<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for severity in Severity::ALL {
        for view in run
            .views()
            .filter(|v| v.finding.suppressed.is_none() && v.finding.severity == severity)
        {
            write_command(&view, out)?;
        }
    }
    Ok(())
}

fn write_command(view: &FindingView<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rule = view.rule;
    let command = match view.finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let title = format!("{} {}", escape(&rule.id), escape(&rule.name));
    let message = format!("{}: {}", view.label(), escape(view.finding.message()));
    // A finding about the policy annotates the waiver's line in the policy file.
    let location = match view.waiver() {
        Some(waiver) => match &waiver.origin.file {
            Some(file) => format!(
                ",file={},line={}",
                escape_property(&escape(file)),
                waiver.origin.line
            ),
            None => String::new(),
        },
        None => String::new(),
    };
    writeln!(
        out,
        "::{command} title={}{location}::{}",
        escape_property(&title),
        escape_data(&message)
    )
}

/// The Markdown job summary: counts, the verdict, and every finding (suppressed ones marked).
/// Under 1000 KiB whatever the inventory holds: the source is cut at 200 characters, each value
/// of the findings table is cut too, and the table stops with a note when the next row would
/// pass the limit.
pub fn step_summary(run: &Run<'_>) -> String {
    super::into_text(|out| {
        let heading = format!(
            "## keylint: {}\n\n{} keys evaluated at {}: {}.\n\nResult: {}\n\n",
            markdown::capped_cell(&run.inventory.provenance.source, SOURCE_CHARS),
            run.inventory.keys.len(),
            crate::text::clock::format_timestamp(run.now),
            markdown::counts(run),
            markdown::verdict(run)
        );
        out.write_all(heading.as_bytes())?;
        let room = STEP_SUMMARY_LIMIT.saturating_sub(heading.len());
        markdown::findings_table(run, out, Some(room))?;
        out.write_all(b"\n")
    })
}

/// GitHub's encoding of a command's message.
pub fn escape_data(text: &str) -> String {
    encode(text, &[])
}

/// GitHub's encoding of a command's property value: a message's, plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    encode(text, &[(':', "%3A"), (',', "%2C")])
}

/// Percent-encodes `%`, CR and LF, and the `extra` characters.
fn encode(text: &str, extra: &[(char, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => match extra.iter().find(|(e, _)| *e == c) {
                Some((_, code)) => out.push_str(code),
                None => out.push(c),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_github_reads_it() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("KL1 a:b,c%\n"), "KL1 a%3Ab%2Cc%25%0A");
    }
}
