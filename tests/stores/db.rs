//! The databases under test — SQLite always, PostgreSQL and MariaDB when their URL is set — and
//! the helpers every store test shares: make and fill a table, run the binary on it, read the
//! report back.

use sqlx::{
    AssertSqlSafe, Executor, Row,
    mysql::MySqlPoolOptions,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqlitePoolOptions},
};
use zoho_doctor::sim::SeededConnection;

use crate::common::{self, Harness, Run};

enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
    MySql(sqlx::MySqlPool),
}

/// One database to test against, with what differs between them.
pub struct Db {
    pub name: &'static str,
    pub url: String,
    pool: Pool,
    pub _dir: Option<tempfile::TempDir>,
}

impl Db {
    pub async fn all() -> Vec<Db> {
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

    /// SQLite only: a connection holding the write lock (`BEGIN IMMEDIATE`), as an app in the
    /// middle of a write does; readers go on, writers wait until it is dropped.
    pub async fn hold_write_lock(&self) -> Option<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        let Pool::Sqlite(pool) = &self.pool else {
            return None;
        };
        let mut connection = pool.acquire().await.expect("a connection");
        connection
            .execute("BEGIN IMMEDIATE")
            .await
            .expect("the write lock");
        Some(connection)
    }

    pub async fn exec(&self, sql: &str) {
        let sql = AssertSqlSafe(sql.to_owned());
        let result = match &self.pool {
            Pool::Sqlite(pool) => pool.execute(sql).await.map(|_| ()),
            Pool::Postgres(pool) => pool.execute(sql).await.map(|_| ()),
            Pool::MySql(pool) => pool.execute(sql).await.map(|_| ()),
        };
        result.unwrap_or_else(|err| panic!("{}: {err}", self.name));
    }

    /// Every row of a query whose columns are all cast to text by `text()`.
    pub async fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
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

    pub fn text_type(&self) -> &'static str {
        match self.pool {
            Pool::MySql(_) => "VARCHAR(255)",
            Pool::Sqlite(_) | Pool::Postgres(_) => "TEXT",
        }
    }

    pub fn timestamp_type(&self) -> Option<&'static str> {
        match self.pool {
            Pool::Sqlite(_) => None,
            Pool::Postgres(_) => Some("TIMESTAMPTZ"),
            Pool::MySql(_) => Some("DATETIME"),
        }
    }

    /// A fresh seed-preset table called `table`, with `expiry_type` for token_expires_at.
    pub async fn seed_table(&self, table: &str, expiry_type: &str) {
        self.exec(&format!("DROP TABLE IF EXISTS {table}")).await;
        let t = self.text_type();
        self.exec(&format!(
            "CREATE TABLE {table} (user_id {t} PRIMARY KEY, access_token {t}, refresh_token {t}, \
             token_expires_at {expiry_type}, api_domain {t}, org_id {t}, desk_org_id {t}, desk_portal {t}, \
             dc {t}, scopes {t}, client_id {t}, client_secret {t})"
        ))
        .await;
    }

    /// A seed-preset table without a primary key (rows may share a key), with these types for
    /// the key, the token columns and the expiry.
    pub async fn loose_table(&self, table: &str, key: &str, tokens: &str, expiry: &str) {
        self.exec(&format!("DROP TABLE IF EXISTS {table}")).await;
        let t = self.text_type();
        self.exec(&format!(
            "CREATE TABLE {table} (user_id {key}, access_token {tokens}, refresh_token {tokens}, \
             token_expires_at {expiry}, api_domain {t}, org_id {t}, desk_org_id {t}, desk_portal {t}, \
             dc {t}, scopes {t}, client_id {t}, client_secret {t})"
        ))
        .await;
    }

    /// Inserts a scenario's row; `expiry` is SQL (a literal or an expression).
    pub async fn insert(&self, table: &str, user: &str, seed: &SeededConnection, expiry: &str) {
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
    pub async fn value(&self, table: &str, user: &str, column: &str) -> Option<String> {
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
    pub async fn dump(&self, table: &str) -> Vec<Vec<Option<String>>> {
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

    /// A second connection to the same database, for the "app" in a race.
    pub async fn connect(url: &str) -> Db {
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

pub fn seed<'a>(h: &'a Harness, scenario: &str) -> &'a SeededConnection {
    h.sim.seed(scenario).unwrap()
}

pub async fn run_on(h: &Harness, db: &Db, table: &str, args: &[&str]) -> Run {
    let mut all = vec!["--store", db.url.as_str(), "--table", table];
    all.extend_from_slice(args);
    h.run(&common::desk_pipeline(), &all).await
}

/// A run's check of one user, from the JSON report.
pub fn check<'a>(run: &'a Run, user: &str, id: &str) -> &'a serde_json::Value {
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
