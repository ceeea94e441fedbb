//! A check's kind-specific YAML options, as written, and the reader each kind's file uses to turn
//! them into its typed options. Every value keeps its position (serde-saphyr's `Spanned`), so a
//! kind's own validation points at the exact line and column; problems are collected, not
//! returned early, so the user sees all of them in one pass.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

use crate::zoho::App;

/// A YAML value with its position.
pub type S<T> = Spanned<T>;

/// An option value as the YAML has it: scalars, lists and mappings, each part with its position.
#[derive(Debug, Clone)]
pub enum RawValue {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Text(String),
    List(Vec<S<RawValue>>),
    Map(Vec<(S<String>, S<RawValue>)>),
}

impl RawValue {
    /// A scalar's text (YAML reads `123` as a number; an id option wants its digits).
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            RawValue::Bool(value) => Some(value.to_string()),
            RawValue::Int(value) => Some(value.to_string()),
            RawValue::Float(value) => Some(value.to_string()),
            RawValue::Text(text) => Some(text.clone()),
            RawValue::Null | RawValue::List(_) | RawValue::Map(_) => None,
        }
    }

    /// The value's shape in words, for "must be a list, not text".
    pub fn shape(&self) -> &'static str {
        match self {
            RawValue::Null => "nothing",
            RawValue::Bool(_) => "a boolean",
            RawValue::Int(_) | RawValue::Float(_) => "a number",
            RawValue::Text(_) => "text",
            RawValue::List(_) => "a list",
            RawValue::Map(_) => "a mapping",
        }
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawValueVisitor)
    }
}

struct RawValueVisitor;

impl<'de> Visitor<'de> for RawValueVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<RawValue, D::Error> {
        RawValue::deserialize(deserializer)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<RawValue, E> {
        Ok(RawValue::Int(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<RawValue, E> {
        Ok(RawValue::Int(value.into()))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<RawValue, E> {
        Ok(RawValue::Int(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<RawValue, E> {
        Ok(RawValue::Float(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<RawValue, E> {
        Ok(RawValue::Text(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<RawValue, E> {
        Ok(RawValue::Text(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<S<RawValue>>()? {
            items.push(item);
        }
        Ok(RawValue::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<S<String>>()? {
            entries.push((key, map.next_value::<S<RawValue>>()?));
        }
        Ok(RawValue::Map(entries))
    }
}

/// One option a kind takes, for `zoho-doctor list` and the "not an option" message.
#[derive(Debug, Clone, Copy)]
pub struct OptionDoc {
    pub name: &'static str,
    pub about: &'static str,
}

/// Something wrong with an option, where it is, and the fix.
#[derive(Debug, Clone)]
pub struct Problem {
    pub at: Location,
    pub message: String,
    pub fix: Option<String>,
}

/// Expands `${NAME}` in a value: the expanded text, or the message and the fix.
pub type Expand<'a> = &'a dyn Fn(&str) -> Result<String, (String, String)>;

/// A text option after `${NAME}` expansion, with what the file says for messages.
#[derive(Debug, Clone)]
pub struct Text {
    pub key: &'static str,
    /// As written in the file: messages show this, never an expanded secret.
    pub written: String,
    pub value: String,
    pub at: Location,
}

impl Text {
    /// "`path: /x`" or "`path: ${P}` (once expanded)", for messages about the value.
    pub fn quoted(&self) -> String {
        let expanded = if self.written.contains("${") {
            " (once expanded)"
        } else {
            ""
        };
        format!("`{}: {}`{expanded}", self.key, self.written)
    }
}

/// The options of one check, for its kind's `from_options`.
pub struct Options<'a> {
    entries: &'a [(String, S<RawValue>)],
    expand: Expand<'a>,
    /// The pipeline's app, when it is valid.
    pub app: Option<App>,
    problems: Vec<Problem>,
}

impl<'a> Options<'a> {
    pub fn new(entries: &'a [(String, S<RawValue>)], expand: Expand<'a>, app: Option<App>) -> Self {
        Options {
            entries,
            expand,
            app,
            problems: Vec::new(),
        }
    }

    /// The problems found while reading.
    pub fn into_problems(self) -> Vec<Problem> {
        self.problems
    }

    pub fn problem(&mut self, at: Location, message: impl Into<String>, fix: Option<String>) {
        self.problems.push(Problem {
            at,
            message: message.into(),
            fix,
        });
    }

    /// An option's raw value with its position, for a kind whose option is a nested mapping
    /// (`http`'s `request` and `expect`): it reads the parts itself.
    pub fn raw_value(&self, key: &str) -> Option<&'a S<RawValue>> {
        self.raw(key)
    }

    /// `${NAME}` expanded in `text`, as every text option is: the value, or the message and fix.
    pub fn expand_env(&self, text: &str) -> Result<String, (String, String)> {
        (self.expand)(text)
    }

    /// The option's value, unless absent or empty (`key:` with nothing reads as absent).
    fn raw(&self, key: &str) -> Option<&'a S<RawValue>> {
        self.entries
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
            .filter(|value| !matches!(value.value, RawValue::Null))
    }

    fn wrong_shape(&mut self, key: &str, value: &S<RawValue>, wanted: &str) {
        self.problem(
            value.referenced,
            format!("`{key}` must be {wanted}, not {}", value.value.shape()),
            None,
        );
    }

    fn expand_at(&mut self, key: &'static str, value: &S<RawValue>) -> Option<Text> {
        let Some(written) = value.value.scalar_text() else {
            self.wrong_shape(key, value, "text");
            return None;
        };
        match (self.expand)(&written) {
            Ok(expanded) => Some(Text {
                key,
                written,
                value: expanded,
                at: value.referenced,
            }),
            Err((message, fix)) => {
                self.problem(value.referenced, message, Some(fix));
                None
            }
        }
    }

    /// A text option, `${NAME}` expanded.
    pub fn text(&mut self, key: &'static str) -> Option<Text> {
        let value = self.raw(key)?;
        self.expand_at(key, value)
    }

    /// A `true`/`false` option.
    pub fn flag(&mut self, key: &'static str) -> Option<bool> {
        let value = self.raw(key)?;
        match value.value {
            RawValue::Bool(flag) => Some(flag),
            _ => {
                self.wrong_shape(key, value, "`true` or `false`");
                None
            }
        }
    }

    /// A list of text options, each `${NAME}` expanded.
    pub fn text_list(&mut self, key: &'static str) -> Option<OptionList<Text>> {
        self.list(key, Self::expand_at)
    }

    /// A list whose items are text or `{any_of: [text, …]}`: each item becomes its alternatives
    /// (a text item is one alternative), each `${NAME}` expanded.
    pub fn alternatives_list(&mut self, key: &'static str) -> Option<OptionList<Vec<Text>>> {
        self.list(key, Self::alternatives_item)
    }

    /// A list option read item by item; items that do not read are located problems and are
    /// left out.
    fn list<T>(
        &mut self,
        key: &'static str,
        read: impl Fn(&mut Self, &'static str, &S<RawValue>) -> Option<T>,
    ) -> Option<OptionList<T>> {
        let value = self.raw(key)?;
        let RawValue::List(items) = &value.value else {
            self.wrong_shape(key, value, "a list");
            return None;
        };
        let read_items = items
            .iter()
            .filter_map(|item| read(self, key, item))
            .collect();
        Some(OptionList {
            at: value.referenced,
            written: items.len(),
            items: read_items,
        })
    }

    fn alternatives_item(&mut self, key: &'static str, item: &S<RawValue>) -> Option<Vec<Text>> {
        let entries = match &item.value {
            RawValue::Map(entries) => entries,
            RawValue::List(_) | RawValue::Null => {
                self.problem(
                    item.referenced,
                    format!(
                        "a `{key}` item must be text or `{{any_of: [...]}}`, not {}",
                        item.value.shape()
                    ),
                    None,
                );
                return None;
            }
            _ => return self.expand_at(key, item).map(|text| vec![text]),
        };
        let mut any_of = None;
        for (name, value) in entries {
            if name.value == "any_of" {
                any_of = Some(value);
            } else {
                self.problem(
                    name.referenced,
                    format!("`{}` is not part of a `{key}` item", name.value),
                    Some("write `{any_of: [scope, …]}`".to_owned()),
                );
            }
        }
        let Some(any_of) = any_of else {
            self.problem(
                item.referenced,
                format!("a `{key}` mapping needs `any_of`"),
                Some("write `{any_of: [scope, …]}`".to_owned()),
            );
            return None;
        };
        let RawValue::List(choices) = &any_of.value else {
            self.wrong_shape("any_of", any_of, "a list");
            return None;
        };
        if choices.is_empty() {
            self.problem(
                any_of.referenced,
                "`any_of` is empty",
                Some("list at least one scope".to_owned()),
            );
            return None;
        }
        let texts: Vec<Text> = choices
            .iter()
            .filter_map(|choice| self.expand_at(key, choice))
            .collect();
        (texts.len() == choices.len()).then_some(texts)
    }
}

/// A list option: where it is, how many items the file has, and those that read.
#[derive(Debug, Clone)]
pub struct OptionList<T> {
    pub at: Location,
    /// Items as written, read or not: an empty list is `written == 0`.
    pub written: usize,
    pub items: Vec<T>,
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    fn options_of(yaml: &str) -> Vec<(String, S<RawValue>)> {
        #[derive(Deserialize)]
        struct Wrapper {
            check: S<RawValue>,
        }
        let wrapper: Wrapper = serde_saphyr::from_str(yaml).expect("yaml");
        match wrapper.check.value {
            RawValue::Map(entries) => entries
                .into_iter()
                .map(|(key, value)| (key.value, value))
                .collect(),
            other => panic!("not a map: {other:?}"),
        }
    }

    fn expand(text: &str) -> Result<String, (String, String)> {
        if text.contains("${X}") {
            Err(("`X` is not set".to_owned(), "export it".to_owned()))
        } else {
            Ok(text.to_owned())
        }
    }

    #[test]
    fn values_keep_their_positions_and_shapes() {
        let entries = options_of("check:\n  path: /x\n  probe: false\n  require: [a, b]\n");
        let mut options = Options::new(&entries, &expand, None);
        let path = options.text("path").expect("path");
        assert_eq!(
            (path.value.as_str(), path.at.line(), path.at.column()),
            ("/x", 2, 9)
        );
        assert_eq!(options.flag("probe"), Some(false));
        let list = options.text_list("require").expect("require");
        assert_eq!((list.at.line(), list.written), (4, 2));
        assert_eq!(list.items[1].value, "b");
        assert_eq!(list.items[1].at.column(), 16);
        assert!(options.into_problems().is_empty());
    }

    #[test]
    fn wrong_shapes_and_unset_variables_are_located_problems() {
        let entries = options_of("check:\n  probe: maybe\n  path: ${X}\n  require: a\n");
        let mut options = Options::new(&entries, &expand, None);
        assert_eq!(options.flag("probe"), None);
        assert_eq!(options.text("path").map(|t| t.value), None);
        assert!(options.text_list("require").is_none());
        let problems: Vec<String> = options
            .into_problems()
            .iter()
            .map(|p| format!("{}:{} {}", p.at.line(), p.at.column(), p.message))
            .collect();
        assert_eq!(
            problems,
            [
                "2:10 `probe` must be `true` or `false`, not text",
                "3:9 `X` is not set",
                "4:12 `require` must be a list, not text",
            ]
        );
    }

    #[test]
    fn alternatives_lists_read_text_and_any_of_items_with_positions() {
        let entries =
            options_of("check:\n  require:\n    - a\n    - any_of: [b, c]\n    - {any_of: x}\n");
        let mut options = Options::new(&entries, &expand, None);
        let list = options.alternatives_list("require").expect("require");
        assert_eq!(list.written, 3);
        let read: Vec<Vec<(String, u64, u64)>> = list
            .items
            .iter()
            .map(|any_of| {
                any_of
                    .iter()
                    .map(|t| (t.value.clone(), t.at.line(), t.at.column()))
                    .collect()
            })
            .collect();
        assert_eq!(
            read,
            [
                vec![("a".to_owned(), 3, 7)],
                vec![("b".to_owned(), 4, 16), ("c".to_owned(), 4, 19)]
            ]
        );
        let problems: Vec<String> = options
            .into_problems()
            .iter()
            .map(|p| format!("{}:{} {}", p.at.line(), p.at.column(), p.message))
            .collect();
        assert_eq!(problems, ["5:16 `any_of` must be a list, not text"]);
    }

    #[test]
    fn numbers_read_as_text_for_id_options() {
        let entries = options_of("check:\n  profile_id: 123\n");
        let mut options = Options::new(&entries, &expand, None);
        assert_eq!(
            options.text("profile_id").map(|t| t.value),
            Some("123".to_owned())
        );
    }

    #[test]
    fn a_written_variable_is_quoted_as_written() {
        let text = Text {
            key: "path",
            written: "/a/${P}".to_owned(),
            value: "/a/secret".to_owned(),
            at: Location::UNKNOWN,
        };
        assert_eq!(text.quoted(), "`path: /a/${P}` (once expanded)");
    }
}
