//! The `http` kind's `expect:` (the status, one or a list; per RFC 6901 JSON pointer `exists`,
//! `not_empty`, `equals`, `matches`, `count_at_least`; `zoho_error: fail|ignore`) and `save:`
//! (name -> pointer), read and checked at load, and judged against one answer: each failed
//! expectation names the pointer, what was expected and what was found.

use regex::Regex;
use serde_json::Value;
use serde_saphyr::Location;

use super::{
    http_request::{Entries, entry, known_keys, mapping, scalar, template},
    http_template::{Template, as_is, is_builtin, is_name},
    options::{Options, RawValue, S},
};

/// What the answer must be.
#[derive(Debug, Clone)]
pub struct ExpectSpec {
    /// Any of these statuses (200 by default).
    pub status: Vec<u16>,
    pub json: Vec<JsonRule>,
    /// A Zoho error body fails the check through the catalogue (`zoho_error: fail`, the default).
    pub zoho_error_fails: bool,
}

impl Default for ExpectSpec {
    fn default() -> Self {
        ExpectSpec {
            status: vec![200],
            json: Vec::new(),
            zoho_error_fails: true,
        }
    }
}

/// The tests on one pointer.
#[derive(Debug, Clone)]
pub struct JsonRule {
    pub pointer: String,
    pub tests: Vec<Test>,
}

#[derive(Debug, Clone)]
pub enum Test {
    Exists(bool),
    NotEmpty(bool),
    Equals(Expected),
    Matches(Regex),
    CountAtLeast(u64),
}

/// An `equals` value: text (a template) or any other JSON value.
#[derive(Debug, Clone)]
pub enum Expected {
    Text(Template),
    Json(Value),
}

const EXPECT_KEYS: [&str; 3] = ["status", "json", "zoho_error"];
const RULE_KEYS: [&str; 6] = [
    "pointer",
    "exists",
    "not_empty",
    "equals",
    "matches",
    "count_at_least",
];

/// Reads `expect:` (absent: status 200, nothing else).
pub fn read(options: &mut Options<'_>) -> Option<ExpectSpec> {
    let Some(value) = options.raw_value("expect") else {
        return Some(ExpectSpec::default());
    };
    let entries = mapping(options, "expect", value)?;
    known_keys(options, "expect", entries, &EXPECT_KEYS);
    let mut ok = true;
    let status = match entry(entries, "status") {
        None => vec![200],
        Some(value) => read_status(options, value).unwrap_or_else(|| {
            ok = false;
            Vec::new()
        }),
    };
    let zoho_error_fails = match entry(entries, "zoho_error") {
        None => true,
        Some(value) => match scalar(options, "zoho_error", value).as_deref() {
            Some("fail") => true,
            Some("ignore") => false,
            Some(other) => {
                options.problem(
                    value.referenced,
                    format!("`zoho_error: {other}` is neither `fail` nor `ignore`"),
                    Some("use `fail` (the default: a Zoho error body fails through the catalogue) or `ignore` (judge the answer by `status` and `json` only)".to_owned()),
                );
                ok = false;
                true
            }
            None => {
                ok = false;
                true
            }
        },
    };
    let json = match entry(entries, "json") {
        None => Vec::new(),
        Some(value) => match &value.value {
            RawValue::List(items) => {
                let rules: Vec<JsonRule> = items
                    .iter()
                    .filter_map(|item| read_rule(options, item))
                    .collect();
                ok &= rules.len() == items.len();
                rules
            }
            other => {
                options.problem(
                    value.referenced,
                    format!("`json` must be a list, not {}", other.shape()),
                    Some("write `json: [{pointer: /data/0/id, exists: true}]`".to_owned()),
                );
                ok = false;
                Vec::new()
            }
        },
    };
    ok.then_some(ExpectSpec {
        status,
        json,
        zoho_error_fails,
    })
}

fn read_status(options: &mut Options<'_>, value: &S<RawValue>) -> Option<Vec<u16>> {
    let items: Vec<&S<RawValue>> = match &value.value {
        RawValue::List(items) if !items.is_empty() => items.iter().collect(),
        RawValue::List(_) => {
            options.problem(
                value.referenced,
                "`status` is an empty list",
                Some("list the statuses that pass, like `[200, 204]`".to_owned()),
            );
            return None;
        }
        _ => vec![value],
    };
    let mut statuses = Vec::new();
    for item in items {
        match &item.value {
            RawValue::Int(code) if (100..=599).contains(code) => {
                statuses.push(u16::try_from(*code).unwrap_or(200));
            }
            other => {
                let shown = other
                    .scalar_text()
                    .unwrap_or_else(|| other.shape().to_owned());
                options.problem(
                    item.referenced,
                    format!("`status: {shown}` is not an HTTP status"),
                    Some("write a number from 100 to 599, or a list like `[200, 204]`".to_owned()),
                );
                return None;
            }
        }
    }
    Some(statuses)
}

/// A JSON pointer (RFC 6901): `/` then reference tokens, `~` only as `~0` or `~1`.
fn pointer_problem(pointer: &str) -> Option<(String, String)> {
    if !pointer.starts_with('/') {
        let fix = if pointer.is_empty() {
            "a pointer names a place in the answer, like `/data/0/id`".to_owned()
        } else {
            format!(
                "a JSON pointer starts with `/`: did you mean `/{}`?",
                pointer.replace('.', "/")
            )
        };
        return Some((format!("`pointer: {pointer}` does not start with `/`"), fix));
    }
    let mut chars = pointer.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.peek(), Some('0' | '1')) {
            return Some((
                format!("`pointer: {pointer}` has a `~` that is neither `~0` nor `~1`"),
                "write `~0` for a `~` in a key and `~1` for a `/` (RFC 6901)".to_owned(),
            ));
        }
    }
    None
}

fn read_rule(options: &mut Options<'_>, item: &S<RawValue>) -> Option<JsonRule> {
    let entries: &Entries = mapping(options, "json item", item)?;
    known_keys(options, "json item", entries, &RULE_KEYS);
    let Some(pointer_value) = entry(entries, "pointer") else {
        options.problem(
            item.referenced,
            "a `json` item needs `pointer`",
            Some("add `pointer: /data/0/id` (a JSON pointer into the answer)".to_owned()),
        );
        return None;
    };
    let pointer = scalar(options, "pointer", pointer_value)?;
    if let Some((message, fix)) = pointer_problem(&pointer) {
        options.problem(pointer_value.referenced, message, Some(fix));
        return None;
    }
    let mut tests = Vec::new();
    let mut ok = true;
    for (key, value) in entries {
        let test = match key.value.as_str() {
            "exists" => flag(options, "exists", value).map(Test::Exists),
            "not_empty" => flag(options, "not_empty", value).map(Test::NotEmpty),
            "equals" => match &value.value {
                RawValue::Text(_) => template(options, "equals", value)
                    .map(|template| Test::Equals(Expected::Text(template))),
                other => Some(Test::Equals(Expected::Json(to_json(other)))),
            },
            "matches" => read_regex(options, value).map(Test::Matches),
            "count_at_least" => match &value.value {
                RawValue::Int(count) if *count >= 0 => Some(Test::CountAtLeast(
                    u64::try_from(*count).unwrap_or(u64::MAX),
                )),
                other => {
                    options.problem(
                        value.referenced,
                        format!(
                            "`count_at_least` must be a whole number, not {}",
                            other.shape()
                        ),
                        Some(
                            "write how many items the list must have at least, like `1`".to_owned(),
                        ),
                    );
                    None
                }
            },
            _ => continue,
        };
        match test {
            Some(test) => tests.push(test),
            None => ok = false,
        }
    }
    if ok && tests.is_empty() {
        options.problem(
            item.referenced,
            format!("`pointer: {pointer}` has nothing to check"),
            Some("add `exists`, `not_empty`, `equals`, `matches` or `count_at_least`".to_owned()),
        );
        return None;
    }
    ok.then_some(JsonRule { pointer, tests })
}

fn flag(options: &mut Options<'_>, key: &str, value: &S<RawValue>) -> Option<bool> {
    match value.value {
        RawValue::Bool(flag) => Some(flag),
        _ => {
            options.problem(
                value.referenced,
                format!(
                    "`{key}` must be `true` or `false`, not {}",
                    value.value.shape()
                ),
                None,
            );
            None
        }
    }
}

/// A regex from the file: `${NAME}` expanded, never `{fact}` templates (braces are repetition).
fn read_regex(options: &mut Options<'_>, value: &S<RawValue>) -> Option<Regex> {
    let written = scalar(options, "matches", value)?;
    let expanded = match options.expand_env(&written) {
        Ok(expanded) => expanded,
        Err((message, fix)) => {
            options.problem(value.referenced, message, Some(fix));
            return None;
        }
    };
    match regex::RegexBuilder::new(&expanded)
        .size_limit(1 << 20)
        .build()
    {
        Ok(regex) => Some(regex),
        Err(error) => {
            let why = error.to_string();
            let why = why.lines().last().unwrap_or("invalid").trim();
            let why = why.strip_prefix("error: ").unwrap_or(why).to_owned();
            options.problem(
                value.referenced,
                format!("`matches: {written}` is not a valid regex: {why}"),
                Some(
                    "fix the pattern (Rust regex syntax; no look-around or back-references)"
                        .to_owned(),
                ),
            );
            None
        }
    }
}

fn to_json(value: &RawValue) -> Value {
    match value {
        RawValue::Null => Value::Null,
        RawValue::Bool(flag) => Value::Bool(*flag),
        RawValue::Int(int) => i64::try_from(*int)
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(int.to_string())),
        RawValue::Float(float) => serde_json::Number::from_f64(*float)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        RawValue::Text(text) => Value::String(text.clone()),
        RawValue::List(items) => {
            Value::Array(items.iter().map(|item| to_json(&item.value)).collect())
        }
        RawValue::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(key, value)| (key.value.clone(), to_json(&value.value)))
                .collect(),
        ),
    }
}

/// One `save:` entry: the fact's name, where it is written, and the pointer it reads.
#[derive(Debug, Clone)]
pub struct Save {
    pub name: String,
    pub at: Location,
    pub pointer: String,
}

/// Reads `save: {name: /pointer, …}`.
pub fn read_save(options: &mut Options<'_>) -> Option<Vec<Save>> {
    let Some(value) = options.raw_value("save") else {
        return Some(Vec::new());
    };
    let entries = mapping(options, "save", value)?;
    let mut saves = Vec::new();
    let mut ok = true;
    for (name, pointer_value) in entries {
        let Some(pointer) = scalar(options, "save", pointer_value) else {
            ok = false;
            continue;
        };
        if !is_name(&name.value) {
            options.problem(
                name.referenced,
                format!("`{}` is not a usable fact name", name.value),
                Some(
                    "use letters, digits and `_`, starting with a letter, like `ticket_id`"
                        .to_owned(),
                ),
            );
            ok = false;
        } else if is_builtin(&name.value) || name.value == "access_token" {
            options.problem(
                name.referenced,
                format!(
                    "`save` may not shadow the built-in fact `{{{}}}`",
                    name.value
                ),
                Some(format!("pick another name, like `saved_{}`", name.value)),
            );
            ok = false;
        } else if let Some((message, fix)) = pointer_problem(&pointer) {
            options.problem(pointer_value.referenced, message, Some(fix));
            ok = false;
        } else {
            saves.push(Save {
                name: name.value.clone(),
                at: name.referenced,
                pointer,
            });
        }
    }
    ok.then_some(saves)
}

/// A failed expectation: where, what was wanted, what was there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    pub pointer: String,
    pub expected: String,
    /// What the answer had there, as JSON (or "nothing"), before redaction and clipping.
    pub found: Option<String>,
}

/// A value as it shows in a message: JSON, text in quotes.
pub fn show(value: &Value) -> String {
    value.to_string()
}

/// A scalar's text: a string as is, a number or flag as written; nothing for the rest.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

impl JsonRule {
    /// Judges the rule on `body`; facts fill in `equals` templates (a missing one is `Err`).
    pub fn judge(
        &self,
        body: &Value,
        fact: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<Miss>, String> {
        let found = body.pointer(&self.pointer);
        let mut misses = Vec::new();
        let mut miss = |expected: String| {
            misses.push(Miss {
                pointer: self.pointer.clone(),
                expected,
                found: found.map(show),
            });
        };
        for test in &self.tests {
            match test {
                Test::Exists(true) if found.is_none() => miss("something there".to_owned()),
                Test::Exists(false) if found.is_some() => miss("nothing there".to_owned()),
                Test::NotEmpty(true) if found.is_none_or(is_empty) => {
                    miss("a value that is not empty".to_owned())
                }
                Test::NotEmpty(false) if found.is_some_and(|value| !is_empty(value)) => {
                    miss("an empty value".to_owned())
                }
                Test::Equals(expected) => {
                    let (wanted, holds) = match expected {
                        Expected::Text(template) => {
                            let text = template
                                .render(fact, as_is)
                                .map_err(|name| name.to_owned())?;
                            let holds = found.and_then(scalar_text).as_deref() == Some(&text);
                            (show(&Value::String(text)), holds)
                        }
                        Expected::Json(value) => {
                            let holds = found == Some(value)
                                || (found.is_some_and(Value::is_string)
                                    && found.and_then(scalar_text) == scalar_text(value));
                            (show(value), holds)
                        }
                    };
                    if !holds {
                        miss(format!("equal to {wanted}"));
                    }
                }
                Test::Matches(regex) => {
                    let holds = found
                        .and_then(scalar_text)
                        .is_some_and(|text| regex.is_match(&text));
                    if !holds {
                        miss(format!("text matching `{}`", regex.as_str()));
                    }
                }
                Test::CountAtLeast(count) => {
                    let holds = found
                        .and_then(Value::as_array)
                        .is_some_and(|items| items.len() as u64 >= *count);
                    if !holds {
                        miss(format!("a list of at least {count}"));
                    }
                }
                Test::Exists(_) | Test::NotEmpty(_) => {}
            }
        }
        Ok(misses)
    }

    /// The templates its `equals` use, for the validator.
    pub fn templates(&self) -> impl Iterator<Item = &Template> {
        self.tests.iter().filter_map(|test| match test {
            Test::Equals(Expected::Text(template)) => Some(template),
            _ => None,
        })
    }
}

/// The text to save from `body` at `pointer`: a scalar's text, a list or object as JSON;
/// nothing for null or absent.
pub fn saved_value(body: &Value, pointer: &str) -> Option<String> {
    match body.pointer(pointer)? {
        Value::Null => None,
        value @ (Value::Array(_) | Value::Object(_)) => Some(value.to_string()),
        scalar => scalar_text(scalar),
    }
}
