//! A stored value read once, at the store boundary: absent, or its text as stored with what it
//! parses to — the typed value, or why it does not parse. Reading never fails the load: an
//! invalid value reaches the check that reports it (a bad `dc` is `connection-exists`'s finding),
//! and nothing downstream parses the text again.

use crate::zoho::{DataCentre, DeskOrgId, DeskPortal, scopes::Scope};

#[derive(Debug, Clone, PartialEq)]
pub enum Stored<T> {
    /// NULL, empty, or no such column.
    Absent,
    Valid {
        raw: String,
        value: T,
    },
    Invalid {
        raw: String,
        reason: String,
    },
}

impl<T> Stored<T> {
    /// Parses a value as read; `None` (or blank) is absent.
    pub fn read(text: Option<String>, parse: impl FnOnce(&str) -> Result<T, String>) -> Self {
        match text {
            None => Stored::Absent,
            Some(raw) => match parse(&raw) {
                Ok(value) => Stored::Valid { raw, value },
                Err(reason) => Stored::Invalid { raw, reason },
            },
        }
    }

    /// The text as stored, valid or not, for messages and comparisons with what was read.
    pub fn raw(&self) -> Option<&str> {
        match self {
            Stored::Absent => None,
            Stored::Valid { raw, .. } | Stored::Invalid { raw, .. } => Some(raw),
        }
    }

    pub fn valid(&self) -> Option<&T> {
        match self {
            Stored::Valid { value, .. } => Some(value),
            Stored::Absent | Stored::Invalid { .. } => None,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Stored::Absent)
    }
}

/// A data centre as a code (`eu`), a domain (`zoho.eu`), an accounts host or URL.
pub fn data_centre(text: &str) -> Result<DataCentre, String> {
    DataCentre::parse(text).ok_or_else(|| "not a Zoho data centre".to_owned())
}

/// An `api_domain`: an absolute http(s) URL with a host. Whether it is Zoho's is the
/// data-centre check's finding (it depends on the endpoint overrides).
pub fn api_domain(text: &str) -> Result<url::Url, String> {
    match url::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "https" | "http") && url.host().is_some() => Ok(url),
        Ok(_) | Err(_) => Err("not an http(s) URL".to_owned()),
    }
}

/// Granted scopes, space- or comma-separated.
pub fn scopes(text: &str) -> Result<Vec<Scope>, String> {
    Ok(crate::zoho::scopes::parse_granted_list(text))
}

/// A Desk org id as stored; whether it is numeric and the user's is the org-id check's finding.
pub fn desk_org_id(text: &str) -> Result<DeskOrgId, String> {
    Ok(DeskOrgId(text.to_owned()))
}

/// A Desk portal as stored; whether it is the org id in the wrong column is the portal check's.
pub fn desk_portal(text: &str) -> Result<DeskPortal, String> {
    Ok(DeskPortal(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_absent_valid_or_invalid_with_its_text_kept() {
        assert_eq!(Stored::read(None, data_centre), Stored::Absent);
        let eu = Stored::read(Some("accounts.zoho.eu".to_owned()), data_centre);
        assert_eq!(eu.valid(), Some(&DataCentre::Eu));
        assert_eq!(eu.raw(), Some("accounts.zoho.eu"));
        let bad = Stored::read(Some("mars".to_owned()), data_centre);
        assert_eq!(
            bad,
            Stored::Invalid {
                raw: "mars".to_owned(),
                reason: "not a Zoho data centre".to_owned()
            }
        );
        assert_eq!(bad.valid(), None);
        assert!(!bad.is_absent());
    }

    #[test]
    fn an_api_domain_must_be_an_http_url() {
        assert!(api_domain("https://www.zohoapis.eu").is_ok());
        assert!(api_domain("www.zohoapis.eu").is_err());
        assert!(api_domain("ftp://x.example").is_err());
    }

    #[test]
    fn scopes_split_on_spaces_and_commas() {
        let parsed = scopes("Desk.basic.READ,Desk.settings.READ ZohoCRM.org.ALL").expect("scopes");
        let names: Vec<&str> = parsed.iter().map(Scope::as_str).collect();
        assert_eq!(
            names,
            ["Desk.basic.READ", "Desk.settings.READ", "ZohoCRM.org.ALL"]
        );
    }
}
