//! Real connection stores: SQLite always, PostgreSQL and MariaDB when `.ci/run` (or you) set
//! ZOHO_DOCTOR_TEST_POSTGRES_URL / ZOHO_DOCTOR_TEST_MYSQL_URL. Every test runs on every backend:
//! presets, expiry formats, custom mappings, `--fix` write-back with compare-and-swap, no write
//! without `--fix`, encrypted tokens, `env:`, and store URL hygiene.

mod common;

use std::sync::Arc;

use common::{Harness, Run};
use sqlx::{
    AssertSqlSafe, Executor, Row,
    mysql::MySqlPoolOptions,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqlitePoolOptions},
};
use zoho_doctor::sim::SeededConnection;

enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
    MySql(sqlx::MySqlPool),
}

/// One database to test against, with what differs between them.
struct Db {
    name: &'static str,
    url: String,
    pool: Pool,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    async fn all() -> Vec<Db> {
        let mut dbs = Vec::new();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .connect_with(options)
            .await
            .unwrap();
        dbs.push(Db {
            name: "sqlite",
            url: format!("sqlite://{}", path.display()),
            pool: Pool::Sqlite(pool),
            _dir: Some(dir),
        });
        for (name, var, server) in [
            ("postgres", "ZOHO_DOCTOR_TEST_POSTGRES_URL", "PostgreSQL"),
            ("mysql", "ZOHO_DOCTOR_TEST_MYSQL_URL", "MariaDB"),
        ] {
            match std::env::var(var) {
                Ok(url) => dbs.push(Db {
                    name,
                    ..Db::connect(&url).await
                }),
                Err(_) => {
                    common::skipped(&format!("{server} part: {var} is unset (.ci/run sets it)"))
                }
            }
        }
        dbs
    }

    async fn exec(&self, sql: &str) {
        let sql = AssertSqlSafe(sql.to_owned());
        let result = match &self.pool {
            Pool::Sqlite(pool) => pool.execute(sql).await.map(|_| ()),
            Pool::Postgres(pool) => pool.execute(sql).await.map(|_| ()),
            Pool::MySql(pool) => pool.execute(sql).await.map(|_| ()),
        };
        result.unwrap_or_else(|err| panic!("{}: {err}", self.name));
    }

    /// Every row of a query whose columns are all cast to text by `text()`.
    async fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        let sql = AssertSqlSafe(sql.to_owned());
        macro_rules! read {
            ($pool:expr) => {{
                let rows = sqlx::query(sql).fetch_all($pool).await.unwrap();
                rows.iter()
                    .map(|row| {
                        (0..row.len())
                            .map(|i| row.try_get::<Option<String>, _>(i).unwrap())
                            .collect()
                    })
                    .collect()
            }};
        }
        match &self.pool {
            Pool::Sqlite(pool) => read!(pool),
            Pool::Postgres(pool) => read!(pool),
            Pool::MySql(pool) => read!(pool),
        }
    }

    /// `column` as text in a SELECT.
    fn text(&self, column: &str) -> String {
        match self.pool {
            Pool::Sqlite(_) => format!("CAST({column} AS TEXT)"),
            Pool::Postgres(_) => format!("{column}::text"),
            Pool::MySql(_) => format!("CAST({column} AS CHAR)"),
        }
    }

    fn text_type(&self) -> &'static str {
        match self.pool {
            Pool::MySql(_) => "VARCHAR(255)",
            Pool::Sqlite(_) | Pool::Postgres(_) => "TEXT",
        }
    }

    fn timestamp_type(&self) -> Option<&'static str> {
        match self.pool {
            Pool::Sqlite(_) => None,
            Pool::Postgres(_) => Some("TIMESTAMPTZ"),
            Pool::MySql(_) => Some("DATETIME"),
        }
    }

    /// A fresh seed-preset table called `table`, with `expiry_type` for token_expires_at.
    async fn seed_table(&self, table: &str, expiry_type: &str) {
        self.exec(&format!("DROP TABLE IF EXISTS {table}")).await;
        let t = self.text_type();
        self.exec(&format!(
            "CREATE TABLE {table} (user_id {t} PRIMARY KEY, access_token {t}, refresh_token {t}, \
             token_expires_at {expiry_type}, api_domain {t}, org_id {t}, desk_org_id {t}, desk_portal {t}, \
             dc {t}, scopes {t}, client_id {t}, client_secret {t})"
        ))
        .await;
    }

    /// Inserts a scenario's row; `expiry` is SQL (a literal or an expression).
    async fn insert(&self, table: &str, user: &str, seed: &SeededConnection, expiry: &str) {
        let quote = |value: &Option<String>| match value {
            Some(v) => format!("'{}'", v.replace('\'', "''")),
            None => "NULL".to_owned(),
        };
        self.exec(&format!(
            "INSERT INTO {table} VALUES ('{user}', {}, {}, {expiry}, {}, {}, {}, {}, {}, {}, {}, {})",
            quote(&seed.access_token),
            quote(&seed.refresh_token),
            quote(&seed.api_domain),
            quote(&seed.org_id),
            quote(&seed.desk_org_id),
            quote(&seed.desk_portal),
            quote(&seed.dc),
            quote(&seed.scopes),
            quote(&seed.client_id),
            quote(&seed.client_secret),
        ))
        .await;
    }

    /// One column of one row, as text.
    async fn value(&self, table: &str, user: &str, column: &str) -> Option<String> {
        let rows = self
            .rows(&format!(
                "SELECT {} FROM {table} WHERE user_id = '{user}'",
                self.text(column)
            ))
            .await;
        rows.into_iter()
            .next()
            .and_then(|row| row.into_iter().next().flatten())
    }

    /// Every row of a table, every column as text, for "nothing changed" comparisons.
    async fn dump(&self, table: &str) -> Vec<Vec<Option<String>>> {
        let columns = [
            "user_id",
            "access_token",
            "refresh_token",
            "token_expires_at",
            "api_domain",
            "org_id",
            "desk_org_id",
            "desk_portal",
            "dc",
            "scopes",
            "client_id",
            "client_secret",
        ]
        .map(|c| self.text(c))
        .join(", ");
        self.rows(&format!("SELECT {columns} FROM {table} ORDER BY user_id"))
            .await
    }
}

fn seed<'a>(h: &'a Harness, scenario: &str) -> &'a SeededConnection {
    h.sim.seed(scenario).unwrap()
}

async fn run_on(h: &Harness, db: &Db, table: &str, args: &[&str]) -> Run {
    let mut all = vec!["--store", db.url.as_str(), "--table", table];
    all.extend_from_slice(args);
    h.run(&common::desk_pipeline(), &all).await
}

/// A run's check of one user, from the JSON report.
fn check<'a>(run: &'a Run, user: &str, id: &str) -> &'a serde_json::Value {
    run.json["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["user"] == user)
        .and_then(|c| {
            c["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["id"] == id)
        })
        .unwrap_or_else(|| panic!("no {id} for {user}: {}", run.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_preset_reads_every_expiry_format() {
    let h = Harness::start().await;
    let healthy = seed(&h, "healthy").clone();
    let at: i64 = healthy.token_expires_at.clone().unwrap().parse().unwrap();
    let iso = chrono::DateTime::from_timestamp(at, 0).unwrap();
    for db in Db::all().await {
        let mut formats = vec![
            ("epoch_s", "BIGINT", at.to_string(), "epoch seconds"),
            (
                "epoch_ms",
                "BIGINT",
                (at * 1000).to_string(),
                "epoch milliseconds",
            ),
            (
                "epoch_ms_text",
                db.text_type(),
                format!("'{}'", at * 1000),
                "epoch milliseconds",
            ),
            (
                "iso_text",
                db.text_type(),
                format!("'{}'", iso.to_rfc3339()),
                "a timestamp",
            ),
            (
                "sql_text",
                db.text_type(),
                format!("'{}'", iso.format("%Y-%m-%d %H:%M:%S")),
                "a timestamp",
            ),
        ];
        if let Some(timestamp) = db.timestamp_type() {
            formats.push((
                "native",
                timestamp,
                format!("'{}'", iso.format("%Y-%m-%d %H:%M:%S")),
                "a timestamp",
            ));
        }
        for (name, column_type, literal, unit) in formats {
            let table = format!("expiry_{name}");
            db.seed_table(&table, column_type).await;
            db.insert(&table, "u1", &healthy, &literal).await;
            let run = run_on(&h, &db, &table, &["--user", "u1"]).await;
            assert_eq!(
                run.code, 0,
                "{} {name}: {}\n{}",
                db.name, run.stdout, run.stderr
            );
            let details = check(&run, "u1", "connection")["details"].to_string();
            assert!(
                details.contains(&format!("({unit})")),
                "{} {name}: {details}",
                db.name
            );
            assert!(
                details.contains(&iso.to_rfc3339()),
                "{} {name}: the instant is read: {details}",
                db.name
            );
            assert_eq!(
                check(&run, "u1", "refresh")["status"],
                "pass",
                "{} {name}: no refresh needed",
                db.name
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zoho_sdk_token_table_is_read() {
    let h = Harness::start().await;
    let crm = seed(&h, "crm-healthy").clone();
    let expiry_ms: i64 = crm
        .token_expires_at
        .clone()
        .unwrap()
        .parse::<i64>()
        .unwrap()
        * 1000;
    for db in Db::all().await {
        let table = "sdk_oauthtoken";
        db.exec(&format!("DROP TABLE IF EXISTS {table}")).await;
        // The CREATE TABLE of Zoho's Python SDK 8 README (zohocrm-python-sdk-8.0, DBStore).
        db.exec(&format!(
            "CREATE TABLE {table} (id varchar(10) NOT NULL, user_name varchar(255) NOT NULL, client_id varchar(255), \
             client_secret varchar(255), refresh_token varchar(255), access_token varchar(255), grant_token varchar(255), \
             expiry_time varchar(20), redirect_url varchar(255), api_domain varchar(255), primary key (id))"
        ))
        .await;
        db.exec(&format!(
            "INSERT INTO {table} VALUES ('1', 'crm-admin@example.test', '{}', '{}', '{}', '{}', NULL, '{expiry_ms}', NULL, '{}')",
            crm.client_id.as_deref().unwrap(),
            crm.client_secret.as_deref().unwrap(),
            crm.refresh_token.as_deref().unwrap(),
            crm.access_token.as_deref().unwrap(),
            crm.api_domain.as_deref().unwrap(),
        ))
        .await;
        let run = h
            .run(
                &common::repo_file("checks/crm.yaml"),
                &[
                    "--store",
                    &db.url,
                    "--schema",
                    "zoho-sdk",
                    "--table",
                    table,
                    "--user",
                    "crm-admin@example.test",
                ],
            )
            .await;
        assert_eq!(run.code, 0, "{}: {}\n{}", db.name, run.stdout, run.stderr);
        let details = check(&run, "crm-admin@example.test", "connection")["details"].to_string();
        assert!(
            details.contains("(epoch milliseconds)"),
            "{}: {details}",
            db.name
        );
        assert_eq!(
            check(&run, "crm-admin@example.test", "profiles")["status"],
            "pass"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_mapping_reads_a_real_apps_table() {
    let h = Harness::start().await;
    let s = seed(&h, "org-blank").clone();
    for db in Db::all().await {
        let t = db.text_type();
        let table = "app_zoho_tokens";
        db.exec(&format!("DROP TABLE IF EXISTS {table}")).await;
        db.exec(&format!(
            "CREATE TABLE {table} (connection_id BIGINT PRIMARY KEY, access_token {t}, refresh_token {t}, \
             access_token_expires_at {t}, api_domain {t}, org_id {t}, desk_org {t}, desk_portal {t}, region {t}, \
             client_id {t}, client_secret {t})"
        ))
        .await;
        let expiry: i64 = s
            .token_expires_at
            .as_deref()
            .map(|iso| {
                chrono::DateTime::parse_from_rfc3339(iso)
                    .unwrap()
                    .timestamp()
            })
            .unwrap();
        db.exec(&format!(
            "INSERT INTO {table} VALUES (42, '{}', '{}', '{}', '{}', NULL, NULL, '{}', 'https://accounts.zoho.com', '{}', '{}')",
            s.access_token.as_deref().unwrap(),
            s.refresh_token.as_deref().unwrap(),
            expiry * 1000,
            s.api_domain.as_deref().unwrap(),
            s.desk_portal.as_deref().unwrap(),
            s.client_id.as_deref().unwrap(),
            s.client_secret.as_deref().unwrap(),
        ))
        .await;
        let run = run_on(
            &h,
            &db,
            table,
            &[
                "--column",
                "key=connection_id",
                "--column",
                "expiry=access_token_expires_at",
                "--column",
                "desk_org_id=desk_org",
                "--column",
                "dc=region",
                "--user",
                "42",
            ],
        )
        .await;
        assert_eq!(run.code, 0, "{}: {}\n{}", db.name, run.stdout, run.stderr);
        assert_eq!(
            check(&run, "42", "data-centre")["status"],
            "pass",
            "an accounts URL is a data centre"
        );
        assert_eq!(check(&run, "42", "org")["status"], "warn", "discovered");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_column_is_exit_2_naming_it() {
    let h = Harness::start().await;
    for db in Db::all().await {
        let t = db.text_type();
        db.exec("DROP TABLE IF EXISTS lacking").await;
        db.exec(&format!(
            "CREATE TABLE lacking (user_id {t}, access_token {t}, refresh_token {t}, token_expires_at {t}, api_domain {t}, org_id {t}, desk_org_id {t})"
        ))
        .await;
        let run = run_on(&h, &db, "lacking", &["--all"]).await;
        assert_eq!(run.code, 2, "{}", db.name);
        assert!(
            run.stderr
                .contains("lacks column `desk_portal`, which the `seed` schema needs"),
            "{}: {}",
            db.name,
            run.stderr
        );
        let run = run_mapped_missing(&h, &db).await;
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.contains("`token_expiry`"),
            "{}: {}",
            db.name,
            run.stderr
        );
    }
}

async fn run_mapped_missing(h: &Harness, db: &Db) -> Run {
    run_on(
        h,
        db,
        "lacking",
        &["--column", "expiry=token_expiry", "--all"],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_fix_nothing_is_written() {
    let h = Harness::start().await;
    for db in Db::all().await {
        let table = "no_fix";
        db.seed_table(table, db.text_type()).await;
        for scenario in ["token-expired", "org-blank", "portal-missing"] {
            let s = seed(&h, scenario);
            db.insert(
                table,
                scenario,
                s,
                &format!("'{}'", s.token_expires_at.as_deref().unwrap()),
            )
            .await;
        }
        let before = db.dump(table).await;
        let file_before = db
            ._dir
            .as_ref()
            .map(|dir| std::fs::read(dir.path().join("app.db")).unwrap());
        let run = run_on(&h, &db, table, &["--all"]).await;
        assert_eq!(run.code, 0, "{}: {}", db.name, run.stdout);
        assert_eq!(
            check(&run, "token-expired", "refresh")["status"],
            "warn",
            "a mint happened"
        );
        assert_eq!(
            db.dump(table).await,
            before,
            "{}: the table is unchanged",
            db.name
        );
        if let Some(file_before) = file_before {
            let after = std::fs::read(db._dir.as_ref().unwrap().path().join("app.db")).unwrap();
            assert!(
                after == file_before,
                "the SQLite file is byte-for-byte unchanged"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_onboards_a_connection_and_persists_token_expiry_org_and_portal() {
    let h = Harness::start().await;
    for db in Db::all().await {
        let table = "fix_onboarding";
        db.seed_table(table, db.text_type()).await;
        // A new connection: expired token, blank org id and blank portal.
        let mut onboarding = seed(&h, "token-expired").clone();
        onboarding.desk_org_id = None;
        onboarding.desk_portal = None;
        let old_expiry = onboarding.token_expires_at.clone().unwrap();
        db.insert(table, "new-user", &onboarding, &format!("'{old_expiry}'"))
            .await;
        let run = run_on(&h, &db, table, &["--user", "new-user", "--fix"]).await;
        assert_eq!(run.code, 0, "{}: {}\n{}", db.name, run.stdout, run.stderr);
        assert_eq!(
            check(&run, "new-user", "refresh")["status"],
            "pass",
            "with --fix the mint is stored, not a warning"
        );

        let token = db.value(table, "new-user", "access_token").await.unwrap();
        assert_ne!(
            Some(token.as_str()),
            onboarding.access_token.as_deref(),
            "{}: the access token was replaced",
            db.name
        );
        assert!(token.starts_with("1000."), "a Zoho token was stored");
        assert_eq!(
            db.value(table, "new-user", "refresh_token").await,
            onboarding.refresh_token,
            "{}: refresh token kept",
            db.name
        );
        let new_expiry = db
            .value(table, "new-user", "token_expires_at")
            .await
            .unwrap();
        assert_eq!(
            new_expiry.len(),
            old_expiry.len(),
            "{}: still epoch milliseconds: {new_expiry}",
            db.name
        );
        assert!(
            new_expiry.parse::<i64>().unwrap() > old_expiry.parse::<i64>().unwrap() + 3_000_000
        );

        let org = db
            .value(table, "new-user", "desk_org_id")
            .await
            .expect("org id persisted");
        let portal = db
            .value(table, "new-user", "desk_portal")
            .await
            .expect("portal persisted");
        assert!(
            check(&run, "new-user", "org")["message"]
                .as_str()
                .unwrap()
                .contains(&org)
        );
        assert_eq!(portal, "tokenexpired");

        let changes = run.json["connections"][0]["changes"].to_string();
        assert!(
            changes.contains("`access_token`: *** → *** (refreshed)"),
            "{changes}"
        );
        assert!(
            changes.contains(&format!("`desk_org_id`: (empty) → `{org}`")),
            "{changes}"
        );
        assert!(
            changes.contains("`desk_portal`: (empty) → `tokenexpired`"),
            "{changes}"
        );
        assert!(
            !changes.contains(&token),
            "{}: the new token is not in the report",
            db.name
        );
        assert!(
            run.stdout.contains("Changes"),
            "the table lists the changes"
        );

        // A second run finds everything stored: nothing left to write, every check passes.
        let again = run_on(&h, &db, table, &["--user", "new-user", "--fix"]).await;
        assert_eq!(again.code, 0);
        assert_eq!(
            again.json["summary"]["passed"], 7,
            "{}: {}",
            db.name, again.stdout
        );
        assert_eq!(
            again.json["connections"][0]["changes"],
            serde_json::json!([])
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_keeps_the_apps_token_when_it_refreshed_meanwhile() {
    let h = Harness::start().await;
    for db in Db::all().await {
        let table = format!("cas_{}", db.name);
        db.seed_table(&table, db.text_type()).await;
        let mut s = seed(&h, "token-expired").clone();
        s.desk_org_id = None;
        db.insert(
            &table,
            "racer",
            &s,
            &format!("'{}'", s.token_expires_at.as_deref().unwrap()),
        )
        .await;
        // The app refreshes the same row while zoho-doctor is mid-run.
        let url = db.url.clone();
        let hook_table = table.clone();
        h.sim.on_mint(Arc::new(move |_refresh_token| {
            let (url, table) = (url.clone(), hook_table.clone());
            Box::pin(async move {
                let store = Db::connect(&url).await;
                store
                    .exec(&format!("UPDATE {table} SET access_token = 'apps-own-new-token', token_expires_at = '9999' WHERE user_id = 'racer'"))
                    .await;
            })
        }));
        let run = run_on(&h, &db, &table, &["--user", "racer", "--fix"]).await;
        h.sim.on_mint(Arc::new(|_| Box::pin(async {})));
        assert_eq!(run.code, 0, "{}: {}\n{}", db.name, run.stdout, run.stderr);
        assert_eq!(
            db.value(&table, "racer", "access_token").await.as_deref(),
            Some("apps-own-new-token"),
            "{}: the app's token was kept",
            db.name
        );
        assert_eq!(
            db.value(&table, "racer", "token_expires_at")
                .await
                .as_deref(),
            Some("9999")
        );
        assert_eq!(
            db.value(&table, "racer", "refresh_token").await,
            s.refresh_token
        );
        assert!(
            db.value(&table, "racer", "desk_org_id").await.is_some(),
            "{}: the org id group is independent",
            db.name
        );
        let changes = run.json["connections"][0]["changes"].to_string();
        assert!(
            changes.contains("not written — the row changed after it was read"),
            "{changes}"
        );
    }
}

impl Db {
    /// A second connection to the same database, for the "app" in a race.
    async fn connect(url: &str) -> Db {
        let pool = if url.starts_with("sqlite:") {
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .connect(url)
                    .await
                    .expect("the test database is reachable"),
            )
        } else if url.starts_with("postgres:") {
            Pool::Postgres(
                PgPoolOptions::new()
                    .connect(url)
                    .await
                    .expect("the test database is reachable"),
            )
        } else {
            Pool::MySql(
                MySqlPoolOptions::new()
                    .connect(url)
                    .await
                    .expect("the test database is reachable"),
            )
        };
        Db {
            name: "app",
            url: url.to_owned(),
            pool,
            _dir: None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encrypted_token_column_is_reported_and_never_sent() {
    let h = Harness::start().await;
    for db in Db::all().await {
        let table = "encrypted";
        db.seed_table(table, db.text_type()).await;
        let mut s = seed(&h, "token-expired").clone();
        s.access_token =
            Some("gAAAAABnRk9yZXN0LWZlcm5ldC1jaXBoZXJ0ZXh0LWxvb2tzLWxpa2UtdGhpcw==".to_owned());
        s.refresh_token =
            Some("gAAAAABnRk9yZXN0LWZlcm5ldC1jaXBoZXJ0ZXh0LW1vcmUtb2YtdGhlLXNhbWU=".to_owned());
        db.insert(
            table,
            "sealed",
            &s,
            &format!("'{}'", s.token_expires_at.as_deref().unwrap()),
        )
        .await;
        let before = h.sim.requests("/accounts") + h.sim.requests("/desk");
        let run = run_on(&h, &db, table, &["--user", "sealed"]).await;
        assert_eq!(run.code, 1);
        let connection = check(&run, "sealed", "connection");
        assert_eq!(connection["code"], "token_encrypted");
        assert!(
            connection["message"]
                .as_str()
                .unwrap()
                .contains("`access_token` and `refresh_token` hold an encrypted value"),
            "{connection}"
        );
        assert_eq!(
            h.sim.requests("/accounts") + h.sim.requests("/desk"),
            before,
            "{}: nothing was sent to Zoho",
            db.name
        );
    }
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_does_not_store_an_organisation_it_had_to_guess() {
    let h = Harness::start().await;
    for db in Db::all().await {
        let table = "guessed_org";
        db.seed_table(table, db.text_type()).await;
        let s = seed(&h, "orgs-no-default");
        db.insert(
            table,
            "guess",
            s,
            &format!("'{}'", s.token_expires_at.as_deref().unwrap()),
        )
        .await;
        let run = run_on(&h, &db, table, &["--user", "guess", "--fix"]).await;
        assert_eq!(check(&run, "guess", "org")["status"], "warn");
        assert_eq!(
            db.value(table, "guess", "desk_org_id").await,
            None,
            "{}: a guess is not stored",
            db.name
        );
        assert_eq!(
            db.value(table, "guess", "desk_portal").await,
            None,
            "{}",
            db.name
        );
        let changes = run.json["connections"][0]["changes"].to_string();
        assert!(
            changes.contains("none is the default; store the right org id by hand"),
            "{changes}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_without_an_expiry_column_is_read_when_declared_absent() {
    let h = Harness::start().await;
    let s = seed(&h, "healthy").clone();
    for db in Db::all().await {
        let t = db.text_type();
        db.exec("DROP TABLE IF EXISTS no_expiry").await;
        db.exec(&format!(
            "CREATE TABLE no_expiry (user_id {t}, access_token {t}, refresh_token {t}, api_domain {t}, org_id {t}, desk_org_id {t}, desk_portal {t})"
        ))
        .await;
        db.exec(&format!(
            "INSERT INTO no_expiry VALUES ('u', '{}', '{}', '{}', NULL, '{}', '{}')",
            s.access_token.as_deref().unwrap(),
            s.refresh_token.as_deref().unwrap(),
            s.api_domain.as_deref().unwrap(),
            s.desk_org_id.as_deref().unwrap(),
            s.desk_portal.as_deref().unwrap(),
        ))
        .await;
        let missing = run_on(&h, &db, "no_expiry", &["--all"]).await;
        assert_eq!(
            missing.code, 2,
            "{}: undeclared, the column is required",
            db.name
        );
        let mut cmd = h.command();
        cmd.env("ZOHO_CLIENT_ID", s.client_id.as_deref().unwrap())
            .env("ZOHO_CLIENT_SECRET", s.client_secret.as_deref().unwrap())
            .args([
                "run",
                "-p",
                &common::desk_pipeline(),
                "--store",
                &db.url,
                "--table",
                "no_expiry",
                "--column",
                "expiry=",
                "--all",
                "--format",
                "json",
            ]);
        let output = common::output(cmd).await;
        let report: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
        let refresh = &report["connections"][0]["checks"][1];
        assert_eq!(refresh["status"], "warn", "{}: {refresh}", db.name);
        assert!(
            refresh["message"]
                .as_str()
                .unwrap()
                .contains("no token expiry"),
            "{refresh}"
        );
        assert_eq!(
            report["connections"][0]["checks"][6]["status"], "pass",
            "{}: the profile is read",
            db.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_uuid_keys_and_numeric_columns_are_read_as_text() {
    let h = Harness::start().await;
    let s = seed(&h, "healthy").clone();
    let Some(db) = Db::all().await.into_iter().find(|db| db.name == "postgres") else {
        common::skipped("PostgreSQL uuid test: ZOHO_DOCTOR_TEST_POSTGRES_URL is unset");
        return;
    };
    db.exec("DROP TABLE IF EXISTS uuid_keys").await;
    db.exec(
        "CREATE TABLE uuid_keys (user_id uuid PRIMARY KEY, access_token text, refresh_token text, token_expires_at numeric, \
         api_domain text, org_id text, desk_org_id numeric, desk_portal text, client_id text, client_secret text)",
    )
    .await;
    let uuid = "8f14e45f-ceea-467e-a1b2-0c8d7f0e6a11";
    db.exec(&format!(
        "INSERT INTO uuid_keys VALUES ('{uuid}', '{}', '{}', {}, '{}', NULL, {}, '{}', '{}', '{}')",
        s.access_token.as_deref().unwrap(),
        s.refresh_token.as_deref().unwrap(),
        s.token_expires_at.as_deref().unwrap(),
        s.api_domain.as_deref().unwrap(),
        s.desk_org_id.as_deref().unwrap(),
        s.desk_portal.as_deref().unwrap(),
        s.client_id.as_deref().unwrap(),
        s.client_secret.as_deref().unwrap(),
    ))
    .await;
    let run = run_on(&h, &db, "uuid_keys", &["--all"]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json["connections"][0]["user"], uuid);
    assert_eq!(
        check(&run, uuid, "org")["status"],
        "pass",
        "a numeric org id column is read"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_back_that_fails_is_rolled_back_and_reported_on_its_connection() {
    let h = Harness::start().await;
    let db = Db::all()
        .await
        .into_iter()
        .next()
        .expect("SQLite is always there");
    let table = "refuses_writes";
    db.seed_table(table, db.text_type()).await;
    for scenario in ["token-expired", "healthy"] {
        let s = seed(&h, scenario);
        db.insert(
            table,
            scenario,
            s,
            &format!("'{}'", s.token_expires_at.as_deref().unwrap()),
        )
        .await;
    }
    db.exec(&format!(
        "CREATE TRIGGER refuse BEFORE UPDATE ON {table} WHEN OLD.user_id = 'token-expired' \
         BEGIN SELECT RAISE(ABORT, 'this row is locked by the app'); END"
    ))
    .await;
    let before = db.dump(table).await;
    let run = run_on(&h, &db, table, &["--all", "--fix", "--force-refresh"]).await;
    assert_eq!(run.code, 1, "a failed write fails the run: {}", run.stdout);
    let failed = &run.json["connections"][1];
    assert_eq!(failed["user"], "token-expired");
    assert_eq!(failed["write_failed"], true);
    assert!(
        failed["changes"]
            .to_string()
            .contains("this row is locked by the app"),
        "{}",
        failed["changes"]
    );
    assert_eq!(
        run.json["connections"][0]["write_failed"], false,
        "the other connection was written"
    );
    let after = db.dump(table).await;
    assert_eq!(
        after[1], before[1],
        "the failed connection's row is untouched (rolled back)"
    );
    assert_ne!(after[0], before[0], "healthy's refreshed token was stored");
    assert!(
        run.junit
            .contains(r#"<testcase name="fix" classname="desk-profile.token-expired""#),
        "{}",
        run.junit
    );
    assert!(run.junit.contains("--fix could not write this connection"));
}
