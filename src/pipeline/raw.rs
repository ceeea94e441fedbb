//! The serde mirror of a pipeline file, with positions (`Spanned`) on every value a later
//! validation error may point at. Unknown keys are rejected here, by serde, with their position.

use std::fmt;

use serde::{
    Deserialize, Deserializer,
    de::{self, MapAccess, Visitor},
};
use serde_saphyr::{MessageFormatter, UserMessageFormatter};

use super::{PipelineError, PipelineErrors, suggest::closest};
pub use crate::checks::options::S;
use crate::checks::{all_check_keys, options::RawValue};

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

/// One check as written: the keys every check takes, typed, and the kind-specific options as
/// raw values with positions, which the kind's own file reads (`checks::Options`). A key that is
/// neither common nor any kind's option is rejected here, with its position and the known keys.
#[derive(Debug)]
pub struct RawCheck {
    pub id: S<String>,
    pub kind: S<String>,
    pub needs: Option<S<Vec<S<String>>>>,
    pub after: Option<S<Vec<S<String>>>>,
    pub timeout: Option<S<String>>,
    pub options: Vec<(String, S<RawValue>)>,
}

/// A key of a check mapping, told apart as serde's derive does (so errors read the same).
enum CheckKey {
    Id,
    Kind,
    Description,
    Needs,
    After,
    Timeout,
    Option(String),
}

impl<'de> Deserialize<'de> for CheckKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(CheckKeyVisitor)
    }
}

struct CheckKeyVisitor;

impl Visitor<'_> for CheckKeyVisitor {
    type Value = CheckKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a check key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<CheckKey, E> {
        Ok(match key {
            "id" => CheckKey::Id,
            "kind" => CheckKey::Kind,
            "description" => CheckKey::Description,
            "needs" => CheckKey::Needs,
            "after" => CheckKey::After,
            "timeout" => CheckKey::Timeout,
            option if all_check_keys().contains(&option) => CheckKey::Option(option.to_owned()),
            unknown => return Err(E::unknown_field(unknown, all_check_keys())),
        })
    }
}

impl<'de> Deserialize<'de> for RawCheck {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("RawCheck", all_check_keys(), RawCheckVisitor)
    }
}

struct RawCheckVisitor;

impl<'de> Visitor<'de> for RawCheckVisitor {
    type Value = RawCheck;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a check: a mapping with `id` and `kind`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawCheck, A::Error> {
        let (mut id, mut kind, mut needs, mut after, mut timeout) = (None, None, None, None, None);
        let mut options = Vec::new();
        while let Some(key) = map.next_key::<CheckKey>()? {
            match key {
                CheckKey::Id => id = Some(map.next_value()?),
                CheckKey::Kind => kind = Some(map.next_value()?),
                // Notes for the pipeline's readers: accepted, never used.
                CheckKey::Description => {
                    map.next_value::<Option<String>>()?;
                }
                CheckKey::Needs => needs = map.next_value()?,
                CheckKey::After => after = map.next_value()?,
                CheckKey::Timeout => timeout = map.next_value()?,
                CheckKey::Option(name) => options.push((name, map.next_value()?)),
            }
        }
        Ok(RawCheck {
            id: id.ok_or_else(|| de::Error::missing_field("id"))?,
            kind: kind.ok_or_else(|| de::Error::missing_field("kind"))?,
            needs,
            after,
            timeout,
            options,
        })
    }
}

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
