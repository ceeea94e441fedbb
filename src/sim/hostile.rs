//! Hostile answers (`Fault::Hostile`): a layer over every route that finds the account and the
//! service a request is for and, when that account's fault is a hostile answer for that service,
//! answers it instead of Zoho — or reshapes Zoho's own answer (truncated, escape-laden). The
//! transport faults axum cannot play (a slow drip, a reset mid-body) are the raw port's
//! (`sim/raw.rs`), which finds its callers the same way.

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::Value;

use super::{
    Shared,
    world::{ESCAPES, Fault, Hostile, Service, World},
};

/// The largest request body read to find the caller (a token request is a short form).
pub const MAX_REQUEST_BODY: usize = 1 << 20;

/// The service a path belongs to.
pub fn service_of(path: &str) -> Option<Service> {
    let mut segments = path.trim_start_matches('/').split('/');
    match segments.next()? {
        "accounts" if path.ends_with("/oauth/v2/token") => Some(Service::Token),
        "accounts" if path.ends_with("/oauth/user/info") => Some(Service::UserInfo),
        "desk" => Some(Service::Desk),
        "api" => Some(Service::Crm),
        _ => None,
    }
}

/// The hostile answer this request meets, if its caller's fault is one for its service. The
/// caller is found by the refresh token (query or form body) on the token endpoint, else by the
/// access token in `Authorization`, live or expired.
pub fn answer_for(
    world: &World,
    path: &str,
    query: Option<&str>,
    authorization: Option<&str>,
    body: &[u8],
) -> Option<Hostile> {
    let service = service_of(path)?;
    let account = if service == Service::Token {
        let refresh_token = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .chain(url::form_urlencoded::parse(body))
            .find(|(key, _)| key == "refresh_token")?
            .1;
        world.account_of_grant(&refresh_token)?
    } else {
        let token = authorization?
            .strip_prefix("Zoho-oauthtoken ")
            .or_else(|| authorization?.strip_prefix("Bearer "))?
            .trim();
        world.account_of_token(token)?
    };
    match &world.accounts[account].fault {
        Some(Fault::Hostile {
            service: faulty,
            answer,
        }) if *faulty == service => Some(*answer),
        _ => None,
    }
}

/// The layer: passes the request on, or answers (or reshapes the answer) as the fault says.
pub async fn layer(State(world): State<Shared>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_REQUEST_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let path = parts.uri.path().to_owned();
    let answer = {
        let world = world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        answer_for(&world, &path, parts.uri.query(), authorization, &body)
    };
    let request = Request::from_parts(parts, Body::from(body));
    let Some(answer) = answer else {
        return next.run(request).await;
    };
    let replaced = match answer {
        Hostile::Truncated | Hostile::Escapes => {
            return reshape(next.run(request).await, answer).await;
        }
        Hostile::NotJson => not_json(),
        Hostile::Html502 => html_502(),
        Hostile::Huge(bytes) => huge(bytes),
        Hostile::SlowDrip | Hostile::ResetMidBody => misrouted(answer),
    };
    world
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .count_request(&path);
    replaced
}

const NOT_JSON: &str = "Service temporarily unavailable. Please try again later.";

fn not_json() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        NOT_JSON,
    )
        .into_response()
}

/// nginx's page, as a load balancer in front of Zoho sends it.
const HTML_502: &str = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n";

fn html_502() -> Response {
    (
        StatusCode::BAD_GATEWAY,
        [(header::CONTENT_TYPE, "text/html")],
        HTML_502,
    )
        .into_response()
}

fn huge(bytes: usize) -> Response {
    let mut body = Vec::with_capacity(bytes.max(2));
    body.push(b'"');
    body.resize(bytes.max(2) - 1, b'x');
    body.push(b'"');
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

fn misrouted(answer: Hostile) -> Response {
    (
        StatusCode::NOT_IMPLEMENTED,
        format!("simulator: {answer:?} is played by the raw port only; point this service's URL at Sim::raw(…)"),
    )
        .into_response()
}

/// Zoho's own answer, truncated or laden with escapes.
async fn reshape(response: Response, answer: Hostile) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let body = match answer {
        Hostile::Truncated => body.slice(..body.len() / 2),
        _ => match serde_json::from_slice::<Value>(&body) {
            Ok(mut value) => {
                lade(&mut value, None);
                Bytes::from(value.to_string())
            }
            // 204, 304 and other bodies without JSON have no text fields.
            Err(_) => body,
        },
    };
    drop_length(&mut parts.headers);
    Response::from_parts(parts, Body::from(body))
}

/// The body changed length: axum sets it again from the new body.
fn drop_length(headers: &mut HeaderMap) {
    headers.remove(header::CONTENT_LENGTH);
}

/// Appends `ESCAPES` to every string under `value` but ids and tokens; a `scope` list gets it as
/// one more scope, so the scopes Zoho granted still read.
fn lade(value: &mut Value, key: Option<&str>) {
    match value {
        Value::String(text) if !key.is_some_and(is_id_or_token) => {
            if key == Some("scope") {
                text.push(' ');
            }
            text.push_str(ESCAPES);
        }
        Value::Array(items) => items.iter_mut().for_each(|item| lade(item, key)),
        Value::Object(fields) => fields
            .iter_mut()
            .for_each(|(key, value)| lade(value, Some(key))),
        _ => {}
    }
}

/// Ids and tokens travel back to Zoho in URLs and headers: they stay as Zoho sent them.
fn is_id_or_token(key: &str) -> bool {
    key.to_ascii_lowercase().ends_with("id") || key.ends_with("_token")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn escapes_go_into_every_text_field_but_ids_and_tokens() {
        let mut answer = json!({
            "access_token": "1000.a.b",
            "scope": "Desk.basic.READ",
            "data": [{"id": "1", "orgId": "2", "companyName": "Acme", "count": 3}],
            "errorCode": "INVALID_OAUTH",
        });
        lade(&mut answer, None);
        assert_eq!(answer["access_token"], "1000.a.b");
        assert_eq!(answer["scope"], format!("Desk.basic.READ {ESCAPES}"));
        assert_eq!(answer["data"][0]["id"], "1");
        assert_eq!(answer["data"][0]["orgId"], "2");
        assert_eq!(answer["data"][0]["companyName"], format!("Acme{ESCAPES}"));
        assert_eq!(answer["data"][0]["count"], 3);
        assert_eq!(answer["errorCode"], format!("INVALID_OAUTH{ESCAPES}"));
    }

    #[test]
    fn paths_name_their_service() {
        assert_eq!(
            service_of("/accounts/eu/oauth/v2/token"),
            Some(Service::Token)
        );
        assert_eq!(
            service_of("/accounts/eu/oauth/user/info"),
            Some(Service::UserInfo)
        );
        assert_eq!(
            service_of("/desk/us/api/v1/organizations"),
            Some(Service::Desk)
        );
        assert_eq!(service_of("/api/in/crm/v2/org"), Some(Service::Crm));
        assert_eq!(service_of("/elsewhere"), None);
    }

    #[test]
    fn every_name_parses() {
        for name in Hostile::NAMES {
            assert!(Hostile::parse(name).is_some(), "{name}");
        }
        assert_eq!(Hostile::parse("huge:10"), Some(Hostile::Huge(10)));
        assert_eq!(Hostile::parse("friendly"), None);
    }
}
