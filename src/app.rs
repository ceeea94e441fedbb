//! Wires each subcommand: cli -> pipeline -> store -> runner -> reporters. The only place that
//! prints reports; errors go back to `main`, which prints them once.

use std::{io::IsTerminal, path::PathBuf, sync::Arc};

use chrono::Utc;
use secrecy::SecretString;

use crate::{
    Error,
    checks::{Kind, RunEnv},
    cli::{
        Cli, ColorChoice, Command, EndpointArgs, Format, RunArgs, SimArgs, StoreArgs, ValidateArgs,
    },
    demo, exit,
    pipeline::{self, Pipeline},
    redact::Redactor,
    report::{
        self,
        model::{ConnectionReport, RunReport},
        table::{TableOptions, new_table},
    },
    runner::fleet,
    sim::{SCENARIOS, Sim},
    store::{self, Mapping, Store},
    zoho::catalogue::ZohoCode,
    zoho::{
        endpoints::{Endpoints, Override},
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

    fn table(&self) -> TableOptions {
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

pub async fn main(cli: Cli, redactor: Redactor) -> Result<u8, Error> {
    let ui = Ui::from_cli(&cli);
    register_environment_secrets(&redactor);
    match cli.command {
        Command::Run(args) => run(*args, ui, &redactor).await,
        Command::Validate(args) => validate(&args, &redactor),
        Command::List => {
            print!("{}", list(ui));
            Ok(exit::SUCCESS)
        }
        Command::Explain(args) => explain(args.code.as_deref(), ui),
        Command::Demo(args) => demo::run(args, ui, &redactor).await,
        Command::Sim(args) => sim(args).await,
    }
}

async fn run(args: RunArgs, ui: Ui, redactor: &Redactor) -> Result<u8, Error> {
    let pipeline = pipeline::load_file(&args.pipeline)?;
    for path in args.output.junit.iter().chain(&args.output.json) {
        report::check_writable(path)?;
    }
    let endpoints = endpoints_from(&args.endpoints)?;
    let mapping = mapping_from(&args.store)?;
    register_url_password(&args.store.store, redactor);
    warn_if_password_in_arguments(&args.store.store);
    let store = Store::open(&args.store.store, mapping, args.fix).await?;
    let job = Job {
        pipeline,
        store,
        users: (!args.all).then_some(args.users),
        endpoints,
        force_refresh: args.force_refresh,
        fix: args.fix,
        default_client: client_from_env(redactor),
    };
    let report = execute(job, ui, redactor).await?;
    let outputs = Outputs {
        format: args.output.format,
        junit: args.output.junit,
        json: args.output.json,
    };
    emit(&report, &outputs, ui)?;
    Ok(exit_code(&report))
}

pub fn exit_code(report: &RunReport) -> u8 {
    if report.has_failures() {
        exit::CHECK_FAILED
    } else {
        exit::SUCCESS
    }
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
                return Err(Error::Usage(format!(
                    "--all: the store {} has no connections",
                    job.store.describe()
                )));
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
    .map_err(|err| Error::Usage(err.to_string()))?;
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
    Ok(report.redacted(redactor))
}

/// Prints the report on stdout and writes the report files.
pub fn emit(report: &RunReport, outputs: &Outputs, ui: Ui) -> Result<(), Error> {
    if let Some(path) = &outputs.junit {
        let xml = report::junit::render(report)
            .map_err(|err| Error::Usage(format!("cannot render the JUnit report: {err}")))?;
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

/// The preset named by `--schema`, adjusted by `--table` and `--column`.
fn mapping_from(args: &StoreArgs) -> Result<Mapping, Error> {
    let mut mapping = Mapping::preset(&args.schema).ok_or_else(|| {
        Error::Usage(format!(
            "unknown --schema `{}`; the presets are: {}",
            args.schema,
            Mapping::PRESETS.join(", ")
        ))
    })?;
    if let Some(table) = &args.table {
        mapping = mapping.with_table(table);
    }
    for text in &args.columns {
        let (field, column) = Mapping::parse_override(text).map_err(Error::Usage)?;
        mapping = mapping.with_column(field, &column);
    }
    Ok(mapping)
}

/// A password in `--store` is visible to everyone on the machine through `ps`.
fn warn_if_password_in_arguments(url: &str) {
    let from_env = std::env::var("ZOHO_DOCTOR_STORE").is_ok_and(|env| env == url);
    let has_password = store::url_password(url).is_some();
    if has_password && !from_env {
        eprintln!(
            "zoho-doctor: warning: the --store URL holds a password, which `ps` shows to every user; pass it in ZOHO_DOCTOR_STORE instead"
        );
    }
}

pub fn endpoints_from(args: &EndpointArgs) -> Result<Endpoints, Error> {
    Ok(Endpoints::with_overrides(
        Override {
            source_name: "ZOHO_ACCOUNTS_URL / --accounts-url",
            value: args.accounts_url.clone(),
        },
        Override {
            source_name: "ZOHO_API_URL / --api-url",
            value: args.api_url.clone(),
        },
        Override {
            source_name: "ZOHO_DESK_URL / --desk-url",
            value: args.desk_url.clone(),
        },
    )?)
}

/// The secrets the environment may hold are known to the redactor before anything is read or
/// printed — a pipeline's `${…}` could expand one into an error message.
fn register_environment_secrets(redactor: &Redactor) {
    for var in [
        "ZOHO_CLIENT_SECRET",
        "ZOHO_REFRESH_TOKEN",
        "ZOHO_ACCESS_TOKEN",
    ] {
        if let Ok(value) = std::env::var(var) {
            redactor.register(&value);
        }
    }
    if let Ok(url) = std::env::var("ZOHO_DOCTOR_STORE") {
        register_url_password(&url, redactor);
    }
}

/// The app-wide OAuth client from `ZOHO_CLIENT_ID` / `ZOHO_CLIENT_SECRET` (env only: never
/// an argument, which `ps` would show).
fn client_from_env(redactor: &Redactor) -> Option<ClientCredentials> {
    let client_id = std::env::var("ZOHO_CLIENT_ID")
        .ok()
        .filter(|v| !v.trim().is_empty())?;
    let secret = std::env::var("ZOHO_CLIENT_SECRET")
        .ok()
        .filter(|v| !v.trim().is_empty())?;
    redactor.register(&secret);
    Some(ClientCredentials {
        client_id,
        client_secret: SecretString::from(secret),
    })
}

/// Registers a store URL's password, as written and percent-decoded, before anything prints.
fn register_url_password(url: &str, redactor: &Redactor) {
    let Some(password) = store::url_password(url) else {
        return;
    };
    redactor.register(&password);
    let decoded: String =
        url::form_urlencoded::parse(format!("p={}", password.replace('+', "%2B")).as_bytes())
            .map(|(_, value)| value.into_owned())
            .collect();
    redactor.register(&decoded);
}

fn validate(args: &ValidateArgs, redactor: &Redactor) -> Result<u8, Error> {
    let mut failed = 0;
    for file in &args.files {
        match pipeline::load_file(file) {
            Ok(pipeline) => println!(
                "ok  {}: `{}` ({} app, {} checks)",
                file.display(),
                pipeline.name,
                pipeline.app.name(),
                pipeline.checks.len()
            ),
            Err(errors) => {
                failed += 1;
                eprintln!("{}", redactor.redact(&errors.to_string()));
            }
        }
    }
    if failed > 0 {
        eprintln!(
            "{failed} of {} pipeline file(s) are invalid",
            args.files.len()
        );
        Ok(exit::USAGE)
    } else {
        Ok(exit::SUCCESS)
    }
}

fn list(ui: Ui) -> String {
    let mut table = new_table(&["Kind", "App", "Options", "Verifies"], ui.width);
    for kind in Kind::ALL {
        table.add_row(vec![
            kind.name().to_owned(),
            kind.app().map_or("any", |app| app.name()).to_owned(),
            kind.options().join(", "),
            kind.summary().to_owned(),
        ]);
    }
    format!("{table}\nEvery check also takes: id, kind, description, needs, after, timeout.\n")
}

fn explain(code: Option<&str>, ui: Ui) -> Result<u8, Error> {
    let Some(code) = code else {
        let mut table = new_table(&["Code", "Service", "HTTP", "Diagnosis"], ui.width);
        for code in ZohoCode::ALL {
            let entry = code.entry();
            table.add_row(vec![
                entry.wire.to_owned(),
                entry.service.to_string(),
                entry.http.to_owned(),
                entry.diagnosis.to_owned(),
            ]);
        }
        println!("{table}\n`zoho-doctor explain CODE` shows the likely cause and the fix.");
        return Ok(exit::SUCCESS);
    };
    let found = ZohoCode::find(code);
    if found.is_empty() {
        let known: Vec<&str> = ZohoCode::ALL.iter().map(|c| c.wire()).collect();
        let fix = match pipeline::closest(code, known) {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None => "`zoho-doctor explain` lists the codes it knows; for others, Zoho's own message in the report is the lead".to_owned(),
        };
        return Err(Error::Usage(format!(
            "unknown Zoho error code `{code}`; {fix}"
        )));
    }
    for code in found {
        let entry = code.entry();
        println!(
            "{} ({} answers it with HTTP {})",
            entry.wire, entry.service, entry.http
        );
        println!("  diagnosis:    {}", entry.diagnosis);
        println!("  likely cause: {}", entry.cause);
        println!("  fix:          {}", entry.fix);
    }
    Ok(exit::SUCCESS)
}

async fn sim(args: SimArgs) -> Result<u8, Error> {
    if args.list {
        for scenario in SCENARIOS {
            println!("{:<20} {}", scenario.name, scenario.title);
        }
        return Ok(exit::SUCCESS);
    }
    let sim = Sim::start_on(std::net::SocketAddr::from(([127, 0, 0, 1], args.port)))
        .await
        .map_err(|err| Error::Sim(format!("cannot listen on 127.0.0.1:{}: {err}", args.port)))?;
    println!(
        "zoho-doctor simulator on {} (Ctrl-C stops it)",
        sim.base_url()
    );
    println!("export ZOHO_ACCOUNTS_URL='{}'", sim.accounts_url());
    println!("export ZOHO_API_URL='{}'", sim.api_url());
    println!("export ZOHO_DESK_URL='{}'", sim.desk_url());
    if let Some(path) = &args.seed_store {
        demo::write_seed_store(path, sim.seeds()).await?;
        println!(
            "seeded {} connections (one per scenario, with their OAuth client) into sqlite://{}",
            sim.seeds().len(),
            path.display()
        );
        println!(
            "try: zoho-doctor run -p checks/desk.yaml --store sqlite://{} --all",
            path.display()
        );
    }
    std::future::pending::<()>().await;
    Ok(exit::SUCCESS)
}
