//! Wires each subcommand: cli -> pipeline -> store -> job (runner, reporters). Errors go back to
//! `main`, which prints them once; how a command ended goes to `exit` for its code.

use secrecy::SecretString;

use crate::{
    Error,
    checks::Kind,
    cli::{Cli, Command, EndpointArgs, RunArgs, SimArgs, StoreArgs, ValidateArgs},
    demo,
    exit::Ending,
    job::{self, Job, Outputs, Ui},
    pipeline,
    redact::Redactor,
    report::{self, table::new_table},
    secrets,
    sim::{SCENARIOS, Sim},
    store::{self, Mapping, Store},
    zoho::{
        catalogue::ZohoCode,
        endpoints::{Endpoints, Override},
        oauth::ClientCredentials,
    },
};

pub async fn main(cli: Cli, redactor: Redactor) -> Result<Ending, Error> {
    let ui = Ui::from_cli(&cli);
    // Known to the redactor before anything is read or printed: a pipeline's `${…}` could
    // expand a secret into an error message.
    let store_url = match &cli.command {
        Command::Run(args) => Some(args.store.store.as_str()),
        _ => None,
    };
    redactor.register_all(&secrets::of_run(
        &|name| std::env::var(name).ok(),
        store_url,
    ));
    match cli.command {
        Command::Run(args) => run(*args, ui, &redactor).await,
        Command::Validate(args) => validate(&args, &redactor),
        Command::List => {
            print!("{}", list(ui));
            Ok(Ending::Passed)
        }
        Command::Explain(args) => explain(args.code.as_deref(), ui),
        Command::Demo(args) => demo::run(args, ui, &redactor).await,
        Command::Sim(args) => sim(args).await,
    }
}

async fn run(args: RunArgs, ui: Ui, redactor: &Redactor) -> Result<Ending, Error> {
    let pipeline = pipeline::load_file(&args.pipeline)?;
    for path in args.output.junit.iter().chain(&args.output.json) {
        report::check_writable(path)?;
    }
    let endpoints = endpoints_from(&args.endpoints)?;
    let mapping = mapping_from(&args.store)?;
    warn_if_password_in_arguments(&args.store.store);
    let store = Store::open(&args.store.store, mapping, args.fix).await?;
    let job = Job {
        pipeline,
        store,
        users: (!args.all).then_some(args.users),
        endpoints,
        force_refresh: args.force_refresh,
        fix: args.fix,
        default_client: client_from_env(),
    };
    let report = job::execute(job, ui, redactor).await?;
    let outputs = Outputs {
        format: args.output.format,
        junit: args.output.junit,
        json: args.output.json,
    };
    job::emit(&report, &outputs, ui)?;
    Ok(Ending::of_checks(report.has_failures()))
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

/// The app-wide OAuth client from `ZOHO_CLIENT_ID` / `ZOHO_CLIENT_SECRET` (env only: never
/// an argument, which `ps` would show).
fn client_from_env() -> Option<ClientCredentials> {
    let client_id = std::env::var("ZOHO_CLIENT_ID")
        .ok()
        .filter(|v| !v.trim().is_empty())?;
    let secret = std::env::var("ZOHO_CLIENT_SECRET")
        .ok()
        .filter(|v| !v.trim().is_empty())?;
    Some(ClientCredentials {
        client_id,
        client_secret: SecretString::from(secret),
    })
}

fn validate(args: &ValidateArgs, redactor: &Redactor) -> Result<Ending, Error> {
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
        Ok(Ending::PipelinesInvalid)
    } else {
        Ok(Ending::Passed)
    }
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
    format!("{table}\nEvery check also takes: id, kind, description, needs, after, timeout.\n")
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
        println!("{table}\n`zoho-doctor explain CODE` shows the likely cause and the fix.");
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
    Ok(Ending::Passed)
}

async fn sim(args: SimArgs) -> Result<Ending, Error> {
    if args.list {
        for scenario in SCENARIOS {
            println!("{:<20} {}", scenario.name, scenario.title);
        }
        return Ok(Ending::Passed);
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
    Ok(Ending::Passed)
}
