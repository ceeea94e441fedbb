//! `crm-profiles`: `GET /crm/{version}/settings/profiles` returns at least one profile and
//! `GET …/settings/profiles/{id}` (a configured id, else the first) returns that profile, shown
//! by the seed's response keys. With `if_modified_since`, a 304 passes ("unchanged since …");
//! a 204 fails ("no profiles").

use serde_json::{Map, Value};

use super::{CheckContext, CheckKind, Fact, OptionDoc, Options, Outcome, Verdict};
use crate::{
    checks::facts::Discovery,
    zoho::{
        App,
        crm::{self, Body},
        desk,
        http::Reading,
        token::looks_like_numeric_id,
    },
};

#[derive(Debug, Clone, Default)]
pub struct CrmProfilesCheck {
    /// The profile to read by id; the first listed when `None`.
    pub profile_id: Option<String>,
    /// Sent as `If-Modified-Since` (RFC 3339, as Zoho's samples send it).
    pub if_modified_since: Option<String>,
}

enum Step {
    Profiles(Vec<Map<String, Value>>),
    Done(Verdict),
}

impl CrmProfilesCheck {
    async fn get(&self, ctx: &CheckContext, path: &str, what: &str) -> (Step, String) {
        let token = match ctx.token() {
            Ok(token) => token,
            Err(missing) => return (Step::Done(missing.into()), String::new()),
        };
        let url = format!(
            "{}/crm/{}{path}",
            ctx.api_base(),
            ctx.env.settings.api_version
        );
        let headers: Vec<(&str, String)> = self
            .if_modified_since
            .iter()
            .map(|since| ("If-Modified-Since", since.clone()))
            .collect();
        let answer = match ctx.env.http.get(&url, &token.token, &headers).await {
            Ok(answer) => answer,
            Err(error) => {
                return (
                    Step::Done(Outcome::http_error(what, &error).verdict()),
                    String::new(),
                );
            }
        };
        let evidence = answer.summary();
        let step = match crm::read(&answer) {
            Reading::Data(Body::Json(body)) => match body.get("profiles").and_then(Value::as_array)
            {
                Some(profiles) => Step::Profiles(
                    profiles
                        .iter()
                        .filter_map(|p| p.as_object().cloned())
                        .collect(),
                ),
                None => Step::Done(
                    Outcome::error(format!("{what}: expected {{\"profiles\": [...]}}"))
                        .evidence(evidence.clone())
                        .verdict(),
                ),
            },
            Reading::Data(Body::NoContent) => Step::Profiles(Vec::new()),
            Reading::Data(Body::NotModified) => Step::Done(
                Outcome::pass(format!(
                    "{what}: unchanged since {} (HTTP 304)",
                    self.if_modified_since
                        .as_deref()
                        .unwrap_or("the given time")
                ))
                .evidence(evidence.clone())
                .verdict(),
            ),
            Reading::Rejected(error) => Step::Done(
                Outcome::zoho_error(what, &error)
                    .evidence(format!("{evidence}: {}", error.wire_code))
                    .verdict(),
            ),
            Reading::Unreadable(why) => Step::Done(
                Outcome::error(format!("{what}: {why}"))
                    .evidence(evidence.clone())
                    .verdict(),
            ),
        };
        (step, evidence)
    }
}

impl CheckKind for CrmProfilesCheck {
    const NAME: &'static str = "crm-profiles";
    const ABOUT: &'static str = "GET /crm/{version}/settings/profiles lists a profile and the configured (or first) one reads by id; 304 with if_modified_since passes, 204 fails";
    const OPTIONS: &'static [OptionDoc] = &[
        OptionDoc {
            name: "profile_id",
            about: "the numeric profile id to read (default: the first listed)",
        },
        OptionDoc {
            name: "if_modified_since",
            about: "an RFC 3339 time sent as If-Modified-Since; 304 then passes",
        },
    ];
    const APP: Option<App> = Some(App::Crm);
    const NEEDS: &'static [Fact] = &[Fact::Token];
    const PROVIDES: &'static [Fact] = &[Fact::Profile];

    fn from_options(options: &mut Options<'_>) -> Option<Self> {
        let profile_id = match options.text("profile_id") {
            Some(id) if !looks_like_numeric_id(&id.value) => {
                options.problem(
                    id.at,
                    format!("{} is not a CRM profile id", id.quoted()),
                    Some("use the numeric id GET /settings/profiles lists, or leave it out to read the first profile".to_owned()),
                );
                return None;
            }
            Some(id) => Some(id.value),
            None => None,
        };
        let if_modified_since = match options.text("if_modified_since") {
            Some(since) if chrono::DateTime::parse_from_rfc3339(&since.value).is_err() => {
                options.problem(
                    since.at,
                    format!("{} is not an RFC 3339 time", since.quoted()),
                    Some(
                        "write it like `2026-03-19T17:59:50+05:30`, as Zoho's samples send it"
                            .to_owned(),
                    ),
                );
                return None;
            }
            Some(since) => Some(since.value),
            None => None,
        };
        Some(CrmProfilesCheck {
            profile_id,
            if_modified_since,
        })
    }
    async fn run(&self, ctx: &CheckContext) -> Verdict {
        let (list, list_evidence) = self
            .get(ctx, "/settings/profiles", "GET /settings/profiles")
            .await;
        let profiles = match list {
            Step::Profiles(profiles) => profiles,
            Step::Done(verdict) => return verdict,
        };
        if profiles.is_empty() {
            return Outcome::fail("GET /settings/profiles answered with no profiles (HTTP 204)")
                .hint("every CRM organisation has Administrator and Standard profiles: the token's user may see none, so check the user's own CRM profile and permissions")
                .code("no_profiles")
                .evidence(list_evidence)
                .verdict();
        }
        let wanted = match &self.profile_id {
            Some(id) => match profiles
                .iter()
                .find(|p| desk::text(p, "id").as_deref() == Some(id.as_str()))
            {
                Some(_) => id.clone(),
                None => {
                    let listed: Vec<String> = profiles.iter().map(label).collect();
                    return Outcome::fail(format!("profile id {id} is not among the {} listed profiles: {}", profiles.len(), listed.join("; ")))
                        .hint("set `profile_id` to one of the listed ids, or leave it out to read the first")
                        .code("unknown_profile_id")
                        .evidence(list_evidence)
                        .verdict();
                }
            },
            None => match profiles.first().and_then(|p| desk::text(p, "id")) {
                Some(id) => id,
                None => {
                    return Outcome::error("the listed profiles carry no `id`")
                        .evidence(list_evidence)
                        .verdict();
                }
            },
        };
        let path = format!("/settings/profiles/{wanted}");
        let (single, single_evidence) = self.get(ctx, &path, &format!("GET {path}")).await;
        let profile = match single {
            Step::Profiles(found) => match found.into_iter().next() {
                Some(profile) => profile,
                None => {
                    return Outcome::fail(format!("GET {path} answered with no content: the profile listed a moment ago is not readable by id"))
                        .hint("check the user's permission to read profiles (Setup > Security Control > Profiles)")
                        .code("no_profiles")
                        .evidence(list_evidence)
                        .evidence(single_evidence)
                        .verdict();
                }
            },
            Step::Done(verdict) => return verdict,
        };
        let fields = key_fields(&profile);
        let mut outcome = Outcome::pass(format!(
            "{} profile(s) listed; profile {} read by id",
            profiles.len(),
            label(&profile)
        ))
        .evidence(list_evidence)
        .evidence(single_evidence);
        for (name, value) in &fields {
            outcome = outcome.detail(name.clone(), value.clone());
        }
        outcome.verdict().discover(Discovery::Profile(fields))
    }
}

fn label(profile: &Map<String, Value>) -> String {
    let name = desk::text(profile, "display_label")
        .or_else(|| desk::text(profile, "name"))
        .unwrap_or_else(|| "(unnamed)".to_owned());
    match desk::text(profile, "id") {
        Some(id) => format!("`{name}` ({id})"),
        None => format!("`{name}`"),
    }
}

/// The seed's response keys, readable: users by name, booleans as words, nulls left out.
pub fn key_fields(profile: &Map<String, Value>) -> Vec<(String, String)> {
    let user = |key: &str| match profile.get(key) {
        Some(Value::Object(who)) => desk::text(who, "name"),
        _ => None,
    };
    let flag = |key: &str| {
        profile
            .get(key)
            .and_then(Value::as_bool)
            .map(|b| if b { "yes" } else { "no" }.to_owned())
    };
    let text = |key: &str| desk::text(profile, key);
    [
        ("Display label", text("display_label")),
        ("Name", text("name")),
        ("Description", text("description")),
        ("Category", flag("category")),
        ("Custom", flag("custom")),
        ("Created by", user("created_by")),
        ("Created time", text("created_time")),
        ("Modified by", user("modified_by")),
        ("Modified time", text("modified_time")),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|value| (name.to_owned(), value)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        checks::{Status, testing::*},
        sim::Sim,
    };

    #[test]
    fn seed_sample_profile_is_shown_readable() {
        let profile: Map<String, Value> = serde_json::from_str(
            r#"{"display_label":"Administrator","created_time":null,"modified_time":"2020-04-01T12:57:59+05:30",
                "name":"Administrator","modified_by":{"name":"Patricia Boyle","id":"4150868000000225013"},
                "description":"This profile will have all the permissions.","id":"4150868000000026011",
                "category":false,"created_by":null}"#,
        )
        .unwrap();
        assert_eq!(
            key_fields(&profile),
            vec![
                ("Display label".to_owned(), "Administrator".to_owned()),
                ("Name".to_owned(), "Administrator".to_owned()),
                (
                    "Description".to_owned(),
                    "This profile will have all the permissions.".to_owned()
                ),
                ("Category".to_owned(), "no".to_owned()),
                ("Modified by".to_owned(), "Patricia Boyle".to_owned()),
                (
                    "Modified time".to_owned(),
                    "2020-04-01T12:57:59+05:30".to_owned()
                ),
            ]
        );
    }

    /// The scenario's row with its live token, against the simulator.
    fn crm(sim: &Sim, name: &str) -> CheckContext {
        scenario_context(sim, App::Crm, name, |_| {})
    }

    /// The id of one of the three profiles `sim/scenarios.rs` gives a CRM organisation: the
    /// organisation's id (the row's `org_id`) + 11 (Administrator), 14 (Standard) or 23 (sample).
    fn profile_id(sim: &Sim, name: &str, offset: u64) -> String {
        let org: u64 = seed(sim, name).org_id.as_deref().unwrap().parse().unwrap();
        (org + offset).to_string()
    }

    fn check(profile_id: Option<&str>, if_modified_since: Option<&str>) -> CrmProfilesCheck {
        CrmProfilesCheck {
            profile_id: profile_id.map(str::to_owned),
            if_modified_since: if_modified_since.map(str::to_owned),
        }
    }

    /// `profile_id` and `if_modified_since` as configured.
    type Configured = (Option<String>, Option<String>);

    fn options(yaml: &str) -> (Option<Configured>, Vec<String>) {
        let (check, problems) = configure::<CrmProfilesCheck>(yaml, Some(App::Crm));
        (
            check.map(|check| (check.profile_id, check.if_modified_since)),
            problems.iter().map(located).collect(),
        )
    }

    #[test]
    fn by_default_the_first_profile_is_read_unconditionally() {
        assert_eq!(options("check: {}\n"), (Some((None, None)), vec![]));
    }

    #[test]
    fn a_numeric_profile_id_and_an_rfc_3339_time_are_taken() {
        assert_eq!(
            options(
                "check:\n  profile_id: 4150868000000026011\n  if_modified_since: 2026-03-19T17:59:50+05:30\n"
            ),
            (
                Some((
                    Some("4150868000000026011".to_owned()),
                    Some("2026-03-19T17:59:50+05:30".to_owned())
                )),
                vec![]
            )
        );
    }

    #[test]
    fn a_profile_name_for_an_id_is_a_located_problem() {
        assert_eq!(
            options("check:\n  profile_id: Administrator\n"),
            (
                None,
                vec!["2:15 `profile_id: Administrator` is not a CRM profile id".to_owned()]
            )
        );
    }

    #[test]
    fn a_time_that_is_not_rfc_3339_is_a_located_problem_with_an_example() {
        let (check, problems) = configure::<CrmProfilesCheck>(
            "check:\n  if_modified_since: yesterday\n",
            Some(App::Crm),
        );
        assert!(check.is_none());
        assert_eq!(
            problems.iter().map(located).collect::<Vec<_>>(),
            ["2:22 `if_modified_since: yesterday` is not an RFC 3339 time"]
        );
        assert!(
            problems[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("2026-03-19T17:59:50+05:30")
        );
    }

    #[tokio::test]
    async fn the_profiles_are_listed_and_the_first_read_by_id_with_its_key_fields() {
        let sim = simulator().await;
        let verdict = check(None, None).run(&crm(&sim, "crm-healthy")).await;
        let admin = profile_id(&sim, "crm-healthy", 11);
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        assert_eq!(
            outcome.message,
            format!("3 profile(s) listed; profile `Administrator` ({admin}) read by id")
        );
        assert_eq!(outcome.evidence.len(), 2);
        assert!(outcome.evidence[0].contains("/crm/v8/settings/profiles → 200"));
        assert!(
            outcome.evidence[1].contains(&format!("/crm/v8/settings/profiles/{admin} → 200")),
            "{:?}",
            outcome.evidence
        );
        assert_eq!(
            outcome.details[..2],
            [
                ("Display label".to_owned(), "Administrator".to_owned()),
                ("Name".to_owned(), "Administrator".to_owned()),
            ]
        );
        assert_eq!(discovered(&verdict), ["profile"]);
        let Discovery::Profile(fields) = &verdict.discoveries[0] else {
            unreachable!("checked above");
        };
        assert_eq!(fields, &outcome.details);
    }

    #[tokio::test]
    async fn a_configured_profile_id_is_the_one_read() {
        let sim = simulator().await;
        let standard = profile_id(&sim, "crm-healthy", 14);
        let verdict = check(Some(&standard), None)
            .run(&crm(&sim, "crm-healthy"))
            .await;
        assert_eq!(verdict.outcome.status, Status::Pass);
        assert_eq!(
            verdict.outcome.message,
            format!("3 profile(s) listed; profile `Standard` ({standard}) read by id")
        );
    }

    #[tokio::test]
    async fn a_profile_id_that_is_not_listed_fails_listing_the_ids_there_are() {
        let sim = simulator().await;
        let verdict = check(Some("123"), None)
            .run(&crm(&sim, "crm-healthy"))
            .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.message,
            format!(
                "profile id 123 is not among the 3 listed profiles: `Administrator` ({}); `Standard` ({}); `sample` ({})",
                profile_id(&sim, "crm-healthy", 11),
                profile_id(&sim, "crm-healthy", 14),
                profile_id(&sim, "crm-healthy", 23)
            )
        );
        assert_eq!(outcome.code.as_deref(), Some("unknown_profile_id"));
        assert_eq!(sim.requests("/api"), 1, "no read by id");
    }

    #[tokio::test]
    async fn unchanged_profiles_since_if_modified_since_pass_on_304() {
        let sim = simulator().await;
        let verdict = check(None, Some("2026-01-01T00:00:00+00:00"))
            .run(&crm(&sim, "crm-healthy"))
            .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        assert_eq!(
            outcome.message,
            "GET /settings/profiles: unchanged since 2026-01-01T00:00:00+00:00 (HTTP 304)"
        );
        assert!(
            outcome.evidence[0].contains("→ 304"),
            "{:?}",
            outcome.evidence
        );
        assert!(discovered(&verdict).is_empty(), "nothing was read");
        assert_eq!(sim.requests("/api"), 1);
    }

    #[tokio::test]
    async fn profiles_changed_since_if_modified_since_are_read_as_usual() {
        // The scenario's profiles last changed on 2020-04-01.
        let sim = simulator().await;
        let verdict = check(None, Some("2019-01-01T00:00:00+00:00"))
            .run(&crm(&sim, "crm-healthy"))
            .await;
        assert_eq!(verdict.outcome.status, Status::Pass);
        assert!(verdict.outcome.message.starts_with("3 profile(s) listed"));
        assert_eq!(discovered(&verdict), ["profile"]);
    }

    #[tokio::test]
    async fn no_profiles_fail_on_204() {
        let sim = simulator().await;
        let verdict = check(None, None).run(&crm(&sim, "crm-no-profiles")).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.message,
            "GET /settings/profiles answered with no profiles (HTTP 204)"
        );
        assert!(
            outcome
                .hint
                .as_deref()
                .unwrap()
                .contains("Administrator and Standard profiles")
        );
        assert_eq!(outcome.code.as_deref(), Some("no_profiles"));
        assert!(outcome.evidence[0].contains("→ 204"));
    }

    #[tokio::test]
    async fn a_user_who_may_not_read_profiles_fails_with_zohos_code() {
        let sim = simulator().await;
        let verdict = check(None, None).run(&crm(&sim, "crm-no-permission")).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome
                .message
                .starts_with("GET /settings/profiles: crm answered NO_PERMISSION (HTTP 403)"),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.code.as_deref(), Some("NO_PERMISSION"));
    }

    #[tokio::test]
    async fn without_a_token_the_check_skips_and_calls_nothing() {
        let sim = simulator().await;
        let mut ctx = crm(&sim, "crm-healthy");
        ctx.facts.token = None;
        let verdict = check(None, None).run(&ctx).await;
        assert_eq!(verdict.outcome.status, Status::Skip);
        assert!(
            verdict
                .outcome
                .message
                .starts_with("no usable access token")
        );
        assert_eq!(sim.requests("/api"), 0);
    }
}
