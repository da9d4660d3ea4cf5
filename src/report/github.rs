//! `--format github`: GitHub Actions workflow commands and the job's step summary.
//!
//! # Annotations
//!
//! One annotation per unsuppressed finding, the most severe first, as far as GitHub shows them:
//!
//! ```text
//! ::error title=KL101 no-expiry::key 1011 "ci-runner-3": the key never expires (expired_time is -1)
//! ```
//!
//! GitHub keeps at most 10 error, 10 warning and 10 notice annotations per step (50 per job) and
//! drops the rest without a word, so keylint writes at most [`ANNOTATIONS_PER_LEVEL`] of each
//! level itself: the first 10 errors, then the first 10 warnings, then the first 10 notes
//! (keylint's `note` is GitHub's `notice`). Within a level, findings about the policy (KL002,
//! KL003, which name a waiver) come first, as they point at a line of the repository, then the
//! findings about keys in report order (key, then rule). The choice is deterministic: the same
//! run annotates the same findings. When findings are left out, a last plain log line (not a
//! command) says how many, and where they all are.
//!
//! A finding about the policy itself (KL002, KL003) also carries `file=` and `line=` naming the
//! waiver in the policy file, so GitHub shows it on that line.
//!
//! Suppressed (waived or baselined) findings get no annotation, as they do not count for the
//! exit code; the step summary lists them, marked.
//!
//! # Step summary
//!
//! [`step_summary`] is Markdown that `check` appends to the file named by `GITHUB_STEP_SUMMARY`
//! when that variable is set: the counts, the verdict, how many findings were not annotated, and
//! a table of every finding (unsuppressed ones first, most severe first, then the suppressed
//! ones). GitHub refuses a step summary over 1 MiB, so the summary is measured in bytes and
//! kept under [`STEP_SUMMARY_LIMIT`]: the source is cut at 200 characters, each value of the
//! table at 500, and when the table would not fit it stops at a row boundary with a note of how
//! many rows were left out, pointing at the complete reports (`--format json`, SARIF).
//!
//! # Escaping
//!
//! Key names and messages are untrusted. They are first made visible (control and invisible
//! characters become `\u{..}` escapes, line breaks `\n`, see [`crate::text::escape::escape`]),
//! so no value can end the line and start a command of its own; then GitHub's own encoding
//! applies: in the message `%` -> `%25`, CR -> `%0D`, LF -> `%0A`; in properties (`title`,
//! `file`) also `:` -> `%3A` and `,` -> `%2C`. The summary's cells are escaped for Markdown
//! ([`markdown::cell`]).

use super::{FindingView, Run, Summary, markdown, plural};
use crate::eval::finding::Severity;
use crate::text::escape::escape;

/// GitHub shows at most this many annotations of each level (error, warning, notice) per step.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

/// GitHub rejects a step summary larger than 1 MiB; stay clear of it.
pub const STEP_SUMMARY_LIMIT: usize = 1000 * 1024;

/// Room kept free at the end of the summary for the note on rows left out.
const TRUNCATION_NOTE_ROOM: usize = 512;

/// The most characters of the inventory's source the summary's heading shows.
const SOURCE_CHARS: usize = 200;

/// Renders the workflow commands, at most [`ANNOTATIONS_PER_LEVEL`] per level.
pub fn render(run: &Run<'_>) -> String {
    super::into_text(|out| write(run, out))
}

/// Writes the workflow commands to `out`: one pass over the findings per severity, errors
/// first, each stopping after [`ANNOTATIONS_PER_LEVEL`] annotations; then, when findings were
/// left out, a plain line that says so.
pub fn write(run: &Run<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for severity in Severity::ALL {
        for view in level(run, false, severity).take(ANNOTATIONS_PER_LEVEL) {
            write_command(&view, out)?;
        }
    }
    let annotations = Annotations::of(&run.summary);
    if annotations.left_out > 0 {
        writeln!(
            out,
            "keylint: {} of {} are not annotated: GitHub shows at most {ANNOTATIONS_PER_LEVEL} \
             errors, {ANNOTATIONS_PER_LEVEL} warnings and {ANNOTATIONS_PER_LEVEL} notices per step. \
             The job summary lists them, most severe first; `--format json` reports every finding.",
            annotations.left_out,
            plural(annotations.unsuppressed(), "unsuppressed finding"),
        )?;
    }
    Ok(())
}

/// How many unsuppressed findings get an annotation, and how many do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotations {
    pub annotated: usize,
    pub left_out: usize,
}

impl Annotations {
    /// The annotations of a run with these counts.
    pub fn of(summary: &Summary) -> Self {
        let levels = [summary.errors, summary.warnings, summary.notes];
        let annotated = levels.iter().map(|&n| n.min(ANNOTATIONS_PER_LEVEL)).sum();
        let unsuppressed: usize = levels.iter().sum();
        Annotations {
            annotated,
            left_out: unsuppressed - annotated,
        }
    }

    fn unsuppressed(self) -> usize {
        self.annotated + self.left_out
    }
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

/// The Markdown step summary (see the module header): at most [`STEP_SUMMARY_LIMIT`] bytes
/// whatever the inventory holds.
pub fn step_summary(run: &Run<'_>) -> String {
    super::into_text(|out| {
        let heading = format!(
            "## keylint: {}\n\n{} keys evaluated at {}: {}.\n\nResult: {}\n\n{}",
            markdown::capped_cell(&run.inventory.provenance.source, SOURCE_CHARS),
            run.inventory.keys.len(),
            crate::text::clock::format_timestamp(run.now),
            markdown::counts(run),
            markdown::verdict(run),
            annotations_paragraph(&run.summary),
        );
        out.write_all(heading.as_bytes())?;
        let room = STEP_SUMMARY_LIMIT.saturating_sub(heading.len() + TRUNCATION_NOTE_ROOM);
        let left_out = markdown::findings_table(summary_order(run), out, Some(room))?;
        if left_out > 0 {
            writeln!(
                out,
                "\n**{} not shown: the summary is limited in size** (GitHub keeps at most 1 MiB of \
                 a step summary). Every finding is in `keylint check --format json` (and in the SARIF \
                 upload to code scanning, within its limits).",
                plural(left_out, "more finding")
            )?;
        }
        out.write_all(b"\n")
    })
}

/// What the summary says about annotations: how many findings were not annotated, and that
/// suppressed ones never are.
fn annotations_paragraph(summary: &Summary) -> String {
    let annotations = Annotations::of(summary);
    let not_annotated = match annotations.left_out {
        0 => String::new(),
        left_out => format!(
            "Annotations: **{left_out} of {} not annotated**: GitHub shows at most \
             {ANNOTATIONS_PER_LEVEL} errors, {ANNOTATIONS_PER_LEVEL} warnings and \
             {ANNOTATIONS_PER_LEVEL} notices per step, so the {} most severe are annotated. \
             The table below lists the findings, most severe first.\n\n",
            plural(annotations.unsuppressed(), "unsuppressed finding"),
            annotations.annotated,
        ),
    };
    let suppressed = match summary.waived + summary.baselined {
        0 => String::new(),
        n => format!("Waived and baselined findings ({n}) are listed but not annotated.\n\n"),
    };
    format!("{not_annotated}{suppressed}")
}

/// The findings in the order of the summary's table: unsuppressed ones before suppressed ones,
/// each most severe first ([`level`] within a severity). When the table is cut, the least
/// severe rows go first, and the first rows of each severity are the ones annotated.
fn summary_order<'r, 'a>(run: &'r Run<'a>) -> impl Iterator<Item = FindingView<'a>> + 'r {
    [false, true].into_iter().flat_map(move |suppressed| {
        Severity::ALL
            .into_iter()
            .flat_map(move |severity| level(run, suppressed, severity))
    })
}

/// The suppressed or unsuppressed findings of one severity, in annotation order: the findings
/// about the policy first (they point at a waiver's line in the policy file, which GitHub shows
/// in the pull request), then the findings about keys in report order.
fn level<'r, 'a>(
    run: &'r Run<'a>,
    suppressed: bool,
    severity: Severity,
) -> impl Iterator<Item = FindingView<'a>> + 'r {
    let of_level = move |v: &FindingView<'_>| {
        v.finding.suppressed.is_some() == suppressed && v.finding.severity == severity
    };
    let about_policy = run
        .views()
        .filter(move |v| of_level(v) && v.waiver().is_some());
    let about_keys = run
        .views()
        .filter(move |v| of_level(v) && v.waiver().is_none());
    about_policy.chain(about_keys)
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
