//! `scopes`' unit tests: reading `require` (plain scopes and `any_of` alternatives, located
//! problems), the judgement from known grants, and the probe when the grant is unknown.

use super::*;
use crate::checks::{
    Facts, Status,
    facts::{GrantedScopes, ScopeSource},
    testing::*,
};

fn require(names: &[&str]) -> ScopesCheck {
    require_any(&names.iter().map(|name| vec![*name]).collect::<Vec<_>>())
}

/// Each inner list is one requirement's alternatives.
fn require_any(lists: &[Vec<&str>]) -> ScopesCheck {
    ScopesCheck {
        require: lists
            .iter()
            .map(|any_of| {
                let parsed = any_of
                    .iter()
                    .map(|name| Scope::parse_required(name).expect("a scope"))
                    .collect();
                Requirement::any_of(parsed).expect("non-empty")
            })
            .collect(),
    }
}

fn required_names(check: &ScopesCheck) -> Vec<String> {
    check.require.iter().map(ToString::to_string).collect()
}

/// Runs with these granted scopes and nothing else: the judgement needs no call.
async fn judge(check: &ScopesCheck, granted_scopes: GrantedScopes) -> Verdict {
    let facts = Facts {
        granted_scopes: Some(granted_scopes),
        ..Facts::default()
    };
    check
        .run(&context(offline_env(App::Desk), Some(row("ada")), facts))
        .await
}

#[test]
fn without_require_a_pipeline_needs_its_apps_profile_scopes() {
    let desk = configure::<ScopesCheck>("check: {}\n", Some(App::Desk))
        .0
        .unwrap();
    // Zoho's specs: /organizations, then /myinfo.
    let desk_lists = [
        "Desk.basic.READ or Desk.organization.READ or Desk.settings.READ",
        "Desk.basic.READ or Desk.settings.READ",
    ];
    assert_eq!(required_names(&desk), desk_lists);
    let crm = configure::<ScopesCheck>("check: {}\n", Some(App::Crm))
        .0
        .unwrap();
    assert_eq!(
        required_names(&crm),
        ["ZohoCRM.settings.profiles.READ or ZohoCRM.settings.profiles.ALL"]
    );
    let unknown_app = configure::<ScopesCheck>("check: {}\n", None).0.unwrap();
    assert_eq!(required_names(&unknown_app), desk_lists);
}

#[test]
fn a_required_list_is_taken_as_written() {
    let (check, problems) = configure::<ScopesCheck>(
        "check:\n  require: [ZohoCRM.org.READ, Desk.settings.ALL]\n",
        Some(App::Desk),
    );
    assert_eq!(
        required_names(&check.unwrap()),
        ["ZohoCRM.org.READ", "Desk.settings.ALL"]
    );
    assert!(problems.is_empty());
}

#[test]
fn any_of_items_are_alternatives_beside_plain_scopes() {
    let (check, problems) = configure::<ScopesCheck>(
        "check:\n  require:\n    - any_of: [ZohoCRM.org.ALL, ZohoCRM.org.READ]\n    - ZohoCRM.settings.profiles.READ\n",
        Some(App::Crm),
    );
    assert!(
        problems.is_empty(),
        "{:?}",
        problems.iter().map(located).collect::<Vec<_>>()
    );
    assert_eq!(
        required_names(&check.unwrap()),
        [
            "ZohoCRM.org.ALL or ZohoCRM.org.READ",
            "ZohoCRM.settings.profiles.READ"
        ]
    );
}

#[test]
fn items_that_do_not_read_are_located_and_not_called_empty() {
    let (check, problems) = configure::<ScopesCheck>(
        "check:\n  require:\n    - any_of: []\n    - all_of: [Desk.basic.READ]\n    - [Desk.basic.READ]\n    - any_of: Desk.basic.READ\n    - any_of: [Desk.basic.READ, Desk.LOOK]\n",
        Some(App::Desk),
    );
    let problems: Vec<String> = problems.iter().map(located).collect();
    assert_eq!(problems.len(), 6, "{problems:#?}");
    assert_eq!(problems[0], "3:15 `any_of` is empty");
    assert_eq!(problems[1], "4:7 `all_of` is not part of a `require` item");
    assert_eq!(problems[2], "4:7 a `require` mapping needs `any_of`");
    assert_eq!(
        problems[3],
        "5:7 a `require` item must be text or `{any_of: [...]}`, not a list"
    );
    assert_eq!(problems[4], "6:15 `any_of` must be a list, not text");
    assert!(
        problems[5].starts_with("7:33 `Desk.LOOK` is not a Zoho scope"),
        "{}",
        problems[5]
    );
    // A requirement with a malformed alternative is dropped, never narrowed.
    assert!(check.unwrap().require.is_empty());
}

#[test]
fn an_empty_require_is_a_located_problem_with_a_fix() {
    let (_, problems) = configure::<ScopesCheck>("check:\n  require: []\n", Some(App::Desk));
    assert_eq!(
        problems.iter().map(located).collect::<Vec<_>>(),
        ["2:12 `require` is empty"]
    );
    assert_eq!(
        problems[0].fix.as_deref(),
        Some("list the scopes the pipeline needs, or remove the check")
    );
}

#[test]
fn each_malformed_scope_is_a_problem_at_its_own_place() {
    let (check, problems) = configure::<ScopesCheck>(
        "check:\n  require: [Desk.settings, Desk.settings.LOOK, Desk.basic.READ]\n",
        Some(App::Desk),
    );
    let problems: Vec<String> = problems.iter().map(located).collect();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].starts_with("2:13 `Desk.settings` is not a Zoho scope"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].starts_with("2:28 `Desk.settings.LOOK` has operation `LOOK`"),
        "{}",
        problems[1]
    );
    assert_eq!(required_names(&check.unwrap()), ["Desk.basic.READ"]);
}

#[tokio::test]
async fn granted_scopes_that_cover_the_required_ones_pass_by_zohos_rules() {
    // `ALL` covers READ, and case does not matter.
    let verdict = judge(
        &require(&["Desk.basic.READ", "Desk.settings.READ"]),
        granted(
            "desk.basic.read Desk.settings.ALL",
            ScopeSource::StoredColumn,
        ),
    )
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
    assert_eq!(
        outcome.message,
        "the granted scopes cover Desk.basic.READ, Desk.settings.READ (read from the stored scopes column)"
    );
    assert_eq!(
        outcome.details,
        [(
            "granted".to_owned(),
            "desk.basic.read, Desk.settings.ALL".to_owned()
        )]
    );
    assert!(discovered(&verdict).is_empty());
}

#[tokio::test]
async fn a_parent_scope_covers_its_children() {
    let verdict = judge(
        &require(&["ZohoCRM.settings.profiles.READ"]),
        granted("ZohoCRM.settings.ALL", ScopeSource::TokenAnswer),
    )
    .await;
    assert_eq!(
        verdict.outcome.status,
        Status::Pass,
        "{}",
        verdict.outcome.message
    );
}

#[tokio::test]
async fn a_missing_scope_fails_with_the_exact_re_grant() {
    let verdict = judge(
        &require(&["Desk.basic.READ", "Desk.settings.READ"]),
        granted("Desk.basic.READ Desk.tickets.ALL", ScopeSource::TokenAnswer),
    )
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail);
    assert_eq!(
        outcome.message,
        "missing scope Desk.settings.READ; granted: Desk.basic.READ, Desk.tickets.ALL (read from the token answer)"
    );
    assert_eq!(
        outcome.hint.as_deref(),
        Some(
            "re-authorise with scope Desk.settings.READ added — the consent must list every scope again: scope=Desk.basic.READ,Desk.tickets.ALL,Desk.settings.READ"
        )
    );
    assert_eq!(outcome.code.as_deref(), Some("missing_scope"));
}

#[tokio::test]
async fn several_missing_scopes_are_all_named() {
    let verdict = judge(
        &require(&["Desk.basic.READ", "Desk.settings.READ"]),
        granted("", ScopeSource::StoredColumn),
    )
    .await;
    assert_eq!(
        verdict.outcome.message,
        "missing scopes Desk.basic.READ, Desk.settings.READ; granted: (none) (read from the stored scopes column)"
    );
    assert!(
        verdict
            .outcome
            .hint
            .as_deref()
            .unwrap()
            .ends_with("scope=Desk.basic.READ,Desk.settings.READ")
    );
}

#[tokio::test]
async fn unknown_scopes_and_no_token_warn_instead_of_passing() {
    let verdict = require(&["Desk.settings.READ"])
        .run(&context(
            offline_env(App::Desk),
            Some(row("ada")),
            Facts::default(),
        ))
        .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Warn);
    assert_eq!(
        outcome.message,
        "the granted scopes are unknown (no `scope` in the token answer and no stored scopes column), and there is no token to probe with"
    );
    assert!(
        outcome
            .hint
            .as_deref()
            .unwrap()
            .starts_with("store the token answer's `scope`")
    );
}

#[tokio::test]
async fn unknown_scopes_are_probed_and_an_allowed_call_only_warns() {
    // /organizations answers, but that says nothing of /myinfo's scopes: a probe can refute a
    // requirement, never confirm them all.
    let sim = simulator().await;
    let mut ctx = row_context(
        sim_env(&sim, App::Desk),
        connection_of(seed(&sim, "token-expired")),
    );
    assert!(
        ctx.facts.granted_scopes.is_none(),
        "token-expired stores no scopes"
    );
    ctx.facts.token = Some(fresh_token(&ctx).await);
    let verdict = require(&["Desk.basic.READ", "Desk.settings.READ"])
        .run(&ctx)
        .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Warn);
    assert!(
        outcome.message.ends_with(
            "; a probe call was allowed, but that cannot confirm every one of Desk.basic.READ, Desk.settings.READ"
        ),
        "{}",
        outcome.message
    );
    assert!(
        outcome.evidence[0].contains("/api/v1/organizations → 200"),
        "{:?}",
        outcome.evidence
    );
    assert_eq!(sim.requests("/desk"), 1);
}

#[tokio::test]
async fn a_desk_probe_refused_for_scope_fails_naming_what_to_add() {
    // missing-scope grants only Desk.tickets.ALL and stores no scopes.
    let sim = simulator().await;
    let mut ctx = row_context(
        sim_env(&sim, App::Desk),
        connection_of(seed(&sim, "missing-scope")),
    );
    assert!(ctx.facts.granted_scopes.is_none());
    ctx.facts.token = Some(fresh_token(&ctx).await);
    let verdict = require_any(&[
        vec![
            "Desk.basic.READ",
            "Desk.organization.READ",
            "Desk.settings.READ",
        ],
        vec!["Desk.basic.READ", "Desk.settings.READ"],
    ])
    .run(&ctx)
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
    assert!(
        outcome.message.ends_with(
            ", so the grant does not meet Desk.basic.READ or Desk.organization.READ or Desk.settings.READ, Desk.basic.READ or Desk.settings.READ"
        ),
        "{}",
        outcome.message
    );
    // The first alternative of each requirement, named once.
    assert_eq!(
        outcome.hint.as_deref(),
        Some("re-authorise with scope Desk.basic.READ included")
    );
    assert!(
        outcome.evidence[0].contains("/api/v1/organizations → 403"),
        "{:?}",
        outcome.evidence
    );
}

#[tokio::test]
async fn one_granted_alternative_meets_a_requirement() {
    let check = require_any(&[vec!["ZohoCRM.org.ALL", "ZohoCRM.org.READ"]]);
    let verdict = judge(
        &check,
        granted("ZohoCRM.org.READ", ScopeSource::TokenAnswer),
    )
    .await;
    assert_eq!(
        verdict.outcome.status,
        Status::Pass,
        "{}",
        verdict.outcome.message
    );
    assert_eq!(
        verdict.outcome.message,
        "the granted scopes cover ZohoCRM.org.ALL or ZohoCRM.org.READ (read from the token answer)"
    );
}

#[tokio::test]
async fn unmet_alternatives_are_named_and_the_re_grant_asks_for_each_first_choice() {
    let check = require_any(&[
        vec!["Desk.basic.READ", "Desk.organization.READ"],
        vec!["Desk.basic.READ", "Desk.settings.READ"],
        vec!["Desk.tickets.READ"],
    ]);
    let verdict = judge(
        &check,
        granted("Desk.tickets.ALL", ScopeSource::StoredColumn),
    )
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail);
    assert_eq!(
        outcome.message,
        "missing scopes Desk.basic.READ or Desk.organization.READ, Desk.basic.READ or Desk.settings.READ; granted: Desk.tickets.ALL (read from the stored scopes column)"
    );
    assert_eq!(
        outcome.hint.as_deref(),
        Some(
            "re-authorise with scope Desk.basic.READ added — the consent must list every scope again: scope=Desk.tickets.ALL,Desk.basic.READ"
        )
    );
}

#[tokio::test]
async fn a_crm_probe_refused_for_scope_fails_with_zohos_code() {
    let sim = simulator().await;
    let mut ctx = row_context(
        sim_env(&sim, App::Crm),
        connection_of(seed(&sim, "crm-scope-mismatch")),
    );
    ctx.facts.token = Some(stored_token(seed(&sim, "crm-scope-mismatch")));
    let verdict = require_any(&[vec![
        "ZohoCRM.settings.profiles.READ",
        "ZohoCRM.settings.profiles.ALL",
    ]])
    .run(&ctx)
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail);
    assert!(
        outcome.message.ends_with(
            "; a probe call was refused with OAUTH_SCOPE_MISMATCH, so the grant does not meet ZohoCRM.settings.profiles.READ or ZohoCRM.settings.profiles.ALL"
        ),
        "{}",
        outcome.message
    );
    assert_eq!(
        outcome.hint.as_deref(),
        Some("re-authorise with scope ZohoCRM.settings.profiles.READ included")
    );
    assert_eq!(outcome.code.as_deref(), Some("OAUTH_SCOPE_MISMATCH"));
}

#[tokio::test]
async fn a_probe_refused_for_another_reason_reports_that_reason() {
    let sim = simulator().await;
    let mut ctx = row_context(
        sim_env(&sim, App::Desk),
        connection_of(seed(&sim, "desk-invalid-oauth")),
    );
    ctx.facts.granted_scopes = None;
    ctx.facts.token = Some(stored_token(seed(&sim, "desk-invalid-oauth")));
    let verdict = require(&["Desk.basic.READ"]).run(&ctx).await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail);
    assert!(
        outcome
            .message
            .contains("; the probe call: desk answered INVALID_OAUTH (HTTP 401)"),
        "{}",
        outcome.message
    );
    assert_eq!(outcome.code.as_deref(), Some("INVALID_OAUTH"));
}
