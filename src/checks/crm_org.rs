//! `crm-org`: `GET /crm/{version}/org` answers with the CRM organisation — id, zgid, company
//! name — and, when the row stores an org id, it is that organisation's id or zgid.

use serde_json::Value;

use super::{CheckKind, Fact, OptionDoc, Options, CheckContext, Outcome, Verdict};
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
