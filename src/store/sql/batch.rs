//! Loading many users' rows at once: one query per chunk of keys (`key IN (…)`), compared in a
//! way the key's index serves — the key column itself, never a cast of it, with values bound
//! in the type the column holds (an integer key gets integers on PostgreSQL and MySQL; SQLite's
//! column affinity turns bound text into the column's type itself). Each chunk's rows are
//! collected before the query returns, so no cursor stays open; with `--fix` the fleet reads
//! every chunk before any connection runs, so no read runs while `--fix` writes.
//! Labels the index cannot serve — `x'…'` keys stored as bytes, rows without a key, a key column
//! of a type compared only as text — are loaded one by one, as before.

use std::collections::HashMap;

use super::{
    Connection, Pool, RowKey, SqlStore, SqlValue, StoreError,
    dialect::{hex_of_literal, key_label},
    value_at,
};
use crate::store::writeback::{BindValue, ColumnKind};

/// Keys per query: well under every database's limit on bound values (SQLite's is 32,766,
/// MySQL's and PostgreSQL's 65,535), and short enough to plan quickly.
pub const CHUNK: usize = 500;

impl SqlStore {
    /// The rows of each of `users` (labels as `users()` names them), in that order; each
    /// user's rows in the order the database returns them, each knowing how many share its key.
    pub async fn load_many(&self, users: &[String]) -> Result<Vec<Vec<Connection>>, StoreError> {
        let mut loaded: Vec<Vec<Connection>> = vec![Vec::new(); users.len()];
        let mut batched: Vec<usize> = Vec::new();
        for (index, user) in users.iter().enumerate() {
            if self.batchable(user) {
                batched.push(index);
            } else {
                loaded[index] = self.load(user).await?;
            }
        }
        for chunk in batched.chunks(CHUNK) {
            let labels: Vec<&str> = chunk.iter().map(|&index| users[index].as_str()).collect();
            for (position, rows) in self.load_chunk(&labels).await?.into_iter().enumerate() {
                loaded[chunk[position]] = rows;
            }
        }
        Ok(loaded)
    }

    /// Whether `label` is a plain key the chunked query finds by the index.
    fn batchable(&self, label: &str) -> bool {
        hex_of_literal(label).is_none() && self.keyless(label).is_none() && self.key_typed()
    }

    /// Whether the key column is compared as itself: text or integer keys (SQLite's affinity,
    /// and typed binds on PostgreSQL and MySQL, make text labels meet either).
    fn key_typed(&self) -> bool {
        matches!(
            self.column(crate::store::Field::Key)
                .map(|column| column.kind),
            Some(ColumnKind::Text | ColumnKind::Integer)
        )
    }

    /// The value `label` is bound as: text, or on PostgreSQL and MySQL an integer for an
    /// integer key (none when the label is no integer: no row can have it).
    fn key_bind(&self, label: &str) -> Option<BindValue> {
        let integer = self
            .column(crate::store::Field::Key)
            .is_some_and(|column| column.kind == ColumnKind::Integer);
        match self.pool {
            Pool::Postgres(_) | Pool::MySql(_) if integer => {
                label.parse::<i64>().ok().map(BindValue::Int)
            }
            _ => Some(BindValue::Text(label.to_owned())),
        }
    }

    /// The SQL reading the rows of `count` keys: the key as text (to name the row), then the
    /// mapped columns, where the key column itself is in the list.
    pub(super) fn chunk_sql(&self, count: usize) -> String {
        let columns: Vec<String> = self.present.iter().map(|c| self.select(c)).collect();
        let placeholders: Vec<String> = (1..=count).map(|i| self.placeholder(i)).collect();
        format!(
            "SELECT {}, {} FROM {} WHERE {} IN ({})",
            self.key_as_text(),
            columns.join(", "),
            self.quote(&self.mapping.table),
            self.quote(self.key_name()),
            placeholders.join(", ")
        )
    }

    /// One query for the rows of `labels`; each row goes to the label that names it exactly,
    /// else to those the database's collation made equal (case, trailing spaces).
    async fn load_chunk(&self, labels: &[&str]) -> Result<Vec<Vec<Connection>>, StoreError> {
        let mut found: Vec<Vec<Connection>> = vec![Vec::new(); labels.len()];
        let params: Vec<BindValue> = labels
            .iter()
            .filter_map(|label| self.key_bind(label))
            .collect();
        if params.is_empty() {
            return Ok(found);
        }
        let mut exact: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut loose: HashMap<String, Vec<usize>> = HashMap::new();
        for (position, label) in labels.iter().enumerate() {
            exact.entry(label).or_default().push(position);
            loose.entry(loosely(label)).or_default().push(position);
        }
        let sql = self.chunk_sql(params.len());
        let raw_key = 1 + self.key_position();
        for row in self.fetch(sql, params).await? {
            let Some(name) = key_label(value_at(&row, 0), value_at(&row, raw_key)) else {
                continue;
            };
            let Some(positions) = exact
                .get(name.as_str())
                .or_else(|| loose.get(&loosely(&name)))
            else {
                // Found by a collation looser than ours (accents): no label to put it under.
                continue;
            };
            let values: Vec<SqlValue> = row.into_iter().skip(1).collect();
            for &position in positions {
                let key = RowKey::on(self.key_name());
                found[position].push(self.connection_from(labels[position], values.clone(), key));
            }
        }
        for rows in &mut found {
            let shared = rows.len();
            for connection in rows.iter_mut() {
                connection.snapshot.shared_by(shared);
            }
        }
        Ok(found)
    }
}

/// A key as a case-insensitive, PAD SPACE collation compares it.
fn loosely(label: &str) -> String {
    label.trim_end_matches(' ').to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Mapping;

    /// SQLite's plan for a chunk of `count` keys, in a seed table whose key is `key_type`.
    async fn plan(key_type: &str, count: usize) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("app.db").display());
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
            .unwrap()
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        sqlx::query(AssertSqlSafe(format!(
            "CREATE TABLE zoho_connections (user_id {key_type}, access_token TEXT, \
             refresh_token TEXT, token_expires_at INTEGER, api_domain TEXT, org_id TEXT, \
             desk_org_id TEXT, desk_portal TEXT)"
        )))
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
        let store = SqlStore::open(&url, Mapping::seed(), false).await.unwrap();
        let params = (0..count).map(|n| BindValue::Text(n.to_string())).collect();
        let sql = format!("EXPLAIN QUERY PLAN {}", store.chunk_sql(count));
        store
            .fetch(sql, params)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|row| row.last().and_then(SqlValue::text))
            .collect()
    }

    use std::str::FromStr;

    use sqlx::AssertSqlSafe;

    fn searches_by_index(plan: &[String]) -> bool {
        plan.iter().any(|step| {
            step.starts_with("SEARCH") && (step.contains("INDEX") || step.contains("PRIMARY KEY"))
        }) && !plan.iter().any(|step| step.starts_with("SCAN"))
    }

    #[tokio::test]
    async fn a_chunk_of_text_keys_is_a_search_by_the_primary_key_not_a_scan() {
        let plan = plan("TEXT PRIMARY KEY", 3).await;
        assert!(searches_by_index(&plan), "{plan:?}");
    }

    #[tokio::test]
    async fn a_chunk_of_integer_keys_is_a_search_by_the_rowid_not_a_scan() {
        let plan = plan("INTEGER PRIMARY KEY", CHUNK).await;
        assert!(searches_by_index(&plan), "{plan:?}");
    }

    #[tokio::test]
    async fn a_unique_key_is_searched_by_its_index() {
        let plan = plan("VARCHAR(64) UNIQUE", 2).await;
        assert!(searches_by_index(&plan), "{plan:?}");
    }
}
