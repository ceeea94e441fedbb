//! `desk-profile`: the Desk profile endpoint (`/myinfo`, the current agent, by default) returns
//! data, shown as readable key fields — Name, Email, Status, … — with empty values and internal
//! ids left out, as the seed describes.

use serde_json::{Map, Value};

use super::{CheckKind, Fact, OptionDoc, Options, CheckContext, Outcome, Verdict};
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
    const ABOUT: &'static str = "the Desk profile endpoint (/myinfo by default) returns data; shows its key fields";
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
                return Outcome::error(format!("GET {}: {why}", self.path))
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
}
