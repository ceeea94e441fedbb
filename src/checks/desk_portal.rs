//! `desk-portal`: the Desk portal (the name in browser links) is known and is not confused with
//! the org id. A blank portal is discovered: the organisation's `portalName` (Zoho's API spec),
//! then the help centre's `urlName`, `subDomain`, `portalName` (the seed's fields, which Zoho's
//! help-centre schema lacks), then a portal URL (a `*.zohodesk.<tld>` host or the path after
//! `/support/`, never a custom domain's label) — and only then, with a warning, the help
//! centre's numeric `id`, since an id is exactly what a portal must not be.

use serde_json::{Map, Value};

use super::{CheckContext, CheckKind, Fact, OptionDoc, Options, Outcome, Verdict, desk_org_id};
use crate::store::Field;
use crate::zoho::App;
use crate::{
    checks::facts::Discovery,
    zoho::{
        DeskOrgId, DeskPortal,
        desk::{self, HELP_CENTRE_PORTAL_FIELDS, Organisation},
        http::Reading,
        token::looks_like_numeric_id,
    },
};

#[derive(Debug, Clone, Default)]
pub struct DeskPortalCheck;

/// A portal candidate and where it came from.
struct Found {
    portal: String,
    source: String,
}

impl CheckKind for DeskPortalCheck {
    const NAME: &'static str = "desk-portal";
    const ABOUT: &'static str = "the Desk portal is stored (and is not the org id), or is discovered from the help centre and the organisation";
    const OPTIONS: &'static [OptionDoc] = &[];
    const APP: Option<App> = Some(App::Desk);
    const NEEDS: &'static [Fact] = &[Fact::Token];
    const PROVIDES: &'static [Fact] = &[Fact::DeskPortal];

    fn from_options(_options: &mut Options<'_>) -> Option<Self> {
        Some(DeskPortalCheck)
    }
    async fn run(&self, ctx: &CheckContext) -> Verdict {
        let connection = match ctx.connection() {
            Ok(connection) => connection,
            Err(missing) => return missing.into(),
        };
        let mut evidence = Vec::new();
        // The organisations give the org id (when none is stored) and the portal fallbacks.
        let (orgs, listed) = match desk_org_id::organisations(ctx).await {
            Ok(found) => found,
            Err(verdict) => return verdict,
        };
        evidence.push(format!("{listed}: {} organisation(s)", orgs.len()));
        let org = match &ctx.facts.desk_org_id {
            Some(id) => orgs.iter().find(|org| org.id == id.0),
            None => desk_org_id::choose(&orgs),
        };

        if let Some(stored) = connection.desk_portal.valid() {
            return judge_stored(&stored.0, &orgs, org, evidence);
        }

        let Some(org_id) = ctx
            .facts
            .desk_org_id
            .clone()
            .or_else(|| org.map(|o| DeskOrgId(o.id.clone())))
        else {
            return Outcome::fail("no Desk organisation to read the portal from")
                .hint("fix desk-org-id first: the user must belong to a Desk organisation")
                .code("no_desk_organisation")
                .evidence_lines(evidence)
                .verdict();
        };
        let help_centre = match help_centre(ctx, &org_id, &mut evidence).await {
            Ok(help_centre) => help_centre,
            Err(verdict) => return verdict,
        };
        let Some(found) = discover(help_centre.as_ref(), org) else {
            return Outcome::fail("no portal could be discovered: the help centre and the organisation carry no portal name")
                .hint(format!("store the portal (the sub-domain of the Desk portal URL, e.g. `acme` for acme.zohodesk.com) in {} by hand", ctx.env.settings.store.place_of(Field::DeskPortal)))
                .code("no_portal")
                .evidence_lines(evidence)
                .verdict();
        };
        let message = format!("discovered portal `{}` from {}", found.portal, found.source);
        let outcome = if looks_like_numeric_id(&found.portal) {
            Outcome::warn(format!(
                "{message}, a numeric id: portal links built from it may not work"
            ))
            .hint(format!(
                "store the portal's name (the sub-domain of the Desk portal URL) in {} by hand",
                ctx.env.settings.store.place_of(Field::DeskPortal)
            ))
        } else if let Some(unsaved) = ctx.unsaved_note("the discovered portal", Field::DeskPortal) {
            Outcome::warn(format!("{message}; {unsaved}"))
                .hint("run with --fix to store it, so the app's Desk links work")
        } else {
            Outcome::pass(message)
        };
        outcome
            .evidence_lines(evidence)
            .verdict()
            .discover(Discovery::DeskPortal(DeskPortal(found.portal)))
    }
}

fn judge_stored(
    stored: &str,
    orgs: &[Organisation],
    org: Option<&Organisation>,
    evidence: Vec<String>,
) -> Verdict {
    let is_an_org_id = orgs.iter().any(|o| o.id == stored);
    if is_an_org_id || looks_like_numeric_id(stored) {
        let fix = match org.and_then(|o| o.portal_name.clone()) {
            Some(name) => format!("store `{name}` in desk_portal; the org id belongs in desk_org_id"),
            None => "store the portal name (the sub-domain of the Desk portal URL) in desk_portal; the org id belongs in desk_org_id".to_owned(),
        };
        return Outcome::fail(format!(
            "desk_portal holds `{stored}`, which is {}, not a portal name",
            if is_an_org_id {
                "a Desk organisation id"
            } else {
                "a numeric id"
            }
        ))
        .hint(fix)
        .code("portal_is_org_id")
        .evidence_lines(evidence)
        .verdict();
    }
    // The organisation's `portalName` is the portal; its URL only stands in when it has none.
    let known = org.and_then(|o| {
        o.portal_name
            .clone()
            .or_else(|| o.portal_url.as_deref().and_then(desk::portal_from_url))
    });
    let verdict = match known {
        Some(known) if !known.eq_ignore_ascii_case(stored) => Outcome::warn(format!(
            "stored portal `{stored}` differs from the organisation's portal `{known}`"
        ))
        .hint(format!(
            "if links to the portal break, store `{known}` in desk_portal"
        )),
        _ => Outcome::pass(format!("stored portal `{stored}`")),
    };
    verdict
        .evidence_lines(evidence)
        .verdict()
        .discover(Discovery::DeskPortal(DeskPortal(stored.to_owned())))
}

/// The default (else first) help centre, or `None` when there is none or the call is refused
/// (the organisation's fields may still give the portal; the refusal goes into the evidence).
async fn help_centre(
    ctx: &CheckContext,
    org_id: &DeskOrgId,
    evidence: &mut Vec<String>,
) -> Result<Option<Map<String, Value>>, Verdict> {
    let token = ctx.token()?;
    let answer = desk::get(
        &ctx.env.http,
        &ctx.desk_base(),
        "/helpCenters",
        &token.token,
        Some(org_id),
    )
    .await
    .map_err(|error| Outcome::http_error("listing help centres", &error).verdict())?;
    match desk::list_items(&answer) {
        Reading::Data(items) => {
            evidence.push(format!(
                "{}: {} help centre(s)",
                answer.summary(),
                items.len()
            ));
            let default = items
                .iter()
                .position(|item| desk::flag(item, "isDefault"))
                .unwrap_or(0);
            Ok(items.into_iter().nth(default))
        }
        Reading::Rejected(error) => {
            evidence.push(format!(
                "{}: {} — {}",
                answer.summary(),
                error.wire_code,
                error.describe()
            ));
            Ok(None)
        }
        Reading::Unreadable(why) => {
            evidence.push(format!("{}: {why}", answer.summary()));
            Ok(None)
        }
    }
}

fn discover(help_centre: Option<&Map<String, Value>>, org: Option<&Organisation>) -> Option<Found> {
    let found = |portal: String, source: String| Found { portal, source };
    let from_org_name = org.and_then(|org| {
        let name = org.portal_name.clone()?;
        Some(found(
            name,
            format!("organisation {}'s `portalName`", org.id),
        ))
    });
    let from_help_centre = |field: &str| {
        let portal = desk::text(help_centre?, field)?;
        Some(found(portal, format!("the help centre's `{field}`")))
    };
    let from_org_url = || {
        let org = org?;
        let portal = desk::portal_from_url(org.portal_url.as_deref()?)?;
        Some(found(
            portal,
            format!("organisation {}'s `portalURL`", org.id),
        ))
    };
    let from_help_centre_url = || {
        let portal = desk::portal_from_url(&desk::text(help_centre?, "url")?)?;
        Some(found(portal, "the help centre's `url`".to_owned()))
    };
    from_org_name
        .or_else(|| {
            HELP_CENTRE_PORTAL_FIELDS
                .iter()
                .find_map(|field| from_help_centre(field))
        })
        .or_else(from_org_url)
        .or_else(from_help_centre_url)
        .or_else(|| from_help_centre("id"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        checks::{Facts, Status, testing::*},
        sim::Sim,
        store::stored,
    };

    fn help_centre(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).unwrap()
    }

    fn org(portal_name: Option<&str>, portal_url: Option<&str>) -> Organisation {
        Organisation {
            id: "60000001".into(),
            company_name: None,
            portal_name: portal_name.map(Into::into),
            portal_url: portal_url.map(Into::into),
            is_default: true,
        }
    }

    #[test]
    fn the_organisations_portal_name_comes_first() {
        let hc = help_centre(
            r#"{"id":"7001","urlName":"acme-url","subDomain":"acme-sub","url":"https://hc.zohodesk.com"}"#,
        );
        let found = discover(Some(&hc), Some(&org(Some("orgportal"), None))).unwrap();
        assert_eq!(
            (found.portal.as_str(), found.source.as_str()),
            ("orgportal", "organisation 60000001's `portalName`")
        );
    }

    #[test]
    fn then_the_help_centres_fields_in_the_seeds_order() {
        let no_name = org(None, Some("https://orgurl.zohodesk.com"));
        let hc = help_centre(
            r#"{"id":"7001","urlName":"","subDomain":"acme-sub","portalName":"acme-portal"}"#,
        );
        let found = discover(Some(&hc), Some(&no_name)).unwrap();
        assert_eq!(found.portal, "acme-sub", "empty urlName is skipped");
        assert_eq!(found.source, "the help centre's `subDomain`");
        let hc = help_centre(r#"{"id":"7001","urlName":"acme-url","subDomain":"acme-sub"}"#);
        assert_eq!(discover(Some(&hc), None).unwrap().portal, "acme-url");
        let hc = help_centre(r#"{"id":"7001","portalName":"acme-portal"}"#);
        assert_eq!(discover(Some(&hc), None).unwrap().portal, "acme-portal");
    }

    #[test]
    fn then_a_portal_url_but_never_a_custom_hosts_label() {
        let hc = help_centre(r#"{"id":"7001","name":"Acme Help"}"#);
        let found = discover(
            Some(&hc),
            Some(&org(None, Some("https://acmeurl.zohodesk.com"))),
        )
        .unwrap();
        assert_eq!(
            (found.portal.as_str(), found.source.as_str()),
            ("acmeurl", "organisation 60000001's `portalURL`")
        );
        let zylker = "https://support.zylker.com/support/zylker/ShowHomePage.do";
        let found = discover(Some(&hc), Some(&org(None, Some(zylker)))).unwrap();
        assert_eq!(
            found.portal, "zylker",
            "not `support`, the custom host's label"
        );
        let custom = org(None, Some("https://support.zylker.com"));
        let found = discover(Some(&hc), Some(&custom)).unwrap();
        assert_eq!(
            (found.portal.as_str(), found.source.as_str()),
            ("7001", "the help centre's `id`"),
            "a custom host names no portal"
        );
        let hc_url = help_centre(r#"{"id":"7001","url":"https://hcportal.zohodesk.eu"}"#);
        let found = discover(Some(&hc_url), Some(&custom)).unwrap();
        assert_eq!(
            (found.portal.as_str(), found.source.as_str()),
            ("hcportal", "the help centre's `url`")
        );
    }

    #[test]
    fn the_help_centres_numeric_id_comes_last() {
        let hc = help_centre(r#"{"id":"7001","name":"Acme Help"}"#);
        let found = discover(Some(&hc), Some(&org(None, None))).unwrap();
        assert_eq!(
            (found.portal.as_str(), found.source.as_str()),
            ("7001", "the help centre's `id`")
        );
        assert!(discover(None, Some(&org(None, None))).is_none());
    }

    #[test]
    fn a_stored_portal_is_judged_against_the_portal_name_before_the_url() {
        let both = org(
            Some("acme"),
            Some("https://support.acme.com/support/acmeold/"),
        );
        let verdict = judge_stored("acmeold", std::slice::from_ref(&both), Some(&both), vec![]);
        assert_eq!(verdict.outcome.status, Status::Warn);
        assert_eq!(
            verdict.outcome.message,
            "stored portal `acmeold` differs from the organisation's portal `acme`"
        );
        let url_only = org(None, Some("https://support.zylker.com/support/zylker/"));
        for (stored, status) in [("zylker", Status::Pass), ("support", Status::Warn)] {
            let verdict = judge_stored(
                stored,
                std::slice::from_ref(&url_only),
                Some(&url_only),
                vec![],
            );
            assert_eq!(verdict.outcome.status, status, "{stored}");
        }
    }

    /// The scenario's row, its facts and its live stored token, against the simulator.
    fn scenario(sim: &Sim, name: &str) -> CheckContext {
        scenario_context(sim, App::Desk, name, |_| {})
    }

    fn portal_of(verdict: &Verdict) -> &str {
        verdict
            .discoveries
            .iter()
            .find_map(|discovery| match discovery {
                Discovery::DeskPortal(portal) => Some(portal.0.as_str()),
                _ => None,
            })
            .expect("a portal was discovered")
    }

    #[tokio::test]
    async fn a_stored_portal_matching_the_organisation_passes_and_is_used() {
        let sim = simulator().await;
        let verdict = DeskPortalCheck.run(&scenario(&sim, "healthy")).await;
        assert_eq!(verdict.outcome.status, Status::Pass);
        assert_eq!(verdict.outcome.message, "stored portal `healthy`");
        assert!(verdict.outcome.evidence[0].ends_with(": 1 organisation(s)"));
        assert_eq!(discovered(&verdict), ["portal"]);
        assert_eq!(portal_of(&verdict), "healthy");
    }

    #[tokio::test]
    async fn a_stored_portal_matches_whatever_its_case() {
        let sim = simulator().await;
        let ctx = scenario_context(&sim, App::Desk, "healthy", |row| {
            row.desk_portal = stored_as("HEALTHY", stored::desk_portal);
        });
        let verdict = DeskPortalCheck.run(&ctx).await;
        assert_eq!(verdict.outcome.status, Status::Pass);
        assert_eq!(
            portal_of(&verdict),
            "HEALTHY",
            "the stored spelling is kept"
        );
    }

    #[tokio::test]
    async fn a_stored_portal_other_than_the_organisations_warns_and_is_kept() {
        let sim = simulator().await;
        let ctx = scenario_context(&sim, App::Desk, "healthy", |row| {
            row.desk_portal = stored_as("acme", stored::desk_portal);
        });
        let verdict = DeskPortalCheck.run(&ctx).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Warn);
        assert!(
            outcome.message.starts_with(
                "stored portal `acme` differs from the organisation's portal `healthy`"
            ),
            "{}",
            outcome.message
        );
        assert_eq!(
            outcome.hint.as_deref(),
            Some("if links to the portal break, store `healthy` in desk_portal")
        );
        assert_eq!(portal_of(&verdict), "acme");
    }

    #[tokio::test]
    async fn the_org_id_stored_as_the_portal_fails_naming_the_real_portal() {
        let sim = simulator().await;
        let verdict = DeskPortalCheck
            .run(&scenario(&sim, "portal-is-org-id"))
            .await;
        let id = first_desk_org_id(seed(&sim, "portal-is-org-id"));
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.message,
            format!("desk_portal holds `{id}`, which is a Desk organisation id, not a portal name")
        );
        assert_eq!(
            outcome.hint.as_deref(),
            Some("store `portalisorgid` in desk_portal; the org id belongs in desk_org_id")
        );
        assert_eq!(outcome.code.as_deref(), Some("portal_is_org_id"));
        assert!(discovered(&verdict).is_empty());
    }

    #[tokio::test]
    async fn a_numeric_stored_portal_that_is_no_org_id_still_fails() {
        let sim = simulator().await;
        let ctx = scenario_context(&sim, App::Desk, "healthy", |row| {
            row.desk_portal = stored_as("12345", stored::desk_portal);
        });
        let verdict = DeskPortalCheck.run(&ctx).await;
        assert_eq!(verdict.outcome.status, Status::Fail);
        assert_eq!(
            verdict.outcome.message,
            "desk_portal holds `12345`, which is a numeric id, not a portal name"
        );
        assert_eq!(verdict.outcome.code.as_deref(), Some("portal_is_org_id"));
    }

    #[tokio::test]
    async fn a_blank_portal_is_discovered_from_the_organisation_and_unsaved_without_fix() {
        let sim = simulator().await;
        let verdict = DeskPortalCheck.run(&scenario(&sim, "portal-missing")).await;
        let id = first_desk_org_id(seed(&sim, "portal-missing"));
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Warn);
        assert_eq!(
            outcome.message,
            format!(
                "discovered portal `portalmissing` from organisation {id}'s `portalName`; the discovered portal is not stored in the connection row yet; run with --fix to save it"
            )
        );
        assert_eq!(
            outcome.hint.as_deref(),
            Some("run with --fix to store it, so the app's Desk links work")
        );
        assert_eq!(outcome.evidence.len(), 2, "{:?}", outcome.evidence);
        assert!(
            outcome.evidence[1].ends_with(": 1 help centre(s)"),
            "{:?}",
            outcome.evidence
        );
        assert_eq!(discovered(&verdict), ["portal"]);
        assert_eq!(portal_of(&verdict), "portalmissing");
    }

    #[tokio::test]
    async fn a_custom_domain_portal_url_gives_the_portal_in_its_path_not_its_host() {
        let sim = simulator().await;
        let verdict = DeskPortalCheck
            .run(&scenario(&sim, "portal-custom-domain"))
            .await;
        let id = first_desk_org_id(seed(&sim, "portal-custom-domain"));
        assert_eq!(verdict.outcome.status, Status::Warn);
        assert!(
            verdict.outcome.message.starts_with(&format!(
                "discovered portal `zylker` from organisation {id}'s `portalURL`;"
            )),
            "{}",
            verdict.outcome.message
        );
        assert_eq!(portal_of(&verdict), "zylker");
    }

    #[tokio::test]
    async fn with_fix_a_discovered_portal_passes() {
        let sim = simulator().await;
        let mut env = sim_env(&sim, App::Desk);
        env.fix = true;
        let seeded = seed(&sim, "portal-missing");
        let mut ctx = row_context(env, connection_of(seeded));
        ctx.facts.token = Some(stored_token(seeded));
        let verdict = DeskPortalCheck.run(&ctx).await;
        assert_eq!(verdict.outcome.status, Status::Pass);
        assert!(
            verdict
                .outcome
                .message
                .starts_with("discovered portal `portalmissing` from organisation ")
        );
        assert!(!verdict.outcome.message.contains("--fix"));
    }

    #[tokio::test]
    async fn the_portal_follows_the_org_id_an_earlier_check_settled_on() {
        let sim = simulator().await;
        let mut ctx = scenario(&sim, "orgs-no-default");
        let first = first_desk_org_id(seed(&sim, "orgs-no-default"));
        assert!(ctx.facts.desk_org_id.is_none(), "no org id stored");
        let verdict = DeskPortalCheck.run(&ctx).await;
        assert_eq!(
            portal_of(&verdict),
            "orgsnodefault",
            "without an org id fact: the first"
        );
        ctx.facts.desk_org_id = Some(DeskOrgId((first + 1).to_string()));
        let verdict = DeskPortalCheck.run(&ctx).await;
        assert!(
            verdict.outcome.message.starts_with(&format!(
                "discovered portal `nodefaultother` from organisation {}'s `portalName`",
                first + 1
            )),
            "{}",
            verdict.outcome.message
        );
        assert_eq!(portal_of(&verdict), "nodefaultother");
    }

    #[tokio::test]
    async fn an_org_id_the_user_lacks_leaves_no_portal_to_discover() {
        let sim = simulator().await;
        let mut ctx = scenario(&sim, "portal-missing");
        ctx.facts.desk_org_id = Some(DeskOrgId("60999999".to_owned()));
        let verdict = DeskPortalCheck.run(&ctx).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.message.starts_with("no portal could be discovered"),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.code.as_deref(), Some("no_portal"));
        assert!(
            outcome.evidence[1].contains("OAUTH_ORG_MISMATCH"),
            "the refused help-centre call is evidence: {:?}",
            outcome.evidence
        );
        assert!(discovered(&verdict).is_empty());
    }

    #[tokio::test]
    async fn without_a_token_the_check_skips_and_calls_nothing() {
        let sim = simulator().await;
        let ctx = row_context(
            sim_env(&sim, App::Desk),
            connection_of(seed(&sim, "portal-missing")),
        );
        let verdict = DeskPortalCheck.run(&ctx).await;
        assert_eq!(verdict.outcome.status, Status::Skip);
        assert!(
            verdict
                .outcome
                .message
                .starts_with("no usable access token")
        );
        assert_eq!(sim.requests("/desk"), 0);
    }

    #[tokio::test]
    async fn without_a_connection_row_the_check_skips() {
        let verdict = DeskPortalCheck
            .run(&context(offline_env(App::Desk), None, Facts::default()))
            .await;
        assert_eq!(verdict.outcome.status, Status::Skip);
        assert_eq!(verdict.outcome.message, "no connection row to check");
    }
}
