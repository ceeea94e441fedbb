//! The simulated authorisation-code flow: grant codes (a code works once, for a few minutes, on
//! its own data centre with its own client), the `authorization_code` grant on the token
//! endpoint (HTTP 200 with an `error` key, as Zoho answers), `GET /oauth/v2/auth` redirecting a
//! signed-in "browser" to the `redirect_uri` with `code`, `location`, `accounts-server` and
//! `state`, and the helpers a test uses to set the flow up (a user, a Self Client, a code).

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, RawQuery, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::{
    Shared, Sim,
    setup::{crm_tenant, desk_tenant},
    world::{Live, TOKEN_LIFETIME_SECS, World, new_token, now_secs, random_hex},
};

/// A grant code lives this long, as Zoho's do (a Self Client lets the developer pick 3–10
/// minutes; the redirect flow's codes live about two).
pub const CODE_LIFETIME_SECS: u64 = 120;

/// One grant code: who granted what to which client, on which data centre.
pub struct GrantCode {
    pub code: String,
    pub account: usize,
    pub dc: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    /// `access_type=offline`: the exchange answers a refresh token.
    pub offline: bool,
    /// The `redirect_uri` of the authorisation request; `None` for a Self Client's code.
    pub redirect_uri: Option<String>,
    pub expires_at: u64,
    pub used: bool,
}

impl World {
    /// A grant code for `account` on `dc` for `client_id`.
    pub fn add_code(
        &mut self,
        account: usize,
        dc: &str,
        client_id: &str,
        scopes: Vec<String>,
        offline: bool,
        redirect_uri: Option<String>,
    ) -> String {
        let code = format!("1000.{}.{}", random_hex(32), random_hex(32));
        self.codes.push(GrantCode {
            code: code.clone(),
            account,
            dc: dc.to_owned(),
            client_id: client_id.to_owned(),
            scopes,
            offline,
            redirect_uri,
            expires_at: now_secs() + CODE_LIFETIME_SECS,
            used: false,
        });
        code
    }
}

fn refused(error: &str) -> Response {
    (StatusCode::OK, Json(json!({ "error": error }))).into_response()
}

/// `grant_type=authorization_code` on `dc`'s token endpoint.
pub fn exchange(world: &mut World, dc: &str, params: &HashMap<String, String>) -> Response {
    if let Some(error) = world.client_refusal(dc, params) {
        return refused(error);
    }
    let client_id = params.get("client_id").cloned().unwrap_or_default();
    let code = params.get("code").cloned().unwrap_or_default();
    let now = now_secs();
    let Some(grant) = world
        .codes
        .iter_mut()
        .find(|grant| grant.code == code && grant.dc == dc && grant.client_id == client_id)
    else {
        return refused("invalid_code");
    };
    if grant.used || grant.expires_at <= now {
        return refused("invalid_code");
    }
    if let Some(registered) = &grant.redirect_uri
        && params.get("redirect_uri") != Some(registered)
    {
        return refused("invalid_redirect_uri");
    }
    grant.used = true;
    let (account, scopes, offline) = (grant.account, grant.scopes.clone(), grant.offline);
    let token = new_token();
    world.live.push(Live {
        token: token.clone(),
        dc: dc.to_owned(),
        scopes: scopes.clone(),
        account,
        expires_at: now + TOKEN_LIFETIME_SECS,
    });
    let mut answer = json!({
        "access_token": token,
        "scope": scopes.join(" "),
        "api_domain": world.api_domain(dc),
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
    });
    if offline {
        let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
        let index = world.add_grant(account, dc, &client_id, &scopes);
        answer["refresh_token"] = json!(world.grants[index].refresh_token);
    }
    (StatusCode::OK, Json(answer)).into_response()
}

/// `GET /oauth/v2/auth`: the signed-in user consents at once, and the browser is sent to the
/// `redirect_uri` with the code, the user's data centre and the `state`. Without a signed-in
/// user, or with a client or redirect the flow cannot use, an error page as Zoho shows one.
pub async fn authorise(
    State(shared): State<Shared>,
    // Any data centre's authorisation page signs the user in where their account lives.
    Path(_dc): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let mut world = shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    world.count_request("/accounts");
    let page = |text: &str| (StatusCode::BAD_REQUEST, text.to_owned()).into_response();
    if params.get("response_type").map(String::as_str) != Some("code") {
        return page("Invalid response_type");
    }
    let Some(redirect_uri) = params.get("redirect_uri").cloned() else {
        return page("Invalid Redirect Uri");
    };
    let Some((account, home)) = world.signed_in.clone() else {
        return page("nobody is signed in to the simulated browser (Sim::sign_in)");
    };
    let client_id = params.get("client_id").cloned().unwrap_or_default();
    if !world.clients.iter().any(|client| client.id == client_id) {
        return page("Invalid Client");
    }
    let mut target = match url::Url::parse(&redirect_uri) {
        Ok(url) => url,
        Err(_) => return page("Invalid Redirect Uri"),
    };
    let state = params.get("state").cloned();
    let denied = world.deny_consent;
    {
        let mut pairs = target.query_pairs_mut();
        if denied {
            pairs.append_pair("error", "access_denied");
        } else {
            let scopes: Vec<String> = params
                .get("scope")
                .map(|scope| {
                    scope
                        .split([',', ' '])
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let offline = params.get("access_type").map(String::as_str) == Some("offline");
            let code = world.add_code(
                account,
                &home,
                &client_id,
                scopes,
                offline,
                Some(redirect_uri.clone()),
            );
            pairs
                .append_pair("code", &code)
                .append_pair("location", &home)
                .append_pair(
                    "accounts-server",
                    &format!("{}/accounts/{home}", world.base),
                );
        }
        if let Some(state) = &state {
            pairs.append_pair("state", state);
        }
    }
    (
        StatusCode::FOUND,
        [(header::LOCATION, target.to_string())],
        "",
    )
        .into_response()
}

impl Sim {
    /// Adds a healthy Desk (and CRM) account named `user`: one organisation with a help centre
    /// and an agent, as the scenarios' accounts have. No grant yet: `connect` makes one.
    pub fn add_user(&self, user: &str) {
        let mut world = self.lock();
        let desk = desk_tenant(&world, user);
        let crm = crm_tenant(&world, user);
        world.add_account(user, desk, crm);
    }

    /// The client registered in every data centre (a server-based client with Multi-DC on):
    /// `(id, secret)`.
    pub fn server_client(&self) -> (String, String) {
        let world = self.lock();
        let (id, secret) = world.default_client();
        (id.to_owned(), secret.to_owned())
    }

    /// A Self Client of the API console: registered in `dc` only, `(id, secret)`.
    pub fn add_self_client(&self, dc: &str) -> (String, String) {
        self.lock().add_client(Some(vec![dc.to_owned()]))
    }

    /// A grant code as the API console's Self Client generates it: `user` grants `scopes` on
    /// `dc` to `client_id`, with or without offline access, no redirect URI.
    pub fn grant_code(
        &self,
        user: &str,
        dc: &str,
        client_id: &str,
        scopes: &[&str],
        offline: bool,
    ) -> String {
        let mut world = self.lock();
        let account = world
            .accounts
            .iter()
            .position(|account| account.user == user)
            .unwrap_or_default();
        let scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        world.add_code(account, dc, client_id, scopes, offline, None)
    }

    /// A grant code as a server-based client's redirect delivers it: `user` grants `scopes`
    /// on `dc` to `client_id` with offline access, requested with `redirect_uri`, which the
    /// exchange must then send again.
    pub fn redirect_grant_code(
        &self,
        user: &str,
        dc: &str,
        client_id: &str,
        scopes: &[&str],
        redirect_uri: &str,
    ) -> String {
        let mut world = self.lock();
        let account = world
            .accounts
            .iter()
            .position(|account| account.user == user)
            .unwrap_or_default();
        let scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        world.add_code(
            account,
            dc,
            client_id,
            scopes,
            true,
            Some(redirect_uri.to_owned()),
        )
    }

    /// Signs `user`, whose account lives in `dc`, in to the simulated browser: from now on
    /// `/oauth/v2/auth` (on any data centre's accounts server) grants as them.
    pub fn sign_in(&self, user: &str, dc: &str) {
        let mut world = self.lock();
        let account = world
            .accounts
            .iter()
            .position(|account| account.user == user)
            .unwrap_or_default();
        world.signed_in = Some((account, dc.to_owned()));
    }

    /// The signed-in user clicks Deny on the consent screen from now on.
    pub fn deny_consent(&self) {
        self.lock().deny_consent = true;
    }

    /// Whether a refresh token was issued by the simulator and still works.
    pub fn grant_is_live(&self, refresh_token: &str) -> bool {
        self.lock()
            .grants
            .iter()
            .any(|grant| grant.refresh_token == refresh_token && !grant.revoked)
    }
}
