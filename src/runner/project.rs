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
        WriteResult::NotStored(NotStored::Implausible {
            field,
            discovered,
            expected,
        }) => format!(
            "`{field}`: not stored — Zoho sent `{}`, but {expected}",
            escaped(discovered)
        ),
        WriteResult::NotStored(NotStored::SharedKey { column, key, rows }) => format!(
            "nothing written — {rows} rows share {column} `{key}`, and a write keyed on it would change all of them; remove the extra rows, then run --fix again"
        ),
        WriteResult::Failed { reason } => format!("not written: {reason}"),
    }
}

/// A value from outside, fit for one line: anything but printable ASCII escaped (control and
/// invisible characters show as `\u{7}`), at most 80 characters.
fn escaped(value: &str) -> String {
    let mut escaped = String::new();
    for c in value.chars() {
        if c.is_ascii_graphic() || c == ' ' {
            escaped.push(c);
        } else {
            escaped.extend(c.escape_default());
        }
    }
    if escaped.chars().count() > 80 {
        format!("{}…", escaped.chars().take(80).collect::<String>())
    } else {
        escaped
    }
}

fn shown(value: &Shown) -> String {
    match value {
        Shown::Empty => "(empty)".to_owned(),
        Shown::Secret => "***".to_owned(),
        Shown::Value(value) => format!("`{value}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_implausible_value_is_worded_with_its_control_characters_escaped() {
        let line = word(&WriteResult::NotStored(NotStored::Implausible {
            field: "desk_portal",
            discovered: "ac\u{7}me\n".to_owned(),
            expected: "a portal name has only letters, digits, `-` and `_`",
        }));
        assert_eq!(
            line,
            "`desk_portal`: not stored — Zoho sent `ac\\u{7}me\\n`, but a portal name has only letters, digits, `-` and `_`"
        );
        assert!(!line.chars().any(char::is_control));
        let long = word(&WriteResult::NotStored(NotStored::Implausible {
            field: "desk_portal",
            discovered: "x".repeat(500),
            expected: "…",
        }));
        assert!(long.len() < 200, "{long}");
    }

    #[test]
    fn a_shared_key_is_worded_naming_the_column_key_and_rows() {
        assert_eq!(
            word(&WriteResult::NotStored(NotStored::SharedKey {
                column: "user_id".to_owned(),
                key: "u1".to_owned(),
                rows: 2,
            })),
            "nothing written — 2 rows share user_id `u1`, and a write keyed on it would change all of them; remove the extra rows, then run --fix again"
        );
    }
}
