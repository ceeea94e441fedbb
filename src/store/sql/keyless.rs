//! Rows whose key is NULL or blank (the SDKs write `user_name` NULL for a token without a
//! user): never dropped. Each is listed and checked under its row id, `id:7`, when the table
//! has one, and else under `(no user_id)`, which every such row shares.

use super::{
    Connection, Pool, RowKey, SqlStore, SqlValue, StoreError, dialect::key_label, value_at,
};
use crate::store::writeback::BindValue;

/// How a label names rows without a key.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Keyless {
    /// `id:7`: the row whose id is `7`.
    ById(String),
    /// `(no user_id)`: every row without a key, in a table without an id.
    Unkeyed,
}

impl SqlStore {
    /// The row id column as text, when the mapping names one and the table has it.
    pub(super) fn row_id_as_text(&self) -> Option<String> {
        let column = self.row_id.as_ref()?;
        let id = self.quote(&column.name);
        Some(match self.pool {
            Pool::Sqlite(_) => format!("CAST({id} AS TEXT)"),
            Pool::Postgres(_) => format!("{id}::text"),
            Pool::MySql(_) => format!("CAST({id} AS CHAR)"),
        })
    }

    /// The label of a row without a key whose id reads `id`: `id:7`, or `(no user_id)`.
    pub(super) fn keyless_label(&self, id: Option<String>) -> String {
        match (&self.row_id, id) {
            (Some(column), Some(id)) => format!("{}:{id}", column.name),
            _ => format!("(no {})", self.key_name()),
        }
    }

    /// Whether `label` names rows without a key, and how.
    pub(super) fn keyless(&self, label: &str) -> Option<Keyless> {
        if label == self.keyless_label(None) {
            return Some(Keyless::Unkeyed);
        }
        let column = self.row_id.as_ref()?;
        let id = label
            .strip_prefix(column.name.as_str())?
            .strip_prefix(':')?;
        (!id.trim().is_empty()).then(|| Keyless::ById(id.to_owned()))
    }

    /// The rows without a key that `label` names; their key names the id column (or nothing).
    pub(super) async fn load_keyless(
        &self,
        label: &str,
        keyless: &Keyless,
    ) -> Result<Vec<Connection>, StoreError> {
        let columns: Vec<String> = self.present.iter().map(|c| self.select(c)).collect();
        let id = self.row_id_as_text();
        let (condition, params) = self.keyless_condition(keyless, 1);
        let sql = format!(
            "SELECT {}, {}, {} FROM {} WHERE {condition}",
            self.key_as_text(),
            id.as_deref().unwrap_or("NULL"),
            columns.join(", "),
            self.quote(&self.mapping.table),
        );
        let raw_key = 2 + self.key_position();
        let key = RowKey {
            column: self
                .row_id
                .as_ref()
                .filter(|_| matches!(keyless, Keyless::ById(_)))
                .map_or_else(|| self.key_name().to_owned(), |id| id.name.clone()),
            rows: 1,
            empty: Some(self.key_name().to_owned()),
        };
        Ok(self
            .fetch(sql, params)
            .await?
            .into_iter()
            .filter(|row| {
                key_label(value_at(row, 0), value_at(row, raw_key)).is_none()
                    && self.keyless_label(value_at(row, 1).text()) == label
            })
            .map(|row| self.connection_from(label, row.into_iter().skip(2).collect(), key.clone()))
            .collect())
    }

    /// The SQL condition for the rows `keyless` names, from placeholder `first` on. A table
    /// without an id is read whole for `(no user_id)`: a key of Unicode spaces is blank too.
    pub(super) fn keyless_condition(
        &self,
        keyless: &Keyless,
        first: usize,
    ) -> (String, Vec<BindValue>) {
        match (keyless, self.row_id_as_text()) {
            (Keyless::ById(id), Some(column)) => (
                format!("TRIM({column}) = {}", self.placeholder(first)),
                vec![BindValue::Text(id.trim().to_owned())],
            ),
            _ => ("1 = 1".to_owned(), Vec::new()),
        }
    }

    /// The condition a write addresses a row without a key by: its id, or a NULL or blank key
    /// (compare-and-swap guards then tell it from other such rows; several are never written).
    pub(super) fn keyless_write_condition(
        &self,
        keyless: &Keyless,
        first: usize,
    ) -> (String, Vec<BindValue>) {
        match keyless {
            Keyless::ById(_) => self.keyless_condition(keyless, first),
            Keyless::Unkeyed => (
                format!(
                    "({} IS NULL OR TRIM({}) = '')",
                    self.quote(self.key_name()),
                    self.key_as_text()
                ),
                Vec::new(),
            ),
        }
    }
}

/// The labels of a table's rows as `users` lists them: keyed rows first, in the database's
/// order, then the rows without a key; each label once.
pub(super) fn list_labels(store: &SqlStore, rows: &[Vec<SqlValue>]) -> Vec<String> {
    let mut keyless = Vec::new();
    let mut labels: Vec<String> = rows
        .iter()
        .filter_map(|row| {
            let label = key_label(value_at(row, 0), value_at(row, 1));
            if label.is_none() {
                keyless.push(store.keyless_label(value_at(row, 2).text()));
            }
            label
        })
        .collect();
    labels.extend(keyless);
    let mut seen = std::collections::HashSet::new();
    labels.retain(|label| seen.insert(label.clone()));
    labels
}
