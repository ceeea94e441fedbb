//! Store URLs that are not a database table or that fail: the `env:` store, an unreachable host
//! and a rejected login — exit 2, the host named, the password never shown.

use crate::{
    common::{self, Harness},
    db::seed,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_store_checks_one_connection_and_fix_only_reports() {
    let h = Harness::start().await;
    let s = seed(&h, "token-expired").clone();
    let mut cmd = h.command();
    cmd.env("ZOHO_CLIENT_ID", s.client_id.as_deref().unwrap())
        .env("ZOHO_CLIENT_SECRET", s.client_secret.as_deref().unwrap())
        .env("ZOHO_REFRESH_TOKEN", s.refresh_token.as_deref().unwrap())
        .env("ZOHO_DC", "us")
        .args([
            "run",
            "-p",
            &common::desk_pipeline(),
            "--store",
            "env:",
            "--all",
            "--fix",
            "--format",
            "json",
        ]);
    let output = common::output(cmd).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let connection = &report["connections"][0];
    assert_eq!(connection["user"], "env");
    let changes = connection["changes"].to_string();
    assert!(
        changes.contains("env: would store access token ***"),
        "{changes}"
    );
    assert!(changes.contains("ZOHO_DESK_ORG_ID="), "{changes}");
    assert!(!stdout.contains(s.refresh_token.as_deref().unwrap()));
    assert!(!stdout.contains(s.client_secret.as_deref().unwrap()));

    let mut missing = h.command();
    missing.args([
        "run",
        "-p",
        &common::desk_pipeline(),
        "--store",
        "env:",
        "--all",
    ]);
    let output = common::output(missing).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("the env: store needs ZOHO_CLIENT_ID")
    );
}

#[test]
fn an_unreachable_store_is_exit_2_with_the_host_and_no_password() {
    let output = common::command()
        .args([
            "run",
            "-p",
            &common::desk_pipeline(),
            "--all",
            "--store",
            "postgres://app:Sup3rSecretPw@127.0.0.1:1/appdb",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("127.0.0.1:1/appdb"), "{stderr}");
    assert!(
        stderr.contains("Connection refused") && !stderr.contains("timed out"),
        "the database's own reason, not the pool's: {stderr}"
    );
    assert!(
        stderr.contains("`ps` shows"),
        "a password on the command line is warned about: {stderr}"
    );
    assert!(!stderr.contains("Sup3rSecretPw"), "{stderr}");
}

#[test]
fn a_rejected_login_is_exit_2_with_the_databases_own_error_and_no_password() {
    let Ok(url) = std::env::var("ZOHO_DOCTOR_TEST_MYSQL_URL") else {
        common::skipped(
            "MariaDB login test: ZOHO_DOCTOR_TEST_MYSQL_URL is unset (.ci/run sets it)",
        );
        return;
    };
    let mut parsed = url::Url::parse(&url).unwrap();
    parsed.set_username("zoho_doctor_nobody").unwrap();
    parsed.set_password(Some("Sup3rSecretPw")).unwrap();
    let output = common::command()
        .env("ZOHO_DOCTOR_STORE", parsed.as_str())
        .args(["run", "-p", &common::desk_pipeline(), "--all"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Access denied"),
        "the database's own error: {stderr}"
    );
    assert!(!stderr.contains("Sup3rSecretPw"), "{stderr}");
    assert!(
        !stderr.contains("`ps` shows"),
        "from the environment, no ps warning: {stderr}"
    );
}
