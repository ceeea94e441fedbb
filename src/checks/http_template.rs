//! `{fact}` templates of the `http` kind: parsed once at load from what the file says, so that
//! `${NAME}` is expanded first and the text it produced is never read as a template (an
//! environment value with a brace in it stays literal), `{{` is a literal `{`, and each `{name}`
//! is known before any network so the validator can check it against the built-in facts and
//! the `save`s of the check's `needs` ancestors.

use serde_saphyr::Location;

use super::options::Expand;

/// The built-in facts a template may name, with where each comes from, for `list`, the
/// validator's "did you mean" and the run's skip message. There is no `{access_token}`.
pub const BUILTIN_FACTS: [(&str, &str); 7] = [
    (
        "desk_org_id",
        "the Desk organisation id (the row's, or a `desk-org-id` check's)",
    ),
    (
        "portal",
        "the Desk portal name (the row's, or a `desk-portal` check's)",
    ),
    ("user", "the connection's user id"),
    (
        "dc",
        "the data centre's code (us, eu, in, au, jp, cn, ca, sa, uk, sg, ae)",
    ),
    (
        "api_version",
        "the CRM API version (`settings.api_version`, v8 by default)",
    ),
    (
        "zuid",
        "the user's ZUID, from the accounts server's user info (needs scope AaaServer.profile.Read)",
    ),
    (
        "crm_org_id",
        "the CRM organisation id (the row's org_id, else GET /crm/{api_version}/org)",
    ),
];

/// Whether `name` is a built-in fact.
pub fn is_builtin(name: &str) -> bool {
    BUILTIN_FACTS.iter().any(|(builtin, _)| *builtin == name)
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text: as written, or what `${NAME}` expanded to.
    Text(String),
    /// `{name}`: a fact, filled in at run time.
    Fact(String),
}

/// A value with `{fact}` placeholders, and where the file writes it.
#[derive(Debug, Clone)]
pub struct Template {
    pub parts: Vec<Part>,
    pub at: Location,
    /// The value as the file wrote it (before `${NAME}`), and where in it, in characters, each
    /// fact's `{` is: so a validation error can point at the name, not the value's start.
    pub(crate) written: String,
    pub(crate) fact_offsets: Vec<usize>,
}

/// Why a template does not read: the message and the fix.
pub type TemplateError = (String, String);

impl Template {
    /// Reads `written`: `$${` is a literal `${`, `${NAME}` the variable's value (literal),
    /// `{{` a literal `{`, `{name}` a fact; any other `{` is an error.
    pub fn parse(written: &str, expand: Expand<'_>) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut fact_offsets = Vec::new();
        let mut text = String::new();
        let mut rest = written;
        while let Some(at) = rest.find(['$', '{']) {
            text.push_str(&rest[..at]);
            let tail = &rest[at..];
            if let Some(after) = tail.strip_prefix("$${") {
                text.push_str("${");
                rest = after;
            } else if let Some(after) = tail.strip_prefix("${") {
                let end = after.find('}').ok_or_else(|| {
                    (
                        format!("`${{` without a closing `}}` in `{written}`"),
                        "write `${NAME}` for an environment variable, `$${` for a literal `${`"
                            .to_owned(),
                    )
                })?;
                text.push_str(&expand(&tail[..end + 3])?);
                rest = &after[end + 1..];
            } else if let Some(after) = tail.strip_prefix("{{") {
                text.push('{');
                rest = after;
            } else if let Some(after) = tail.strip_prefix('{') {
                let end = after.find('}').filter(|end| is_name(&after[..*end]));
                let Some(end) = end else {
                    return Err((
                        format!("`{written}` has a `{{` that does not start a `{{fact}}`"),
                        "write `{{` for a literal `{`, or `{name}` for a fact".to_owned(),
                    ));
                };
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                let offset = written.len() - tail.len();
                fact_offsets.push(written[..offset].chars().count());
                parts.push(Part::Fact(after[..end].to_owned()));
                rest = &after[end + 1..];
            } else {
                // A `$` not starting `${`.
                text.push('$');
                rest = &tail[1..];
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template {
            parts,
            at: Location::UNKNOWN,
            written: written.to_owned(),
            fact_offsets,
        })
    }

    /// A template of literal text only.
    pub fn literal(text: &str) -> Template {
        Template {
            parts: vec![Part::Text(text.to_owned())],
            at: Location::UNKNOWN,
            written: String::new(),
            fact_offsets: Vec::new(),
        }
    }

    /// Each fact it names with the value's text as written up to and including that `{name}`:
    /// what the file reads from the value's first character when nothing was escaped.
    pub fn names_as_written(&self) -> impl Iterator<Item = (&str, &str)> {
        self.names().zip(&self.fact_offsets).map(|(name, &offset)| {
            let start = self
                .written
                .char_indices()
                .nth(offset)
                .map_or(self.written.len(), |(at, _)| at);
            let end = (start + name.len() + 2).min(self.written.len());
            (name, self.written.get(..end).unwrap_or_default())
        })
    }

    /// The facts it names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Fact(name) => Some(name.as_str()),
            Part::Text(_) => None,
        })
    }

    /// The literal text before the first fact (all of it when there is none).
    pub fn literal_prefix(&self) -> &str {
        match self.parts.first() {
            Some(Part::Text(text)) => text,
            Some(Part::Fact(_)) | None => "",
        }
    }

    /// Whether it names no fact.
    pub fn is_literal(&self) -> bool {
        self.names().next().is_none()
    }

    /// Filled in: each fact through `value` and then `encode` (a URL's percent-encoding, or
    /// nothing); the first fact `value` does not know is the error.
    pub fn render<'a>(
        &'a self,
        value: &dyn Fn(&str) -> Option<String>,
        encode: fn(&str) -> String,
    ) -> Result<String, &'a str> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Fact(name) => out.push_str(&encode(&value(name).ok_or(name.as_str())?)),
            }
        }
        Ok(out)
    }

    /// As written, with `{name}` for each fact, for messages.
    pub fn shown(&self) -> String {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.clone(),
                Part::Fact(name) => format!("{{{name}}}"),
            })
            .collect()
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`: a fact's name.
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A fact's value inside a URL: everything but RFC 3986's unreserved characters
/// percent-encoded, so a saved value cannot add a path segment, a query or a fragment.
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A fact's value as is (header values and `equals`).
pub fn as_is(value: &str) -> String {
    value.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(text: &str) -> Result<String, (String, String)> {
        match text {
            "${ORG}" => Ok("{portal}".to_owned()),
            "${ID}" => Ok("42".to_owned()),
            other => Err((format!("`{other}` is not set"), "export it".to_owned())),
        }
    }

    fn parse(text: &str) -> Result<Template, TemplateError> {
        Template::parse(text, &env)
    }

    #[test]
    fn facts_literals_and_escapes_are_told_apart() {
        let template = parse("/api/v1/tickets/{ticket_id}?x={{y}&n=${ID}&l=$${Z}").unwrap();
        assert_eq!(
            template.parts,
            [
                Part::Text("/api/v1/tickets/".to_owned()),
                Part::Fact("ticket_id".to_owned()),
                Part::Text("?x={y}&n=42&l=${Z}".to_owned()),
            ]
        );
        assert_eq!(template.names().collect::<Vec<_>>(), ["ticket_id"]);
        assert_eq!(template.literal_prefix(), "/api/v1/tickets/");
    }

    #[test]
    fn each_fact_knows_the_text_written_up_to_it() {
        let template = parse("/é/${ID}/{{x}/{id}/{portal}").unwrap();
        assert_eq!(
            template.names_as_written().collect::<Vec<_>>(),
            [
                ("id", "/é/${ID}/{{x}/{id}"),
                ("portal", "/é/${ID}/{{x}/{id}/{portal}")
            ]
        );
        assert_eq!(Template::literal("/x").names_as_written().count(), 0);
    }

    #[test]
    fn text_an_environment_variable_produced_is_never_a_template() {
        let template = parse("/x/${ORG}").unwrap();
        assert!(template.is_literal());
        assert_eq!(template.shown(), "/x/{portal}");
    }

    #[test]
    fn a_stray_brace_or_unset_variable_is_an_error_with_its_fix() {
        let (message, fix) = parse("/x/{not a name}").unwrap_err();
        assert!(message.contains("does not start a `{fact}`"), "{message}");
        assert!(fix.contains("`{{`"), "{fix}");
        assert!(parse("/x/{").is_err());
        assert_eq!(parse("${NOPE}").unwrap_err().0, "`${NOPE}` is not set");
    }

    #[test]
    fn rendering_fills_in_facts_and_encodes_them_in_urls() {
        let template = parse("/api/v1/tickets/{id}").unwrap();
        let value = |name: &str| (name == "id").then(|| "1/2?x".to_owned());
        assert_eq!(
            template.render(&value, url_encode),
            Ok("/api/v1/tickets/1%2F2%3Fx".to_owned())
        );
        assert_eq!(
            template.render(&value, as_is),
            Ok("/api/v1/tickets/1/2?x".to_owned())
        );
        let missing = parse("{zuid}").unwrap();
        assert_eq!(missing.render(&value, as_is), Err("zuid"));
    }
}
