//! Zoho CRM: reading its answers. Calls go to `{api_domain}/crm/{version}/…`; errors arrive as
//! `{"code", "status": "error", "message", "details"}`; 204 means no content and 304 "not
//! modified since" the `If-Modified-Since` header.

use serde_json::Value;

use super::{
    catalogue::{Service, ZohoError},
    http::{Answer, Reading},
};

/// A CRM answer that is not an error.
#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    /// 204: nothing there.
    NoContent,
    /// 304: unchanged since `If-Modified-Since`.
    NotModified,
}

/// The Zoho error in a CRM answer.
pub fn error_of(answer: &Answer) -> ZohoError {
    let body = answer.json();
    let field = |key: &str| {
        body.as_ref()
            .and_then(|body| body.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let code = field("code").unwrap_or_else(|| format!("HTTP_{}", answer.status));
    let mut message = field("message");
    // `details` carries the useful specifics (missing permissions, supported versions).
    if let Some(details) = body
        .as_ref()
        .and_then(|body| body.get("details"))
        .filter(|details| details.as_object().is_some_and(|d| !d.is_empty()))
    {
        message = Some(format!(
            "{}{}details {details}",
            message.unwrap_or_default(),
            "; "
        ));
    }
    ZohoError::new(Service::Crm, answer.status, &code, message)
}

pub fn read(answer: &Answer) -> Reading<Body> {
    match answer.status {
        204 => return Reading::Data(Body::NoContent),
        304 => return Reading::Data(Body::NotModified),
        _ => {}
    }
    if let Some(outage) = super::outage(answer, "code") {
        return Reading::Unreadable(outage);
    }
    let json = answer.json();
    let is_error_body = json
        .as_ref()
        .and_then(|body| body.get("status"))
        .and_then(Value::as_str)
        == Some("error");
    if !answer.is_success() || is_error_body {
        return Reading::Rejected(error_of(answer));
    }
    match json {
        Some(value) => Reading::Data(Body::Json(value)),
        None => Reading::Unreadable("the answer is not JSON".to_owned()),
    }
}
