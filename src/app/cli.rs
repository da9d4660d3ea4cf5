//! The command line: every command, flag, environment variable and its help, in one place.
//!
//! The access token is deliberately not a flag: it comes from `COMETAPI_ACCESS_TOKEN` or
//! `--token-file`, so it never lands in shell history or process lists, and it is read outside
//! clap so that no help text can display its value.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::api;

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
    /// Fetch every key from the API and write a redacted snapshot (no key values).
    Fetch(Box<FetchArgs>),
    /// Compare two inventories: keys added, removed and changed; findings new and resolved.
    Diff(Box<DiffArgs>),
    /// List the effective rules: id, name, severity, enabled, summary.
    Rules(RulesArgs),
    /// Show the long documentation of one rule (by id or name).
    Explain(ExplainArgs),
    /// Print the effective policy: every rule and setting and where it came from, and the waivers.
    Config(ConfigArgs),
    /// Write a commented keylint.toml template.
    Init(InitArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

/// Which files make up the policy: the default pack, then `--rules` packs, then the config.
#[derive(Debug, Args, Clone)]
pub struct PolicyArgs {
    /// An extra rule pack (TOML), or `strict` for the shipped strict pack (`./strict` for a
    /// file of that name); repeatable, loaded in order after the default pack.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,

    /// Do not load the embedded default rule pack.
    #[arg(long)]
    pub no_default_rules: bool,

    /// The policy file, loaded last (default: ./keylint.toml when it exists). Always a file,
    /// even one named like a shipped pack; a file named here must exist.
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Do not read ./keylint.toml.
    #[arg(long)]
    pub no_config: bool,
}

/// Where and how to fetch the inventory. The access token comes from `COMETAPI_ACCESS_TOKEN`
/// or `--token-file`; no flag takes the token itself.
#[derive(Debug, Args, Clone)]
pub struct ApiArgs {
    /// The gateway's base URL; plain http only for loopback hosts or with --allow-insecure-http.
    #[arg(
        long,
        env = "COMETAPI_BASE_URL",
        default_value = "https://api.cometapi.com",
        value_name = "URL"
    )]
    pub base_url: String,

    /// Read the access token from this file instead of COMETAPI_ACCESS_TOKEN.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Send `New-Api-User: N` and `Veloera-User: N` (self-hosted new-api and Veloera require
    /// it).
    #[arg(long, env = "COMETAPI_USER_ID", value_name = "N")]
    pub user_id: Option<u64>,

    #[command(flatten)]
    pub gateway: GatewayArgs,

    /// Keys per page (the server caps it at 100).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub page_size: u32,

    /// Requests in flight at once (halved on repeated HTTP 429).
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub concurrency: u16,

    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,

    /// Retries of one request (5xx, timeouts, connection errors, 429 with Retry-After).
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub retries: u32,

    /// The most seconds to spend, in all, waiting out the gateway's rate limit (HTTP 429
    /// without Retry-After); then exit 3.
    #[arg(long, default_value_t = api::DEFAULT_MAX_WAIT.as_secs(), value_name = "SECS")]
    pub max_wait: u64,

    /// The most pages to read; more is an error (exit 3).
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub max_pages: u64,

    /// The most one fetch may hold in memory, in MiB (page bodies read and the key records
    /// kept); more is an error (exit 3).
    #[arg(long, default_value_t = api::DEFAULT_MAX_INVENTORY_MIB, value_name = "MIB")]
    pub max_inventory_mib: u64,

    /// Allow a plain-http base URL that is not loopback (the token travels in clear).
    #[arg(long)]
    pub allow_insecure_http: bool,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub api: ApiArgs,

    /// Write the snapshot here (default: stdout).
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Read a saved inventory instead of fetching: a keylint snapshot, a list-API response body,
    /// or a JSON array of key objects (`-` = stdin). A snapshot or response must hold every key
    /// its total announces (else exit 3); an array has no total and is read as given.
    #[arg(long, value_name = "PATH")]
    pub input: Option<PathBuf>,

    #[command(flatten)]
    pub api: ApiArgs,

    #[command(flatten)]
    pub policy: PolicyArgs,

    #[command(flatten)]
    pub cidr_allowlists: CidrAllowlistsArgs,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to a file; a short summary still goes to stderr.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// With `--format sarif`: `omit` leaves waived and baselined findings out of the log
    /// (GitHub code scanning ignores SARIF `suppressions` and would open alerts for them);
    /// `include` writes them, marked with `suppressions`.
    #[arg(
        long,
        value_enum,
        env = "KEYLINT_SARIF_SUPPRESSED",
        default_value_t = SarifSuppressed::Omit,
        value_name = "WHAT"
    )]
    pub sarif_suppressed: SarifSuppressed,

    /// The lowest severity that fails the run (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    #[command(flatten)]
    pub selection: SelectionArgs,

    /// Evaluation time, RFC 3339 or unix seconds (default: the clock). Makes runs reproducible.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// Suppress the findings recorded in this baseline file (they are reported as baselined).
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,

    /// Record the current findings in this baseline file, then report them as baselined.
    #[arg(long, value_name = "PATH")]
    pub write_baseline: Option<PathBuf>,

    /// Print the effective policy (as `keylint config` does) and exit without checking.
    #[arg(long)]
    pub show_config: bool,
}

/// `keylint diff OLD NEW`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier inventory: a keylint snapshot, a list-API response body, or a JSON array of
    /// key objects (`-` = stdin, on one side at most).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,

    /// The later inventory, in any of the same forms.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    #[command(flatten)]
    pub policy: PolicyArgs,

    #[command(flatten)]
    pub gateway: GatewayArgs,

    #[command(flatten)]
    pub cidr_allowlists: CidrAllowlistsArgs,

    /// Report format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,

    /// Write the report to a file; a short summary still goes to stderr.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Also list the findings present on both sides.
    #[arg(long)]
    pub all: bool,

    /// The lowest severity of a new finding that fails the run (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    #[command(flatten)]
    pub selection: SelectionArgs,

    /// The evaluation time of a side without `fetched_at` (RFC 3339 or unix seconds; default:
    /// the clock). A snapshot is evaluated at its own `fetched_at`.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// Suppress the findings recorded in this baseline file, on both sides.
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,

    /// Print the JSON Schema of policy files instead (for editor completion).
    #[arg(long)]
    pub schema: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the template.
    #[arg(value_name = "PATH", default_value = "keylint.toml")]
    pub path: PathBuf,

    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
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
    /// GitHub Actions annotations, at most 10 per level (GitHub's cap per step); also appends a
    /// summary of every finding to $GITHUB_STEP_SUMMARY when set.
    Github,
    /// A GitLab Code Quality report (artifacts:reports:codequality): one entry per unsuppressed
    /// finding.
    Gitlab,
    /// A Markdown review report: counts by rule, then one table row per finding.
    Markdown,
    /// JUnit XML: one test case per key, one failure per failing finding.
    Junit,
    /// A self-contained HTML page for a security review: charts, a filterable table of the
    /// findings, each key's record with the offending field marked.
    Html,
}

/// `keylint diff --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// A summary, then the changes by section, for people.
    Human,
    /// The versioned JSON diff.
    Json,
    /// Markdown tables, ready to paste into a review ticket.
    Markdown,
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

/// `--gateway`, shared by every command that reads an inventory.
#[derive(Debug, Args, Clone)]
pub struct GatewayArgs {
    /// The gateway's dialect: `auto` detects it from the first answer; a named one must fit
    /// every answer (else exit 3). With --input, names the dialect of a document that does not
    /// say its own and must agree with one that does.
    #[arg(
        long,
        value_enum,
        env = "KEYLINT_GATEWAY",
        default_value_t = Gateway::Auto,
        value_name = "DIALECT"
    )]
    pub gateway: Gateway,
}

impl GatewayArgs {
    /// The dialect named, or `None` for `auto`.
    pub fn dialect(&self) -> Option<crate::inventory::Dialect> {
        self.gateway.dialect()
    }
}

/// `--cidr-allowlists`, shared by the commands that evaluate an inventory.
#[derive(Debug, Args, Clone)]
pub struct CidrAllowlistsArgs {
    /// Whether the new-api gateway honours CIDR entries in `allow_ips`: `auto` reads a record
    /// without `cross_group_retry` as coming from a version before CIDR allowlists (single
    /// addresses only); `honoured` and `dropped` say so for every record.
    #[arg(
        long,
        value_enum,
        env = "KEYLINT_CIDR_ALLOWLISTS",
        default_value_t = CidrAllowlists::Auto,
        value_name = "WHEN"
    )]
    pub cidr_allowlists: CidrAllowlists,
}

impl CidrAllowlistsArgs {
    /// The inventory's reading of CIDR entries.
    pub fn support(&self) -> crate::inventory::CidrSupport {
        self.cidr_allowlists.support()
    }
}

/// `--select` and `--ignore`, shared by `check` and `diff`.
#[derive(Debug, Args, Clone)]
pub struct SelectionArgs {
    /// Only these rules: comma list of ids, id prefixes (KL3) or names.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,

    /// Skip these rules: comma list of ids, id prefixes (KL3) or names.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
}

/// `--gateway`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Gateway {
    Auto,
    NewApi,
    NewApiLegacy,
    OneApi,
    OneHub,
    OneApiLaisky,
}

impl Gateway {
    /// The dialect named, or `None` for `auto`.
    pub fn dialect(self) -> Option<crate::inventory::Dialect> {
        use crate::inventory::Dialect;
        match self {
            Gateway::Auto => None,
            Gateway::NewApi => Some(Dialect::NewApi),
            Gateway::NewApiLegacy => Some(Dialect::NewApiLegacy),
            Gateway::OneApi => Some(Dialect::OneApi),
            Gateway::OneHub => Some(Dialect::OneHub),
            Gateway::OneApiLaisky => Some(Dialect::OneApiLaisky),
        }
    }
}

/// `--cidr-allowlists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CidrAllowlists {
    Auto,
    Honoured,
    Dropped,
}

impl CidrAllowlists {
    /// The inventory's reading of CIDR entries.
    pub fn support(self) -> crate::inventory::CidrSupport {
        match self {
            CidrAllowlists::Auto => crate::inventory::CidrSupport::Auto,
            CidrAllowlists::Honoured => crate::inventory::CidrSupport::Honoured,
            CidrAllowlists::Dropped => crate::inventory::CidrSupport::Dropped,
        }
    }
}

/// `--sarif-suppressed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SarifSuppressed {
    Omit,
    Include,
}

impl SarifSuppressed {
    /// What the SARIF report does with waived and baselined findings.
    pub fn choice(self) -> crate::report::sarif::Suppressed {
        match self {
            SarifSuppressed::Omit => crate::report::sarif::Suppressed::Omit,
            SarifSuppressed::Include => crate::report::sarif::Suppressed::Include,
        }
    }
}
