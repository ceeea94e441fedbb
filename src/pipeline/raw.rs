//! The serde mirror of a pipeline file, with positions (`Spanned`) on every value a later
//! validation error may point at. Unknown keys are rejected here, by serde, with their position.

use serde::Deserialize;
use serde_saphyr::{MessageFormatter, Spanned, UserMessageFormatter};

use super::{PipelineError, PipelineErrors, suggest::closest};

pub type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPipeline {
    pub name: S<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub app: S<String>,
    #[serde(default)]
    pub settings: Option<RawSettings>,
    pub checks: S<Vec<RawCheck>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    #[serde(default)]
    pub refresh_skew: Option<S<String>>,
    #[serde(default)]
    pub timeout: Option<S<String>>,
    #[serde(default)]
    pub retries: Option<S<u32>>,
    #[serde(default)]
    pub api_version: Option<S<String>>,
}

/// One check as written. Every kind's options are listed here so a misspelt key is caught by
/// serde; `validate` then rejects options the check's kind does not take.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub id: S<String>,
    pub kind: S<String>,
    /// Notes for the pipeline's readers; accepted so it is not an unknown key, never used.
    #[serde(default)]
    #[allow(dead_code)]
    pub description: Option<String>,
    #[serde(default)]
    pub needs: Option<S<Vec<S<String>>>>,
    #[serde(default)]
    pub after: Option<S<Vec<S<String>>>>,
    #[serde(default)]
    pub timeout: Option<S<String>>,
    #[serde(default)]
    pub require: Option<S<Vec<S<String>>>>,
    #[serde(default)]
    pub probe: Option<S<bool>>,
    #[serde(default)]
    pub path: Option<S<String>>,
    #[serde(default)]
    pub profile_id: Option<S<String>>,
    #[serde(default)]
    pub if_modified_since: Option<S<String>>,
}

/// The keys every check takes, whatever its kind.
pub const COMMON_CHECK_KEYS: [&str; 6] = ["id", "kind", "description", "needs", "after", "timeout"];

/// Parses YAML into the raw mirror; a syntax or shape error points at its line and column.
pub fn parse(text: &str, file: &str) -> Result<RawPipeline, PipelineErrors> {
    serde_saphyr::from_str::<RawPipeline>(text).map_err(|err| {
        let message = UserMessageFormatter
            .format_message(err.without_snippet())
            .into_owned();
        let fix = fix_for(&message).or_else(|| {
            Some("check the YAML near this point (an unclosed bracket or quote, a wrong indent); README \"Pipelines\" shows the format".to_owned())
        });
        let error = match err.location() {
            Some(location) if location.line() > 0 => PipelineError::at(file, location, message, fix),
            _ => PipelineError::whole_file(file, message, fix),
        };
        PipelineErrors::single(error)
    })
}

/// A fix for serde's "unknown field `x`, expected one of a, b" and "missing field `x`".
fn fix_for(message: &str) -> Option<String> {
    let quoted = message.split('`').nth(1)?;
    if message.starts_with("duplicate mapping key") {
        return Some("each key may appear once per mapping; remove the repeat".to_owned());
    }
    if message.starts_with("unknown field") {
        let expected: Vec<&str> = message
            .split("expected one of ")
            .nth(1)
            .or_else(|| message.split("expected ").nth(1))
            .map(|list| {
                list.split(',')
                    .map(|item| item.trim().trim_matches('`'))
                    .filter(|item| !item.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        return Some(match closest(quoted, expected.iter().copied()) {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None => format!("remove `{quoted}`; see README \"Pipelines\" for the keys"),
        });
    }
    if message.starts_with("missing field") {
        return Some(format!("add `{quoted}:`"));
    }
    None
}
