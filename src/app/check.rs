//! `keylint check`: read the inventory (fetched, or `--input`), evaluate, apply waivers and the
//! baseline, report, and return the exit code.

use std::path::Path;

use super::Io;
use super::fetch::{fetch_from_api, fetch_options};
use super::files::{append_to, log, read_input, stream, write_file, write_out};
use super::policy_files::load;
use super::rules::rule_suggestion;
use crate::app::cli::{CheckArgs, FailOn, Format};
use crate::app::error::Failure;
use crate::eval::baseline::Baseline;
use crate::eval::finding::Severity;
use crate::inventory::MAX_INPUT_BYTES;
use crate::policy::{self, Policy};
use crate::report::{self, Run, Summary};
use crate::text::{bounded, clock, escape};

/// Reads `--baseline`; anything wrong with it is a usage error (exit 2), before any fetch.
pub(super) fn read_baseline(path: &Path) -> Result<Baseline, Failure> {
    let invalid = |reason: String| Failure::Baseline {
        path: path.display().to_string(),
        reason,
    };
    let text =
        bounded::read_text_file(path, MAX_INPUT_BYTES).map_err(|e| invalid(e.to_string()))?;
    Baseline::parse(&text).map_err(invalid)
}

pub(super) fn run(
    args: CheckArgs,
    quiet: bool,
    verbose: bool,
    color: bool,
    io: &mut Io<'_>,
) -> Result<u8, Failure> {
    let started = std::time::Instant::now();
    let now = evaluation_time(args.now.as_deref())?;
    let mut policy = load(&args.policy)?;
    apply_selection(&mut policy, &args.selection.select, &args.selection.ignore)?;
    if args.show_config {
        write_out(io.stdout, &policy::show::render(&policy, now))?;
        return Ok(0);
    }
    let baseline = match &args.baseline {
        Some(path) => Some((path.display().to_string(), read_baseline(path)?)),
        None => None,
    };
    let mut inventory = match &args.input {
        Some(input) => read_input(input, io.stdin, args.api.gateway.dialect())?,
        None => {
            let options = fetch_options(&args.api, quiet, verbose, io)?;
            fetch_from_api(&options, quiet, io)?
        }
    };
    inventory.provenance.cidr_allowlists = args.cidr_allowlists.support();
    let elapsed = started.elapsed();
    log(
        verbose,
        io,
        &format!("read {} keys in {elapsed:?}", inventory.keys.len()),
    );

    let (mut findings, stale_baseline) = crate::lint(
        &policy,
        &inventory,
        now,
        baseline
            .as_ref()
            .map(|(shown, baseline)| (baseline, shown.as_str())),
    );
    if let Some(path) = &args.write_baseline {
        write_baseline(path, &policy, &mut findings, quiet, io)?;
    }
    let mut summary = Summary::count(&findings, fail_on(args.fail_on));
    summary.stale_baseline = stale_baseline;
    let run = Run {
        policy: &policy,
        inventory: &inventory,
        summary,
        findings: &findings,
        now,
    };
    let elapsed = started.elapsed();
    log(
        verbose,
        io,
        &format!("evaluated {} findings in {elapsed:?}", findings.len()),
    );
    write_report(&args, &run, quiet, color, io)?;
    log(verbose, io, &format!("done in {:?}", started.elapsed()));
    Ok(run.summary.exit_code())
}

/// `--write-baseline`: records the findings, and applies the new baseline to this run at once,
/// so the report shows what the next run with `--baseline` will and the exit code agrees.
fn write_baseline(
    path: &Path,
    policy: &Policy,
    findings: &mut [crate::eval::finding::Finding],
    quiet: bool,
    io: &mut Io<'_>,
) -> Result<(), Failure> {
    let shown = path.display().to_string();
    let written = Baseline::from_findings(policy, findings);
    write_file(io.scrubber, path, written.to_json().as_bytes())?;
    written.apply(policy, findings, crate::BASELINE_REASON, &shown);
    if !quiet {
        let _ = writeln!(
            io.stderr,
            "keylint: wrote {} to the baseline {}",
            report::plural(written.entries.len(), "finding"),
            escape(&shown)
        );
    }
    Ok(())
}

pub(super) fn fail_on(choice: FailOn) -> report::FailOn {
    report::FailOn(match choice {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    })
}

/// Writes the report (to `--output` or stdout), the GitHub step summary, and the summary line.
fn write_report(
    args: &CheckArgs,
    run: &Run<'_>,
    quiet: bool,
    color: bool,
    io: &mut Io<'_>,
) -> Result<(), Failure> {
    let to_file = args.output.is_some();
    // Every format streams: a large report is never held in memory.
    let color = color && !to_file;
    let mut sarif_written = None;
    stream(args.output.as_deref(), io, |out| match args.format {
        Format::Human => report::human::write(run, color, out),
        Format::Json => report::json::write(run, out),
        Format::Sarif => write_sarif(args, run, out).map(|w| sarif_written = Some(w)),
        Format::Github => report::github::write(run, out),
        Format::Gitlab => report::gitlab::write(run, out),
        Format::Markdown => report::markdown::write(run, out),
        Format::Junit => report::junit::write(run, out),
        Format::Html => report::html::write(run, out),
    })?;
    if args.format == Format::Github
        && let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
        && let Err(e) = append_to(
            io.scrubber,
            Path::new(&path),
            &report::github::step_summary(run),
        )
    {
        // The summary is a courtesy: the report and the exit code stand without it.
        let _ = writeln!(
            io.stderr,
            "keylint: warning: could not append the step summary to {}: {e}",
            escape(&Path::new(&path).display().to_string())
        );
    }
    if let Some(written) = sarif_written {
        warn_left_out(&written, io);
    }
    if !quiet && (to_file || args.format != Format::Human) {
        let _ = writeln!(io.stderr, "keylint: {}", report::summary_line(run));
    }
    Ok(())
}

/// `--format sarif`, with `--sarif-suppressed`.
fn write_sarif(
    args: &CheckArgs,
    run: &Run<'_>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<report::sarif::Written> {
    let options = report::sarif::Options {
        suppressed: args.sarif_suppressed.choice(),
    };
    report::sarif::write(run, options, out)
}

/// Says on stderr (even with `--quiet`: the report is incomplete) when the SARIF log could
/// not hold every finding within GitHub's limits.
fn warn_left_out(written: &report::sarif::Written, io: &mut Io<'_>) {
    if written.left_out > 0 {
        let _ = writeln!(
            io.stderr,
            "keylint: warning: the SARIF report holds the {} most severe of {} findings: GitHub \
             code scanning rejects more than {} results or 10 MB gzip-compressed, so {} were \
             left out (`--format json` reports every finding; the exit code counts them all)",
            written.results,
            written.results + written.left_out,
            report::sarif::MAX_RESULTS,
            written.left_out,
        );
    }
}

/// Applies `--select` and `--ignore` by switching rules off. Every token must name a rule.
/// The tool's own diagnostics (KL0xx) stay on under `--select` unless it names them: a narrowed
/// run must still say when a record could not be checked. `--ignore` switches off anything.
pub(super) fn apply_selection(
    policy: &mut Policy,
    select: &[String],
    ignore: &[String],
) -> Result<(), Failure> {
    for token in select.iter().chain(ignore) {
        if !policy.rules.iter().any(|r| r.is_named_by(token)) {
            return Err(Failure::usage(
                format!("`{token}` names no rule (in --select / --ignore)"),
                Some(rule_suggestion(policy, token)),
            ));
        }
    }
    let selects_own = select.iter().any(|t| {
        policy
            .rules
            .iter()
            .any(|r| r.kind.own().is_some() && r.is_named_by(t))
    });
    for rule in &mut policy.rules {
        let own = rule.kind.own().is_some() && !selects_own;
        if !select.is_empty() && !own && !select.iter().any(|t| rule.is_named_by(t)) {
            rule.enabled = false;
        }
        if ignore.iter().any(|t| rule.is_named_by(t)) {
            rule.enabled = false;
        }
    }
    Ok(())
}

/// The evaluation time: `--now` (RFC 3339 or unix seconds), else the clock. A bad value is a
/// usage error.
pub(super) fn evaluation_time(now: Option<&str>) -> Result<i64, Failure> {
    match now {
        Some(text) => clock::parse_time(text)
            .map_err(|e| Failure::usage(format!("invalid --now `{text}`"), Some(e))),
        None => Ok(clock::now()),
    }
}
