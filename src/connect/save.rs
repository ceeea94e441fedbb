//! Where the new connection goes: a SQL store (a missing SQLite file is created with the seed
//! table and said so; on PostgreSQL and MySQL a missing table is an error that prints its
//! `CREATE TABLE`), or, for the `env:` store, a file of mode 0600 with the variables to set.

use std::{io::Write as _, path::Path};

use secrecy::ExposeSecret as _;
use sqlx::{AssertSqlSafe, ConnectOptions as _, Connection as _, sqlite::SqliteConnectOptions};

use crate::{
    Error,
    store::{Mapping, NewConnection, Store, StoreError, display_url, seed_table_sql},
};

/// The SQLite file a `sqlite:` URL names, when it does not exist yet.
pub fn missing_sqlite_file(url: &str) -> Option<&Path> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    let path = Path::new(path);
    (!path.as_os_str().is_empty() && path != Path::new(":memory:") && !path.exists())
        .then_some(path)
}

/// Opens the store for writing; a missing SQLite file is created with the seed table (when the
/// mapping is the seed preset). Returns the store and whether the file was created.
pub async fn open(url: &str, mapping: Mapping) -> Result<(Store, bool), Error> {
    let mut created = false;
    if let Some(path) = missing_sqlite_file(url) {
        if mapping.preset != "seed" {
            return Err(Error::Usage(format!(
                "{} does not exist; zoho-doctor creates a new SQLite file only with the seed schema (--schema seed)",
                display_url(url)
            )));
        }
        let failed = |err: sqlx::Error| {
            Error::Store(StoreError::Open {
                url: display_url(url),
                reason: err.to_string(),
            })
        };
        let mut db = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .connect()
            .await
            .map_err(failed)?;
        sqlx::query(AssertSqlSafe(seed_table_sql(url, &mapping.table)))
            .execute(&mut db)
            .await
            .map_err(failed)?;
        db.close().await.map_err(failed)?;
        created = true;
    }
    match Store::open(url, mapping.clone(), true).await {
        Ok(store) => Ok((store, created)),
        Err(StoreError::NoTable { url: shown, table }) if !url.starts_with("sqlite:") => {
            Err(Error::Usage(format!(
                "store {shown}: table `{table}` does not exist; create it first (zoho-doctor does not create tables in your database):\n\n{};\n\nor name an existing table with --schema/--table/--column",
                seed_table_sql(url, &table)
            )))
        }
        Err(error) => Err(error.into()),
    }
}

/// Writes the variables of the `env:` store to `path`, created with mode 0600 (it holds the
/// refresh token): never printed.
pub fn write_env(path: &Path, new: &NewConnection) -> Result<(), Error> {
    // What the env: store reads: the refresh token, the data centre, and the client.
    let mut lines = vec![format!(
        "ZOHO_REFRESH_TOKEN={}",
        new.refresh_token.expose_secret()
    )];
    if let Some(dc) = &new.dc {
        lines.push(format!("ZOHO_DC={dc}"));
    }
    if let Some(client) = &new.client {
        lines.push(format!("ZOHO_CLIENT_ID={}", client.client_id));
        lines.push(format!(
            "ZOHO_CLIENT_SECRET={}",
            client.client_secret.expose_secret()
        ));
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|err| Error::io("create", path, err))?;
    file.write_all(format!("{}\n", lines.join("\n")).as_bytes())
        .map_err(|err| Error::io("write", path, err))
}
