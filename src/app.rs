//! Wires each subcommand: cli -> pipeline -> store -> job (runner, reporters). Errors go back to
//! `main`, which prints them once; how a command ended goes to `exit` for its code. Everything
//! printed on stdout goes through `job::stdout` (a reader that has gone stops it quietly).

use clap::CommandFactory as _;

use crate::{
    Error,
    checks::Kind,
    cli::{
        Cli, Command, EndpointArgs, Format, MergeArgs, PipelinesAction, RunArgs, SimArgs,
        StoreArgs, ValidateArgs,
    },
    connect, demo,
    exit::{self, Ending},
    job::{self, Job, Ui, stdout},
    outputs::Outputs,
    pipeline,
    redact::Redactor,
    report::{
        ReportError, merge as merging,
        table::{new_table, wrap},
    },
    runner::interrupt::Interrupt,
    secrets,
    shard::Shard,
    sim::{Fault, Hostile, SCENARIOS, Service, Sim},
    store::{self, Mapping, Store},
    text,
    zoho::{
        catalogue::ZohoCode,
        endpoints::{Endpoints, Override},
        oauth::Clients,
        throttle::Limits,
    },
};

/// The most characters of a value the user gave that a message echoes.
const ECHO_CHARS: usize = 100;

pub async fn main(cli: Cli, redactor: Redactor) -> Result<Ending, Error> {
    let ui = Ui::from_cli(&cli);
    // Known to the redactor before anything is read or printed: a pipeline's `${…}` could
    // expand a secret into an error message.
    let store_url = match &cli.command {
        Command::Run(args) => Some(store_url(&args.store).0),
        Command::Connect(args) => Some(store_url(&args.store).0),
        _ => None,
    };
    redactor.register_all(&secrets::of_run(
        &|name| std::env::var(name).ok(),
        store_url.as_deref(),
    ));
    match cli.command {
        Command::Run(args) => run(*args, ui, &redactor).await,
        Command::Validate(args) => validate(&args, &redactor),
        Command::Pipelines(args) => pipelines(args.action, ui),
        Command::List => {
            stdout(&list(ui));
            Ok(Ending::Passed)
        }
        Command::Explain(args) => explain(args.code.as_deref(), ui),
        Command::Demo(args) => demo::run(args, ui, &redactor).await,
        Command::Sim(args) => sim(args).await,
        Command::Merge(args) => merge(&args, ui),
        Command::Connect(args) => connect::run(*args, ui, &redactor).await,
        Command::Completions(args) => {
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "zoho-doctor", &mut script);
            stdout(&String::from_utf8_lossy(&script));
            Ok(Ending::Passed)
        }
        Command::Man(args) => man(args.subcommand.as_deref()),
    }
}

async fn run(args: RunArgs, ui: Ui, redactor: &Redactor) -> Result<Ending, Error> {
    let users = selection(&args)?;
    let shard = args
        .shard
        .as_deref()
        .map(|text| Shard::parse(text, &|name| std::env::var(name).ok()))
        .transpose()
        .map_err(|error| Error::Usage(error.to_string()))?;
    let pipeline = pipeline::load(&args.pipeline)?;
    // Every report target is checked before the first request and the first write.
    let outputs = Outputs::check(
        args.output.format,
        args.output.junit.as_deref(),
        args.output.json.as_deref(),
        args.output.summary.as_deref(),
    )?;
    let endpoints = endpoints_from(&args.endpoints)?;
    let mapping = mapping_from(&args.store)?;
    let (url, from) = store_url(&args.store);
    if from == StoreFrom::Flag {
        warn_if_password_in_arguments(&url);
    }
    if from == StoreFrom::Default && !std::path::Path::new(store::DEFAULT_FILE).exists() {
        return Err(Error::Usage(format!(
            "no store given, and the default store sqlite://{} does not exist in this directory; name yours with `--store URL` or the ZOHO_DOCTOR_STORE variable: {}",
            store::DEFAULT_FILE,
            store::SCHEMES
        )));
    }
    let store = Store::open(&url, mapping, args.fix).await?;
    // From the first request on, Ctrl-C and SIGTERM let the connections in flight finish and
    // the reports be written; a second signal stops at once.
    let interrupt = Interrupt::on_signals(exit::exit_now);
    let job = Job {
        pipeline,
        store,
        users,
        endpoints,
        force_refresh: args.force_refresh,
        fix: args.fix,
        clients: client_from_env(),
        interrupt: interrupt.clone(),
        limits: Limits {
            concurrency: args.concurrency,
            per_org: args.per_org,
            rate: args.rate,
        },
        shard,
    };
    let finished = job::execute_live(job, ui, redactor, &outputs).await?;
    job::emit_after_live(&finished, &outputs, ui)
        .map_err(|error| job::report_failed(error, &finished))?;
    Ok(job::ending(&finished, args.output.fail_on, &interrupt))
}

/// `merge`: the shards' JSON reports, checked to be one complete run, combined and reported as
/// `run` reports (the table, then `--json`, `--junit` and the Markdown summary).
fn merge(args: &MergeArgs, ui: Ui) -> Result<Ending, Error> {
    let outputs = Outputs::check(
        Format::Table,
        args.junit.as_deref(),
        args.json.as_deref(),
        args.summary.as_deref(),
    )?;
    let shards = args
        .files
        .iter()
        .map(|path| Ok((path.clone(), merging::read(path)?)))
        .collect::<Result<Vec<_>, merging::MergeError>>()
        .map_err(ReportError::from)?;
    let report = merging::merge(shards).map_err(ReportError::from)?;
    job::emit(&report, &outputs, ui)?;
    let summary = &report.summary;
    // A shard a signal stopped left connections unchecked: that outweighs what the others found.
    Ok(if report.interrupted {
        Ending::ShardInterrupted
    } else {
        Ending::of_run(
            report.has_failures(),
            summary.warned > 0,
            summary.skipped == summary.checks,
            args.fail_on,
        )
    })
}

/// The users `run` checks: those of `--user`, or every one (`None`) for `--all` and for the
/// `env:` store, whose one connection needs no choosing.
fn selection(args: &RunArgs) -> Result<Option<Vec<String>>, Error> {
    if !args.users.is_empty() {
        return Ok(Some(args.users.clone()));
    }
    if args.all || store::is_env(&store_url(&args.store).0) {
        return Ok(None);
    }
    Err(Error::Usage(
        "no connection selected: pass `--user ID` (repeatable) for the connections to check, or `--all` for every one in the store".to_owned(),
    ))
}

/// The preset named by `--schema`, adjusted by `--table` and `--column`.
pub(crate) fn mapping_from(args: &StoreArgs) -> Result<Mapping, Error> {
    let mut mapping = Mapping::preset(&args.schema).ok_or_else(|| {
        Error::Usage(format!(
            "unknown --schema `{}`; the presets are: {}",
            text::echo(&args.schema, ECHO_CHARS),
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

/// Where the store URL came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreFrom {
    Flag,
    Env,
    Default,
}

/// A variable's value, unless unset or blank (a blank one is no choice).
fn env_value(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// `--store`, else `ZOHO_DOCTOR_STORE`, else the default. Read here rather than by clap, whose
/// usage lines list an env-given argument as if typed.
pub(crate) fn store_url(args: &StoreArgs) -> (String, StoreFrom) {
    if let Some(url) = &args.store {
        return (url.clone(), StoreFrom::Flag);
    }
    match env_value("ZOHO_DOCTOR_STORE") {
        Some(url) => (url, StoreFrom::Env),
        None => (
            format!("sqlite://{}", store::DEFAULT_FILE),
            StoreFrom::Default,
        ),
    }
}

/// A password in `--store` is visible to everyone on the machine through `ps`.
pub(crate) fn warn_if_password_in_arguments(url: &str) {
    let has_password = store::url_password(url).is_some();
    if has_password {
        job::stderr(
            "zoho-doctor: warning: the --store URL holds a password, which `ps` shows to every user; pass it in ZOHO_DOCTOR_STORE instead\n",
        );
    }
}

pub fn endpoints_from(args: &EndpointArgs) -> Result<Endpoints, Error> {
    Ok(Endpoints::with_overrides(
        Override {
            source_name: "ZOHO_ACCOUNTS_URL / --accounts-url",
            value: args
                .accounts_url
                .clone()
                .or_else(|| env_value("ZOHO_ACCOUNTS_URL")),
        },
        Override {
            source_name: "ZOHO_API_URL / --api-url",
            value: args.api_url.clone().or_else(|| env_value("ZOHO_API_URL")),
        },
        Override {
            source_name: "ZOHO_DESK_URL / --desk-url",
            value: args.desk_url.clone().or_else(|| env_value("ZOHO_DESK_URL")),
        },
    )?)
}

/// The app-wide OAuth clients from `ZOHO_CLIENT_ID` / `ZOHO_CLIENT_SECRET` and each data
/// centre's `ZOHO_CLIENT_SECRET_<DC>` / `ZOHO_CLIENT_ID_<DC>` (env only: never an argument,
/// which `ps` would show).
fn client_from_env() -> Clients {
    Clients::from_lookup(&|name| std::env::var(name).ok())
}

fn validate(args: &ValidateArgs, redactor: &Redactor) -> Result<Ending, Error> {
    let mut failed = 0;
    for file in &args.files {
        match pipeline::load(file) {
            Ok(pipeline) => stdout(&format!(
                "ok  {}: `{}` ({} app, {} checks)\n",
                text::safe(&pipeline.source),
                text::echo(&pipeline.name, ECHO_CHARS),
                pipeline.app.name(),
                pipeline.checks.len()
            )),
            Err(errors) => {
                failed += 1;
                let shown = redactor.redact(&errors.to_string());
                job::stderr(&format!("{}\n", text::safe_lines(&shown)));
            }
        }
    }
    if failed > 0 {
        job::stderr(&format!(
            "{failed} of {} pipeline file(s) are invalid\n",
            args.files.len()
        ));
        Ok(Ending::PipelinesInvalid)
    } else {
        Ok(Ending::Passed)
    }
}

/// `pipelines`: the built-ins as a table; `pipelines show NAME`: one's YAML, verbatim.
fn pipelines(action: Option<PipelinesAction>, ui: Ui) -> Result<Ending, Error> {
    let names: Vec<&str> = pipeline::BUILTINS.iter().map(|b| b.name).collect();
    if let Some(PipelinesAction::Show { name }) = action {
        let Some(builtin) = pipeline::Builtin::find(&name) else {
            let near = pipeline::closest(&name, names.iter().copied())
                .map(|near| format!("; did you mean `{near}`?"))
                .unwrap_or_default();
            return Err(Error::Usage(format!(
                "no built-in pipeline `{}` (the built-ins: {}){near}",
                text::echo(&name, ECHO_CHARS),
                names.join(", ")
            )));
        };
        stdout(builtin.text);
        return Ok(Ending::Passed);
    }
    let mut table = new_table(&["Name", "App", "Checks", "Pipeline"], ui.width);
    for builtin in pipeline::BUILTINS {
        let pipeline = builtin.load(&|_| None)?;
        let about = pipeline.description.unwrap_or(pipeline.name);
        table.add_row(vec![
            builtin.name.to_owned(),
            pipeline.app.name().to_owned(),
            pipeline.checks.len().to_string(),
            about,
        ]);
    }
    stdout(&format!(
        "{table}\n`-p NAME` runs one; `zoho-doctor pipelines show NAME > mine.yaml` prints one to customise (then `-p ./mine.yaml`).\n"
    ));
    Ok(Ending::Passed)
}

/// `man`: the main page, or one subcommand's (`zoho-doctor-run(1)`, as the main page refers to it).
fn man(subcommand: Option<&str>) -> Result<Ending, Error> {
    let mut command = Cli::command();
    // Built, a subcommand carries its page name (`zoho-doctor-run`).
    command.build();
    let command = match subcommand {
        None => command,
        Some(name) => match command.find_subcommand(name) {
            Some(found) => found.clone().version(env!("CARGO_PKG_VERSION")),
            None => {
                let names: Vec<&str> = command
                    .get_subcommands()
                    .map(|sub| sub.get_name())
                    .collect();
                let near = pipeline::closest(name, names.iter().copied())
                    .map(|near| format!("; did you mean `{near}`?"))
                    .unwrap_or_default();
                return Err(Error::Usage(format!(
                    "no subcommand `{}` (the subcommands: {}){near}",
                    text::echo(name, ECHO_CHARS),
                    names.join(", ")
                )));
            }
        },
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(|err| Error::io("render the man page to", "stdout", err))?;
    stdout(&String::from_utf8_lossy(&page));
    Ok(Ending::Passed)
}

fn list(ui: Ui) -> String {
    let mut table = new_table(&["Kind", "App", "Options", "Verifies"], ui.width);
    for kind in Kind::ALL {
        let options: Vec<&str> = kind.options().iter().map(|option| option.name).collect();
        table.add_row(vec![
            kind.name().to_owned(),
            kind.app().map_or("any", |app| app.name()).to_owned(),
            options.join(", "),
            kind.summary().to_owned(),
        ]);
    }
    let notes = format!(
        "Every check also takes: id, kind, description, needs, after, timeout.\n{}",
        crate::checks::http_guide()
    );
    // The notes wrap to the table's width, as the report's fixes do: each line keeps its own
    // indent, and what follows on more lines hangs two spaces further in.
    let notes: Vec<String> = notes
        .lines()
        .map(|line| {
            let text = line.trim_start_matches(' ');
            let indent = line.len() - text.len();
            format!("{}{}", &line[..indent], wrap(text, indent + 2, ui.width))
        })
        .collect();
    format!("{table}\n{}\n", notes.join("\n"))
}

fn explain(code: Option<&str>, ui: Ui) -> Result<Ending, Error> {
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
        stdout(&format!(
            "{table}\n`zoho-doctor explain CODE` shows the likely cause and the fix.\n"
        ));
        return Ok(Ending::Passed);
    };
    let found = ZohoCode::find(code);
    if found.is_empty() {
        let known: Vec<&str> = ZohoCode::ALL.iter().map(|c| c.wire()).collect();
        let fix = match pipeline::closest(code, known) {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None => "`zoho-doctor explain` lists the codes it knows; for others, Zoho's own message in the report is the lead".to_owned(),
        };
        return Err(Error::Usage(format!(
            "unknown Zoho error code `{}`; {fix}",
            text::echo(code, ECHO_CHARS)
        )));
    }
    for code in found {
        let entry = code.entry();
        stdout(&format!(
            "{} ({} answers it with HTTP {})\n  diagnosis:    {}\n  likely cause: {}\n  fix:          {}\n",
            entry.wire, entry.service, entry.http, entry.diagnosis, entry.cause, entry.fix
        ));
        let grant = code.grant_entry();
        if grant.diagnosis != entry.diagnosis {
            stdout(&format!(
                "  answering a grant code (`connect`):\n  diagnosis:    {}\n  likely cause: {}\n  fix:          {}\n",
                grant.diagnosis, grant.cause, grant.fix
            ));
        }
    }
    Ok(Ending::Passed)
}

/// `USER=SERVICE:ANSWER` of `sim --hostile`.
fn hostile_fault(text: &str) -> Result<(String, Fault), Error> {
    let parsed = text.split_once('=').and_then(|(user, rest)| {
        let (service, answer) = rest.split_once(':')?;
        Some((
            user.to_owned(),
            Service::parse(service)?,
            Hostile::parse(answer)?,
        ))
    });
    match parsed {
        Some((user, service, answer)) if !user.is_empty() => {
            Ok((user, Fault::Hostile { service, answer }))
        }
        _ => Err(Error::Usage(format!(
            "--hostile `{}` is not USER=SERVICE:ANSWER; SERVICE is token, user-info, desk or crm, ANSWER one of {} (e.g. `healthy=desk:escapes`)",
            text::echo(text, ECHO_CHARS),
            Hostile::NAMES.join(", ")
        ))),
    }
}

async fn sim(args: SimArgs) -> Result<Ending, Error> {
    if args.list {
        for scenario in SCENARIOS {
            stdout(&format!("{:<20} {}\n", scenario.name, scenario.title));
        }
        return Ok(Ending::Passed);
    }
    let faults = args
        .hostile
        .iter()
        .map(|text| hostile_fault(text))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sim = Sim::start_on(std::net::SocketAddr::from(([127, 0, 0, 1], args.port)))
        .await
        .map_err(|err| Error::Sim(format!("cannot listen on 127.0.0.1:{}: {err}", args.port)))?;
    for (user, fault) in faults {
        sim.set_fault(&user, fault);
    }
    if let Some(latency) = args.latency {
        sim.set_latency(latency);
    }
    for (scenario, copies) in &args.copies {
        // parse_copies has checked the name.
        sim.add_copies(scenario, *copies);
    }
    stdout(&format!(
        "zoho-doctor simulator on {} (Ctrl-C stops it)\nexport ZOHO_ACCOUNTS_URL='{}'\nexport ZOHO_API_URL='{}'\nexport ZOHO_DESK_URL='{}'\n",
        sim.base_url(),
        sim.accounts_url(),
        sim.api_url(),
        sim.desk_url()
    ));
    if let Some(latency) = args.latency {
        stdout(&format!("every answer waits {latency:?} first\n"));
    }
    if !args.hostile.is_empty() {
        stdout(&format!(
            "raw port (slow-drip, reset-mid-body; everything else passes through): http://{}\n",
            sim.raw_addr()
        ));
    }
    if let Some(path) = &args.seed_store {
        demo::write_seed_store(path, sim.seeds()).await?;
        stdout(&format!(
            "seeded {} connections (one per scenario and copy, with their OAuth client) into sqlite://{}\ntry: zoho-doctor run -p desk --store sqlite://{} --all\n",
            sim.seeds().len(),
            path.display(),
            path.display()
        ));
    }
    std::future::pending::<()>().await;
    Ok(Ending::Passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_flag_names_the_user_the_service_and_the_answer() {
        let (user, fault) = hostile_fault("healthy=desk:escapes").expect("valid");
        assert_eq!(user, "healthy");
        assert!(matches!(
            fault,
            Fault::Hostile {
                service: Service::Desk,
                answer: Hostile::Escapes
            }
        ));
        assert!(matches!(
            hostile_fault("u=token:huge:64"),
            Ok((
                _,
                Fault::Hostile {
                    answer: Hostile::Huge(64),
                    ..
                }
            ))
        ));
        let error = hostile_fault("healthy=desk").expect_err("no answer");
        assert!(
            error.to_string().contains("is not USER=SERVICE:ANSWER"),
            "{error}"
        );
        assert!(hostile_fault("=desk:escapes").is_err());
    }
}
