//! Zoho's data centres and their hosts (accounts, API and Desk; Canada's are on `zohocloud.ca`),
//! and reading a data centre from whatever an app stored: a region code, a domain suffix, an
//! accounts host, a URL or only the `api_domain`. Hosts only third parties document (UK's API
//! and Desk hosts, Singapore's and the UAE's) are kept but marked unverified.

use std::fmt;

/// One of Zoho's data centres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataCentre {
    Us,
    Eu,
    In,
    Au,
    Jp,
    Cn,
    Ca,
    Sa,
    Uk,
    Sg,
    Ae,
}

/// Which of a data centre's hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    Accounts,
    Api,
    Desk,
}

/// How evidence from a host only third parties document is labelled.
pub const UNVERIFIED_HOST: &str = "host unverified: documented only by third parties";

impl DataCentre {
    pub const ALL: [DataCentre; 11] = [
        DataCentre::Us,
        DataCentre::Eu,
        DataCentre::In,
        DataCentre::Au,
        DataCentre::Jp,
        DataCentre::Cn,
        DataCentre::Ca,
        DataCentre::Sa,
        DataCentre::Uk,
        DataCentre::Sg,
        DataCentre::Ae,
    ];

    /// The region code, as Zoho's `location` redirect parameter spells it.
    pub fn code(self) -> &'static str {
        match self {
            DataCentre::Us => "us",
            DataCentre::Eu => "eu",
            DataCentre::In => "in",
            DataCentre::Au => "au",
            DataCentre::Jp => "jp",
            DataCentre::Cn => "cn",
            DataCentre::Ca => "ca",
            DataCentre::Sa => "sa",
            DataCentre::Uk => "uk",
            DataCentre::Sg => "sg",
            DataCentre::Ae => "ae",
        }
    }

    /// A human name for messages: "the EU data centre".
    pub fn label(self) -> &'static str {
        match self {
            DataCentre::Us => "US",
            DataCentre::Eu => "EU",
            DataCentre::In => "India",
            DataCentre::Au => "Australia",
            DataCentre::Jp => "Japan",
            DataCentre::Cn => "China",
            DataCentre::Ca => "Canada",
            DataCentre::Sa => "Saudi Arabia",
            DataCentre::Uk => "UK",
            DataCentre::Sg => "Singapore",
            DataCentre::Ae => "UAE",
        }
    }

    /// The top-level domain Zoho uses for this DC's hosts (`zoho.<tld>`, `zohoapis.<tld>`).
    fn tld(self) -> &'static str {
        match self {
            DataCentre::Us => "com",
            DataCentre::Eu => "eu",
            DataCentre::In => "in",
            DataCentre::Au => "com.au",
            DataCentre::Jp => "jp",
            DataCentre::Cn => "com.cn",
            DataCentre::Ca => "ca",
            DataCentre::Sa => "sa",
            DataCentre::Uk => "uk",
            DataCentre::Sg => "sg",
            DataCentre::Ae => "ae",
        }
    }

    /// Whether Zoho's own sources document this host: the SDKs' data-centre classes (US, EU,
    /// IN, AU, JP, CN, CA, SA) for accounts and API hosts, the multi-DC page (UK's accounts
    /// server), and Zoho's Desk OAuth library (ZohoDeskOAuth) for Desk hosts, which names only
    /// com, eu, in, com.au and com.cn. Japan's, Canada's and Saudi Arabia's Desk hosts, UK's API
    /// and Desk hosts and every Singapore and UAE host come from third parties only.
    pub fn verified(self, host: Host) -> bool {
        match (self, host) {
            (DataCentre::Sg | DataCentre::Ae, _) => false,
            (DataCentre::Uk, Host::Accounts) => true,
            (DataCentre::Uk, Host::Api | Host::Desk) => false,
            (DataCentre::Jp | DataCentre::Ca | DataCentre::Sa, Host::Desk) => false,
            _ => true,
        }
    }

    /// Every data centre but `home`, in the order to ask them: those whose `host` Zoho
    /// documents first, the unverified ones last.
    pub fn others_by_evidence(home: DataCentre, host: Host) -> Vec<DataCentre> {
        let mut others: Vec<DataCentre> = DataCentre::ALL
            .into_iter()
            .filter(|dc| *dc != home)
            .collect();
        others.sort_by_key(|dc| !dc.verified(host));
        others
    }

    pub fn accounts_host(self) -> String {
        match self {
            // Canada is the exception: its accounts and Desk hosts live under zohocloud.ca.
            DataCentre::Ca => "accounts.zohocloud.ca".to_owned(),
            dc => format!("accounts.zoho.{}", dc.tld()),
        }
    }

    pub fn api_host(self) -> String {
        format!("www.zohoapis.{}", self.tld())
    }

    pub fn desk_host(self) -> String {
        match self {
            DataCentre::Ca => "desk.zohocloud.ca".to_owned(),
            dc => format!("desk.zoho.{}", dc.tld()),
        }
    }

    /// Reads a data centre from a stored value: `eu`, `com`, `com.au`, `accounts.zoho.eu`,
    /// `https://accounts.zoho.eu`, `https://www.zohoapis.eu`, `desk.zohocloud.ca`, …
    pub fn parse(value: &str) -> Option<DataCentre> {
        let value = value.trim().to_ascii_lowercase();
        if value.is_empty() {
            return None;
        }
        let host = value
            .split_once("://")
            .map_or(value.as_str(), |(_, rest)| rest)
            .split(['/', ':', '?'])
            .next()
            .unwrap_or_default()
            .trim_end_matches('.');
        if let Some(dc) = DataCentre::ALL
            .into_iter()
            .find(|dc| dc.code() == host || dc.tld() == host)
        {
            return Some(dc);
        }
        if host == "zohocloud.ca" || host.ends_with(".zohocloud.ca") {
            return Some(DataCentre::Ca);
        }
        // `accounts.zoho.au` is listed by some Zoho docs as an alias of `.com.au`.
        if host == "accounts.zoho.au" {
            return Some(DataCentre::Au);
        }
        // Longest suffix first so `zoho.com.au` is not read as `zoho.com`.
        let mut by_suffix: Vec<DataCentre> = DataCentre::ALL.to_vec();
        by_suffix.sort_by_key(|dc| std::cmp::Reverse(dc.tld().len()));
        by_suffix.into_iter().find(|dc| {
            let tld = dc.tld();
            [format!("zoho.{tld}"), format!("zohoapis.{tld}")]
                .iter()
                .any(|domain| host == domain || host.ends_with(&format!(".{domain}")))
        })
    }

    /// The accepted spellings, for error messages.
    pub fn accepted_codes() -> String {
        DataCentre::ALL
            .iter()
            .map(|dc| dc.code())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for DataCentre {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes_and_domain_suffixes_are_read() {
        assert_eq!(DataCentre::parse("eu"), Some(DataCentre::Eu));
        assert_eq!(DataCentre::parse("com"), Some(DataCentre::Us));
        assert_eq!(DataCentre::parse("US"), Some(DataCentre::Us));
        assert_eq!(DataCentre::parse("com.au"), Some(DataCentre::Au));
    }

    #[test]
    fn hosts_and_urls_are_read() {
        assert_eq!(DataCentre::parse("accounts.zoho.eu"), Some(DataCentre::Eu));
        assert_eq!(
            DataCentre::parse("https://www.zohoapis.com.au"),
            Some(DataCentre::Au)
        );
        assert_eq!(
            DataCentre::parse("https://accounts.zoho.com/"),
            Some(DataCentre::Us)
        );
        assert_eq!(
            DataCentre::parse("https://accounts.zohocloud.ca"),
            Some(DataCentre::Ca)
        );
        assert_eq!(
            DataCentre::parse("www.zohoapis.com.cn"),
            Some(DataCentre::Cn)
        );
    }

    #[test]
    fn unknown_values_are_rejected() {
        assert_eq!(DataCentre::parse("mars"), None);
        assert_eq!(DataCentre::parse(""), None);
        assert_eq!(DataCentre::parse("https://example.com"), None);
    }

    #[test]
    fn hosts_only_third_parties_document_are_unverified_and_asked_last() {
        let unverified: Vec<(DataCentre, Host)> = DataCentre::ALL
            .into_iter()
            .flat_map(|dc| [Host::Accounts, Host::Api, Host::Desk].map(|host| (dc, host)))
            .filter(|(dc, host)| !dc.verified(*host))
            .collect();
        assert_eq!(
            unverified,
            [
                (DataCentre::Jp, Host::Desk),
                (DataCentre::Ca, Host::Desk),
                (DataCentre::Sa, Host::Desk),
                (DataCentre::Uk, Host::Api),
                (DataCentre::Uk, Host::Desk),
                (DataCentre::Sg, Host::Accounts),
                (DataCentre::Sg, Host::Api),
                (DataCentre::Sg, Host::Desk),
                (DataCentre::Ae, Host::Accounts),
                (DataCentre::Ae, Host::Api),
                (DataCentre::Ae, Host::Desk),
            ]
        );
        let order = DataCentre::others_by_evidence(DataCentre::Eu, Host::Accounts);
        assert_eq!(order.len(), 10);
        assert!(!order.contains(&DataCentre::Eu));
        assert_eq!(
            order[8..],
            [DataCentre::Sg, DataCentre::Ae],
            "unverified accounts hosts are asked last"
        );
        let api = DataCentre::others_by_evidence(DataCentre::Us, Host::Api);
        assert_eq!(api[7..], [DataCentre::Uk, DataCentre::Sg, DataCentre::Ae]);
    }

    #[test]
    fn canada_hosts_are_the_exception() {
        assert_eq!(DataCentre::Ca.accounts_host(), "accounts.zohocloud.ca");
        assert_eq!(DataCentre::Ca.desk_host(), "desk.zohocloud.ca");
        assert_eq!(DataCentre::Ca.api_host(), "www.zohoapis.ca");
        assert_eq!(DataCentre::Eu.desk_host(), "desk.zoho.eu");
    }
}
