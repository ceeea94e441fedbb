//! Every Zoho error code the checks can meet, in one table: what it means, the likely cause and
//! the fix. Checks look codes up here instead of carrying their own `if`s; `explain` prints it.
//! The codes and their meanings come from Zoho's OAuth, user-info, Desk and CRM API documentation
//! and Zoho's published API specifications (zoho/zohodesk-oas, zoho/crm-oas).

use std::fmt;

/// Which Zoho service answered with the code: the same string can mean different things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Accounts,
    Desk,
    Crm,
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::Accounts => "accounts",
            Service::Desk => "desk",
            Service::Crm => "crm",
        })
    }
}

/// What the catalogue says about one code.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub code: ZohoCode,
    /// The code as Zoho sends it.
    pub wire: &'static str,
    pub service: Service,
    /// The HTTP status Zoho is known to send it with.
    pub http: &'static str,
    pub diagnosis: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
}

macro_rules! catalogue {
    ($( $variant:ident => ($service:ident, $wire:literal, $http:literal, $diagnosis:literal, $cause:literal, $fix:literal) ),+ $(,)?) => {
        /// A Zoho error code zoho-doctor knows. Closed: a new code is a compile error wherever
        /// codes are matched.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ZohoCode { $( $variant ),+ }

        impl ZohoCode {
            pub const ALL: &'static [ZohoCode] = &[ $( ZohoCode::$variant ),+ ];

            pub fn entry(self) -> Entry {
                match self {
                    $( ZohoCode::$variant => Entry {
                        code: self,
                        wire: $wire,
                        service: Service::$service,
                        http: $http,
                        diagnosis: $diagnosis,
                        cause: $cause,
                        fix: $fix,
                    } ),+
                }
            }
        }
    };
}

catalogue! {
    // --- accounts server: token refresh (usually HTTP 200 with an `error` key) ---
    InvalidCode => (Accounts, "invalid_code", "200",
        "the accounts server rejected the refresh token",
        "the refresh token was revoked, deleted (a user's 21st refresh token silently deletes the oldest) or mistyped, or it was sent to another data centre's accounts server",
        "re-authorise the connection (access_type=offline, prompt=consent) and store the new refresh token; if the user is outside the US, check the connection's data centre first"),
    InvalidRedirectUri => (Accounts, "invalid_redirect_uri", "200",
        "the accounts server refused the redirect_uri sent with the grant code",
        "the redirect_uri of the code exchange differs from the one sent in the authorisation request or registered for the client in the API console (Zoho compares them exactly: scheme, host, port, path and trailing slash), or one was sent for a Self Client's code",
        "send exactly the registered redirect URI the code was requested with: set ZOHO_REDIRECT_URI to it (or register http://127.0.0.1:PORT/callback for --listen); a Self Client's code takes --self-client (no redirect URI)"),
    InvalidClient => (Accounts, "invalid_client", "200",
        "the accounts server does not know this client id",
        "the client id is wrong, or the request went to a data centre where the client is not registered (Multi-DC not enabled in the API console; China is not reachable through Multi-DC: its clients are registered at api-console.zoho.com.cn)",
        "check ZOHO_CLIENT_ID / the row's client_id, and send the refresh to the accounts server of the data centre the user signed up in"),
    InvalidClientSecret => (Accounts, "invalid_client_secret", "200",
        "the accounts server rejected the client secret",
        "the client secret is wrong, or it was regenerated in the API console, or it is another data centre's: one client id has a secret per data centre unless the developer chose one",
        "copy the current client secret from api-console.zoho.com into ZOHO_CLIENT_SECRET (or the row's client_secret); for another data centre, copy its secret from the Multi-DC settings into ZOHO_CLIENT_SECRET_<DC> (ZOHO_CLIENT_SECRET_EU, ...)"),
    RefreshThrottled => (Accounts, "Access Denied", "200",
        "Zoho is throttling access-token requests for this refresh token",
        "more than 10 access tokens were requested with this refresh token within 10 minutes (often several workers refreshing at once)",
        "wait for the 10-minute window to pass without retrying; reuse access tokens until they expire and refresh from one place only"),
    AccessDenied => (Accounts, "access_denied", "200",
        "the user refused consent (clicked Deny), so no token was issued",
        "on Zoho's consent screen the user clicked Deny (OAuth's lower-case `access_denied`; Zoho's throttle is the different `Access Denied` with `status: failure`)",
        "ask the user to authorise again and accept the requested scopes; if they must not grant them, this connection cannot work"),
    NoAccessToken => (Accounts, "no_access_token", "200",
        "the refresh answer had neither an `access_token` nor an `error`",
        "an unexpected answer from the accounts server or a proxy in between",
        "run with -v to see the (redacted) answer; check ZOHO_ACCOUNTS_URL and any proxy"),
    UserInfoToken => (Accounts, "INVALID_OAUTHTOKEN", "401",
        "the accounts server rejected the access token",
        "the token expired, was revoked or evicted, or belongs to another data centre's accounts server",
        "run again with --force-refresh; if a fresh token is also refused, check the connection's data centre"),
    UserInfoScope => (Accounts, "INVALID_OAUTHSCOPE", "401",
        "the token may not read the Zoho user's profile",
        "the grant lacks the scope AaaServer.profile.Read",
        "re-authorise with scope AaaServer.profile.Read added, or drop the user-info lookup"),

    // --- Zoho Desk: {"errorCode": …, "message": …} ---
    DeskUnauthorized => (Desk, "UNAUTHORIZED", "401",
        "Zoho Desk saw no usable credentials",
        "the access token in the request is invalid (expired, revoked or evicted), or the Authorization header is missing or malformed",
        "refresh the token (--force-refresh) and re-authorise the connection if a fresh token is refused too; check the Authorization header carries the token after `Zoho-oauthtoken` and a space"),
    DeskInvalidOauth => (Desk, "INVALID_OAUTH", "401",
        "Zoho Desk rejected the access token",
        "the token expired or was revoked, was evicted because too many access tokens were minted for this refresh token, or belongs to another data centre",
        "run again with --force-refresh; if a fresh token also fails, check the connection's data centre"),
    DeskScopeMismatch => (Desk, "SCOPE_MISMATCH", "403",
        "the access token lacks a scope this Desk endpoint needs",
        "the connection was authorised without the Desk scope for this endpoint",
        "re-authorise with the missing Desk scope added (e.g. Desk.basic.READ, Desk.settings.READ)"),
    DeskOauthOrgMismatch => (Desk, "OAUTH_ORG_MISMATCH", "403",
        "the access token is not valid for the organisation in the orgId header",
        "the stored Desk org id belongs to another organisation than the authorising user's",
        "clear desk_org_id so it is rediscovered from /organizations, or store one of the user's organisation ids"),
    DeskForbidden => (Desk, "FORBIDDEN", "403",
        "the Desk user may not perform this operation",
        "the agent's Desk profile or role lacks the permission",
        "ask a Desk administrator to grant the permission to the agent's profile"),
    DeskLicenseAccessLimited => (Desk, "LICENSE_ACCESS_LIMITED", "403",
        "the Desk edition does not include this feature",
        "the organisation's edition or trial does not allow the operation or has hit its entity limit",
        "upgrade the Desk edition, or avoid the feature"),
    DeskUrlNotFound => (Desk, "URL_NOT_FOUND", "404",
        "Zoho Desk does not know this URL",
        "a wrong path, or a request sent to another data centre's Desk host",
        "check the Desk host for the connection's data centre (Canada is desk.zohocloud.ca) and the path"),
    DeskMethodNotAllowed => (Desk, "METHOD_NOT_ALLOWED", "405",
        "Zoho Desk does not allow this HTTP method on this URL",
        "a wrong method for the endpoint",
        "use the method the Desk API documents for the endpoint"),
    DeskBadRequest => (Desk, "BAD_REQUEST", "400",
        "Zoho Desk could not read the request",
        "the access token in the request is invalid (Zoho's API specification gives this reason), or the request is malformed, often a missing or non-numeric orgId header",
        "check that orgId holds the numeric Desk organisation id, not the portal name; if it does, refresh the token (--force-refresh) and re-authorise if a fresh token is refused too"),
    DeskResourceSizeExceeded => (Desk, "RESOURCE_SIZE_EXCEEDED", "413",
        "the request body is too large for Zoho Desk",
        "a payload above Desk's size limit",
        "send a smaller payload"),
    DeskUnsupportedMediaType => (Desk, "UNSUPPORTED_MEDIA_TYPE", "415",
        "Zoho Desk does not accept this content type",
        "a wrong Content-Type header",
        "send application/json"),
    DeskInvalidData => (Desk, "INVALID_DATA", "422",
        "Zoho Desk rejected a field value",
        "a field in the request is invalid, a duplicate or missing, such as an invalid id (the answer's `errors` names each field as a JSON Pointer with its errorType)",
        "fix the named field"),
    DeskEmptyPayload => (Desk, "EMPTY_PAYLOAD", "422",
        "Zoho Desk expected a request body",
        "an empty body on a write call",
        "send the JSON body the endpoint documents"),
    DeskUnprocessableEntity => (Desk, "UNPROCESSABLE_ENTITY", "422",
        "Zoho Desk could not process the request",
        "the input does not meet the conditions the endpoint needs to run, such as an invalid query parameter value",
        "read Zoho's message; it names the parameter or condition"),
    DeskOnlyLivechatUser => (Desk, "ONLY_LIVECHAT_USER", "403",
        "the user is a live-chat-only Desk user",
        "live-chat-only users cannot use the Desk API",
        "authorise the connection as a full Desk agent"),
    DeskDuplicateContract => (Desk, "DUPLICATE_CONTRACT", "422",
        "Zoho Desk found a duplicate contract",
        "a contract with the same details exists",
        "update the existing contract instead"),
    DeskIntegrationAdminError => (Desk, "INTEGRATION_ADMIN_ERROR", "403",
        "the Desk integration needs an administrator",
        "the operation requires the integration to be set up by a Desk administrator",
        "ask a Desk administrator to authorise the integration"),
    DeskThresholdExceeded => (Desk, "THRESHOLD_EXCEEDED", "429",
        "the Desk organisation has used up its API credits for the day",
        "the 24-hour credit limit of the Desk edition was reached",
        "wait for the credits to reset, or lower the call volume"),
    DeskTooManyRequests => (Desk, "TOO_MANY_REQUESTS", "429",
        "too many concurrent Desk API calls",
        "more requests in flight than the edition's concurrency limit (5 to 25)",
        "retry after the Retry-After delay and reduce concurrency"),
    DeskInternalServerError => (Desk, "INTERNAL_SERVER_ERROR", "500",
        "Zoho Desk failed internally",
        "a problem on Zoho's side",
        "retry later; if it persists, contact Zoho support with the time of the call"),

    // --- Zoho CRM: {"code": …, "status": "error", "message": …, "details": {…}} ---
    CrmInvalidUrlPattern => (Crm, "INVALID_URL_PATTERN", "404",
        "Zoho CRM does not know this URL",
        "a wrong path or API version, or the call went to another data centre's API host",
        "check the URL and the API version, and that calls go to the token's api_domain"),
    CrmOauthScopeMismatch => (Crm, "OAUTH_SCOPE_MISMATCH", "401",
        "the access token lacks the scope this CRM endpoint needs",
        "the client was authorised without the CRM scope (e.g. ZohoCRM.settings.profiles.READ)",
        "re-authorise with the missing scope added (a new grant with the full scope list)"),
    CrmNoPermission => (Crm, "NO_PERMISSION", "403",
        "the CRM user may not read this data",
        "the user's CRM profile lacks the permission",
        "ask your CRM administrator to grant the permission to the user's profile"),
    CrmInternalError => (Crm, "INTERNAL_ERROR", "500",
        "Zoho CRM failed internally",
        "an unexpected, unhandled exception on Zoho's side",
        "retry later; if it persists, contact Zoho support"),
    CrmInvalidRequestMethod => (Crm, "INVALID_REQUEST_METHOD", "400",
        "Zoho CRM does not allow this HTTP method on this URL",
        "a wrong HTTP method for the endpoint",
        "use the method the CRM API documents for the endpoint"),
    CrmAuthorizationFailed => (Crm, "AUTHORIZATION_FAILED", "400",
        "the CRM user does not have sufficient privilege",
        "the user's CRM profile may not perform this operation",
        "ask your CRM administrator for the privilege"),
    CrmInvalidToken => (Crm, "INVALID_TOKEN", "401",
        "Zoho CRM rejected the access token",
        "the token expired or was revoked, or the call went to another data centre's API host (api_domain dropped or defaulted to .com)",
        "refresh the token (--force-refresh) and send calls to the api_domain of the token answer"),
    CrmAuthenticationFailure => (Crm, "AUTHENTICATION_FAILURE", "401",
        "Zoho CRM could not authenticate the request",
        "no token, or an unusable one: Zoho sometimes sends this instead of INVALID_TOKEN",
        "refresh the token once (--force-refresh); check the Authorization header carries the token after `Zoho-oauthtoken`"),
    CrmFeatureNotEnabled => (Crm, "FEATURE_NOT_ENABLED", "400",
        "the CRM feature is not enabled for this organisation",
        "the CRM edition does not include the feature",
        "enable the feature or upgrade the CRM edition"),
    CrmApiNotSupported => (Crm, "API_NOT_SUPPORTED", "400",
        "this CRM API version does not support the call",
        "the API version in the URL is too old or too new for this endpoint (details.supported_version)",
        "set the pipeline's api_version to a supported version"),
    CrmInvalidHost => (Crm, "INVALID_HOST", "400",
        "Zoho CRM does not serve its API on this host",
        "since API v2.1 CRM answers only on www., sandbox. or developer.zohoapis.<tld>; the call went to another host, such as a stored api_domain of crm.zoho.<tld> or www.zoho.<tld>",
        "send CRM calls to the data centre's API host (https://www.zohoapis.<tld>, e.g. https://www.zohoapis.eu) and store that as the connection's api_domain"),
    CrmTooManyRequests => (Crm, "TOO_MANY_REQUESTS", "429",
        "too many concurrent Zoho CRM API calls",
        "more calls in flight for the organisation than its edition's concurrency limit allows",
        "retry after a pause and lower the number of parallel CRM calls (share one queue across workers)"),
    CrmAuthenticationFailed => (Crm, "AUTHENTICATION_FAILED", "401",
        "Zoho CRM could not authenticate the request",
        "no token, or an unusable one (Zoho spells this code both AUTHENTICATION_FAILED and AUTHENTICATION_FAILURE; either may come instead of INVALID_TOKEN)",
        "refresh the token once (--force-refresh); check the Authorization header carries the token after `Zoho-oauthtoken`"),
}

impl ZohoCode {
    /// Finds the code Zoho sent, by service (the same text could mean different things).
    pub fn from_wire(service: Service, wire: &str) -> Option<ZohoCode> {
        ZohoCode::ALL.iter().copied().find(|code| {
            let entry = code.entry();
            entry.service == service && entry.wire.eq_ignore_ascii_case(wire)
        })
    }

    /// Finds a code by its text alone, for `explain CODE`.
    pub fn find(wire: &str) -> Vec<ZohoCode> {
        ZohoCode::ALL
            .iter()
            .copied()
            .filter(|code| code.entry().wire.eq_ignore_ascii_case(wire.trim()))
            .collect()
    }

    pub fn wire(self) -> &'static str {
        self.entry().wire
    }

    /// What the code means when it answers a grant-code exchange (`grant_type=authorization_code`,
    /// as `connect` sends) rather than a refresh: there `invalid_code` names the grant code, not
    /// a revoked refresh token. Other codes read the same either way.
    pub fn grant_entry(self) -> Entry {
        match self {
            ZohoCode::InvalidCode => Entry {
                diagnosis: "the grant code was already used or has expired",
                cause: "a grant code works once and lives a few minutes (a Self Client's 3 to 10, the redirect flow's about two); or it was issued by another data centre or for another client",
                fix: "generate a new code (Self Client: API console → Self Client → Generate Code; server-based: open the authorisation URL again) and run connect within its lifetime; check --dc is the data centre the code came from",
                ..self.entry()
            },
            _ => self.entry(),
        }
    }
}

/// A Zoho error as one check met it: the catalogue's entry when the code is known, and
/// always Zoho's own code, message and status, so an unknown code still says something.
#[derive(Debug, Clone)]
pub struct ZohoError {
    pub service: Service,
    pub http_status: u16,
    pub wire_code: String,
    pub message: Option<String>,
    pub known: Option<ZohoCode>,
}

impl ZohoError {
    pub fn new(
        service: Service,
        http_status: u16,
        wire_code: &str,
        message: Option<String>,
    ) -> Self {
        ZohoError {
            service,
            http_status,
            known: ZohoCode::from_wire(service, wire_code),
            wire_code: wire_code.to_owned(),
            message,
        }
    }

    /// One line: the code, status and Zoho's message, then what it means.
    pub fn describe(&self) -> String {
        let said = match &self.message {
            Some(message) if !message.is_empty() => format!(" \"{message}\""),
            _ => String::new(),
        };
        match self.known {
            Some(code) => format!(
                "{} answered {} (HTTP {}){}: {}",
                self.service,
                self.wire_code,
                self.http_status,
                said,
                code.entry().diagnosis
            ),
            None => format!(
                "{} answered {} (HTTP {}){}, a code zoho-doctor does not know",
                self.service, self.wire_code, self.http_status, said
            ),
        }
    }

    pub fn hint(&self) -> String {
        match self.known {
            Some(code) => {
                let entry = code.entry();
                format!("{} (likely cause: {})", entry.fix, entry.cause)
            }
            None => format!(
                "zoho-doctor does not know `{}` (HTTP {}): Zoho's own message above is the best lead; run with -v for the redacted exchange",
                self.wire_code, self.http_status
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_all_its_text() {
        for code in ZohoCode::ALL {
            let entry = code.entry();
            assert!(!entry.wire.is_empty());
            assert!(!entry.diagnosis.is_empty(), "{:?}", code);
            assert!(!entry.cause.is_empty(), "{:?}", code);
            assert!(!entry.fix.is_empty(), "{:?}", code);
        }
    }

    #[test]
    fn codes_are_unique_within_a_service() {
        for (i, a) in ZohoCode::ALL.iter().enumerate() {
            for b in &ZohoCode::ALL[i + 1..] {
                let (a, b) = (a.entry(), b.entry());
                assert!(
                    !(a.service == b.service && a.wire.eq_ignore_ascii_case(b.wire)),
                    "{} twice in {}",
                    a.wire,
                    a.service
                );
            }
        }
    }

    #[test]
    fn lookup_is_by_service_and_ignores_case() {
        assert_eq!(
            ZohoCode::from_wire(Service::Accounts, "INVALID_CODE"),
            Some(ZohoCode::InvalidCode)
        );
        assert_eq!(ZohoCode::from_wire(Service::Desk, "invalid_code"), None);
    }

    #[test]
    fn a_grant_code_reads_invalid_code_as_used_or_expired() {
        let grant = ZohoCode::InvalidCode.grant_entry();
        let refresh = ZohoCode::InvalidCode.entry();
        assert_eq!(grant.wire, refresh.wire);
        assert!(
            grant
                .diagnosis
                .contains("grant code was already used or has expired")
        );
        assert!(grant.fix.starts_with("generate a new code"));
        assert_ne!(grant.diagnosis, refresh.diagnosis);
        assert_ne!(grant.fix, refresh.fix);
        // Codes without a grant wording read the same in both.
        let redirect = ZohoCode::InvalidRedirectUri;
        assert_eq!(redirect.grant_entry().fix, redirect.entry().fix);
        assert_eq!(
            ZohoCode::from_wire(Service::Accounts, "invalid_redirect_uri"),
            Some(redirect)
        );
    }

    #[test]
    fn unknown_code_keeps_zohos_message_and_status() {
        let error = ZohoError::new(Service::Crm, 418, "TEAPOT", Some("short and stout".into()));
        let text = error.describe();
        assert!(
            text.contains("TEAPOT") && text.contains("418") && text.contains("short and stout")
        );
    }
}
