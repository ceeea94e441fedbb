//! PostgreSQL and MySQL/MariaDB: a missing table is an error printing the `CREATE TABLE` for
//! that database (before the grant code is spent), and that statement makes a table `connect`
//! then stores into and verifies. Skipped visibly without ZOHO_DOCTOR_TEST_*_URL.

use crate::{SCOPES, common, connect, run};

async fn missing_table_then_created(variable: &str, name: &str, table: &str, key_type: &str) {
    let Some(url) = std::env::var(variable).ok().filter(|url| !url.is_empty()) else {
        common::skipped(&format!("connect on {name}: {variable} is unset"));
        return;
    };
    let h = common::Harness::start().await;
    h.sim.add_user(table);
    let client = h.sim.add_self_client("us");
    let code = h.sim.grant_code(table, "us", &client.0, &SCOPES, true);
    let drop_sql = format!("DROP TABLE IF EXISTS {table}");
    execute(&url, &drop_sql).await;
    let args = [
        "--table",
        table,
        "--user",
        "u1",
        "--dc",
        "us",
        "--self-client",
    ];
    let mut first = connect(&h, &url, &client, &args);
    first.env("ZOHO_GRANT_CODE", &code);
    let done = run(first).await;
    assert_eq!(done.code, 2, "{}\n{}", done.stdout, done.stderr);
    let at = done
        .stderr
        .find("CREATE TABLE")
        .unwrap_or_else(|| panic!("no CREATE TABLE: {}", done.stderr));
    let create = &done.stderr[at..at + done.stderr[at..].find(';').expect("ends with ;")];
    assert!(
        create.contains(&format!("user_id          {key_type} PRIMARY KEY")),
        "{create}"
    );
    execute(&url, create).await;
    // The code was not spent on the missing table.
    let mut second = connect(&h, &url, &client, &args);
    second.env("ZOHO_GRANT_CODE", &code);
    let done = run(second).await;
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert!(
        done.stdout.contains("Stored a new connection"),
        "{}",
        done.stdout
    );
    assert!(done.stdout.contains("discovered portal"), "{}", done.stdout);
    execute(&url, &drop_sql).await;
}

async fn execute(url: &str, sql: &str) {
    use sqlx::Connection as _;
    if url.starts_with("postgres") {
        let mut db = sqlx::PgConnection::connect(url).await.expect("connects");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut db)
            .await
            .expect("runs");
    } else {
        let mut db = sqlx::MySqlConnection::connect(url).await.expect("connects");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut db)
            .await
            .expect("runs");
    }
}

#[tokio::test]
async fn postgres_missing_table_prints_its_create_table() {
    missing_table_then_created(
        "ZOHO_DOCTOR_TEST_POSTGRES_URL",
        "PostgreSQL",
        "connect_missing_pg",
        "TEXT",
    )
    .await;
}

#[tokio::test]
async fn mysql_missing_table_prints_its_create_table() {
    missing_table_then_created(
        "ZOHO_DOCTOR_TEST_MYSQL_URL",
        "MySQL",
        "connect_missing_my",
        "VARCHAR(255)",
    )
    .await;
}
