//! What `--fix` writes back, and how: only the columns that changed, each group guarded by the
//! values read (compare-and-swap), in the type and unit the column already holds. The refresh
//! token is never written — Zoho's refresh answer carries none, so there is nothing to write but
//! an empty value, which would break the connection.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use secrecy::ExposeSecret;

use super::{
    ExpiryField, ExpiryUnit, Field, Snapshot, SqlValue,
    written::{NotStored, Shown, WriteResult},
};
use crate::zoho::AccessToken;

/// What kind of values a column holds, from its declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Integer,
    Float,
    Timestamp,
    NaiveTimestamp,
    /// MySQL's and SQLite's BLOB and BINARY types: bytes, read as text when they are UTF-8.
    Binary,
    Other,
}

impl ColumnKind {
    /// From `information_schema.columns.data_type` or SQLite's declared type.
    pub fn from_type_name(name: &str) -> ColumnKind {
        let name = name.to_ascii_lowercase();
        if name.contains("without time zone") || name == "datetime" {
            ColumnKind::NaiveTimestamp
        } else if name.contains("time zone") || name.starts_with("timestamp") {
            ColumnKind::Timestamp
        } else if name.contains("int") {
            ColumnKind::Integer
        } else if name.contains("char") || name.contains("text") || name.contains("clob") {
            ColumnKind::Text
        } else if ["real", "double", "float"].iter().any(|t| name.contains(t)) {
            ColumnKind::Float
        } else if name.contains("blob") || name.contains("binary") {
            ColumnKind::Binary
        } else {
            ColumnKind::Other
        }
    }
}

/// A mapped column the table has: its real name and what it stores.
#[derive(Debug, Clone)]
pub struct PresentColumn {
    pub field: Field,
    pub name: String,
    pub kind: ColumnKind,
}

/// A value bound into a statement. `Debug` hides text and bytes: they may be a token.
#[derive(Clone)]
pub enum BindValue {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    Timestamp(DateTime<Utc>),
    NaiveTimestamp(NaiveDateTime),
    /// Only in a guard: the column's bytes are these (text that is not UTF-8, a blob).
    Bytes(Vec<u8>),
    /// Only in a guard: the column holds the time the database writes as this text.
    TimeText(String),
}

impl BindValue {
    pub fn text_or_null(text: Option<String>) -> BindValue {
        text.map_or(BindValue::Null, BindValue::Text)
    }

    /// The value as read, bound back for a compare-and-swap guard.
    fn guard(kind: ColumnKind, original: &SqlValue) -> BindValue {
        match original {
            SqlValue::Null => BindValue::Null,
            SqlValue::Int(n) => BindValue::Int(*n),
            SqlValue::Float(f) => BindValue::Float(*f),
            SqlValue::Text(t) => BindValue::Text(t.clone()),
            SqlValue::Bytes(bytes) => BindValue::Bytes(bytes.clone()),
            SqlValue::Timestamp(at) if kind == ColumnKind::NaiveTimestamp => {
                BindValue::NaiveTimestamp(at.naive_utc())
            }
            SqlValue::Timestamp(at) => BindValue::Timestamp(*at),
            SqlValue::OutOfRange(raw) => BindValue::TimeText(raw.clone()),
        }
    }
}

impl fmt::Debug for BindValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BindValue::Null => f.write_str("Null"),
            BindValue::Text(_) => f.write_str("Text(..)"),
            BindValue::Int(n) => write!(f, "Int({n})"),
            BindValue::Float(x) => write!(f, "Float({x})"),
            BindValue::Timestamp(at) => write!(f, "Timestamp({at})"),
            BindValue::NaiveTimestamp(at) => write!(f, "NaiveTimestamp({at})"),
            BindValue::Bytes(_) => f.write_str("Bytes(..)"),
            BindValue::TimeText(raw) => write!(f, "TimeText({raw})"),
        }
    }
}

/// What a run found worth writing back.
#[derive(Debug, Clone, Default)]
pub struct WriteBack {
    /// A minted access token and its expiry.
    pub access_token: Option<(AccessToken, DateTime<Utc>)>,
    /// The token answer's `api_domain` and `scope`, when they differ from the row's; written
    /// with the token, as an app saving the answer would.
    pub api_domain: Option<String>,
    pub scopes: Option<String>,
    /// Discovered while the row's value was blank.
    pub desk_org_id: Option<String>,
    pub desk_portal: Option<String>,
    /// The org id was picked among several organisations with none the default: a guess, so
    /// neither it nor the portal is stored.
    pub ambiguous_org: bool,
    /// Found, but not stored: the plan judged it implausible.
    pub refused: Vec<NotStored>,
}

/// One compare-and-swap group: set these, where those still hold what was read.
pub struct Guarded {
    pub sets: Vec<(PresentColumn, BindValue)>,
    pub guards: Vec<(PresentColumn, BindValue)>,
    /// What was done when written.
    pub written: Vec<WriteResult>,
    /// What was done when the guard did not hold.
    pub conflict: WriteResult,
}

impl WriteBack {
    pub fn is_empty(&self) -> bool {
        self.access_token.is_none()
            && self.desk_org_id.is_none()
            && self.desk_portal.is_none()
            && !self.ambiguous_org
            && self.refused.is_empty()
    }

    /// What is deliberately not written, whatever the store.
    pub fn not_stored(&self) -> Vec<WriteResult> {
        let ambiguous = self
            .ambiguous_org
            .then_some(NotStored::AmbiguousOrganisation);
        ambiguous
            .into_iter()
            .chain(self.refused.iter().cloned())
            .map(WriteResult::NotStored)
            .collect()
    }

    /// The groups to write for the columns the table has, and what is not stored (the table
    /// lacks the column).
    pub fn groups(
        &self,
        snapshot: &Snapshot,
        column: impl Fn(Field) -> Option<PresentColumn>,
        expiry_millis: bool,
    ) -> (Vec<Guarded>, Vec<WriteResult>) {
        let mut groups = Vec::new();
        let mut notes = self.not_stored();
        if let Some((token, expires_at)) = &self.access_token {
            match column(Field::AccessToken) {
                Some(token_column) => {
                    let mut sets = vec![(
                        token_column.clone(),
                        BindValue::Text(token.secret().expose_secret().to_owned()),
                    )];
                    let mut guards = vec![(
                        token_column.clone(),
                        BindValue::guard(token_column.kind, snapshot.get(Field::AccessToken)),
                    )];
                    let mut written = vec![WriteResult::Written {
                        column: token_column.name.clone(),
                        before: Shown::Secret,
                        after: Shown::Secret,
                    }];
                    for (field, value) in [
                        (Field::ApiDomain, &self.api_domain),
                        (Field::Scopes, &self.scopes),
                    ] {
                        let (Some(value), Some(target)) = (value, column(field)) else {
                            continue;
                        };
                        let original = snapshot.get(field);
                        written.push(WriteResult::Written {
                            column: target.name.clone(),
                            before: shown(original),
                            after: Shown::Value(value.clone()),
                        });
                        sets.push((target.clone(), BindValue::Text(value.clone())));
                        guards.push((target.clone(), BindValue::guard(target.kind, original)));
                    }
                    if let Some(expiry_column) = column(Field::Expiry) {
                        let original = snapshot.get(Field::Expiry);
                        let new_value =
                            expiry_value(expiry_column.kind, original, *expires_at, expiry_millis);
                        written.push(WriteResult::Written {
                            column: expiry_column.name.clone(),
                            before: shown(original),
                            after: shown_bind(&new_value),
                        });
                        sets.push((expiry_column.clone(), new_value));
                        guards.push((
                            expiry_column.clone(),
                            BindValue::guard(expiry_column.kind, original),
                        ));
                    }
                    groups.push(Guarded {
                        sets,
                        guards,
                        written,
                        conflict: WriteResult::KeptRowChanged {
                            column: token_column.name.clone(),
                            token: true,
                        },
                    });
                }
                None => notes.push(WriteResult::NotStored(NotStored::NoColumn {
                    field: Field::AccessToken.name(),
                    discovered: None,
                })),
            }
        }
        for (field, value) in [
            (Field::DeskOrgId, &self.desk_org_id),
            (Field::DeskPortal, &self.desk_portal),
        ] {
            let Some(value) = value else { continue };
            match column(field) {
                Some(target) => {
                    let original = snapshot.get(field);
                    groups.push(Guarded {
                        sets: vec![(target.clone(), plain_value(target.kind, original, value))],
                        guards: vec![(target.clone(), BindValue::guard(target.kind, original))],
                        written: vec![WriteResult::Written {
                            column: target.name.clone(),
                            before: shown(original),
                            after: Shown::Value(value.clone()),
                        }],
                        conflict: WriteResult::KeptRowChanged {
                            column: target.name.clone(),
                            token: false,
                        },
                    });
                }
                None => notes.push(WriteResult::NotStored(NotStored::NoColumn {
                    field: field.name(),
                    discovered: Some(value.clone()),
                })),
            }
        }
        (groups, notes)
    }
}

/// An id or name, as the column stores such things.
fn plain_value(kind: ColumnKind, original: &SqlValue, value: &str) -> BindValue {
    let numeric = matches!(original, SqlValue::Int(_))
        || (matches!(original, SqlValue::Null) && kind == ColumnKind::Integer);
    match value.parse::<i64>() {
        Ok(number) if numeric => BindValue::Int(number),
        _ => BindValue::Text(value.to_owned()),
    }
}

/// The new expiry in the unit and type the column already holds.
pub(super) fn expiry_value(
    kind: ColumnKind,
    original: &SqlValue,
    at: DateTime<Utc>,
    default_millis: bool,
) -> BindValue {
    let unit = match ExpiryField::read(original) {
        ExpiryField::Known(expiry) => expiry.unit,
        ExpiryField::Missing | ExpiryField::Unreadable(_) if default_millis => {
            ExpiryUnit::EpochMillis
        }
        ExpiryField::Missing | ExpiryField::Unreadable(_) => ExpiryUnit::EpochSeconds,
    };
    let epoch = match unit {
        ExpiryUnit::EpochMillis => at.timestamp_millis(),
        ExpiryUnit::EpochSeconds | ExpiryUnit::Timestamp => at.timestamp(),
    };
    let timestamp = || match kind {
        ColumnKind::NaiveTimestamp => BindValue::NaiveTimestamp(at.naive_utc()),
        _ => BindValue::Timestamp(at),
    };
    match original {
        SqlValue::Int(_) => BindValue::Int(epoch),
        SqlValue::Float(_) => BindValue::Float(epoch as f64),
        SqlValue::Timestamp(_) | SqlValue::OutOfRange(_) => timestamp(),
        SqlValue::Text(_) | SqlValue::Bytes(_) if unit == ExpiryUnit::Timestamp => {
            BindValue::Text(at.to_rfc3339())
        }
        SqlValue::Text(_) | SqlValue::Bytes(_) => BindValue::Text(epoch.to_string()),
        SqlValue::Null => match kind {
            ColumnKind::Integer => BindValue::Int(epoch),
            ColumnKind::Float => BindValue::Float(epoch as f64),
            ColumnKind::Timestamp | ColumnKind::NaiveTimestamp => timestamp(),
            ColumnKind::Text | ColumnKind::Binary | ColumnKind::Other => {
                BindValue::Text(epoch.to_string())
            }
        },
    }
}

fn shown(value: &SqlValue) -> Shown {
    value.shown().map_or(Shown::Empty, Shown::Value)
}

fn shown_bind(value: &BindValue) -> Shown {
    match value {
        BindValue::Null => Shown::Empty,
        BindValue::Text(text) => Shown::Value(text.clone()),
        BindValue::Int(n) => Shown::Value(n.to_string()),
        BindValue::Float(x) => Shown::Value(x.to_string()),
        BindValue::Timestamp(at) => Shown::Value(at.to_rfc3339()),
        BindValue::NaiveTimestamp(at) => Shown::Value(at.to_string()),
        BindValue::Bytes(bytes) => SqlValue::Bytes(bytes.clone())
            .shown()
            .map_or(Shown::Empty, Shown::Value),
        BindValue::TimeText(raw) => Shown::Value(raw.clone()),
    }
}

/// Whether a token column holds ciphertext rather than a Zoho token (`1000.<hex>.<hex>`).
/// Such a value is reported as not inspectable and never sent to Zoho.
pub fn looks_encrypted(column: &str, value: &str) -> bool {
    if zoho_shaped(value) {
        return false;
    }
    let column = column.to_ascii_lowercase();
    let named =
        column.ends_with("_enc") || column.contains("encrypted") || column.contains("cipher");
    let fernet_or_prefixed = [
        "gAAAAA",
        "enc:",
        "vault:",
        "{\"iv\"",
        "{\"ciphertext\"",
        "\\x",
    ]
    .iter()
    .any(|prefix| value.starts_with(prefix));
    let base64_blob = value.len() >= 40
        && !value.contains('.')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=_-".contains(c));
    let iv_and_ciphertext = value.split(':').count() >= 2
        && value.split(':').all(|part| {
            part.len() >= 16
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
        });
    named || fernet_or_prefixed || base64_blob || iv_and_ciphertext
}

fn zoho_shaped(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() == 3
        && !parts[0].is_empty()
        && parts[0].chars().all(|c| c.is_ascii_digit())
        && parts[1..]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoho_tokens_are_not_ciphertext() {
        let token = format!("1000.{}.{}", "ab12".repeat(8), "cd34".repeat(8));
        assert!(!looks_encrypted("access_token", &token));
        assert!(
            !looks_encrypted("access_token_enc", &token),
            "a Zoho token is readable wherever it is"
        );
        assert!(!looks_encrypted("access_token", "test-token"));
    }

    #[test]
    fn ciphertext_is_recognised() {
        assert!(looks_encrypted(
            "access_token",
            "gAAAAABlZ2V0dGluZ3NlY3JldHMtYXJlLWZ1bg=="
        ));
        assert!(looks_encrypted("refresh_token_enc", "opaque"));
        assert!(
            looks_encrypted("access_token", "\\x8f3a11c0"),
            "a PostgreSQL bytea read as text"
        );
        assert!(looks_encrypted(
            "access_token",
            "6d2f1c0a9b8e7d6c:3q2+7w==3q2+7w==3q2+7w=="
        ));
        assert!(looks_encrypted(
            "access_token",
            &"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo".repeat(2)
        ));
    }

    #[test]
    fn expiry_is_written_in_the_unit_and_type_it_was_read_in() {
        let at = DateTime::from_timestamp(1_900_000_000, 0).unwrap();
        let int = |v: BindValue| match v {
            BindValue::Int(n) => n,
            other => panic!("{other:?}"),
        };
        let text = |v: BindValue| match v {
            BindValue::Text(t) => t,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            int(expiry_value(
                ColumnKind::Integer,
                &SqlValue::Int(1_800_000_000),
                at,
                false
            )),
            1_900_000_000
        );
        assert_eq!(
            int(expiry_value(
                ColumnKind::Integer,
                &SqlValue::Int(1_800_000_000_000),
                at,
                false
            )),
            1_900_000_000_000
        );
        assert_eq!(
            text(expiry_value(
                ColumnKind::Text,
                &SqlValue::Text("1800000000000".into()),
                at,
                false
            )),
            "1900000000000"
        );
        assert_eq!(
            text(expiry_value(
                ColumnKind::Text,
                &SqlValue::Text("2027-01-01T00:00:00Z".into()),
                at,
                false
            )),
            at.to_rfc3339()
        );
        assert_eq!(
            text(expiry_value(ColumnKind::Text, &SqlValue::Null, at, true)),
            "1900000000000"
        );
        assert!(matches!(
            expiry_value(
                ColumnKind::NaiveTimestamp,
                &SqlValue::Timestamp(at),
                at,
                false
            ),
            BindValue::NaiveTimestamp(_)
        ));
    }

    #[test]
    fn column_kinds_are_read_from_declared_types() {
        assert_eq!(
            ColumnKind::from_type_name("timestamp with time zone"),
            ColumnKind::Timestamp
        );
        assert_eq!(
            ColumnKind::from_type_name("timestamp without time zone"),
            ColumnKind::NaiveTimestamp
        );
        assert_eq!(
            ColumnKind::from_type_name("datetime"),
            ColumnKind::NaiveTimestamp
        );
        assert_eq!(ColumnKind::from_type_name("bigint"), ColumnKind::Integer);
        assert_eq!(
            ColumnKind::from_type_name("character varying"),
            ColumnKind::Text
        );
        assert_eq!(ColumnKind::from_type_name("varchar"), ColumnKind::Text);
        assert_eq!(ColumnKind::from_type_name("uuid"), ColumnKind::Other);
        assert_eq!(ColumnKind::from_type_name("numeric"), ColumnKind::Other);
        assert_eq!(ColumnKind::from_type_name("bytea"), ColumnKind::Other);
        assert_eq!(ColumnKind::from_type_name("varbinary"), ColumnKind::Binary);
        assert_eq!(ColumnKind::from_type_name("BLOB"), ColumnKind::Binary);
    }
}
