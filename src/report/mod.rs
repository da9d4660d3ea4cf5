//! Reports: one module per output format, each a pure function from the evaluated run to text.
//! [`Run`] is everything a reporter may read; [`Summary`] is the counting every format shares,
//! so the formats and the exit code agree by construction.

pub mod human;
pub mod json;
mod record;

use crate::finding::{Finding, Severity, SuppressionKind};
use crate::inventory::Inventory;
use crate::policy::Policy;

/// An evaluated run, as reporters see it.
pub struct Run<'a> {
    pub policy: &'a Policy,
    pub inventory: &'a Inventory,
    /// After `--select` / `--ignore`, in key then rule order.
    pub findings: &'a [Finding],
    /// Evaluation time, unix seconds.
    pub now: i64,
    pub summary: Summary,
}

/// The lowest severity that fails the run, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailOn(pub Option<Severity>);

/// Counts shared by every format and by the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Summary {
    /// Unsuppressed findings by severity.
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings suppressed by a waiver.
    pub waived: usize,
    /// Findings suppressed by the baseline.
    pub baselined: usize,
    /// Unsuppressed findings at or above `--fail-on`.
    pub failing: usize,
}

impl Summary {
    pub fn count(findings: &[Finding], fail_on: FailOn) -> Summary {
        let mut summary = Summary::default();
        for finding in findings {
            match &finding.suppressed {
                Some(s) if s.kind == SuppressionKind::Waiver => summary.waived += 1,
                Some(_) => summary.baselined += 1,
                None => {
                    match finding.severity {
                        Severity::Error => summary.errors += 1,
                        Severity::Warning => summary.warnings += 1,
                        Severity::Note => summary.notes += 1,
                    }
                    if fail_on.0.is_some_and(|limit| finding.severity >= limit) {
                        summary.failing += 1;
                    }
                }
            }
        }
        summary
    }

    /// The exit code of a completely read inventory: 1 when something fails the run, else 0.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.failing > 0)
    }
}

/// `n thing` / `n things`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The one-line summary every format prints to stderr (and `human` at the end of its report).
pub fn summary_line(run: &Run<'_>) -> String {
    let s = &run.summary;
    let pages = match run.inventory.provenance.pages {
        Some(p) => format!(", {}", plural(p as usize, "page")),
        None => String::new(),
    };
    format!(
        "{} scanned from {}{pages}: {}, {}, {} ({} waived, {} baselined)",
        plural(run.inventory.keys.len(), "key"),
        crate::sanitize::escape(&run.inventory.provenance.source),
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.notes, "note"),
        s.waived,
        s.baselined,
    )
}
