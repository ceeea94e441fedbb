//! Rows an app (or an attacker) left odd, on every backend: a time that is no time
//! (PostgreSQL's `infinity`, MySQL's zero date), bytes that are not text, a key stored as bytes,
//! and rows sharing a key. Each is a finding on its own connection; the other rows are checked.

use zoho_doctor::sim::SeededConnection;

use crate::{
    common::{Harness, Run},
    db::{Db, check, run_on, seed},
};

/// The users of a run's report, in order.
fn users(run: &Run) -> Vec<String> {
    run.json["connections"]
        .as_array()
        .unwrap_or_else(|| panic!("no report: {}\n{}", run.stdout, run.stderr))
        .iter()
        .map(|c| c["user"].as_str().unwrap().to_owned())
        .collect()
}

fn text(value: &serde_json::Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The expiry types with a time no calendar holds in each, as SQL and as the database shows it.
fn times_that_are_none(db: &Db) -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    match db.name {
        "postgres" => vec![
            (
                "TIMESTAMPTZ",
                vec![
                    ("'infinity'", "infinity"),
                    ("'-infinity'", "-infinity"),
                    ("'294276-12-31 23:59:59+00'", "294276-12-31 23:59:59+00"),
                ],
            ),
            ("TIMESTAMP", vec![("'infinity'", "infinity")]),
        ],
        "mysql" => vec![(
            "DATETIME",
            vec![
                ("'0000-00-00 00:00:00'", "0000-00-00 00:00:00"),
                ("'2024-00-10 08:30:00'", "2024-00-10 08:30:00"),
            ],
        )],
        // SQLite has no time type: an expiry is a number or text, and an infinite one is a REAL.
        _ => vec![("REAL", vec![("9e999", "inf")])],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_that_is_no_time_is_a_finding_on_its_connection_not_a_crash() {
    let h = Harness::start().await;
    let healthy = seed(&h, "healthy").clone();
    let at: i64 = healthy.token_expires_at.clone().unwrap().parse().unwrap();
    let iso = chrono::DateTime::from_timestamp(at, 0).unwrap();
    for db in Db::all().await {
        for (n, (column_type, times)) in times_that_are_none(&db).into_iter().enumerate() {
            let table = format!("no_time_{n}");
            db.seed_table(&table, column_type).await;
            let good = match column_type {
                "REAL" => at.to_string(),
                _ => format!("'{}'", iso.format("%Y-%m-%d %H:%M:%S")),
            };
            db.insert(&table, "a-healthy", &healthy, &good).await;
            for (i, (literal, _)) in times.iter().enumerate() {
                db.insert(&table, &format!("odd-{i}"), &healthy, literal)
                    .await;
            }
            let run = run_on(&h, &db, &table, &["--all"]).await;
            let what = format!("{} {column_type}", db.name);
            assert_eq!(run.code, 0, "{what}: {}\n{}", run.stdout, run.stderr);
            assert_eq!(users(&run).len(), times.len() + 1, "{what}: every row");
            assert_eq!(check(&run, "a-healthy", "connection")["status"], "pass");
            for (i, (_, raw)) in times.iter().enumerate() {
                let user = format!("odd-{i}");
                let refresh = text(&check(&run, &user, "refresh")["message"]);
                assert!(
                    refresh.contains(&format!("the stored expiry `{raw}`")),
                    "{what}: {refresh}"
                );
                let connection = check(&run, &user, "connection");
                if column_type == "REAL" {
                    // A number, not a time type: the expiry reads as unreadable, as before.
                    assert_eq!(connection["status"], "pass", "{what}: {connection}");
                    continue;
                }
                assert_eq!(connection["status"], "warn", "{what}: {connection}");
                assert_eq!(connection["code"], "time_out_of_range");
                let message = text(&connection["message"]);
                assert!(
                    message.starts_with(&format!(
                        "`token_expires_at` holds `{raw}` (user_id `{user}`), which is no point in time"
                    )),
                    "{what}: {message}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_replaces_a_time_that_is_no_time_with_the_fresh_tokens_expiry() {
    let h = Harness::start().await;
    let healthy = seed(&h, "healthy").clone();
    for db in Db::all().await {
        let Some((column_type, times)) = times_that_are_none(&db)
            .into_iter()
            .find(|(column_type, _)| *column_type != "REAL")
        else {
            continue; // SQLite has no time type
        };
        let (literal, raw) = times[0];
        let table = "fix_no_time";
        db.seed_table(table, column_type).await;
        db.insert(table, "forever", &healthy, literal).await;
        let run = run_on(
            &h,
            &db,
            table,
            &["--user", "forever", "--fix", "--force-refresh"],
        )
        .await;
        assert_eq!(run.code, 0, "{}: {}\n{}", db.name, run.stdout, run.stderr);
        let changes = run.json["connections"][0]["changes"].to_string();
        assert!(
            changes.contains(&format!("`token_expires_at`: `{raw}` → `")),
            "{}: the guard matched the odd value, so the write happened: {changes}",
            db.name
        );
        let stored = db
            .value(table, "forever", "token_expires_at")
            .await
            .unwrap();
        assert!(
            stored.starts_with(&chrono::Utc::now().format("%Y-").to_string()),
            "{}: a real expiry now: {stored}",
            db.name
        );
    }
}

/// Per backend: the key column's type, the token columns' type, SQL for bytes that are not
/// UTF-8 in a token column (PostgreSQL text is always UTF-8), SQL for a key of bytes, and how
/// that key is named in the report.
fn binary_types(
    db: &Db,
) -> (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
) {
    match db.name {
        "postgres" => ("BYTEA", "TEXT", None, "'\\xff01'::bytea", "\\xff01"),
        "mysql" => (
            "VARBINARY(64)",
            "VARBINARY(255)",
            Some("x'31ff2e00'"),
            "x'ff01'",
            "x'ff01'",
        ),
        _ => (
            "BLOB",
            "TEXT",
            Some("CAST(x'31ff2e00' AS TEXT)"),
            "x'ff01'",
            "x'ff01'",
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_that_is_not_text_is_reported_and_the_other_rows_are_checked() {
    let h = Harness::start().await;
    let healthy: SeededConnection = seed(&h, "healthy").clone();
    let expiry = format!("'{}'", healthy.token_expires_at.as_deref().unwrap());
    for db in Db::all().await {
        let (key_type, token_type, garbled, bytes_key, key_shown) = binary_types(&db);
        let table = "not_text";
        db.loose_table(table, key_type, token_type, db.text_type())
            .await;
        for user in ["a-healthy", "garbled", "bytes-key"] {
            db.insert(table, user, &healthy, &expiry).await;
        }
        match garbled {
            Some(bytes) => {
                db.exec(&format!(
                    "UPDATE {table} SET refresh_token = {bytes} WHERE user_id = 'garbled'"
                ))
                .await
            }
            None => {
                db.exec(&format!("DELETE FROM {table} WHERE user_id = 'garbled'"))
                    .await
            }
        }
        db.exec(&format!(
            "UPDATE {table} SET user_id = {bytes_key} WHERE user_id = 'bytes-key'"
        ))
        .await;

        // PostgreSQL shows a bytea key as its own hex text, `\x…`.
        let healthy_key = match db.name {
            "postgres" => format!(
                "\\x{}",
                b"a-healthy"
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            ),
            _ => "a-healthy".to_owned(),
        };
        let run = run_on(&h, &db, table, &["--all"]).await;
        let what = db.name;
        let expected_code = if garbled.is_some() { 1 } else { 0 };
        assert_eq!(
            run.code, expected_code,
            "{what}: {}\n{}",
            run.stdout, run.stderr
        );
        assert!(
            !run.stderr.contains("cannot read"),
            "{what}: {}",
            run.stderr
        );
        let mut expected = vec![healthy_key.clone(), key_shown.to_owned()];
        if garbled.is_some() {
            expected.insert(1, "garbled".to_owned());
        }
        let mut listed = users(&run);
        listed.sort();
        expected.sort();
        assert_eq!(listed, expected, "{what}");
        assert_eq!(
            check(&run, &healthy_key, "profile")["status"],
            "pass",
            "{what}"
        );
        assert_eq!(
            check(&run, key_shown, "profile")["status"],
            "pass",
            "{what}: a key of bytes is named and its row is checked"
        );
        if garbled.is_some() {
            let connection = check(&run, "garbled", "connection");
            assert_eq!(connection["status"], "fail", "{what}: {connection}");
            assert_eq!(connection["code"], "value_not_text");
            assert_eq!(
                text(&connection["message"]),
                "the row with user_id `garbled` holds bytes that are not UTF-8 text in `refresh_token`: zoho-doctor cannot read it, and neither can an app that reads text"
            );
        }

        // A token stored as bytes is written back guarded by its bytes.
        let run = run_on(
            &h,
            &db,
            table,
            &["--user", &healthy_key, "--fix", "--force-refresh"],
        )
        .await;
        let changes = run.json["connections"][0]["changes"].to_string();
        assert!(
            changes.contains("`access_token`: *** → *** (refreshed)"),
            "{what}: {changes}"
        );

        // `--user` finds the key of bytes by the name the report gave it.
        let run = run_on(&h, &db, table, &["--user", key_shown]).await;
        assert_eq!(run.code, 0, "{what}: {}\n{}", run.stdout, run.stderr);
        assert_eq!(check(&run, key_shown, "connection")["status"], "pass");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_sharing_a_key_are_each_checked_and_fix_writes_to_none_of_them() {
    let h = Harness::start().await;
    let expired = seed(&h, "token-expired").clone();
    let revoked = seed(&h, "refresh-revoked").clone();
    for db in Db::all().await {
        let t = db.text_type();
        let table = "shared_key";
        db.loose_table(table, t, t, t).await;
        for row in [&expired, &revoked] {
            let expiry = format!("'{}'", row.token_expires_at.as_deref().unwrap());
            db.insert(table, "u1", row, &expiry).await;
        }
        let run = run_on(&h, &db, table, &["--all"]).await;
        let what = db.name;
        assert_eq!(users(&run), ["u1", "u1#2"], "{what}: {}", run.stderr);
        assert_eq!(run.code, 1, "{what}: the second row's refresh fails");
        for user in ["u1", "u1#2"] {
            let connection = check(&run, user, "connection");
            assert_eq!(connection["status"], "warn", "{what}: {connection}");
            assert_eq!(connection["code"], "duplicate_key");
            assert_eq!(
                text(&connection["message"]),
                "2 rows share user_id `u1`; the app reads whichever its query returns first"
            );
        }
        assert_eq!(check(&run, "u1", "refresh")["status"], "warn", "{what}");
        assert_eq!(check(&run, "u1#2", "refresh")["status"], "fail", "{what}");

        let before = db.dump(table).await;
        let run = run_on(&h, &db, table, &["--all", "--fix"]).await;
        assert_eq!(db.dump(table).await, before, "{what}: nothing written");
        let changes = run.json["connections"][0]["changes"].to_string();
        assert!(
            changes.contains("nothing written — 2 rows share user_id `u1`"),
            "{what}: {changes}"
        );
    }
}

/// A Desk in front of the simulator's that answers `portal` for every portal name (help centres'
/// `urlName`, `subDomain`, `portalName`; organisations' `portalName`, `portalURL`): what a
/// compromised or buggy answer could carry. Its URL, for `ZOHO_DESK_URL`.
async fn desk_answering_portal(sim_base: String, portal: &'static str) -> String {
    use axum::{body::Body, extract::Request, response::Response};

    fn rewrite(value: &mut serde_json::Value, portal: &str) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    match key.as_str() {
                        "urlName" | "subDomain" | "portalName" => *value = portal.into(),
                        "portalURL" => *value = format!("https://{portal}.zohodesk.com").into(),
                        _ => rewrite(value, portal),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, portal)),
            _ => {}
        }
    }

    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |request: Request| {
        let (client, sim_base) = (client.clone(), sim_base.clone());
        async move {
            let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
            let mut forward = client.get(format!("{sim_base}{path}"));
            for (name, value) in request.headers().iter().filter(|(n, _)| *n != "host") {
                forward = forward.header(name, value);
            }
            let answer = forward.send().await.expect("the simulator answers");
            let status = answer.status().as_u16();
            let body = answer.bytes().await.unwrap_or_default();
            let body = match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(mut json) => {
                    rewrite(&mut json, portal);
                    json.to_string().into()
                }
                Err(_) => body,
            };
            Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/desk/{{dc}}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_reports_a_discovered_portal_unlike_zohos_and_stores_nothing_of_it() {
    let h = Harness::start().await;
    let desk = desk_answering_portal(h.sim.base_url(), "ac\u{7}me").await;
    let s = seed(&h, "portal-missing").clone();
    for db in Db::all().await {
        let table = "hostile_portal";
        db.seed_table(table, db.text_type()).await;
        let expiry = format!("'{}'", s.token_expires_at.as_deref().unwrap());
        db.insert(table, "p", &s, &expiry).await;
        let json = h.path(&format!("hostile-portal-{}.json", db.name));
        let mut command = h.command();
        command.env("ZOHO_DESK_URL", &desk).args([
            "run",
            "-p",
            &crate::common::desk_pipeline(),
            "--store",
            &db.url,
            "--table",
            table,
            "--user",
            "p",
            "--fix",
            "--json",
        ]);
        command.arg(&json);
        let output = crate::common::output(command).await;
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_default())
                .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
        assert_eq!(
            db.value(table, "p", "desk_portal").await,
            None,
            "{}: nothing of the portal is stored",
            db.name
        );
        let changes = report["connections"][0]["changes"].to_string();
        assert!(
            changes.contains(
                "`desk_portal`: not stored — Zoho sent `ac\\\\u{7}me`, but a portal name has only letters, digits, `-` and `_`"
            ),
            "{}: {changes}",
            db.name
        );
    }
}
