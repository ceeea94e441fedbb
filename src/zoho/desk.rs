//! Zoho Desk: the calls the checks make (organisations, help centres, the agent profile) and
//! how their answers are read. Desk's host comes from the data centre, never from `api_domain`;
//! every call but `/organizations` carries the `orgId` header; a 204 is an empty list.

use serde_json::{Map, Value};

use super::{
    AccessToken, DeskOrgId,
    catalogue::{Service, ZohoError},
    http::{Answer, HttpError, Reading, ZohoHttp},
};

/// GET `{desk}/api/v1{path}`, with `orgId` when we have one.
pub async fn get(
    http: &ZohoHttp,
    desk_base: &str,
    path: &str,
    token: &AccessToken,
    org_id: Option<&DeskOrgId>,
) -> Result<Answer, HttpError> {
    let url = format!("{desk_base}/api/v1{path}");
    let headers: Vec<(&str, String)> = org_id
        .map(|id| vec![("orgId", id.0.clone())])
        .unwrap_or_default();
    http.get(&url, token, &headers).await
}

/// The Zoho error in a non-2xx Desk answer: `{"errorCode": …, "message": …}`.
pub fn error_of(answer: &Answer) -> ZohoError {
    let body = answer.json();
    let field = |key: &str| {
        body.as_ref()
            .and_then(|body| body.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let code = field("errorCode").unwrap_or_else(|| format!("HTTP_{}", answer.status));
    ZohoError::new(Service::Desk, answer.status, &code, field("message"))
}

/// The items of a Desk list answer: `{"data": [...]}`, a bare list, or 204 (empty).
pub fn list_items(answer: &Answer) -> Reading<Vec<Map<String, Value>>> {
    if answer.status == 204 {
        return Reading::Data(Vec::new());
    }
    if let Some(outage) = super::outage(answer, "errorCode") {
        return Reading::Unreadable(outage);
    }
    if !answer.is_success() {
        return Reading::Rejected(error_of(answer));
    }
    let items = match answer.json() {
        Some(Value::Array(items)) => items,
        Some(Value::Object(mut object)) => match object.remove("data") {
            Some(Value::Array(items)) => items,
            _ => {
                return Reading::Unreadable(
                    "expected a list, or an object with a `data` list".to_owned(),
                );
            }
        },
        _ => return Reading::Unreadable("the answer is not JSON".to_owned()),
    };
    Reading::Data(
        items
            .into_iter()
            .filter_map(|item| match item {
                Value::Object(object) => Some(object),
                _ => None,
            })
            .collect(),
    )
}

/// The single object of a Desk GET answer.
pub fn object(answer: &Answer) -> Reading<Map<String, Value>> {
    if let Some(outage) = super::outage(answer, "errorCode") {
        return Reading::Unreadable(outage);
    }
    if !answer.is_success() {
        return Reading::Rejected(error_of(answer));
    }
    match answer.json() {
        Some(Value::Object(object)) => Reading::Data(object),
        _ if answer.status == 204 => Reading::Data(Map::new()),
        _ => Reading::Unreadable("expected a JSON object".to_owned()),
    }
}

/// A non-empty scalar field as text (ids arrive as numbers or strings).
pub fn text(object: &Map<String, Value>, key: &str) -> Option<String> {
    match object.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One Desk organisation, as `/organizations` lists it.
#[derive(Debug, Clone)]
pub struct Organisation {
    pub id: String,
    pub company_name: Option<String>,
    pub portal_name: Option<String>,
    pub portal_url: Option<String>,
    pub is_default: bool,
}

impl Organisation {
    pub fn from_item(item: &Map<String, Value>) -> Option<Organisation> {
        Some(Organisation {
            id: text(item, "id")?,
            company_name: text(item, "companyName"),
            portal_name: text(item, "portalName"),
            portal_url: text(item, "portalURL"),
            is_default: item
                .get("isDefault")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    /// `123 (Acme, portal acme)` for messages.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(name) = &self.company_name {
            parts.push(name.clone());
        }
        if let Some(portal) = &self.portal_name {
            parts.push(format!("portal {portal}"));
        }
        if self.is_default {
            parts.push("default".to_owned());
        }
        if parts.is_empty() {
            self.id.clone()
        } else {
            format!("{} ({})", self.id, parts.join(", "))
        }
    }
}

/// The portal candidates of a help centre, in the seed's order.
pub const HELP_CENTRE_PORTAL_FIELDS: [&str; 4] = ["urlName", "subDomain", "portalName", "id"];

/// The last label of a portal URL's host: `https://acme.zohodesk.com` → `acme`.
pub fn portal_from_url(url: &str) -> Option<String> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_owned();
    host.split('.')
        .next()
        .map(str::to_owned)
        .filter(|label| !label.is_empty())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            method: "GET",
            url: "https://desk.zoho.com/api/v1/organizations".into(),
            status,
            body: body.into(),
            retry_after: None,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_5xx_from_a_proxy_is_unreadable_but_zohos_own_5xx_is_its_error() {
        let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
        assert!(matches!(
            list_items(&answer(502, html)),
            Reading::Unreadable(why) if why.starts_with("HTTP 502 without Zoho's error body")
        ));
        assert!(matches!(object(&answer(503, "")), Reading::Unreadable(_)));
        let zoho = r#"{"errorCode":"INTERNAL_SERVER_ERROR","message":"oops"}"#;
        assert!(matches!(
            list_items(&answer(500, zoho)),
            Reading::Rejected(error) if error.wire_code == "INTERNAL_SERVER_ERROR"
        ));
    }

    #[test]
    fn organisations_are_read_from_data_or_a_bare_list() {
        for body in [
            r#"{"data":[{"id":1},{"id":"2"}]}"#,
            r#"[{"id":1},{"id":"2"}]"#,
        ] {
            match list_items(&answer(200, body)) {
                Reading::Data(items) => {
                    let ids: Vec<String> = items
                        .iter()
                        .filter_map(Organisation::from_item)
                        .map(|org| org.id)
                        .collect();
                    assert_eq!(ids, ["1", "2"]);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn no_content_is_an_empty_list() {
        assert!(matches!(list_items(&answer(204, "")), Reading::Data(items) if items.is_empty()));
    }

    #[test]
    fn an_error_is_never_an_empty_list() {
        let reading = list_items(&answer(
            401,
            r#"{"errorCode":"INVALID_OAUTH","message":"The OAuth Token you provided is invalid."}"#,
        ));
        match reading {
            Reading::Rejected(error) => assert_eq!(error.wire_code, "INVALID_OAUTH"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn portal_is_read_from_a_url() {
        assert_eq!(
            portal_from_url("https://acme.zohodesk.com"),
            Some("acme".into())
        );
    }
}
