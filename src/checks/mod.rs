//! The check kinds: one `Check` trait, one closed `CheckSpec` enum (the registry), one file per
//! kind. Checks never print and never write facts: they return a `Verdict` (outcome plus
//! discoveries) and the runner applies it.

mod connection_exists;
mod context;
mod crm_org;
mod crm_profiles;
mod data_centre;
mod desk_org_id;
mod desk_portal;
mod desk_profile;
mod outcome;
mod scopes;
mod token_refresh;
mod words;

use std::future::Future;

pub use connection_exists::ConnectionExists;
pub use context::{CheckContext, Missing, RunEnv};
pub use crm_org::CrmOrgCheck;
pub use crm_profiles::CrmProfilesCheck;
pub use data_centre::DataCentreCheck;
pub use desk_org_id::DeskOrgIdCheck;
pub use desk_portal::DeskPortalCheck;
pub use desk_profile::DeskProfileCheck;
pub use outcome::{Outcome, Verdict};
pub use scopes::ScopesCheck;
pub use token_refresh::TokenRefresh;

use crate::zoho::App;

/// What every check kind implements.
pub trait Check {
    fn run(&self, ctx: &CheckContext) -> impl Future<Output = Verdict> + Send;
}

/// A check kind, by its YAML name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ConnectionExists,
    TokenRefresh,
    DataCentre,
    Scopes,
    DeskOrgId,
    DeskPortal,
    DeskProfile,
    CrmOrg,
    CrmProfiles,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::ConnectionExists,
        Kind::TokenRefresh,
        Kind::DataCentre,
        Kind::Scopes,
        Kind::DeskOrgId,
        Kind::DeskPortal,
        Kind::DeskProfile,
        Kind::CrmOrg,
        Kind::CrmProfiles,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::ConnectionExists => "connection-exists",
            Kind::TokenRefresh => "token-refresh",
            Kind::DataCentre => "data-centre",
            Kind::Scopes => "scopes",
            Kind::DeskOrgId => "desk-org-id",
            Kind::DeskPortal => "desk-portal",
            Kind::DeskProfile => "desk-profile",
            Kind::CrmOrg => "crm-org",
            Kind::CrmProfiles => "crm-profiles",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// What the check verifies, for `zoho-doctor list`.
    pub fn summary(self) -> &'static str {
        match self {
            Kind::ConnectionExists => {
                "a connection row exists for the user, with a refresh token that is not the access token and a known data centre"
            }
            Kind::TokenRefresh => {
                "the access token is usable: kept while outside the refresh skew, else refreshed once; an answer with an `error` key (even HTTP 200) or without `access_token` fails"
            }
            Kind::DataCentre => {
                "the row's data centre, the accounts server and the token's api_domain agree; after invalid_code/invalid_client it asks the other data centres which one knows the refresh token"
            }
            Kind::Scopes => {
                "the granted scopes cover the required ones (ALL covers READ…, a parent covers its children); names each missing scope"
            }
            Kind::DeskOrgId => {
                "the Desk organisation id is stored and among the user's organisations, or is discovered from /organizations"
            }
            Kind::DeskPortal => {
                "the Desk portal is stored (and is not the org id), or is discovered from the help centre and the organisation"
            }
            Kind::DeskProfile => {
                "the Desk profile endpoint (/myinfo by default) returns data; shows its key fields"
            }
            Kind::CrmOrg => {
                "GET /crm/{version}/org returns the CRM organisation (id, zgid, company name), matching the row's org_id"
            }
            Kind::CrmProfiles => {
                "GET /crm/{version}/settings/profiles lists a profile and the configured (or first) one reads by id; 304 with if_modified_since passes, 204 fails"
            }
        }
    }

    /// The kind-specific YAML options.
    pub fn options(self) -> &'static [&'static str] {
        match self {
            Kind::DataCentre => &["probe"],
            Kind::Scopes => &["require"],
            Kind::DeskProfile => &["path"],
            Kind::CrmProfiles => &["profile_id", "if_modified_since"],
            Kind::ConnectionExists
            | Kind::TokenRefresh
            | Kind::DeskOrgId
            | Kind::DeskPortal
            | Kind::CrmOrg => &[],
        }
    }

    /// The Zoho product the kind talks to, when it is specific to one.
    pub fn app(self) -> Option<App> {
        match self {
            Kind::DeskOrgId | Kind::DeskPortal | Kind::DeskProfile => Some(App::Desk),
            Kind::CrmOrg | Kind::CrmProfiles => Some(App::Crm),
            Kind::ConnectionExists | Kind::TokenRefresh | Kind::DataCentre | Kind::Scopes => None,
        }
    }
}

/// A configured check: its kind and its validated options.
#[derive(Debug, Clone)]
pub enum CheckSpec {
    ConnectionExists(ConnectionExists),
    TokenRefresh(TokenRefresh),
    DataCentre(DataCentreCheck),
    Scopes(ScopesCheck),
    DeskOrgId(DeskOrgIdCheck),
    DeskPortal(DeskPortalCheck),
    DeskProfile(DeskProfileCheck),
    CrmOrg(CrmOrgCheck),
    CrmProfiles(CrmProfilesCheck),
}

impl CheckSpec {
    pub fn kind(&self) -> Kind {
        match self {
            CheckSpec::ConnectionExists(_) => Kind::ConnectionExists,
            CheckSpec::TokenRefresh(_) => Kind::TokenRefresh,
            CheckSpec::DataCentre(_) => Kind::DataCentre,
            CheckSpec::Scopes(_) => Kind::Scopes,
            CheckSpec::DeskOrgId(_) => Kind::DeskOrgId,
            CheckSpec::DeskPortal(_) => Kind::DeskPortal,
            CheckSpec::DeskProfile(_) => Kind::DeskProfile,
            CheckSpec::CrmOrg(_) => Kind::CrmOrg,
            CheckSpec::CrmProfiles(_) => Kind::CrmProfiles,
        }
    }

    pub async fn run(&self, ctx: &CheckContext) -> Verdict {
        match self {
            CheckSpec::ConnectionExists(check) => check.run(ctx).await,
            CheckSpec::TokenRefresh(check) => check.run(ctx).await,
            CheckSpec::DataCentre(check) => check.run(ctx).await,
            CheckSpec::Scopes(check) => check.run(ctx).await,
            CheckSpec::DeskOrgId(check) => check.run(ctx).await,
            CheckSpec::DeskPortal(check) => check.run(ctx).await,
            CheckSpec::DeskProfile(check) => check.run(ctx).await,
            CheckSpec::CrmOrg(check) => check.run(ctx).await,
            CheckSpec::CrmProfiles(check) => check.run(ctx).await,
        }
    }
}
