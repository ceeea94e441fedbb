//! The `--fix` plan: what a finished run writes back to the connection row — a minted token
//! with its expiry (and the api_domain and scopes that came with it), an org id or portal
//! discovered where the row had none. A guess (an org picked among several with none the default)
//! and a numeric "portal" are never stored.

use super::ConnectionRun;
use crate::{checks::facts::ScopeSource, store::WriteBack};

impl ConnectionRun {
    /// What `--fix` should write back: a minted token and its expiry, and an org id or portal
    /// discovered where the row had none (a numeric "portal" is not worth storing).
    pub fn write_back(&self) -> WriteBack {
        let Some(connection) = &self.connection else {
            return WriteBack::default();
        };
        let minted = self.facts.token.as_ref().is_some_and(|token| token.minted);
        let scopes = self
            .facts
            .granted_scopes
            .as_ref()
            .filter(|granted| minted && granted.source == ScopeSource::TokenAnswer)
            .map(|granted| {
                granted
                    .scopes
                    .iter()
                    .map(|scope| scope.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|scopes| connection.scopes.raw() != Some(scopes.as_str()));
        let api_domain = self
            .facts
            .api_domain
            .clone()
            .filter(|domain| minted && connection.api_domain.raw() != Some(domain.as_str()));
        // Of several organisations with none the default, the first is a guess: writing it would
        // point the app at the wrong tenant (Zoho lists every organisation the user belongs to, and marks at most one `isDefault`).
        let ambiguous = self.facts.ambiguous_org && connection.desk_org_id.is_absent();
        WriteBack {
            ambiguous_org: ambiguous,
            api_domain,
            scopes,
            access_token: self
                .facts
                .token
                .as_ref()
                .filter(|token| token.minted)
                .map(|token| {
                    (
                        token.token.clone(),
                        token
                            .expires_at
                            .unwrap_or_else(|| chrono::Utc::now() + chrono::Duration::hours(1)),
                    )
                }),
            desk_org_id: self
                .facts
                .desk_org_id
                .as_ref()
                .filter(|_| connection.desk_org_id.is_absent() && !ambiguous)
                .map(|id| id.0.clone()),
            desk_portal: self
                .facts
                .desk_portal
                .as_ref()
                .filter(|portal| {
                    connection.desk_portal.is_absent() && !portal.looks_numeric() && !ambiguous
                })
                .map(|portal| portal.0.clone()),
        }
    }
}
