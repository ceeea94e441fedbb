//! What differs between SQLite, PostgreSQL and MySQL in the SQL zoho-doctor writes: identifier
//! quoting, placeholders, reading a key or an odd column as text, naming and finding a key that
//! is not text, compare-and-swap guards, and binding values. Identifiers are validated before
//! they are quoted; values are always bound, never interpolated.

use super::{Pool, SqlStore};
use crate::store::{
    Field, SqlValue, StoreError, hex_literal,
    writeback::{BindValue, ColumnKind, PresentColumn},
};

impl SqlStore {
    /// A column in a SELECT: types zoho-doctor does not decode (UUID, NUMERIC, JSON, BYTEA, …)
    /// are read as their text form.
    pub(super) fn select(&self, column: &PresentColumn) -> String {
        let quoted = self.quote(&column.name);
        match (&self.pool, column.kind) {
            (Pool::Postgres(_), ColumnKind::Other) => format!("{quoted}::text"),
            (Pool::MySql(_), ColumnKind::Other) => format!("CAST({quoted} AS CHAR)"),
            _ => quoted,
        }
    }

    /// The key column's name (every mapping requires one: a table without it never opens).
    pub(super) fn key_name(&self) -> &str {
        self.column(Field::Key)
            .map_or("", |column| column.name.as_str())
    }

    /// The key as selected: as stored, or as text for a type zoho-doctor does not decode.
    pub(super) fn key_as_stored(&self) -> String {
        self.column(Field::Key)
            .map_or_else(|| self.key_as_text(), |column| self.select(column))
    }

    /// The key compared as text, so integer keys work with a text parameter on every database.
    pub(super) fn key_as_text(&self) -> String {
        let key = self.quote(self.key_name());
        match self.pool {
            Pool::Sqlite(_) => format!("CAST({key} AS TEXT)"),
            Pool::Postgres(_) => format!("{key}::text"),
            Pool::MySql(_) => format!("CAST({key} AS CHAR)"),
        }
    }

    /// The rows keyed `label`, from placeholder `first` on: by the key's text, or, for an
    /// `x'…'` label, also by its bytes (a PostgreSQL `bytea` key reads as its own `\x…` text).
    pub(super) fn key_condition(&self, label: &str, first: usize) -> (String, Vec<BindValue>) {
        let key = self.quote(self.key_name());
        // MySQL compares a key of any type with text itself, and in the app's collation; a CAST
        // there fails a write outright when another row's key is bytes that are not UTF-8.
        let compared = match self.pool {
            Pool::MySql(_) => key.clone(),
            Pool::Sqlite(_) | Pool::Postgres(_) => self.key_as_text(),
        };
        let by_text = format!("{compared} = {}", self.placeholder(first));
        // PostgreSQL text is UTF-8 (a SQL_ASCII database aside): its bytes are those.
        let hex_of_key = match self.pool {
            Pool::Sqlite(_) | Pool::MySql(_) => format!("HEX({key})"),
            Pool::Postgres(_) => format!("upper(encode(convert_to({key}::text, 'UTF8'), 'hex'))"),
        };
        match hex_of_literal(label) {
            Some(hex) => (
                format!(
                    "({by_text} OR {hex_of_key} = {})",
                    self.placeholder(first + 1)
                ),
                vec![BindValue::Text(label.to_owned()), BindValue::Text(hex)],
            ),
            None => (by_text, vec![BindValue::Text(label.to_owned())]),
        }
    }

    /// A compare-and-swap guard: `column` still holds `original`, bound at `placeholder` (NULL
    /// binds nothing). Bytes compare as bytes; a time no calendar holds compares in the column's
    /// own type, from the text the database writes for it.
    pub(super) fn guard(
        &self,
        column: &PresentColumn,
        original: &BindValue,
        placeholder: usize,
    ) -> String {
        let quoted = self.quote(&column.name);
        let at = self.placeholder(placeholder);
        match (original, &self.pool) {
            (BindValue::Null, _) => format!("{quoted} IS NULL"),
            (BindValue::Bytes(_), Pool::Sqlite(_)) => format!("CAST({quoted} AS BLOB) = {at}"),
            (BindValue::Bytes(_), Pool::MySql(_)) => format!("CAST({quoted} AS BINARY) = {at}"),
            (BindValue::Bytes(_), Pool::Postgres(_)) => format!("textsend({quoted}) = {at}"),
            (BindValue::TimeText(_), Pool::Postgres(_)) => {
                let naive = column.kind == ColumnKind::NaiveTimestamp;
                let kind = if naive { "timestamp" } else { "timestamptz" };
                format!("{quoted} = CAST({at} AS {kind})")
            }
            _ => format!("{quoted} = {at}"),
        }
    }

    pub(super) fn placeholder(&self, index: usize) -> String {
        match self.pool {
            Pool::Postgres(_) => format!("${index}"),
            Pool::Sqlite(_) | Pool::MySql(_) => "?".to_owned(),
        }
    }

    pub(super) fn quote(&self, identifier: &str) -> String {
        let quote = match self.pool {
            Pool::MySql(_) => '`',
            Pool::Sqlite(_) | Pool::Postgres(_) => '"',
        };
        identifier
            .split('.')
            .map(|part| format!("{quote}{part}{quote}"))
            .collect::<Vec<_>>()
            .join(".")
    }
}

macro_rules! binder {
    ($name:ident, $db:ty) => {
        pub(super) fn $name<'q>(
            query: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>,
            value: &BindValue,
        ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments> {
            match value {
                BindValue::Null => query.bind(None::<String>),
                BindValue::Text(text) | BindValue::TimeText(text) => query.bind(text.clone()),
                BindValue::Bytes(bytes) => query.bind(bytes.clone()),
                BindValue::Int(number) => query.bind(*number),
                BindValue::Float(number) => query.bind(*number),
                BindValue::Timestamp(at) => query.bind(*at),
                BindValue::NaiveTimestamp(at) => query.bind(*at),
            }
        }
    };
}

binder!(bind_sqlite, sqlx::Sqlite);
binder!(bind_postgres, sqlx::Postgres);
binder!(bind_mysql, sqlx::MySql);

/// How a row's key is named: its text, or `x'…'` (hex) when it is no printable text — bytes
/// that are not UTF-8 (a binary UUID), or control characters. `text` is the key as text
/// (`key_as_text`), `raw` as selected (a blob is bytes).
pub(super) fn key_label(text: &SqlValue, raw: &SqlValue) -> Option<String> {
    let printable = |text: &str| !text.chars().any(char::is_control);
    let bytes = match (raw, text) {
        (SqlValue::Bytes(bytes), _) | (_, SqlValue::Bytes(bytes)) => bytes,
        (_, SqlValue::Text(text)) if !printable(text) => text.as_bytes(),
        (_, SqlValue::Text(text)) => {
            return Some(text.clone()).filter(|text| !text.trim().is_empty());
        }
        (_, other) => return other.text(),
    };
    match std::str::from_utf8(bytes) {
        Ok(text) if printable(text) => Some(text.to_owned()).filter(|t| !t.trim().is_empty()),
        Ok(_) | Err(_) => Some(hex_literal(bytes)),
    }
}

/// Whether a row named `row` is one keyed `label`: the same name, or both text, which the
/// database itself found equal (a case-insensitive collation makes `U1` and `u1` one key to
/// the app too).
pub(super) fn same_key(row: &str, label: &str) -> bool {
    row == label || (hex_of_literal(row).is_none() && hex_of_literal(label).is_none())
}

/// The upper-case hex of an `x'…'` label, as SQL's `HEX()` writes it.
pub(super) fn hex_of_literal(label: &str) -> Option<String> {
    let hex = label.strip_prefix("x'")?.strip_suffix('\'')?;
    (!hex.is_empty() && hex.len() % 2 == 0 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_uppercase())
}

pub(super) fn validate_identifier(identifier: &str) -> Result<(), StoreError> {
    let parts: Vec<&str> = identifier.split('.').collect();
    let valid = parts.len() <= 2
        && parts.iter().all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if valid {
        Ok(())
    } else {
        Err(StoreError::Identifier(identifier.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_checked() {
        assert!(validate_identifier("zoho_connections").is_ok());
        assert!(validate_identifier("app.tokens").is_ok());
        assert!(validate_identifier("x; drop table y").is_err());
        assert!(validate_identifier("1abc").is_err());
    }

    #[test]
    fn a_key_stored_as_bytes_is_named_in_hex_and_found_by_them() {
        let text = |t: &str| SqlValue::Text(t.to_owned());
        assert_eq!(key_label(&text("u1"), &text("u1")).as_deref(), Some("u1"));
        assert_eq!(
            key_label(
                &SqlValue::Bytes(vec![0xff, 0x01]),
                &SqlValue::Bytes(vec![0xff, 0x01])
            )
            .as_deref(),
            Some("x'ff01'")
        );
        assert_eq!(
            key_label(&text("u1"), &SqlValue::Bytes(b"u1".to_vec())).as_deref(),
            Some("u1"),
            "a blob that is printable text is named by it"
        );
        assert_eq!(
            key_label(&text("u\u{1b}1"), &text("u\u{1b}1")).as_deref(),
            Some("x'751b31'"),
            "a control character is shown in hex"
        );
        assert_eq!(
            key_label(&text("42"), &SqlValue::Int(42)).as_deref(),
            Some("42")
        );
        assert_eq!(key_label(&text(" "), &text(" ")), None);
        assert_eq!(hex_of_literal("x'ff01'").as_deref(), Some("FF01"));
        assert_eq!(hex_of_literal("u1"), None);
        assert!(same_key("U1", "u1"), "the database found them equal");
        assert!(!same_key("u1", "x'7531'"));
        assert!(same_key("x'7531'", "x'7531'"));
    }
}
