//! The exchange of a grant code at the data centre's accounts server, read as Zoho answers it:
//! an `error` key (HTTP 200) is diagnosed through the catalogue's grant wording
//! (`invalid_code` means used or expired here, not a revoked refresh token), and an answer
//! without a `refresh_token` is a failure with its own fix — nothing is stored for either.

use secrecy::SecretString;

use crate::zoho::{
    catalogue::ZohoError,
    http::ZohoHttp,
    oauth::{self, ClientCredentials, MintedToken, RefreshAnswer},
};

/// A successful exchange: an access token and the refresh token to store.
pub struct Granted {
    pub minted: MintedToken,
    pub refresh_token: SecretString,
}

/// Why the exchange gave nothing to store, as the lines to print.
pub enum Refused {
    /// Zoho answered: an error, or no refresh token (exit 1).
    Zoho(String),
    /// Zoho could not be reached or its answer not read (exit 2).
    Unreached(String),
}

/// What an error code means when it answers a grant code: the catalogue's grant wording
/// (`invalid_code` is a used or expired code here), so `explain` and `connect` agree.
fn diagnose(error: &ZohoError) -> String {
    let (diagnosis, fix) = match error.known {
        Some(code) => {
            let entry = code.grant_entry();
            (
                entry.diagnosis.to_owned(),
                format!("{} (likely cause: {})", entry.fix, entry.cause),
            )
        }
        None => (error.describe(), error.hint()),
    };
    format!(
        "Zoho refused the grant code: {} (HTTP {}): {diagnosis}\n  fix: {fix}",
        error.wire_code, error.http_status
    )
}

/// The signed-in user's email from `/oauth/user/info` (the SDKs' `user_name`), or why not.
pub async fn user_email(
    http: &ZohoHttp,
    accounts_base: &str,
    token: &crate::zoho::AccessToken,
) -> Result<String, String> {
    let url = format!("{accounts_base}/oauth/user/info");
    let answer = http
        .get(&url, token, &[])
        .await
        .map_err(|error| error.to_string())?;
    match oauth::read_user_info(answer.status, &answer.body) {
        oauth::UserInfoAnswer::Found(info) => info
            .email
            .ok_or_else(|| "user info gave no email".to_owned()),
        oauth::UserInfoAnswer::Rejected(error) => Err(error.describe()),
        oauth::UserInfoAnswer::Unreadable(why) => Err(why),
    }
}

/// Exchanges `code` at `accounts_base` with `client` (and the redirect URI of a server-based
/// client's authorisation request).
pub async fn exchange(
    http: &ZohoHttp,
    accounts_base: &str,
    client: &ClientCredentials,
    code: &SecretString,
    redirect_uri: Option<&str>,
) -> Result<Granted, Refused> {
    let (answer, _) = oauth::exchange_code(http, accounts_base, client, code, redirect_uri)
        .await
        .map_err(|error| {
            Refused::Unreached(format!(
                "the accounts server could not be reached: {error}; the code may still be unused: retry within its lifetime"
            ))
        })?;
    match answer.answer {
        RefreshAnswer::Rejected(error) => Err(Refused::Zoho(diagnose(&error))),
        RefreshAnswer::Unreadable(why) => Err(Refused::Unreached(format!(
            "{why}; run with -v to see the (redacted) answer, and check ZOHO_ACCOUNTS_URL and any proxy"
        ))),
        RefreshAnswer::Minted(minted) => match answer.refresh_token {
            Some(refresh_token) => Ok(Granted {
                minted,
                refresh_token,
            }),
            None => Err(Refused::Zoho(
                "Zoho exchanged the code but sent no refresh_token: the grant has no offline access, so the connection would die with this access token within the hour; nothing was stored\n  fix: request the code with access_type=offline (and prompt=consent when the user granted before: a re-grant without it brings no refresh token), or revoke the app's old grant at accounts.zoho.com → Connected Apps and authorise again; a Self Client code always carries one".to_owned(),
            )),
        },
    }
}
