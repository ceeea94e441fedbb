//! One run of a pipeline over a store, shared by `run` and `demo`: the `Job` (pipeline, store,
//! users, endpoints, flags), its execution into a redacted `RunReport`, and printing and writing
//! that report. Neither command knows the other; both build a `Job`. Also the one way every
//! command prints: stdout that stops quietly when its reader has gone (`| head -1`).

use std::{
    io::{IsTerminal, Write as _},
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use chrono::Utc;

use crate::{
    Error,
    checks::RunEnv,
    cli::{Cli, ColorChoice, Command, Format},
    exit::Ending,
    pipeline::Pipeline,
    redact::Redactor,
    report::{
        self, ReportError,
        model::{ConnectionReport, RunReport},
        table::TableOptions,
        target::Target,
    },
    runner::{fleet, interrupt::Interrupt},
    store::Store,
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
    pub colour: bool,
    pub width: Option<u16>,
}

impl Ui {
    pub fn from_cli(cli: &Cli) -> Ui {
        // The table goes to stderr when a report goes to stdout: colour and width follow it.
        let tty = match Screen::of(cli) {
            Screen::Stdout => std::io::stdout().is_terminal(),
            Screen::Stderr => std::io::stderr().is_terminal(),
        };
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        let colour = !no_color
            && match cli.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => tty,
            };
        Ui {
            verbose: cli.verbose,
            colour,
            // Off a terminal (CI logs, pipes) wrap at a width logs display well.
            width: (!tty).then_some(140),
        }
    }

    pub fn table(&self) -> TableOptions {
        TableOptions {
            colour: self.colour,
            verbose: self.verbose,
            width: self.width,
        }
    }
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
                dash(args.output.junit.as_ref()) || dash(args.output.json.as_ref())
            }
            Command::Demo(args) => dash(Some(&args.junit)) || dash(args.json.as_ref()),
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
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(err) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
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
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// `-`: the report goes to stdout.
pub fn is_stdout(path: &Path) -> bool {
    path == Path::new("-")
}

/// Where the reports go, checked before anything is requested or written.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub format: Format,
    pub junit: Option<Target>,
    pub json: Option<Target>,
}

impl Outputs {
    /// Checks every report target (`report::target`) and that stdout carries one report at
    /// most: before the first request and the first write to the store.
    pub fn check(
        format: Format,
        junit: Option<&Path>,
        json: Option<&Path>,
    ) -> Result<Outputs, Error> {
        let junit_dash = junit.is_some_and(is_stdout);
        let json_dash = json.is_some_and(is_stdout);
        if junit_dash && json_dash {
            return Err(Error::Usage(
                "--junit - and --json - both ask for stdout, which carries one report; write one of them to a file".to_owned(),
            ));
        }
        if format == Format::Json && (junit_dash || json_dash) {
            let flag = if json_dash { "--json" } else { "--junit" };
            return Err(Error::Usage(format!(
                "--format json already prints the JSON report on stdout, which carries one report; drop `{flag} -` or write it to a file"
            )));
        }
        Ok(Outputs {
            format,
            junit: junit.map(Target::check).transpose()?,
            json: json.map(Target::check).transpose()?,
        })
    }

    /// Whether a report takes stdout (the table then goes to stderr).
    pub fn screen(&self) -> Screen {
        let dash = |target: &Option<Target>| *target == Some(Target::Stdout);
        if dash(&self.junit) || dash(&self.json) {
            Screen::Stderr
        } else {
            Screen::Stdout
        }
    }
}

/// Writes a report to its target, stdout included.
pub fn write_report(target: &Target, contents: &str) -> Result<(), ReportError> {
    match target {
        Target::Stdout => {
            stdout(contents);
            if !contents.ends_with('\n') {
                stdout("\n");
            }
            Ok(())
        }
        other => other.write(contents.as_bytes()),
    }
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
}

/// Runs a job and returns its redacted report.
pub async fn execute(job: Job, ui: Ui, redactor: &Redactor) -> Result<RunReport, Error> {
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
    // No connection selected: nothing can be checked (exit 2). A future `--shard` whose slice
    // of a non-empty selection is empty is not this: it ends as passed (exit 0) with a note.
    if users.is_empty() {
        return Err(Error::NoConnections {
            store: job.store.describe(),
        });
    }
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
        settings: job.pipeline.settings.clone(),
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
    let runs = fleet::run_fleet_until(
        Arc::clone(&pipeline),
        env,
        Arc::clone(&store),
        users,
        &job.interrupt,
    )
    .await?;
    let connections: Vec<ConnectionReport> = runs.iter().map(|run| run.to_report()).collect();
    let connection_redactors: Vec<Redactor> = runs.into_iter().map(|run| run.redactor).collect();
    let report = RunReport {
        tool: format!("zoho-doctor {}", env!("CARGO_PKG_VERSION")),
        pipeline: pipeline.name.clone(),
        pipeline_file: pipeline.source.clone(),
        app: pipeline.app.name().to_owned(),
        store: store.describe(),
        started_at: started.to_rfc3339(),
        duration_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
        summary: RunReport::summarise(&connections),
        connections,
        interrupted: job.interrupt.signal().is_some(),
    };
    Ok(report.redacted(redactor, &connection_redactors))
}

/// Prints the report (the table on stdout, or on stderr when a report takes stdout), then
/// writes every report target; the first that cannot be written is the error, after the
/// others were tried.
pub fn emit(report: &RunReport, outputs: &Outputs, ui: Ui) -> Result<(), ReportError> {
    match outputs.format {
        Format::Table => outputs
            .screen()
            .print(&report::table::render(report, &ui.table())),
        Format::Json => stdout(&format!("{}\n", report::json::render(report))),
    }
    let mut failed = None;
    if let Some(target) = &outputs.junit {
        let written = report::junit::render(report)
            .map_err(ReportError::Render)
            .and_then(|xml| write_report(target, &xml));
        failed = written.err();
    }
    if let Some(target) = &outputs.json
        && let Err(error) = write_report(target, &report::json::render(report))
    {
        failed.get_or_insert(error);
    }
    failed.map_or(Ok(()), Err)
}

/// A report that could not be written: after `--fix` ran, it says what `--fix` did to the
/// store (and ends as exit 1, not "nothing was checked").
pub fn report_failed(error: ReportError, report: &RunReport) -> ReportError {
    let done: Vec<String> = report
        .connections
        .iter()
        .filter(|connection| !connection.write_failed)
        .flat_map(|connection| {
            connection
                .changes
                .iter()
                .map(|change| format!("  user {}: {change}", connection.user))
        })
        .collect();
    if done.is_empty() {
        error
    } else {
        ReportError::AfterFix {
            done,
            source: Box::new(error),
        }
    }
}

/// How a run ended: a check failed or errored, or nothing was checked (every check skipped),
/// or it passed.
pub fn ending(report: &RunReport, interrupt: &Interrupt) -> Ending {
    if let Some(signal) = interrupt.signal().filter(|_| report.interrupted) {
        return Ending::Interrupted(signal);
    }
    let summary = &report.summary;
    Ending::of_run(report.has_failures(), summary.skipped == summary.checks)
}
