//! `token-refresh`'s unit tests: its `run` on hand-made contexts — rows read from the
//! simulator's scenarios or built by hand — asserting the verdict, its discoveries and what it
//! spent of Zoho's token budget.

use chrono::{TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::{
    checks::{Status, testing::*},
    sim::{Fault, Service, Sim},
    store::{Connection, ExpiryField, stored},
    zoho::{AccessToken, App, DataCentre},
};

/// The scenario's row with the facts it gives, against the simulator.
fn scenario(sim: &Sim, name: &str) -> CheckContext {
    row_context(sim_env(sim, App::Desk), connection_of(seed(sim, name)))
}

fn refresh_token_of(sim: &Sim, name: &str) -> String {
    seed(sim, name)
        .refresh_token
        .clone()
        .expect("a refresh token")
}

fn token_of(verdict: &Verdict) -> &TokenFact {
    verdict
        .discoveries
        .iter()
        .find_map(|discovery| match discovery {
            Discovery::Token(token) => Some(token),
            _ => None,
        })
        .expect("a token was discovered")
}

/// A row with a live-looking access token and a refresh token, for the branches decided
/// before any call.
fn hand_made(expiry: ExpiryField) -> Connection {
    Connection {
        access_token: Some(AccessToken::new("1000.stored.access")),
        refresh_token: Some(SecretString::from("1000.stored.refresh")),
        expiry,
        ..row("ada")
    }
}

#[tokio::test]
async fn a_live_stored_token_is_kept_and_none_of_the_budget_is_spent() {
    let sim = simulator().await;
    let ctx = scenario(&sim, "healthy");
    let verdict = TokenRefresh.run(&ctx).await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
    assert!(
        outcome
            .message
            .starts_with("using the stored access token (expires in 5"),
        "{}",
        outcome.message
    );
    assert!(
        outcome
            .message
            .ends_with("no refresh needed, so none of Zoho's token budget is spent")
    );
    assert_eq!(discovered(&verdict), ["token"]);
    let token = token_of(&verdict);
    let stored = seed(&sim, "healthy").access_token.clone().unwrap();
    assert!(
        token.token.same_as(&stored),
        "the stored token is the one used"
    );
    assert!(!token.minted);
    let expires_at = token.expires_at.expect("the stored expiry");
    assert!(expires_at > Utc::now() + TimeDelta::minutes(50));
    assert_eq!(sim.mints(&refresh_token_of(&sim, "healthy")), 0);
    assert_eq!(sim.requests("/accounts"), 0);
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_new_token_discovered() {
    let sim = simulator().await;
    let ctx = scenario(&sim, "token-expired");
    let verdict = TokenRefresh.run(&ctx).await;
    let outcome = &verdict.outcome;
    // Without --fix the new token is not stored: a warning, with the way to store it.
    assert_eq!(outcome.status, Status::Warn, "{}", outcome.message);
    assert!(
        outcome.message.starts_with(
            "refreshed because the stored access token expired 10 min ago: the new access token is valid for 60 min"
        ),
        "{}",
        outcome.message
    );
    assert!(outcome.message.contains("run with --fix to save it"));
    assert!(
        outcome
            .hint
            .as_deref()
            .unwrap()
            .contains("run with --fix to store the refreshed token")
    );
    assert_eq!(discovered(&verdict), ["token", "api_domain", "scopes"]);
    let token = token_of(&verdict);
    assert!(token.minted);
    let stored = seed(&sim, "token-expired").access_token.clone().unwrap();
    assert!(
        !token.token.same_as(&stored),
        "a new token, not the stored one"
    );
    let expires_at = token.expires_at.expect("an expiry for the new token");
    let lifetime = expires_at - Utc::now();
    assert!(lifetime > TimeDelta::minutes(59) && lifetime <= TimeDelta::hours(1));
    let Discovery::ApiDomain(domain) = &verdict.discoveries[1] else {
        panic!("api_domain second");
    };
    assert_eq!(domain, &format!("{}/api/us", sim.base_url()));
    let Discovery::Scopes(scopes) = &verdict.discoveries[2] else {
        panic!("scopes third");
    };
    assert_eq!(scopes.source, ScopeSource::TokenAnswer);
    let names: Vec<&str> = scopes.scopes.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "Desk.basic.READ",
            "Desk.settings.READ",
            "Desk.tickets.ALL",
            "AaaServer.profile.Read"
        ]
    );
    let evidence = outcome.evidence.join("\n");
    assert!(evidence.contains("access_token=***"), "{evidence}");
    assert!(evidence.contains("expires_in=3600"), "{evidence}");
    assert!(
        !evidence.contains(token.token.secret().expose_secret()),
        "the token is never shown"
    );
    assert_eq!(sim.mints(&refresh_token_of(&sim, "token-expired")), 1);
}

#[tokio::test]
async fn with_fix_a_refreshed_token_passes_since_it_will_be_stored() {
    let sim = simulator().await;
    let mut env = sim_env(&sim, App::Desk);
    env.fix = true;
    let ctx = row_context(env, connection_of(seed(&sim, "token-expired")));
    let verdict = TokenRefresh.run(&ctx).await;
    assert_eq!(
        verdict.outcome.status,
        Status::Pass,
        "{}",
        verdict.outcome.message
    );
    assert!(
        !verdict.outcome.message.contains("--fix"),
        "{}",
        verdict.outcome.message
    );
    assert_eq!(verdict.outcome.hint, None);
    assert_eq!(discovered(&verdict), ["token", "api_domain", "scopes"]);
}

#[tokio::test]
async fn a_revoked_refresh_token_fails_on_zohos_http_200_error_answer_with_its_code() {
    let sim = simulator().await;
    let ctx = scenario(&sim, "refresh-revoked");
    let verdict = TokenRefresh.run(&ctx).await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail);
    assert!(
        outcome
            .message
            .starts_with("refresh rejected: accounts answered invalid_code (HTTP 200)"),
        "{}",
        outcome.message
    );
    assert!(
        outcome.message.contains("Zoho's silent failure"),
        "{}",
        outcome.message
    );
    assert!(
        outcome
            .message
            .contains("refreshed because the stored access token expired")
    );
    assert_eq!(outcome.code.as_deref(), Some("invalid_code"));
    assert!(!outcome.hint.as_deref().unwrap_or_default().is_empty());
    assert!(
        outcome.evidence[0].ends_with(": error=invalid_code"),
        "{:?}",
        outcome.evidence
    );
    assert_eq!(discovered(&verdict), ["refresh_rejection"]);
    let Discovery::RefreshRejected(rejection) = &verdict.discoveries[0] else {
        unreachable!("checked above");
    };
    assert_eq!(rejection.wire_code, "invalid_code");
}

#[tokio::test]
async fn a_throttled_refresh_fails_without_a_retry_or_a_mint() {
    let sim = simulator().await;
    let ctx = scenario(&sim, "refresh-throttled");
    let spent = sim.mints(&refresh_token_of(&sim, "refresh-throttled"));
    let verdict = TokenRefresh.run(&ctx).await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail);
    assert_eq!(outcome.code.as_deref(), Some("Access Denied"));
    assert!(
        outcome.message.contains("(HTTP 200)"),
        "Zoho throttles with HTTP 200 (Kaizen #43): {}",
        outcome.message
    );
    assert_eq!(
        outcome.evidence.last().map(String::as_str),
        Some("not retried: every retry would extend Zoho's throttle window")
    );
    assert_eq!(sim.requests("/accounts"), 1, "one call, no retry");
    assert_eq!(
        sim.mints(&refresh_token_of(&sim, "refresh-throttled")),
        spent
    );
    assert_eq!(discovered(&verdict), ["refresh_rejection"]);
}

#[tokio::test]
async fn an_answer_without_an_access_token_fails_even_with_http_200() {
    let sim = simulator().await;
    sim.set_fault(
        "token-expired",
        Fault::ZohoError {
            service: Service::Token,
            status: 200,
            code: "no_access_token".to_owned(),
        },
    );
    let verdict = TokenRefresh.run(&scenario(&sim, "token-expired")).await;
    assert_eq!(verdict.outcome.status, Status::Fail);
    assert_eq!(verdict.outcome.code.as_deref(), Some("no_access_token"));
    assert!(
        verdict.outcome.message.contains("answer keys: "),
        "{}",
        verdict.outcome.message
    );
    assert_eq!(discovered(&verdict), ["refresh_rejection"]);
}

#[tokio::test]
async fn force_refresh_mints_even_when_the_stored_token_is_live() {
    let sim = simulator().await;
    let mut env = sim_env(&sim, App::Desk);
    env.force_refresh = true;
    let ctx = row_context(env, connection_of(seed(&sim, "healthy")));
    let verdict = TokenRefresh.run(&ctx).await;
    assert!(
        verdict
            .outcome
            .message
            .starts_with("refreshed because --force-refresh was given"),
        "{}",
        verdict.outcome.message
    );
    assert!(
        verdict.outcome.message.contains(
            "Zoho keeps at most 15 live access tokens per refresh token, so each mint (this one included) may evict the oldest"
        ),
        "{}",
        verdict.outcome.message
    );
    assert!(token_of(&verdict).minted);
    assert_eq!(sim.mints(&refresh_token_of(&sim, "healthy")), 1);
}

#[tokio::test]
async fn an_eu_connection_refreshes_with_the_eu_secret_before_the_default() {
    let sim = simulator().await;
    let seeded = seed(&sim, "crm-eu-secret-set");
    let (dc, secret) = seeded.run_secrets[0].clone();
    let refresh = |own_secret: bool| {
        let mut connection = connection_of(seeded);
        connection.dc = stored_as(&dc, stored::data_centre);
        let mut env = sim_env(&sim, App::Crm);
        // The row has no client columns: the run's default (the US secret) and, maybe, EU's own.
        env.clients.default = connection.client.take();
        if own_secret {
            env.clients.per_dc.push(crate::zoho::oauth::DcClient {
                dc: DataCentre::Eu,
                client_id: None,
                client_secret: secret.clone().into(),
            });
        }
        let mut ctx = row_context(env, connection);
        ctx.facts.dc = Some(DataCentre::Eu);
        async move { TokenRefresh.run(&ctx).await }
    };
    let without = refresh(false).await;
    assert_eq!(without.outcome.status, Status::Fail);
    assert_eq!(
        without.outcome.code.as_deref(),
        Some("invalid_client_secret")
    );
    assert!(
        without
            .outcome
            .hint
            .as_deref()
            .unwrap()
            .contains("ZOHO_CLIENT_SECRET_<DC>"),
        "{:?}",
        without.outcome.hint
    );
    let with = refresh(true).await;
    assert_ne!(
        with.outcome.status,
        Status::Fail,
        "{}",
        with.outcome.message
    );
    assert!(token_of(&with).minted);
}

#[tokio::test]
async fn a_token_expiring_within_the_skew_is_refreshed() {
    let sim = simulator().await;
    let connection = Connection {
        expiry: expiring_in(TimeDelta::seconds(60)),
        ..connection_of(seed(&sim, "healthy"))
    };
    let ctx = row_context(sim_env(&sim, App::Desk), connection);
    let verdict = TokenRefresh.run(&ctx).await;
    assert!(
        verdict
            .outcome
            .message
            .starts_with("refreshed because the stored access token expires in "),
        "{}",
        verdict.outcome.message
    );
    assert!(
        verdict
            .outcome
            .message
            .contains("s, within the 2 min refresh skew")
    );
    assert!(token_of(&verdict).minted);
    assert_eq!(sim.mints(&refresh_token_of(&sim, "healthy")), 1);
}

#[tokio::test]
async fn a_row_without_an_access_token_is_refreshed() {
    let sim = simulator().await;
    let connection = Connection {
        access_token: None,
        ..connection_of(seed(&sim, "healthy"))
    };
    let verdict = TokenRefresh
        .run(&row_context(sim_env(&sim, App::Desk), connection))
        .await;
    assert!(
        verdict
            .outcome
            .message
            .starts_with("refreshed because the row has no access token"),
        "{}",
        verdict.outcome.message
    );
    assert_eq!(discovered(&verdict), ["token", "api_domain", "scopes"]);
}

#[tokio::test]
async fn the_app_wide_client_refreshes_a_row_without_its_own() {
    let sim = simulator().await;
    let mut connection = connection_of(seed(&sim, "token-expired"));
    let mut env = sim_env(&sim, App::Desk);
    env.clients.default = connection.client.take();
    let verdict = TokenRefresh.run(&row_context(env, connection)).await;
    assert_eq!(
        verdict.outcome.status,
        Status::Warn,
        "{}",
        verdict.outcome.message
    );
    assert!(token_of(&verdict).minted);
    assert_eq!(sim.mints(&refresh_token_of(&sim, "token-expired")), 1);
}

#[tokio::test]
async fn a_duration_stored_as_expiry_is_refreshed_and_named_implausible() {
    let sim = simulator().await;
    let verdict = TokenRefresh
        .run(&scenario(&sim, "expiry-implausible"))
        .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Warn);
    assert!(
        outcome
            .message
            .starts_with("refreshed because the stored access token expired ")
    );
    assert!(
        outcome.message.contains("the stored expiry `3600` reads as 1970-01-01 (epoch seconds), long before Zoho tokens existed"),
        "{}",
        outcome.message
    );
    assert!(
        outcome
            .hint
            .as_deref()
            .unwrap()
            .contains("store the absolute expiry: now + expires_in seconds"),
        "{:?}",
        outcome.hint
    );
    assert!(token_of(&verdict).minted);
}

#[tokio::test]
async fn an_answer_without_api_domain_keeps_the_stored_one_and_says_so() {
    let sim = simulator().await;
    let verdict = TokenRefresh.run(&scenario(&sim, "no-api-domain")).await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Warn);
    assert!(
        outcome.message.contains(&format!(
            "the answer had no api_domain, so the stored `{}/api/us` is kept",
            sim.base_url()
        )),
        "{}",
        outcome.message
    );
    assert!(
        outcome
            .hint
            .as_deref()
            .unwrap()
            .contains("never fall back to the US host")
    );
    assert_eq!(discovered(&verdict), ["token"], "no api_domain, no scopes");
}

#[tokio::test]
async fn a_due_refresh_without_a_refresh_token_fails() {
    let connection = Connection {
        refresh_token: None,
        ..hand_made(expiring_in(TimeDelta::minutes(-10)))
    };
    let verdict = TokenRefresh
        .run(&row_context(offline_env(App::Desk), connection))
        .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail);
    assert!(
        outcome.message.starts_with("a refresh is needed (the stored access token expired 10 min ago) but the row has no refresh token"),
        "{}",
        outcome.message
    );
    assert_eq!(outcome.code.as_deref(), Some("no_refresh_token"));
    assert!(discovered(&verdict).is_empty());
}

#[tokio::test]
async fn a_due_refresh_without_any_oauth_client_is_an_error_naming_the_variables() {
    let connection = hand_made(expiring_in(TimeDelta::minutes(-10)));
    let verdict = TokenRefresh
        .run(&row_context(offline_env(App::Desk), connection))
        .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Error);
    assert!(
        outcome
            .message
            .ends_with("but no OAuth client is configured"),
        "{}",
        outcome.message
    );
    assert!(
        outcome
            .hint
            .as_deref()
            .unwrap()
            .contains("ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET")
    );
}

#[tokio::test]
async fn a_row_without_an_expiry_keeps_its_token_with_a_warning() {
    let verdict = TokenRefresh
        .run(&row_context(
            offline_env(App::Desk),
            hand_made(ExpiryField::Missing),
        ))
        .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Warn);
    assert!(
        outcome
            .message
            .ends_with("but the row has no token expiry, so the stored access token is used as is"),
        "{}",
        outcome.message
    );
    assert!(outcome.hint.as_deref().unwrap().contains("--force-refresh"));
    let token = token_of(&verdict);
    assert!(token.token.same_as("1000.stored.access") && !token.minted);
    assert_eq!(token.expires_at, None);
}

#[tokio::test]
async fn an_unreadable_expiry_keeps_the_token_and_quotes_the_value() {
    let verdict = TokenRefresh
        .run(&row_context(
            offline_env(App::Desk),
            hand_made(ExpiryField::Unreadable("soon".to_owned())),
        ))
        .await;
    assert_eq!(verdict.outcome.status, Status::Warn);
    assert!(
        verdict
            .outcome
            .message
            .contains("the stored expiry `soon` is not epoch seconds")
    );
    assert_eq!(discovered(&verdict), ["token"]);
}

#[tokio::test]
async fn an_encrypted_token_column_fails_and_nothing_is_sent() {
    let sim = simulator().await;
    let connection = Connection {
        encrypted: vec!["access_token".to_owned()],
        ..connection_of(seed(&sim, "token-expired"))
    };
    let verdict = TokenRefresh
        .run(&row_context(sim_env(&sim, App::Desk), connection))
        .await;
    assert_eq!(verdict.outcome.status, Status::Fail);
    assert_eq!(verdict.outcome.code.as_deref(), Some("token_encrypted"));
    assert_eq!(sim.requests("/accounts"), 0);
}

#[tokio::test]
async fn without_a_connection_row_the_check_skips() {
    let verdict = TokenRefresh
        .run(&context(offline_env(App::Desk), None, Default::default()))
        .await;
    assert_eq!(verdict.outcome.status, Status::Skip);
    assert_eq!(verdict.outcome.message, "no connection row to check");
    assert!(discovered(&verdict).is_empty());
}

#[test]
fn an_implausible_expires_in_is_a_warning_naming_the_value_sent() {
    // With --fix the mint is stored, so the lifetime alone makes the warning.
    let mut env = offline_env(App::Desk);
    env.fix = true;
    let ctx = row_context(env, row("u1"));
    let minted = MintedToken {
        access_token: AccessToken::new("1000.minted.token".to_owned()),
        expires_in: ExpiresIn::Implausible("expires_in=-5".to_owned()),
        api_domain: Some("https://www.zohoapis.com".to_owned()),
        scope: None,
    };
    let verdict = minted_verdict(&ctx, "the test asked", minted, "POST …".to_owned(), None);
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Warn, "{}", outcome.message);
    assert!(
        outcome
            .message
            .contains("the answer's `expires_in=-5` is not a token lifetime in seconds"),
        "{}",
        outcome.message
    );
    assert!(
        outcome.message.contains("valid for 60 min"),
        "{}",
        outcome.message
    );
    assert!(
        outcome.evidence[0].contains("expires_in=-5"),
        "{:?}",
        outcome.evidence
    );
}
