//! `scopes`: the granted scopes cover the required ones, by Zoho's rules (`ALL` covers the
//! operations, a parent covers its children, case does not matter). Each missing scope is named
//! exactly as it must be re-granted. When the granted scopes are unknown (no `scope` in the
//! token answer, none stored), a probe call decides instead of passing blindly.

use super::{CheckContext, CheckKind, Fact, OptionDoc, Options, Outcome, Verdict};
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
        about: "the scopes the pipeline needs (default: the app's profile scopes)",
    }];
    const APP: Option<App> = None;
    const NEEDS: &'static [Fact] = &[];
    const PROVIDES: &'static [Fact] = &[];

    fn from_options(options: &mut Options<'_>) -> Option<Self> {
        let require = match options.text_list("require") {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{
        Facts, Status,
        facts::{GrantedScopes, ScopeSource},
        testing::*,
    };

    fn require(names: &[&str]) -> ScopesCheck {
        ScopesCheck {
            require: names
                .iter()
                .map(|name| Scope::parse_required(name).expect("a scope"))
                .collect(),
        }
    }

    fn required_names(check: &ScopesCheck) -> Vec<&str> {
        check.require.iter().map(Scope::as_str).collect()
    }

    /// Runs with these granted scopes and nothing else: the judgement needs no call.
    async fn judge(check: &ScopesCheck, granted_scopes: GrantedScopes) -> Verdict {
        let facts = Facts {
            granted_scopes: Some(granted_scopes),
            ..Facts::default()
        };
        check
            .run(&context(offline_env(App::Desk), Some(row("ada")), facts))
            .await
    }

    #[test]
    fn without_require_a_pipeline_needs_its_apps_profile_scopes() {
        let desk = configure::<ScopesCheck>("check: {}\n", Some(App::Desk))
            .0
            .unwrap();
        assert_eq!(
            required_names(&desk),
            ["Desk.basic.READ", "Desk.settings.READ"]
        );
        let crm = configure::<ScopesCheck>("check: {}\n", Some(App::Crm))
            .0
            .unwrap();
        assert_eq!(required_names(&crm), ["ZohoCRM.settings.profiles.READ"]);
        let unknown_app = configure::<ScopesCheck>("check: {}\n", None).0.unwrap();
        assert_eq!(
            required_names(&unknown_app),
            ["Desk.basic.READ", "Desk.settings.READ"]
        );
    }

    #[test]
    fn a_required_list_is_taken_as_written() {
        let (check, problems) = configure::<ScopesCheck>(
            "check:\n  require: [ZohoCRM.org.READ, Desk.settings.ALL]\n",
            Some(App::Desk),
        );
        assert_eq!(
            required_names(&check.unwrap()),
            ["ZohoCRM.org.READ", "Desk.settings.ALL"]
        );
        assert!(problems.is_empty());
    }

    #[test]
    fn a_list_whose_items_do_not_read_is_not_called_empty() {
        let (_, problems) = configure::<ScopesCheck>(
            "check:\n  require:\n    - any_of: [Desk.basic.READ]\n",
            Some(App::Desk),
        );
        assert_eq!(
            problems.iter().map(located).collect::<Vec<_>>(),
            ["3:7 `require` must be text, not a mapping"]
        );
    }

    #[test]
    fn an_empty_require_is_a_located_problem_with_a_fix() {
        let (_, problems) = configure::<ScopesCheck>("check:\n  require: []\n", Some(App::Desk));
        assert_eq!(
            problems.iter().map(located).collect::<Vec<_>>(),
            ["2:12 `require` is empty"]
        );
        assert_eq!(
            problems[0].fix.as_deref(),
            Some("list the scopes the pipeline needs, or remove the check")
        );
    }

    #[test]
    fn each_malformed_scope_is_a_problem_at_its_own_place() {
        let (check, problems) = configure::<ScopesCheck>(
            "check:\n  require: [Desk.settings, Desk.settings.LOOK, Desk.basic.READ]\n",
            Some(App::Desk),
        );
        let problems: Vec<String> = problems.iter().map(located).collect();
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0].starts_with("2:13 `Desk.settings` is not a Zoho scope"),
            "{}",
            problems[0]
        );
        assert!(
            problems[1].starts_with("2:28 `Desk.settings.LOOK` has operation `LOOK`"),
            "{}",
            problems[1]
        );
        assert_eq!(required_names(&check.unwrap()), ["Desk.basic.READ"]);
    }

    #[tokio::test]
    async fn granted_scopes_that_cover_the_required_ones_pass_by_zohos_rules() {
        // `ALL` covers READ, and case does not matter.
        let verdict = judge(
            &require(&["Desk.basic.READ", "Desk.settings.READ"]),
            granted(
                "desk.basic.read Desk.settings.ALL",
                ScopeSource::StoredColumn,
            ),
        )
        .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        assert_eq!(
            outcome.message,
            "the granted scopes cover Desk.basic.READ, Desk.settings.READ (read from the stored scopes column)"
        );
        assert_eq!(
            outcome.details,
            [(
                "granted".to_owned(),
                "desk.basic.read, Desk.settings.ALL".to_owned()
            )]
        );
        assert!(discovered(&verdict).is_empty());
    }

    #[tokio::test]
    async fn a_parent_scope_covers_its_children() {
        let verdict = judge(
            &require(&["ZohoCRM.settings.profiles.READ"]),
            granted("ZohoCRM.settings.ALL", ScopeSource::TokenAnswer),
        )
        .await;
        assert_eq!(
            verdict.outcome.status,
            Status::Pass,
            "{}",
            verdict.outcome.message
        );
    }

    #[tokio::test]
    async fn a_missing_scope_fails_with_the_exact_re_grant() {
        let verdict = judge(
            &require(&["Desk.basic.READ", "Desk.settings.READ"]),
            granted("Desk.basic.READ Desk.tickets.ALL", ScopeSource::TokenAnswer),
        )
        .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.message,
            "missing scope Desk.settings.READ; granted: Desk.basic.READ, Desk.tickets.ALL (read from the token answer)"
        );
        assert_eq!(
            outcome.hint.as_deref(),
            Some(
                "re-authorise with scope Desk.settings.READ added — the consent must list every scope again: scope=Desk.basic.READ,Desk.tickets.ALL,Desk.settings.READ"
            )
        );
        assert_eq!(outcome.code.as_deref(), Some("missing_scope"));
    }

    #[tokio::test]
    async fn several_missing_scopes_are_all_named() {
        let verdict = judge(
            &require(&["Desk.basic.READ", "Desk.settings.READ"]),
            granted("", ScopeSource::StoredColumn),
        )
        .await;
        assert_eq!(
            verdict.outcome.message,
            "missing scopes Desk.basic.READ, Desk.settings.READ; granted: (none) (read from the stored scopes column)"
        );
        assert!(
            verdict
                .outcome
                .hint
                .as_deref()
                .unwrap()
                .ends_with("scope=Desk.basic.READ,Desk.settings.READ")
        );
    }

    #[tokio::test]
    async fn unknown_scopes_and_no_token_warn_instead_of_passing() {
        let verdict = require(&["Desk.settings.READ"])
            .run(&context(
                offline_env(App::Desk),
                Some(row("ada")),
                Facts::default(),
            ))
            .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Warn);
        assert_eq!(
            outcome.message,
            "the granted scopes are unknown (no `scope` in the token answer and no stored scopes column), and there is no token to probe with"
        );
        assert!(
            outcome
                .hint
                .as_deref()
                .unwrap()
                .starts_with("store the token answer's `scope`")
        );
    }

    #[tokio::test]
    async fn unknown_scopes_are_probed_and_an_allowed_call_only_warns() {
        // The token lacks Desk.settings.READ, but /organizations lets Desk.basic.READ in: a probe
        // can refute a scope, never confirm them all.
        let sim = simulator().await;
        let mut ctx = row_context(
            sim_env(&sim, App::Desk),
            connection_of(seed(&sim, "missing-scope")),
        );
        assert!(
            ctx.facts.granted_scopes.is_none(),
            "missing-scope stores no scopes"
        );
        ctx.facts.token = Some(fresh_token(&ctx).await);
        let verdict = require(&["Desk.basic.READ", "Desk.settings.READ"])
            .run(&ctx)
            .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Warn);
        assert!(
            outcome.message.ends_with(
                "; a probe call was allowed, but that cannot confirm every one of Desk.basic.READ, Desk.settings.READ"
            ),
            "{}",
            outcome.message
        );
        assert!(
            outcome.evidence[0].contains("/api/v1/organizations → 200"),
            "{:?}",
            outcome.evidence
        );
        assert_eq!(sim.requests("/desk"), 1);
    }

    #[tokio::test]
    async fn a_crm_probe_refused_for_scope_fails_with_zohos_code() {
        let sim = simulator().await;
        let mut ctx = row_context(
            sim_env(&sim, App::Crm),
            connection_of(seed(&sim, "crm-scope-mismatch")),
        );
        ctx.facts.token = Some(stored_token(seed(&sim, "crm-scope-mismatch")));
        let verdict = require(&["ZohoCRM.settings.profiles.READ"]).run(&ctx).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.message.ends_with(
                "; a probe call was refused with OAUTH_SCOPE_MISMATCH, so at least one of ZohoCRM.settings.profiles.READ is missing"
            ),
            "{}",
            outcome.message
        );
        assert_eq!(
            outcome.hint.as_deref(),
            Some("re-authorise with scope ZohoCRM.settings.profiles.READ included")
        );
        assert_eq!(outcome.code.as_deref(), Some("OAUTH_SCOPE_MISMATCH"));
    }

    #[tokio::test]
    async fn a_probe_refused_for_another_reason_reports_that_reason() {
        let sim = simulator().await;
        let mut ctx = row_context(
            sim_env(&sim, App::Desk),
            connection_of(seed(&sim, "desk-invalid-oauth")),
        );
        ctx.facts.granted_scopes = None;
        ctx.facts.token = Some(stored_token(seed(&sim, "desk-invalid-oauth")));
        let verdict = require(&["Desk.basic.READ"]).run(&ctx).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome
                .message
                .contains("; the probe call: desk answered INVALID_OAUTH (HTTP 401)"),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.code.as_deref(), Some("INVALID_OAUTH"));
    }
}
