//! The `env:` store: one connection from environment variables, for CI jobs that hold Zoho
//! credentials as secrets and have no database. It has nothing to write: `--fix` reports what
//! it would have persisted (redacted).

use secrecy::SecretString;

use super::{
    Connection, ExpiryField, Snapshot, StoreError, Stored, stored,
    writeback::WriteBack,
    written::{EnvValue, NotStored, WriteResult},
};

/// The one user an `env:` store has.
pub const ENV_USER: &str = "env";

pub struct EnvStore {
    connection: Connection,
}

impl EnvStore {
    /// Reads the variables now; a missing required one is an error naming it.
    pub fn open(lookup: &dyn Fn(&str) -> Option<String>) -> Result<EnvStore, StoreError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let require = |name: &'static str| get(name).ok_or(StoreError::EnvMissing(name));
        // The client is the run's (`Clients::from_lookup` reads the same variables, with each
        // data centre's `ZOHO_CLIENT_SECRET_<DC>`), not a row value: a row's columns would come
        // before the row's own data centre's secret.
        require("ZOHO_CLIENT_ID")?;
        require("ZOHO_CLIENT_SECRET")?;
        let refresh_token = require("ZOHO_REFRESH_TOKEN")?;
        Ok(EnvStore {
            connection: Connection {
                user_id: ENV_USER.to_owned(),
                access_token: None,
                refresh_token: Some(SecretString::from(refresh_token)),
                expiry: ExpiryField::Missing,
                api_domain: Stored::Absent,
                org_id: None,
                desk_org_id: Stored::read(get("ZOHO_DESK_ORG_ID"), stored::desk_org_id),
                desk_portal: Stored::read(get("ZOHO_DESK_PORTAL"), stored::desk_portal),
                dc: Stored::read(get("ZOHO_DC"), stored::data_centre),
                scopes: Stored::Absent,
                client: None,
                encrypted: Vec::new(),
                snapshot: Snapshot::default(),
            },
        })
    }

    pub fn load(&self, user_id: &str) -> Option<Connection> {
        (user_id == ENV_USER).then(|| self.connection.clone())
    }

    /// What `--fix` would have written, had there been a row.
    pub fn would_persist(&self, plan: &WriteBack) -> Vec<WriteResult> {
        let mut results = plan.not_stored();
        let mut no_row = |value| results.push(WriteResult::NotStored(NotStored::NoRow(value)));
        if let Some((_, expires_at)) = &plan.access_token {
            no_row(EnvValue::AccessToken {
                expires_at: *expires_at,
            });
        }
        if let Some(org_id) = &plan.desk_org_id {
            no_row(EnvValue::DeskOrgId(org_id.clone()));
        }
        if let Some(portal) = &plan.desk_portal {
            no_row(EnvValue::DeskPortal(portal.clone()));
        }
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zoho::{DataCentre, oauth::Clients};

    #[test]
    fn the_client_is_the_runs_so_the_data_centres_own_secret_comes_before_the_default() {
        let lookup = |name: &str| {
            let value = match name {
                "ZOHO_CLIENT_ID" => "1000.app",
                "ZOHO_CLIENT_SECRET" => "default-secret",
                "ZOHO_CLIENT_SECRET_EU" => "eu-secret",
                "ZOHO_REFRESH_TOKEN" => "1000.refresh",
                "ZOHO_DC" => "eu",
                _ => return None,
            };
            Some(value.to_owned())
        };
        let connection = EnvStore::open(&lookup).expect("env store").connection;
        assert!(connection.client.is_none(), "no row columns to come first");
        let clients = Clients::from_lookup(&lookup);
        let eu = DataCentre::Eu;
        let client = clients.for_dc(connection.client.as_ref(), eu, eu);
        let secret = client.expect("a client").client_secret;
        assert_eq!(secrecy::ExposeSecret::expose_secret(&secret), "eu-secret");
    }
}
