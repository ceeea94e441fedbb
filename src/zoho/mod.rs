//! Zoho facts in code: data centres and their hosts, endpoints, the OAuth token call, the Desk and
//! CRM clients, scope rules and the catalogue of every error code with its diagnosis and fix.

pub mod catalogue;
pub mod crm;
pub mod dc;
pub mod desk;
pub mod endpoints;
pub mod http;
pub mod oauth;
pub mod scopes;
pub mod token;

pub use dc::DataCentre;
pub use token::{AccessToken, DeskOrgId, DeskPortal};

/// The Zoho product a pipeline checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    Desk,
    Crm,
}

impl App {
    pub fn name(self) -> &'static str {
        match self {
            App::Desk => "desk",
            App::Crm => "crm",
        }
    }
}
