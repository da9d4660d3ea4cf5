//! The page: the at-a-glance header, the charts, the findings table, one section per key with
//! findings (its secret-free record, the offending fields marked), the findings about the
//! policy, and the documentation of every rule that fired. Every value from the inventory or
//! the policy is interpolated by `maud`, which escapes it for HTML, after [`text`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::super::record::RenderedRecord;
use super::super::{FindingView, Run, gateway_note, plural};
use super::{SCRIPT, STYLE, charts, csp};
use crate::eval::finding::Severity;
use crate::text::clock::format_timestamp;
use crate::text::escape::escape;

/// Untrusted text with control and bidi characters made visible (HTML escaping is maud's).
fn text(value: &str) -> Cow<'_, str> {
    escape(value)
}

/// Where a finding's row links: its key's section (`#key-<id>`; ids are unique in an
/// inventory), or the section of the findings about the policy.
fn href(view: &FindingView<'_>) -> String {
    match view.key_id() {
        Some(id) => format!("#key-{id}"),
        None => "#policy".to_owned(),
    }
}

/// The whole page.
pub(super) fn page(run: &Run<'_>) -> Markup {
    let source = &run.inventory.provenance.source;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(csp());
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "keylint report: " (text(source)) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (glance(run))
                section id="charts" {
                    h2 { "At a glance" }
                    div class="charts" {
                        (charts::by_rule(run))
                        (charts::quota(run))
                    }
                    (charts::timeline(run))
                }
                (findings_table(run))
                (key_sections(run))
                (policy_section(run))
                (rule_docs(run))
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

/// The header: the account, the time, the counts and the rules that fired most.
fn glance(run: &Run<'_>) -> Markup {
    let provenance = &run.inventory.provenance;
    let s = &run.summary;
    let pages = provenance
        .pages
        .map(|p| plural(usize::try_from(p).unwrap_or(usize::MAX), "page"));
    let tally = charts::tally(run);
    html! {
        header {
            h1 { "keylint report" }
            dl class="facts" {
                dt { "Source" } dd { code { (text(&provenance.source)) } }
                dt { "Gateway" } dd { (text(&gateway_note(run.inventory))) }
                dt { "Evaluated at" } dd { (format_timestamp(run.now)) }
                @if let Some(fetched) = &provenance.fetched_at {
                    dt { "Fetched at" } dd { (text(fetched)) }
                }
                dt { "Keys" } dd {
                    (run.inventory.keys.len())
                    @if let Some(pages) = pages { " (" (pages) ")" }
                }
                dt { "Result" } dd { (verdict(run)) }
            }
            ul class="counts" {
                li class="count sev-error" { strong { (s.errors) } " " (noun(s.errors, "error")) }
                li class="count sev-warning" { strong { (s.warnings) } " " (noun(s.warnings, "warning")) }
                li class="count sev-note" { strong { (s.notes) } " " (noun(s.notes, "note")) }
                li class="count suppressed" { strong { (s.waived) } " waived" }
                li class="count suppressed" { strong { (s.baselined) } " baselined" }
            }
            @if !tally.is_empty() {
                p class="top" {
                    "Rules that fired most: "
                    @for (i, row) in tally.iter().take(5).enumerate() {
                        @if i > 0 { ", " }
                        @let rule = &run.policy.rules[row.rule];
                        a href={ "#rule-" (row.rule) } { (text(&rule.id)) " " (text(&rule.name)) }
                        " (" (row.total()) ")"
                    }
                }
            }
        }
    }
}

fn noun(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// Whether the run fails, as the exit code says.
fn verdict(run: &Run<'_>) -> String {
    let limit = run.summary.fail_on.as_str();
    match run.summary.failing {
        0 => format!("passes (--fail-on {limit}, exit 0)"),
        n => format!(
            "fails: {} at or above {limit} (exit 1)",
            plural(n, "unsuppressed finding")
        ),
    }
}

/// A severity's rank for sorting: the most severe first.
fn rank(severity: Severity) -> usize {
    Severity::ALL
        .iter()
        .position(|s| *s == severity)
        .unwrap_or_default()
}

/// The findings table with its filters; the script filters and sorts it.
fn findings_table(run: &Run<'_>) -> Markup {
    let tally = charts::tally(run);
    let by_severity = |severity: Severity| {
        run.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    };
    html! {
        section id="findings" {
            h2 { "Findings" }
            @if run.findings.is_empty() {
                p { "No findings." }
            } @else {
                form class="filters" id="filters" {
                    fieldset {
                        legend { "Severity" }
                        @for severity in Severity::ALL {
                            label {
                                input type="checkbox" name="severity" value=(severity.as_str()) checked;
                                " " (severity.as_str()) " (" (by_severity(severity)) ")"
                            }
                        }
                    }
                    label {
                        "Rule "
                        select id="rule-filter" {
                            option value="" { "all rules" }
                            @for row in &tally {
                                @let rule = &run.policy.rules[row.rule];
                                option value=(rule.id) {
                                    (text(&rule.id)) " " (text(&rule.name)) " (" (row.total()) ")"
                                }
                            }
                        }
                    }
                    output id="shown-count" { (run.findings.len()) " of " (run.findings.len()) " shown" }
                }
                table id="findings-table" {
                    thead { tr {
                        @for name in ["Severity", "Rule", "Key", "Message", "Field", "Suppressed"] {
                            th scope="col" { button type="button" { (name) } }
                        }
                    } }
                    tbody {
                        @for view in run.views() { (finding_row(&view)) }
                    }
                }
            }
        }
    }
}

/// One finding's row; its data attributes are what the script filters on.
fn finding_row(view: &FindingView<'_>) -> Markup {
    let severity = view.finding.severity;
    let key = view.key_id().map(|id| id.to_string()).unwrap_or_default();
    html! {
        tr data-severity=(severity.as_str()) data-rule=(view.rule.id) data-key=(key)
            class=[view.finding.suppressed.is_some().then_some("suppressed")] {
            td data-sort=(rank(severity)) { span class={ "sev sev-" (severity.as_str()) } { (severity.as_str()) } }
            td { (text(&view.rule.id)) " " (text(&view.rule.name)) }
            td data-sort=(if key.is_empty() { "policy" } else { &key }) {
                a href=(href(view)) {
                    @match view.key_id() {
                        Some(id) => { (id) @if let Some(name) = view.key_name() { " " (text(name)) } }
                        None => "policy",
                    }
                }
            }
            td { (text(view.finding.message())) }
            td { @if let Some(path) = view.field_path() { code { (path) } } }
            td { @if let Some(s) = view.suppression() { (text(&s)) } }
        }
    }
}

/// One section per key with findings, in report order; the findings grouped in one pass.
fn key_sections(run: &Run<'_>) -> Markup {
    let mut groups: Vec<(usize, Vec<FindingView<'_>>)> = Vec::new();
    let mut at: HashMap<usize, usize> = HashMap::new();
    for view in run.views() {
        if let Some(index) = view.finding.key_index() {
            let group = *at.entry(index).or_insert_with(|| {
                groups.push((index, Vec::new()));
                groups.len() - 1
            });
            groups[group].1.push(view);
        }
    }
    html! {
        @if !groups.is_empty() {
            section id="keys" {
                h2 { "Keys with findings" }
                @for (index, views) in &groups { (key_section(run, *index, views)) }
            }
        }
    }
}

/// A key's record with the fields its findings point at marked, then its findings.
fn key_section(run: &Run<'_>, index: usize, views: &[FindingView<'_>]) -> Markup {
    let record = &run.inventory.keys[index];
    let rendered = RenderedRecord::new(record, run.gateway());
    let spans: Vec<Range<usize>> = views
        .iter()
        .filter_map(FindingView::target)
        .flat_map(|t| rendered.spans(t))
        .collect();
    html! {
        article class="key" id={ "key-" (record.id) } {
            h3 { (super::super::key_label(record)) " — " (record.effective_status(run.now).as_str()) }
            pre class="record" { (marked(&rendered.text, spans)) }
            ul class="key-findings" {
                @for view in views { (finding_item(view)) }
            }
        }
    }
}

/// `text` with the parts at `spans` in `<mark>` (overlapping spans merged).
fn marked(text: &str, mut spans: Vec<Range<usize>>) -> Markup {
    spans.sort_by_key(|s| (s.start, s.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    let mut at = 0;
    let mut parts: Vec<(&str, bool)> = Vec::new();
    for span in merged {
        if let (Some(before), Some(inside)) = (text.get(at..span.start), text.get(span.clone())) {
            parts.push((before, false));
            parts.push((inside, true));
            at = span.end;
        }
    }
    parts.push((text.get(at..).unwrap_or_default(), false));
    html! {
        @for (part, mark) in parts {
            @if mark { mark { (part) } } @else { (part) }
        }
    }
}

/// A finding under its key or in the policy section: what, why, and how to fix it.
fn finding_item(view: &FindingView<'_>) -> Markup {
    let severity = view.finding.severity.as_str();
    html! {
        li class=[view.finding.suppressed.is_some().then_some("suppressed")] {
            span class={ "sev sev-" (severity) } { (severity) } " "
            a href={ "#rule-" (view.finding.rule) } { (text(&view.rule.id)) " " (text(&view.rule.name)) }
            ": " (text(view.finding.message()))
            @if let Some(s) = view.suppression() { " " em { "(" (text(&s)) ")" } }
            p class="why" { (text(&view.rule.summary)) }
            @if let Some(help) = &view.rule.help { p class="fix" { strong { "Fix: " } (text(help)) } }
        }
    }
}

/// The findings about the policy itself (KL002, KL003), by waiver.
fn policy_section(run: &Run<'_>) -> Markup {
    let views: Vec<FindingView<'_>> = run.views().filter(|v| v.waiver().is_some()).collect();
    html! {
        @if !views.is_empty() {
            section id="policy" {
                h2 { "Findings about the policy" }
                ul class="key-findings" {
                    @for view in &views {
                        @if let Some(waiver) = view.waiver() {
                            li class="waiver" {
                                "waiver " code { (text(&waiver.location())) } ": " (text(&waiver.scope()))
                            }
                        }
                        (finding_item(view))
                    }
                }
            }
        }
    }
}

/// Every rule that fired: its summary, its fix, and its long documentation (`keylint explain`).
fn rule_docs(run: &Run<'_>) -> Markup {
    let mut fired: Vec<usize> = run.findings.iter().map(|f| f.rule).collect();
    fired.sort_unstable();
    fired.dedup();
    html! {
        @if !fired.is_empty() {
            section id="rules" {
                h2 { "Rules" }
                @for index in fired {
                    @let rule = &run.policy.rules[index];
                    article class="rule" id={ "rule-" (index) } {
                        h3 { (text(&rule.id)) " " (text(&rule.name)) " " span class={ "sev sev-" (rule.severity.as_str()) } { (rule.severity.as_str()) } }
                        p { (text(&rule.summary)) }
                        @if let Some(help) = &rule.help { p class="fix" { strong { "Fix: " } (text(help)) } }
                        details {
                            summary { "Documentation" }
                            pre class="doc" { (rule.doc()) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_merge_overlapping_spans_and_escape_the_text() {
        let text = "a<b>c\"d";
        assert_eq!(
            marked(text, vec![2..4, 1..3]).into_string(),
            "a<mark>&lt;b&gt;</mark>c&quot;d"
        );
        assert_eq!(
            marked(text, vec![5..6, 0..1]).into_string(),
            "<mark>a</mark>&lt;b&gt;c<mark>&quot;</mark>d"
        );
        // A span that does not fall on character boundaries marks nothing.
        assert_eq!(
            marked("é", std::iter::once(1..2).collect()).into_string(),
            "é"
        );
        assert_eq!(marked("x", Vec::new()).into_string(), "x");
    }

    #[test]
    fn severities_sort_the_most_severe_first() {
        assert!(rank(Severity::Error) < rank(Severity::Warning));
        assert!(rank(Severity::Warning) < rank(Severity::Note));
    }
}
