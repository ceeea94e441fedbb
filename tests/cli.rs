//! The command line without Zoho: pipeline validation (golden error files), exit codes, store
//! errors, colour rules, help and the kind list.

#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use std::{fs, path::Path};

use common::{command, desk_pipeline, repo_file};

fn output(cmd: &mut std::process::Command) -> (i32, String, String) {
    let output = cmd.output().expect("binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn every_invalid_pipeline_is_rejected_with_its_golden_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let mut seen = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "yaml") {
            continue;
        }
        seen += 1;
        let relative = format!(
            "tests/fixtures/invalid/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        let (code, stdout, stderr) = output(
            command()
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args(["validate", &relative]),
        );
        let golden = fs::read_to_string(path.with_extension("err")).unwrap_or_default();
        assert_eq!(code, 2, "{relative}");
        assert_eq!(stdout, "", "{relative}");
        assert_eq!(
            stderr, golden,
            "{relative}: stderr differs from its .err golden file"
        );
    }
    assert!(seen >= 12, "fixtures found: {seen}");
}

#[test]
fn valid_pipelines_validate() {
    let (code, stdout, _) = output(command().args([
        "validate",
        &desk_pipeline(),
        &repo_file("tests/fixtures/valid/minimal.yaml"),
        &repo_file("checks/crm.yaml"),
        &repo_file("checks/onboarding.yaml"),
    ]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("`crm-profiles` (crm app, 6 checks)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`desk-onboarding` (desk app, 7 checks)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`desk-profile` (desk app, 7 checks)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`minimal` (desk app, 1 checks)"),
        "{stdout}"
    );
}

#[test]
fn an_invalid_pipeline_stops_run_before_the_store_is_opened() {
    let (code, stdout, stderr) = output(command().args([
        "run",
        "-p",
        &repo_file("tests/fixtures/invalid/unknown-kind.yaml"),
        "--store",
        "sqlite:///nonexistent/dir/x.db",
        "--all",
    ]));
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(stderr.contains("did you mean `desk-org-id`?"), "{stderr}");
    assert!(
        !stderr.contains("nonexistent"),
        "the store must not be touched: {stderr}"
    );
}

#[test]
fn run_without_users_or_all_is_a_usage_error_naming_both() {
    let (code, stdout, stderr) = output(command().args([
        "run",
        "-p",
        "desk",
        "--store",
        "sqlite:///nonexistent/dir/x.db",
    ]));
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("no connection selected: pass `--user ID` (repeatable)")
            && stderr.contains("or `--all`"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("nonexistent"),
        "store not opened: {stderr}"
    );
}

#[test]
fn the_env_store_needs_no_user_or_all() {
    // Without its variables the env: store stops on the first one it needs: the selection
    // itself was accepted.
    let (code, _, stderr) = output(command().args(["run", "-p", "desk", "--store", "env:"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("the env: store needs ZOHO_CLIENT_ID"),
        "{stderr}"
    );
    assert!(!stderr.contains("no connection selected"), "{stderr}");
}

/// Values only the environment holds: none may show in help, a usage line or an error.
const CANARIES: [(&str, &str); 4] = [
    (
        "ZOHO_DOCTOR_STORE",
        "postgres://app:canary-pw@canary-db.example/app",
    ),
    ("ZOHO_ACCOUNTS_URL", "https://canary-accounts.example/{dc}"),
    ("ZOHO_API_URL", "https://canary-api.example/{dc}"),
    ("ZOHO_DESK_URL", "https://canary-desk.example/{dc}"),
];

#[test]
fn values_from_the_environment_never_show_in_help_or_errors() {
    let runs: [&[&str]; 7] = [
        &["run", "--help"],
        &["--help"],
        &["run", "-p", "desk", "--user", "a", "--all"],
        &["run", "--user", "a"],
        &["run", "-p", "desk", "--bogus"],
        &["run", "-p", "desk", "--format", "xml"],
        &["run", "-p", "desk"],
    ];
    for args in runs {
        let mut cmd = command();
        for (name, value) in CANARIES {
            cmd.env(name, value);
        }
        let (code, stdout, stderr) = output(cmd.args(args));
        assert!(code == 0 || code == 2, "{args:?}: {code}");
        for shown in [&stdout, &stderr] {
            assert!(
                !shown.contains("canary"),
                "{args:?} shows a value:\n{shown}"
            );
            // Nor is an env-given argument listed as if typed.
            assert!(
                !shown.contains("--api-url <URL> --desk-url"),
                "{args:?}:\n{shown}"
            );
        }
    }
    let (_, stdout, _) = output(command().args(["run", "--help"]));
    for (name, _) in CANARIES {
        assert!(stdout.contains(name), "help names {name}:\n{stdout}");
    }
}

#[test]
fn endpoint_variables_still_reach_the_run() {
    let (code, _, stderr) = output(
        command()
            .env("ZOHO_API_URL", "not a url")
            .args(["run", "-p", "desk", "--all"]),
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("ZOHO_API_URL / --api-url: `not a url` is not a valid URL"),
        "{stderr}"
    );
}

#[test]
fn a_missing_store_file_is_exit_2_naming_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("absent.db").display());
    let (code, stdout, stderr) =
        output(command().args(["run", "-p", &desk_pipeline(), "--store", &url, "--all"]));
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("cannot open store") && stderr.contains("absent.db"),
        "{stderr}"
    );
}

fn sqlite_with(sql: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let status = std::process::Command::new("sqlite3")
        .arg(&path)
        .arg(sql)
        .status();
    if status.is_err() {
        // Without the sqlite3 shell, build the file through the library instead.
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            use sqlx::{ConnectOptions, Executor};
            let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true)
                .connect()
                .await
                .unwrap();
            conn.execute(sqlx::AssertSqlSafe(sql.to_owned()))
                .await
                .unwrap();
        });
    }
    let url = format!("sqlite://{}", path.display());
    (dir, url)
}

#[test]
fn a_missing_table_is_exit_2_naming_the_table() {
    let (_dir, url) = sqlite_with("CREATE TABLE other (id TEXT);");
    let (code, _, stderr) =
        output(command().args(["run", "-p", &desk_pipeline(), "--store", &url, "--all"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("table `zoho_connections` does not exist"),
        "{stderr}"
    );
}

#[test]
fn missing_columns_are_exit_2_naming_each_column() {
    let (_dir, url) = sqlite_with(
        "CREATE TABLE zoho_connections (user_id TEXT, access_token TEXT, refresh_token TEXT, token_expires_at INTEGER, api_domain TEXT, org_id TEXT);",
    );
    let (code, _, stderr) = output(command().args([
        "run",
        "-p",
        &desk_pipeline(),
        "--store",
        &url,
        "--user",
        "x",
    ]));
    assert_eq!(code, 2);
    assert!(
        stderr
            .contains("lacks columns `desk_org_id`, `desk_portal`, which the `seed` schema needs"),
        "{stderr}"
    );
}

#[test]
fn all_on_an_empty_table_is_exit_2() {
    let (_dir, url) = sqlite_with(&format!(
        "{};",
        zoho_doctor::store::seed_table_sql("sqlite://", "zoho_connections")
    ));
    let (code, _, stderr) =
        output(command().args(["run", "-p", &desk_pipeline(), "--store", &url, "--all"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no connections matched: --all found none in the store"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_schema_preset_is_exit_2() {
    let (code, _, stderr) = output(command().args([
        "run",
        "-p",
        &desk_pipeline(),
        "--store",
        "sqlite://x.db",
        "--schema",
        "nope",
        "--all",
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown --schema `nope`"), "{stderr}");
}

#[test]
fn insecure_endpoint_override_is_exit_2() {
    let (code, _, stderr) = output(
        command()
            .env("ZOHO_DESK_URL", "http://desk.example.com/{dc}")
            .args(["run", "-p", &desk_pipeline(), "--all"]),
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("plain http:// for a non-loopback host"),
        "{stderr}"
    );
}

#[test]
fn help_documents_exit_codes_and_flags() {
    let (code, stdout, _) = output(command().args(["run", "--help"]));
    assert_eq!(code, 0);
    for needle in [
        "Exit codes:",
        "--junit",
        "--store",
        "--user",
        "--all",
        "--force-refresh",
        "ZOHO_DOCTOR_STORE",
    ] {
        assert!(
            stdout.contains(needle),
            "`{needle}` missing from run --help:\n{stdout}"
        );
    }
}

#[test]
fn list_names_every_check_kind() {
    let (code, stdout, _) = output(command().arg("list"));
    assert_eq!(code, 0);
    for kind in zoho_doctor::checks::Kind::ALL {
        assert!(
            stdout.contains(kind.name()),
            "{} missing:\n{stdout}",
            kind.name()
        );
    }
}

fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    output(command().current_dir(dir).args(args))
}

#[test]
fn a_bare_store_path_suggests_its_sqlite_url() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_in(
        dir.path(),
        &["run", "-p", "desk", "--store", "app.db", "--all"],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("store `app.db` has no scheme; did you mean `sqlite://app.db`?"),
        "{stderr}"
    );
}

#[test]
fn a_missing_default_store_names_the_flag_and_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run_in(dir.path(), &["run", "-p", "desk", "--all"]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(
        stderr
            .contains("the default store sqlite://zoho-doctor.db does not exist in this directory")
            && stderr.contains("`--store URL`")
            && stderr.contains("ZOHO_DOCTOR_STORE"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("zoho-doctor.db").exists(),
        "no store file is created"
    );
}

#[test]
fn an_unsupported_scheme_lists_every_store_env_and_mariadb_included() {
    let (code, _, stderr) = output(command().args([
        "run",
        "-p",
        "desk",
        "--store",
        "redis://cache.example/0",
        "--all",
    ]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unsupported store `redis://cache.example/0`")
            && stderr.contains("sqlite://PATH")
            && stderr.contains("mariadb://USER@HOST/DB")
            && stderr.contains(" or env:"),
        "{stderr}"
    );
}

#[test]
fn mariadb_urls_are_read_as_mysql() {
    // Port 1 refuses: the URL was accepted and a MySQL connection attempted.
    let (code, _, stderr) = output(command().args([
        "run",
        "-p",
        "desk",
        "--store",
        "mariadb://root@127.0.0.1:1/app",
        "--all",
    ]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot open store mariadb://root@127.0.0.1:1/app: 127.0.0.1:1/app"),
        "{stderr}"
    );
    assert!(!stderr.contains("unsupported"), "{stderr}");
}

#[test]
fn completions_come_from_the_clap_definition_for_each_shell() {
    let (code, bash, _) = output(command().args(["completions", "bash"]));
    assert_eq!(code, 0);
    for needle in [
        "zoho-doctor",
        "pipelines",
        "validate",
        "--pipeline",
        "--store",
    ] {
        assert!(bash.contains(needle), "bash completion lacks {needle}");
    }
    for (shell, marker) in [
        ("zsh", "#compdef zoho-doctor"),
        ("fish", "complete -c zoho-doctor"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let (code, script, _) = output(command().args(["completions", shell]));
        assert_eq!(code, 0, "{shell}");
        assert!(script.contains(marker), "{shell}: {marker} missing");
        assert!(script.contains("pipeline"), "{shell}");
    }
    let (code, _, stderr) = output(command().args(["completions", "tcsh"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("possible values: bash"), "{stderr}");
}

#[test]
fn man_prints_a_roff_page_naming_the_subcommands_and_one_per_subcommand() {
    // clap_mangen opens with the definition of the apostrophe string (`.ie`/`.el`), then `.TH`.
    let first_macro = |page: &str| {
        page.lines()
            .find(|line| !line.starts_with(".ie ") && !line.starts_with(".el "))
            .unwrap_or_default()
            .to_owned()
    };
    let (code, page, _) = output(command().arg("man"));
    assert_eq!(code, 0);
    assert!(
        first_macro(&page).starts_with(".TH zoho-doctor 1"),
        "{page}"
    );
    assert!(
        page.contains(".SH NAME") && page.contains(".SH SUBCOMMANDS"),
        "{page}"
    );
    for subcommand in ["run", "validate", "pipelines", "completions", "man"] {
        assert!(
            page.contains(&format!("zoho\\-doctor\\-{subcommand}(1)")),
            "{subcommand} not named:\n{page}"
        );
    }

    let (code, run, _) = output(command().args(["man", "run"]));
    assert_eq!(code, 0);
    assert!(
        first_macro(&run).starts_with(".TH zoho-doctor-run 1"),
        "{run}"
    );
    assert!(
        run.contains("\\-\\-pipeline") && run.contains("\\-\\-store"),
        "{run}"
    );

    let (code, _, stderr) = output(command().args(["man", "rn"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no subcommand `rn`") && stderr.contains("did you mean `run`?"),
        "{stderr}"
    );
}

#[test]
fn sim_latency_is_read_as_a_pipeline_duration() {
    let (code, _, stderr) = output(command().args(["sim", "--latency", "50"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no unit"), "{stderr}");
}

#[test]
fn sim_copies_names_a_scenario_of_the_catalogue() {
    let (code, _, stderr) = output(command().args(["sim", "--copies", "nope=3"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no scenario `nope`"), "{stderr}");
}
