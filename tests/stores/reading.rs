//! Reading a connection table: every expiry format, the `zoho-sdk` preset, custom column
//! mappings, missing or undeclared columns, PostgreSQL's uuid and numeric columns, and encrypted
//! tokens that are reported but never sent.

use crate::{
    common::{self, Harness, Run},
    db::{Db, check, run_on, seed},
};

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
