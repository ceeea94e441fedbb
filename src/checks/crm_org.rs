//! `crm-org`: `GET /crm/{version}/org` answers with the CRM organisation — id, zgid, company
//! name — and, when the row stores an org id, it is that organisation's id or zgid.

use serde_json::Value;

use super::{CheckContext, CheckKind, Fact, OptionDoc, Options, Outcome, Verdict};
use crate::zoho::App;
use crate::zoho::{
    crm::{self, Body},
    desk,
    http::Reading,
};

#[derive(Debug, Clone, Default)]
pub struct CrmOrgCheck;

impl CheckKind for CrmOrgCheck {
    const NAME: &'static str = "crm-org";
    const ABOUT: &'static str = "GET /crm/{version}/org returns the CRM organisation (id, zgid, company name), matching the row's org_id";
    const OPTIONS: &'static [OptionDoc] = &[];
    const APP: Option<App> = Some(App::Crm);
    const NEEDS: &'static [Fact] = &[Fact::Token];
    const PROVIDES: &'static [Fact] = &[];

    fn from_options(_options: &mut Options<'_>) -> Option<Self> {
        Some(CrmOrgCheck)
    }
    async fn run(&self, ctx: &CheckContext) -> Verdict {
        let (connection, token) = match (ctx.connection(), ctx.token()) {
            (Ok(connection), Ok(token)) => (connection, token),
            (Err(missing), _) | (_, Err(missing)) => return missing.into(),
        };
        let url = format!(
            "{}/crm/{}/org",
            ctx.api_base(),
            ctx.env.settings.api_version
        );
        let answer = match ctx.env.http.get(&url, &token.token, &[]).await {
            Ok(answer) => answer,
            Err(error) => return Outcome::http_error("CRM organisation", &error).verdict(),
        };
        let evidence = answer.summary();
        let body = match crm::read(&answer) {
            Reading::Data(Body::Json(body)) => body,
            Reading::Data(Body::NoContent | Body::NotModified) => {
                return Outcome::fail("GET /org answered with no content: the token's user has no CRM organisation")
                    .hint("sign the user in to Zoho CRM once, or authorise with a user of the CRM organisation")
                    .code("no_crm_organisation")
                    .evidence(evidence)
                    .verdict();
            }
            Reading::Rejected(error) => {
                return Outcome::zoho_error("GET /org", &error)
                    .evidence(format!("{evidence}: {}", error.wire_code))
                    .verdict();
            }
            Reading::Unreadable(why) => {
                return Outcome::error(format!("GET /org: {why}"))
                    .evidence(evidence)
                    .verdict();
            }
        };
        let Some(org) = body
            .get("org")
            .and_then(Value::as_array)
            .and_then(|orgs| orgs.first())
            .and_then(Value::as_object)
        else {
            return Outcome::error("GET /org: expected {\"org\": [{…}]}")
                .evidence(evidence)
                .verdict();
        };
        let field = |key: &str| desk::text(org, key);
        let id = field("id").unwrap_or_default();
        let zgid = field("zgid");
        let company = field("company_name").unwrap_or_else(|| "(no company name)".to_owned());
        let mut outcome = Outcome::pass(format!(
            "CRM organisation {company} (id {id}{})",
            zgid.as_deref()
                .map(|z| format!(", zgid {z}"))
                .unwrap_or_default()
        ));
        if let Some(stored) = &connection.org_id
            && stored != &id
            && zgid.as_deref() != Some(stored.as_str())
        {
            outcome = Outcome::warn(format!(
                "the row's org_id `{stored}` is neither the CRM organisation's id ({id}) nor its zgid ({})",
                zgid.as_deref().unwrap_or("none")
            ))
            .hint(format!("store {id} in org_id if the row should point at this organisation"))
            .code("org_id_mismatch");
        }
        for (label, key) in [
            ("Company", "company_name"),
            ("Org id", "id"),
            ("ZGID", "zgid"),
            ("Domain", "domain_name"),
            ("Type", "type"),
            ("Primary email", "primary_email"),
            ("Time zone", "time_zone"),
            ("Currency", "iso_code"),
        ] {
            if let Some(value) = field(key) {
                outcome = outcome.detail(label, value);
            }
        }
        outcome.evidence(evidence).verdict()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        checks::{Facts, Status, testing::*},
        sim::Sim,
        store::Connection,
    };

    /// The crm-healthy scenario (its row changed as the test says) with its live token.
    fn crm_healthy(sim: &Sim, change: impl FnOnce(&mut Connection)) -> CheckContext {
        scenario_context(sim, App::Crm, "crm-healthy", change)
    }

    fn detail<'a>(verdict: &'a Verdict, key: &str) -> &'a str {
        verdict
            .outcome
            .details
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
            .unwrap_or_else(|| panic!("no `{key}` detail"))
    }

    #[tokio::test]
    async fn the_crm_organisation_passes_with_its_id_zgid_and_company() {
        let sim = simulator().await;
        let verdict = CrmOrgCheck.run(&crm_healthy(&sim, |_| {})).await;
        let id = seed(&sim, "crm-healthy").org_id.clone().unwrap();
        let zgid = detail(&verdict, "ZGID");
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        assert_eq!(
            outcome.message,
            format!("CRM organisation crm-healthy Ltd (id {id}, zgid {zgid})")
        );
        let labels: Vec<&str> = outcome
            .details
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(
            labels,
            [
                "Company",
                "Org id",
                "ZGID",
                "Domain",
                "Type",
                "Primary email",
                "Time zone",
                "Currency"
            ]
        );
        assert_eq!(detail(&verdict, "Org id"), id);
        assert_eq!(detail(&verdict, "Currency"), "GBP");
        assert!(
            outcome.evidence[0].contains("/crm/v8/org → 200"),
            "{:?}",
            outcome.evidence
        );
        assert!(discovered(&verdict).is_empty());
    }

    #[tokio::test]
    async fn a_row_storing_the_zgid_as_org_id_also_passes() {
        let sim = simulator().await;
        let zgid = detail(&CrmOrgCheck.run(&crm_healthy(&sim, |_| {})).await, "ZGID").to_owned();
        let ctx = crm_healthy(&sim, |row| row.org_id = Some(zgid.clone()));
        let verdict = CrmOrgCheck.run(&ctx).await;
        assert_eq!(
            verdict.outcome.status,
            Status::Pass,
            "{}",
            verdict.outcome.message
        );
    }

    #[tokio::test]
    async fn a_row_storing_another_org_id_warns_with_the_id_to_store() {
        let sim = simulator().await;
        let ctx = crm_healthy(&sim, |row| row.org_id = Some("123".to_owned()));
        let verdict = CrmOrgCheck.run(&ctx).await;
        let id = seed(&sim, "crm-healthy").org_id.clone().unwrap();
        let zgid = detail(&verdict, "ZGID");
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Warn);
        assert_eq!(
            outcome.message,
            format!(
                "the row's org_id `123` is neither the CRM organisation's id ({id}) nor its zgid ({zgid})"
            )
        );
        assert_eq!(
            outcome.hint.as_deref(),
            Some(
                format!("store {id} in org_id if the row should point at this organisation")
                    .as_str()
            )
        );
        assert_eq!(outcome.code.as_deref(), Some("org_id_mismatch"));
        assert_eq!(outcome.details.len(), 8, "the organisation is still shown");
    }

    #[tokio::test]
    async fn the_pipelines_api_version_is_the_one_called() {
        let sim = simulator().await;
        let mut env = sim_env(&sim, App::Crm);
        env.settings.api_version = "v2.1".to_owned();
        let seeded = seed(&sim, "crm-healthy");
        let mut ctx = row_context(env, connection_of(seeded));
        ctx.facts.token = Some(stored_token(seeded));
        let verdict = CrmOrgCheck.run(&ctx).await;
        assert_eq!(verdict.outcome.status, Status::Pass);
        assert!(verdict.outcome.evidence[0].contains("/crm/v2.1/org → 200"));
    }

    #[tokio::test]
    async fn a_token_without_the_org_scope_fails_with_zohos_code() {
        let sim = simulator().await;
        let mut ctx = crm_healthy(&sim, |_| {});
        // The healthy Desk scenario's token: live, but granted Desk scopes only.
        ctx.facts.token = Some(stored_token(seed(&sim, "healthy")));
        let verdict = CrmOrgCheck.run(&ctx).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome
                .message
                .starts_with("GET /org: crm answered OAUTH_SCOPE_MISMATCH (HTTP 401)"),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.code.as_deref(), Some("OAUTH_SCOPE_MISMATCH"));
        assert!(outcome.evidence[0].ends_with(": OAUTH_SCOPE_MISMATCH"));
    }

    #[tokio::test]
    async fn without_a_token_the_check_skips_and_calls_nothing() {
        let sim = simulator().await;
        let mut ctx = crm_healthy(&sim, |_| {});
        ctx.facts.token = None;
        let verdict = CrmOrgCheck.run(&ctx).await;
        assert_eq!(verdict.outcome.status, Status::Skip);
        assert!(
            verdict
                .outcome
                .message
                .starts_with("no usable access token")
        );
        assert_eq!(sim.requests("/api"), 0);
    }

    #[tokio::test]
    async fn without_a_connection_row_the_check_skips() {
        let verdict = CrmOrgCheck
            .run(&context(offline_env(App::Crm), None, Facts::default()))
            .await;
        assert_eq!(verdict.outcome.status, Status::Skip);
        assert_eq!(verdict.outcome.message, "no connection row to check");
    }
}
