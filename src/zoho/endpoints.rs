//! Where each Zoho service lives for a data centre, with the overrides (`ZOHO_ACCOUNTS_URL`,
//! `ZOHO_API_URL`, `ZOHO_DESK_URL`) that point zoho-doctor at the simulator or a private proxy.
//! An override may contain `{dc}`, replaced by the DC's region code.

use thiserror::Error;
use url::Url;

use super::DataCentre;

#[derive(Debug, Error)]
pub enum EndpointError {
    #[error(
        "{source_name}: `{value}` is not a valid URL ({reason}); give a base URL such as `https://accounts.zoho.eu` or `http://127.0.0.1:8080/accounts/{{dc}}`"
    )]
    Invalid {
        source_name: String,
        value: String,
        reason: String,
    },
    #[error(
        "{source_name}: `{value}` uses plain http:// for a non-loopback host; tokens would cross the network unencrypted. Use https://, or http:// only with 127.0.0.1, ::1 or localhost"
    )]
    Insecure { source_name: String, value: String },
}

/// The base URLs of the accounts server, the generic API host and Zoho Desk, per data centre.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    accounts: Option<String>,
    api: Option<String>,
    desk: Option<String>,
}

/// One named override, as given by the user (for error messages).
pub struct Override<'a> {
    pub source_name: &'a str,
    pub value: Option<String>,
}

impl Endpoints {
    /// Zoho's real hosts, derived from the data centre.
    pub fn zoho() -> Self {
        Self::default()
    }

    /// Zoho's hosts with any of the three services replaced; each override is checked for every
    /// data centre before any network.
    pub fn with_overrides(
        accounts: Override<'_>,
        api: Override<'_>,
        desk: Override<'_>,
    ) -> Result<Self, EndpointError> {
        Ok(Endpoints {
            accounts: validated(accounts)?,
            api: validated(api)?,
            desk: validated(desk)?,
        })
    }

    pub fn accounts(&self, dc: DataCentre) -> String {
        base(&self.accounts, dc, || dc.accounts_host())
    }

    pub fn api(&self, dc: DataCentre) -> String {
        base(&self.api, dc, || dc.api_host())
    }

    pub fn desk(&self, dc: DataCentre) -> String {
        base(&self.desk, dc, || dc.desk_host())
    }

    /// Whether the generic API host was overridden: then it wins over the token's `api_domain`.
    pub fn api_overridden(&self) -> bool {
        self.api.is_some()
    }

    /// The data centre an `api_domain` belongs to, under the endpoints in effect (so the
    /// simulator's URLs are recognised as well as Zoho's hosts).
    pub fn dc_of_api_domain(&self, api_domain: &str) -> Option<DataCentre> {
        let wanted = normalise(api_domain);
        DataCentre::ALL
            .into_iter()
            .find(|dc| normalise(&self.api(*dc)) == wanted)
            .or_else(|| DataCentre::parse(api_domain).filter(|_| is_zoho_host(api_domain)))
    }

    /// Whether Zoho CRM answers API calls at this `api_domain`. Since v2.1 it does only on
    /// `www.`, `sandbox.` and `developer.zohoapis.<tld>` (any other host answers `INVALID_HOST`);
    /// the API host in effect (an override such as the simulator's) and loopback hosts count
    /// as serving it, and so does anything that is not a Zoho host at all (not ours to judge).
    pub fn serves_crm_api(&self, api_domain: &str) -> bool {
        let wanted = normalise(api_domain);
        if DataCentre::ALL
            .into_iter()
            .any(|dc| normalise(&self.api(dc)) == wanted)
        {
            return true;
        }
        let with_scheme = if wanted.contains("://") {
            wanted.clone()
        } else {
            format!("https://{wanted}")
        };
        let Ok(url) = Url::parse(&with_scheme) else {
            return true;
        };
        if is_loopback(&url) || !is_zoho_host(&wanted) {
            return true;
        }
        let host = url.host_str().unwrap_or_default().trim_end_matches('.');
        DataCentre::ALL.into_iter().any(|dc| {
            let api = dc.api_host();
            let tld_host = api.trim_start_matches("www.");
            ["www.", "sandbox.", "developer."]
                .iter()
                .any(|prefix| host == format!("{prefix}{tld_host}"))
        })
    }
}

fn is_zoho_host(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower.contains("zohoapis.") || lower.contains("zoho.") || lower.contains("zohocloud.")
}

fn normalise(url: &str) -> String {
    url.trim().trim_end_matches('/').to_ascii_lowercase()
}

fn base(template: &Option<String>, dc: DataCentre, default_host: impl Fn() -> String) -> String {
    match template {
        Some(template) => template
            .replace("{dc}", dc.code())
            .trim_end_matches('/')
            .to_owned(),
        None => format!("https://{}", default_host()),
    }
}

fn validated(given: Override<'_>) -> Result<Option<String>, EndpointError> {
    let Some(value) = given.value.filter(|value| !value.trim().is_empty()) else {
        return Ok(None);
    };
    let value = value.trim().to_owned();
    for dc in DataCentre::ALL {
        let candidate = value.replace("{dc}", dc.code());
        let url = Url::parse(&candidate).map_err(|err| EndpointError::Invalid {
            source_name: given.source_name.to_owned(),
            value: value.clone(),
            reason: err.to_string(),
        })?;
        if !is_secure_transport(&url) {
            return Err(EndpointError::Insecure {
                source_name: given.source_name.to_owned(),
                value: value.clone(),
            });
        }
    }
    Ok(Some(value))
}

/// `https` anywhere; plain `http` only to this machine. Also applied to every URL a token is
/// sent to, since a stored `api_domain` is data we did not choose.
pub fn is_secure_transport(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => is_loopback(url),
        _ => false,
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_accounts(value: &str) -> Result<Endpoints, EndpointError> {
        let none = || Override {
            source_name: "x",
            value: None,
        };
        Endpoints::with_overrides(
            Override {
                source_name: "ZOHO_ACCOUNTS_URL",
                value: Some(value.to_owned()),
            },
            none(),
            none(),
        )
    }

    #[test]
    fn default_hosts_follow_the_data_centre() {
        let endpoints = Endpoints::zoho();
        assert_eq!(
            endpoints.accounts(DataCentre::Eu),
            "https://accounts.zoho.eu"
        );
        assert_eq!(endpoints.desk(DataCentre::Ca), "https://desk.zohocloud.ca");
        assert_eq!(endpoints.api(DataCentre::Au), "https://www.zohoapis.com.au");
    }

    #[test]
    fn dc_placeholder_is_replaced() {
        let endpoints = with_accounts("http://127.0.0.1:9/accounts/{dc}/").unwrap();
        assert_eq!(
            endpoints.accounts(DataCentre::Jp),
            "http://127.0.0.1:9/accounts/jp"
        );
    }

    #[test]
    fn plain_http_is_refused_for_remote_hosts() {
        let err = with_accounts("http://proxy.example.com/{dc}").unwrap_err();
        assert!(err.to_string().contains("non-loopback"), "{err}");
    }

    #[test]
    fn garbage_is_refused_with_the_variable_name() {
        let err = with_accounts("not a url").unwrap_err();
        assert!(err.to_string().starts_with("ZOHO_ACCOUNTS_URL"), "{err}");
    }

    #[test]
    fn api_domain_is_mapped_back_to_its_data_centre() {
        let endpoints = Endpoints::zoho();
        assert_eq!(
            endpoints.dc_of_api_domain("https://www.zohoapis.eu"),
            Some(DataCentre::Eu)
        );
        assert_eq!(endpoints.dc_of_api_domain("https://example.org"), None);
    }

    #[test]
    fn only_www_sandbox_and_developer_zohoapis_hosts_serve_the_crm_api() {
        let endpoints = Endpoints::zoho();
        for served in [
            "https://www.zohoapis.eu",
            "https://sandbox.zohoapis.com",
            "https://developer.zohoapis.com.au/",
            "www.zohoapis.ca",
            "http://127.0.0.1:9/api/eu",
            "https://example.org",
        ] {
            assert!(endpoints.serves_crm_api(served), "{served}");
        }
        for legacy in [
            "https://crm.zoho.eu",
            "https://www.zoho.com",
            "https://zohoapis.com",
            "https://content.zohoapis.in",
        ] {
            assert!(!endpoints.serves_crm_api(legacy), "{legacy}");
        }
        let overridden = Endpoints::with_overrides(
            Override {
                source_name: "a",
                value: None,
            },
            Override {
                source_name: "b",
                value: Some("https://proxy.example.com/{dc}".into()),
            },
            Override {
                source_name: "c",
                value: None,
            },
        )
        .unwrap();
        assert!(overridden.serves_crm_api("https://proxy.example.com/eu"));
    }
}
