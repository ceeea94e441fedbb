//! Zoho Desk: the calls the checks make (organisations, help centres, the agent profile) and
//! how their answers are read. Desk's host comes from the data centre, never from `api_domain`;
//! every call but `/organizations` carries the `orgId` header; a 204 is an empty list; flags
//! and ids are read as Zoho's examples write them too (`"true"`, `"3981311"`); an HTML 404 is a
//! Desk host of another data centre.

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

/// A 404 that is a page, not Zoho's JSON: a Desk host of another data centre answers so for an
/// organisation it does not serve (Desk hosts are regional and do not redirect).
pub fn wrong_region(answer: &Answer) -> bool {
    answer.status == 404 && answer.json().is_none_or(|body| !body.is_object())
}

/// What [`wrong_region`] means, for messages.
pub const WRONG_REGION: &str = "this Desk host does not serve the organisation: it lives in another data centre (HTTP 404 with a web page, not Zoho's JSON)";

/// The fix for [`wrong_region`].
pub const WRONG_REGION_FIX: &str = "set the connection's data centre (dc) to the one the Desk organisation lives in, so calls go to that region's Desk host (desk.zoho.eu, desk.zoho.in, …)";

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
    if wrong_region(answer) {
        return Reading::Unreadable(WRONG_REGION.to_owned());
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
    if wrong_region(answer) {
        return Reading::Unreadable(WRONG_REGION.to_owned());
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

/// A flag, as Zoho writes it: `true` or, in its published examples, `"true"`.
pub fn flag(object: &Map<String, Value>, key: &str) -> bool {
    match object.get(key) {
        Some(Value::Bool(flag)) => *flag,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
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
            is_default: flag(item, "isDefault"),
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

/// The portal candidates of a help centre, in the seed's order (Zoho's help-centre schema has
/// none of them; they are a first try after the organisation's `portalName`).
pub const HELP_CENTRE_PORTAL_FIELDS: [&str; 3] = ["urlName", "subDomain", "portalName"];

/// The portal a URL names: the first label of a `*.zohodesk.<tld>` host
/// (`https://acme.zohodesk.com` → `acme`), else the path segment after `/support/`
/// (`https://support.zylker.com/support/zylker/ShowHomePage.do` → `zylker`). A custom host's
/// own labels never are: `support.zylker.com` names no portal.
pub fn portal_from_url(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    let mut labels = host.split('.');
    let first = labels.next().unwrap_or_default();
    let zohodesk = labels.next() == Some("zohodesk") && labels.next().is_some();
    if zohodesk && !first.is_empty() && first != "desk" {
        return Some(first.to_owned());
    }
    let mut segments = url.path_segments()?;
    segments.find(|segment| *segment == "support")?;
    segments
        .next()
        .filter(|portal| !portal.is_empty())
        .map(str::to_owned)
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
    fn portal_is_read_from_a_zohodesk_host_or_the_support_path_never_a_custom_host() {
        let cases = [
            ("https://acme.zohodesk.com", Some("acme")),
            ("https://acme.zohodesk.eu/portal/en/home", Some("acme")),
            ("https://ACME.zohodesk.com.au", Some("acme")),
            // Zoho's own example of a portal on a custom domain.
            (
                "https://support.zylker.com/support/zylker/ShowHomePage.do",
                Some("zylker"),
            ),
            ("https://desk.zoho.com/support/acme/", Some("acme")),
            ("https://support.zylker.com", None),
            ("https://help.zylker.com/portal/en/home", None),
            ("https://support.zylker.com/support/", None),
            ("not a url", None),
        ];
        for (url, portal) in cases {
            assert_eq!(portal_from_url(url).as_deref(), portal, "{url}");
        }
    }

    #[test]
    fn flags_and_ids_are_read_as_booleans_or_as_zohos_strings() {
        let item = |json: &str| -> Map<String, Value> { serde_json::from_str(json).unwrap() };
        let org = Organisation::from_item(&item(r#"{"id":"3981311","isDefault":"true"}"#));
        let org = org.unwrap();
        assert_eq!((org.id.as_str(), org.is_default), ("3981311", true));
        for (json, default) in [
            (r#"{"id":1,"isDefault":true}"#, true),
            (r#"{"id":1,"isDefault":"TRUE"}"#, true),
            (r#"{"id":1,"isDefault":"false"}"#, false),
            (r#"{"id":1,"isDefault":false}"#, false),
            (r#"{"id":1}"#, false),
        ] {
            assert_eq!(
                Organisation::from_item(&item(json)).unwrap().is_default,
                default,
                "{json}"
            );
        }
    }

    #[test]
    fn an_html_404_is_a_host_of_another_data_centre_not_an_unknown_code() {
        let page =
            "<!DOCTYPE html><html><head><title>404</title></head><body>Not Found</body></html>";
        for reading in [
            list_items(&answer(404, page)).map(|_| ()),
            object(&answer(404, page)).map(|_| ()),
            object(&answer(404, "")).map(|_| ()),
        ] {
            assert!(
                matches!(&reading, Reading::Unreadable(why) if why == WRONG_REGION),
                "{reading:?}"
            );
        }
        let zoho =
            r#"{"errorCode":"URL_NOT_FOUND","message":"The URL you have requested is not found."}"#;
        assert!(matches!(
            list_items(&answer(404, zoho)),
            Reading::Rejected(error) if error.wire_code == "URL_NOT_FOUND"
        ));
    }
}
