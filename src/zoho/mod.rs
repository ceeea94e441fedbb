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
pub mod throttle;
pub mod token;

pub use dc::DataCentre;
pub use token::{AccessToken, DeskOrgId, DeskPortal};

/// A 5xx answer without Zoho's error body (`code_key` names the code field: `errorCode` for
/// Desk, `code` for CRM) came from a proxy or an outage, not from Zoho's API: it says nothing
/// about the connection, so it is "we could not find out", never Zoho's "no".
fn outage(answer: &http::Answer, code_key: &str) -> Option<String> {
    let zoho_said = answer
        .json()
        .is_some_and(|body| body.get(code_key).is_some_and(|code| code.is_string()));
    (answer.status >= 500 && !zoho_said).then(|| {
        format!(
            "HTTP {} without Zoho's error body (a proxy or an outage answered, not the API)",
            answer.status
        )
    })
}

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
