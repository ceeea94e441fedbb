//! One run of a pipeline over a store, shared by `run`, `demo` and `connect`: the `Job`
//! (pipeline, store, users, endpoints, flags), its execution into a `Finished` run (the report's
//! head, and each connection's redacted JSON text in a `Spool`), and printing and writing the
//! reports. No command knows the others; each builds a `Job`. Also the one way every
//! command prints: stdout that stops quietly when its reader has gone (`| head -1`).

use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use chrono::Utc;

use crate::{
    Error,
    checks::{RunEnv, Settings, StoreShape},
    cli::{Cli, ColorChoice, Command, FailOn, Format},
    exit::Ending,
    live::Live,
    outputs::Outputs,
    pipeline::Pipeline,
    progress,
    redact::Redactor,
    report::{
        self, ReportError,
        model::{RunReport, Summary},
        spool::{Connections as _, Run, Spool},
        table::TableOptions,
        target::Target,
    },
    runner::{fleet, interrupt::Interrupt},
    shard::Shard,
    store::Store,
    writer,
    zoho::{
        endpoints::Endpoints,
        http::{HttpOptions, ZohoHttp},
        oauth::Clients,
        throttle::Limits,
    },
};

/// How output looks, from the global flags and the terminal.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub verbose: bool,
    /// `-q`: the table shows only what did not pass, and the summary line.
    pub quiet: bool,
    pub colour: bool,
    /// Where tables and long lines wrap; `None`: nowhere.
    pub width: Option<u16>,
}

impl Ui {
    pub fn from_cli(cli: &Cli) -> Ui {
        // The table goes to stderr when a report goes to stdout: colour and width follow it.
        let screen = Screen::of(cli);
        let tty = match screen {
            Screen::Stdout => std::io::stdout().is_terminal(),
            Screen::Stderr => std::io::stderr().is_terminal(),
        };
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        let terminal = if tty {
            report::table::terminal_width(screen == Screen::Stderr)
        } else {
            None
        };
        Ui {
            verbose: cli.verbose,
            quiet: cli.quiet,
            colour: colour(cli.color, tty, no_color),
            width: width(tty, terminal, std::env::var("COLUMNS").ok().as_deref()),
        }
    }

    pub fn table(&self) -> TableOptions {
        TableOptions {
            colour: self.colour,
            verbose: self.verbose,
            quiet: self.quiet,
            width: self.width,
        }
    }
}

/// Whether to colour: an explicit `--color always|never` wins over NO_COLOR (no-color.org:
/// the variable sets the default, a flag the user typed overrides it); `auto` colours a
/// terminal unless NO_COLOR is set.
fn colour(choice: ColorChoice, tty: bool, no_color: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && !no_color,
    }
}

/// Where output wraps: a terminal's own width (COLUMNS when it cannot be read); off a terminal
/// (a pipe, a CI log) COLUMNS when it is set, else nowhere — a log viewer or `grep` gets each
/// line whole.
fn width(tty: bool, terminal: Option<u16>, columns: Option<&str>) -> Option<u16> {
    let columns = columns
        .and_then(|value| value.trim().parse::<u16>().ok())
        .filter(|&columns| columns > 0);
    if tty { terminal.or(columns) } else { columns }
}

/// Where the text for people goes: stdout, or stderr when a report takes stdout (`-`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Stdout,
    Stderr,
}

impl Screen {
    /// Where a command's text for people goes, from its report flags.
    pub fn of(cli: &Cli) -> Screen {
        let dash = |path: Option<&PathBuf>| path.is_some_and(|path| is_stdout(path));
        let report_on_stdout = match &cli.command {
            Command::Run(args) => {
                dash(args.output.junit.as_ref())
                    || dash(args.output.json.as_ref())
                    || dash(args.output.summary.as_ref())
            }
            Command::Demo(args) => {
                dash(Some(&args.junit)) || dash(args.json.as_ref()) || dash(args.summary.as_ref())
            }
            Command::Merge(args) => {
                dash(args.junit.as_ref()) || dash(args.json.as_ref()) || dash(args.summary.as_ref())
            }
            _ => false,
        };
        if report_on_stdout {
            Screen::Stderr
        } else {
            Screen::Stdout
        }
    }

    pub fn print(self, text: &str) {
        match self {
            Screen::Stdout => stdout(text),
            Screen::Stderr => stderr(text),
        }
    }
}

/// Set once stdout cannot be written (its reader has gone): nothing more is tried there.
static STDOUT_GONE: AtomicBool = AtomicBool::new(false);

/// Prints on stdout. When its reader has gone (`zoho-doctor explain | head -1`) printing stops
/// quietly, as ripgrep's does, and the command runs on to the exit code it would have had
/// (its report files are still written).
pub fn stdout(text: &str) {
    stdout_bytes(text.as_bytes());
}

/// `stdout` for bytes (a report as it is rendered).
pub(crate) fn stdout_bytes(bytes: &[u8]) {
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return;
    }
    if let Err(err) = progress::write(progress::Stream::Stdout, bytes) {
        STDOUT_GONE.store(true, Ordering::Relaxed);
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            stderr(&format!(
                "zoho-doctor: cannot write to stdout ({err}); nothing more is printed there\n"
            ));
        }
    }
}

/// Prints on stderr; a stderr that cannot be written is not an error.
pub fn stderr(text: &str) {
    let _ = progress::write(progress::Stream::Stderr, text.as_bytes());
}

/// `-`: the report goes to stdout.
pub fn is_stdout(path: &Path) -> bool {
    path == Path::new("-")
}

/// Everything one run needs.
pub struct Job {
    pub pipeline: Pipeline,
    pub store: Store,
    /// `None`: every connection in the store.
    pub users: Option<Vec<String>>,
    pub endpoints: Endpoints,
    pub force_refresh: bool,
    /// `--fix`: write back what was refreshed and discovered.
    pub fix: bool,
    /// The default client and each data centre's own secret (`ZOHO_CLIENT_SECRET_<DC>`).
    pub clients: Clients,
    /// Once it has a signal, no new connection starts (`Interrupt::none()`: never).
    pub interrupt: Interrupt,
    /// `--concurrency`, `--per-org` and `--rate`.
    pub limits: Limits,
    /// `--shard I/N`: check only this slice of the selection (`None`: all of it).
    pub shard: Option<Shard>,
}

/// Runs a job, showing nothing while it runs (`demo`, `connect`, tests).
pub async fn execute(job: Job, ui: Ui, redactor: &Redactor) -> Result<Finished, Error> {
    execute_showing(job, ui, redactor, Live::off()).await
}

/// Runs a job for `run`: each connection's table block is printed as it finishes (`emit` then
/// prints the summary line and writes the reports), and a terminal's stderr shows the progress.
pub async fn execute_live(
    job: Job,
    ui: Ui,
    redactor: &Redactor,
    outputs: &Outputs,
) -> Result<Finished, Error> {
    execute_showing(job, ui, redactor, Live::of(outputs, ui)).await
}

/// A run that has ended: its own fields and counts, and its connections, spooled as each
/// finished (memory does not grow with a fleet).
pub struct Finished {
    /// The run's fields and summary; its `connections` are in `spool`.
    pub head: RunReport,
    pub spool: Spool,
    /// A check failed or errored, or a `--fix` write failed.
    failures: bool,
    /// `  user X: change`: what `--fix` wrote, in the users' order. Kept in memory (a few lines
    /// per connection, and only under `--fix`) so that a report failing later, the spool's own
    /// temporary file included, still says what was done to the store.
    fixed: Vec<String>,
}

impl Finished {
    /// The run for a reporter.
    pub fn run(&self) -> Run<'_> {
        Run {
            head: &self.head,
            connections: &self.spool,
        }
    }

    /// The whole report, its connections read back (a few: `demo`, `connect`, tests).
    pub fn report(&self) -> Result<RunReport, ReportError> {
        let mut connections = Vec::with_capacity(self.spool.len());
        self.spool
            .each_json(&mut |text| {
                connections.push(report::json::parse_fragment(text)?);
                Ok(())
            })
            .map_err(ReportError::Spool)?;
        Ok(RunReport {
            connections,
            ..self.head.head()
        })
    }
}

/// Runs a job. Each connection's result is redacted once, as it finishes, in its own task,
/// into its report form and that form's JSON text; it is shown (`live`), counted, and kept
/// only as that text, in the spool: the reports list the connections in the users' order.
async fn execute_showing(
    job: Job,
    ui: Ui,
    redactor: &Redactor,
    mut live: Live,
) -> Result<Finished, Error> {
    let started = Utc::now();
    let clock = std::time::Instant::now();
    let users = match job.users {
        // The same user twice would be checked (and minted for) twice, and JUnit readers drop
        // duplicate classname+name pairs.
        Some(mut users) => {
            let mut seen = std::collections::HashSet::new();
            users.retain(|user| seen.insert(user.clone()));
            users
        }
        None => job.store.users().await?,
    };
    // No connection selected: nothing can be checked (exit 2). A shard whose slice of a
    // non-empty selection is empty is not this: it ends as passed (exit 0) with a note.
    if users.is_empty() {
        return Err(Error::NoConnections {
            store: job.store.describe(),
        });
    }
    // After the selection, so every machine partitions the same list; rows that share a key
    // are selected by that key and so stay in one shard.
    let users = match job.shard {
        Some(shard) => shard.select(users),
        None => users,
    };
    let http = ZohoHttp::new(
        HttpOptions {
            timeout: job.pipeline.settings.timeout,
            retries: job.pipeline.settings.retries,
            trace: ui.verbose,
        },
        redactor.clone(),
    )
    .map_err(Error::HttpClient)?
    .with_rate(job.limits.rate);
    let env = Arc::new(RunEnv {
        http,
        endpoints: job.endpoints,
        settings: Settings {
            store: StoreShape::of(&job.store),
            ..job.pipeline.settings.clone()
        },
        force_refresh: job.force_refresh,
        fix: job.fix,
        clients: job.clients,
        redactor: redactor.clone(),
        app: job.pipeline.app,
        shared: Default::default(),
        limits: job.limits,
    });
    let store = Arc::new(job.store);
    let pipeline = Arc::new(job.pipeline);
    // Redacted now, before the connections register their secrets: the run's redactor would
    // otherwise compile a matcher over every connection's to mask one line.
    let store_shown = redactor.redact(&store.describe());
    let mut spool = Spool::new();
    let mut summary = Summary::default();
    let mut failures = false;
    let mut fixed: Vec<(usize, String)> = Vec::new();
    fleet::stream_fleet(
        Arc::clone(&pipeline),
        env,
        Arc::clone(&store),
        users,
        &job.interrupt,
        // Redacted and rendered once, in the connection's task (on the runtime's threads).
        |run| {
            let connection = run.to_report().redacted(&run.redactor);
            let json = report::json::fragment(&connection);
            (connection, json)
        },
        |event| match event {
            fleet::Event::Loaded { connections } => live.progress.start(connections),
            fleet::Event::Tick => live.progress.tick(),
            fleet::Event::Finished {
                index,
                done: (connection, json),
            } => {
                live.finished(&pipeline.name, index, &connection);
                summary.add(&connection);
                failures |= connection.has_failures();
                if !connection.write_failed {
                    let user = &connection.user;
                    fixed.extend(
                        connection
                            .changes
                            .iter()
                            .map(|change| (index, format!("  user {user}: {change}"))),
                    );
                }
                spool.put(index, &connection, &json);
            }
        },
    )
    .await?;
    live.progress.end();
    live.show_rest();
    let head = RunReport {
        tool: format!("zoho-doctor {}", env!("CARGO_PKG_VERSION")),
        pipeline: pipeline.name.clone(),
        pipeline_file: pipeline.source.clone(),
        app: pipeline.app.name().to_owned(),
        store: store_shown,
        started_at: started.to_rfc3339(),
        duration_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
        shard: job.shard,
        summary,
        connections: Vec::new(),
        interrupted: job.interrupt.signal().is_some(),
    };
    // Stable: a connection's changes keep their order.
    fixed.sort_by_key(|(index, _)| *index);
    Ok(Finished {
        head,
        spool,
        failures,
        fixed: fixed.into_iter().map(|(_, line)| line).collect(),
    })
}

/// Prints the report (the table on stdout, or on stderr when a report takes stdout), then
/// writes every report target, the Markdown summaries included; the first that cannot be
/// written is the error, after the others were tried.
pub fn emit(report: &RunReport, outputs: &Outputs, ui: Ui) -> Result<(), ReportError> {
    emit_showing(report.whole(), outputs, || {
        report::table::render(report, &ui.table())
    })
}

/// `emit` after `execute_live`, which printed each connection's table block: only the table's
/// summary line is left to print.
pub fn emit_after_live(finished: &Finished, outputs: &Outputs, ui: Ui) -> Result<(), ReportError> {
    emit_showing(finished.run(), outputs, || {
        report::table::render_summary(&finished.head, &ui.table())
    })
}

fn emit_showing(
    run: Run<'_>,
    outputs: &Outputs,
    table: impl FnOnce() -> String,
) -> Result<(), ReportError> {
    let mut failed = None;
    match outputs.format {
        Format::Table => outputs.screen().print(&table()),
        Format::Json => failed = writer::write_json(&Target::Stdout, run).err(),
    }
    if let Some(target) = &outputs.junit
        && let Err(error) = writer::write_with(target, |out| report::junit::write_all(&[run], out))
    {
        failed.get_or_insert(error);
    }
    if let Some(target) = &outputs.json
        && let Err(error) = writer::write_json(target, run)
    {
        failed.get_or_insert(error);
    }
    if let Err(error) = outputs.write_summary(&[run]) {
        failed.get_or_insert(error);
    }
    failed.map_or(Ok(()), Err)
}

/// A report that could not be written: after `--fix` ran, it says what `--fix` did to the
/// store (and ends as exit 1, not "nothing was checked").
pub fn report_failed(error: ReportError, finished: &Finished) -> ReportError {
    if finished.fixed.is_empty() {
        error
    } else {
        ReportError::AfterFix {
            done: finished.fixed.clone(),
            source: Box::new(error),
        }
    }
}

/// How a run ended: a check failed or errored, or warned under `--fail-on warn`, or nothing
/// was checked (every check skipped), or it passed (`exit::Ending::of_run` decides).
pub fn ending(finished: &Finished, fail_on: FailOn, interrupt: &Interrupt) -> Ending {
    let head = &finished.head;
    if let Some(signal) = interrupt.signal().filter(|_| head.interrupted) {
        return Ending::Interrupted(signal);
    }
    if head.shard.is_some() && head.summary.connections == 0 && !head.interrupted {
        return Ending::EmptyShard;
    }
    let summary = &head.summary;
    Ending::of_run(
        finished.failures,
        summary.warned > 0,
        summary.skipped == summary.checks,
        fail_on,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_color_flag_wins_over_no_color_and_auto_honours_it() {
        for tty in [true, false] {
            for no_color in [true, false] {
                assert!(colour(ColorChoice::Always, tty, no_color));
                assert!(!colour(ColorChoice::Never, tty, no_color));
            }
        }
        assert!(colour(ColorChoice::Auto, true, false));
        assert!(
            !colour(ColorChoice::Auto, true, true),
            "auto honours NO_COLOR"
        );
        assert!(
            !colour(ColorChoice::Auto, false, false),
            "auto: no colour off a terminal"
        );
    }

    #[test]
    fn a_terminal_wraps_at_its_width_and_a_pipe_only_at_columns() {
        assert_eq!(width(true, Some(90), Some("60")), Some(90));
        assert_eq!(width(true, None, Some("60")), Some(60));
        assert_eq!(width(false, None, Some("60")), Some(60));
        assert_eq!(
            width(false, None, None),
            None,
            "a pipe without COLUMNS never wraps"
        );
        for unusable in ["", "0", "wide", "-3", "99999999"] {
            assert_eq!(
                width(false, None, Some(unusable)),
                None,
                "COLUMNS={unusable:?}"
            );
        }
    }
}
