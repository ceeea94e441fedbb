//! The accounts server: refreshing an access token (and reading Zoho's HTTP-200 error answers
//! for what they are) and the OAuth user-info call.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::{
    AccessToken, DataCentre,
    catalogue::{Service, ZohoCode, ZohoError},
    http::{Answer, HttpError, ZohoHttp},
};

/// The app's OAuth client, from the row or from `ZOHO_CLIENT_ID` / `ZOHO_CLIENT_SECRET`.
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: SecretString,
}

/// The run's OAuth clients: the default (`ZOHO_CLIENT_ID` / `ZOHO_CLIENT_SECRET`) and each data
/// centre's own (`ZOHO_CLIENT_SECRET_<DC>`, with `ZOHO_CLIENT_ID_<DC>`). Zoho keeps one client id
/// across data centres but gives each data centre its own secret, unless the developer chose one.
#[derive(Clone, Debug, Default)]
pub struct Clients {
    pub default: Option<ClientCredentials>,
    pub per_dc: Vec<DcClient>,
}

/// One data centre's own client secret (and, rarely, id).
#[derive(Clone, Debug)]
pub struct DcClient {
    pub dc: DataCentre,
    /// `ZOHO_CLIENT_ID_<DC>`; `None`: the row's or the default client id (Zoho keeps it).
    pub client_id: Option<String>,
    pub client_secret: SecretString,
}

impl Clients {
    /// Reads `ZOHO_CLIENT_ID` / `ZOHO_CLIENT_SECRET` and every `ZOHO_CLIENT_SECRET_<DC>` (with
    /// `ZOHO_CLIENT_ID_<DC>`); blank values count as unset.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Clients {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let default = match (get("ZOHO_CLIENT_ID"), get("ZOHO_CLIENT_SECRET")) {
            (Some(client_id), Some(secret)) => Some(ClientCredentials {
                client_id,
                client_secret: SecretString::from(secret),
            }),
            _ => None,
        };
        let per_dc = DataCentre::ALL
            .into_iter()
            .filter_map(|dc| {
                let secret = get(&Clients::secret_variable(dc))?;
                Some(DcClient {
                    dc,
                    client_id: get(&format!("ZOHO_CLIENT_ID_{}", dc.code().to_uppercase())),
                    client_secret: SecretString::from(secret),
                })
            })
            .collect();
        Clients { default, per_dc }
    }

    /// `ZOHO_CLIENT_SECRET_EU` and its kind: the variable holding a data centre's own secret.
    pub fn secret_variable(dc: DataCentre) -> String {
        format!("ZOHO_CLIENT_SECRET_{}", dc.code().to_uppercase())
    }

    /// The client to send to `dc`'s accounts server for a row whose own data centre is `home`.
    /// At home: the row's columns, then `_<DC>`, then the default; elsewhere: `_<DC>`, then the
    /// row's columns, then the default.
    pub fn for_dc(
        &self,
        row: Option<&ClientCredentials>,
        dc: DataCentre,
        home: DataCentre,
    ) -> Option<ClientCredentials> {
        let own = self.per_dc.iter().find(|own| own.dc == dc).and_then(|own| {
            let client_id = own
                .client_id
                .clone()
                .or_else(|| row.map(|row| row.client_id.clone()))
                .or_else(|| self.default.as_ref().map(|d| d.client_id.clone()))?;
            Some(ClientCredentials {
                client_id,
                client_secret: own.client_secret.clone(),
            })
        });
        let row = row.cloned();
        let default = || self.default.clone();
        if dc == home {
            row.or(own).or_else(default)
        } else {
            own.or(row).or_else(default)
        }
    }

    /// Whether `dc` has a secret of its own.
    pub fn has_own(&self, dc: DataCentre) -> bool {
        self.per_dc.iter().any(|own| own.dc == dc)
    }
}

/// A successful refresh.
#[derive(Clone, Debug)]
pub struct MintedToken {
    pub access_token: AccessToken,
    pub expires_in: ExpiresIn,
    pub api_domain: Option<String>,
    /// Space-separated, when Zoho sends it (newer answers do, older ones do not).
    pub scope: Option<String>,
}

/// The lifetime a token answer gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpiresIn {
    /// Seconds, as Zoho documents (or milliseconds beside the legacy `expires_in_sec`, read as
    /// Zoho's SDKs do), at most a day: Zoho's tokens live an hour.
    Given(Duration),
    /// Left out (it happens: integrations report sporadic answers without it).
    Missing,
    /// Present but not a plausible lifetime: negative, not a number, or beyond a day. The value
    /// as sent, for the message.
    Implausible(String),
}

/// A token lifetime beyond this is nonsense (or milliseconds): Zoho's tokens live an hour.
const LONGEST_LIFETIME: Duration = Duration::from_secs(86_400);

impl ExpiresIn {
    /// The lifetime to count on: the given one, else Zoho's hour.
    pub fn lifetime(&self) -> Duration {
        match self {
            ExpiresIn::Given(lifetime) => *lifetime,
            ExpiresIn::Missing | ExpiresIn::Implausible(_) => Duration::from_secs(3600),
        }
    }

    /// Reads `expires_in` (and the legacy `expires_in_sec`, which makes `expires_in`
    /// milliseconds) from a token answer.
    fn read(fields: &serde_json::Map<String, Value>) -> ExpiresIn {
        let (key, value) = match (fields.get("expires_in_sec"), fields.get("expires_in")) {
            (Some(seconds), _) => ("expires_in_sec", seconds),
            (None, Some(value)) => ("expires_in", value),
            (None, None) => return ExpiresIn::Missing,
        };
        let seconds = value
            .as_u64()
            .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()));
        match seconds.map(Duration::from_secs) {
            Some(lifetime) if lifetime <= LONGEST_LIFETIME => ExpiresIn::Given(lifetime),
            Some(_) | None => {
                let shown = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                ExpiresIn::Implausible(format!("{key}={shown}"))
            }
        }
    }
}

/// What the accounts server said to a refresh.
#[derive(Clone, Debug)]
pub enum RefreshAnswer {
    Minted(MintedToken),
    /// Zoho said no, whatever the HTTP status (usually 200 with an `error` key).
    Rejected(ZohoError),
    /// Not JSON, or JSON we cannot read: we could not find out.
    Unreadable(String),
}

/// Reads a token-endpoint answer the way Zoho's own SDKs do: only an `access_token` means
/// success; an `error` key means failure even with HTTP 200.
pub fn read_refresh_answer(status: u16, body: &str) -> RefreshAnswer {
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(body) else {
        return RefreshAnswer::Unreadable(format!(
            "the accounts server answered HTTP {status} with a body that is not a JSON object"
        ));
    };
    let text = |key: &str| {
        fields
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    if let Some(error) = text("error") {
        let description = text("error_description");
        // The throttle answer comes with HTTP 200 (Zoho's Kaizen #43) or 400, and its texts can
        // be localised ("拒绝访问"), so it is recognised by its shape at any status:
        // `"status":"failure"` with an `error_description`, or the error `Access Denied` (never
        // OAuth's lower-case `access_denied`, the user's refusal of consent).
        let throttled = (text("status").is_some_and(|s| s.eq_ignore_ascii_case("failure"))
            && description.is_some())
            || error.eq_ignore_ascii_case("Access Denied");
        let mut rejection = ZohoError::new(Service::Accounts, status, &error, description);
        if throttled {
            rejection.known = Some(ZohoCode::RefreshThrottled);
        }
        return RefreshAnswer::Rejected(rejection);
    }
    let Some(access_token) = text("access_token") else {
        return RefreshAnswer::Rejected(ZohoError {
            service: Service::Accounts,
            http_status: status,
            wire_code: ZohoCode::NoAccessToken.wire().to_owned(),
            message: Some(format!(
                "answer keys: {}",
                fields.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            known: Some(ZohoCode::NoAccessToken),
        });
    };
    let expires_in = ExpiresIn::read(&fields);
    RefreshAnswer::Minted(MintedToken {
        access_token: AccessToken::new(access_token),
        expires_in,
        api_domain: text("api_domain"),
        scope: text("scope"),
    })
}

/// One refresh call: `POST {accounts}/oauth/v2/token` with the secrets in the form body.
pub async fn refresh(
    http: &ZohoHttp,
    accounts_base: &str,
    client: &ClientCredentials,
    refresh_token: &SecretString,
) -> Result<(RefreshAnswer, Answer), HttpError> {
    let url = format!("{accounts_base}/oauth/v2/token");
    let answer = http
        .post_form(
            &url,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", client.client_id.as_str()),
                ("client_secret", client.client_secret.expose_secret()),
                ("refresh_token", refresh_token.expose_secret()),
            ],
        )
        .await?;
    Ok((read_refresh_answer(answer.status, &answer.body), answer))
}

/// What the authorization-code grant answered: the refresh answer's reading (an `error` key is a
/// rejection even with HTTP 200) and the `refresh_token`, which only an offline grant carries.
pub struct CodeAnswer {
    pub answer: RefreshAnswer,
    pub refresh_token: Option<SecretString>,
}

/// The authorization-code grant: `POST {accounts}/oauth/v2/token` with the code, the client and,
/// for a server-based client, the `redirect_uri` of the authorisation request (a Self Client's
/// code goes without one). Secrets travel in the form body, as a refresh's do.
pub async fn exchange_code(
    http: &ZohoHttp,
    accounts_base: &str,
    client: &ClientCredentials,
    code: &SecretString,
    redirect_uri: Option<&str>,
) -> Result<(CodeAnswer, Answer), HttpError> {
    let url = format!("{accounts_base}/oauth/v2/token");
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", client.client_id.as_str()),
        ("client_secret", client.client_secret.expose_secret()),
        ("code", code.expose_secret()),
    ];
    if let Some(redirect_uri) = redirect_uri {
        form.push(("redirect_uri", redirect_uri));
    }
    let answer = http.post_form(&url, &form).await?;
    let refresh_token = serde_json::from_str::<Value>(&answer.body)
        .ok()
        .and_then(|body| {
            body.get("refresh_token")?
                .as_str()
                .map(str::trim)
                .map(str::to_owned)
        })
        .filter(|token| !token.is_empty())
        .map(SecretString::from);
    let read = CodeAnswer {
        answer: read_refresh_answer(answer.status, &answer.body),
        refresh_token,
    };
    Ok((read, answer))
}

/// What `/oauth/user/info` told us.
#[derive(Clone, Debug, Default)]
pub struct UserInfo {
    pub email: Option<String>,
    pub zuid: Option<String>,
    pub display_name: Option<String>,
    /// Read from `orgid`, `organization_id` or `ZGID`, whichever is present: the field name
    /// varies by data centre (seed 000, "Data-centre mismatch on user info calls").
    pub org_id: Option<(String, &'static str)>,
}

/// The user-info answer or the Zoho error it carried.
pub enum UserInfoAnswer {
    Found(UserInfo),
    Rejected(ZohoError),
    Unreadable(String),
}

pub fn read_user_info(status: u16, body: &str) -> UserInfoAnswer {
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(body) else {
        return UserInfoAnswer::Unreadable(format!(
            "user info answered HTTP {status} with a body that is not a JSON object"
        ));
    };
    let scalar = |key: &str| {
        fields.get(key).and_then(|value| match value {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    if let Some(cause) = scalar("cause").filter(|_| scalar("response").as_deref() == Some("error"))
    {
        let rejection = ZohoError::new(Service::Accounts, status, &cause, None);
        return UserInfoAnswer::Rejected(rejection);
    }
    if !(200..300).contains(&status) {
        return UserInfoAnswer::Rejected(ZohoError::new(
            Service::Accounts,
            status,
            &scalar("error").unwrap_or_else(|| format!("HTTP_{status}")),
            scalar("message"),
        ));
    }
    let org_id = ["orgid", "organization_id", "ZGID"]
        .into_iter()
        .find_map(|key| scalar(key).map(|value| (value, key)));
    UserInfoAnswer::Found(UserInfo {
        email: scalar("Email").or_else(|| scalar("email")),
        zuid: scalar("ZUID"),
        display_name: scalar("Display_Name"),
        org_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(id: &str, secret: &str) -> ClientCredentials {
        ClientCredentials {
            client_id: id.to_owned(),
            client_secret: SecretString::from(secret.to_owned()),
        }
    }

    fn picked(client: Option<ClientCredentials>) -> (String, String) {
        let client = client.expect("a client");
        (
            client.client_id,
            client.client_secret.expose_secret().to_owned(),
        )
    }

    #[test]
    fn clients_read_the_default_and_each_data_centres_own() {
        let env = |name: &str| match name {
            "ZOHO_CLIENT_ID" => Some("1000.app".to_owned()),
            "ZOHO_CLIENT_SECRET" => Some("us-secret".to_owned()),
            "ZOHO_CLIENT_SECRET_EU" => Some("eu-secret".to_owned()),
            "ZOHO_CLIENT_SECRET_IN" => Some(" ".to_owned()),
            "ZOHO_CLIENT_SECRET_CN" => Some("cn-secret".to_owned()),
            "ZOHO_CLIENT_ID_CN" => Some("1000.china".to_owned()),
            _ => None,
        };
        let clients = Clients::from_lookup(&env);
        let (eu, us, cn) = (DataCentre::Eu, DataCentre::Us, DataCentre::Cn);
        assert!(clients.has_own(eu) && !clients.has_own(DataCentre::In));
        assert_eq!(Clients::secret_variable(eu), "ZOHO_CLIENT_SECRET_EU");
        let pick = |dc, home| picked(clients.for_dc(None, dc, home));
        assert_eq!(pick(eu, us), ("1000.app".into(), "eu-secret".into()));
        assert_eq!(pick(eu, eu), ("1000.app".into(), "eu-secret".into()));
        assert_eq!(pick(us, eu), ("1000.app".into(), "us-secret".into()));
        assert_eq!(pick(cn, us), ("1000.china".into(), "cn-secret".into()));
    }

    #[test]
    fn at_home_the_rows_client_comes_first_elsewhere_the_data_centres_own() {
        let clients = Clients {
            default: Some(credentials("1000.app", "default-secret")),
            per_dc: vec![DcClient {
                dc: DataCentre::Eu,
                client_id: None,
                client_secret: SecretString::from("eu-secret".to_owned()),
            }],
        };
        let row = credentials("1000.row", "row-secret");
        let (eu, us, jp) = (DataCentre::Eu, DataCentre::Us, DataCentre::Jp);
        let pick =
            |row: Option<&ClientCredentials>, dc, home| picked(clients.for_dc(row, dc, home));
        assert_eq!(
            pick(Some(&row), eu, eu),
            ("1000.row".into(), "row-secret".into())
        );
        assert_eq!(
            pick(Some(&row), eu, us),
            ("1000.row".into(), "eu-secret".into())
        );
        assert_eq!(
            pick(Some(&row), jp, us),
            ("1000.row".into(), "row-secret".into())
        );
        assert_eq!(
            pick(None, jp, us),
            ("1000.app".into(), "default-secret".into())
        );
        assert!(Clients::default().for_dc(None, eu, us).is_none());
    }

    #[test]
    fn http_200_with_error_key_is_a_rejection() {
        match read_refresh_answer(200, r#"{"error":"invalid_code"}"#) {
            RefreshAnswer::Rejected(error) => {
                assert_eq!(error.known, Some(ZohoCode::InvalidCode));
                assert_eq!(error.http_status, 200);
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn answer_without_access_token_is_a_rejection() {
        match read_refresh_answer(200, r#"{"api_domain":"https://www.zohoapis.com"}"#) {
            RefreshAnswer::Rejected(error) => {
                assert_eq!(error.known, Some(ZohoCode::NoAccessToken))
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn localised_throttle_is_recognised_by_shape() {
        let body =
            r#"{"error_description":"您连续发出了太多请求","error":"拒绝访问","status":"failure"}"#;
        match read_refresh_answer(400, body) {
            RefreshAnswer::Rejected(error) => {
                assert_eq!(error.known, Some(ZohoCode::RefreshThrottled));
                assert_eq!(error.wire_code, "拒绝访问");
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    fn known_code_of(status: u16, body: &str) -> Option<ZohoCode> {
        match read_refresh_answer(status, body) {
            RefreshAnswer::Rejected(error) => error.known,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn the_throttle_is_recognised_at_http_200_and_400_in_any_case() {
        let english = r#"{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}"#;
        let localised =
            r#"{"error_description":"您连续发出了太多请求","error":"拒绝访问","status":"failure"}"#;
        let shouted = r#"{"error_description":"слишком много запросов","error":"ОТКАЗАНО","status":"FAILURE"}"#;
        for status in [200, 400] {
            for body in [english, localised, shouted] {
                assert_eq!(
                    known_code_of(status, body),
                    Some(ZohoCode::RefreshThrottled),
                    "HTTP {status}: {body}"
                );
            }
        }
        // The error text alone, in any case and without the rest of the shape.
        assert_eq!(
            known_code_of(200, r#"{"error":"ACCESS DENIED"}"#),
            Some(ZohoCode::RefreshThrottled)
        );
    }

    #[test]
    fn oauth_access_denied_is_not_the_throttle() {
        assert_eq!(
            known_code_of(200, r#"{"error":"access_denied"}"#),
            Some(ZohoCode::AccessDenied)
        );
        // Without `status: failure` a description alone is not the throttle's shape.
        assert_eq!(
            known_code_of(200, r#"{"error":"invalid_code","error_description":"x"}"#),
            Some(ZohoCode::InvalidCode)
        );
    }

    #[test]
    fn legacy_expires_in_sec_wins_over_millisecond_expires_in() {
        let body = r#"{"access_token":"t","expires_in":3600000,"expires_in_sec":3600}"#;
        match read_refresh_answer(200, body) {
            RefreshAnswer::Minted(token) => {
                assert_eq!(
                    token.expires_in,
                    ExpiresIn::Given(Duration::from_secs(3600))
                )
            }
            other => panic!("expected a token, got {other:?}"),
        }
    }

    fn expires_in_of(body: &str) -> ExpiresIn {
        match read_refresh_answer(200, body) {
            RefreshAnswer::Minted(token) => token.expires_in,
            other => panic!("expected a token, got {other:?}"),
        }
    }

    #[test]
    fn a_garbage_negative_or_huge_expires_in_is_implausible_and_named() {
        assert_eq!(
            expires_in_of(r#"{"access_token":"t","expires_in":"soon"}"#),
            ExpiresIn::Implausible("expires_in=soon".to_owned())
        );
        assert_eq!(
            expires_in_of(r#"{"access_token":"t","expires_in":-5}"#),
            ExpiresIn::Implausible("expires_in=-5".to_owned())
        );
        assert_eq!(
            expires_in_of(r#"{"access_token":"t","expires_in":3600000}"#),
            ExpiresIn::Implausible("expires_in=3600000".to_owned())
        );
        assert_eq!(
            expires_in_of(r#"{"access_token":"t","expires_in":"3600"}"#),
            ExpiresIn::Given(Duration::from_secs(3600))
        );
        assert_eq!(expires_in_of(r#"{"access_token":"t"}"#), ExpiresIn::Missing);
        assert_eq!(
            ExpiresIn::Implausible("expires_in=-5".to_owned()).lifetime(),
            Duration::from_secs(3600)
        );
    }

    #[test]
    fn non_json_is_unreadable() {
        assert!(matches!(
            read_refresh_answer(502, "<html>bad gateway</html>"),
            RefreshAnswer::Unreadable(_)
        ));
    }

    #[test]
    fn user_info_org_id_is_read_from_any_of_its_names() {
        for key in ["orgid", "organization_id", "ZGID"] {
            let body = format!(r#"{{"Email":"a@b.c","ZUID":1,"{key}":"42"}}"#);
            match read_user_info(200, &body) {
                UserInfoAnswer::Found(info) => assert_eq!(info.org_id, Some(("42".into(), key))),
                _ => panic!("expected user info for {key}"),
            }
        }
    }
}
