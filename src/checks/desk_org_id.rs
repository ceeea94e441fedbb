//! `desk-org-id`: the Desk organisation id is known. A stored id must be one of the user's
//! organisations; a blank one is discovered from `GET /organizations` (either `{"data": [...]}`
//! or a bare list), preferring the `isDefault` organisation and warning when there are several.
//! A failed organisations call is reported as that failure, never as "no organisations".

use super::{CheckKind, Fact, OptionDoc, Options, CheckContext, Outcome, Verdict};
use crate::zoho::App;
use crate::{
    checks::facts::Discovery,
    zoho::{
        DeskOrgId,
        desk::{self, Organisation},
        http::Reading,
        token::looks_like_numeric_id,
    },
};

#[derive(Debug, Clone, Default)]
pub struct DeskOrgIdCheck;

/// The user's Desk organisations and the evidence line of the call, or the verdict that ends
/// the check (a Zoho error, a network error, an unreadable answer).
pub(super) async fn organisations(
    ctx: &CheckContext,
) -> Result<(Vec<Organisation>, String), Verdict> {
    let token = ctx.token()?;
    let answer = desk::get(
        &ctx.env.http,
        &ctx.desk_base(),
        "/organizations",
        &token.token,
        None,
    )
    .await
    .map_err(|error| Outcome::http_error("listing Desk organisations", &error).verdict())?;
    let evidence = answer.summary();
    match desk::list_items(&answer) {
        Reading::Data(items) => {
            let orgs = items.iter().filter_map(Organisation::from_item).collect();
            Ok((orgs, evidence))
        }
        Reading::Rejected(error) => Err(Outcome::zoho_error(
            "listing Desk organisations failed (this is not an empty list)",
            &error,
        )
        .evidence(format!("{evidence}: {}", error.wire_code))
        .verdict()),
        Reading::Unreadable(why) => {
            Err(Outcome::error(format!("listing Desk organisations: {why}"))
                .evidence(evidence)
                .verdict())
        }
    }
}

/// The organisation a discovery should pick: the default one, else the first.
pub(super) fn choose(orgs: &[Organisation]) -> Option<&Organisation> {
    orgs.iter()
        .find(|org| org.is_default)
        .or_else(|| orgs.first())
}

fn list(orgs: &[Organisation]) -> String {
    orgs.iter()
        .map(Organisation::label)
        .collect::<Vec<_>>()
        .join("; ")
}

impl CheckKind for DeskOrgIdCheck {
    const NAME: &'static str = "desk-org-id";
    const ABOUT: &'static str = "the Desk organisation id is stored and among the user's organisations, or is discovered from /organizations";
    const OPTIONS: &'static [OptionDoc] = &[];
    const APP: Option<App> = Some(App::Desk);
    const NEEDS: &'static [Fact] = &[Fact::Token];
    const PROVIDES: &'static [Fact] = &[Fact::DeskOrgId];

    fn from_options(_options: &mut Options<'_>) -> Option<Self> {
        Some(DeskOrgIdCheck)
    }
    async fn run(&self, ctx: &CheckContext) -> Verdict {
        let connection = match ctx.connection() {
            Ok(connection) => connection,
            Err(missing) => return missing.into(),
        };
        let (orgs, evidence) = match organisations(ctx).await {
            Ok(found) => found,
            Err(verdict) => return verdict,
        };
        let listed = format!("{evidence}: {} organisation(s)", orgs.len());
        if let Some(stored) = connection.desk_org_id.valid() {
            return judge_stored(&stored.0, &orgs, listed);
        }
        let Some(chosen) = choose(&orgs) else {
            return Outcome::fail("this Zoho user belongs to no Zoho Desk organisation (GET /organizations answered an empty list)")
                .hint("sign the user in to Zoho Desk once (or invite them as an agent), then run again")
                .code("no_desk_organisation")
                .evidence(listed)
                .verdict();
        };
        let id = DeskOrgId(chosen.id.clone());
        let mut message = format!("discovered org id {} from /organizations", chosen.label());
        let outcome = if orgs.len() > 1 {
            message.push_str(&format!(
                "; the user belongs to {} organisations: {}",
                orgs.len(),
                list(&orgs)
            ));
            let why = if chosen.is_default {
                "the default organisation"
            } else {
                message.push_str("; none is marked default");
                "the first, since none is marked default; --fix does not store a guess"
            };
            Outcome::warn(message).hint(format!(
                "picked {} ({why}); if the app should use another, store that id in desk_org_id",
                chosen.id
            ))
        } else if let Some(unsaved) = ctx.unsaved_note("the discovered org id") {
            Outcome::warn(format!("{message}; {unsaved}")).hint(
                "run with --fix to store it: until it is stored, the app's own Desk calls go out without an orgId and fail",
            )
        } else {
            Outcome::pass(message)
        };
        let verdict = outcome
            .evidence(listed)
            .verdict()
            .discover(Discovery::DeskOrgId(id));
        if orgs.len() > 1 && !chosen.is_default {
            return verdict.discover(Discovery::AmbiguousOrg);
        }
        verdict
    }
}

fn judge_stored(stored: &str, orgs: &[Organisation], listed: String) -> Verdict {
    if !looks_like_numeric_id(stored) {
        let owner = orgs.iter().find(|org| {
            org.portal_name
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(stored))
        });
        let hint = match owner {
            Some(org) => format!(
                "`{stored}` is the portal of organisation {}: store {} in desk_org_id and `{stored}` in desk_portal",
                org.label(),
                org.id
            ),
            None => "desk_org_id must hold the numeric organisation id (sent as the orgId header); the portal name belongs in desk_portal".to_owned(),
        };
        return Outcome::fail(format!(
            "desk_org_id holds `{stored}`, which is not a numeric organisation id (a portal name in the wrong column?)"
        ))
        .hint(hint)
        .code("org_id_is_portal")
        .evidence(listed)
        .verdict();
    }
    if let Some(org) = orgs.iter().find(|org| org.id == stored) {
        return Outcome::pass(format!(
            "stored org id {} is one of the user's {} organisation(s)",
            org.label(),
            orgs.len()
        ))
        .evidence(listed)
        .verdict()
        .discover(Discovery::DeskOrgId(DeskOrgId(stored.to_owned())));
    }
    let fix = match choose(orgs) {
        Some(org) => format!(
            "store {} in desk_org_id (or clear it and run with --fix to rediscover it)",
            org.id
        ),
        None => {
            "the user belongs to no Desk organisation: sign them in to Zoho Desk first".to_owned()
        }
    };
    Outcome::fail(format!(
        "stored org id {stored} is not among the user's organisations ({}); Desk will answer OAUTH_ORG_MISMATCH",
        if orgs.is_empty() { "none".to_owned() } else { list(orgs) }
    ))
    .hint(fix)
    .code("stale_org_id")
    .evidence(listed)
    .verdict()
}
