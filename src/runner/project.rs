//! The projection of a finished run into the reporters' model (`report::model`): the only
//! place runner types become report types.

use super::ConnectionRun;
use crate::{
    checks::Status,
    report::model::{CheckReport, ConnectionReport, Detail},
    store::{EnvValue, NotStored, Shown, WriteResult},
};

impl ConnectionRun {
    /// The reporters' view of this run (not yet redacted).
    pub fn to_report(&self) -> ConnectionReport {
        let detail = |(name, value): &(String, String)| Detail {
            name: name.clone(),
            value: value.clone(),
        };
        ConnectionReport {
            user: self.user.clone(),
            dc: self.facts.dc.map(|dc| dc.code().to_owned()),
            status: Status::worst(self.checks.iter().map(|check| check.outcome.status)),
            checks: self
                .checks
                .iter()
                .map(|check| CheckReport {
                    id: check.id.clone(),
                    kind: check.kind.name().to_owned(),
                    status: check.outcome.status,
                    message: check.outcome.message.clone(),
                    hint: check.outcome.hint.clone(),
                    code: check.outcome.code.clone(),
                    evidence: check.outcome.evidence.clone(),
                    details: check.outcome.details.iter().map(detail).collect(),
                    duration_ms: u64::try_from(check.duration.as_millis()).unwrap_or(u64::MAX),
                })
                .collect(),
            profile: self.facts.profile.iter().map(detail).collect(),
            changes: self.changes.iter().map(word).collect(),
            write_failed: self.changes.iter().any(WriteResult::is_failure),
        }
    }
}

/// One line of the report's "changes" for what `--fix` did with a value.
fn word(result: &WriteResult) -> String {
    match result {
        WriteResult::Written {
            column,
            before,
            after,
        } => {
            let refreshed = if *after == Shown::Secret {
                " (refreshed)"
            } else {
                ""
            };
            format!("`{column}`: {} → {}{refreshed}", shown(before), shown(after))
        }
        WriteResult::KeptRowChanged { column, token: true } => format!(
            "`{column}`: not written — the row changed after it was read (the app refreshed meanwhile), so the app's token was kept"
        ),
        WriteResult::KeptRowChanged {
            column,
            token: false,
        } => format!(
            "`{column}`: not written — the row changed after it was read, so the app's value was kept"
        ),
        WriteResult::NotStored(NotStored::AmbiguousOrganisation) => "`desk_org_id`, `desk_portal`: not stored — the user belongs to several organisations and none is the default; store the right org id by hand".to_owned(),
        WriteResult::NotStored(NotStored::NoColumn {
            field,
            discovered: None,
        }) => format!(
            "`{field}`: the table has no {} column; the refreshed token was not stored",
            field.replace('_', " ")
        ),
        WriteResult::NotStored(NotStored::NoColumn {
            field,
            discovered: Some(value),
        }) => format!(
            "`{field}`: discovered `{value}`, but the table has no {field} column; not stored"
        ),
        WriteResult::NotStored(NotStored::NoRow(EnvValue::AccessToken { expires_at })) => {
            format!(
                "env: would store access token *** (expires {}); there is no row to write it to",
                expires_at.to_rfc3339()
            )
        }
        WriteResult::NotStored(NotStored::NoRow(EnvValue::DeskOrgId(id))) => {
            format!("env: would store desk org id {id}: set ZOHO_DESK_ORG_ID={id}")
        }
        WriteResult::NotStored(NotStored::NoRow(EnvValue::DeskPortal(portal))) => {
            format!("env: would store desk portal {portal}: set ZOHO_DESK_PORTAL={portal}")
        }
        WriteResult::Failed { reason } => format!("not written: {reason}"),
    }
}

fn shown(value: &Shown) -> String {
    match value {
        Shown::Empty => "(empty)".to_owned(),
        Shown::Secret => "***".to_owned(),
        Shown::Value(value) => format!("`{value}`"),
    }
}
