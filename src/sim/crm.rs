//! The simulated Zoho CRM API under `/api/{dc}/crm/{version}`: `/org`, `/settings/profiles`,
//! `/settings/profiles/{id}` and `/users`, with CRM's error bodies
//! (`{"code", "details", "message", "status": "error"}`), 204 for nothing and 304 for
//! "not modified since".

use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{
    Shared,
    world::{Denial, Fault, Service, World},
};

const VERSIONS: [&str; 8] = ["v2", "v2.1", "v3", "v4", "v5", "v6", "v7", "v8"];
const ORG_SCOPES: [&str; 2] = ["ZohoCRM.org.READ", "ZohoCRM.org.ALL"];
const PROFILE_SCOPES: [&str; 2] = [
    "ZohoCRM.settings.profiles.READ",
    "ZohoCRM.settings.profiles.ALL",
];
const USER_SCOPES: [&str; 2] = ["ZohoCRM.users.READ", "ZohoCRM.users.ALL"];

pub fn crm_error(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    (
        status,
        Json(json!({ "code": code, "details": details, "message": message, "status": "error" })),
    )
        .into_response()
}

fn denial(denial: Denial) -> Response {
    match denial {
        Denial::NoToken => crm_error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_FAILURE",
            "Authentication failed",
            json!({}),
        ),
        Denial::BadToken => crm_error(
            StatusCode::UNAUTHORIZED,
            "INVALID_TOKEN",
            "invalid oauth token",
            json!({}),
        ),
        Denial::Scope => crm_error(
            StatusCode::UNAUTHORIZED,
            "OAUTH_SCOPE_MISMATCH",
            "invalid oauth scope to access this URL",
            json!({}),
        ),
    }
}

fn lock(world: &Shared) -> std::sync::MutexGuard<'_, World> {
    world
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Token, scopes, API version and the account's fault; the caller's account or the answer.
pub(super) async fn admit(
    world: &Shared,
    headers: &HeaderMap,
    dc: &str,
    version: &str,
    any_of: &[&str],
) -> Result<usize, Response> {
    let (account, fault) = {
        let mut world = lock(world);
        world.count_request("/api");
        if !VERSIONS.contains(&version) {
            return Err(crm_error(
                StatusCode::NOT_FOUND,
                "INVALID_URL_PATTERN",
                "Please check if the URL trying to access is a correct one",
                json!({}),
            ));
        }
        let header = headers.get("authorization").and_then(|v| v.to_str().ok());
        let account = world.authorise(header, dc, any_of).map_err(denial)?;
        (account, world.accounts[account].fault.clone())
    };
    match fault {
        Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Malformed) => {
            return Err((StatusCode::OK, "<html>502 upstream hiccup</html>").into_response());
        }
        Some(Fault::RateLimited { retry_after }) => {
            let mut response = crm_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_REQUESTS",
                "Too many requests",
                json!({}),
            );
            if let Ok(value) = retry_after.to_string().parse() {
                response.headers_mut().insert("retry-after", value);
            }
            return Err(response);
        }
        Some(Fault::ZohoError {
            service: Service::Crm,
            status,
            code,
        }) => {
            let details = match code.as_str() {
                "NO_PERMISSION" => json!({"permissions": ["Crm_Implied_View_Settings"]}),
                "API_NOT_SUPPORTED" => json!({"supported_version": "v2,v2.1,v3,v4,v5,v6,v7,v8"}),
                _ => json!({}),
            };
            return Err(crm_error(
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                &code,
                "Simulated Zoho CRM error.",
                details,
            ));
        }
        // `Fault::Records` is the records' own (`sim/records.rs`).
        // Hostile answers are the layer's (`sim/hostile.rs`).
        Some(Fault::ZohoError { .. } | Fault::Records { .. } | Fault::Hostile { .. }) | None => {}
    }
    Ok(account)
}

pub async fn org(
    State(world): State<Shared>,
    Path((dc, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let account = match admit(&world, &headers, &dc, &version, &ORG_SCOPES).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let org = lock(&world).accounts[account].crm.org.clone();
    if org.is_null() {
        return StatusCode::NO_CONTENT.into_response();
    }
    Json(json!({ "org": [org] })).into_response()
}

fn permission_denied() -> Response {
    crm_error(
        StatusCode::FORBIDDEN,
        "NO_PERMISSION",
        "Permission denied to read",
        json!({"permissions": ["Crm_Implied_View_Settings"]}),
    )
}

/// Whether `If-Modified-Since` is at or after the last change.
fn unchanged_since(headers: &HeaderMap, modified: u64) -> bool {
    headers
        .get("if-modified-since")
        .and_then(|v| v.to_str().ok())
        .and_then(|since| chrono::DateTime::parse_from_rfc3339(since).ok())
        .is_some_and(|since| since.timestamp() >= modified as i64)
}

/// The profiles of the caller's CRM organisation, or the answer that stops the request
/// (scopes, permission, `If-Modified-Since`).
async fn readable_profiles(
    world: &Shared,
    headers: &HeaderMap,
    dc: &str,
    version: &str,
) -> Result<Vec<Value>, Response> {
    let account = admit(world, headers, dc, version, &PROFILE_SCOPES).await?;
    let world = lock(world);
    let crm = &world.accounts[account].crm;
    if crm.no_permission {
        return Err(permission_denied());
    }
    if unchanged_since(headers, crm.profiles_modified) {
        return Err(StatusCode::NOT_MODIFIED.into_response());
    }
    Ok(crm.profiles.clone())
}

pub async fn profiles(
    State(world): State<Shared>,
    Path((dc, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match readable_profiles(&world, &headers, &dc, &version).await {
        Ok(profiles) if profiles.is_empty() => StatusCode::NO_CONTENT.into_response(),
        Ok(profiles) => Json(json!({ "profiles": profiles })).into_response(),
        Err(response) => response,
    }
}

pub async fn profile(
    State(world): State<Shared>,
    Path((dc, version, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let profiles = match readable_profiles(&world, &headers, &dc, &version).await {
        Ok(profiles) => profiles,
        Err(response) => return response,
    };
    match profiles
        .iter()
        .find(|p| p["id"].as_str() == Some(id.as_str()))
    {
        Some(found) => {
            let mut found = found.clone();
            found["permissions_details"] =
                json!([{"name": "Crm_Implied_View_Settings", "enabled": true}]);
            Json(json!({ "profiles": [found] })).into_response()
        }
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

#[derive(serde::Deserialize)]
pub struct UsersQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
}

pub async fn users(
    State(world): State<Shared>,
    Path((dc, version)): Path<(String, String)>,
    Query(query): Query<UsersQuery>,
    headers: HeaderMap,
) -> Response {
    let account = match admit(&world, &headers, &dc, &version, &USER_SCOPES).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let world = lock(&world);
    let users = &world.accounts[account].crm.users;
    let chosen: Vec<&Value> = match query.kind.as_deref() {
        Some("CurrentUser") => users.iter().take(1).collect(),
        _ => users.iter().collect(),
    };
    if chosen.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    Json(json!({ "users": chosen, "info": {"count": chosen.len(), "more_records": false} }))
        .into_response()
}
