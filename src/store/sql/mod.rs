//! One SQL layer for SQLite, PostgreSQL and MySQL/MariaDB: sqlx's typed pools behind one enum
//! (not `Any`, which reads few types and fails a whole row on one odd column). Values are read
//! into `SqlValue` by their actual type, so an expiry can be an integer, text or a timestamp,
//! and written back (`--fix`) in the type and unit the column already holds.

mod batch;
mod decode;
mod dialect;
mod insert;
mod keyless;
mod store_url;

use std::str::FromStr;

use secrecy::SecretString;
use sqlx::{
    AssertSqlSafe, Row,
    mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions},
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions},
};

use decode::{database_reason, mysql_value, postgres_value, sqlite_value};
use dialect::{bind_mysql, bind_postgres, bind_sqlite, key_label, same_key, validate_identifier};
pub use insert::{NewConnection, Stored as StoredHow, seed_table_sql};
use store_url::target_of;
pub use store_url::{display_url, sqlite_guess, url_password};

use super::{
    Connection, ExpiryField, Field, Mapping, NotStored, RowKey, Snapshot, SqlValue, StoreError,
    Stored, WriteResult, stored,
    writeback::{self, BindValue, ColumnKind, Guarded, PresentColumn, WriteBack},
};
use crate::zoho::{AccessToken, oauth::ClientCredentials};

enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    MySql(MySqlPool),
}

/// A SQL store with its mapping checked against the real table.
pub struct SqlStore {
    pool: Pool,
    url: String,
    mapping: Mapping,
    present: Vec<PresentColumn>,
    /// The table's row id (`Mapping::row_id`), when it has that column.
    row_id: Option<PresentColumn>,
}

impl SqlStore {
    /// Opens the store; read-only unless `writable` (`--fix`).
    pub async fn open(url: &str, mapping: Mapping, writable: bool) -> Result<SqlStore, StoreError> {
        let shown = display_url(url);
        let target = target_of(url);
        let open_error = |err: sqlx::Error| StoreError::Open {
            url: shown.clone(),
            reason: format!("{target}: {}", database_reason(&err)),
        };
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(open_error)?
                .read_only(!writable)
                .create_if_missing(false);
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await
                    .map_err(open_error)?,
            )
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let mut options = PgConnectOptions::from_str(url).map_err(open_error)?;
            if !writable {
                // Every session is read-only: without --fix nothing may be written, ever.
                options = options.options([("default_transaction_read_only", "on")]);
            }
            if is_loopback(options.get_host())
                && !names_ssl_mode(url)
                && std::env::var_os("PGSSLMODE").is_none()
            {
                // TLS to this very machine protects nothing and costs handshakes; a user who
                // wants it names an sslmode.
                options = options.ssl_mode(sqlx::postgres::PgSslMode::Disable);
            }
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(std::time::Duration::from_secs(10))
                .connect_lazy_with(options.clone());
            first_connection(&pool, &options)
                .await
                .map_err(open_error)?;
            Pool::Postgres(pool)
        } else if url.starts_with("mysql:") || url.starts_with("mariadb:") {
            let url = url.replacen("mariadb:", "mysql:", 1);
            let mut options = MySqlConnectOptions::from_str(&url).map_err(open_error)?;
            if is_loopback(options.get_host()) && !names_ssl_mode(&url) {
                options = options.ssl_mode(sqlx::mysql::MySqlSslMode::Disabled);
            }
            let mut pool = MySqlPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(std::time::Duration::from_secs(10));
            if !writable {
                pool = pool.after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::query("SET SESSION TRANSACTION READ ONLY")
                            .execute(conn)
                            .await
                            .map(|_| ())
                    })
                });
            }
            let pool = pool.connect_lazy_with(options.clone());
            first_connection(&pool, &options)
                .await
                .map_err(open_error)?;
            Pool::MySql(pool)
        } else {
            return Err(StoreError::Scheme(shown));
        };
        let mut store = SqlStore {
            pool,
            url: shown,
            mapping,
            present: Vec::new(),
            row_id: None,
        };
        (store.present, store.row_id) = store.resolve_columns().await?;
        Ok(store)
    }

    pub fn describe(&self) -> String {
        self.url.clone()
    }

    /// The mapping, and the fields the table has a column for.
    pub fn columns(&self) -> (&Mapping, Vec<Field>) {
        (
            &self.mapping,
            self.present.iter().map(|c| c.field).collect(),
        )
    }

    /// Matches the mapping against the table's real columns; names what is missing. Returns
    /// the mapped columns and the row id column, if the table has it.
    async fn resolve_columns(
        &self,
    ) -> Result<(Vec<PresentColumn>, Option<PresentColumn>), StoreError> {
        validate_identifier(&self.mapping.table)?;
        for name in self.mapping.columns.iter().flat_map(|column| &column.names) {
            validate_identifier(name)?;
        }
        if let Some(row_id) = &self.mapping.row_id {
            validate_identifier(row_id)?;
        }
        let actual = self.table_columns().await?;
        if actual.is_empty() {
            return Err(StoreError::NoTable {
                url: self.url.clone(),
                table: self.mapping.table.clone(),
            });
        }
        let mut present = Vec::new();
        let mut missing = Vec::new();
        for column in &self.mapping.columns {
            let found = column.names.iter().find_map(|wanted| {
                actual
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
            });
            match found {
                Some((name, type_name)) => present.push(PresentColumn {
                    field: column.field,
                    name: name.clone(),
                    kind: ColumnKind::from_type_name(type_name),
                }),
                None if column.required => {
                    missing.push(format!("`{}`", column.names.join("` or `")))
                }
                None => {}
            }
        }
        if !missing.is_empty() {
            return Err(StoreError::MissingColumns {
                url: self.url.clone(),
                table: self.mapping.table.clone(),
                preset: self.mapping.preset.clone(),
                columns: format!(
                    "column{} {}",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", ")
                ),
            });
        }
        let row_id = self.mapping.row_id.as_ref().and_then(|wanted| {
            let (name, type_name) = actual
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(wanted))?;
            Some(PresentColumn {
                field: Field::Key,
                name: name.clone(),
                kind: ColumnKind::from_type_name(type_name),
            })
        });
        Ok((present, row_id))
    }

    /// `(name, declared type)` of every column of the mapped table; empty when there is none.
    async fn table_columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        let (schema, table) = match self.mapping.table.split_once('.') {
            Some((schema, table)) => (Some(schema.to_owned()), table.to_owned()),
            None => (None, self.mapping.table.clone()),
        };
        let (sql, params): (&'static str, Vec<BindValue>) = match self.pool {
            Pool::Sqlite(_) => (
                "SELECT name, type FROM pragma_table_info(?1)",
                vec![BindValue::Text(table)],
            ),
            Pool::Postgres(_) => (
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_name = $1 AND table_schema = COALESCE($2, current_schema()) \
                 ORDER BY ordinal_position",
                vec![BindValue::Text(table), BindValue::text_or_null(schema)],
            ),
            Pool::MySql(_) => (
                "SELECT CAST(column_name AS CHAR), CAST(data_type AS CHAR) FROM information_schema.columns \
                 WHERE table_name = ? AND table_schema = COALESCE(?, DATABASE()) \
                 ORDER BY ordinal_position",
                vec![BindValue::Text(table), BindValue::text_or_null(schema)],
            ),
        };
        let rows = self.fetch(sql.to_owned(), params).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let mut values = row.into_iter();
                let name = values.next()?.text()?;
                let type_name = values.next().and_then(|v| v.text()).unwrap_or_default();
                Some((name, type_name))
            })
            .collect())
    }

    /// Every key in the table, once: its text, or `x'…'` (hex) for a key stored as bytes; then
    /// the rows with a NULL or blank key, as `id:7` (or `(no user_id)` without an id column).
    pub async fn users(&self) -> Result<Vec<String>, StoreError> {
        let sql = match self.row_id_as_text() {
            Some(id) => format!(
                "SELECT {}, {}, {id} FROM {} GROUP BY 1, 2, 3 ORDER BY 1, 3",
                self.key_as_text(),
                self.key_as_stored(),
                self.quote(&self.mapping.table)
            ),
            None => format!(
                "SELECT {}, {} FROM {} GROUP BY 1, 2 ORDER BY 1",
                self.key_as_text(),
                self.key_as_stored(),
                self.quote(&self.mapping.table)
            ),
        };
        let rows = self.fetch(sql, Vec::new()).await?;
        Ok(keyless::list_labels(self, &rows))
    }

    /// The index of the key among the mapped columns as selected.
    fn key_position(&self) -> usize {
        self.present
            .iter()
            .position(|column| column.field == Field::Key)
            .unwrap_or_default()
    }

    /// Every row keyed `user_id` (a key as `users` names it), in the order the database
    /// returns them: more than one, and each says how many share the key.
    pub async fn load(&self, user_id: &str) -> Result<Vec<Connection>, StoreError> {
        let columns: Vec<String> = self.present.iter().map(|c| self.select(c)).collect();
        let (condition, params) = self.key_condition(user_id, 1);
        let sql = format!(
            "SELECT {}, {} FROM {} WHERE {condition}",
            self.key_as_text(),
            columns.join(", "),
            self.quote(&self.mapping.table),
        );
        let raw_key = 1 + self.key_position();
        let mut connections: Vec<Connection> = self
            .fetch(sql, params)
            .await?
            .into_iter()
            .filter(|row| {
                key_label(value_at(row, 0), value_at(row, raw_key))
                    .is_some_and(|label| same_key(&label, user_id))
            })
            .map(|row| {
                let key = RowKey::on(self.key_name());
                self.connection_from(user_id, row.into_iter().skip(1).collect(), key)
            })
            .collect();
        if let Some(keyless) = self.keyless(user_id) {
            connections.extend(self.load_keyless(user_id, &keyless).await?);
        }
        let rows = connections.len();
        for connection in &mut connections {
            connection.snapshot.shared_by(rows);
        }
        Ok(connections)
    }

    fn connection_from(&self, user_id: &str, values: Vec<SqlValue>, key: RowKey) -> Connection {
        let value_of = |field: Field| -> Option<&SqlValue> {
            self.present
                .iter()
                .position(|column| column.field == field)
                .and_then(|index| values.get(index))
        };
        let text = |field: Field| value_of(field).and_then(SqlValue::text);
        let client = match (text(Field::ClientId), text(Field::ClientSecret)) {
            (Some(client_id), Some(secret)) => Some(ClientCredentials {
                client_id,
                client_secret: SecretString::from(secret),
            }),
            _ => None,
        };
        // A token column holding ciphertext is reported, never sent to Zoho.
        let mut encrypted = Vec::new();
        let mut token = |field: Field| {
            let value = text(field)?;
            let column = self.column(field).map_or("", |c| c.name.as_str());
            if writeback::looks_encrypted(column, &value) {
                encrypted.push(column.to_owned());
                None
            } else {
                Some(value)
            }
        };
        let access_token = token(Field::AccessToken).map(AccessToken::new);
        let refresh_token = token(Field::RefreshToken).map(SecretString::from);
        Connection {
            user_id: user_id.to_owned(),
            access_token,
            refresh_token,
            expiry: value_of(Field::Expiry).map_or(ExpiryField::Missing, ExpiryField::read),
            api_domain: Stored::read(text(Field::ApiDomain), stored::api_domain),
            org_id: text(Field::OrgId),
            desk_org_id: Stored::read(text(Field::DeskOrgId), stored::desk_org_id),
            desk_portal: Stored::read(text(Field::DeskPortal), stored::desk_portal),
            dc: Stored::read(text(Field::Dc), stored::data_centre),
            scopes: Stored::read(text(Field::Scopes), stored::scopes),
            client,
            encrypted,
            snapshot: Snapshot::read(
                self.present
                    .iter()
                    .zip(values)
                    .map(|(column, value)| (column.field, column.name.clone(), value))
                    .collect(),
                key,
            ),
        }
    }

    fn column(&self, field: Field) -> Option<&PresentColumn> {
        self.present.iter().find(|column| column.field == field)
    }

    /// Writes back what a run refreshed and discovered, in one transaction; each group of
    /// columns only if its values are still the ones read (compare-and-swap). Returns the
    /// report lines, values redacted.
    pub async fn persist(
        &self,
        connection: &Connection,
        plan: &WriteBack,
    ) -> Result<Vec<WriteResult>, StoreError> {
        // A write keyed on a key several rows share would change every one of them.
        if let Some(key) = connection.key().filter(|key| key.rows > 1) {
            let mut results = plan.not_stored();
            results.push(WriteResult::NotStored(NotStored::SharedKey {
                column: key.column.clone(),
                key: connection.user_id.clone(),
                rows: key.rows,
            }));
            return Ok(results);
        }
        let (groups, mut results) = plan.groups(
            &connection.snapshot,
            |field| self.column(field).cloned(),
            self.mapping.expiry_millis,
        );
        if groups.is_empty() {
            return Ok(results);
        }
        let key = connection.user_id.clone();
        let statements: Vec<(String, Vec<BindValue>, &Guarded)> = groups
            .iter()
            .map(|group| {
                let mut params = Vec::new();
                let sets: Vec<String> = group
                    .sets
                    .iter()
                    .map(|(column, value)| {
                        params.push(value.clone());
                        format!(
                            "{} = {}",
                            self.quote(&column.name),
                            self.placeholder(params.len())
                        )
                    })
                    .collect();
                let (key_condition, key_params) = match self.keyless(&key) {
                    Some(keyless) if connection.key().is_some_and(|k| k.empty.is_some()) => {
                        self.keyless_write_condition(&keyless, params.len() + 1)
                    }
                    _ => self.key_condition(&key, params.len() + 1),
                };
                params.extend(key_params);
                let mut conditions = vec![key_condition];
                for (column, original) in &group.guards {
                    if !matches!(original, BindValue::Null) {
                        params.push(original.clone());
                    }
                    conditions.push(self.guard(column, original, params.len()));
                }
                let sql = format!(
                    "UPDATE {} SET {} WHERE {}",
                    self.quote(&self.mapping.table),
                    sets.join(", "),
                    conditions.join(" AND ")
                );
                (sql, params, group)
            })
            .collect();
        let write_error = |err: sqlx::Error| StoreError::Write {
            url: self.url.clone(),
            user: key.clone(),
            reason: database_reason(&err),
        };
        macro_rules! transaction {
            ($pool:expr, $bind:ident) => {{
                let mut tx = $pool.begin().await.map_err(write_error)?;
                let mut outcomes = Vec::new();
                for (sql, params, group) in &statements {
                    let mut query = sqlx::query(AssertSqlSafe(sql.clone()));
                    for param in params {
                        query = $bind(query, param);
                    }
                    let done = query.execute(&mut *tx).await.map_err(write_error)?;
                    outcomes.push((done.rows_affected() > 0, *group));
                }
                tx.commit().await.map_err(write_error)?;
                outcomes
            }};
        }
        let outcomes = match &self.pool {
            Pool::Sqlite(pool) => transaction!(pool, bind_sqlite),
            Pool::Postgres(pool) => transaction!(pool, bind_postgres),
            Pool::MySql(pool) => transaction!(pool, bind_mysql),
        };
        for (written, group) in outcomes {
            if written {
                results.extend(group.written.iter().cloned());
            } else {
                results.push(group.conflict.clone());
            }
        }
        Ok(results)
    }

    /// Runs a query and reads every value by its actual type. Identifiers in `sql` were
    /// validated by `validate_identifier`; values are always bound, never interpolated.
    async fn fetch(
        &self,
        sql: String,
        params: Vec<BindValue>,
    ) -> Result<Vec<Vec<SqlValue>>, StoreError> {
        let query_error = |err: sqlx::Error| StoreError::Query {
            url: self.url.clone(),
            reason: database_reason(&err),
        };
        macro_rules! run {
            ($pool:expr, $decode:ident, $bind:ident) => {{
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for param in &params {
                    query = $bind(query, param);
                }
                let rows = query.fetch_all($pool).await.map_err(query_error)?;
                rows.iter()
                    .map(|row| {
                        (0..row.len())
                            .map(|index| {
                                $decode(row, index).map_err(|type_name| StoreError::ColumnType {
                                    url: self.url.clone(),
                                    column: row.columns()[index].name().to_owned(),
                                    type_name,
                                })
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .collect()
            }};
        }
        use sqlx::Column as _;
        match &self.pool {
            Pool::Sqlite(pool) => run!(pool, sqlite_value, bind_sqlite),
            Pool::Postgres(pool) => run!(pool, postgres_value, bind_postgres),
            Pool::MySql(pool) => run!(pool, mysql_value, bind_mysql),
        }
    }
}

/// The value in column `index` of a row read by `fetch` (NULL past its end).
fn value_at(row: &[SqlValue], index: usize) -> &SqlValue {
    row.get(index).unwrap_or(&SqlValue::Null)
}

/// Whether a store URL chooses its TLS mode itself (sqlx reads either spelling).
fn names_ssl_mode(url: &str) -> bool {
    url.contains("sslmode=") || url.contains("ssl-mode=")
}

/// Whether a database host is this machine (a Unix socket path included).
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.starts_with('/')
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The pool's first connection, which it keeps for the queries that follow. A pool that cannot
/// connect retries a refused connection until its timeout and then only says it timed out,
/// where the user needs the database's own reason: so when the first connection is slow, one
/// direct connection asks for that reason (a refusal answers at once); if it connects, the
/// database is merely slow and the pool is awaited.
async fn first_connection<DB>(
    pool: &sqlx::Pool<DB>,
    options: &<DB::Connection as sqlx::Connection>::Options,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
{
    use sqlx::{ConnectOptions as _, Connection as _};
    let acquire = pool.acquire();
    tokio::pin!(acquire);
    if let Ok(acquired) = tokio::time::timeout(FIRST_CONNECTION_PATIENCE, &mut acquire).await {
        return acquired.map(drop);
    }
    let direct = tokio::time::timeout(std::time::Duration::from_secs(10), options.connect())
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
    direct.close().await?;
    acquire.await.map(drop)
}

/// How long the pool's first connection may take before a direct one asks why.
const FIRST_CONNECTION_PATIENCE: std::time::Duration = std::time::Duration::from_millis(500);
