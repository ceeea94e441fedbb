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
fn run_without_users_or_all_is_a_usage_error() {
    let (code, _, stderr) = output(command().args(["run", "-p", &desk_pipeline()]));
    assert_eq!(code, 2);
    assert!(stderr.contains("--user"), "{stderr}");
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
    let (_dir, url) = sqlite_with(&format!("{};", zoho_doctor::demo::SEED_TABLE_SQL));
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

#[test]
fn sim_latency_is_read_as_a_pipeline_duration() {
    let (code, _, stderr) = output(command().args(["sim", "--latency", "50"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no unit"), "{stderr}");
}
