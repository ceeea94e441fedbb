//! Tells a Zoho error body from data, whichever service sent it — Desk's `errorCode`, CRM's
//! `code` with `status: error`, the accounts server's `error` (or `cause` with
//! `response: error`) — and reads it with that service's own reader, so a probe of any path is
//! explained from the catalogue exactly as the built-in checks' calls are.

use serde_json::Value;

use super::{
    catalogue::ZohoError,
    crm, desk,
    http::Answer,
    oauth::{self, UserInfoAnswer},
};

/// The Zoho error the answer carries, if its body is one of Zoho's error shapes.
pub fn zoho_error(answer: &Answer) -> Option<ZohoError> {
    let body = answer.json()?;
    let text = |key: &str| body.get(key).and_then(Value::as_str);
    if text("errorCode").is_some() {
        return Some(desk::error_of(answer));
    }
    if text("code").is_some() && text("status") == Some("error") {
        return Some(crm::error_of(answer));
    }
    let accounts =
        text("error").is_some() || (text("cause").is_some() && text("response") == Some("error"));
    if accounts {
        // The user-info reader knows both of the accounts server's shapes.
        let status = if answer.is_success() && text("cause").is_none() {
            // `{"error": …}` with HTTP 200: the accounts server's way of saying no.
            400
        } else {
            answer.status
        };
        return match oauth::read_user_info(status, &answer.body) {
            UserInfoAnswer::Rejected(mut error) => {
                error.http_status = answer.status;
                Some(error)
            }
            UserInfoAnswer::Found(_) | UserInfoAnswer::Unreadable(_) => None,
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::zoho::catalogue::Service;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            method: "GET",
            url: "https://example.zoho.com/x".into(),
            status,
            body: body.into(),
            retry_after: None,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn each_services_error_shape_is_read_by_its_own_reader() {
        let desk = zoho_error(&answer(
            403,
            r#"{"errorCode":"SCOPE_MISMATCH","message":"no scope"}"#,
        ))
        .unwrap();
        assert_eq!(
            (desk.service, desk.wire_code.as_str()),
            (Service::Desk, "SCOPE_MISMATCH")
        );
        assert!(desk.known.is_some());
        let crm = zoho_error(&answer(
            401,
            r#"{"code":"OAUTH_SCOPE_MISMATCH","details":{},"message":"m","status":"error"}"#,
        ))
        .unwrap();
        assert_eq!(
            (crm.service, crm.wire_code.as_str()),
            (Service::Crm, "OAUTH_SCOPE_MISMATCH")
        );
        let accounts = zoho_error(&answer(200, r#"{"error":"invalid_code"}"#)).unwrap();
        assert_eq!(
            (
                accounts.service,
                accounts.wire_code.as_str(),
                accounts.http_status
            ),
            (Service::Accounts, "invalid_code", 200)
        );
    }

    #[test]
    fn data_is_not_an_error() {
        for body in [
            r#"{"data":[{"id":"1","status":"Open"}]}"#,
            r#"{"code":"SUCCESS","status":"success"}"#,
            "",
            "<html>",
        ] {
            assert!(zoho_error(&answer(200, body)).is_none(), "{body}");
        }
    }
}
