//! `zoho-doctor connect` against the simulator on loopback: a Self Client's code stored and
//! verified (org id and portal discovered), a used code (exit 1, `invalid_code`, row kept), an
//! answer without a refresh token (nothing stored), an existing row kept without `--replace`,
//! the `--listen` flow through the simulator's redirect (data centre from `accounts-server`),
//! Deny, and `--print-url`'s parameters (`listen.rs`); the `CREATE TABLE` a missing PostgreSQL
//! or MySQL table prints (`databases.rs`). No secret and no grant code in any output.

#[path = "../common/mod.rs"]
mod common;
mod databases;
mod listen;

use std::{
    io::Write as _,
    process::{Command, Stdio},
};

use common::{Harness, output};

pub const SCOPES: [&str; 2] = ["Desk.basic.READ", "AaaServer.profile.Read"];

pub struct Done {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub async fn run(command: Command) -> Done {
    let out = output(command).await;
    Done {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn connect(h: &Harness, store: &str, client: &(String, String), args: &[&str]) -> Command {
    let mut command = h.command();
    command
        .args(["connect", "--store", store])
        .args(args)
        .env("ZOHO_CLIENT_ID", &client.0)
        .env("ZOHO_CLIENT_SECRET", &client.1)
        .env_remove("ZOHO_GRANT_CODE")
        .env_remove("ZOHO_REDIRECT_URI")
        .stdin(Stdio::null());
    command
}

/// Every column of the user's row, as text.
pub async fn row(path: &std::path::Path, user: &str) -> Vec<(String, Option<String>)> {
    use sqlx::{Column as _, Connection as _, Row as _};
    let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("store opens");
    let found = sqlx::query("SELECT * FROM zoho_connections WHERE user_id = ?")
        .bind(user)
        .fetch_optional(&mut db)
        .await
        .expect("query");
    found.map_or_else(Vec::new, |found| {
        (0..found.len())
            .map(|i| {
                let name = found.columns()[i].name().to_owned();
                (name, found.try_get::<Option<String>, _>(i).ok().flatten())
            })
            .collect()
    })
}

pub fn column(row: &[(String, Option<String>)], name: &str) -> String {
    row.iter()
        .find(|(column, _)| column == name)
        .and_then(|(_, value)| value.clone())
        .unwrap_or_default()
}

pub fn assert_hidden(done: &Done, secrets: &[&str]) {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(
            !done.stdout.contains(secret) && !done.stderr.contains(secret),
            "a secret leaked:\n{}\n{}",
            done.stdout,
            done.stderr
        );
    }
}

#[tokio::test]
async fn a_self_client_code_is_stored_verified_and_works_once() {
    let h = Harness::start().await;
    h.sim.add_user("newbie");
    let client = h.sim.add_self_client("eu");
    let code = h.sim.grant_code("newbie", "eu", &client.0, &SCOPES, true);
    let db = h.path("new.db");
    let store = format!("sqlite://{}", db.display());
    let mut command = connect(
        &h,
        &store,
        &client,
        &["-v", "--user", "42", "--dc", "eu", "--self-client"],
    );
    command.env("ZOHO_GRANT_CODE", &code);
    let done = run(command).await;
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert!(done.stdout.contains("Created"), "{}", done.stdout);
    assert!(
        done.stdout.contains("Stored a new connection"),
        "{}",
        done.stdout
    );
    let stored = row(&db, "42").await;
    let refresh = column(&stored, "refresh_token");
    assert!(
        h.sim.grant_is_live(&refresh),
        "the stored refresh token is Zoho's"
    );
    assert_eq!(column(&stored, "dc"), "eu");
    assert_eq!(column(&stored, "client_id"), client.0);
    assert!(
        !column(&stored, "desk_org_id").is_empty(),
        "org id discovered: {stored:?}"
    );
    assert!(
        !column(&stored, "desk_portal").is_empty(),
        "portal discovered: {stored:?}"
    );
    let expiry: i64 = column(&stored, "token_expires_at")
        .parse()
        .expect("a number");
    assert!(
        expiry > 1_000_000_000_000,
        "epoch milliseconds in a text column: {expiry}"
    );
    assert_hidden(
        &done,
        &[&code, &client.1, &refresh, &column(&stored, "access_token")],
    );

    // The same code again, even with --replace: Zoho says invalid_code, the row stays.
    let mut again = connect(
        &h,
        &store,
        &client,
        &["--user", "42", "--dc", "eu", "--self-client", "--replace"],
    );
    again.env("ZOHO_GRANT_CODE", &code);
    let done = run(again).await;
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    assert!(done.stderr.contains("invalid_code"), "{}", done.stderr);
    assert!(
        done.stderr.contains("already used or has expired"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("Nothing was stored"),
        "{}",
        done.stderr
    );
    let after = row(&db, "42").await;
    assert_eq!(
        column(&after, "refresh_token"),
        refresh,
        "the row is as it was"
    );
    assert_eq!(after.len(), stored.len());
    assert_hidden(&done, &[&code, &client.1, &refresh]);

    // A new good code without --replace: the existing row is kept and the command says so.
    let fresh = h.sim.grant_code("newbie", "eu", &client.0, &SCOPES, true);
    let mut kept = connect(
        &h,
        &store,
        &client,
        &["--user", "42", "--dc", "eu", "--self-client"],
    );
    kept.env("ZOHO_GRANT_CODE", &fresh);
    let done = run(kept).await;
    assert_eq!(done.code, 2, "{}\n{}", done.stdout, done.stderr);
    assert!(done.stderr.contains("already has a row"), "{}", done.stderr);
    assert!(done.stderr.contains("--replace"), "{}", done.stderr);
    assert_eq!(column(&row(&db, "42").await, "refresh_token"), refresh);

    // The store was asked before the exchange, so that code is still unused: with --replace the
    // tokens change in place and the old grant is said to stay live.
    let newer = fresh;
    let mut replace = connect(
        &h,
        &store,
        &client,
        &["--user", "42", "--dc", "eu", "--self-client", "--replace"],
    );
    replace.env("ZOHO_GRANT_CODE", &newer);
    let done = run(replace).await;
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert!(
        done.stdout.contains("stays live at Zoho until revoked"),
        "{}",
        done.stdout
    );
    let replaced = row(&db, "42").await;
    assert_ne!(column(&replaced, "refresh_token"), refresh);
    assert_eq!(
        column(&replaced, "desk_org_id"),
        column(&stored, "desk_org_id"),
        "other columns kept"
    );
}

#[tokio::test]
async fn an_answer_without_a_refresh_token_stores_nothing() {
    let h = Harness::start().await;
    h.sim.add_user("online");
    let client = h.sim.add_self_client("us");
    let code = h.sim.grant_code("online", "us", &client.0, &SCOPES, false);
    let db = h.path("none.db");
    let store = format!("sqlite://{}", db.display());
    let mut command = connect(
        &h,
        &store,
        &client,
        &["--user", "7", "--dc", "us", "--self-client"],
    );
    command.env("ZOHO_GRANT_CODE", &code);
    let done = run(command).await;
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    assert!(done.stderr.contains("no refresh_token"), "{}", done.stderr);
    assert!(
        done.stderr.contains("access_type=offline"),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("prompt=consent"), "{}", done.stderr);
    assert!(!db.exists(), "nothing stored, not even a new file");
    assert_hidden(&done, &[&code, &client.1]);
}

#[tokio::test]
async fn a_grant_code_is_never_an_argument_and_comes_from_stdin() {
    let h = Harness::start().await;
    h.sim.add_user("piped");
    let client = h.sim.add_self_client("in");
    let code = h.sim.grant_code("piped", "in", &client.0, &SCOPES, true);
    let db = h.path("stdin.db");
    let store = format!("sqlite://{}", db.display());
    let mut command = connect(
        &h,
        &store,
        &client,
        &["--user", "9", "--dc", "in", "--self-client"],
    );
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let code_line = format!("{code}\n");
    let done = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("spawns");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(code_line.as_bytes())
            .expect("writes");
        child.wait_with_output().expect("finishes")
    })
    .await
    .expect("join");
    let done = Done {
        code: done.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&done.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&done.stderr).into_owned(),
    };
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert_eq!(column(&row(&db, "9").await, "dc"), "in");
    assert_hidden(&done, &[&code, &client.1]);
}

pub async fn sqlite_table(path: &std::path::Path, sql: &[&'static str]) {
    use sqlx::{ConnectOptions as _, Connection as _};
    let mut db = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .connect()
        .await
        .expect("creates");
    for statement in sql {
        sqlx::query(*statement)
            .execute(&mut db)
            .await
            .expect("runs");
    }
    db.close().await.expect("closes");
}

#[tokio::test]
async fn the_sdk_table_gets_the_next_free_id_and_the_users_email() {
    let h = Harness::start().await;
    h.sim.add_user("sdkuser");
    let client = h.sim.add_self_client("au");
    let code = h.sim.grant_code("sdkuser", "au", &client.0, &SCOPES, true);
    let db = h.path("sdk.db");
    sqlite_table(&db, &[
        "CREATE TABLE oauthtoken (id INTEGER NOT NULL, user_name TEXT, client_id TEXT, client_secret TEXT, refresh_token TEXT, access_token TEXT, grant_token TEXT, expiry_time TEXT, redirect_url TEXT, api_domain TEXT)",
        "INSERT INTO oauthtoken (id, user_name, refresh_token) VALUES (5, 'other@example.test', '1000.x.y')",
    ])
    .await;
    let store = format!("sqlite://{}", db.display());
    let mut command = connect(
        &h,
        &store,
        &client,
        &[
            "--schema",
            "zoho-sdk",
            "--user",
            "ignored",
            "--dc",
            "au",
            "--self-client",
        ],
    );
    command.env("ZOHO_GRANT_CODE", &code);
    let done = run(command).await;
    assert!(
        done.stdout.contains("user_name `sdkuser@example.test`"),
        "{}\n{}",
        done.stdout,
        done.stderr
    );
    use sqlx::{Connection as _, Row as _};
    let mut conn = sqlx::SqliteConnection::connect(&store)
        .await
        .expect("opens");
    let stored = sqlx::query("SELECT id, client_id, expiry_time FROM oauthtoken WHERE user_name = 'sdkuser@example.test'")
        .fetch_one(&mut conn)
        .await
        .expect("a row");
    assert_eq!(stored.get::<i64, _>(0), 6, "the next free id");
    assert_eq!(stored.get::<String, _>(1), client.0);
    assert!(stored.get::<String, _>(2).parse::<i64>().expect("millis") > 1_000_000_000_000);
    assert_hidden(&done, &[&code, &client.1]);
}

#[tokio::test]
async fn an_unknown_not_null_column_is_named_before_the_code_is_spent() {
    let h = Harness::start().await;
    h.sim.add_user("strict");
    let client = h.sim.add_self_client("us");
    let code = h.sim.grant_code("strict", "us", &client.0, &SCOPES, true);
    let db = h.path("strict.db");
    sqlite_table(&db, &["CREATE TABLE zoho_connections (user_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, access_token TEXT, refresh_token TEXT, token_expires_at TEXT, api_domain TEXT, org_id TEXT, desk_org_id TEXT, desk_portal TEXT)"]).await;
    let store = format!("sqlite://{}", db.display());
    let mut command = connect(
        &h,
        &store,
        &client,
        &["--user", "3", "--dc", "us", "--self-client"],
    );
    command.env("ZOHO_GRANT_CODE", &code);
    let done = run(command).await;
    assert_eq!(done.code, 2, "{}\n{}", done.stdout, done.stderr);
    assert!(done.stderr.contains("`tenant_id`"), "{}", done.stderr);
    assert_eq!(
        h.sim.requests_to("POST", "/accounts/us/oauth/v2/token"),
        0,
        "the code was not spent"
    );
}

#[tokio::test]
async fn the_env_store_refuses_and_write_env_writes_a_private_file() {
    let h = Harness::start().await;
    h.sim.add_user("ci");
    let client = h.sim.add_self_client("eu");
    let refused = run(connect(
        &h,
        "env:",
        &client,
        &["--user", "1", "--dc", "eu", "--self-client"],
    ))
    .await;
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--write-env"), "{}", refused.stderr);
    let code = h.sim.grant_code("ci", "eu", &client.0, &SCOPES, true);
    let file = h.path("zoho.env");
    let mut command = connect(
        &h,
        "env:",
        &client,
        &["--user", "1", "--dc", "eu", "--self-client", "--write-env"],
    );
    command.arg(&file).env("ZOHO_GRANT_CODE", &code);
    let done = run(command).await;
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    let written = std::fs::read_to_string(&file).expect("written");
    assert!(written.contains("ZOHO_REFRESH_TOKEN=1000."), "{written}");
    assert!(written.contains("ZOHO_DC=eu"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_hidden(&done, &[&code, &client.1]);
    let refresh = written
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("ZOHO_REFRESH_TOKEN="))
        .unwrap_or_default();
    assert_hidden(&done, &[refresh]);
}

#[tokio::test]
async fn a_self_client_without_client_columns_is_warned_about_loudly() {
    let h = Harness::start().await;
    h.sim.add_user("bare");
    let client = h.sim.add_self_client("us");
    let code = h.sim.grant_code("bare", "us", &client.0, &SCOPES, true);
    let db = h.path("bare.db");
    sqlite_table(&db, &["CREATE TABLE zoho_connections (user_id TEXT PRIMARY KEY, access_token TEXT, refresh_token TEXT, token_expires_at INTEGER, api_domain TEXT, org_id TEXT, desk_org_id TEXT, desk_portal TEXT)"]).await;
    let store = format!("sqlite://{}", db.display());
    let mut command = connect(
        &h,
        &store,
        &client,
        &["--user", "5", "--dc", "us", "--self-client"],
    );
    command.env("ZOHO_GRANT_CODE", &code);
    let done = run(command).await;
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert!(
        done.stderr
            .contains("WARNING: the table has no client_id/client_secret columns"),
        "{}",
        done.stderr
    );
    use sqlx::{Connection as _, Row as _};
    let mut conn = sqlx::SqliteConnection::connect(&store)
        .await
        .expect("opens");
    let expiry: i64 = sqlx::query("SELECT token_expires_at FROM zoho_connections")
        .fetch_one(&mut conn)
        .await
        .expect("a row")
        .get(0);
    let now = chrono::Utc::now().timestamp();
    assert!(
        (now..now + 3700).contains(&expiry),
        "epoch seconds in an integer column: {expiry}"
    );
    assert_hidden(&done, &[&code, &client.1]);
}
