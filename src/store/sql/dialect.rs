//! What differs between SQLite, PostgreSQL and MySQL in the SQL zoho-doctor writes: identifier
//! quoting, placeholders, reading a key or an odd column as text, and binding values. Identifiers
//! are validated before they are quoted; values are always bound, never interpolated.

use super::{Pool, SqlStore};
use crate::store::{
    Field, StoreError,
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

    /// The key compared as text, so integer keys work with a text parameter on every database.
    pub(super) fn key_as_text(&self) -> String {
        let key = self.quote(self.column(Field::Key).map_or("", |c| c.name.as_str()));
        match self.pool {
            Pool::Sqlite(_) => format!("CAST({key} AS TEXT)"),
            Pool::Postgres(_) => format!("{key}::text"),
            Pool::MySql(_) => format!("CAST({key} AS CHAR)"),
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
                BindValue::Text(text) => query.bind(text.clone()),
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
}
