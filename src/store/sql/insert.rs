//! `connect`'s writes: a new connection row inserted in one transaction (the table's next free
//! row id, the expiry in the column's unit, only the columns the table has), or, with
//! `--replace`, an existing row's token columns updated in place — never a delete and insert,
//! so the app's other columns and foreign keys stay. Also the seed table's `CREATE TABLE` for
//! each database, and the NOT NULL columns an insert could not fill.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sqlx::AssertSqlSafe;

use super::{
    Pool, SqlStore,
    decode::database_reason,
    dialect::{bind_mysql, bind_postgres, bind_sqlite},
};
use crate::store::{
    Field, SqlValue, StoreError,
    writeback::{BindValue, ColumnKind, expiry_value},
};
use crate::zoho::oauth::ClientCredentials;

/// A connection a grant code gave, to be stored.
pub struct NewConnection {
    pub user_id: String,
    pub refresh_token: SecretString,
    pub access_token: SecretString,
    pub expires_at: DateTime<Utc>,
    pub api_domain: Option<String>,
    /// The data centre's code (`eu`).
    pub dc: Option<String>,
    /// Comma-separated, as Zoho's authorisation request lists them.
    pub scopes: Option<String>,
    /// A Self Client's own id and secret, which its refresh token needs.
    pub client: Option<ClientCredentials>,
}

/// What storing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Inserted,
    /// `--replace`: the existing row's token columns were updated in place.
    Replaced,
    /// The user already has a row, and without `--replace` nothing was written.
    Exists,
}

/// The seed preset's table, as `CREATE TABLE` for SQLite, PostgreSQL or MySQL/MariaDB (whose
/// primary key cannot be an unbounded TEXT).
pub fn seed_table_sql(url: &str, table: &str) -> String {
    let key = if url.starts_with("mysql:") || url.starts_with("mariadb:") {
        "VARCHAR(255)"
    } else {
        "TEXT"
    };
    let columns = [
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
    ];
    let rest: Vec<String> = columns
        .iter()
        .map(|column| format!("    {column:<16} TEXT"))
        .collect();
    format!(
        "CREATE TABLE {table} (\n    user_id          {key} PRIMARY KEY,\n{}\n)",
        rest.join(",\n")
    )
}

impl SqlStore {
    /// The values of `new` for the columns the table has (the key included).
    fn new_values(
        &self,
        new: &NewConnection,
        existing: Option<&SqlValue>,
    ) -> Vec<(String, BindValue)> {
        let text = |value: &str| BindValue::Text(value.to_owned());
        let mut values = Vec::new();
        for column in &self.present {
            let value = match column.field {
                Field::Key if existing.is_some() => continue,
                Field::Key => match (column.kind, new.user_id.parse::<i64>()) {
                    (ColumnKind::Integer, Ok(number)) => BindValue::Int(number),
                    _ => text(&new.user_id),
                },
                Field::RefreshToken => text(new.refresh_token.expose_secret()),
                Field::AccessToken => text(new.access_token.expose_secret()),
                Field::Expiry => {
                    let original = existing.cloned().unwrap_or(SqlValue::Null);
                    // An empty text column gets epoch milliseconds, as the SDKs write it.
                    let millis = self.mapping.expiry_millis
                        || matches!(
                            column.kind,
                            ColumnKind::Text | ColumnKind::Binary | ColumnKind::Other
                        );
                    expiry_value(column.kind, &original, new.expires_at, millis)
                }
                Field::ApiDomain => BindValue::text_or_null(new.api_domain.clone()),
                Field::Dc => BindValue::text_or_null(new.dc.clone()),
                Field::Scopes => BindValue::text_or_null(new.scopes.clone()),
                Field::ClientId => match &new.client {
                    Some(client) => text(&client.client_id),
                    None => continue,
                },
                Field::ClientSecret => match &new.client {
                    Some(client) => text(client.client_secret.expose_secret()),
                    None => continue,
                },
                Field::OrgId | Field::DeskOrgId | Field::DeskPortal => continue,
            };
            values.push((column.name.clone(), value));
        }
        values
    }

    /// Stores a new connection: inserted in one transaction, with the next free row id where the
    /// table has one. With `replace`, an existing row keyed `user_id` has its token columns
    /// updated in place; without it, an existing row is `RowExists` and nothing is written.
    pub async fn store_new(
        &self,
        new: &NewConnection,
        replace: bool,
    ) -> Result<Stored, StoreError> {
        let existing = self.load(&new.user_id).await?;
        let write_error = |err: sqlx::Error| StoreError::Write {
            url: self.url.clone(),
            user: new.user_id.clone(),
            reason: database_reason(&err),
        };
        let (sql, params, stored) = match existing.as_slice() {
            [] => {
                let unknown = self.unfillable_columns().await?;
                if !unknown.is_empty() {
                    return Err(StoreError::UnknownRequired {
                        url: self.url.clone(),
                        table: self.mapping.table.clone(),
                        columns: unknown.join("`, `"),
                    });
                }
                let mut values = self.new_values(new, None);
                if let Some(row_id) = self
                    .row_id
                    .as_ref()
                    .filter(|id| id.kind == ColumnKind::Integer)
                {
                    // The next free id, read in the insert itself: one statement, one transaction.
                    let table = self.quote(&self.mapping.table);
                    let id = self.quote(&row_id.name);
                    let names: Vec<String> =
                        values.iter().map(|(name, _)| self.quote(name)).collect();
                    let marks: Vec<String> =
                        (1..=values.len()).map(|i| self.placeholder(i)).collect();
                    let sql = format!(
                        "INSERT INTO {table} ({id}, {}) SELECT COALESCE(MAX({id}), 0) + 1, {} FROM {table}",
                        names.join(", "),
                        marks.join(", ")
                    );
                    let params = values.drain(..).map(|(_, value)| value).collect();
                    (sql, params, Stored::Inserted)
                } else {
                    let names: Vec<String> =
                        values.iter().map(|(name, _)| self.quote(name)).collect();
                    let marks: Vec<String> =
                        (1..=values.len()).map(|i| self.placeholder(i)).collect();
                    let sql = format!(
                        "INSERT INTO {} ({}) VALUES ({})",
                        self.quote(&self.mapping.table),
                        names.join(", "),
                        marks.join(", ")
                    );
                    (
                        sql,
                        values.into_iter().map(|(_, v)| v).collect(),
                        Stored::Inserted,
                    )
                }
            }
            [row] if replace => {
                let expiry = row.snapshot.get(Field::Expiry).clone();
                let values = self.new_values(new, Some(&expiry));
                let mut params = Vec::new();
                let sets: Vec<String> = values
                    .into_iter()
                    .map(|(name, value)| {
                        params.push(value);
                        format!("{} = {}", self.quote(&name), self.placeholder(params.len()))
                    })
                    .collect();
                let (condition, key_params) = self.key_condition(&new.user_id, params.len() + 1);
                params.extend(key_params);
                let sql = format!(
                    "UPDATE {} SET {} WHERE {condition}",
                    self.quote(&self.mapping.table),
                    sets.join(", ")
                );
                (sql, params, Stored::Replaced)
            }
            [_] => return Ok(Stored::Exists),
            rows => {
                return Err(StoreError::RowExists {
                    url: self.url.clone(),
                    user: new.user_id.clone(),
                    rows: rows.len(),
                });
            }
        };
        macro_rules! transaction {
            ($pool:expr, $bind:ident) => {{
                let mut tx = $pool.begin().await.map_err(write_error)?;
                let mut query = sqlx::query(AssertSqlSafe(sql.clone()));
                for param in &params {
                    query = $bind(query, param);
                }
                let done = query.execute(&mut *tx).await.map_err(write_error)?;
                tx.commit().await.map_err(write_error)?;
                done.rows_affected()
            }};
        }
        let written = match &self.pool {
            Pool::Sqlite(pool) => transaction!(pool, bind_sqlite),
            Pool::Postgres(pool) => transaction!(pool, bind_postgres),
            Pool::MySql(pool) => transaction!(pool, bind_mysql),
        };
        if written == 0 {
            return Err(StoreError::Write {
                url: self.url.clone(),
                user: new.user_id.clone(),
                reason: "no row was written (the row changed meanwhile?)".to_owned(),
            });
        }
        Ok(stored)
    }

    /// What storing a connection for `user` would do, asked before the grant code is spent: an
    /// existing row is `Exists` without `replace`; an insert into a table with NOT NULL columns
    /// zoho-doctor cannot fill is an error naming them. `user` is `None` when the key is known
    /// only after the exchange (the SDKs' email).
    pub async fn check_storable(
        &self,
        user: Option<&str>,
        replace: bool,
    ) -> Result<Stored, StoreError> {
        if let Some(user) = user {
            match self.load(user).await?.len() {
                0 => {}
                1 if replace => return Ok(Stored::Replaced),
                1 => return Ok(Stored::Exists),
                rows => {
                    return Err(StoreError::RowExists {
                        url: self.url.clone(),
                        user: user.to_owned(),
                        rows,
                    });
                }
            }
        }
        let unknown = self.unfillable_columns().await?;
        if !unknown.is_empty() {
            return Err(StoreError::UnknownRequired {
                url: self.url.clone(),
                table: self.mapping.table.clone(),
                columns: unknown.join("`, `"),
            });
        }
        Ok(Stored::Inserted)
    }

    /// NOT NULL columns without a default that zoho-doctor neither maps nor fills: an insert
    /// would fail on them, so they are named first.
    async fn unfillable_columns(&self) -> Result<Vec<String>, StoreError> {
        let (schema, table) = match self.mapping.table.split_once('.') {
            Some((schema, table)) => (Some(schema.to_owned()), table.to_owned()),
            None => (None, self.mapping.table.clone()),
        };
        let (sql, params): (&'static str, Vec<BindValue>) = match self.pool {
            Pool::Sqlite(_) => (
                "SELECT name FROM pragma_table_info(?1) WHERE \"notnull\" = 1 AND dflt_value IS NULL AND pk = 0",
                vec![BindValue::Text(table)],
            ),
            Pool::Postgres(_) => (
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_name = $1 AND table_schema = COALESCE($2, current_schema()) \
                 AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
                vec![BindValue::Text(table), BindValue::text_or_null(schema)],
            ),
            Pool::MySql(_) => (
                "SELECT CAST(column_name AS CHAR) FROM information_schema.columns \
                 WHERE table_name = ? AND table_schema = COALESCE(?, DATABASE()) \
                 AND is_nullable = 'NO' AND column_default IS NULL \
                 AND extra NOT LIKE '%auto_increment%'",
                vec![BindValue::Text(table), BindValue::text_or_null(schema)],
            ),
        };
        let known = |name: &str| {
            self.present
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(name))
                || self
                    .row_id
                    .as_ref()
                    .is_some_and(|c| c.name.eq_ignore_ascii_case(name))
        };
        Ok(self
            .fetch(sql.to_owned(), params)
            .await?
            .into_iter()
            .filter_map(|row| row.into_iter().next()?.text())
            .filter(|name| !known(name))
            .collect())
    }
}
