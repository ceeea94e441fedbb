//! Rows whose key is NULL or blank: the SDKs' token table writes `user_name` NULL for a token
//! without a user, and such a row is checked under its `id` (`id:7`); a table without an id
//! reports each such row as a connection with no user id. None is dropped, and `--fix` writes
//! such a row by its id.

use zoho_doctor::sim::SeededConnection;

use crate::{
    common::Harness,
    db::{Db, check, seed},
};

/// A pipeline of connection-exists alone: what is listed and how each row is named.
fn connection_only(h: &Harness) -> String {
    let path = h.path("connection-only.yaml");
    std::fs::write(
        &path,
        "name: t\napp: crm\nchecks:\n  - id: connection\n    kind: connection-exists\n",
    )
    .unwrap();
    path.display().to_string()
}

/// A fresh table as Zoho's Python SDK 8 creates it, where `user_name` may be NULL (a token
/// without a user), with `rows` of `(id, user_name as SQL, expiry_time)` holding `crm`'s tokens.
async fn sdk_table(db: &Db, table: &str, crm: &SeededConnection, rows: &[(&str, &str, &str)]) {
    db.exec(&format!("DROP TABLE IF EXISTS {table}")).await;
    db.exec(&format!(
        "CREATE TABLE {table} (id varchar(10) NOT NULL, user_name varchar(255), client_id varchar(255), \
         client_secret varchar(255), refresh_token varchar(255), access_token varchar(255), grant_token varchar(255), \
         expiry_time varchar(20), redirect_url varchar(255), api_domain varchar(255), primary key (id))"
    ))
    .await;
    for (id, user, expiry) in rows {
        db.exec(&format!(
            "INSERT INTO {table} VALUES ('{id}', {user}, '{}', '{}', '{}', '{}', NULL, '{expiry}', NULL, '{}')",
            crm.client_id.as_deref().unwrap(),
            crm.client_secret.as_deref().unwrap(),
            crm.refresh_token.as_deref().unwrap(),
            crm.access_token.as_deref().unwrap(),
            crm.api_domain.as_deref().unwrap(),
        ))
        .await;
    }
}

fn users(run: &crate::common::Run) -> Vec<String> {
    run.json["connections"]
        .as_array()
        .unwrap_or_else(|| panic!("no report: {}\n{}", run.stdout, run.stderr))
        .iter()
        .map(|c| c["user"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sdk_row_without_a_user_name_is_checked_under_its_id() {
    let h = Harness::start().await;
    let crm = seed(&h, "crm-healthy").clone();
    let pipeline = connection_only(&h);
    for db in Db::all().await {
        let table = "sdk_keyless";
        let rows = ["1", "2", "3", "4", "5"].map(|n| (n, format!("'u{n}'")));
        let mut rows: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|(id, user)| (*id, user.as_str(), "4102444800000"))
            .collect();
        rows.push(("7", "NULL", "4102444800000"));
        sdk_table(&db, table, &crm, &rows).await;
        let args = ["--store", &db.url, "--schema", "zoho-sdk", "--table", table];
        let run = h.run(&pipeline, &[&args[..], &["--all"]].concat()).await;
        assert_eq!(
            users(&run),
            ["u1", "u2", "u3", "u4", "u5", "id:7"],
            "{}: six rows, six connections",
            db.name
        );
        let keyless = check(&run, "id:7", "connection");
        assert_eq!(keyless["status"], "pass", "{}: {keyless}", db.name);
        assert!(
            keyless["message"]
                .as_str()
                .unwrap()
                .contains("with id `7`; its `user_name` is NULL or blank"),
            "{}: {keyless}",
            db.name
        );
        let run = h
            .run(&pipeline, &[&args[..], &["--user", "id:7"]].concat())
            .await;
        assert_eq!(run.code, 0, "{}: {}\n{}", db.name, run.stdout, run.stderr);
        assert_eq!(users(&run), ["id:7"], "{}", db.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seed_row_without_a_user_id_is_reported_not_dropped() {
    let h = Harness::start().await;
    let healthy = seed(&h, "healthy").clone();
    let pipeline = connection_only(&h);
    for db in Db::all().await {
        let table = "seed_keyless";
        db.loose_table(table, db.text_type(), db.text_type(), "BIGINT")
            .await;
        db.insert(table, "u1", &healthy, "4102444800").await;
        db.insert(table, "", &healthy, "4102444800").await;
        db.exec(&format!(
            "UPDATE {table} SET user_id = NULL WHERE user_id = ''"
        ))
        .await;
        db.insert(table, " ", &healthy, "4102444800").await;
        let run = h
            .run(&pipeline, &["--store", &db.url, "--table", table, "--all"])
            .await;
        assert_eq!(
            users(&run),
            ["u1", "(no user_id)", "(no user_id)#2"],
            "{}: a NULL and a blank key are both listed",
            db.name
        );
        assert_ne!(run.code, 0, "{}: {}", db.name, run.stdout);
        for user in ["(no user_id)", "(no user_id)#2"] {
            let keyless = check(&run, user, "connection");
            assert_eq!(keyless["status"], "fail", "{}: {keyless}", db.name);
            assert!(
                !keyless.to_string().contains("rows share"),
                "{}: no app reads them, so sharing is moot: {keyless}",
                db.name
            );
            assert!(
                keyless["message"]
                    .as_str()
                    .unwrap()
                    .contains("the row has no user id"),
                "{}: {keyless}",
                db.name
            );
        }
        assert_eq!(check(&run, "u1", "connection")["status"], "pass");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_writes_a_row_without_a_user_name_by_its_id_and_no_other() {
    let h = Harness::start().await;
    let crm = seed(&h, "crm-healthy").clone();
    let pipeline = h.path("refresh.yaml");
    std::fs::write(
        &pipeline,
        "name: t\napp: crm\nchecks:\n  - id: refresh\n    kind: token-refresh\n",
    )
    .unwrap();
    for db in Db::all().await {
        let table = "sdk_keyless_fix";
        // Both expired: a refresh mints a token, and --fix stores it in row 7 alone.
        sdk_table(
            &db,
            table,
            &crm,
            &[("7", "NULL", "1000"), ("8", "NULL", "1000")],
        )
        .await;
        let args = ["--store", &db.url, "--schema", "zoho-sdk", "--table", table];
        let run = h
            .run(
                &pipeline.display().to_string(),
                &[&args[..], &["--user", "id:7", "--fix"]].concat(),
            )
            .await;
        assert_eq!(run.code, 0, "{}: {}\n{}", db.name, run.stdout, run.stderr);
        let rows = db
            .rows(&format!(
                "SELECT id, access_token, expiry_time FROM {table} ORDER BY id"
            ))
            .await;
        let stored = crm.access_token.clone();
        assert_ne!(rows[0][1], stored, "{}: row 7 got the new token", db.name);
        assert_ne!(rows[0][2].as_deref(), Some("1000"), "{}", db.name);
        assert_eq!(rows[1][1], stored, "{}: row 8 is untouched", db.name);
        assert_eq!(rows[1][2].as_deref(), Some("1000"), "{}", db.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_writes_the_one_row_without_a_user_id_and_no_keyed_row() {
    let h = Harness::start().await;
    let healthy = seed(&h, "healthy").clone();
    let pipeline = h.path("refresh-desk.yaml");
    std::fs::write(
        &pipeline,
        "name: t\napp: desk\nchecks:\n  - id: refresh\n    kind: token-refresh\n",
    )
    .unwrap();
    for db in Db::all().await {
        let table = "seed_keyless_fix";
        db.loose_table(table, db.text_type(), db.text_type(), "BIGINT")
            .await;
        db.insert(table, "u1", &healthy, "1000").await;
        db.insert(table, "", &healthy, "1000").await;
        db.exec(&format!(
            "UPDATE {table} SET user_id = NULL WHERE user_id = ''"
        ))
        .await;
        let run = h
            .run(
                &pipeline.display().to_string(),
                &[
                    "--store",
                    &db.url,
                    "--table",
                    table,
                    "--user",
                    "(no user_id)",
                    "--fix",
                ],
            )
            .await;
        assert_eq!(run.code, 0, "{}: {}\n{}", db.name, run.stdout, run.stderr);
        let rows = db
            .rows(&format!(
                "SELECT user_id, access_token FROM {table} ORDER BY user_id"
            ))
            .await;
        let (keyless, keyed): (Vec<_>, Vec<_>) = rows.iter().partition(|row| row[0].is_none());
        assert_ne!(keyless[0][1], healthy.access_token, "{}: written", db.name);
        assert_eq!(
            keyed[0][1], healthy.access_token,
            "{}: u1 untouched",
            db.name
        );
    }
}
