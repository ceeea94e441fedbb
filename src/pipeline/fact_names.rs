//! `{name}` templates of `http` checks name facts that exist: a built-in one, or one a check
//! this one `needs` (transitively) `save`s. An unknown name, a name only a check outside the
//! `needs` saves, or a try at `{access_token}` is a located error with the fix, at load.

use serde_saphyr::Location;

use super::{PipelineError, provision::ancestors, suggest::closest};
use crate::checks::{BUILTIN_FACTS, CheckSpec};

/// What one check's templates use and its `save` provides, with where each is written.
#[derive(Debug, Default, Clone)]
pub struct FactNames {
    pub uses: Vec<(String, Location)>,
    pub saves: Vec<String>,
}

impl FactNames {
    pub fn of(spec: &CheckSpec) -> FactNames {
        match spec {
            CheckSpec::Http(check) => FactNames {
                uses: check
                    .uses()
                    .into_iter()
                    .map(|(name, at)| (name.to_owned(), at))
                    .collect(),
                saves: check.save.iter().map(|save| save.name.clone()).collect(),
            },
            _ => FactNames::default(),
        }
    }
}

/// Names that would carry a secret: never a fact.
const SECRETS: [&str; 5] = [
    "access_token",
    "token",
    "refresh_token",
    "client_secret",
    "client_id",
];

/// The errors of every check's templates; `names[i]` is check `i`'s, `needs[i]` its `needs`.
pub fn check(
    file: &str,
    ids: &[&str],
    names: &[FactNames],
    needs: &[Vec<usize>],
) -> Vec<PipelineError> {
    let mut errors = Vec::new();
    let saved_anywhere: Vec<&str> = names
        .iter()
        .flat_map(|names| names.saves.iter().map(String::as_str))
        .collect();
    for (check, own) in names.iter().enumerate() {
        if own.uses.is_empty() {
            continue;
        }
        let ancestors = ancestors(check, needs);
        for (name, at) in &own.uses {
            let name = name.as_str();
            if BUILTIN_FACTS.iter().any(|(builtin, _)| *builtin == name) {
                continue;
            }
            if ancestors
                .iter()
                .any(|&ancestor| names[ancestor].saves.iter().any(|saved| saved == name))
            {
                continue;
            }
            let (message, fix) = if SECRETS.contains(&name) {
                (
                    format!("there is no `{{{name}}}`: secrets are never put into a request by a template"),
                    "remove it; zoho-doctor sends the token itself, in the Authorization header, only to Zoho".to_owned(),
                )
            } else if let Some(saver) = names
                .iter()
                .position(|other| other.saves.iter().any(|saved| saved == name))
            {
                (
                    format!(
                        "`{{{name}}}` is saved by check `{}`, which check `{}` does not need",
                        ids[saver], ids[check]
                    ),
                    format!(
                        "add `{}` to its `needs` (`after` only orders, it does not pass facts on)",
                        ids[saver]
                    ),
                )
            } else {
                let known = BUILTIN_FACTS
                    .iter()
                    .map(|(builtin, _)| *builtin)
                    .chain(saved_anywhere.iter().copied());
                let fix = match closest(name, known) {
                    Some(suggestion) => format!("did you mean `{{{suggestion}}}`?"),
                    None => format!(
                        "the facts are {}, and the names a check it needs `save`s; write `{{{{` for a literal `{{`",
                        BUILTIN_FACTS
                            .iter()
                            .map(|(builtin, _)| format!("`{{{builtin}}}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                (format!("`{{{name}}}` is not a fact"), fix)
            };
            errors.push(PipelineError::at(file, *at, message, Some(fix)));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use crate::pipeline::load_str;

    fn errors(checks: &str) -> Vec<String> {
        let yaml = format!(
            "name: t\napp: desk\nchecks:\n  - id: refresh\n    kind: token-refresh\n{checks}"
        );
        let env = |name: &str| (name == "BRACE").then(|| "{ticket_id}".to_owned());
        match load_str(&yaml, "p.yaml", &env) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
        }
    }

    const SAVER: &str = "  - id: tickets\n    kind: http\n    request: { path: /api/v1/tickets }\n    save: { ticket_id: /data/0/id }\n";

    #[test]
    fn a_name_saved_by_a_transitive_needs_ancestor_is_known() {
        let middle = "  - id: middle\n    kind: http\n    request: { path: /api/v1/x }\n";
        let user = "  - id: ticket\n    kind: http\n    request: { path: \"/api/v1/tickets/{ticket_id}\" }\n    expect: { json: [{pointer: /id, equals: \"{ticket_id}\"}] }\n";
        assert_eq!(
            errors(&format!("{SAVER}{middle}{user}")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn built_in_names_need_no_ancestor_and_env_text_is_no_template() {
        let user = "  - id: agent\n    kind: http\n    request:\n      path: \"/api/v1/x/{portal}/{dc}/{user}/{zuid}/${BRACE}\"\n      headers: { X-Org: \"{desk_org_id}\" }\n";
        assert_eq!(errors(user), Vec::<String>::new());
    }

    #[test]
    fn an_unknown_name_or_a_saver_outside_the_needs_is_located() {
        let user = "  - id: ticket\n    kind: http\n    needs: [refresh]\n    request: { path: \"/api/v1/tickets/{ticket_id}\" }\n    expect: { json: [{pointer: /x, equals: \"{tiket_id}\"}] }\n";
        assert_eq!(
            errors(&format!("{SAVER}{user}")),
            [
                "p.yaml:13:22: `{ticket_id}` is saved by check `tickets`, which check `ticket` does not need; add `tickets` to its `needs` (`after` only orders, it does not pass facts on)",
                "p.yaml:14:44: `{tiket_id}` is not a fact; did you mean `{ticket_id}`?",
            ]
        );
    }
}
