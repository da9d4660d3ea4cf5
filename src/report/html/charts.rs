//! The pictures of the page, as inline SVG drawn by keylint: findings by rule and severity,
//! the keys' creation, last use and expiry on a timeline, and the quota exposure of unlimited
//! keys. Text in them (rule ids, key names) is interpolated by `maud`, escaped like the rest of
//! the page; coordinates are numbers keylint computes. Colours come from the stylesheet's
//! classes, not from style attributes (the page's CSP allows no inline style attribute).

use maud::{Markup, html};

use super::super::Run;
use crate::eval::finding::Severity;
use crate::inventory::KeyRecord;
use crate::text::clock::format_date;
use crate::text::escape::escape;

/// Width of every chart, in SVG units.
const WIDTH: f64 = 640.0;
/// Width of the timeline, which spans the page.
const WIDE: f64 = 1100.0;
/// Width of the label column of a chart with one row per rule or key.
const LABEL: f64 = 200.0;
/// Height of one row.
const ROW: f64 = 20.0;
/// The most keys the timeline draws.
const TIMELINE_KEYS: usize = 60;

/// A row's label in the label column, right-aligned. A long one is clipped by a nested `svg`
/// rather than cut short: cut text could end inside a secret pasted into a name, and the
/// output scrubber recognises a secret only whole. The full text is also its tooltip.
fn label(y: f64, text: &str) -> Markup {
    let shown = escape(text);
    html! {
        svg x="0" y=(n(y)) width=(n(LABEL - 6.0)) height=(n(ROW)) {
            text class="label" x=(n(LABEL - 6.0)) y="12" text-anchor="end" {
                title { (shown) }
                (shown)
            }
        }
    }
}

/// A coordinate, with one decimal.
fn n(value: f64) -> String {
    format!("{value:.1}")
}

/// The findings of one rule: unsuppressed by severity (in [`Severity::ALL`] order) and
/// suppressed.
pub(super) struct RuleTally {
    pub rule: usize,
    pub open: [usize; 3],
    pub suppressed: usize,
}

impl RuleTally {
    pub fn total(&self) -> usize {
        self.open.iter().sum::<usize>() + self.suppressed
    }
}

/// The rules that fired, the most findings first (then policy order).
pub(super) fn tally(run: &Run<'_>) -> Vec<RuleTally> {
    let mut rows: Vec<RuleTally> = Vec::new();
    for finding in run.findings {
        let at = match rows.iter().position(|r| r.rule == finding.rule) {
            Some(at) => at,
            None => {
                rows.push(RuleTally {
                    rule: finding.rule,
                    open: [0; 3],
                    suppressed: 0,
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[at];
        if finding.suppressed.is_some() {
            row.suppressed += 1;
        } else if let Some(i) = Severity::ALL.iter().position(|s| *s == finding.severity) {
            row.open[i] += 1;
        }
    }
    rows.sort_by_key(|r| (std::cmp::Reverse(r.total()), r.rule));
    rows
}

/// Horizontal bars, one per rule that fired, stacked by severity, suppressed findings last.
pub(super) fn by_rule(run: &Run<'_>) -> Markup {
    let rows = tally(run);
    let most = rows.first().map_or(1, RuleTally::total).max(1) as f64;
    let scale = (WIDTH - LABEL - 40.0) / most;
    let height = ROW * rows.len().max(1) as f64 + 10.0;
    html! {
        figure class="chart" {
            figcaption { "Findings by rule and severity" }
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (n(WIDTH)) " " (n(height)) }
                role="img" aria-label="Findings by rule and severity" {
                @if rows.is_empty() { text x="0" y="14" { "No findings." } }
                @for (i, row) in rows.iter().enumerate() {
                    @let rule = &run.policy.rules[row.rule];
                    @let y = ROW * i as f64 + 4.0;
                    (label(y, &format!("{} {}", rule.id, rule.name)))
                    @let (segments, x) = bar_segments(row, scale);
                    @for (class, count, what, start, width) in segments {
                        rect class=(class) x=(n(start)) y=(n(y)) width=(n(width)) height=(n(ROW - 6.0)) {
                            title { (escape(&rule.id)) ": " (count) " " (what) }
                        }
                    }
                    text class="value" x=(n(x + 4.0)) y=(n(y + 12.0)) { (row.total()) }
                }
            }
        }
    }
}

/// A segment of a bar: its class, count, what it counts, its start and its width.
type Segment = (&'static str, usize, &'static str, f64, f64);

/// The non-empty segments of a rule's bar, `scale` units a finding, and where the bar ends.
fn bar_segments(row: &RuleTally, scale: f64) -> (Vec<Segment>, f64) {
    let classes = ["sev-error", "sev-warning", "sev-note", "suppressed"];
    let names = ["errors", "warnings", "notes", "suppressed"];
    let counts = [row.open[0], row.open[1], row.open[2], row.suppressed];
    let mut x = LABEL;
    let mut segments = Vec::new();
    for i in 0..4 {
        if counts[i] > 0 {
            let width = counts[i] as f64 * scale;
            segments.push((classes[i], counts[i], names[i], x, width));
            x += width;
        }
    }
    (segments, x)
}

/// A key's dates: created, last used, expires (`None`: never), as the record has them.
struct Dates {
    created: Option<i64>,
    accessed: Option<i64>,
    expires: Option<i64>,
}

impl Dates {
    fn of(record: &KeyRecord) -> Dates {
        let positive = |t: Option<&i64>| t.copied().filter(|t| *t > 0);
        Dates {
            created: positive(record.created_time.get()),
            accessed: positive(record.accessed_time.get()),
            expires: positive(record.expired_time.get()),
        }
    }
}

/// One row per key: a bar from its creation to its expiry (open-ended when it never
/// expires), a dot at its last use, and a line at the evaluation time.
pub(super) fn timeline(run: &Run<'_>) -> Markup {
    let keys: Vec<(&KeyRecord, Dates)> = run
        .inventory
        .keys
        .iter()
        .take(TIMELINE_KEYS)
        .map(|k| (k, Dates::of(k)))
        .filter(|(_, d)| d.created.is_some())
        .collect();
    let times = keys
        .iter()
        .flat_map(|(_, d)| [d.created, d.accessed, d.expires])
        .flatten()
        .chain([run.now]);
    let (lo, hi) = times.fold((run.now, run.now), |(lo, hi), t| (lo.min(t), hi.max(t)));
    let span = (hi - lo).max(86_400) as f64 * 1.05;
    let plot = WIDE - LABEL - 10.0;
    let x = |t: i64| LABEL + (t - lo) as f64 / span * plot;
    let end = LABEL + plot;
    let height = ROW * keys.len() as f64 + 40.0;
    html! {
        figure class="chart wide" {
            figcaption {
                "Keys: created, last used (dot), expiry; open bars never expire"
                @if run.inventory.keys.len() > TIMELINE_KEYS { " (the first " (TIMELINE_KEYS) " keys)" }
            }
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (n(WIDE)) " " (n(height)) }
                role="img" aria-label="Timeline of the keys" {
                @for (i, (record, dates)) in keys.iter().enumerate() {
                    @let y = ROW * i as f64 + 16.0;
                    (label(y, &format!("{} {}", record.id, record.name.get().map_or("", String::as_str))))
                    @let start = x(dates.created.unwrap_or(lo));
                    @let (stop, class) = match dates.expires {
                        Some(t) if t < run.now => (x(t), "span expired"),
                        Some(t) => (x(t), "span"),
                        None => (end, "span never"),
                    };
                    rect class=(class) x=(n(start)) y=(n(y + 3.0)) width=(n((stop - start).max(1.0))) height=(n(ROW - 10.0)) {
                        title { (timeline_title(record, dates)) }
                    }
                    @if let Some(t) = dates.accessed {
                        circle class="used" cx=(n(x(t))) cy=(n(y + 8.0)) r="3.5" { title { "last used " (format_date(t)) } }
                    }
                }
                line class="now" x1=(n(x(run.now))) x2=(n(x(run.now))) y1="14" y2=(n(height - 18.0)) {}
                text class="axis" x=(n(LABEL)) y=(n(height - 4.0)) { (format_date(lo)) }
                text class="axis" x=(n(x(run.now))) y="10" text-anchor="middle" { "now " (format_date(run.now)) }
                text class="axis" x=(n(end)) y=(n(height - 4.0)) text-anchor="end" { (format_date(hi)) }
            }
        }
    }
}

fn timeline_title(record: &KeyRecord, dates: &Dates) -> String {
    let created = dates.created.map_or_else(|| "?".to_owned(), format_date);
    let expires = dates
        .expires
        .map_or_else(|| "never".to_owned(), format_date);
    format!("key {}: created {created}, expires {expires}", record.id)
}

/// Quota exposure: how many keys have unlimited quota, and how much the unlimited ones used.
pub(super) fn quota(run: &Run<'_>) -> Markup {
    let keys = &run.inventory.keys;
    let mut unlimited: Vec<&KeyRecord> = keys
        .iter()
        .filter(|k| k.unlimited_quota.get() == Some(&true))
        .collect();
    let limited = keys
        .iter()
        .filter(|k| k.unlimited_quota.get() == Some(&false))
        .count();
    let unknown = keys.len() - unlimited.len() - limited;
    unlimited.sort_by_key(|k| std::cmp::Reverse(*k.used_quota.get().unwrap_or(&0)));
    let used: i64 = unlimited.iter().filter_map(|k| k.used_quota.get()).sum();
    let total = keys.len().max(1) as f64;
    let bar = WIDTH - 20.0;
    let mut x = 10.0;
    let mut stack: Vec<Segment> = Vec::new();
    for (class, count, what) in [
        ("unlimited", unlimited.len(), "unlimited quota"),
        ("limited", limited, "limited quota"),
        ("unknown", unknown, "quota unknown"),
    ] {
        let width = count as f64 / total * bar;
        stack.push((class, count, what, x, width));
        x += width;
    }
    let top: Vec<&KeyRecord> = unlimited.iter().copied().take(8).collect();
    let most = top
        .first()
        .and_then(|k| k.used_quota.get())
        .copied()
        .unwrap_or(1)
        .max(1) as f64;
    let height = 76.0 + ROW * top.len() as f64;
    html! {
        figure class="chart" {
            figcaption { "Quota exposure: " (unlimited.len()) " of " (keys.len()) " keys unlimited, " (used) " quota used by them" }
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (n(WIDTH)) " " (n(height)) }
                role="img" aria-label="Quota exposure" {
                @for (class, count, what, x, width) in stack.iter().filter(|s| s.1 > 0) {
                    rect class={ "quota " (class) } x=(n(*x)) y="4" width=(n(*width)) height="22" { title { (count) " " (what) } }
                }
                @for (i, (class, count, what, _, _)) in stack.iter().enumerate() {
                    @let lx = 10.0 + 150.0 * i as f64;
                    rect class={ "quota " (class) } x=(n(lx)) y="32" width="10" height="10" {}
                    text class="label" x=(n(lx + 14.0)) y="41" { (count) " " (what) }
                }
                @if !top.is_empty() { text class="axis" x="10" y="64" { "Used quota of the unlimited keys" } }
                @for (i, record) in top.iter().enumerate() {
                    @let y = 70.0 + ROW * i as f64;
                    @let value = record.used_quota.get().copied().unwrap_or(0).max(0);
                    (label(y, &format!("{} {}", record.id, record.name.get().map_or("", String::as_str))))
                    rect class="quota unlimited" x=(n(LABEL)) y=(n(y)) width=(n((value as f64 / most * (WIDTH - LABEL - 60.0)).max(1.0))) height=(n(ROW - 6.0)) {}
                    text class="value" x=(n(WIDTH - 55.0)) y=(n(y + 12.0)) { (value) }
                }
            }
        }
    }
}
