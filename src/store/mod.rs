//! Connection stores: where apps keep their Zoho tokens. A `Store` yields `Connection`s by user;
//! SQL databases go through one layer (`sql`) with a column `Mapping` (`presets`).

mod env;
mod expiry;
mod presets;
mod row;
mod sql;
pub mod stored;
mod writeback;
mod written;

use secrecy::SecretString;
use thiserror::Error;

pub use env::{ENV_USER, EnvStore};
pub use expiry::{Expiry, ExpiryField, ExpiryUnit, SqlValue, hex_literal};
pub use presets::{Column, Field, Mapping};
pub use row::{RowKey, Snapshot, Unreadable};
pub use sql::{
    NewConnection, SqlStore, StoredHow, display_url, seed_table_sql, sqlite_guess, url_password,
};
pub use stored::Stored;
pub use writeback::{WriteBack, looks_encrypted};
pub use written::{EnvValue, NotStored, Shown, WriteResult};

use crate::zoho::{
    AccessToken, DataCentre, DeskOrgId, DeskPortal, oauth::ClientCredentials, scopes::Scope,
};

/// One app user's Zoho connection, as stored.
#[derive(Debug, Clone)]
pub struct Connection {
    pub user_id: String,
    pub access_token: Option<AccessToken>,
    pub refresh_token: Option<SecretString>,
    pub expiry: ExpiryField,
    pub api_domain: Stored<url::Url>,
    /// The CRM organisation id, compared as text with what Zoho answers.
    pub org_id: Option<String>,
    pub desk_org_id: Stored<DeskOrgId>,
    pub desk_portal: Stored<DeskPortal>,
    /// The data centre as stored: a code, a host, a URL; absent without a `dc` column.
    pub dc: Stored<DataCentre>,
    /// Granted scopes as stored (space- or comma-separated).
    pub scopes: Stored<Vec<Scope>>,
    /// The row's own OAuth client, when it has both columns filled.
    pub client: Option<ClientCredentials>,
    /// Token columns that hold ciphertext: not inspectable, never sent to Zoho.
    pub encrypted: Vec<String>,
    /// The row as read: its values for `--fix`'s compare-and-swap, its key, what did not read.
    pub snapshot: Snapshot,
}

impl Connection {
    /// The row's secrets: its tokens and its own client secret.
    pub fn secrets(&self) -> impl Iterator<Item = &SecretString> {
        let access = self.access_token.as_ref().map(AccessToken::secret);
        let client = self.client.as_ref().map(|client| &client.client_secret);
        access.into_iter().chain(&self.refresh_token).chain(client)
    }

    /// The row's key column and how many rows share its key (none for `env:`).
    pub fn key(&self) -> Option<&RowKey> {
        self.snapshot.key()
    }

    /// Values of the row no app can read as they are: not UTF-8 text, or no point in time.
    pub fn unreadable(&self) -> &[Unreadable] {
        self.snapshot.unreadable()
    }
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("unsupported store `{0}`; use {schemes}", schemes = SCHEMES)]
    Scheme(String),
    #[error("store `{url}` has no scheme; did you mean `{sqlite}`? (stores: {schemes})", schemes = SCHEMES)]
    NoScheme { url: String, sqlite: String },
    #[error("cannot open store {url}: {reason}")]
    Open { url: String, reason: String },
    #[error(
        "store {url}: table `{table}` does not exist; create it (README: \"Connection stores\") or choose the table with --schema/--table"
    )]
    NoTable { url: String, table: String },
    #[error(
        "store {url}: table `{table}` lacks {columns}, which the `{preset}` schema needs; add the column(s) or map them with --column FIELD=COLUMN"
    )]
    MissingColumns {
        url: String,
        table: String,
        preset: String,
        columns: String,
    },
    #[error(
        "store {url}: column `{column}` has type {type_name}, which zoho-doctor cannot read; store it as text, an integer or a timestamp"
    )]
    ColumnType {
        url: String,
        column: String,
        type_name: String,
    },
    #[error("store {url}: query failed: {reason}")]
    Query { url: String, reason: String },
    #[error(
        "`{0}` is not a valid table or column name; use letters, digits and `_` (optionally `schema.table`)"
    )]
    Identifier(String),
    #[error("store {url}: writing user `{user}` failed and was rolled back: {reason}")]
    Write {
        url: String,
        user: String,
        reason: String,
    },
    #[error(
        "store {url}: table `{table}` has NOT NULL column(s) `{columns}` without a default, which zoho-doctor does not know how to fill; give them a default, or insert the row yourself"
    )]
    UnknownRequired {
        url: String,
        table: String,
        columns: String,
    },
    #[error(
        "store {url}: {rows} rows are keyed `{user}`; zoho-doctor changes none of them (which one is the app's?)"
    )]
    RowExists {
        url: String,
        user: String,
        rows: usize,
    },
    #[error("the env: store needs {0}; set it (a CI secret), or use a database store")]
    EnvMissing(&'static str),
}

/// The SQLite file `--store` defaults to, in the current directory.
pub const DEFAULT_FILE: &str = "zoho-doctor.db";

/// The store URLs zoho-doctor reads, for messages.
pub const SCHEMES: &str = "sqlite://PATH, postgres://USER@HOST/DB, mysql://USER@HOST/DB (or mariadb://USER@HOST/DB) or env:";

/// `env:` (or `env`): the one connection held in environment variables.
pub fn is_env(url: &str) -> bool {
    url == "env:" || url == "env"
}

/// A source of connections.
pub enum Store {
    Sql(SqlStore),
    /// Boxed: it holds a whole connection, where the SQL store holds a pool handle.
    Env(Box<EnvStore>),
}

impl Store {
    /// Opens a store URL; read-only unless `writable` (`--fix`): nothing is written otherwise.
    pub async fn open(url: &str, mapping: Mapping, writable: bool) -> Result<Store, StoreError> {
        if is_env(url) {
            let store = EnvStore::open(&|name| std::env::var(name).ok())?;
            return Ok(Store::Env(Box::new(store)));
        }
        if let Some(sqlite) = sqlite_guess(url) {
            return Err(StoreError::NoScheme {
                url: display_url(url),
                sqlite: display_url(&sqlite),
            });
        }
        Ok(Store::Sql(SqlStore::open(url, mapping, writable).await?))
    }

    /// The store for messages, with any password masked.
    pub fn describe(&self) -> String {
        match self {
            Store::Sql(store) => store.describe(),
            Store::Env(_) => "env:".to_owned(),
        }
    }

    /// Every user id in the store, sorted.
    pub async fn users(&self) -> Result<Vec<String>, StoreError> {
        match self {
            Store::Sql(store) => store.users().await,
            Store::Env(_) => Ok(vec![ENV_USER.to_owned()]),
        }
    }

    /// Every row keyed `user_id`, in the order the database returns them: none, one, or
    /// several that share the key (each knows how many).
    pub async fn load(&self, user_id: &str) -> Result<Vec<Connection>, StoreError> {
        match self {
            Store::Sql(store) => store.load(user_id).await,
            Store::Env(store) => Ok(store.load(user_id).into_iter().collect()),
        }
    }

    /// The rows of each of `users`, in that order, as `load` reads them — but in as few
    /// queries as the store allows (chunks of keys, by the key's index).
    pub async fn load_many(&self, users: &[String]) -> Result<Vec<Vec<Connection>>, StoreError> {
        match self {
            Store::Sql(store) => store.load_many(users).await,
            Store::Env(store) => Ok(users
                .iter()
                .map(|user| store.load(user).into_iter().collect())
                .collect()),
        }
    }

    /// Writes back what a run refreshed and discovered (`--fix`); what was done with each value.
    pub async fn persist(
        &self,
        connection: &Connection,
        plan: &WriteBack,
    ) -> Result<Vec<WriteResult>, StoreError> {
        if plan.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Store::Sql(store) => store.persist(connection, plan).await,
            Store::Env(store) => Ok(store.would_persist(plan)),
        }
    }
}
