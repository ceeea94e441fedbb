//! The command line, as clap types only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  every check passed (skips allowed, and warnings unless --fail-on warn), or this --shard's
     slice of the selection is empty
  1  a check failed or errored, a check warned under --fail-on warn, every check was skipped
     (nothing was checked), or a report could not be written after --fix had written to the
     store
  2  usage, pipeline, configuration or store error, a report target that cannot be written,
     or no connection selected: nothing was checked

Secrets are never read from arguments: set ZOHO_CLIENT_ID / ZOHO_CLIENT_SECRET (or store them
per row), and pass a store URL with a password in ZOHO_DOCTOR_STORE.";

#[derive(Debug, Parser)]
#[command(
    name = "zoho-doctor",
    version,
    about = "Diagnose Zoho OAuth connections (CRM and Desk): run a YAML pipeline of checks over stored connections",
    long_about = "Diagnose Zoho OAuth connections (CRM and Desk).\n\nzoho-doctor reads connection rows (access token, refresh token, expiry, data centre, Desk org id and portal) from a database, runs an ordered YAML pipeline of checks against Zoho — connection exists, refresh works (an HTTP 200 with an `error` key is a failure), data centre, scopes, Desk org id and portal, profile — and reports each as PASS/WARN/FAIL/ERROR/SKIP with the reason and the fix, as a table, JUnit XML and JSON.\n\nTry it with no account and no network: zoho-doctor demo",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Print every HTTP exchange (redacted) to stderr and every check's evidence in the table
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Show only the connections and checks that did not pass, and the summary line (the
    /// reports and the -v trace are unaffected)
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// When to colour the table: `auto` on a terminal unless NO_COLOR is set; `always` and
    /// `never` win over NO_COLOR
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a pipeline over stored connections
    #[command(after_help = EXIT_CODES)]
    Run(Box<RunArgs>),
    /// Parse and validate pipelines, built-in or files (no network, no store)
    Validate(ValidateArgs),
    /// List the built-in pipelines; `pipelines show NAME` prints one's YAML to customise
    Pipelines(PipelinesArgs),
    /// List the check kinds and what each verifies
    List,
    /// Explain a Zoho error code (diagnosis, likely cause, fix); without CODE, list them all
    Explain(ExplainArgs),
    /// Diagnose a set of healthy and broken Desk and CRM connections against the built-in simulator
    Demo(DemoArgs),
    /// Run the Zoho simulator standalone (accounts server and Desk on loopback)
    Sim(SimArgs),
    /// Turn a grant code into a stored connection, then verify it with the onboarding pipeline
    #[command(after_help = CONNECT_EXIT_CODES)]
    Connect(Box<ConnectArgs>),
    /// Combine the JSON reports of `run --shard I/N` (every shard, 0 to N-1) into one report
    #[command(after_help = MERGE_EXIT_CODES)]
    Merge(MergeArgs),
    /// Print a shell completion script (`zoho-doctor completions bash > ~/.local/share/bash-completion/completions/zoho-doctor`)
    Completions(CompletionsArgs),
    /// Print the man page as roff (`zoho-doctor man > zoho-doctor.1`; `man run > zoho-doctor-run.1`)
    Man(ManArgs),
}

const MERGE_EXIT_CODES: &str = "\
Exit codes:
  0  every merged check passed (warnings and skips allowed)
  1  a merged check failed or errored (or warned, with --fail-on warn), every check was
     skipped, or a shard was interrupted (the connections it never started are missing)
  2  a file that is not a shard's JSON report, a missing or duplicated shard, shards of
     different runs (shard counts or pipelines differ), or a report that cannot be written";

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' JSON reports (`run --shard I/N --json FILE`), every shard 0 to N-1 once, in
    /// any order
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Write the merged JUnit XML report to FILE (`-`: on stdout, and the table on stderr)
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Write the merged JSON report to FILE (`-`: on stdout, and the table on stderr)
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write the merged Markdown summary to FILE (`-` on stdout). With GITHUB_STEP_SUMMARY set
    /// it is appended there too; `none` writes no summary at all
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,

    /// The least merged result that fails (exit 1), as for `run`: `fail` (a FAIL or an ERROR)
    /// or `warn` (a WARN too)
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,
}

const CONNECT_EXIT_CODES: &str = "\
Exit codes:
  0  the connection was stored and every check of the verification passed
  1  Zoho refused the grant code (used or expired, wrong client or redirect URI) or gave no
     refresh token, so nothing was stored; or a verification check failed (the row stays)
  2  usage, store or configuration error, or no grant code came (denied, timed out, wrong
     state): nothing was stored

The grant code is read from ZOHO_GRANT_CODE or standard input, never from an argument; the
client from ZOHO_CLIENT_ID / ZOHO_CLIENT_SECRET (or ZOHO_CLIENT_SECRET_<DC>).";

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The app's user this connection belongs to (the row's key)
    #[arg(long = "user", value_name = "ID")]
    pub user: String,

    /// The user's data centre (us, eu, in, au, jp, cn, ca, sa, uk, sg, ae): the redirect's
    /// `location`. Needed unless --listen reads it from the redirect
    #[arg(long, value_name = "DC")]
    pub dc: Option<String>,

    /// The pipeline that verifies the stored connection (with write-back)
    #[arg(
        short = 'p',
        long = "pipeline",
        value_name = "NAME|FILE",
        default_value = "onboarding"
    )]
    pub pipeline: PathBuf,

    /// Update an existing row's token columns in place (the old refresh token stays live at
    /// Zoho until revoked)
    #[arg(long)]
    pub replace: bool,

    /// The code comes from the API console's Self Client: its own client id and secret are
    /// stored in the row, no redirect_uri is sent; needs --dc
    #[arg(long, conflicts_with = "listen")]
    pub self_client: bool,

    /// Print the authorisation URL for the data centre (offline access, consent prompt, a
    /// random state) and stop
    #[arg(long)]
    pub print_url: bool,

    /// Receive the redirect on loopback (http://127.0.0.1:8765/callback; register it exactly
    /// as the client's redirect URI): prints the URL to open and waits up to 5 minutes
    #[arg(long)]
    pub listen: bool,

    /// The loopback receiver's port
    #[arg(long, value_name = "N", default_value_t = 8765)]
    pub listen_port: u16,

    /// With the env: store: write the variables to set to FILE (mode 0600) instead
    #[arg(long, value_name = "FILE")]
    pub write_env: Option<PathBuf>,

    #[command(flatten)]
    pub store: StoreArgs,

    #[command(flatten)]
    pub endpoints: EndpointArgs,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand's page instead of the main one
    pub subcommand: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The pipeline: a built-in's name (desk, crm, onboarding; `zoho-doctor pipelines` lists
    /// them) or a file, named with a `/` or a `.yaml`/`.yml` suffix (./mine.yaml)
    #[arg(short = 'p', long = "pipeline", value_name = "NAME|FILE")]
    pub pipeline: PathBuf,

    #[command(flatten)]
    pub store: StoreArgs,

    /// Check this user's connection (repeatable); one of --user and --all is needed, except
    /// with the env: store, which holds one connection
    #[arg(long = "user", value_name = "ID")]
    pub users: Vec<String>,

    /// Check every connection in the store
    #[arg(long, conflicts_with = "users")]
    pub all: bool,

    /// Write back what was refreshed or discovered: the access token and its expiry, a blank
    /// Desk org id and portal. Only changed columns, one transaction per connection, and only
    /// where the row still holds what was read (an app refreshing meanwhile keeps its token)
    #[arg(long)]
    pub fix: bool,

    /// Refresh the access token even when the stored one is still valid (spends Zoho's token budget)
    #[arg(long)]
    pub force_refresh: bool,

    /// Check at most N connections at once
    #[arg(long, value_name = "N", default_value = "16", value_parser = crate::zoho::throttle::parse_count)]
    pub concurrency: std::num::NonZeroUsize,

    /// At most N connections of one Zoho organisation (the row's Desk org id, or CRM org id) at
    /// once: Zoho limits concurrent calls per organisation. A row without one is not capped
    #[arg(long, value_name = "N", default_value = "10", value_parser = crate::zoho::throttle::parse_count)]
    pub per_org: std::num::NonZeroUsize,

    /// At most N requests to Zoho a second over the whole run, evenly spaced (default: no cap)
    #[arg(long, value_name = "N/s", value_parser = crate::zoho::throttle::Rate::parse)]
    pub rate: Option<crate::zoho::throttle::Rate>,

    /// Check only shard I of N (numbered from 0: `0/4` … `3/4`) of the selected connections, a
    /// stable split by the key's FNV-1a 64 hash; `auto/N` takes I from JOB_COMPLETION_INDEX (a
    /// Kubernetes Indexed Job). `zoho-doctor merge` combines the shards' JSON reports
    #[arg(long, value_name = "I/N|auto/N")]
    pub shard: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub endpoints: EndpointArgs,
}

#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The connection store: sqlite://PATH, postgres://USER@HOST/DB, mysql://USER@HOST/DB
    /// (or mariadb://…) or env: [env: ZOHO_DOCTOR_STORE] [default: sqlite://zoho-doctor.db]
    // Read from the environment at run time, not by clap: clap's error usage lines list an
    // env-given argument as if it had been typed.
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,

    /// The table layout: `seed` (zoho_connections) or `zoho-sdk` (the SDKs' oauthtoken table)
    #[arg(long, default_value = "seed", value_name = "PRESET")]
    pub schema: String,

    /// Read connections from this table instead of the preset's (`schema.table` allowed)
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,

    /// Read FIELD from COLUMN (repeatable): key, access_token, refresh_token, expiry, api_domain,
    /// org_id, desk_org_id, desk_portal, dc, scopes, client_id, client_secret
    #[arg(long = "column", value_name = "FIELD=COLUMN")]
    pub columns: Vec<String>,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Also write a JUnit XML report to FILE (atomically; a device or FIFO is written
    /// straight); `-` prints it on stdout and the table on stderr
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Also write the JSON report to FILE (atomically; a device or FIFO is written straight);
    /// `-` prints it on stdout and the table on stderr
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Also write a Markdown summary to FILE (as --junit; `-` on stdout). With
    /// GITHUB_STEP_SUMMARY set it is appended there too; `none` writes no summary at all
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,

    /// What to print on stdout
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// The least result that fails the run (exit 1): `fail` (a FAIL or an ERROR) or `warn`
    /// (a WARN too). An ERROR always fails; a SKIP never does by itself
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum FailOn {
    Warn,
    #[default]
    Fail,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct EndpointArgs {
    /// Accounts server base URL; `{dc}` is replaced by the data centre code [env:
    /// ZOHO_ACCOUNTS_URL]
    // Like --store, each of these is read from its environment variable by `app`, not clap.
    #[arg(long, value_name = "URL")]
    pub accounts_url: Option<String>,

    /// Generic API base URL (wins over the token's api_domain); may contain `{dc}` [env:
    /// ZOHO_API_URL]
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,

    /// Zoho Desk base URL; may contain `{dc}` [env: ZOHO_DESK_URL]
    #[arg(long, value_name = "URL")]
    pub desk_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Pipelines to validate: built-in names (desk) or files (./mine.yaml)
    #[arg(required = true, value_name = "NAME|FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PipelinesArgs {
    #[command(subcommand)]
    pub action: Option<PipelinesAction>,
}

#[derive(Debug, Subcommand)]
pub enum PipelinesAction {
    /// Print a built-in pipeline's YAML verbatim (`pipelines show desk > mine.yaml`)
    Show {
        /// The built-in's name: desk, crm or onboarding
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A code as Zoho sends it: `invalid_code`, `INVALID_OAUTH`, `OAUTH_SCOPE_MISMATCH`, …
    pub code: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the JUnit report (`-`: on stdout, and the rest on stderr)
    #[arg(long, value_name = "FILE", default_value = "zoho-doctor-demo.xml")]
    pub junit: PathBuf,

    /// Also write the JSON report to FILE (`-`: on stdout, and the rest on stderr)
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Also write a Markdown summary to FILE (`-`: on stdout). With GITHUB_STEP_SUMMARY set it
    /// is appended there too; `none` writes no summary at all
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,

    /// Only these scenarios (repeatable); see `zoho-doctor sim --list`
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 8089)]
    pub port: u16,

    /// Write the scenarios' connection rows to this SQLite file (zoho_connections table)
    #[arg(long, value_name = "PATH")]
    pub seed_store: Option<PathBuf>,

    /// List the scenarios and exit
    #[arg(long)]
    pub list: bool,

    /// Make one user's answers hostile: USER=SERVICE:ANSWER, SERVICE one of token, user-info,
    /// desk, crm; ANSWER one of not-json, html-502, truncated, huge[:BYTES], escapes, slow-drip,
    /// reset-mid-body (the last two through the raw port printed at start). Repeatable
    #[arg(long, value_name = "USER=SERVICE:ANSWER")]
    pub hostile: Vec<String>,

    /// Wait this long before every answer, the accounts server's included (e.g. 50ms, as Zoho's
    /// round trip), so a fleet benchmark meets real latency
    #[arg(long, value_name = "DURATION", value_parser = crate::pipeline::parse_duration)]
    pub latency: Option<std::time::Duration>,

    /// Add N accounts played as SCENARIO plays its one, each with its own tokens and Desk
    /// organisation, seeded as rows SCENARIO-1 … SCENARIO-N (a fleet for `bench/run`). Repeatable
    #[arg(long, value_name = "SCENARIO=N", value_parser = crate::sim::parse_copies)]
    pub copies: Vec<(String, usize)>,
}
