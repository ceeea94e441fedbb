//! One run of a pipeline over a store, shared by `run` and `demo`: the `Job` (pipeline, store,
//! users, endpoints, flags), its execution into a redacted `RunReport`, and printing and writing
//! that report. Neither command knows the other; both build a `Job`.

use std::{io::IsTerminal, path::PathBuf, sync::Arc};

use chrono::Utc;

use crate::{
    Error,
    checks::RunEnv,
    cli::{Cli, ColorChoice, Format},
    pipeline::Pipeline,
    redact::Redactor,
    report::{
        self, ReportError,
        model::{ConnectionReport, RunReport},
        table::TableOptions,
    },
    runner::fleet,
    store::Store,
    zoho::{
        endpoints::Endpoints,
        http::{HttpOptions, ZohoHttp},
        oauth::ClientCredentials,
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
        let tty = std::io::stdout().is_terminal();
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

/// Where a report goes.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub format: Format,
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
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
    pub default_client: Option<ClientCredentials>,
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
        None => {
            let users = job.store.users().await?;
            if users.is_empty() {
                return Err(Error::NoConnections {
                    store: job.store.describe(),
                });
            }
            users
        }
    };
    let http = ZohoHttp::new(
        HttpOptions {
            timeout: job.pipeline.settings.timeout,
            retries: job.pipeline.settings.retries,
            trace: ui.verbose,
        },
        redactor.clone(),
    )
    .map_err(Error::HttpClient)?;
    let env = Arc::new(RunEnv {
        http,
        endpoints: job.endpoints,
        settings: job.pipeline.settings.clone(),
        force_refresh: job.force_refresh,
        fix: job.fix,
        default_client: job.default_client,
        redactor: redactor.clone(),
        app: job.pipeline.app,
    });
    let store = Arc::new(job.store);
    let pipeline = Arc::new(job.pipeline);
    let runs = fleet::run_fleet(Arc::clone(&pipeline), env, Arc::clone(&store), users).await?;
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
    };
    Ok(report.redacted(redactor, &connection_redactors))
}

/// Prints the report on stdout and writes the report files.
pub fn emit(report: &RunReport, outputs: &Outputs, ui: Ui) -> Result<(), Error> {
    if let Some(path) = &outputs.junit {
        let xml = report::junit::render(report).map_err(ReportError::Render)?;
        report::write_atomically(path, xml.as_bytes())?;
    }
    if let Some(path) = &outputs.json {
        report::write_atomically(path, report::json::render(report).as_bytes())?;
    }
    match outputs.format {
        Format::Table => print!("{}", report::table::render(report, &ui.table())),
        Format::Json => println!("{}", report::json::render(report)),
    }
    Ok(())
}
