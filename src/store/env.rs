//! The `env:` store: one connection from environment variables, for CI jobs that hold Zoho
//! credentials as secrets and have no database. It has nothing to write: `--fix` reports what
//! it would have persisted (redacted).

use secrecy::SecretString;

use super::{
    Connection, ExpiryField, Snapshot, StoreError, Stored, stored,
    writeback::WriteBack,
    written::{EnvValue, NotStored, WriteResult},
};
use crate::zoho::oauth::ClientCredentials;

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
        let client_id = require("ZOHO_CLIENT_ID")?;
        let client_secret = require("ZOHO_CLIENT_SECRET")?;
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
                client: Some(ClientCredentials {
                    client_id,
                    client_secret: SecretString::from(client_secret),
                }),
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
