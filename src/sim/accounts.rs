//! The simulated accounts server: `POST /oauth/v2/token` (refresh) answering the way Zoho does —
//! HTTP 200 with an `error` key for a bad client, secret or refresh token, and HTTP 200 "Access
//! Denied" past the token budget (Kaizen #43) — and `GET /oauth/user/info`. The
//! `authorization_code` grant is `sim/grants.rs`'s.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::{
    Shared,
    world::{
        Denial, Fault, MINT_WINDOW_SECS, MINTS_PER_WINDOW, Service, TOKEN_LIFETIME_SECS, new_token,
        now_secs,
    },
};

fn params(query: Option<&str>, body: &str) -> HashMap<String, String> {
    // Zoho documents query parameters on a POST and also accepts a form body: take both.
    let mut params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    params.extend(url::form_urlencoded::parse(body.as_bytes()).into_owned());
    params
}

fn refused(error: &str) -> Response {
    // The silent failure: HTTP 200, no access_token.
    (StatusCode::OK, Json(json!({ "error": error }))).into_response()
}

pub async fn token(
    State(shared): State<Shared>,
    Path(dc): Path<String>,
    RawQuery(query): RawQuery,
    body: String,
) -> Response {
    let params = params(query.as_deref(), &body);
    let (response, minted_for) = mint(&shared, &dc, &params);
    // A test's "app" may act while the checker is mid-run: after the mint, before the answer.
    let hook = shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .mint_hook
        .clone();
    if let (Some(hook), Some(refresh_token)) = (hook, minted_for) {
        hook(refresh_token).await;
    }
    response
}

/// Answers a refresh; the refresh token when an access token was minted.
fn mint(shared: &Shared, dc: &str, params: &HashMap<String, String>) -> (Response, Option<String>) {
    let refused = |error: &str| (refused(error), None);
    let mut world = shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    world.count_request("/accounts");
    if params.get("grant_type").map(String::as_str) == Some("authorization_code") {
        return (super::grants::exchange(&mut world, dc, params), None);
    }
    if params.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return refused("unsupported_grant_type");
    }
    if let Some(error) = world.client_refusal(dc, params) {
        return refused(error);
    }
    let client_id = params.get("client_id").cloned().unwrap_or_default();
    let refresh_token = params.get("refresh_token").cloned().unwrap_or_default();
    if let Some(Fault::ZohoError {
        service: Service::Token,
        status,
        code,
    }) = world.fault_of_grant(&refresh_token)
    {
        return (token_error(status, &code), None);
    }
    let Some(index) = world.grant_of(&refresh_token).filter(|at| {
        let grant = &world.grants[*at];
        grant.client_id == client_id && grant.dc == dc
    }) else {
        return refused("invalid_code");
    };
    if world.grants[index].revoked {
        return refused("invalid_code");
    }
    let now = now_secs();
    let grant = &mut world.grants[index];
    grant
        .mint_times
        .retain(|at| now.saturating_sub(*at) < MINT_WINDOW_SECS);
    if grant.mint_times.len() >= MINTS_PER_WINDOW {
        // Zoho's Kaizen #43: the throttle's HTTP status "remains 200".
        return (token_error(200, "Access Denied"), None);
    }
    grant.mint_times.push(now);
    let (scopes, account, answer_api_domain, answer_scope) = (
        grant.scopes.clone(),
        grant.account,
        grant.answer_api_domain,
        grant.answer_scope,
    );
    let token = new_token();
    world.add_live(super::world::Live {
        token: token.clone(),
        dc: dc.to_owned(),
        scopes: scopes.clone(),
        account,
        expires_at: now + TOKEN_LIFETIME_SECS,
    });
    let mut answer = json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
    });
    if answer_api_domain {
        answer["api_domain"] = json!(world.api_domain(dc));
    }
    if answer_scope {
        answer["scope"] = json!(scopes.join(" "));
    }
    (
        (StatusCode::OK, Json(answer)).into_response(),
        Some(refresh_token),
    )
}

/// A token-endpoint error in the shape Zoho sends it: the throttle (HTTP 200, or whatever status
/// a fault asks for) with `status: failure`; an answer without `access_token` for `no_access_token`; else `{"error"}`.
fn token_error(status: u16, code: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    match code {
        "Access Denied" => (
            status,
            Json(json!({
                "error_description": "You have made too many requests continuously. Please try again after some time.",
                "error": code,
                "status": "failure"
            })),
        )
            .into_response(),
        "no_access_token" => {
            (status, Json(json!({"token_type": "Bearer", "expires_in": 3600}))).into_response()
        }
        _ => (status, Json(json!({ "error": code }))).into_response(),
    }
}

pub async fn user_info(
    State(world): State<Shared>,
    Path(dc): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut world = world
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    world.count_request("/accounts");
    let header = headers.get("authorization").and_then(|v| v.to_str().ok());
    match world.authorise(header, &dc, &["AaaServer.profile.Read"]) {
        Ok(account) => {
            let account = &world.accounts[account];
            if let Some(Fault::ZohoError {
                service: Service::UserInfo,
                status,
                code,
            }) = &account.fault
            {
                return (
                    StatusCode::from_u16(*status).unwrap_or(StatusCode::UNAUTHORIZED),
                    Json(json!({"response": "error", "cause": code})),
                )
                    .into_response();
            }
            let (first, last) = account.user.split_once('-').unwrap_or((&account.user, ""));
            let mut info = json!({
                "First_Name": first,
                "Last_Name": last,
                "Display_Name": account.user,
                "Email": account.email,
                "ZUID": account.zuid,
            });
            // The org id's field name varies by data centre (seed 000): one name per account.
            info[account.user_info_org_field] = json!(format!("{}", 80_000_000 + account.zuid));
            Json(info).into_response()
        }
        Err(Denial::Scope) => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"response": "error", "cause": "INVALID_OAUTHSCOPE"})),
        )
            .into_response(),
        Err(Denial::NoToken | Denial::BadToken) => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"response": "error", "cause": "INVALID_OAUTHTOKEN"})),
        )
            .into_response(),
    }
}
