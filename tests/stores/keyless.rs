//! Rows whose key is NULL or blank: the SDKs' token table writes `user_name` NULL for a token
//! without a user, and such a row is checked under its `id` (`id:7`); a table without an id
//! reports each such row as a connection with no user id. None is dropped.

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
        db.exec(&format!("DROP TABLE IF EXISTS {table}")).await;
        // Zoho's Python SDK 8 table, where `user_name` may be NULL (a token without a user).
        db.exec(&format!(
            "CREATE TABLE {table} (id varchar(10) NOT NULL, user_name varchar(255), client_id varchar(255), \
             client_secret varchar(255), refresh_token varchar(255), access_token varchar(255), grant_token varchar(255), \
             expiry_time varchar(20), redirect_url varchar(255), api_domain varchar(255), primary key (id))"
        ))
        .await;
        for (id, user) in [
            ("1", "'u1'"),
            ("2", "'u2'"),
            ("3", "'u3'"),
            ("4", "'u4'"),
            ("5", "'u5'"),
            ("7", "NULL"),
        ] {
            db.exec(&format!(
                "INSERT INTO {table} VALUES ('{id}', {user}, NULL, NULL, '{}', '{}', NULL, '4102444800000', NULL, '{}')",
                crm.refresh_token.as_deref().unwrap(),
                crm.access_token.as_deref().unwrap(),
                crm.api_domain.as_deref().unwrap(),
            ))
            .await;
        }
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
