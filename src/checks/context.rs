//! What a check may read: the run's environment (HTTP client, endpoints, settings, flags), the
//! connection row, and a snapshot of the facts earlier checks discovered.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Outcome, Verdict};
use crate::{
    checks::facts::Settings,
    checks::facts::{Facts, TokenFact},
    redact::Redactor,
    store::{Connection, Field},
    zoho::{App, DataCentre, endpoints::Endpoints, http::ZohoHttp, oauth::Clients},
};

/// A fact a check needs is missing: the check is skipped with this reason.
#[derive(Debug, Clone, Copy)]
pub struct Missing(pub &'static str);

impl From<Missing> for Verdict {
    fn from(missing: Missing) -> Verdict {
        Outcome::skip(missing.0).verdict()
    }
}

/// Shared by every check of a run; each connection's checks see their connection's copy
/// (`for_connection`), which differs only in its redactor.
pub struct RunEnv {
    pub http: ZohoHttp,
    pub endpoints: Endpoints,
    pub settings: Settings,
    /// `--force-refresh`: mint a token even when the stored one is still valid.
    pub force_refresh: bool,
    /// `--fix`: discoveries will be written back, so they are not "unsaved" warnings.
    pub fix: bool,
    /// The app-wide OAuth clients: the default (`ZOHO_CLIENT_ID` / `ZOHO_CLIENT_SECRET`) and each
    /// data centre's own secret (`ZOHO_CLIENT_SECRET_<DC>`); `Clients::for_dc` picks one.
    pub clients: Clients,
    /// The run's redactor, or in a connection's copy that connection's: the run's secrets, the
    /// connection's own (registered as they appear) and the patterns.
    pub redactor: Redactor,
    /// The pipeline's Zoho product.
    pub app: App,
}

impl RunEnv {
    /// One connection's copy of the run: the same HTTP client, endpoints and settings, with a
    /// redactor of the connection's own (`Redactor::for_connection`) that its `-v` trace uses too,
    /// so registering the connection's secrets never recompiles anything the fleet shares.
    pub fn for_connection(&self) -> RunEnv {
        let redactor = self.redactor.for_connection();
        RunEnv {
            http: self.http.with_redactor(redactor.clone()),
            endpoints: self.endpoints.clone(),
            settings: self.settings.clone(),
            force_refresh: self.force_refresh,
            fix: self.fix,
            clients: self.clients.clone(),
            redactor,
            app: self.app,
        }
    }
}

/// One check's view of one connection.
pub struct CheckContext {
    pub env: Arc<RunEnv>,
    pub user: String,
    pub connection: Option<Arc<Connection>>,
    pub facts: Facts,
}

impl CheckContext {
    /// The connection row, or why the check cannot run.
    pub fn connection(&self) -> Result<&Connection, Missing> {
        self.connection
            .as_deref()
            .ok_or(Missing("no connection row to check"))
    }

    /// The access token an earlier check settled on, or why the check cannot run.
    pub fn token(&self) -> Result<&TokenFact, Missing> {
        self.facts.token.as_ref().ok_or(Missing(
            "no usable access token: a `token-refresh` check must pass before this one",
        ))
    }

    /// The connection's data centre; Zoho's default (US) when nothing says otherwise.
    pub fn dc(&self) -> DataCentre {
        self.facts.dc.unwrap_or(DataCentre::Us)
    }

    pub fn desk_base(&self) -> String {
        self.env.endpoints.desk(self.dc())
    }

    pub fn accounts_base(&self) -> String {
        self.env.endpoints.accounts(self.dc())
    }

    /// The generic API host for CRM calls: an explicit override, else the token's
    /// `api_domain` (Zoho's rule) when it is a Zoho API host that serves the CRM API, else the
    /// data centre's default. A stored `api_domain` is data, not configuration: a token is never
    /// sent to a host that is not Zoho's, nor to a legacy one such as `crm.zoho.eu` that answers
    /// `INVALID_HOST` since v2.1 (the data-centre check reports both).
    pub fn api_base(&self) -> String {
        let endpoints = &self.env.endpoints;
        if endpoints.api_overridden() {
            return endpoints.api(self.dc());
        }
        match &self.facts.api_domain {
            Some(domain)
                if endpoints.dc_of_api_domain(domain).is_some()
                    && endpoints.serves_crm_api(domain) =>
            {
                domain.trim_end_matches('/').to_owned()
            }
            Some(_) | None => endpoints.api(self.dc()),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    /// "not stored: run with --fix to save it", or nothing when `--fix` is on or the store has
    /// nowhere to keep `field` (the `env:` store, a table without that column).
    pub fn unsaved_note(&self, what: &str, field: Field) -> Option<String> {
        if self.env.fix {
            return None;
        }
        self.env.settings.store.unsaved_note(what, field)
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        checks::{facts::Facts, testing::*},
        zoho::{App, DataCentre},
    };

    fn api_base_for(api_domain: &str) -> String {
        let facts = Facts {
            dc: Some(DataCentre::Eu),
            api_domain: Some(api_domain.to_owned()),
            ..Facts::default()
        };
        context(offline_env(App::Crm), None, facts).api_base()
    }

    #[test]
    fn crm_calls_go_to_the_api_domain_only_when_it_serves_the_crm_api() {
        assert_eq!(
            api_base_for("https://www.zohoapis.eu/"),
            "https://www.zohoapis.eu"
        );
        assert_eq!(
            api_base_for("https://sandbox.zohoapis.eu"),
            "https://sandbox.zohoapis.eu"
        );
        // Legacy web hosts answer INVALID_HOST since v2.1: the data centre's API host instead.
        assert_eq!(
            api_base_for("https://crm.zoho.eu"),
            "https://www.zohoapis.eu"
        );
        assert_eq!(
            api_base_for("https://www.zoho.eu"),
            "https://www.zohoapis.eu"
        );
        // Not Zoho's at all: never sent the token.
        assert_eq!(
            api_base_for("https://evil.example"),
            "https://www.zohoapis.eu"
        );
    }
}
