//! The command line: every command, flag, environment variable and its help, in one place.
//!
//! The access token is deliberately not a flag: it comes from `COMETAPI_ACCESS_TOKEN` or
//! `--token-file`, so it never lands in shell history or process lists, and it is read outside
//! clap so that no help text can display its value.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Policy linter for the API keys of a CometAPI account or a new-api / one-api gateway.
#[derive(Debug, Parser)]
#[command(
    name = "keylint",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour output (also honours NO_COLOR).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print only the report: no summary line, no progress.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Log what keylint does on stderr (never header values or secrets).
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the inventory (from the API, or --input), evaluate the rules, report, set the exit code.
    Check(Box<CheckArgs>),
    /// List the effective rules: id, name, severity, enabled, summary.
    Rules(RulesArgs),
    /// Show the long documentation of one rule (by id or name).
    Explain(ExplainArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

/// Which rule packs make up the policy.
#[derive(Debug, Args, Clone)]
pub struct PolicyArgs {
    /// An extra rule pack (TOML); repeatable, loaded in order after the default pack.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,

    /// Do not load the embedded default rule pack.
    #[arg(long)]
    pub no_default_rules: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Read a saved inventory instead of fetching: a keylint snapshot, a list-API response body,
    /// or a JSON array of key objects (`-` = stdin).
    #[arg(long, value_name = "PATH")]
    pub input: Option<PathBuf>,

    #[command(flatten)]
    pub policy: PolicyArgs,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to a file; a short summary still goes to stderr.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// The lowest severity that fails the run (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Only these rules: comma list of ids, id prefixes (KL3) or names.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,

    /// Skip these rules: comma list of ids, id prefixes (KL3) or names.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Evaluation time, RFC 3339 or unix seconds (default: the clock). Makes runs reproducible.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule id (KL101) or name (no-expiry).
    pub rule: String,

    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics grouped by key, for people.
    Human,
    /// The versioned JSON report.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub upload-sarif).
    Sarif,
    /// GitHub Actions annotations; also appends a summary to $GITHUB_STEP_SUMMARY when set.
    Github,
    /// A Markdown review report: counts by rule, then one table row per finding.
    Markdown,
    /// JUnit XML: one test case per key, one failure per failing finding.
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
    /// A Markdown table (the README's rule table).
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}
