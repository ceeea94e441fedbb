//! `scopes`: the granted scopes meet the required ones, by Zoho's rules (`ALL` covers the
//! operations, a parent covers its children, case does not matter). A requirement is one scope
//! or `{any_of: [...]}` alternatives, as Zoho's OpenAPI specs list an endpoint's scopes. Each
//! unmet requirement is named with its alternatives. When the granted scopes are unknown (no
//! `scope` in the token answer, none stored), a probe call decides instead of passing blindly.

use super::{CheckContext, CheckKind, Fact, OptionDoc, Options, Outcome, Shared, Verdict};
use crate::store::Field;
use crate::zoho::{
    App,
    catalogue::ZohoCode,
    crm, desk,
    http::Reading,
    scopes::{self, Requirement, Scope},
};

#[derive(Debug, Clone)]
pub struct ScopesCheck {
    pub require: Vec<Requirement>,
}

impl CheckKind for ScopesCheck {
    const NAME: &'static str = "scopes";
    const ABOUT: &'static str = "the granted scopes meet the required ones (ALL covers READ…, a parent covers its children, `any_of` takes any one); names each missing scope";
    const OPTIONS: &'static [OptionDoc] = &[OptionDoc {
        name: "require",
        about: "the scopes the pipeline needs, each a scope or `{any_of: [...]}` alternatives (default: what Zoho's specs list for the app's built-in checks)",
    }];
    const APP: Option<App> = None;
    const NEEDS: &'static [Fact] = &[];
    const PROVIDES: &'static [Fact] = &[];

    fn from_options(options: &mut Options<'_>) -> Option<Self> {
        let require = match options.alternatives_list("require") {
            Some(list) => {
                if list.written == 0 {
                    options.problem(
                        list.at,
                        "`require` is empty",
                        Some("list the scopes the pipeline needs, or remove the check".to_owned()),
                    );
                }
                list.items
                    .iter()
                    .filter_map(|any_of| {
                        let parsed: Vec<Scope> = any_of
                            .iter()
                            .filter_map(|scope| match Scope::parse_required(&scope.value) {
                                Ok(parsed) => Some(parsed),
                                Err(why) => {
                                    options.problem(scope.at, why.to_string(), None);
                                    None
                                }
                            })
                            .collect();
                        // One malformed alternative drops the requirement: a narrower one
                        // would fail tokens the file means to accept.
                        (parsed.len() == any_of.len())
                            .then_some(parsed)
                            .and_then(Requirement::any_of)
                    })
                    .collect()
            }
            None => default_requirements(options.app),
        };
        Some(ScopesCheck { require })
    }

    async fn run(&self, ctx: &CheckContext) -> Verdict {
        let required = alternatives(self.require.iter());
        let Some(granted) = &ctx.facts.granted_scopes else {
            return probe(ctx, &required, &first_choices(self.require.iter())).await;
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
        let missing_names = alternatives(missing.iter().copied());
        let mut all: Vec<String> = granted.scopes.iter().map(ToString::to_string).collect();
        let added = first_choices(missing.iter().copied());
        all.extend(added.iter().cloned());
        Outcome::fail(format!(
            "missing scope{} {missing_names}; granted: {granted_names} (read from {})",
            if missing.len() == 1 { "" } else { "s" },
            granted.source.describe()
        ))
        .hint(format!(
            "re-authorise with scope {} added — the consent must list every scope again: scope={}",
            added.join(", "),
            all.join(",")
        ))
        .code("missing_scope")
        .verdict()
    }
}

/// What Zoho's OpenAPI specs list for the endpoints the app's built-in checks call, when
/// `require` is not given: Desk `/organizations` and `/myinfo`; CRM `/settings/profiles`.
fn default_requirements(app: Option<App>) -> Vec<Requirement> {
    let lists: &[&[&str]] = match app {
        Some(App::Crm) => &[&[
            "ZohoCRM.settings.profiles.READ",
            "ZohoCRM.settings.profiles.ALL",
        ]],
        Some(App::Desk) | None => &[
            &[
                "Desk.basic.READ",
                "Desk.organization.READ",
                "Desk.settings.READ",
            ],
            &["Desk.basic.READ", "Desk.settings.READ"],
        ],
    };
    lists
        .iter()
        .filter_map(|any_of| {
            let parsed = any_of
                .iter()
                .filter_map(|name| Scope::parse_required(name).ok())
                .collect();
            Requirement::any_of(parsed)
        })
        .collect()
}

/// `Desk.basic.READ or Desk.settings.READ, ZohoCRM.org.ALL`.
fn alternatives<'a>(requirements: impl Iterator<Item = &'a Requirement>) -> String {
    let names: Vec<String> = requirements.map(ToString::to_string).collect();
    if names.is_empty() {
        "(none)".to_owned()
    } else {
        names.join(", ")
    }
}

/// The first alternative of each requirement, each named once: what a re-grant asks for.
fn first_choices<'a>(requirements: impl Iterator<Item = &'a Requirement>) -> Vec<String> {
    let mut firsts: Vec<String> = Vec::new();
    for requirement in requirements {
        let first = requirement.first().as_str();
        if !firsts.iter().any(|seen| seen.eq_ignore_ascii_case(first)) {
            firsts.push(first.to_owned());
        }
    }
    firsts
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
async fn probe(ctx: &CheckContext, required: &str, firsts: &[String]) -> Verdict {
    let store = &ctx.env.settings.store;
    let unknown = if store.has(Field::Scopes) {
        "the granted scopes are unknown (no `scope` in the token answer and no stored scopes column)"
    } else {
        "the granted scopes are unknown (no `scope` in the token answer, and the store keeps none)"
    };
    let token = match ctx.token() {
        Ok(token) => token,
        Err(_) => {
            return Outcome::warn(format!("{unknown}, and there is no token to probe with"))
                .hint(store.scopes_advice())
                .verdict();
        }
    };
    let (url, reading) = match ctx.env.app {
        App::Desk => {
            let asked = ctx.desk_organizations(&token.token).await;
            let answer = match asked.answer {
                Ok(answer) => answer,
                Err(error) => return Outcome::http_error("scope probe", &error).verdict(),
            };
            (
                Shared::summary(&answer),
                desk::list_items(&answer).map(|_| ()),
            )
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
        // A store with a scopes column could hold them: a WARN with where to keep them. A store
        // without one cannot, so the probe is the check, said once in the message.
        Reading::Data(()) if store.has(Field::Scopes) => Outcome::warn(format!(
            "{unknown}; a probe call was allowed, but that cannot confirm every one of {required}"
        ))
        .hint(store.scopes_advice())
        .evidence(url)
        .verdict(),
        Reading::Data(()) => Outcome::pass(format!(
            "a probe call for {required} was allowed; {}",
            store.scopes_advice()
        ))
        .evidence(url)
        .verdict(),
        Reading::Rejected(error)
            if matches!(
                error.known,
                Some(ZohoCode::DeskScopeMismatch | ZohoCode::CrmOauthScopeMismatch)
            ) =>
        {
            Outcome::fail(format!(
                "{unknown}; a probe call was refused with {}, so the grant does not meet {required}",
                error.wire_code
            ))
            .hint(format!("re-authorise with scope {} included", firsts.join(", ")))
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

#[cfg(test)]
#[path = "scopes_tests.rs"]
mod tests;
