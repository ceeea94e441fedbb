//! The simulated Zoho Desk API: `/organizations` (no orgId needed, `{"data": […]}` or a bare
//! list), `/helpCenters` and `/myinfo` (orgId required), with Desk's error bodies
//! (`{"errorCode", "message"}`) for missing tokens, bad tokens, scopes and organisations.

#![expect(
    clippy::result_large_err,
    reason = "handlers return axum `Response`s as errors; boxing them would only add noise to a test server"
)]

use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{
    Shared,
    world::{Denial, Fault, Service},
};

fn desk_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "errorCode": code, "message": message })),
    )
        .into_response()
}

fn denial(denial: Denial) -> Response {
    match denial {
        Denial::NoToken => desk_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            message_of("UNAUTHORIZED"),
        ),
        Denial::BadToken => desk_error(
            StatusCode::UNAUTHORIZED,
            "INVALID_OAUTH",
            "The OAuth Token you provided is invalid.",
        ),
        Denial::Scope => desk_error(
            StatusCode::FORBIDDEN,
            "SCOPE_MISMATCH",
            "The OAuth Token does not contain the scope to perform this operation.",
        ),
    }
}

/// The message zohodesk-oas's `Common.json` examples give a code (else a made-up one).
fn message_of(code: &str) -> &'static str {
    match code {
        "UNAUTHORIZED" | "BAD_REQUEST" => "You are not authorized to perform this operation.",
        "FORBIDDEN" => "You are not authorized to access this resource.",
        "URL_NOT_FOUND" => "The URL you requested could not be found.",
        "UNPROCESSABLE_ENTITY" => "The value passed for the 'from' query parameter is invalid.",
        "INTERNAL_SERVER_ERROR" => {
            "An internal server error occurred while performing this operation."
        }
        "LICENSE_ACCESS_LIMITED" => {
            "Your Zoho Desk Edition does not support this feature/operation."
        }
        "INVALID_DATA" => "The data does not comply to the validation restrictions defined.",
        _ => "Simulated Zoho Desk error.",
    }
}

/// What a Desk handler needs after authorising: the account's data and its fault, if any.
struct Caller {
    account: usize,
    fault: Option<Fault>,
}

fn authorise(
    world: &Shared,
    headers: &HeaderMap,
    dc: &str,
    any_of: &[&str],
) -> Result<Caller, Response> {
    let mut world = lock(world);
    world.count_request("/desk");
    let header = headers.get("authorization").and_then(|v| v.to_str().ok());
    let account = world.authorise(header, dc, any_of).map_err(denial)?;
    Ok(Caller {
        account,
        fault: world.accounts[account].fault.clone(),
    })
}

/// Applies the account's fault to a Desk call; `Some` is the answer to send instead.
async fn misbehave(fault: &Option<Fault>) -> Option<Response> {
    match fault {
        Some(Fault::ZohoError {
            service: Service::Desk,
            status,
            code,
        }) => Some(desk_error(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST),
            code,
            message_of(code),
        )),
        // Hostile answers are the layer's (`sim/hostile.rs`).
        Some(Fault::ZohoError { .. } | Fault::Hostile { .. }) | None => None,
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(*delay).await;
            None
        }
        Some(Fault::Malformed) => {
            Some((StatusCode::OK, "<html>502 upstream hiccup</html>").into_response())
        }
        Some(Fault::RateLimited { retry_after }) => {
            let mut response = desk_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_REQUESTS",
                "Too many requests. Please try again later.",
            );
            if let Ok(value) = retry_after.to_string().parse() {
                response.headers_mut().insert("retry-after", value);
            }
            Some(response)
        }
    }
}

/// The orgId header, checked against the caller's organisations.
fn org_of(world: &Shared, caller: &Caller, headers: &HeaderMap) -> Result<Value, Response> {
    let Some(org_id) = headers.get("orgid").and_then(|v| v.to_str().ok()) else {
        return Err(desk_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "The orgId header is mandatory for this API.",
        ));
    };
    if org_id.is_empty() || !org_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(desk_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "orgId must be a numeric organization id.",
        ));
    }
    let world = lock(world);
    world.accounts[caller.account]
        .desk
        .orgs
        .iter()
        .find(|org| id_text(&org["id"]) == org_id)
        .cloned()
        .ok_or_else(|| {
            desk_error(
                StatusCode::FORBIDDEN,
                "OAUTH_ORG_MISMATCH",
                "The OAuthToken is not valid for specified organization",
            )
        })
}

fn id_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

const ORG_SCOPES: [&str; 3] = [
    "Desk.basic.READ",
    "Desk.organization.READ",
    "Desk.settings.READ",
];
const HELP_CENTRE_SCOPES: [&str; 2] = ["Desk.basic.READ", "Desk.settings.READ"];
/// `/myinfo` (`Agent.json`, `getMyInfo`) lists these two.
const MYINFO_SCOPES: [&str; 2] = ["Desk.settings.READ", "Desk.basic.READ"];

/// Lets a request through — token, scopes, the orgId header when `needs_org`, the account's
/// fault — and returns the caller's account, or the answer that stops it.
async fn admit(
    world: &Shared,
    headers: &HeaderMap,
    dc: &str,
    any_of: &[&str],
    needs_org: bool,
) -> Result<usize, Response> {
    let caller = authorise(world, headers, dc, any_of)?;
    let home_dc = lock(world).accounts[caller.account].desk.home_dc.clone();
    if home_dc.is_some_and(|home| home != dc) {
        return Err(other_region_page());
    }
    if needs_org {
        org_of(world, &caller, headers)?;
    }
    match misbehave(&caller.fault).await {
        Some(response) => Err(response),
        None => Ok(caller.account),
    }
}

fn lock(world: &Shared) -> std::sync::MutexGuard<'_, super::world::World> {
    world
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub async fn organizations(
    State(world): State<Shared>,
    Path(dc): Path<String>,
    headers: HeaderMap,
) -> Response {
    let account = match admit(&world, &headers, &dc, &ORG_SCOPES, false).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let world = lock(&world);
    let desk = &world.accounts[account].desk;
    if desk.orgs.is_empty() {
        StatusCode::NO_CONTENT.into_response()
    } else if desk.bare_list {
        Json(Value::Array(desk.orgs.clone())).into_response()
    } else {
        Json(json!({ "data": desk.orgs })).into_response()
    }
}

pub async fn help_centres(
    State(world): State<Shared>,
    Path(dc): Path<String>,
    headers: HeaderMap,
) -> Response {
    let account = match admit(&world, &headers, &dc, &HELP_CENTRE_SCOPES, true).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let world = lock(&world);
    let centres = &world.accounts[account].desk.help_centres;
    if centres.is_empty() {
        StatusCode::NO_CONTENT.into_response()
    } else {
        Json(json!({ "data": centres })).into_response()
    }
}

pub async fn my_info(
    State(world): State<Shared>,
    Path(dc): Path<String>,
    headers: HeaderMap,
) -> Response {
    let account = match admit(&world, &headers, &dc, &MYINFO_SCOPES, true).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let agent = lock(&world).accounts[account].desk.agent.clone();
    if agent.is_null() {
        StatusCode::NO_CONTENT.into_response()
    } else {
        Json(agent).into_response()
    }
}

/// What a Desk host of another data centre answers: its web 404 page, not JSON.
fn other_region_page() -> Response {
    (
        StatusCode::NOT_FOUND,
        [("content-type", "text/html;charset=UTF-8")],
        "<!DOCTYPE html><html><head><title>Zoho Desk - 404</title></head><body><h1>404</h1><p>The page you are looking for is not available.</p></body></html>",
    )
        .into_response()
}

pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"code": "INVALID_URL_PATTERN", "details": {}, "message": "Please check if the URL trying to access is a correct one", "status": "error"})),
        )
            .into_response();
    }
    desk_error(
        StatusCode::NOT_FOUND,
        "URL_NOT_FOUND",
        message_of("URL_NOT_FOUND"),
    )
}
