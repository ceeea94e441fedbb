//! The authorisation URL of a data centre: `response_type=code`, the client id, the scopes the
//! pipeline requires (the first of each set of alternatives) plus `AaaServer.profile.Read`,
//! comma-separated, `access_type=offline` (else no refresh token), `prompt=consent` (else a
//! re-grant brings none either), the `redirect_uri` and a `state`.

use crate::{
    checks::CheckSpec,
    pipeline::Pipeline,
    zoho::{DataCentre, endpoints::Endpoints},
};

/// The scope user info needs (`zoho-sdk` stores the email it gives).
pub const PROFILE_SCOPE: &str = "AaaServer.profile.Read";

/// The scopes to ask for: the first alternative of each requirement of the pipeline's `scopes`
/// checks, each once, then `AaaServer.profile.Read`.
pub fn scopes(pipeline: &Pipeline) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    let firsts = pipeline.checks.iter().flat_map(|check| match &check.spec {
        CheckSpec::Scopes(scopes) => scopes
            .require
            .iter()
            .map(|requirement| requirement.first().as_str().to_owned())
            .collect(),
        _ => Vec::new(),
    });
    for scope in firsts.chain([PROFILE_SCOPE.to_owned()]) {
        if !scopes.iter().any(|seen| seen.eq_ignore_ascii_case(&scope)) {
            scopes.push(scope);
        }
    }
    scopes
}

/// `{accounts}/oauth/v2/auth?…` for `dc` under the endpoints in effect.
pub fn authorisation_url(
    endpoints: &Endpoints,
    dc: DataCentre,
    client_id: &str,
    scopes: &[String],
    redirect_uri: &str,
    state: &str,
) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("scope", &scopes.join(","))
        .append_pair("access_type", "offline")
        .append_pair("prompt", "consent")
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", state)
        .finish();
    format!("{}/oauth/v2/auth?{query}", endpoints.accounts(dc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_asks_for_offline_access_with_consent_and_every_scope() {
        let onboarding = crate::pipeline::Builtin::find("onboarding").expect("built in");
        let pipeline = onboarding.load(&|_| None).expect("loads");
        let scopes = scopes(&pipeline);
        assert_eq!(scopes, ["Desk.basic.READ", PROFILE_SCOPE]);
        let url = authorisation_url(
            &Endpoints::zoho(),
            DataCentre::Eu,
            "1000.ID",
            &scopes,
            "http://127.0.0.1:8765/callback",
            "s1",
        );
        assert!(
            url.starts_with("https://accounts.zoho.eu/oauth/v2/auth?"),
            "{url}"
        );
        for part in [
            "response_type=code",
            "client_id=1000.ID",
            "scope=Desk.basic.READ%2CAaaServer.profile.Read",
            "access_type=offline",
            "prompt=consent",
            "redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback",
            "state=s1",
        ] {
            assert!(url.contains(part), "{part} in {url}");
        }
    }
}
