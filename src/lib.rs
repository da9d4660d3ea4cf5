//! keylint: a policy linter for the API keys of a CometAPI account or a self-hosted gateway of
//! the new-api / one-api family.
//!
//! The pipeline, one way: load the policy -> obtain the inventory -> evaluate -> apply waivers
//! and the baseline -> report.
//! [`run`] is the whole program behind the thin binary; it writes only to the handles it is given.

pub mod api;
pub mod baseline;
pub mod capped;
pub mod checks;
pub mod cli;
pub mod clock;
pub mod engine;
pub mod error;
pub mod finding;
pub mod inventory;
pub mod policy;
pub mod report;
pub mod sanitize;
pub mod snapshot;
pub mod suggest;
pub mod suppress;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::baseline::Baseline;
use crate::cli::{
    ApiArgs, CheckArgs, Cli, ColorChoice, Command, ConfigArgs, FailOn, FetchArgs, Format, InitArgs,
    ListFormat, PolicyArgs,
};
use crate::error::Failure;
use crate::finding::Severity;
use crate::inventory::{Inventory, MAX_INPUT_BYTES};
use crate::policy::{Policy, PolicyOptions, load_policy};
use crate::report::{Run, Summary};

/// The process's standard streams and what is known about them.
pub struct Io<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    /// Whether stdout is a terminal (for `--color auto`).
    pub stdout_is_terminal: bool,
    /// Whether stderr is a terminal (for the fetch progress bar).
    pub stderr_is_terminal: bool,
}

/// Runs one command; returns the exit code (0 or 1), or the failure that stopped it.
pub fn run(cli: Cli, io: &mut Io<'_>) -> Result<u8, Failure> {
    let color = use_color(cli.color, io.stdout_is_terminal);
    match cli.command {
        Command::Check(args) => check(*args, cli.quiet, cli.verbose, color, io),
        Command::Fetch(args) => fetch(*args, cli.quiet, cli.verbose, io),
        Command::Rules(args) => {
            let policy = load(&args.policy)?;
            let text = match args.format {
                ListFormat::Human => rules_table(&policy),
                ListFormat::Json => rules_json(&policy),
                ListFormat::Markdown => rules_markdown(&policy),
            };
            write_out(io.stdout, &text)?;
            Ok(0)
        }
        Command::Explain(args) => {
            let policy = load(&args.policy)?;
            let rule = find_rule(&policy, &args.rule)?;
            write_out(io.stdout, &explain(rule))?;
            Ok(0)
        }
        Command::Config(args) => config(&args, io),
        Command::Init(args) => init(&args, cli.quiet, io),
        Command::Completions(args) => {
            clap_complete::generate(args.shell, &mut Cli::command(), "keylint", io.stdout);
            Ok(0)
        }
    }
}

/// Whether to colour output on stdout: `--color`, then `NO_COLOR`, then whether it is a terminal.
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Loads the policy: the default pack, `--rules` packs, then the config file.
fn load(args: &PolicyArgs) -> Result<Policy, Failure> {
    let mut packs = args.rules.clone();
    packs.extend(config_path(args));
    Ok(load_policy(&PolicyOptions {
        default_rules: !args.no_default_rules,
        packs,
    })?)
}

/// The config file: `--config PATH` (which must then exist: loading a missing file is an
/// error, never a silent fall-back to defaults), else `./keylint.toml` when there is anything
/// at that path, else none.
fn config_path(args: &PolicyArgs) -> Option<PathBuf> {
    if args.no_config {
        return None;
    }
    if let Some(path) = &args.config {
        return Some(path.clone());
    }
    let default = Path::new(policy::CONFIG_FILE);
    // `symlink_metadata`: a dangling link or an unreadable file is an error when loaded, not
    // a reason to skip the policy.
    std::fs::symlink_metadata(default)
        .is_ok()
        .then(|| default.to_path_buf())
}

/// `keylint config`: the effective policy, or with `--schema` the policy file schema.
fn config(args: &ConfigArgs, io: &mut Io<'_>) -> Result<u8, Failure> {
    if args.schema {
        write_out(io.stdout, &policy::schema::render())?;
        return Ok(0);
    }
    let policy = load(&args.policy)?;
    write_out(io.stdout, &policy::show::render(&policy, clock::now()))?;
    Ok(0)
}

/// `keylint init`: writes the commented template, never over an existing file unless `--force`.
fn init(args: &InitArgs, quiet: bool, io: &mut Io<'_>) -> Result<u8, Failure> {
    let shown = args.path.display().to_string();
    let written = if args.force {
        std::fs::write(&args.path, policy::INIT_TEMPLATE)
    } else {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&args.path)
            .and_then(|mut file| file.write_all(policy::INIT_TEMPLATE.as_bytes()))
    };
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Failure::usage(
                format!("{shown} already exists"),
                Some("keep it, or pass --force to overwrite it with the template".into()),
            ));
        }
        Err(e) => {
            return Err(Failure::Output {
                path: shown,
                reason: e.to_string(),
            });
        }
    }
    if !quiet {
        let _ = writeln!(
            io.stderr,
            "keylint: wrote {}; edit it, then run `keylint config` to see the effective policy",
            sanitize::escape(&shown)
        );
    }
    Ok(0)
}

/// Reads `--baseline`; anything wrong with it is a usage error (exit 2), before any fetch.
fn read_baseline(path: &Path) -> Result<Baseline, Failure> {
    let invalid = |reason: String| Failure::Baseline {
        path: path.display().to_string(),
        reason,
    };
    let text = capped::read_text_file(path, MAX_INPUT_BYTES).map_err(|e| invalid(e.to_string()))?;
    Baseline::parse(&text).map_err(invalid)
}

/// How a baselined finding is marked.
const BASELINE_REASON: &str = "recorded in the baseline";

fn check(
    args: CheckArgs,
    quiet: bool,
    verbose: bool,
    color: bool,
    io: &mut Io<'_>,
) -> Result<u8, Failure> {
    let started = std::time::Instant::now();
    let now = match &args.now {
        Some(text) => clock::parse_time(text)
            .map_err(|e| Failure::usage(format!("invalid --now `{text}`"), Some(e)))?,
        None => clock::now(),
    };
    let mut policy = load(&args.policy)?;
    apply_selection(&mut policy, &args.select, &args.ignore)?;
    if args.show_config {
        write_out(io.stdout, &policy::show::render(&policy, now))?;
        return Ok(0);
    }
    let baseline = match &args.baseline {
        Some(path) => Some((path.display().to_string(), read_baseline(path)?)),
        None => None,
    };
    let inventory = match &args.input {
        Some(input) => read_input(input, io.stdin)?,
        None => {
            let options = fetch_options(&args.api, quiet, verbose, io)?;
            fetch_from_api(&options, quiet, io)?
        }
    };
    log(
        verbose,
        io,
        &format!(
            "read {} keys in {:?}",
            inventory.keys.len(),
            started.elapsed()
        ),
    );

    let mut findings = engine::evaluate(&policy, &inventory, now);
    suppress::apply_waivers(&policy, &inventory, &mut findings, now);
    let mut stale_baseline = None;
    if let Some((shown, baseline)) = &baseline {
        let stats = baseline.apply(&policy, &mut findings, BASELINE_REASON, shown);
        stale_baseline = Some(stats.stale);
    }
    if let Some(path) = &args.write_baseline {
        // The new baseline applies to this run at once: the report shows what the next run
        // with `--baseline` will, and the exit code agrees with it.
        let shown = path.display().to_string();
        let written = Baseline::from_findings(&policy, &findings);
        write_file(path, written.to_json().as_bytes())?;
        written.apply(&policy, &mut findings, BASELINE_REASON, &shown);
        if !quiet {
            let _ = writeln!(
                io.stderr,
                "keylint: wrote {} to the baseline {}",
                report::plural(written.entries.len(), "finding"),
                sanitize::escape(&shown)
            );
        }
    }
    let fail_on = report::FailOn(match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    });
    let mut summary = Summary::count(&findings, fail_on);
    summary.stale_baseline = stale_baseline;
    let run = Run {
        policy: &policy,
        inventory: &inventory,
        summary,
        findings: &findings,
        now,
    };
    log(
        verbose,
        io,
        &format!(
            "evaluated {} findings in {:?}",
            findings.len(),
            started.elapsed()
        ),
    );
    let to_file = args.output.is_some();
    let text = match args.format {
        Format::Human => report::human::render(&run, color && !to_file),
        Format::Json => report::json::render(&run),
        Format::Sarif => report::sarif::render(&run),
        Format::Github => report::github::render(&run),
        Format::Markdown => report::markdown::render(&run),
        Format::Junit => report::junit::render(&run),
    };
    emit(args.output.as_deref(), io.stdout, text.as_bytes())?;
    if args.format == Format::Github
        && let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
        && let Err(e) = append_to(Path::new(&path), &report::github::step_summary(&run))
    {
        // The summary is a courtesy: the report and the exit code stand without it.
        let _ = writeln!(
            io.stderr,
            "keylint: warning: could not append the step summary to {}: {e}",
            sanitize::escape(&Path::new(&path).display().to_string())
        );
    }
    if !quiet && (to_file || args.format != Format::Human) {
        let _ = writeln!(io.stderr, "keylint: {}", report::summary_line(&run));
    }
    log(verbose, io, &format!("done in {:?}", started.elapsed()));
    Ok(run.summary.exit_code())
}

/// `keylint fetch`: the inventory from the API, written as a redacted snapshot.
fn fetch(args: FetchArgs, quiet: bool, verbose: bool, io: &mut Io<'_>) -> Result<u8, Failure> {
    let options = fetch_options(&args.api, quiet, verbose, io)?;
    let inventory = fetch_from_api(&options, quiet, io)?;
    let mut bytes = Vec::new();
    snapshot::write_snapshot(&inventory, &mut bytes).map_err(|e| Failure::Output {
        path: "snapshot".into(),
        reason: e.to_string(),
    })?;
    emit(args.output.as_deref(), io.stdout, &bytes)?;
    Ok(0)
}

/// Validates the fetch flags and reads the access token. Everything here is checked before any
/// request is sent, and every problem is a usage error (exit 2).
fn fetch_options(
    args: &ApiArgs,
    quiet: bool,
    verbose: bool,
    io: &Io<'_>,
) -> Result<api::FetchOptions, Failure> {
    let base_url = api::validate_base_url(&args.base_url, args.allow_insecure_http)
        .map_err(|reason| {
            Failure::usage(
                format!("refused --base-url: {reason}"),
                Some("use https; plain http is allowed for loopback hosts or with --allow-insecure-http".into()),
            )
        })?;
    let token = read_token(args.token_file.as_deref())?;
    let options = api::FetchOptions {
        user_id: args.user_id,
        page_size: args.page_size,
        concurrency: usize::from(args.concurrency),
        timeout: std::time::Duration::from_secs(args.timeout),
        retries: args.retries,
        max_pages: args.max_pages,
        progress: io.stderr_is_terminal && !quiet,
        verbose,
        ..api::FetchOptions::new(base_url, token)
    };
    options
        .validate()
        .map_err(|reason| Failure::usage(reason, None))?;
    Ok(options)
}

/// The largest token file keylint reads.
const MAX_TOKEN_FILE_BYTES: u64 = 64 * 1024;

/// The access token: `--token-file`, else `COMETAPI_ACCESS_TOKEN`. Never a flag value.
fn read_token(token_file: Option<&Path>) -> Result<api::AccessToken, Failure> {
    let raw = match token_file {
        Some(path) => {
            let unreadable = |reason: String| {
                Failure::usage(
                    format!("cannot read --token-file {}: {reason}", path.display()),
                    None,
                )
            };
            capped::read_text_file(path, MAX_TOKEN_FILE_BYTES)
                .map_err(|e| unreadable(e.to_string()))?
        }
        None => std::env::var("COMETAPI_ACCESS_TOKEN").unwrap_or_default(),
    };
    if raw.trim().is_empty() {
        return Err(Failure::usage(
            "no access token",
            Some("set COMETAPI_ACCESS_TOKEN or pass --token-file PATH (Console -> Personal Settings -> access token)".into()),
        ));
    }
    // The reason names what is wrong with the value, never the value.
    api::AccessToken::new(raw)
        .map_err(|reason| Failure::usage(format!("invalid access token: {reason}"), None))
}

/// Fetches the whole inventory, or fails with exit 3.
fn fetch_from_api(
    options: &api::FetchOptions,
    quiet: bool,
    io: &mut Io<'_>,
) -> Result<Inventory, Failure> {
    let fetched = api::fetch_inventory(options)?;
    if !quiet {
        let _ = writeln!(
            io.stderr,
            "keylint: fetched {} from {} in {} ({} requests)",
            report::plural(fetched.inventory.keys.len(), "key"),
            fetched.inventory.provenance.source,
            report::plural(fetched.pages as usize, "page"),
            fetched.requests
        );
    }
    Ok(fetched.inventory)
}

fn log(verbose: bool, io: &mut Io<'_>, line: &str) {
    if verbose {
        let _ = writeln!(io.stderr, "keylint: {line}");
    }
}

/// Appends `text` to a file, creating it when missing (never truncating it).
fn append_to(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

fn write_out(out: &mut dyn Write, text: &str) -> Result<(), Failure> {
    emit(None, out, text.as_bytes())
}

/// Writes `bytes` to the file `output` names, or to stdout when there is none.
fn emit(output: Option<&Path>, stdout: &mut dyn Write, bytes: &[u8]) -> Result<(), Failure> {
    match output {
        Some(path) => write_file(path, bytes),
        None => stdout
            .write_all(bytes)
            .and_then(|()| stdout.flush())
            .map_err(|e| Failure::Output {
                path: "stdout".into(),
                reason: e.to_string(),
            }),
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes).map_err(|e| Failure::Output {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Reads `--input` (a path, or `-` for stdin), capped at [`MAX_INPUT_BYTES`].
fn read_input(path: &Path, stdin: &mut dyn Read) -> Result<Inventory, Failure> {
    let source_name = path.display().to_string();
    let unreadable = |reason: String| Failure::InputUnreadable {
        source_name: source_name.clone(),
        reason,
    };
    let read = if path == Path::new("-") {
        capped::read(stdin, MAX_INPUT_BYTES, 0)
    } else {
        capped::read_file(path, MAX_INPUT_BYTES)
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(capped::ReadError::TooLarge(limit)) => {
            return Err(Failure::Inventory {
                source_name,
                error: inventory::InventoryError::TooLarge {
                    limit_mib: limit / 1024 / 1024,
                },
            });
        }
        Err(e) => return Err(unreadable(e.to_string())),
    };
    inventory::parse_inventory(&bytes, &source_name).map_err(|error| Failure::Inventory {
        source_name: source_name.clone(),
        error,
    })
}

/// Applies `--select` and `--ignore` by switching rules off. Every token must name a rule.
/// The tool's own diagnostics (KL0xx) stay on under `--select` unless it names them: a narrowed
/// run must still say when a record could not be checked. `--ignore` switches off anything.
fn apply_selection(
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
            .any(|r| r.id.starts_with("KL0") && r.is_named_by(t))
    });
    for rule in &mut policy.rules {
        let own = rule.id.starts_with("KL0") && !selects_own;
        if !select.is_empty() && !own && !select.iter().any(|t| rule.is_named_by(t)) {
            rule.enabled = false;
        }
        if ignore.iter().any(|t| rule.is_named_by(t)) {
            rule.enabled = false;
        }
    }
    Ok(())
}

fn find_rule<'p>(policy: &'p Policy, wanted: &str) -> Result<&'p policy::Rule, Failure> {
    policy
        .rules
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(wanted) || r.name == wanted)
        .ok_or_else(|| {
            Failure::usage(
                format!("no rule `{wanted}`"),
                Some(rule_suggestion(policy, wanted)),
            )
        })
}

/// The help for a token that names no rule: the closest id or name, or where to look.
fn rule_suggestion(policy: &Policy, token: &str) -> String {
    let names = policy
        .rules
        .iter()
        .flat_map(|r| [r.id.as_str(), r.name.as_str()]);
    match suggest::did_you_mean(token, names) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "run `keylint rules` to list the rules".to_owned(),
    }
}

/// `keylint explain`: the rule's metadata, then its check kind's long documentation.
pub fn explain(rule: &policy::Rule) -> String {
    let mut text = format!(
        "# {} {}\n\nSeverity: {}{}\nCheck: {}\nDefined in: {}\n",
        rule.id,
        rule.name,
        rule.severity,
        if rule.enabled { "" } else { " (disabled)" },
        rule.check_name(),
        match &rule.origin.file {
            Some(file) => format!("{file}:{}", rule.origin.line),
            None => "keylint itself".to_owned(),
        },
    );
    for change in &rule.changes {
        text.push_str(&format!(
            "Overridden: {} = {} ({}:{})\n",
            change.setting,
            change.value,
            change.origin.file.as_deref().unwrap_or("keylint"),
            change.origin.line
        ));
    }
    text.push_str(&format!("\n{}\n", rule.summary));
    if let Some(help) = &rule.help {
        text.push_str(&format!("\nFix: {help}\n"));
    }
    match &rule.params {
        checks::Params::Numbers(values) if !values.is_empty() => {
            text.push_str("\nParameters:\n");
            for (name, value) in values {
                text.push_str(&format!("  {name} = {value}\n"));
            }
        }
        checks::Params::Field(condition) => {
            text.push_str(&format!("\nCondition: {}\n", condition.describe()));
        }
        _ => {}
    }
    text.push('\n');
    text.push_str(rule.doc());
    text
}

/// `keylint rules`: a table of the effective rules.
pub fn rules_table(policy: &Policy) -> String {
    let name_width = policy.rules.iter().map(|r| r.name.len()).max().unwrap_or(4);
    let id_width = policy.rules.iter().map(|r| r.id.len()).max().unwrap_or(2);
    let mut text = format!(
        "{:id_width$}  {:name_width$}  {:8}  {:7}  SUMMARY\n",
        "ID", "NAME", "SEVERITY", "ENABLED"
    );
    for rule in &policy.rules {
        text.push_str(&format!(
            "{:id_width$}  {:name_width$}  {:8}  {:7}  {}\n",
            rule.id,
            rule.name,
            rule.severity.as_str(),
            if rule.enabled { "yes" } else { "no" },
            rule.summary
        ));
    }
    text
}

/// `keylint rules --format markdown`: the rule table of the README.
pub fn rules_markdown(policy: &Policy) -> String {
    let mut text = String::from("| id | name | severity | summary |\n|---|---|---|---|\n");
    for rule in &policy.rules {
        text.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            rule.id,
            rule.name,
            rule.severity,
            rule.summary.replace('|', "\\|")
        ));
    }
    text
}

/// `keylint rules --format json`.
pub fn rules_json(policy: &Policy) -> String {
    let rules: Vec<serde_json::Value> = policy
        .rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "name": r.name,
                "severity": r.severity,
                "enabled": r.enabled,
                "check": r.check_name(),
                "summary": r.summary,
                "help": r.help,
                "source": r.origin.file,
                "line": r.origin.line,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&rules).expect("rules serialize");
    text.push('\n');
    text
}
