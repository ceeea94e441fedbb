//! `zoho-doctor demo`: the main job on the embedded default — the simulator in-process, a
//! temporary SQLite store seeded with one connection per scenario, the shipped Desk pipeline
//! over all of them, the tables, a JUnit file — and a last word on whether every scenario was
//! diagnosed at the check and with the finding it should be. With `--junit -` (or `--json -`)
//! the report takes stdout and the rest goes to stderr.

use std::path::Path;

use colored::Colorize;
use secrecy::SecretString;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection as _, sqlite::SqliteConnectOptions};

use crate::{
    Error,
    checks::Status,
    cli::{DemoArgs, Format},
    exit::Ending,
    job::{self, Job, Screen, Ui},
    outputs::{self, Outputs},
    pipeline,
    redact::Redactor,
    report::{self, ReportError, junit, model::RunReport, spool::Run, target::Target},
    runner::interrupt::Interrupt,
    sim::{SeededConnection, Sim},
    store::{Mapping, Store, seed_table_sql},
    zoho::{
        DataCentre,
        endpoints::{Endpoints, Override},
        oauth::{Clients, DcClient},
    },
};

/// Where each scenario must be diagnosed: the check, its status and a word of its message.
pub struct Expectation {
    pub scenario: &'static str,
    pub check: &'static str,
    pub status: Status,
    pub says: &'static str,
}

pub const EXPECTED: &[Expectation] = &[
    Expectation {
        scenario: "healthy",
        check: "profile",
        status: Status::Pass,
        says: "Ada Lovelace",
    },
    Expectation {
        scenario: "token-expired",
        check: "refresh",
        status: Status::Warn,
        says: "refreshed",
    },
    Expectation {
        scenario: "refresh-revoked",
        check: "refresh",
        status: Status::Fail,
        says: "invalid_code",
    },
    Expectation {
        scenario: "wrong-dc",
        check: "data-centre",
        status: Status::Fail,
        says: "belongs to the EU data centre",
    },
    Expectation {
        scenario: "missing-scope",
        check: "scopes",
        status: Status::Fail,
        says: "missing scopes Desk.basic.READ or",
    },
    Expectation {
        scenario: "org-blank",
        check: "org",
        status: Status::Warn,
        says: "discovered org id",
    },
    Expectation {
        scenario: "org-stale",
        check: "org",
        status: Status::Fail,
        says: "not among the user's organisations",
    },
    Expectation {
        scenario: "portal-missing",
        check: "portal",
        status: Status::Warn,
        says: "discovered portal",
    },
    Expectation {
        scenario: "several-orgs",
        check: "org",
        status: Status::Warn,
        says: "3 organisations",
    },
    Expectation {
        scenario: "orgs-no-default",
        check: "org",
        status: Status::Warn,
        says: "none is marked default",
    },
    Expectation {
        scenario: "orgs-bare-list",
        check: "org",
        status: Status::Warn,
        says: "discovered org id",
    },
    Expectation {
        scenario: "desk-invalid-oauth",
        check: "org",
        status: Status::Fail,
        says: "INVALID_OAUTH",
    },
    Expectation {
        scenario: "portal-is-org-id",
        check: "portal",
        status: Status::Fail,
        says: "Desk organisation id",
    },
    Expectation {
        scenario: "refresh-throttled",
        check: "refresh",
        status: Status::Fail,
        says: "throttling",
    },
    Expectation {
        scenario: "no-api-domain",
        check: "refresh",
        status: Status::Warn,
        says: "no api_domain",
    },
    Expectation {
        scenario: "no-refresh-token",
        check: "connection",
        status: Status::Fail,
        says: "no refresh token",
    },
    Expectation {
        scenario: "refresh-overwritten",
        check: "connection",
        status: Status::Fail,
        says: "equals the access token",
    },
    Expectation {
        scenario: "expiry-implausible",
        check: "refresh",
        status: Status::Warn,
        says: "duration",
    },
    Expectation {
        scenario: "orgs-string-flags",
        check: "org",
        status: Status::Warn,
        says: "portal stringmain, default)",
    },
    Expectation {
        scenario: "portal-custom-domain",
        check: "portal",
        status: Status::Warn,
        says: "discovered portal `zylker` from organisation",
    },
    Expectation {
        scenario: "desk-other-dc",
        check: "org",
        status: Status::Fail,
        says: "it lives in another data centre",
    },
    Expectation {
        scenario: "crm-healthy",
        check: "profiles",
        status: Status::Pass,
        says: "read by id",
    },
    Expectation {
        scenario: "crm-scope-mismatch",
        check: "scopes",
        status: Status::Fail,
        says: "OAUTH_SCOPE_MISMATCH",
    },
    Expectation {
        scenario: "crm-no-permission",
        check: "profiles",
        status: Status::Fail,
        says: "NO_PERMISSION",
    },
    Expectation {
        scenario: "crm-other-dc",
        check: "data-centre",
        status: Status::Fail,
        says: "India data centre",
    },
    Expectation {
        scenario: "crm-secret-wrong",
        check: "refresh",
        status: Status::Fail,
        says: "invalid_client_secret",
    },
    Expectation {
        scenario: "crm-no-profiles",
        check: "profiles",
        status: Status::Fail,
        says: "no profiles",
    },
    Expectation {
        scenario: "crm-legacy-api-domain",
        check: "data-centre",
        status: Status::Warn,
        says: "INVALID_HOST",
    },
    Expectation {
        scenario: "crm-eu-secret-unset",
        check: "data-centre",
        status: Status::Warn,
        says: "ZOHO_CLIENT_SECRET_EU",
    },
    Expectation {
        scenario: "crm-eu-secret-set",
        check: "data-centre",
        status: Status::Fail,
        says: "belongs to the EU data centre",
    },
];

/// One app's scenarios as runs: those whose run is given per-data-centre client secrets (as
/// `ZOHO_CLIENT_SECRET_<DC>` would) run apart, after the others; each with its clients (no
/// default: every seeded row has its client) and users.
pub fn runs_of(seeds: &[SeededConnection], app: &str) -> Vec<(Clients, Vec<String>)> {
    let mut groups: Vec<(&[RunSecret], Vec<String>)> = Vec::new();
    for seed in seeds.iter().filter(|seed| seed.app == app) {
        let given = seed.run_secrets.as_slice();
        match groups.iter_mut().find(|(secrets, _)| *secrets == given) {
            Some((_, users)) => users.push(seed.user_id.clone()),
            None => groups.push((given, vec![seed.user_id.clone()])),
        }
    }
    groups.sort_by_key(|(secrets, _)| !secrets.is_empty());
    groups
        .into_iter()
        .map(|(given, users)| (run_clients(given), users))
        .collect()
}

/// A per-data-centre secret a seeded run is given: (dc, secret).
type RunSecret = (String, String);

fn run_clients(given: &[RunSecret]) -> Clients {
    let per_dc = given
        .iter()
        .filter_map(|(dc, secret)| {
            Some(DcClient {
                dc: DataCentre::parse(dc)?,
                client_id: None,
                client_secret: SecretString::from(secret.clone()),
            })
        })
        .collect();
    Clients {
        default: None,
        per_dc,
    }
}

pub async fn run(args: DemoArgs, ui: Ui, redactor: &Redactor) -> Result<Ending, Error> {
    let unknown: Vec<&String> = args
        .scenarios
        .iter()
        .filter(|name| !EXPECTED.iter().any(|e| e.scenario == name.as_str()))
        .collect();
    if !unknown.is_empty() {
        return Err(Error::Usage(format!(
            "unknown scenario(s) {}; `zoho-doctor sim --list` lists them",
            unknown
                .iter()
                .map(|s| format!("`{}`", crate::text::echo(s, 100)))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // Every report target is checked before the simulator starts.
    let outputs = Outputs::check(
        Format::Table,
        Some(&args.junit),
        args.json.as_deref(),
        args.summary.as_deref(),
    )?;
    let screen = outputs.screen();
    let sim = Sim::start()
        .await
        .map_err(|err| Error::Sim(format!("cannot start the simulator: {err}")))?;
    let dir = tempfile::tempdir()
        .map_err(|err| Error::io("create a temporary directory in", std::env::temp_dir(), err))?;
    let db = dir.path().join("demo.db");
    let seeds: Vec<SeededConnection> = sim
        .seeds()
        .iter()
        .filter(|seed| {
            args.scenarios.is_empty() || args.scenarios.iter().any(|s| s == seed.scenario)
        })
        .cloned()
        .collect();
    write_seed_store(&db, &seeds).await?;
    job::stderr(&format!(
        "zoho-doctor demo: simulator on {}, {} connections in a temporary SQLite store, built-in pipelines desk and crm\n",
        sim.base_url(),
        seeds.len()
    ));

    let endpoints = Endpoints::with_overrides(
        Override {
            source_name: "simulator",
            value: Some(sim.accounts_url()),
        },
        Override {
            source_name: "simulator",
            value: Some(sim.api_url()),
        },
        Override {
            source_name: "simulator",
            value: Some(sim.desk_url()),
        },
    )?;
    let store_url = format!("sqlite://{}", db.display());
    let mut reports = Vec::new();
    for (app, (file, text)) in [
        ("desk", pipeline::shipped::DESK),
        ("crm", pipeline::shipped::CRM),
    ] {
        for (clients, users) in runs_of(&seeds, app) {
            for own in &clients.per_dc {
                redactor.register_secret(&own.client_secret);
            }
            let job = Job {
                pipeline: pipeline::load_str(text, file, &|var| std::env::var(var).ok())?,
                store: Store::open(&store_url, Mapping::seed(), false).await?,
                users: Some(users),
                endpoints: endpoints.clone(),
                force_refresh: false,
                fix: false,
                clients,
                interrupt: Interrupt::none(),
                limits: Default::default(),
                shard: None,
            };
            let report = job::execute(job, ui, redactor).await?.report()?;
            screen.print(&report::table::render(&report, &ui.table()));
            reports.push(report);
        }
    }
    let all: Vec<&RunReport> = reports.iter().collect();
    let runs: Vec<Run<'_>> = reports.iter().map(RunReport::whole).collect();
    if let Some(target) = &outputs.junit {
        let xml = junit::render_all(&all).map_err(ReportError::Render)?;
        outputs::write_report(target, &xml)?;
        written(screen, "JUnit report", target, &args.junit);
    }
    if let (Some(target), Some(json)) = (&outputs.json, &args.json) {
        let reports: Vec<serde_json::Value> = reports
            .iter()
            .map(|report| serde_json::to_value(report).unwrap_or_default())
            .collect();
        let text = serde_json::to_string_pretty(&reports).unwrap_or_default();
        outputs::write_report(target, &text)?;
        written(screen, "JSON reports", target, json);
    }
    outputs.write_summary(&runs)?;
    if let (Some(target), Some(summary)) = (&outputs.summary, &args.summary) {
        written(screen, "Markdown summary", target, summary);
    }
    sim.stop().await;

    colored::control::set_override(ui.colour);
    let misses = verdict(screen, &reports, &seeds);
    colored::control::unset_override();
    Ok(if misses == 0 {
        Ending::Passed
    } else {
        Ending::ScenariosMissed
    })
}

/// Says where a report was written (a report on stdout speaks for itself).
fn written(screen: Screen, what: &str, target: &Target, given: &Path) {
    let shown = match target {
        Target::Stdout => return,
        Target::File(path) => std::fs::canonicalize(path).unwrap_or(path.clone()),
        Target::Stream(_) => given.to_owned(),
    };
    screen.print(&format!("{what}: {}\n", shown.display()));
}

/// Prints, per scenario, where it was diagnosed; returns how many were not as expected.
fn verdict(screen: Screen, reports: &[RunReport], seeds: &[SeededConnection]) -> usize {
    screen.print("\nDiagnoses:\n");
    let mut misses = 0;
    for seed in seeds {
        let Some(expected) = EXPECTED.iter().find(|e| e.scenario == seed.scenario) else {
            continue;
        };
        let check = reports
            .iter()
            .flat_map(|report| &report.connections)
            .find(|c| c.user == seed.user_id)
            .and_then(|c| c.checks.iter().find(|check| check.id == expected.check));
        let hit = check.is_some_and(|check| {
            check.status == expected.status
                && format!(
                    "{} {}",
                    check.message,
                    check.code.clone().unwrap_or_default()
                )
                .contains(expected.says)
        });
        let mark = if hit { "✓".green() } else { "✗".red() };
        if !hit {
            misses += 1;
        }
        screen.print(&format!(
            "  {mark} {:<20} {:<62} → {} {}\n",
            seed.scenario,
            seed.title,
            expected.check,
            check.map_or("missing".to_owned(), |c| c.status.label().to_owned())
        ));
    }
    screen.print(&format!(
        "{} of {} scenarios diagnosed at the expected check\n",
        seeds.len() - misses,
        seeds.len()
    ));
    misses
}

/// Creates a new SQLite file with the seed preset's table holding these connection rows, in one
/// transaction. An existing file is refused: it may be someone's real database.
pub async fn write_seed_store(path: &Path, seeds: &[SeededConnection]) -> Result<(), Error> {
    if path.exists() {
        return Err(Error::Usage(format!(
            "`{}` already exists; give --seed-store a new file (zoho-doctor never overwrites a database)",
            path.display()
        )));
    }
    let failed = |err: sqlx::Error| {
        Error::Sim(format!(
            "cannot write the seed store {}: {err}",
            path.display()
        ))
    };
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .connect()
        .await
        .map_err(failed)?;
    let mut tx = conn.begin().await.map_err(failed)?;
    sqlx::query(AssertSqlSafe(seed_table_sql(
        "sqlite://",
        "zoho_connections",
    )))
    .execute(&mut *tx)
    .await
    .map_err(failed)?;
    for seed in seeds {
        sqlx::query(
            "INSERT INTO zoho_connections (user_id, access_token, refresh_token, token_expires_at, \
             api_domain, org_id, desk_org_id, desk_portal, dc, scopes, client_id, client_secret) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&seed.user_id)
        .bind(&seed.access_token)
        .bind(&seed.refresh_token)
        .bind(&seed.token_expires_at)
        .bind(&seed.api_domain)
        .bind(&seed.org_id)
        .bind(&seed.desk_org_id)
        .bind(&seed.desk_portal)
        .bind(&seed.dc)
        .bind(&seed.scopes)
        .bind(&seed.client_id)
        .bind(&seed.client_secret)
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
    }
    tx.commit().await.map_err(failed)?;
    conn.close().await.map_err(failed)?;
    Ok(())
}
