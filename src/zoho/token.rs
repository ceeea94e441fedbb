//! Newtypes that must never be swapped or printed: the access token (a secret with no
//! `Display`), the Desk organisation id and the Desk portal name.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// An OAuth access token. Deliberately has no `Display`; `Debug` is redacted by `secrecy`.
#[derive(Clone, Debug)]
pub struct AccessToken(SecretString);

impl AccessToken {
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken(SecretString::from(token.into()))
    }

    /// The `Authorization` header value Zoho expects.
    pub fn header_value(&self) -> String {
        format!("Zoho-oauthtoken {}", self.0.expose_secret())
    }

    pub fn secret(&self) -> &SecretString {
        &self.0
    }

    pub fn same_as(&self, other: &str) -> bool {
        self.0.expose_secret() == other
    }
}

/// The numeric Desk organisation id sent in the `orgId` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeskOrgId(pub String);

/// The Desk portal (sub-domain / URL name) used for browser links, never in API headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeskPortal(pub String);

impl DeskOrgId {
    /// Org ids are numeric; anything else was probably a portal name stored in the wrong column.
    pub fn looks_numeric(&self) -> bool {
        looks_like_numeric_id(&self.0)
    }
}

impl DeskPortal {
    pub fn looks_numeric(&self) -> bool {
        looks_like_numeric_id(&self.0)
    }
}

pub fn looks_like_numeric_id(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_ascii_digit())
}

impl fmt::Display for DeskOrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for DeskPortal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
