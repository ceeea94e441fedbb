//! The row as read, beyond its parsed fields: its values (for `--fix`'s compare-and-swap), its
//! key column and how many rows share its key, and the values no app can read as they are.

use std::fmt;

use super::{Field, SqlValue};

/// The row as read. `Debug` hides the values: they hold tokens.
#[derive(Clone, Default)]
pub struct Snapshot {
    values: Vec<(Field, SqlValue)>,
    key: Option<RowKey>,
    unreadable: Vec<Unreadable>,
}

/// The column a row is keyed on, and how many rows share this row's key: more than one, and
/// the app reads whichever its query returns first, and a write keyed on it changes them all.
#[derive(Debug, Clone, PartialEq)]
pub struct RowKey {
    pub column: String,
    pub rows: usize,
    /// The key column, when this row's key is NULL or blank: the row is then known by its id
    /// (`column` names the id column) or, in a table without one, by nothing (`column` is the
    /// key column itself).
    pub empty: Option<String>,
}

impl RowKey {
    /// A row keyed as usual, on `column`.
    pub fn on(column: &str) -> RowKey {
        RowKey {
            column: column.to_owned(),
            rows: 1,
            empty: None,
        }
    }

    /// Whether the row has no key and no id either: nothing tells it from other such rows.
    pub fn unkeyed(&self) -> bool {
        self.empty.as_deref() == Some(self.column.as_str())
    }
}

/// A value of the row that does not read as what its column is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Unreadable {
    /// Bytes that are not UTF-8 text; never shown, as the column may hold a token.
    NotText { column: String },
    /// A time no calendar arithmetic holds (`infinity`, a zero date), with its text.
    Time { column: String, raw: String },
}

impl Snapshot {
    /// The row's values with their columns' names, keyed by `key`: what did not read is noted.
    pub fn read(values: Vec<(Field, String, SqlValue)>, key: RowKey) -> Snapshot {
        let unreadable = values
            .iter()
            .filter(|(field, _, _)| *field != Field::Key)
            .filter_map(|(_, column, value)| match value {
                SqlValue::OutOfRange(raw) => Some(Unreadable::Time {
                    column: column.clone(),
                    raw: raw.clone(),
                }),
                value if value.is_not_text() => Some(Unreadable::NotText {
                    column: column.clone(),
                }),
                _ => None,
            })
            .collect();
        Snapshot {
            values: values
                .into_iter()
                .map(|(field, _, value)| (field, value))
                .collect(),
            key: Some(key),
            unreadable,
        }
    }

    pub fn get(&self, field: Field) -> &SqlValue {
        self.values
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(&SqlValue::Null, |(_, value)| value)
    }

    pub fn key(&self) -> Option<&RowKey> {
        self.key.as_ref()
    }

    /// Records that `rows` rows share this row's key.
    pub fn shared_by(&mut self, rows: usize) {
        if let Some(key) = &mut self.key {
            key.rows = rows;
        }
    }

    pub fn unreadable(&self) -> &[Unreadable] {
        &self.unreadable
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("key", &self.key)
            .field("unreadable", &self.unreadable)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_no_app_reads_are_noted_by_column_and_tokens_are_never_shown() {
        let key = RowKey::on("user_id");
        let snapshot = Snapshot::read(
            vec![
                (Field::Key, "user_id".into(), SqlValue::Bytes(vec![0xff])),
                (
                    Field::AccessToken,
                    "access_token".into(),
                    SqlValue::Bytes(vec![0x31, 0xfe, 0x00]),
                ),
                (
                    Field::RefreshToken,
                    "refresh_token".into(),
                    SqlValue::Bytes(b"1000.a.b".to_vec()),
                ),
                (
                    Field::Expiry,
                    "expires".into(),
                    SqlValue::OutOfRange("infinity".into()),
                ),
            ],
            key.clone(),
        );
        assert_eq!(
            snapshot.unreadable(),
            [
                Unreadable::NotText {
                    column: "access_token".into()
                },
                Unreadable::Time {
                    column: "expires".into(),
                    raw: "infinity".into()
                }
            ],
            "a key that is not text is named in hex, not unreadable; UTF-8 bytes are text"
        );
        assert_eq!(snapshot.key(), Some(&key));
        let shown = format!("{snapshot:?}");
        assert!(!shown.contains("1000.a.b"), "{shown}");
    }
}
