//! `http`: a probe users write in YAML — one GET or HEAD on the app's service host (or on one of
//! the connection's own Zoho hosts) with the connection's token, judged by status and JSON
//! pointers, with Zoho's error bodies explained from the catalogue, required scopes checked
//! before the call as the `scopes` kind does, and values saved for later checks' `{name}`
//! templates. The request is `http_request`, the expectations `http_expect`, the templates
//! `http_template`.

use serde_json::Value;
use serde_saphyr::Location;

use super::{
    CheckContext, CheckKind, Fact, OptionDoc, Options, Outcome, Status, Verdict,
    facts::Discovery,
    http_expect::{self, ExpectSpec, Miss, Save},
    http_request::{self, Method, Refusal, RequestSpec},
    http_template::{BUILTIN_FACTS, Template},
    scopes::ScopesCheck,
};
use crate::{
    text,
    zoho::{
        App, desk,
        error_body::zoho_error,
        http::{Answer, MAX_BODY},
        oauth::{self, UserInfoAnswer},
        scopes::{Requirement, Scope},
    },
};

#[derive(Debug, Clone)]
pub struct HttpCheck {
    pub request: RequestSpec,
    pub expect: ExpectSpec,
    /// Checked against the granted scopes before the call, as the `scopes` kind does.
    pub scopes: Vec<Requirement>,
    pub save: Vec<Save>,
}

/// A found value is shown up to this many characters.
const SHOWN_VALUE: usize = 80;

impl CheckKind for HttpCheck {
    const NAME: &'static str = "http";
    const ABOUT: &'static str = "your own probe: GET or HEAD a path on the app's Zoho host with the connection's token, then judge the status and JSON pointers; Zoho's error bodies are explained from the catalogue";
    const OPTIONS: &'static [OptionDoc] = &[
        OptionDoc {
            name: "request",
            about: "`method` (GET, the default, or HEAD); `path` on the app's host (Desk: `/api/v1/…`, the orgId header added; CRM: `/crm/{api_version}/…`) or a full `url` on the connection's own Zoho hosts; `headers` (never Authorization or orgId)",
        },
        OptionDoc {
            name: "expect",
            about: "`status` (one or a list, default 200); `json`: a list of `{pointer, exists, not_empty, equals, matches, count_at_least}` (RFC 6901 pointers; `equals` also takes Zoho's string ids and flags); `zoho_error: fail` (default) or `ignore`",
        },
        OptionDoc {
            name: "save",
            about: "`{name: /pointer}`: what the answer has there becomes `{name}` for the checks that need this one",
        },
        OptionDoc {
            name: "scopes",
            about: "scopes the call needs (each a scope or `{any_of: [...]}`), checked before it as the `scopes` kind does",
        },
    ];
    const APP: Option<App> = None;
    const NEEDS: &'static [Fact] = &[Fact::Token];
    const PROVIDES: &'static [Fact] = &[];

    fn from_options(options: &mut Options<'_>) -> Option<Self> {
        let request = http_request::read(options, Location::UNKNOWN);
        let expect = http_expect::read(options);
        let save = http_expect::read_save(options);
        let scopes = read_scopes(options);
        Some(HttpCheck {
            request: request?,
            expect: expect?,
            scopes: scopes?,
            save: save?,
        })
    }

    async fn run(&self, ctx: &CheckContext) -> Verdict {
        let token = match ctx.token() {
            Ok(token) => token,
            Err(missing) => return missing.into(),
        };
        if !self.scopes.is_empty() && ctx.facts.granted_scopes.is_some() {
            let scopes = ScopesCheck {
                require: self.scopes.clone(),
            };
            let verdict = scopes.run(ctx).await;
            if verdict.outcome.status != Status::Pass {
                return verdict;
            }
        }
        let facts = match self.facts(ctx, &token.token).await {
            Ok(facts) => facts,
            Err(outcome) => return outcome.verdict(),
        };
        let value = |name: &str| {
            facts
                .iter()
                .find(|(known, _)| known == name)
                .map(|(_, value)| value.clone())
        };
        let (url, headers) = match self
            .request
            .url(ctx, &value)
            .and_then(|url| Ok((url, self.request.header_values(&value)?)))
        {
            Ok(built) => built,
            Err(refusal) => return refused(&refusal).verdict(),
        };
        let mut sent: Vec<(&str, String)> = headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.clone()))
            .collect();
        let org = ctx
            .facts
            .desk_org_id
            .as_ref()
            .filter(|_| self.request.is_desk());
        if let Some(org) = org {
            sent.push(("orgId", org.0.clone()));
        }
        let http = &ctx.env.http;
        let asked = match self.request.method {
            Method::Get => http.get(&url, &token.token, &sent).await,
            Method::Head => http.head(&url, &token.token, &sent).await,
        };
        let what = format!("{} {}", self.request.method.as_str(), self.shown_target());
        let answer = match asked {
            Ok(answer) => answer,
            Err(error) => return Outcome::http_error(&what, &error).verdict(),
        };
        let mut evidence = answer.summary();
        if let Some(org) = org {
            evidence.push_str(&format!(" (orgId {org})"));
        }
        self.judge(ctx, &what, &answer, evidence, &value)
    }
}

/// What `zoho-doctor list` says of the `http` kind beyond its table row: each option, and the
/// facts its templates may name.
pub fn guide() -> String {
    let mut out = String::from("\nThe `http` kind (README \"Your own checks\"):\n");
    for option in HttpCheck::OPTIONS {
        out.push_str(&format!("  {}: {}\n", option.name, option.about));
    }
    out.push_str("Facts `{name}` templates may use (in path, url, header values and `equals`; `{{` is a literal `{`; never in `matches`, never in text `${ENV}` produced):\n");
    for (name, about) in BUILTIN_FACTS {
        out.push_str(&format!("  {{{name}}}: {about}\n"));
    }
    out.push_str("  {name}: what a check this one `needs` (directly or not) saved with `save: {name: /pointer}`\n");
    out.push_str(
        "A fact not known at run time skips the check, naming it. There is no `{access_token}`.\n",
    );
    out
}

/// `scopes:` read as the `scopes` kind reads `require:`.
fn read_scopes(options: &mut Options<'_>) -> Option<Vec<Requirement>> {
    let Some(list) = options.alternatives_list("scopes") else {
        return Some(Vec::new());
    };
    let mut ok = list.written == list.items.len();
    let mut require = Vec::new();
    for any_of in &list.items {
        let mut parsed = Vec::new();
        for scope in any_of {
            match Scope::parse_required(&scope.value) {
                Ok(scope) => parsed.push(scope),
                Err(why) => {
                    options.problem(scope.at, why.to_string(), None);
                    ok = false;
                }
            }
        }
        require.extend(Requirement::any_of(parsed));
    }
    ok.then_some(require)
}

/// Why the call was not made, as an outcome.
fn refused(refusal: &Refusal) -> Outcome {
    match refusal {
        Refusal::Unknown(name) => skip_unknown(name),
        Refusal::OtherDataCentre(url_dc, own) => Outcome::fail(format!(
            "the `url` is on a {} host, but this connection lives in {}: its token is never sent to another data centre",
            url_dc.code(),
            own.code()
        ))
        .hint("use `path` (the connection's own host is picked for you), or a URL on this connection's data centre")
        .code("other_data_centre"),
        Refusal::ControlInHeader(name) => Outcome::error(format!(
            "a fact put a control character into header `{name}`; the request was not sent"
        )),
    }
}

/// A fact a template names is not known for this connection: the check cannot run.
fn skip_unknown(name: &str) -> Outcome {
    let about = BUILTIN_FACTS
        .iter()
        .find(|(builtin, _)| *builtin == name)
        .map_or_else(
            || "saved by a check this one needs".to_owned(),
            |(_, about)| (*about).to_owned(),
        );
    Outcome::skip(format!(
        "needs `{{{name}}}` ({about}), which is not known for this connection"
    ))
}

impl HttpCheck {
    /// Every template of the check: the request's, then each `equals` text.
    pub fn templates(&self) -> impl Iterator<Item = &Template> {
        self.request
            .templates()
            .chain(self.expect.json.iter().flat_map(|rule| rule.templates()))
    }

    /// The names the check's templates use, each with where it is written.
    pub fn uses(&self) -> Vec<(&str, Location)> {
        self.templates()
            .flat_map(|template| template.names().map(move |name| (name, template.at)))
            .collect()
    }

    fn shown_target(&self) -> String {
        match &self.request.target {
            http_request::Target::Path { path, .. } => path.shown(),
            http_request::Target::Url { rest, .. } => rest.shown(),
        }
    }

    /// The values of the facts the templates use; a fact that cannot be known skips the check.
    async fn facts(
        &self,
        ctx: &CheckContext,
        token: &crate::zoho::AccessToken,
    ) -> Result<Vec<(String, String)>, Outcome> {
        let mut values: Vec<(String, String)> = Vec::new();
        for (name, _) in self.uses() {
            if values.iter().any(|(known, _)| known == name) {
                continue;
            }
            let value = match name {
                "desk_org_id" => ctx.facts.desk_org_id.as_ref().map(|id| id.0.clone()),
                "portal" => ctx
                    .facts
                    .desk_portal
                    .as_ref()
                    .map(|portal| portal.0.clone()),
                "user" => Some(ctx.user.clone()),
                "dc" => Some(ctx.dc().code().to_owned()),
                "api_version" => Some(ctx.env.settings.api_version.clone()),
                "zuid" => zuid(ctx, token).await,
                "crm_org_id" => crm_org_id(ctx, token).await,
                saved => ctx.facts.saved(saved).map(str::to_owned),
            };
            match value {
                Some(value) => values.push((name.to_owned(), value)),
                None => return Err(skip_unknown(name)),
            }
        }
        Ok(values)
    }

    fn judge(
        &self,
        ctx: &CheckContext,
        what: &str,
        answer: &Answer,
        evidence: String,
        fact: &dyn Fn(&str) -> Option<String>,
    ) -> Verdict {
        let status = answer.status;
        let expected_status = self.expect.status.contains(&status);
        if self.expect.zoho_error_fails
            && let Some(error) = zoho_error(answer)
        {
            return Outcome::zoho_error(what, &error)
                .evidence(format!("{evidence}: {}", error.wire_code))
                .verdict();
        }
        if !expected_status {
            let wanted: Vec<String> = self.expect.status.iter().map(u16::to_string).collect();
            let outcome = if self.request.is_desk() && desk::wrong_region(answer) {
                Outcome::fail(format!("{what}: {}", desk::WRONG_REGION))
                    .hint(desk::WRONG_REGION_FIX)
                    .code("wrong_region")
            } else if status >= 500 {
                Outcome::error(format!(
                    "{what} answered HTTP {status} without Zoho's error body (a proxy or an outage answered, not the API)"
                ))
                .hint("retry later; run with -v to see the exchange")
            } else {
                Outcome::fail(format!(
                    "{what} answered HTTP {status}; expected {}",
                    wanted.join(" or ")
                ))
                .hint("run with -v to see the answer; fix the path, the `status` expected or the connection")
                .code("unexpected_status")
            };
            return outcome
                .evidence(format!("{evidence}: {}", clip_body(ctx, answer)))
                .verdict();
        }
        // Nothing to point into: a HEAD, or 204 (Desk's empty list), which `status` allowed.
        if self.request.method == Method::Head || status == 204 || status == 304 {
            let mut outcome = Outcome::pass(format!("{what} answered HTTP {status}"));
            if !self.expect.json.is_empty() || !self.save.is_empty() {
                outcome = outcome.detail(
                    "JSON",
                    format!(
                        "HTTP {status} has no body: the `json` expectations and `save` do not apply"
                    ),
                );
            }
            return outcome.evidence(evidence).verdict();
        }
        let body = if self.expect.json.is_empty() && self.save.is_empty() {
            Value::Null
        } else {
            match answer.json() {
                Some(body) => body,
                None => {
                    let cut = if answer.body.len() >= MAX_BODY {
                        " (cut at 1 MiB: longer than any answer this check can judge)"
                    } else {
                        ""
                    };
                    return Outcome::fail(format!(
                        "{what} answered HTTP {status}, but the body is not JSON{cut}"
                    ))
                    .hint("point `path` at a JSON API, or drop the `json` expectations and `save`")
                    .code("not_json")
                    .evidence(format!("{evidence}: {}", clip_body(ctx, answer)))
                    .verdict();
                }
            }
        };
        let mut misses: Vec<Miss> = Vec::new();
        for rule in &self.expect.json {
            match rule.judge(&body, fact) {
                Ok(found) => misses.extend(found),
                Err(name) => return skip_unknown(&name).verdict(),
            }
        }
        if !misses.is_empty() {
            let shown: Vec<String> = misses.iter().map(|miss| describe(ctx, miss)).collect();
            let mut outcome = Outcome::fail(format!(
                "{what} answered HTTP {status}, but {}",
                shown.join("; ")
            ))
            .hint("run with -v to see the answer; fix the pointer or the expectation, or what the connection can see")
            .code("expectation_failed")
            .evidence(evidence);
            for miss in &misses {
                outcome = outcome.detail(miss.pointer.clone(), describe(ctx, miss));
            }
            return outcome.verdict();
        }
        let held = self
            .expect
            .json
            .iter()
            .map(|rule| rule.tests.len())
            .sum::<usize>();
        let mut outcome = Outcome::pass(if held == 0 {
            format!("{what} answered HTTP {status}")
        } else {
            format!(
                "{what} answered HTTP {status}; {held} expectation{} held",
                if held == 1 { "" } else { "s" }
            )
        })
        .evidence(evidence);
        let mut discoveries = Vec::new();
        for save in &self.save {
            match http_expect::saved_value(&body, &save.pointer) {
                Some(value) => {
                    outcome = outcome.detail(
                        format!("saved {{{}}}", save.name),
                        shown(ctx, &Value::String(value.clone()).to_string()),
                    );
                    discoveries.push(Discovery::Saved {
                        name: save.name.clone(),
                        value,
                    });
                }
                None => {
                    outcome = outcome.detail(
                        format!("saved {{{}}}", save.name),
                        format!(
                            "nothing at {}: checks that use {{{}}} will be skipped",
                            save.pointer, save.name
                        ),
                    );
                }
            }
        }
        Verdict {
            outcome,
            discoveries,
            afterword: None,
        }
    }
}

/// A found value for a message: redacted, made safe, cut.
fn shown(ctx: &CheckContext, value: &str) -> String {
    text::echo(&ctx.env.redactor.redact(value), SHOWN_VALUE)
}

/// `/data/0/status: expected equal to "Open", found "Closed"`.
fn describe(ctx: &CheckContext, miss: &Miss) -> String {
    let found = match &miss.found {
        Some(found) => shown(ctx, found),
        None => "nothing there".to_owned(),
    };
    format!(
        "{}: expected {}, found {found}",
        miss.pointer, miss.expected
    )
}

/// The start of an answer's body, for evidence.
fn clip_body(ctx: &CheckContext, answer: &Answer) -> String {
    if answer.body.is_empty() {
        "(no body)".to_owned()
    } else {
        shown(ctx, &answer.body)
    }
}

/// The user's ZUID, from the accounts server's user info, when the grant allows asking.
async fn zuid(ctx: &CheckContext, token: &crate::zoho::AccessToken) -> Option<String> {
    let wanted = Scope::parse_required("AaaServer.profile.Read").ok()?;
    if let Some(granted) = &ctx.facts.granted_scopes
        && !granted.scopes.iter().any(|held| held.covers(&wanted))
    {
        return None;
    }
    let url = format!("{}/oauth/user/info", ctx.accounts_base());
    let answer = ctx.env.http.get(&url, token, &[]).await.ok()?;
    match oauth::read_user_info(answer.status, &answer.body) {
        UserInfoAnswer::Found(info) => info.zuid,
        UserInfoAnswer::Rejected(_) | UserInfoAnswer::Unreadable(_) => None,
    }
}

/// The CRM organisation id: the row's `org_id` in a CRM pipeline, else `GET /org`'s.
async fn crm_org_id(ctx: &CheckContext, token: &crate::zoho::AccessToken) -> Option<String> {
    if ctx.env.app == App::Crm
        && let Some(stored) = ctx.connection.as_ref().and_then(|row| row.org_id.clone())
    {
        return Some(stored);
    }
    let url = format!(
        "{}/crm/{}/org",
        ctx.api_base(),
        ctx.env.settings.api_version
    );
    let answer = ctx.env.http.get(&url, token, &[]).await.ok()?;
    let body = answer.json().filter(|_| answer.is_success())?;
    let org = body.pointer("/org/0/id")?;
    http_expect::scalar_text(org)
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
