//! `desk-profile`: the Desk profile endpoint (`/myinfo`, the current agent, by default) returns
//! data, shown as readable key fields — Name, Email, Status, … — with empty values and internal
//! ids left out, as the seed describes.

use serde_json::{Map, Value};

use super::{CheckContext, CheckKind, Fact, OptionDoc, Options, Outcome, Verdict, desk_org_id};
use crate::{
    checks::facts::Discovery,
    zoho::App,
    zoho::{desk, http::Reading},
};

#[derive(Debug, Clone)]
pub struct DeskProfileCheck {
    /// Under `/api/v1`, e.g. `/myinfo`, `/agents/{id}`, `/profiles/{id}`.
    pub path: String,
}

impl Default for DeskProfileCheck {
    fn default() -> Self {
        DeskProfileCheck {
            path: "/myinfo".to_owned(),
        }
    }
}

/// At most this many fields are shown: a profile is a summary, not a dump.
const MAX_FIELDS: usize = 12;

impl CheckKind for DeskProfileCheck {
    const NAME: &'static str = "desk-profile";
    const ABOUT: &'static str =
        "the Desk profile endpoint (/myinfo by default) returns data; shows its key fields";
    const OPTIONS: &'static [OptionDoc] = &[OptionDoc {
        name: "path",
        about: "the profile endpoint under /api/v1 (default /myinfo)",
    }];
    const APP: Option<App> = Some(App::Desk);
    const NEEDS: &'static [Fact] = &[Fact::Token];
    const PROVIDES: &'static [Fact] = &[Fact::Profile];

    fn from_options(options: &mut Options<'_>) -> Option<Self> {
        let path = match options.text("path") {
            Some(path) => {
                if !path.value.starts_with('/') || path.value.contains("://") {
                    options.problem(
                        path.at,
                        format!("{} must be a path under /api/v1", path.quoted()),
                        Some("write it like `/myinfo` or `/agents/123`".to_owned()),
                    );
                    return None;
                }
                path.value
            }
            None => DeskProfileCheck::default().path,
        };
        Some(DeskProfileCheck { path })
    }
    async fn run(&self, ctx: &CheckContext) -> Verdict {
        let token = match ctx.token() {
            Ok(token) => token,
            Err(missing) => return missing.into(),
        };
        let Some(org_id) = ctx.facts.desk_org_id.clone() else {
            return Outcome::fail("no Desk org id is known, and every Desk call but /organizations needs the orgId header")
                .hint("add a `desk-org-id` check before this one, or store desk_org_id")
                .code("no_org_id")
                .verdict();
        };
        let answer = match desk::get(
            &ctx.env.http,
            &ctx.desk_base(),
            &self.path,
            &token.token,
            Some(&org_id),
        )
        .await
        {
            Ok(answer) => answer,
            Err(error) => return Outcome::http_error("profile", &error).verdict(),
        };
        let evidence = format!("{} (orgId {org_id})", answer.summary());
        let object = match desk::object(&answer) {
            Reading::Data(object) => object,
            Reading::Rejected(error) => {
                return Outcome::zoho_error(&format!("GET {}", self.path), &error)
                    .evidence(format!("{evidence}: {}", error.wire_code))
                    .verdict();
            }
            Reading::Unreadable(why) => {
                return desk_org_id::unreadable(&format!("GET {}", self.path), &why)
                    .evidence(evidence)
                    .verdict();
            }
        };
        let fields = key_fields(&object);
        if fields.is_empty() {
            return Outcome::fail(format!("GET {} returned no profile data", self.path))
                .hint("the token's user may not be a Desk agent in this organisation; check the agent in Desk's setup")
                .code("empty_profile")
                .evidence(evidence)
                .verdict();
        }
        let headline: Vec<&str> = fields
            .iter()
            .filter(|(name, _)| matches!(name.as_str(), "Name" | "Email" | "Status"))
            .map(|(_, value)| value.as_str())
            .collect();
        let mut outcome = Outcome::pass(format!(
            "GET {} returned the profile of {}",
            self.path,
            if headline.is_empty() {
                "the agent".to_owned()
            } else {
                headline.join(", ")
            }
        ))
        .evidence(evidence);
        for (name, value) in &fields {
            outcome = outcome.detail(name.clone(), value.clone());
        }
        outcome.verdict().discover(Discovery::Profile(fields))
    }
}

/// Name, Email, Status, Subject and Owner/Agent first, then the other readable fields.
pub fn key_fields(object: &Map<String, Value>) -> Vec<(String, String)> {
    let text = |key: &str| desk::text(object, key);
    let name_of = |key: &str| match object.get(key) {
        Some(Value::Object(inner)) => desk::text(inner, "name")
            .or_else(|| desk::text(inner, "fullName"))
            .or_else(|| {
                let full = [
                    desk::text(inner, "firstName"),
                    desk::text(inner, "lastName"),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
                (!full.is_empty()).then_some(full)
            }),
        _ => text(key),
    };
    let full_name = {
        let parts: Vec<String> = [text("firstName"), text("lastName")]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    };
    let leading: [(&str, Option<String>, &[&str]); 5] = [
        (
            "Name",
            text("name")
                .or(full_name)
                .or_else(|| text("fullName"))
                .or_else(|| text("displayName")),
            &["name", "firstName", "lastName", "fullName", "displayName"],
        ),
        (
            "Email",
            text("emailId").or_else(|| text("email")),
            &["emailId", "email"],
        ),
        ("Status", text("status"), &["status"]),
        ("Subject", text("subject"), &["subject"]),
        (
            "Owner/Agent",
            name_of("owner")
                .or_else(|| name_of("assignee"))
                .or_else(|| name_of("agent")),
            &["owner", "assignee", "agent"],
        ),
    ];
    let mut shown: Vec<&str> = Vec::new();
    let mut fields = Vec::new();
    for (label, value, keys) in leading {
        shown.extend_from_slice(keys);
        if let Some(value) = value {
            fields.push((label.to_owned(), value));
        }
    }
    for (key, value) in object {
        if fields.len() >= MAX_FIELDS {
            break;
        }
        if shown.contains(&key.as_str()) || is_internal_id(key) {
            continue;
        }
        let readable = match value {
            // Zoho's examples write flags as strings.
            Value::String(s) if s == "true" || s == "false" => {
                Some(if s == "true" { "yes" } else { "no" }.to_owned())
            }
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_owned()),
            Value::Object(inner) => desk::text(inner, "name"),
            _ => None,
        };
        if let Some(readable) = readable {
            fields.push((humanise(key), readable));
        }
    }
    fields
}

/// `id`, `roleId`, `profile_id`, `departmentIds`: identifiers, not information.
fn is_internal_id(key: &str) -> bool {
    key == "id"
        || key.ends_with("Id")
        || key.ends_with("Ids")
        || key.ends_with("_id")
        || key.ends_with("ID")
}

/// `timeZone` → `Time zone`.
fn humanise(key: &str) -> String {
    let mut words = String::new();
    for (i, c) in key.chars().enumerate() {
        if c == '_' {
            words.push(' ');
        } else if c.is_uppercase() && i > 0 {
            words.push(' ');
            words.extend(c.to_lowercase());
        } else if i == 0 {
            words.extend(c.to_uppercase());
        } else {
            words.push(c);
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        checks::{Status, testing::*},
        sim::{Fault, Sim},
        zoho::DeskOrgId,
    };

    #[test]
    fn key_fields_lead_and_ids_and_empties_are_left_out() {
        let object: Map<String, Value> = serde_json::from_str(
            r#"{"id":"1","firstName":"Ada","lastName":"Lovelace","emailId":"ada@example.com",
                "status":"ACTIVE","roleId":"77","timeZone":"Europe/London","photoURL":"",
                "profile":{"name":"Administrator","id":"9"},"departmentIds":["3"]}"#,
        )
        .unwrap();
        let fields = key_fields(&object);
        assert_eq!(
            fields,
            vec![
                ("Name".to_owned(), "Ada Lovelace".to_owned()),
                ("Email".to_owned(), "ada@example.com".to_owned()),
                ("Status".to_owned(), "ACTIVE".to_owned()),
                ("Profile".to_owned(), "Administrator".to_owned()),
                ("Time zone".to_owned(), "Europe/London".to_owned()),
            ]
        );
    }

    fn path_of(yaml: &str) -> (Option<String>, Vec<String>) {
        let (check, problems) = configure::<DeskProfileCheck>(yaml, Some(App::Desk));
        (
            check.map(|check| check.path),
            problems.iter().map(located).collect(),
        )
    }

    fn at(path: &str) -> DeskProfileCheck {
        DeskProfileCheck {
            path: path.to_owned(),
        }
    }

    /// The healthy scenario: its row, its stored org id and its live token.
    fn healthy(sim: &Sim) -> CheckContext {
        scenario_context(sim, App::Desk, "healthy", |_| {})
    }

    #[tokio::test]
    async fn zohos_example_shaped_myinfo_shows_its_name_flags_profile_and_role() {
        let sim = simulator().await;
        let mut ctx = scenario_context(&sim, App::Desk, "orgs-string-flags", |_| {});
        let main = first_desk_org_id(seed(&sim, "orgs-string-flags")) + 1;
        ctx.facts.desk_org_id = Some(DeskOrgId(main.to_string()));
        let verdict = at("/myinfo").run(&ctx).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        let pair = |key: &str, value: &str| (key.to_owned(), value.to_owned());
        assert_eq!(outcome.details[0], pair("Name", "Ada Lovelace"));
        for field in [
            pair("Is confirmed", "yes"),
            pair("Profile", "Administrator"),
            pair("Role", "CEO"),
        ] {
            assert!(outcome.details.contains(&field), "{:?}", outcome.details);
        }
    }

    #[test]
    fn the_profile_path_defaults_to_myinfo_and_takes_any_path_under_the_api() {
        assert_eq!(path_of("check: {}\n"), (Some("/myinfo".to_owned()), vec![]));
        assert_eq!(
            path_of("check:\n  path: /agents/123\n"),
            (Some("/agents/123".to_owned()), vec![])
        );
    }

    #[test]
    fn a_path_that_is_not_under_the_api_is_a_located_problem_with_an_example() {
        assert_eq!(
            path_of("check:\n  path: myinfo\n"),
            (
                None,
                vec!["2:9 `path: myinfo` must be a path under /api/v1".to_owned()]
            )
        );
        let (check, problems) = configure::<DeskProfileCheck>(
            "check:\n  path: /x/https://desk.zoho.com/api/v1/myinfo\n",
            Some(App::Desk),
        );
        assert!(check.is_none(), "a URL is refused even behind a slash");
        assert_eq!(
            problems[0].fix.as_deref(),
            Some("write it like `/myinfo` or `/agents/123`")
        );
    }

    #[tokio::test]
    async fn the_agents_profile_passes_showing_its_key_fields() {
        let sim = simulator().await;
        let ctx = healthy(&sim);
        let org_id = ctx
            .facts
            .desk_org_id
            .clone()
            .expect("healthy stores its org id");
        let verdict = at("/myinfo").run(&ctx).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        assert_eq!(
            outcome.message,
            "GET /myinfo returned the profile of Ada Lovelace, healthy@example.test, ACTIVE"
        );
        let pair = |key: &str, value: &str| (key.to_owned(), value.to_owned());
        assert_eq!(
            outcome.details[..3],
            [
                pair("Name", "Ada Lovelace"),
                pair("Email", "healthy@example.test"),
                pair("Status", "ACTIVE"),
            ]
        );
        // The rest in the answer's key order; ids and empty values are left out.
        let mut rest = outcome.details[3..].to_vec();
        rest.sort();
        assert_eq!(
            rest,
            // Agent.json's example shape: nested profile and role by name, the zuid, flags.
            [
                pair("Country code", "en_US"),
                pair("Is confirmed", "yes"),
                pair("Is zia agent", "no"),
                pair("Lang code", "en_US"),
                pair("Profile", "Administrator"),
                pair("Role", "CEO"),
                pair("Role permission type", "Admin"),
                pair("Time zone", "Europe/London"),
                pair("Zuid", "7000000"),
            ]
        );
        assert!(
            outcome.evidence[0].ends_with(&format!("(orgId {org_id})")),
            "{:?}",
            outcome.evidence
        );
        assert_eq!(discovered(&verdict), ["profile"]);
        let Discovery::Profile(fields) = &verdict.discoveries[0] else {
            unreachable!("checked above");
        };
        assert_eq!(
            fields, &outcome.details,
            "the profile fact is what is shown"
        );
    }

    #[tokio::test]
    async fn without_a_token_the_check_skips_and_calls_nothing() {
        let sim = simulator().await;
        let mut ctx = healthy(&sim);
        ctx.facts.token = None;
        let verdict = at("/myinfo").run(&ctx).await;
        assert_eq!(verdict.outcome.status, Status::Skip);
        assert_eq!(
            verdict.outcome.message,
            "no usable access token: a `token-refresh` check must pass before this one"
        );
        assert_eq!(sim.requests("/desk"), 0);
    }

    #[tokio::test]
    async fn without_an_org_id_the_check_fails_before_calling_desk() {
        let sim = simulator().await;
        let mut ctx = healthy(&sim);
        ctx.facts.desk_org_id = None;
        let verdict = at("/myinfo").run(&ctx).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.message.starts_with("no Desk org id is known"),
            "{}",
            outcome.message
        );
        assert_eq!(
            outcome.hint.as_deref(),
            Some("add a `desk-org-id` check before this one, or store desk_org_id")
        );
        assert_eq!(outcome.code.as_deref(), Some("no_org_id"));
        assert_eq!(sim.requests("/desk"), 0);
    }

    #[tokio::test]
    async fn an_org_id_the_agent_lacks_fails_with_desks_org_mismatch() {
        let sim = simulator().await;
        let mut ctx = healthy(&sim);
        ctx.facts.desk_org_id = Some(DeskOrgId("60999999".to_owned()));
        let verdict = at("/myinfo").run(&ctx).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome
                .message
                .starts_with("GET /myinfo: desk answered OAUTH_ORG_MISMATCH (HTTP 403)"),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.code.as_deref(), Some("OAUTH_ORG_MISMATCH"));
        assert!(outcome.evidence[0].ends_with("(orgId 60999999): OAUTH_ORG_MISMATCH"));
        assert!(discovered(&verdict).is_empty());
    }

    #[tokio::test]
    async fn a_path_desk_does_not_have_fails_with_its_code() {
        let sim = simulator().await;
        let verdict = at("/agents/1").run(&healthy(&sim)).await;
        assert_eq!(verdict.outcome.status, Status::Fail);
        assert!(
            verdict
                .outcome
                .message
                .starts_with("GET /agents/1: desk answered URL_NOT_FOUND (HTTP 404)")
        );
        assert!(
            verdict
                .outcome
                .message
                .contains("The URL you requested could not be found."),
            "Zoho's JSON 404 (Common.json's message) is its error, not another data centre: {}",
            verdict.outcome.message
        );
        assert_eq!(verdict.outcome.code.as_deref(), Some("URL_NOT_FOUND"));
    }

    #[tokio::test]
    async fn a_desk_host_of_another_data_centre_is_that_diagnosis_not_an_unknown_code() {
        let sim = simulator().await;
        let ctx = scenario_context(&sim, App::Desk, "desk-other-dc", |_| {});
        let verdict = at("/myinfo").run(&ctx).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.message.starts_with(
                "GET /myinfo: this Desk host does not serve the organisation: it lives in another data centre"
            ),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.code.as_deref(), Some("desk_other_data_centre"));
        assert!(
            outcome
                .hint
                .as_deref()
                .unwrap()
                .starts_with("set the connection's data centre")
        );
    }

    #[tokio::test]
    async fn an_answer_that_is_not_json_is_an_error() {
        let sim = simulator().await;
        sim.set_fault("healthy", Fault::Malformed);
        let verdict = at("/myinfo").run(&healthy(&sim)).await;
        assert_eq!(verdict.outcome.status, Status::Error);
        assert_eq!(
            verdict.outcome.message,
            "GET /myinfo: expected a JSON object"
        );
    }
}
