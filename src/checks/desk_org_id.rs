//! `desk-org-id`: the Desk organisation id is known. A stored id must be one of the user's
//! organisations; a blank one is discovered from `GET /organizations` (either `{"data": [...]}`
//! or a bare list), preferring the `isDefault` organisation and warning when there are several.
//! A failed organisations call is reported as that failure, never as "no organisations".

use super::{
    CheckContext, CheckKind, Fact, OptionDoc, Options, Outcome, Shared, StoreShape, Verdict,
};
use crate::store::Field;
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
    let asked = ctx.desk_organizations(&token.token).await;
    let answer = asked
        .answer
        .map_err(|error| Outcome::http_error("listing Desk organisations", &error).verdict())?;
    let evidence = Shared::summary(&answer);
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
        Reading::Unreadable(why) => Err(unreadable("listing Desk organisations", &why)
            .evidence(evidence)
            .verdict()),
    }
}

/// A Desk answer we could not read: an error, except a web page from a Desk host of another
/// data centre, which is a diagnosis with its fix.
pub(super) fn unreadable(doing: &str, why: &str) -> Outcome {
    if why == desk::WRONG_REGION {
        Outcome::fail(format!("{doing}: {why}"))
            .hint(desk::WRONG_REGION_FIX)
            .code("desk_other_data_centre")
    } else {
        Outcome::error(format!("{doing}: {why}"))
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
            return judge_stored(&stored.0, &orgs, listed, &ctx.env.settings.store);
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
            let place = ctx.env.settings.store.place_of(Field::DeskOrgId);
            Outcome::warn(message).hint(if ctx.env.settings.store.is_env() {
                format!(
                    "picked {} ({why}); to check another, set {place} to its id",
                    chosen.id
                )
            } else {
                format!(
                    "picked {} ({why}); if the app should use another, store that id in {place}",
                    chosen.id
                )
            })
        } else if let Some(unsaved) = ctx.unsaved_note("the discovered org id", Field::DeskOrgId) {
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

fn judge_stored(
    stored: &str,
    orgs: &[Organisation],
    listed: String,
    store: &StoreShape,
) -> Verdict {
    // Where the org id and portal live: columns, or the env: store's CI variables.
    let (org_place, portal_place) = (
        store.place_of(Field::DeskOrgId),
        store.place_of(Field::DeskPortal),
    );
    let slot = if store.is_env() { "variable" } else { "column" };
    if !looks_like_numeric_id(stored) {
        let owner = orgs.iter().find(|org| {
            org.portal_name
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(stored))
        });
        let hint = match owner {
            Some(org) => format!(
                "`{stored}` is the portal of organisation {}: store {} in {org_place} and `{stored}` in {portal_place}",
                org.label(),
                org.id
            ),
            None => format!(
                "{org_place} must hold the numeric organisation id (sent as the orgId header); the portal name belongs in {portal_place}"
            ),
        };
        return Outcome::fail(format!(
            "{org_place} holds `{stored}`, which is not a numeric organisation id (a portal name in the wrong {slot}?)"
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
        Some(org) if store.is_env() => format!(
            "set {org_place} to {} (or unset it to rediscover it)",
            org.id
        ),
        Some(org) => format!(
            "store {} in {org_place} (or clear it and run with --fix to rediscover it)",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        checks::{Facts, Status, testing::*},
        sim::{Fault, Sim},
        store::stored,
    };

    /// The scenario's row, its facts and its live stored token, against the simulator.
    fn scenario(sim: &Sim, name: &str) -> CheckContext {
        scenario_context(sim, App::Desk, name, |_| {})
    }

    fn org_id_of(verdict: &Verdict) -> &str {
        verdict
            .discoveries
            .iter()
            .find_map(|discovery| match discovery {
                Discovery::DeskOrgId(id) => Some(id.0.as_str()),
                _ => None,
            })
            .expect("an org id was discovered")
    }

    #[tokio::test]
    async fn a_stored_org_id_among_the_users_organisations_passes_and_is_used() {
        let sim = simulator().await;
        let verdict = DeskOrgIdCheck.run(&scenario(&sim, "healthy")).await;
        let stored = seed(&sim, "healthy").desk_org_id.clone().unwrap();
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        assert_eq!(
            outcome.message,
            format!(
                "stored org id {stored} (healthy Support, portal healthy, default) is one of the user's 1 organisation(s)"
            )
        );
        assert!(
            outcome.evidence[0].ends_with(": 1 organisation(s)"),
            "{:?}",
            outcome.evidence
        );
        assert_eq!(discovered(&verdict), ["desk_org_id"]);
        assert_eq!(org_id_of(&verdict), stored);
    }

    #[tokio::test]
    async fn a_stored_org_id_the_user_does_not_belong_to_fails_as_stale_naming_the_right_one() {
        let sim = simulator().await;
        let verdict = DeskOrgIdCheck.run(&scenario(&sim, "org-stale")).await;
        let real = first_desk_org_id(seed(&sim, "org-stale"));
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.message,
            format!(
                "stored org id 60999999 is not among the user's organisations ({real} (org-stale Support, portal orgstale, default)); Desk will answer OAUTH_ORG_MISMATCH"
            )
        );
        assert_eq!(
            outcome.hint.as_deref(),
            Some(
                format!(
                    "store {real} in desk_org_id (or clear it and run with --fix to rediscover it)"
                )
                .as_str()
            )
        );
        assert_eq!(outcome.code.as_deref(), Some("stale_org_id"));
        assert!(discovered(&verdict).is_empty());
    }

    #[tokio::test]
    async fn a_portal_name_in_the_org_id_column_fails_naming_both_columns() {
        let sim = simulator().await;
        let ctx = scenario_context(&sim, App::Desk, "healthy", |row| {
            row.desk_org_id = stored_as("Healthy", stored::desk_org_id);
        });
        let verdict = DeskOrgIdCheck.run(&ctx).await;
        let id = seed(&sim, "healthy").desk_org_id.clone().unwrap();
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.message,
            "desk_org_id holds `Healthy`, which is not a numeric organisation id (a portal name in the wrong column?)"
        );
        assert_eq!(
            outcome.hint.as_deref(),
            Some(format!("`Healthy` is the portal of organisation {id} (healthy Support, portal healthy, default): store {id} in desk_org_id and `Healthy` in desk_portal").as_str())
        );
        assert_eq!(outcome.code.as_deref(), Some("org_id_is_portal"));
    }

    #[tokio::test]
    async fn a_blank_org_id_is_discovered_and_unsaved_without_fix() {
        let sim = simulator().await;
        let verdict = DeskOrgIdCheck.run(&scenario(&sim, "org-blank")).await;
        let id = first_desk_org_id(seed(&sim, "org-blank")).to_string();
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Warn);
        assert_eq!(
            outcome.message,
            format!(
                "discovered org id {id} (org-blank Support, portal orgblank, default) from /organizations; the discovered org id is not stored in the connection row yet; run with --fix to save it"
            )
        );
        assert!(
            outcome
                .hint
                .as_deref()
                .unwrap()
                .starts_with("run with --fix to store it")
        );
        assert_eq!(discovered(&verdict), ["desk_org_id"]);
        assert_eq!(org_id_of(&verdict), id);
    }

    #[tokio::test]
    async fn with_fix_a_discovered_org_id_from_a_bare_list_passes() {
        let sim = simulator().await;
        let mut env = sim_env(&sim, App::Desk);
        env.fix = true;
        let seeded = seed(&sim, "orgs-bare-list");
        let mut ctx = row_context(env, connection_of(seeded));
        ctx.facts.token = Some(stored_token(seeded));
        let verdict = DeskOrgIdCheck.run(&ctx).await;
        let id = first_desk_org_id(seeded);
        assert_eq!(verdict.outcome.status, Status::Pass);
        assert_eq!(
            verdict.outcome.message,
            format!(
                "discovered org id {id} (orgs-bare-list Support, portal orgsbarelist, default) from /organizations"
            )
        );
        assert_eq!(org_id_of(&verdict), id.to_string());
    }

    #[tokio::test]
    async fn among_several_organisations_the_default_is_picked_with_a_warning() {
        let sim = simulator().await;
        let verdict = DeskOrgIdCheck.run(&scenario(&sim, "several-orgs")).await;
        let first = first_desk_org_id(seed(&sim, "several-orgs"));
        let default = (first + 1).to_string();
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Warn);
        assert!(
            outcome.message.contains(&format!(
                "; the user belongs to 3 organisations: {first} (several-orgs Support, portal severalorgs); {default} (Several Main, portal severalmain, default); {} (Several Lab, portal severallab)",
                first + 2
            )),
            "{}",
            outcome.message
        );
        assert!(!outcome.message.contains("none is marked default"));
        assert_eq!(
            outcome.hint.as_deref(),
            Some(format!("picked {default} (the default organisation); if the app should use another, store that id in desk_org_id").as_str())
        );
        assert_eq!(
            discovered(&verdict),
            ["desk_org_id"],
            "the default is no guess"
        );
        assert_eq!(org_id_of(&verdict), default);
    }

    #[tokio::test]
    async fn several_organisations_with_none_default_are_a_guess_marked_ambiguous() {
        let sim = simulator().await;
        let verdict = DeskOrgIdCheck.run(&scenario(&sim, "orgs-no-default")).await;
        let first = first_desk_org_id(seed(&sim, "orgs-no-default")).to_string();
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Warn);
        assert!(
            outcome
                .message
                .contains("; the user belongs to 2 organisations: ")
        );
        assert!(
            outcome.message.ends_with("; none is marked default"),
            "{}",
            outcome.message
        );
        assert!(
            outcome.hint.as_deref().unwrap().starts_with(&format!(
                "picked {first} (the first, since none is marked default; --fix does not store a guess)"
            )),
            "{:?}",
            outcome.hint
        );
        assert_eq!(discovered(&verdict), ["desk_org_id", "ambiguous_org"]);
        assert_eq!(org_id_of(&verdict), first);
    }

    #[tokio::test]
    async fn zohos_string_flags_choose_the_default_as_real_booleans_do() {
        let sim = simulator().await;
        let verdict = DeskOrgIdCheck
            .run(&scenario(&sim, "orgs-string-flags"))
            .await;
        let main = (first_desk_org_id(seed(&sim, "orgs-string-flags")) + 1).to_string();
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Warn);
        assert!(
            outcome.message.starts_with(&format!(
                "discovered org id {main} (String Main, portal stringmain, default)"
            )),
            "{}",
            outcome.message
        );
        assert!(!outcome.message.contains("none is marked default"));
        assert!(
            outcome
                .hint
                .as_deref()
                .unwrap()
                .starts_with(&format!("picked {main} (the default organisation)")),
            "{:?}",
            outcome.hint
        );
        assert_eq!(discovered(&verdict), ["desk_org_id"], "not ambiguous");
        assert_eq!(org_id_of(&verdict), main);
    }

    #[tokio::test]
    async fn a_desk_host_of_another_data_centre_is_diagnosed_with_its_fix() {
        let sim = simulator().await;
        let verdict = DeskOrgIdCheck.run(&scenario(&sim, "desk-other-dc")).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.message,
            format!("listing Desk organisations: {}", desk::WRONG_REGION)
        );
        assert!(!outcome.message.contains("HTTP_404"));
        assert_eq!(outcome.hint.as_deref(), Some(desk::WRONG_REGION_FIX));
        assert_eq!(outcome.code.as_deref(), Some("desk_other_data_centre"));
        assert!(discovered(&verdict).is_empty());
    }

    #[tokio::test]
    async fn a_refused_organisations_call_is_that_failure_not_an_empty_list() {
        let sim = simulator().await;
        let verdict = DeskOrgIdCheck
            .run(&scenario(&sim, "desk-invalid-oauth"))
            .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.message.starts_with("listing Desk organisations failed (this is not an empty list): desk answered INVALID_OAUTH (HTTP 401)"),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.code.as_deref(), Some("INVALID_OAUTH"));
        assert!(
            outcome.evidence[0].ends_with(": INVALID_OAUTH"),
            "{:?}",
            outcome.evidence
        );
    }

    #[tokio::test]
    async fn an_answer_that_is_not_json_is_an_error() {
        let sim = simulator().await;
        sim.set_fault("healthy", Fault::Malformed);
        let verdict = DeskOrgIdCheck.run(&scenario(&sim, "healthy")).await;
        assert_eq!(verdict.outcome.status, Status::Error);
        assert_eq!(
            verdict.outcome.message,
            "listing Desk organisations: the answer is not JSON"
        );
    }

    #[tokio::test]
    async fn without_a_token_the_check_skips_and_calls_nothing() {
        let sim = simulator().await;
        let ctx = row_context(
            sim_env(&sim, App::Desk),
            connection_of(seed(&sim, "healthy")),
        );
        let verdict = DeskOrgIdCheck.run(&ctx).await;
        assert_eq!(verdict.outcome.status, Status::Skip);
        assert_eq!(
            verdict.outcome.message,
            "no usable access token: a `token-refresh` check must pass before this one"
        );
        assert_eq!(sim.requests("/desk"), 0);
    }

    #[tokio::test]
    async fn without_a_connection_row_the_check_skips() {
        let verdict = DeskOrgIdCheck
            .run(&context(offline_env(App::Desk), None, Facts::default()))
            .await;
        assert_eq!(verdict.outcome.status, Status::Skip);
        assert_eq!(verdict.outcome.message, "no connection row to check");
    }
}
