//! Test harness: the simulator in-process, a SQLite store seeded with every scenario, and a
//! pipeline run against both — by the real binary (its JSON and JUnit reports read back) or
//! in-process through `job::execute`.
//!
//! Every test crate declares it with `#[expect(dead_code, reason = "…")] mod common;`: each uses
//! a different subset, and the crate that comes to use every helper drops its `expect`.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::Value;
use tempfile::TempDir;
use zoho_doctor::{
    demo::write_seed_store,
    job::{self, Job, Ui},
    pipeline,
    redact::Redactor,
    report::model::RunReport,
    runner::interrupt::Interrupt,
    sim::Sim,
    store::{Mapping, Store},
    zoho::{
        endpoints::{Endpoints, Override},
        oauth::Clients,
    },
};

pub const BIN: &str = env!("CARGO_BIN_EXE_zoho-doctor");

/// Says a test part was skipped where `cargo test` shows it: straight to stderr, which the
/// test harness does not capture (it captures `eprintln!`).
pub fn skipped(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

pub fn repo_file(relative: &str) -> String {
    format!("{}/{relative}", env!("CARGO_MANIFEST_DIR"))
}

pub fn desk_pipeline() -> String {
    repo_file("checks/desk.yaml")
}

/// The binary with a clean environment: no colour, no store, client, step summary or width
/// from the developer's shell or the CI runner.
pub fn command() -> Command {
    let mut command = Command::new(BIN);
    for var in [
        "ZOHO_DOCTOR_STORE",
        "ZOHO_CLIENT_ID",
        "ZOHO_CLIENT_SECRET",
        "ZOHO_ACCOUNTS_URL",
        "ZOHO_API_URL",
        "ZOHO_DESK_URL",
        // A CI runner's: a test run must not write to the runner's step summary, and output
        // wraps as the test says.
        "GITHUB_STEP_SUMMARY",
        "COLUMNS",
    ] {
        command.env_remove(var);
    }
    command.env("NO_COLOR", "1");
    command
}

pub struct Harness {
    pub sim: Sim,
    pub dir: TempDir,
    pub store: String,
}

/// One finished run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub json: Value,
    pub junit: String,
}

impl Harness {
    pub async fn start() -> Harness {
        let sim = Sim::start().await.expect("simulator starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("connections.db");
        write_seed_store(&db, sim.seeds())
            .await
            .expect("seed store");
        let store = format!("sqlite://{}", db.display());
        Harness { sim, dir, store }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary pointed at the simulator.
    pub fn command(&self) -> Command {
        let mut command = command();
        command
            .env("ZOHO_ACCOUNTS_URL", self.sim.accounts_url())
            .env("ZOHO_API_URL", self.sim.api_url())
            .env("ZOHO_DESK_URL", self.sim.desk_url());
        command
    }

    /// Runs a pipeline with JSON and JUnit reports; `extra` are more arguments.
    pub async fn run(&self, pipeline: &str, extra: &[&str]) -> Run {
        let json = self.path(&format!("report-{}.json", unique()));
        let junit = self.path(&format!("report-{}.xml", unique()));
        let mut command = self.command();
        command.args(["run", "-p", pipeline]);
        // The seeded SQLite store unless the test names its own.
        if !extra.contains(&"--store") {
            command.args(["--store", &self.store]);
        }
        command
            .arg("--json")
            .arg(&json)
            .arg("--junit")
            .arg(&junit)
            .args(extra);
        let output = output(command).await;
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            json: read_json(&json),
            junit: std::fs::read_to_string(&junit).unwrap_or_default(),
        }
    }

    /// The shipped Desk pipeline over one scenario's connection.
    pub async fn desk(&self, user: &str) -> Run {
        self.run(&desk_pipeline(), &["--user", user]).await
    }

    /// Every Zoho host pointed at the simulator.
    pub fn endpoints(&self) -> Endpoints {
        let simulator = |value: String| Override {
            source_name: "simulator",
            value: Some(value),
        };
        Endpoints::with_overrides(
            simulator(self.sim.accounts_url()),
            simulator(self.sim.api_url()),
            simulator(self.sim.desk_url()),
        )
        .expect("simulator endpoints")
    }

    /// Runs a pipeline (`(file, text)`, as in `pipeline::shipped`) in-process over these users
    /// of the seeded store, as `run` would without `-v`, `--fix` or a default client.
    pub async fn execute(
        &self,
        pipeline: (&str, &str),
        users: Vec<String>,
        force_refresh: bool,
    ) -> RunReport {
        self.execute_with(pipeline, users, force_refresh, Clients::default())
            .await
    }

    /// `execute` with the run's clients (as `ZOHO_CLIENT_ID`, `ZOHO_CLIENT_SECRET` and
    /// `ZOHO_CLIENT_SECRET_<DC>` would give them).
    pub async fn execute_with(
        &self,
        (file, text): (&str, &str),
        users: Vec<String>,
        force_refresh: bool,
        clients: Clients,
    ) -> RunReport {
        let job = Job {
            pipeline: pipeline::load_str(text, file, &|_| None).expect("pipeline loads"),
            store: Store::open(&self.store, Mapping::seed(), false)
                .await
                .expect("store opens"),
            users: Some(users),
            endpoints: self.endpoints(),
            force_refresh,
            fix: false,
            clients,
            interrupt: Interrupt::none(),
            limits: Default::default(),
            shard: None,
        };
        let ui = Ui {
            verbose: false,
            quiet: false,
            colour: false,
            width: None,
        };
        job::execute(job, ui, &Redactor::new())
            .await
            .expect("job runs")
            .report()
            .expect("the finished connections read back")
    }
}

/// Runs a prepared command off the async runtime (the simulator lives on it).
pub async fn output(mut command: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("binary runs")
}

fn read_json(path: &Path) -> Value {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Run {
    fn checks(&self) -> &Vec<Value> {
        self.json["connections"][0]["checks"]
            .as_array()
            .unwrap_or_else(|| panic!("no checks in the JSON report; stderr: {}", self.stderr))
    }

    pub fn check(&self, id: &str) -> &Value {
        self.checks()
            .iter()
            .find(|check| check["id"] == id)
            .unwrap_or_else(|| panic!("no check `{id}` in the report"))
    }

    pub fn status(&self, id: &str) -> String {
        self.check(id)["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn message(&self, id: &str) -> String {
        self.check(id)["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn hint(&self, id: &str) -> String {
        self.check(id)["hint"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn code(&self, id: &str) -> String {
        self.check(id)["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// `id=status` for every check, in pipeline order, for one readable assertion.
    pub fn statuses(&self) -> Vec<String> {
        self.checks()
            .iter()
            .map(|check| {
                format!(
                    "{}={}",
                    check["id"].as_str().unwrap_or_default(),
                    check["status"].as_str().unwrap_or_default()
                )
            })
            .collect()
    }
}
