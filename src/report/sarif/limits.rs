//! GitHub code scanning's limits on a SARIF upload (SPEC §7a), and how keylint stays within
//! them: text fields cut to length, rule ids capped, the findings that become results chosen
//! when they do not all fit, and the notifications that say what the log leaves out.
//!
//! An upload over a hard limit is rejected whole, so these are hard caps, not display limits.
//! Lengths are counted in UTF-8 bytes: a text within N bytes is within N characters and N UTF-16
//! code units too, however GitHub counts.

use std::borrow::Cow;

use super::log::{Notification, NotificationProperties, Text};
use crate::eval::finding::{Finding, Severity};
use crate::report::Run;
use crate::text::digest::sha256_hex;

/// Results per run (GitHub rejects more).
pub const MAX_RESULTS: usize = 25_000;

/// Rules per run (GitHub rejects more).
pub const MAX_RULES: usize = 25_000;

/// A rule's `id` and `name`.
pub const MAX_NAME: usize = 255;

/// A rule's `shortDescription.text` and `fullDescription.text`.
pub const MAX_DESCRIPTION: usize = 1_024;

/// What a cut text ends with.
const ELLIPSIS: &str = "…";

/// Whether waived and baselined findings become results (`--sarif-suppressed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Suppressed {
    /// Leave them out (the default): GitHub opens an alert for every result, `suppressions` or
    /// not, and a result that is absent closes its alert.
    #[default]
    Omit,
    /// Write them, each with its `suppressions` entry, for viewers that read it.
    Include,
}

/// `text`, or when it is longer than `limit` bytes its longest prefix that ends on a character
/// boundary and leaves room for an ellipsis, then the ellipsis.
pub fn within(text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit.saturating_sub(ELLIPSIS.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut cut = text;
    cut.truncate(end);
    cut.push_str(ELLIPSIS);
    cut
}

/// The `id` a rule has in the log: its own, or for an id longer than [`MAX_NAME`] (ids are
/// capital letters and digits of any length) its first characters, `-` and 16 hex digits of
/// its hash: stable across runs, and apart from every id that fits, which has no `-`.
pub fn rule_id(id: &str) -> Cow<'_, str> {
    if id.len() <= MAX_NAME {
        return Cow::Borrowed(id);
    }
    let hash = sha256_hex(&[id.as_bytes()], 8);
    let mut end = MAX_NAME - hash.len() - 1;
    while !id.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}-{hash}", &id[..end]))
}

/// What the written log holds, for the warning the command prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Results in the log.
    pub results: usize,
    /// Findings that did not fit GitHub's limits (the least severe).
    pub left_out: usize,
}

/// Which findings of a run become results: those `--sarif-suppressed` lets in, and of those at
/// most a number, the most severe first. Unsuppressed findings come before suppressed ones;
/// within each, errors before warnings before notes, and within a severity the report order
/// (key, then rule). The results are written in report order.
#[derive(Debug, Clone, Copy)]
pub struct Selection {
    suppressed: Suppressed,
    /// Eligible findings by rank ([`rank`]).
    eligible: [usize; RANKS],
    /// Where the kept findings end, when not every eligible one is kept.
    cut: Option<Cut>,
}

/// The kept findings: every one of a rank below `rank`, and the first `take` of `rank`.
#[derive(Debug, Clone, Copy)]
struct Cut {
    rank: usize,
    take: usize,
}

/// Unsuppressed error, warning, note; suppressed error, warning, note.
const RANKS: usize = 6;

fn rank(finding: &Finding) -> usize {
    let severity = match finding.severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Note => 2,
    };
    severity + if finding.suppressed.is_some() { 3 } else { 0 }
}

impl Selection {
    /// The findings of `run` that become results, at most `max_results` of them.
    pub fn new(run: &Run<'_>, suppressed: Suppressed, max_results: usize) -> Selection {
        let mut eligible = [0; RANKS];
        for finding in run.findings {
            if admits(suppressed, finding) {
                eligible[rank(finding)] += 1;
            }
        }
        let mut before = 0;
        let mut cut = None;
        for (rank, &count) in eligible.iter().enumerate() {
            if before + count > max_results {
                cut = Some(Cut {
                    rank,
                    take: max_results - before,
                });
                break;
            }
            before += count;
        }
        Selection {
            suppressed,
            eligible,
            cut,
        }
    }

    /// The kept findings, in report order.
    pub fn kept<'r>(&self, findings: &'r [Finding]) -> impl Iterator<Item = &'r Finding> + use<'r> {
        let (suppressed, cut) = (self.suppressed, self.cut);
        let mut taken = 0;
        findings
            .iter()
            .filter(move |f| admits(suppressed, f))
            .filter(move |f| match cut {
                None => true,
                Some(cut) => {
                    let rank = rank(f);
                    if rank == cut.rank && taken < cut.take {
                        taken += 1;
                        return true;
                    }
                    rank < cut.rank
                }
            })
    }

    /// Whether suppressed findings may become results.
    pub fn suppressed(&self) -> Suppressed {
        self.suppressed
    }

    /// How many findings of each rank are kept.
    fn kept_by_rank(&self) -> [usize; RANKS] {
        let mut kept = self.eligible;
        if let Some(cut) = self.cut {
            kept[cut.rank] = cut.take;
            kept[cut.rank + 1..].fill(0);
        }
        kept
    }

    /// How many findings become results.
    pub fn kept_count(&self) -> usize {
        self.kept_by_rank().iter().sum()
    }

    /// Kept findings by severity: errors, warnings, notes.
    pub fn kept_by_severity(&self) -> [usize; 3] {
        let kept = self.kept_by_rank();
        [kept[0] + kept[3], kept[1] + kept[4], kept[2] + kept[5]]
    }

    /// How many eligible findings did not fit.
    pub fn left_out(&self) -> usize {
        self.eligible.iter().sum::<usize>() - self.kept_count()
    }

    /// What the log leaves out: a `warning` for findings over GitHub's limits, a `note` for
    /// suppressed findings under `--sarif-suppressed omit`.
    pub fn notifications(&self, run: &Run<'_>) -> Vec<Notification> {
        let mut notes = Vec::new();
        let left_out = self.left_out();
        if left_out > 0 {
            let [errors, warnings, notes_kept] = self.kept_by_severity();
            notes.push(Notification {
                level: Severity::Warning,
                message: Text {
                    text: format!(
                        "{left_out} of {} findings are not in this log: GitHub code scanning rejects \
                         a run of more than {MAX_RESULTS} results or an upload of more than 10 MB \
                         gzip-compressed. keylint kept the most severe ({}, {}, {}); `keylint check \
                         --format json` reports every finding.",
                        left_out + self.kept_count(),
                        crate::report::plural(errors, "error"),
                        crate::report::plural(warnings, "warning"),
                        crate::report::plural(notes_kept, "note"),
                    ),
                },
                properties: NotificationProperties {
                    left_out,
                    reason: "github-limits",
                },
            });
        }
        let suppressed = self.suppressed_left_out(run);
        if suppressed > 0 {
            notes.push(Notification {
                level: Severity::Note,
                message: Text {
                    text: format!(
                        "{} not in this log: GitHub code scanning ignores SARIF `suppressions` and \
                         would open an alert for each. `--sarif-suppressed include` writes them.",
                        match suppressed {
                            1 => "1 waived or baselined finding is".to_owned(),
                            n => format!("{n} waived or baselined findings are"),
                        }
                    ),
                },
                properties: NotificationProperties {
                    left_out: suppressed,
                    reason: "suppressed",
                },
            });
        }
        notes
    }

    /// Waived and baselined findings that `--sarif-suppressed omit` leaves out.
    fn suppressed_left_out(&self, run: &Run<'_>) -> usize {
        match self.suppressed() {
            Suppressed::Omit => run.summary.waived + run.summary.baselined,
            Suppressed::Include => 0,
        }
    }

    /// What the log of this selection holds.
    pub fn written(&self) -> Written {
        Written {
            results: self.kept_count(),
            left_out: self.left_out(),
        }
    }
}

/// Whether a finding may become a result under `--sarif-suppressed`.
fn admits(suppressed: Suppressed, finding: &Finding) -> bool {
    suppressed == Suppressed::Include || finding.suppressed.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        assert_eq!(within("short".into(), 10), "short");
        let cut = within("a".repeat(2_000), MAX_DESCRIPTION);
        assert_eq!(cut.len(), MAX_DESCRIPTION);
        assert!(cut.ends_with('…'));
        // Three-byte characters: the cut backs off to a boundary.
        let cut = within("日本語".repeat(500), MAX_DESCRIPTION);
        assert!(cut.len() <= MAX_DESCRIPTION && cut.ends_with('…'));
        assert!(
            cut.trim_end_matches('…')
                .chars()
                .all(|c| "日本語".contains(c))
        );
    }

    #[test]
    fn long_rule_ids_are_capped_and_stay_apart() {
        assert_eq!(rule_id("ACME001"), "ACME001");
        let long = format!("A{}", "1".repeat(300));
        let capped = rule_id(&long);
        assert_eq!(capped.len(), MAX_NAME);
        assert!(capped.starts_with("A111"));
        assert_eq!(capped, rule_id(&long), "stable");
        assert_ne!(capped, rule_id(&format!("{long}2")));
        assert_eq!(rule_id(&long[..MAX_NAME]), &long[..MAX_NAME]);
    }
}
