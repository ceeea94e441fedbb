//! `{name}` templates of `http` checks name facts that exist: a built-in one, or one a check
//! this one `needs` (transitively) `save`s. An unknown name, a name only a check outside the
//! `needs` saves, or a try at `{access_token}` is a located error with the fix, at load: at the
//! `{name}` itself when the file's text shows where it is, else at the value's start.

use serde_saphyr::Location;

use super::{PipelineError, provision::ancestors, suggest::closest};
use crate::checks::{BUILTIN_FACTS, CheckSpec};

/// One `{name}` a template uses: where its value starts, and the value as written up to and
/// including the name.
#[derive(Debug, Clone)]
pub struct Use {
    pub name: String,
    pub at: Location,
    pub written: String,
}

/// What one check's templates use and its `save` provides, with where each is written.
#[derive(Debug, Default, Clone)]
pub struct FactNames {
    pub uses: Vec<Use>,
    pub saves: Vec<String>,
}

impl FactNames {
    pub fn of(spec: &CheckSpec) -> FactNames {
        match spec {
            CheckSpec::Http(check) => FactNames {
                uses: check
                    .templates()
                    .flat_map(|template| {
                        template.names_as_written().map(|(name, written)| Use {
                            name: name.to_owned(),
                            at: template.at,
                            written: written.to_owned(),
                        })
                    })
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

/// The 1-based column of `{name}` in `source`, where the value starts at `at` and `written` is
/// the value as written up to and including the name. Found when the file's text from the value's
/// start (past an opening quote) reads exactly `written` on that line: a plain or quoted scalar,
/// or a block scalar's first content line (where its value starts). Otherwise — an escape or a
/// line break before the name, or a location at a block indicator — the value's own column.
fn name_column(source: &str, at: Location, written: &str, name: &str) -> u64 {
    let column = at.column();
    let line = usize::try_from(at.line())
        .ok()
        .and_then(|line| line.checked_sub(1))
        .and_then(|line| source.lines().nth(line));
    let start = usize::try_from(column)
        .ok()
        .and_then(|column| column.checked_sub(1));
    let (Some(line), Some(start)) = (line, start) else {
        return column;
    };
    let mut value = line.chars().skip(start).peekable();
    let quote = match value.peek() {
        Some('"' | '\'') => 1,
        Some('|' | '>') | None => return column,
        Some(_) => 0,
    };
    let text: String = value.skip(quote).take(written.chars().count()).collect();
    if text != written {
        return column;
    }
    let before = written.chars().count() - name.chars().count() - 2;
    column + (quote + before) as u64
}

/// The errors of every check's templates; `names[i]` is check `i`'s, `needs[i]` its `needs`;
/// `source` is the file's text, to point at each name.
pub fn check(
    file: &str,
    source: &str,
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
        for used in &own.uses {
            let name = used.name.as_str();
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
            let mut error = PipelineError::at(file, used.at, message, Some(fix));
            error.column = name_column(source, used.at, &used.written, name);
            errors.push(error);
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

    /// The `line:column` of the first error of a pipeline whose one http check's request is
    /// `request` (indented as under `request:`).
    fn first_at(request: &str) -> String {
        let checks = format!("  - id: t\n    kind: http\n    request:\n{request}");
        let first = errors(&checks).into_iter().next().unwrap_or_default();
        first
            .split(':')
            .skip(1)
            .take(2)
            .collect::<Vec<_>>()
            .join(":")
    }

    #[test]
    fn an_unknown_name_is_pointed_at_inside_its_value() {
        // Plain: the value starts at column 13; `{` is 8 characters in.
        assert_eq!(first_at("      path: /api/v1/{nope}\n"), "9:21");
        // Double- and single-quoted: past the opening quote; an escaped `{{` counts as written.
        assert_eq!(first_at("      path: \"/api/v1/{{x}/{nope}\"\n"), "9:27");
        assert_eq!(first_at("      path: '/api/v1/é/{nope}'\n"), "9:24");
        // A later name on the line, in a flow mapping.
        assert_eq!(
            first_at("      headers: { X-A: \"{portal}-{nope}\" }\n      path: /api/v1/x\n"),
            "9:33"
        );
        // An escape before the name, or a line break (folded or in a block): the value's start.
        assert_eq!(first_at("      path: \"/api/v1/\\u0076/{nope}\"\n"), "9:13");
        assert_eq!(first_at("      path: /api/v1/\n        {nope}\n"), "9:13");
        assert_eq!(
            first_at("      path: >-\n        /api/v1/x\n        {nope}\n"),
            "10:9"
        );
        // A block scalar's value starts on its first content line: a name there is found.
        assert_eq!(
            first_at("      path: >-\n        /api/v1/{nope}\n"),
            "10:17"
        );
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
                "p.yaml:13:39: `{ticket_id}` is saved by check `tickets`, which check `ticket` does not need; add `tickets` to its `needs` (`after` only orders, it does not pass facts on)",
                "p.yaml:14:45: `{tiket_id}` is not a fact; did you mean `{ticket_id}`?",
            ]
        );
    }
}
