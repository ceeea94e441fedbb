//! The typed facts checks share: what the connection row says, then what earlier checks found
//! (token, api_domain, scopes, org id, portal, profile), and the pipeline settings checks read.
//! Only the runner writes facts: a check returns `Discovery` values, which the runner folds in.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::{
    store::Connection,
    zoho::{
        AccessToken, DataCentre, DeskOrgId, DeskPortal, catalogue::ZohoError, endpoints::Endpoints,
        scopes::Scope,
    },
};

/// The access token later checks use.
#[derive(Debug, Clone)]
pub struct TokenFact {
    pub token: AccessToken,
    pub expires_at: Option<DateTime<Utc>>,
    /// Minted in this run (as opposed to the stored one).
    pub minted: bool,
}

/// The scopes the token carries, and where we learnt them.
#[derive(Debug, Clone)]
pub struct GrantedScopes {
    pub scopes: Vec<Scope>,
    pub source: ScopeSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeSource {
    TokenAnswer,
    StoredColumn,
}

impl ScopeSource {
    pub fn describe(self) -> &'static str {
        match self {
            ScopeSource::TokenAnswer => "the token answer",
            ScopeSource::StoredColumn => "the stored scopes column",
        }
    }
}

/// A fact a check kind needs or provides, as declared in its file: what lets the validator
/// refuse a check whose facts nothing before it provides, and type-check `{fact}` templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// A usable access token (`TokenFact`).
    Token,
    /// The token answer's `api_domain`.
    ApiDomain,
    /// The scopes the token carries.
    GrantedScopes,
    DeskOrgId,
    DeskPortal,
    /// Why a refresh was rejected, for a diagnosing check.
    RefreshRejection,
    /// The profile's key fields.
    Profile,
}

impl Fact {
    pub fn name(self) -> &'static str {
        match self {
            Fact::Token => "token",
            Fact::ApiDomain => "api_domain",
            Fact::GrantedScopes => "scopes",
            Fact::DeskOrgId => "desk_org_id",
            Fact::DeskPortal => "portal",
            Fact::RefreshRejection => "refresh_rejection",
            Fact::Profile => "profile",
        }
    }

    /// The fact in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Fact::Token => "a usable access token",
            Fact::ApiDomain => "the token's api_domain",
            Fact::GrantedScopes => "the granted scopes",
            Fact::DeskOrgId => "the Desk organisation id",
            Fact::DeskPortal => "the Desk portal",
            Fact::RefreshRejection => "why a refresh was rejected",
            Fact::Profile => "a profile",
        }
    }
}

/// The pipeline's `settings:` block, with defaults filled in: what checks read of the pipeline.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Refresh when the access token expires within this long (the seed's 120 s).
    pub refresh_skew: Duration,
    /// Per check, and per HTTP request.
    pub timeout: Duration,
    /// Retries of idempotent calls on connection errors, 429 and 5xx (never of a refresh).
    pub retries: u32,
    /// The CRM API version in URLs (one of `CRM_API_VERSIONS`; `v8`, Zoho's current, by default).
    pub api_version: String,
    /// The store's shape, for hints that name its rows, columns or variables (set by the run).
    pub store: super::StoreShape,
}

/// The CRM API versions Zoho serves (crm-oas `v8.0` is the current one).
pub const CRM_API_VERSIONS: [&str; 8] = ["v2", "v2.1", "v3", "v4", "v5", "v6", "v7", "v8"];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            refresh_skew: Duration::from_secs(120),
            timeout: Duration::from_secs(10),
            retries: 2,
            api_version: "v8".to_owned(),
            store: super::StoreShape::default(),
        }
    }
}

/// What a check found out, for the checks after it.
#[derive(Debug, Clone)]
pub enum Discovery {
    Token(TokenFact),
    ApiDomain(String),
    Scopes(GrantedScopes),
    DeskOrgId(DeskOrgId),
    /// The org id was picked among several organisations with none marked default: right for
    /// this run's checks, not certain enough to store.
    AmbiguousOrg,
    DeskPortal(DeskPortal),
    /// The refresh was rejected: a diagnosing check (data-centre) reads why.
    RefreshRejected(ZohoError),
    Profile(Vec<(String, String)>),
    /// A value an `http` check's `save:` read from its answer, for later `{name}` templates.
    Saved {
        name: String,
        value: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub dc: Option<DataCentre>,
    pub token: Option<TokenFact>,
    pub api_domain: Option<String>,
    pub granted_scopes: Option<GrantedScopes>,
    pub desk_org_id: Option<DeskOrgId>,
    pub ambiguous_org: bool,
    pub desk_portal: Option<DeskPortal>,
    pub refresh_rejection: Option<ZohoError>,
    pub profile: Vec<(String, String)>,
    /// What `http` checks saved (`save: {name: /pointer}`), by name, for `{name}` templates.
    pub saved: Vec<(String, String)>,
}

impl Discovery {
    /// The secret a discovery carries (a minted token), for the connection's redaction scope.
    pub fn secret(&self) -> Option<&secrecy::SecretString> {
        match self {
            Discovery::Token(token) => Some(token.token.secret()),
            Discovery::ApiDomain(_)
            | Discovery::Scopes(_)
            | Discovery::DeskOrgId(_)
            | Discovery::AmbiguousOrg
            | Discovery::DeskPortal(_)
            | Discovery::RefreshRejected(_)
            | Discovery::Profile(_)
            | Discovery::Saved { .. } => None,
        }
    }
}

impl Facts {
    /// A value an earlier `http` check saved under `name`.
    pub fn saved(&self, name: &str) -> Option<&str> {
        self.saved
            .iter()
            .find(|(saved, _)| saved == name)
            .map(|(_, value)| value.as_str())
    }

    /// The facts the row itself gives, before any check runs.
    pub fn from_connection(connection: Option<&Connection>, endpoints: &Endpoints) -> Facts {
        let Some(connection) = connection else {
            return Facts::default();
        };
        let dc = connection.dc.valid().copied().or_else(|| {
            connection
                .api_domain
                .raw()
                .and_then(|domain| endpoints.dc_of_api_domain(domain))
        });
        Facts {
            dc,
            // As stored, valid or not: the data-centre check judges (and names) it.
            api_domain: connection.api_domain.raw().map(str::to_owned),
            granted_scopes: connection.scopes.valid().map(|scopes| GrantedScopes {
                scopes: scopes.clone(),
                source: ScopeSource::StoredColumn,
            }),
            desk_org_id: connection.desk_org_id.valid().cloned(),
            desk_portal: connection.desk_portal.valid().cloned(),
            ..Facts::default()
        }
    }

    pub fn apply(&mut self, discovery: Discovery) {
        match discovery {
            Discovery::Token(token) => self.token = Some(token),
            Discovery::ApiDomain(domain) => self.api_domain = Some(domain),
            Discovery::Scopes(scopes) => self.granted_scopes = Some(scopes),
            Discovery::DeskOrgId(id) => self.desk_org_id = Some(id),
            Discovery::AmbiguousOrg => self.ambiguous_org = true,
            Discovery::DeskPortal(portal) => self.desk_portal = Some(portal),
            Discovery::RefreshRejected(error) => self.refresh_rejection = Some(error),
            Discovery::Profile(fields) => self.profile = fields,
            Discovery::Saved { name, value } => {
                self.saved.retain(|(saved, _)| *saved != name);
                self.saved.push((name, value));
            }
        }
    }
}
