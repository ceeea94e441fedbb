//! The `--fix` plan: what a finished run writes back to the connection row — a minted token
//! with its expiry (and the api_domain and scopes that came with it), an org id or portal
//! discovered where the row had none. A guess (an org picked among several with none the default)
//! and a numeric "portal" are never stored, nor is a value unlike any Zoho sends: whatever Zoho
//! answered is checked for plausibility before it reaches the app's row.

use super::ConnectionRun;
use crate::{
    checks::facts::ScopeSource,
    store::{Field, NotStored, WriteBack, stored},
};

/// What a Desk org id is: digits (Zoho's are about ten; 20 is a u64's length).
const ORG_ID: &str = "an org id is digits only";

/// What a Desk portal name is: it is the sub-domain of `{portal}.zohodesk.com` and the path
/// segment of `desk.zoho.com/portal/{portal}`, so a DNS label's letters, digits and `-` (at most
/// 63), and `_`, which help-centre URL names use. Nothing else — no dot, space, slash, `%` or
/// control character — survives either place.
const PORTAL: &str = "a portal name has only letters, digits, `-` and `_`";

/// What an `api_domain` is: Zoho sends `https://www.zohoapis.{domain}`.
const API_DOMAIN: &str = "an api_domain is an http(s) URL of a host";

/// What granted scopes are: Zoho's scope names (`Desk.tickets.READ`, `ZohoCRM.org.ALL`).
const SCOPES: &str = "scope names have only letters, digits, `.`, `_` and `-`";

fn plausible_org_id(id: &str) -> bool {
    (1..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())
}

fn plausible_portal(portal: &str) -> bool {
    (1..=63).contains(&portal.len())
        && portal
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn plausible_api_domain(domain: &str) -> bool {
    // The URL parser drops tabs and newlines silently, so they are refused first.
    !domain.chars().any(|c| c.is_control() || c.is_whitespace())
        && stored::api_domain(domain).is_ok()
}

fn plausible_scopes(scopes: &str) -> bool {
    scopes.split(' ').all(|scope| {
        !scope.is_empty()
            && scope
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_".contains(&b))
    })
}

/// `value` when plausible; otherwise noted in `refused`, and `None`.
fn checked(
    value: Option<String>,
    field: Field,
    (expected, plausible): (&'static str, fn(&str) -> bool),
    refused: &mut Vec<NotStored>,
) -> Option<String> {
    let value = value?;
    if plausible(&value) {
        return Some(value);
    }
    refused.push(NotStored::Implausible {
        field: field.name(),
        discovered: value,
        expected,
    });
    None
}

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
        let mut refused = Vec::new();
        let desk_org_id = self
            .facts
            .desk_org_id
            .as_ref()
            .filter(|_| connection.desk_org_id.is_absent() && !ambiguous)
            .map(|id| id.0.clone());
        let desk_org_id = checked(
            desk_org_id,
            Field::DeskOrgId,
            (ORG_ID, plausible_org_id),
            &mut refused,
        );
        let desk_portal = self
            .facts
            .desk_portal
            .as_ref()
            .filter(|portal| {
                connection.desk_portal.is_absent() && !portal.looks_numeric() && !ambiguous
            })
            .map(|portal| portal.0.clone());
        let desk_portal = checked(
            desk_portal,
            Field::DeskPortal,
            (PORTAL, plausible_portal),
            &mut refused,
        );
        let api_domain = checked(
            api_domain,
            Field::ApiDomain,
            (API_DOMAIN, plausible_api_domain),
            &mut refused,
        );
        let scopes = checked(
            scopes,
            Field::Scopes,
            (SCOPES, plausible_scopes),
            &mut refused,
        );
        WriteBack {
            ambiguous_org: ambiguous,
            refused,
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
            desk_org_id,
            desk_portal,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{
        checks::Facts,
        zoho::{DeskOrgId, DeskPortal},
    };

    /// A run over a row with no org id and no portal, which found these.
    fn found(org_id: &str, portal: &str) -> ConnectionRun {
        let connection = crate::checks::testing::row("ada");
        ConnectionRun {
            user: "ada".to_owned(),
            connection: Some(Arc::new(connection)),
            checks: Vec::new(),
            facts: Facts {
                desk_org_id: Some(DeskOrgId(org_id.to_owned())),
                desk_portal: Some(DeskPortal(portal.to_owned())),
                ..Facts::default()
            },
            changes: Vec::new(),
            redactor: crate::redact::Redactor::new(),
        }
    }

    #[test]
    fn a_plausible_org_id_and_portal_are_stored() {
        for portal in ["acme", "acme-support", "help_centre2", "Acme"] {
            let plan = found("60000001", portal).write_back();
            assert_eq!(plan.desk_org_id.as_deref(), Some("60000001"));
            assert_eq!(plan.desk_portal.as_deref(), Some(portal));
            assert!(plan.refused.is_empty(), "{portal}: {:?}", plan.refused);
        }
    }

    #[test]
    fn a_portal_or_org_id_unlike_zohos_is_reported_not_stored() {
        for portal in [
            "ac\u{7}me",
            "acme\n",
            "acme.example",
            "ac me",
            "a/../b",
            "acmé",
            "",
        ] {
            let plan = found("60000001", portal).write_back();
            assert_eq!(plan.desk_portal, None, "{portal:?} is not stored");
            assert_eq!(
                plan.refused,
                [NotStored::Implausible {
                    field: "desk_portal",
                    discovered: portal.to_owned(),
                    expected: PORTAL,
                }],
                "{portal:?}"
            );
            assert!(!plan.is_empty(), "the refusal is reported");
        }
        let plan = found("6000\u{0}0001", "acme").write_back();
        assert_eq!(plan.desk_org_id, None);
        assert_eq!(plan.desk_portal.as_deref(), Some("acme"));
        assert!(matches!(
            plan.refused.as_slice(),
            [NotStored::Implausible {
                field: "desk_org_id",
                expected: ORG_ID,
                ..
            }]
        ));
    }

    #[test]
    fn a_token_answers_api_domain_and_scopes_are_checked_too() {
        assert!(plausible_api_domain("https://www.zohoapis.eu"));
        assert!(!plausible_api_domain("https://www.zohoapis.eu\n"));
        assert!(!plausible_api_domain("www.zohoapis.eu"));
        assert!(plausible_scopes("Desk.tickets.READ ZohoCRM.org.ALL"));
        assert!(!plausible_scopes("Desk.tickets.READ\u{1b}[2J"));
    }
}
