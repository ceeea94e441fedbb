//! `scopes`: the granted scopes cover the required ones, by Zoho's rules (`ALL` covers the
//! operations, a parent covers its children, case does not matter). Each missing scope is named
//! exactly as it must be re-granted. When the granted scopes are unknown (no `scope` in the
//! token answer, none stored), a probe call decides instead of passing blindly.

use super::{CheckKind, Fact, OptionDoc, Options, CheckContext, Outcome, Verdict};
use crate::zoho::{
    App,
    catalogue::ZohoCode,
    crm, desk,
    http::Reading,
    scopes::{self, Scope},
};

#[derive(Debug, Clone)]
pub struct ScopesCheck {
    pub require: Vec<Scope>,
}

impl CheckKind for ScopesCheck {
    const NAME: &'static str = "scopes";
    const ABOUT: &'static str = "the granted scopes cover the required ones (ALL covers READ…, a parent covers its children); names each missing scope";
    const OPTIONS: &'static [OptionDoc] = &[OptionDoc {
        name: "require",
        about: "the scopes the pipeline needs; an item may be `any_of: [A, B]` (default: the app's profile scopes)",
    }];
    const APP: Option<App> = None;
    const NEEDS: &'static [Fact] = &[];
    const PROVIDES: &'static [Fact] = &[];

    fn from_options(options: &mut Options<'_>) -> Option<Self> {
        let require = match options.text_list("require") {
            Some((at, list)) => {
                if list.is_empty() {
                    options.problem(
                        at,
                        "`require` is empty",
                        Some("list the scopes the pipeline needs, or remove the check".to_owned()),
                    );
                }
                list.iter()
                    .filter_map(|scope| match Scope::parse_required(&scope.value) {
                        Ok(parsed) => Some(parsed),
                        Err(why) => {
                            options.problem(scope.at, why.to_string(), None);
                            None
                        }
                    })
                    .collect()
            }
            None => default_scopes(options.app),
        };
        Some(ScopesCheck { require })
    }
    async fn run(&self, ctx: &CheckContext) -> Verdict {
        let required = names(self.require.iter());
        let Some(granted) = &ctx.facts.granted_scopes else {
            return probe(ctx, &required).await;
        };
        let missing = scopes::missing(&self.require, &granted.scopes);
        let granted_names = names(granted.scopes.iter());
        if missing.is_empty() {
            return Outcome::pass(format!(
                "the granted scopes cover {required} (read from {})",
                granted.source.describe()
            ))
            .detail("granted", granted_names)
            .verdict();
        }
        let missing_names = names(missing.iter().copied());
        let all: Vec<String> = granted
            .scopes
            .iter()
            .map(ToString::to_string)
            .chain(missing.iter().map(ToString::to_string))
            .collect();
        Outcome::fail(format!(
            "missing scope{} {missing_names}; granted: {granted_names} (read from {})",
            if missing.len() == 1 { "" } else { "s" },
            granted.source.describe()
        ))
        .hint(format!(
            "re-authorise with scope {missing_names} added — the consent must list every scope again: scope={}",
            all.join(",")
        ))
        .code("missing_scope")
        .verdict()
    }
}

/// The scopes a pipeline's profile checks need when `require` is not given.
fn default_scopes(app: Option<App>) -> Vec<Scope> {
    let names: &[&str] = match app {
        Some(App::Crm) => &["ZohoCRM.settings.profiles.READ"],
        Some(App::Desk) | None => &["Desk.basic.READ", "Desk.settings.READ"],
    };
    names
        .iter()
        .filter_map(|name| Scope::parse_required(name).ok())
        .collect()
}

fn names<'a>(scopes: impl Iterator<Item = &'a Scope>) -> String {
    let names: Vec<&str> = scopes.map(Scope::as_str).collect();
    if names.is_empty() {
        "(none)".to_owned()
    } else {
        names.join(", ")
    }
}

/// Granted scopes unknown: call an endpoint the required scopes guard. A scope-mismatch answer
/// proves a scope is missing; a success proves only that the call is allowed.
async fn probe(ctx: &CheckContext, required: &str) -> Verdict {
    let unknown = "the granted scopes are unknown (no `scope` in the token answer and no stored scopes column)";
    let token = match ctx.token() {
        Ok(token) => token,
        Err(_) => {
            return Outcome::warn(format!("{unknown}, and there is no token to probe with"))
                .hint("store the token answer's `scope` with the connection so it can be checked")
                .verdict();
        }
    };
    let (url, reading) = match ctx.env.app {
        App::Desk => {
            let answer = match desk::get(
                &ctx.env.http,
                &ctx.desk_base(),
                "/organizations",
                &token.token,
                None,
            )
            .await
            {
                Ok(answer) => answer,
                Err(error) => return Outcome::http_error("scope probe", &error).verdict(),
            };
            (answer.summary(), desk::list_items(&answer).map(|_| ()))
        }
        App::Crm => {
            let url = format!(
                "{}/crm/{}/settings/profiles",
                ctx.api_base(),
                ctx.env.settings.api_version
            );
            let answer = match ctx.env.http.get(&url, &token.token, &[]).await {
                Ok(answer) => answer,
                Err(error) => return Outcome::http_error("scope probe", &error).verdict(),
            };
            (answer.summary(), crm::read(&answer).map(|_| ()))
        }
    };
    match reading {
        Reading::Data(()) => Outcome::warn(format!(
            "{unknown}; a probe call was allowed, but that cannot confirm every one of {required}"
        ))
        .hint("store the token answer's `scope` with the connection (or a scopes column) so coverage can be checked exactly")
        .evidence(url)
        .verdict(),
        Reading::Rejected(error)
            if matches!(
                error.known,
                Some(ZohoCode::DeskScopeMismatch | ZohoCode::CrmOauthScopeMismatch)
            ) =>
        {
            Outcome::fail(format!(
                "{unknown}; a probe call was refused with {}, so at least one of {required} is missing",
                error.wire_code
            ))
            .hint(format!("re-authorise with scope {required} included"))
            .code(error.wire_code.clone())
            .evidence(url)
            .verdict()
        }
        Reading::Rejected(error) => Outcome::zoho_error(&format!("{unknown}; the probe call"), &error)
            .evidence(url)
            .verdict(),
        Reading::Unreadable(why) => Outcome::error(format!("{unknown}; the probe answer: {why}"))
            .evidence(url)
            .verdict(),
    }
}
