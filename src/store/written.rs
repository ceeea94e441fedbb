//! What `--fix` did with each value, typed: written (with what the column held before), kept
//! because the row changed after it was read, deliberately not stored, or failed. The store says
//! what happened; the report projection words it. No value here is ever a token.

use chrono::{DateTime, Utc};

/// A column's value as a report may show it.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    Empty,
    /// A token: never shown.
    Secret,
    Value(String),
}

/// What happened to one value of one row.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteResult {
    /// The column holds the new value now.
    Written {
        column: String,
        before: Shown,
        after: Shown,
    },
    /// Not written: the row changed after it was read (the app wrote meanwhile), so the app's
    /// value — its token, when `token` — was kept.
    KeptRowChanged { column: String, token: bool },
    /// Found, but deliberately not stored.
    NotStored(NotStored),
    /// The transaction failed and was rolled back: nothing of this row was written.
    Failed { reason: String },
}

/// Why something found was not stored.
#[derive(Debug, Clone, PartialEq)]
pub enum NotStored {
    /// The user belongs to several organisations and none is the default: the org id (and so
    /// the portal) would be a guess.
    AmbiguousOrganisation,
    /// The table has no column for the field; `discovered` is the value found (none for a token).
    NoColumn {
        field: &'static str,
        discovered: Option<String>,
    },
    /// The `env:` store has no row to write to.
    NoRow(EnvValue),
    /// Discovered from Zoho, but not what such a value looks like (`expected` says what does):
    /// stored, it would break what the app builds from it. `discovered` is as Zoho sent it.
    Implausible {
        field: &'static str,
        discovered: String,
        expected: &'static str,
    },
    /// Several rows share the row's key: a write keyed on it would change all of them.
    SharedKey {
        column: String,
        key: String,
        rows: usize,
    },
}

/// What the `env:` store would have stored.
#[derive(Debug, Clone, PartialEq)]
pub enum EnvValue {
    AccessToken { expires_at: DateTime<Utc> },
    DeskOrgId(String),
    DeskPortal(String),
}

impl WriteResult {
    pub fn is_failure(&self) -> bool {
        matches!(self, WriteResult::Failed { .. })
    }
}
