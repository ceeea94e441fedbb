//! `crm-profiles`: `GET /crm/{version}/settings/profiles` returns at least one profile and
//! `GET …/settings/profiles/{id}` (a configured id, else the first) returns that profile, shown
//! by the seed's response keys. With `if_modified_since`, a 304 passes ("unchanged since …");
//! a 204 fails ("no profiles").

use serde_json::{Map, Value};

use super::{CheckKind, Fact, OptionDoc, Options, CheckContext, Outcome, Verdict};
use crate::{
    checks::facts::Discovery,
    zoho::{
        crm::{self, Body},
        desk,
        App,
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
                    Some("write it like `2026-03-19T17:59:50+05:30`, as Zoho's samples send it".to_owned()),
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
}
