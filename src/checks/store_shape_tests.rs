//! The checks' hints per store shape: the `env:` store (no row, no app), the Zoho SDKs' table
//! (no dc, no scopes, no Desk columns) and the seed's table, run through the real checks.

use super::StoreShape;
use crate::{
    checks::{
        CheckContext, CheckKind, Status, data_centre::DataCentreCheck, desk_org_id::DeskOrgIdCheck,
        scopes::ScopesCheck, testing::*, token_refresh::TokenRefresh,
    },
    sim::Sim,
    store::{Connection, Field, Mapping, Stored, stored},
    zoho::{
        App,
        scopes::{Requirement, Scope},
    },
};

fn sdk() -> StoreShape {
    StoreShape::table(
        &Mapping::zoho_sdk(),
        [
            Field::Key,
            Field::AccessToken,
            Field::RefreshToken,
            Field::Expiry,
            Field::ApiDomain,
            Field::ClientId,
            Field::ClientSecret,
        ],
    )
}

fn scenario_in(sim: &Sim, name: &str, store: StoreShape) -> CheckContext {
    let mut env = sim_env(sim, App::Desk);
    env.settings.store = store;
    row_context(env, connection_of(seed(sim, name)))
}

fn require(names: &[&str]) -> ScopesCheck {
    ScopesCheck {
        require: names
            .iter()
            .map(|name| Requirement::any_of(vec![Scope::parse_required(name).unwrap()]).unwrap())
            .collect(),
    }
}

fn texts(outcome: &crate::checks::Outcome) -> String {
    format!(
        "{} | {}",
        outcome.message,
        outcome.hint.as_deref().unwrap_or("")
    )
}

#[tokio::test]
async fn env_store_refresh_names_no_row_and_no_app() {
    let sim = simulator().await;
    let verdict = TokenRefresh
        .run(&scenario_in(&sim, "token-expired", StoreShape::Env))
        .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Pass, "{}", texts(outcome));
    let all = texts(outcome);
    assert!(!all.contains("the app keeps its old token"), "{all}");
    assert!(!all.contains("row"), "{all}");
    assert!(
        all.contains("the env: store keeps no access token"),
        "{all}"
    );
    // The seed's table still warns that the app keeps its old token.
    let seed = TokenRefresh
        .run(&scenario_in(&sim, "token-expired", StoreShape::default()))
        .await;
    assert_eq!(seed.outcome.status, Status::Warn);
    assert!(seed.outcome.message.contains("the app keeps its old token"));
}

#[tokio::test]
async fn sdk_store_scopes_probe_says_once_why_and_never_asks_for_a_scope_column() {
    let sim = simulator().await;
    let mut ctx = scenario_in(&sim, "token-expired", sdk());
    ctx.facts.token = Some(fresh_token(&ctx).await);
    let verdict = require(&["Desk.basic.READ"]).run(&ctx).await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Pass, "{}", texts(outcome));
    assert!(
        outcome.message.contains("the Zoho SDKs keep no scopes, so this check probes the endpoint instead; a scopes column you add can be mapped with --column scopes=COLUMN"),
        "{}",
        outcome.message
    );
    assert_eq!(outcome.hint, None);
    assert!(!texts(outcome).contains("store the token answer's `scope`"));
}

#[tokio::test]
async fn env_store_scopes_without_a_token_says_it_probes_instead() {
    let mut env = offline_env(App::Desk);
    env.settings.store = StoreShape::Env;
    let verdict = require(&["Desk.settings.READ"])
        .run(&context(env, Some(row("env")), Default::default()))
        .await;
    let hint = verdict.outcome.hint.as_deref().unwrap();
    assert_eq!(
        hint,
        "the env: store holds no scopes, so this check probes the endpoint instead"
    );
    assert!(
        !verdict.outcome.message.contains("column"),
        "{}",
        verdict.outcome.message
    );
}

#[tokio::test]
async fn sdk_store_wrong_dc_is_fixed_in_api_domain_not_a_dc_column() {
    let sim = simulator().await;
    let mut ctx = scenario_in(&sim, "wrong-dc", sdk());
    ctx.facts.refresh_rejection = Some(crate::zoho::catalogue::ZohoError::new(
        crate::zoho::catalogue::Service::Accounts,
        200,
        "invalid_client",
        None,
    ));
    let verdict = DataCentreCheck { probe: true }.run(&ctx).await;
    let hint = verdict.outcome.hint.as_deref().unwrap();
    assert!(
        hint.starts_with("store https://www.zohoapis.eu in this connection's api_domain, so refreshes go to accounts.zoho.eu"),
        "{hint}"
    );
    assert!(!hint.contains("dc="), "{hint}");
}

#[tokio::test]
async fn env_store_dc_mismatch_names_zoho_dc() {
    let connection = Connection {
        dc: Stored::read(Some("us".to_owned()), stored::data_centre),
        api_domain: Stored::read(
            Some("https://www.zohoapis.eu".to_owned()),
            stored::api_domain,
        ),
        ..row("env")
    };
    let mut env = offline_env(App::Desk);
    env.settings.store = StoreShape::Env;
    let verdict = DataCentreCheck { probe: true }
        .run(&row_context(env, connection))
        .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.code.as_deref(), Some("dc_mismatch"));
    assert!(
        outcome.message.ends_with("but ZOHO_DC says `us`"),
        "{}",
        outcome.message
    );
    assert!(
        outcome
            .hint
            .as_deref()
            .unwrap()
            .starts_with("set ZOHO_DC=eu (the CI variable)"),
        "{:?}",
        outcome.hint
    );
}

#[tokio::test]
async fn a_discovered_org_id_is_no_warning_where_there_is_nowhere_to_store_it() {
    let sim = simulator().await;
    for store in [StoreShape::Env, sdk()] {
        let ctx = scenario_context(&sim, App::Desk, "org-blank", |_| {});
        let mut env = sim_env(&sim, App::Desk);
        env.settings.store = store.clone();
        let ctx = CheckContext {
            env: std::sync::Arc::new(env),
            ..ctx
        };
        let verdict = DeskOrgIdCheck.run(&ctx).await;
        assert_eq!(
            verdict.outcome.status,
            Status::Pass,
            "{store:?}: {}",
            texts(&verdict.outcome)
        );
        assert!(!texts(&verdict.outcome).contains("--fix"));
    }
}

#[tokio::test]
async fn env_store_org_id_mistakes_name_the_ci_variables() {
    let sim = simulator().await;
    let ctx = scenario_context(&sim, App::Desk, "healthy", |row| {
        row.desk_org_id = Stored::read(Some("Healthy".to_owned()), stored::desk_org_id);
    });
    let mut env = sim_env(&sim, App::Desk);
    env.settings.store = StoreShape::Env;
    let ctx = CheckContext {
        env: std::sync::Arc::new(env),
        ..ctx
    };
    let outcome = DeskOrgIdCheck.run(&ctx).await.outcome;
    assert_eq!(outcome.code.as_deref(), Some("org_id_is_portal"));
    assert!(
        outcome
            .message
            .starts_with("the CI variable ZOHO_DESK_ORG_ID holds `Healthy`")
            && outcome
                .message
                .ends_with("(a portal name in the wrong variable?)"),
        "{}",
        outcome.message
    );
    let hint = outcome.hint.unwrap();
    assert!(
        hint.contains(
            "in the CI variable ZOHO_DESK_ORG_ID and `Healthy` in the CI variable ZOHO_DESK_PORTAL"
        ),
        "{hint}"
    );
}

#[tokio::test]
async fn env_store_bad_dc_names_zoho_dc() {
    use crate::checks::connection_exists::ConnectionExists;
    let connection = Connection {
        dc: Stored::read(Some("mars".to_owned()), stored::data_centre),
        refresh_token: Some(secrecy::SecretString::from("1000.refresh")),
        ..row("env")
    };
    let mut env = offline_env(App::Desk);
    env.settings.store = StoreShape::Env;
    let outcome = ConnectionExists
        .run(&row_context(env, connection))
        .await
        .outcome;
    assert_eq!(outcome.message, "ZOHO_DC `mars` is not a Zoho data centre");
    assert!(outcome.hint.unwrap().starts_with("set ZOHO_DC to one of "));
}
