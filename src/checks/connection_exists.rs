//! `connection-exists`: the user has a connection row, and the row can work at all — values that
//! read as text, a refresh token that is there and is not the access token, and a data centre
//! Zoho has — and it is the only row with its key, and holds no time that is none.

use super::{CheckContext, CheckKind, Fact, OptionDoc, Options, Outcome, Status, Verdict};
use crate::zoho::App;
use crate::{
    store::{Connection, ExpiryField, Stored, Unreadable},
    zoho::DataCentre,
};

/// The row for messages: `user_id `u2``, by its key column (`id `7`` for a row known by its
/// id, `no user_id` for one known by nothing).
fn row_named(connection: &Connection) -> String {
    match connection.key() {
        Some(key) if key.unkeyed() => format!("no {}", key.column),
        Some(key) if key.empty.is_some() => {
            let id = connection.user_id.split_once(':').map_or("", |(_, id)| id);
            format!("{} `{id}`", key.column)
        }
        Some(key) => format!("{} `{}`", key.column, connection.user_id),
        None => format!("user `{}`", connection.user_id),
    }
}

/// A row whose key is NULL or blank and that has no id either: the app cannot find it for any
/// user, so it is reported, never dropped.
fn no_user_id(connection: &Connection) -> Option<Verdict> {
    let key = connection.key().filter(|key| key.unkeyed())?;
    Some(
        Outcome::fail(format!(
            "the row has no user id: `{}` is NULL or blank, so no app user's lookup finds it",
            key.column
        ))
        .hint(format!(
            "store the app user's id in `{}`, or delete the row if it is left over from a failed connect",
            key.column
        ))
        .code("no_user_id")
        .verdict(),
    )
}

/// Columns holding bytes that are not UTF-8 text: unreadable to the app too, so a failure.
fn not_text(connection: &Connection) -> Option<Verdict> {
    let columns: Vec<String> = connection
        .unreadable()
        .iter()
        .filter_map(|value| match value {
            Unreadable::NotText { column } => Some(format!("`{column}`")),
            Unreadable::Time { .. } => None,
        })
        .collect();
    if columns.is_empty() {
        return None;
    }
    Some(
        Outcome::fail(format!(
            "the row with {} holds bytes that are not UTF-8 text in {}: zoho-doctor cannot read {}, and neither can an app that reads text",
            row_named(connection),
            columns.join(" and "),
            if columns.len() == 1 { "it" } else { "them" }
        ))
        .hint("rewrite the value as UTF-8 text (for a token, re-authorise the user); if the app stores it encrypted, point zoho-doctor at a view that decrypts it")
        .code("value_not_text")
        .verdict(),
    )
}

/// What the row holds that works but should not: a time that is none, a key other rows share.
/// Each is a message, a hint and a code.
fn warnings(connection: &Connection) -> Vec<(String, &'static str, &'static str)> {
    let mut warnings = Vec::new();
    for value in connection.unreadable() {
        if let Unreadable::Time { column, raw } = value {
            warnings.push((
                format!(
                    "`{column}` holds `{raw}` ({}), which is no point in time: an app comparing it with the clock refreshes the access token always or never, and Zoho expires it after an hour",
                    row_named(connection)
                ),
                "store the token's real expiry (now + expires_in seconds); --fix stores a fresh token with its expiry",
                "time_out_of_range",
            ));
        }
    }
    // Rows without a key or id are not read by any app user's lookup: sharing is moot.
    if let Some(key) = connection
        .key()
        .filter(|key| key.rows > 1 && !key.unkeyed())
    {
        warnings.push((
            format!(
                "{} rows share {}; the app reads whichever its query returns first",
                key.rows,
                row_named(connection)
            ),
            "delete the stale rows and make the key column unique; until then --fix writes to none of them",
            "duplicate_key",
        ));
    }
    warnings
}

/// A pass becomes a warning with the row's warnings; a failure keeps its message and carries
/// them as evidence.
fn with_warnings(
    mut verdict: Verdict,
    warnings: Vec<(String, &'static str, &'static str)>,
) -> Verdict {
    let Some((_, _, code)) = warnings.first() else {
        return verdict;
    };
    let outcome = &mut verdict.outcome;
    if outcome.status != Status::Pass {
        outcome
            .evidence
            .extend(warnings.into_iter().map(|(message, _, _)| message));
        return verdict;
    }
    outcome.status = Status::Warn;
    outcome.code = Some((*code).to_owned());
    let (messages, hints): (Vec<String>, Vec<&str>) = warnings
        .into_iter()
        .map(|(message, hint, _)| (message, hint))
        .unzip();
    outcome.message = messages.join("; ");
    outcome.hint = Some(hints.join("; "));
    verdict
}

/// A token column holding ciphertext fails the check that meets it; the value is never sent.
pub(super) fn not_inspectable(connection: &Connection) -> Option<Verdict> {
    if connection.encrypted.is_empty() {
        return None;
    }
    let columns = connection
        .encrypted
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(" and ");
    Some(
        Outcome::fail(format!(
            "{columns} hold{} an encrypted value, not a Zoho token: zoho-doctor cannot inspect it, and sent nothing to Zoho",
            if connection.encrypted.len() == 1 { "s" } else { "" }
        ))
        .hint("point zoho-doctor at the decrypted tokens: a view that decrypts them, mapped with --table/--column")
        .code("token_encrypted")
        .verdict(),
    )
}

#[derive(Debug, Clone, Default)]
pub struct ConnectionExists;

impl CheckKind for ConnectionExists {
    const NAME: &'static str = "connection-exists";
    const ABOUT: &'static str = "a connection row exists for the user, with a refresh token that is not the access token and a known data centre; every value reads (text that is text, times in range) and no other row shares its key";
    const OPTIONS: &'static [OptionDoc] = &[];
    const APP: Option<App> = None;
    const NEEDS: &'static [Fact] = &[];
    const PROVIDES: &'static [Fact] = &[];

    fn from_options(_options: &mut Options<'_>) -> Option<Self> {
        Some(ConnectionExists)
    }
    async fn run(&self, ctx: &CheckContext) -> Verdict {
        let Some(connection) = ctx.connection.as_deref() else {
            return Outcome::fail(format!("no connection row for user `{}`", ctx.user))
                .hint(no_row_hint(&ctx.user))
                .code("no_connection")
                .verdict();
        };
        with_warnings(Self::judge(ctx, connection), warnings(connection))
    }
}

/// How to connect a user without a row; a report's label for the Nth row that shares a key
/// (`u1#2`) is no key, and says which `--user` selects it.
fn no_row_hint(user: &str) -> String {
    let label = user.rsplit_once('#').filter(|(key, n)| {
        !key.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
    });
    match label {
        Some((key, _)) => format!(
            "`{user}` reads as a report's label for a row that shares key `{key}` with others: \
             `--user {key}` checks every row with that key; else connect this user to Zoho first \
             (the OAuth consent flow), or check --user, --store and the table mapping"
        ),
        None => "connect this user to Zoho first (the OAuth consent flow), or check --user, \
                 --store and the table mapping"
            .to_owned(),
    }
}

impl ConnectionExists {
    /// The row's first failure, or its pass with what it holds.
    fn judge(ctx: &CheckContext, connection: &Connection) -> Verdict {
        if let Some(verdict) = no_user_id(connection) {
            return verdict;
        }
        if let Some(verdict) = not_text(connection) {
            return verdict;
        }
        if let Stored::Invalid { raw, .. } = &connection.dc {
            // The env: store's dc is the ZOHO_DC variable, not a row's column.
            let (whose, action) = match ctx.env.settings.store.is_env() {
                true => ("ZOHO_DC", "set ZOHO_DC to"),
                false => ("the row's dc", "store"),
            };
            return Outcome::fail(format!("{whose} `{raw}` is not a Zoho data centre"))
                .hint(format!(
                    "{action} one of {} (or an accounts host such as accounts.zoho.eu)",
                    DataCentre::accepted_codes()
                ))
                .code("unknown_dc")
                .verdict();
        }
        if let Some(verdict) = not_inspectable(connection) {
            return verdict;
        }
        let Some(refresh_token) = &connection.refresh_token else {
            return Outcome::fail("the row has no refresh token, so the connection dies when its access token expires")
                .hint("re-authorise with access_type=offline and prompt=consent: Zoho only issues a refresh token then")
                .code("no_refresh_token")
                .verdict();
        };
        if connection.access_token.as_ref().is_some_and(|access| {
            access.same_as(secrecy::ExposeSecret::expose_secret(refresh_token))
        }) {
            return Outcome::fail("the stored refresh token equals the access token: a refresh answer was written over it (Zoho's refresh answer carries no refresh token)")
                .hint("re-authorise to get a new refresh token; when saving a refresh answer, keep the stored refresh token")
                .code("refresh_token_overwritten")
                .verdict();
        }
        let mut outcome = match connection.key().and_then(|key| key.empty.as_ref()) {
            Some(empty) => Outcome::pass(format!(
                "found the connection row with {}; its `{empty}` is NULL or blank (a token stored without a user), so it is checked under its id",
                row_named(connection)
            )),
            None => Outcome::pass(format!("found the connection row for user `{}`", ctx.user)),
        };
        if let Some(dc) = ctx.facts.dc {
            outcome = outcome.detail("data centre", dc.code());
        }
        match &connection.expiry {
            ExpiryField::Known(expiry) => {
                outcome = outcome.detail(
                    "token expiry",
                    format!("{} ({})", expiry.at.to_rfc3339(), expiry.unit.describe()),
                );
            }
            ExpiryField::Unreadable(raw) => {
                outcome = outcome.detail("token expiry", format!("unreadable: `{raw}`"));
            }
            ExpiryField::Missing => {}
        }
        outcome.verdict()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use secrecy::SecretString;

    use super::*;
    use crate::store::{Field, RowKey, Snapshot, SqlValue};
    use crate::{
        checks::{Status, testing::*},
        store::stored,
        zoho::AccessToken,
    };

    /// A row that can work: a refresh token, another access token, a data centre.
    fn working_row() -> Connection {
        Connection {
            access_token: Some(AccessToken::new("1000.access.token")),
            refresh_token: Some(SecretString::from("1000.refresh.token")),
            dc: stored_as("eu", stored::data_centre),
            ..row("ada")
        }
    }

    async fn verdict_for(connection: Option<Connection>) -> Verdict {
        let ctx = match connection {
            Some(connection) => row_context(offline_env(App::Desk), connection),
            None => context(offline_env(App::Desk), None, Default::default()),
        };
        ConnectionExists.run(&ctx).await
    }

    #[test]
    fn a_label_of_a_row_sharing_a_key_points_at_the_key() {
        assert!(no_row_hint("u1#2").contains("`--user u1` checks every row with that key"));
        for plain in ["ada", "#2", "u1#", "u1#x", "a#b#"] {
            assert!(
                no_row_hint(plain).starts_with("connect this user"),
                "{plain}: {}",
                no_row_hint(plain)
            );
        }
    }

    #[tokio::test]
    async fn a_user_without_a_row_fails_with_no_connection_and_how_to_connect() {
        let verdict = verdict_for(None).await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.message, "no connection row for user `ada`");
        assert_eq!(outcome.code.as_deref(), Some("no_connection"));
        assert!(
            outcome
                .hint
                .as_deref()
                .unwrap()
                .contains("OAuth consent flow"),
            "{:?}",
            outcome.hint
        );
        assert!(discovered(&verdict).is_empty());
    }

    #[tokio::test]
    async fn a_dc_zoho_does_not_have_fails_naming_it_and_the_codes_zoho_has() {
        let verdict = verdict_for(Some(Connection {
            dc: stored_as("mars", stored::data_centre),
            ..working_row()
        }))
        .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.message,
            "the row's dc `mars` is not a Zoho data centre"
        );
        assert_eq!(outcome.code.as_deref(), Some("unknown_dc"));
        let hint = outcome.hint.as_deref().unwrap();
        assert!(hint.starts_with("store one of us, eu, in,"), "{hint}");
        assert!(hint.contains("accounts.zoho.eu"), "{hint}");
    }

    #[tokio::test]
    async fn an_encrypted_token_column_fails_without_sending_anything() {
        let verdict = verdict_for(Some(Connection {
            encrypted: vec!["refresh_token".to_owned()],
            ..working_row()
        }))
        .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome
                .message
                .starts_with("`refresh_token` holds an encrypted value, not a Zoho token"),
            "{}",
            outcome.message
        );
        assert!(outcome.message.contains("sent nothing to Zoho"));
        assert_eq!(outcome.code.as_deref(), Some("token_encrypted"));
        assert!(
            outcome
                .hint
                .as_deref()
                .unwrap()
                .contains("a view that decrypts them")
        );
    }

    #[tokio::test]
    async fn two_encrypted_columns_are_both_named() {
        let verdict = verdict_for(Some(Connection {
            encrypted: vec!["access_token".to_owned(), "refresh_token".to_owned()],
            ..working_row()
        }))
        .await;
        assert!(
            verdict
                .outcome
                .message
                .starts_with("`access_token` and `refresh_token` hold an encrypted value"),
            "{}",
            verdict.outcome.message
        );
    }

    #[tokio::test]
    async fn a_row_without_a_refresh_token_fails_and_asks_for_an_offline_grant() {
        let verdict = verdict_for(Some(Connection {
            refresh_token: None,
            ..working_row()
        }))
        .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.message.contains("no refresh token"),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.code.as_deref(), Some("no_refresh_token"));
        assert!(
            outcome
                .hint
                .as_deref()
                .unwrap()
                .contains("access_type=offline and prompt=consent")
        );
    }

    #[tokio::test]
    async fn a_refresh_token_equal_to_the_access_token_fails_as_overwritten() {
        let verdict = verdict_for(Some(Connection {
            access_token: Some(AccessToken::new("1000.same.token")),
            refresh_token: Some(SecretString::from("1000.same.token")),
            ..working_row()
        }))
        .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome
                .message
                .starts_with("the stored refresh token equals the access token"),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.code.as_deref(), Some("refresh_token_overwritten"));
        assert!(
            outcome
                .hint
                .as_deref()
                .unwrap()
                .contains("keep the stored refresh token")
        );
    }

    #[tokio::test]
    async fn a_working_row_passes_showing_its_data_centre_and_expiry() {
        let expiry = expiring_in(TimeDelta::minutes(30));
        let ExpiryField::Known(known) = &expiry else {
            panic!("epoch seconds read as an expiry");
        };
        let at = known.at.to_rfc3339();
        let verdict = verdict_for(Some(Connection {
            expiry,
            ..working_row()
        }))
        .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Pass);
        assert_eq!(outcome.message, "found the connection row for user `ada`");
        assert_eq!(
            outcome.details,
            [
                ("data centre".to_owned(), "eu".to_owned()),
                ("token expiry".to_owned(), format!("{at} (epoch seconds)")),
            ]
        );
        assert_eq!((outcome.code.as_ref(), outcome.hint.as_ref()), (None, None));
        assert!(discovered(&verdict).is_empty());
    }

    #[tokio::test]
    async fn an_unreadable_expiry_is_shown_as_such_and_the_row_still_passes() {
        let verdict = verdict_for(Some(Connection {
            expiry: ExpiryField::Unreadable("soon".to_owned()),
            dc: Stored::Absent,
            ..working_row()
        }))
        .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Pass);
        assert_eq!(
            outcome.details,
            [("token expiry".to_owned(), "unreadable: `soon`".to_owned())],
            "no dc stored, so no data centre detail"
        );
    }

    /// The row as the SQL store reads it: keyed on `user_id`, shared by `rows` rows.
    fn read_as(values: Vec<(Field, &str, SqlValue)>, rows: usize) -> Snapshot {
        let values = values
            .into_iter()
            .map(|(field, column, value)| (field, column.to_owned(), value))
            .collect();
        let key = RowKey::on("user_id");
        let mut snapshot = Snapshot::read(values, key);
        snapshot.shared_by(rows);
        snapshot
    }

    #[tokio::test]
    async fn a_value_that_is_not_text_fails_naming_the_column_and_the_key_never_the_bytes() {
        let verdict = verdict_for(Some(Connection {
            refresh_token: None,
            snapshot: read_as(
                vec![(
                    Field::RefreshToken,
                    "refresh_token",
                    SqlValue::Bytes(vec![0x31, 0xff, 0x2e]),
                )],
                1,
            ),
            ..working_row()
        }))
        .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.message,
            "the row with user_id `ada` holds bytes that are not UTF-8 text in `refresh_token`: zoho-doctor cannot read it, and neither can an app that reads text"
        );
        assert_eq!(outcome.code.as_deref(), Some("value_not_text"));
        assert!(!format!("{outcome:?}").contains("ff"), "{outcome:?}");
    }

    #[tokio::test]
    async fn a_time_that_is_none_warns_naming_the_column_and_its_text() {
        let verdict = verdict_for(Some(Connection {
            expiry: ExpiryField::Unreadable("infinity".to_owned()),
            snapshot: read_as(
                vec![(
                    Field::Expiry,
                    "token_expires_at",
                    SqlValue::OutOfRange("infinity".to_owned()),
                )],
                1,
            ),
            ..working_row()
        }))
        .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Warn);
        assert!(
            outcome.message.starts_with(
                "`token_expires_at` holds `infinity` (user_id `ada`), which is no point in time"
            ),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.code.as_deref(), Some("time_out_of_range"));
        assert!(outcome.hint.as_deref().unwrap().contains("real expiry"));
    }

    #[tokio::test]
    async fn a_key_other_rows_share_warns_and_a_failing_row_carries_it_as_evidence() {
        let shared = read_as(
            vec![(Field::Key, "user_id", SqlValue::Text("ada".into()))],
            2,
        );
        let verdict = verdict_for(Some(Connection {
            snapshot: shared.clone(),
            ..working_row()
        }))
        .await;
        let outcome = &verdict.outcome;
        assert_eq!(outcome.status, Status::Warn);
        assert_eq!(
            outcome.message,
            "2 rows share user_id `ada`; the app reads whichever its query returns first"
        );
        assert_eq!(outcome.code.as_deref(), Some("duplicate_key"));
        assert!(
            outcome
                .details
                .iter()
                .any(|(name, _)| name == "data centre")
        );

        let failing = verdict_for(Some(Connection {
            refresh_token: None,
            snapshot: shared,
            ..working_row()
        }))
        .await;
        assert_eq!(failing.outcome.code.as_deref(), Some("no_refresh_token"));
        assert_eq!(
            failing.outcome.evidence,
            ["2 rows share user_id `ada`; the app reads whichever its query returns first"]
        );
    }

    #[tokio::test]
    async fn a_row_without_a_key_fails_without_an_id_and_is_named_by_its_id_with_one() {
        let keyed = |column: &str, label: &str| {
            let key = RowKey {
                empty: Some("user_id".to_owned()),
                ..RowKey::on(column)
            };
            Connection {
                user_id: label.to_owned(),
                snapshot: Snapshot::read(Vec::new(), key),
                ..working_row()
            }
        };
        let unkeyed = verdict_for(Some(keyed("user_id", "(no user_id)"))).await;
        assert_eq!(unkeyed.outcome.status, Status::Fail);
        assert_eq!(unkeyed.outcome.code.as_deref(), Some("no_user_id"));
        assert!(
            unkeyed.outcome.message.contains("the row has no user id"),
            "{}",
            unkeyed.outcome.message
        );
        let by_id = verdict_for(Some(keyed("id", "id:7"))).await;
        assert_eq!(by_id.outcome.status, Status::Pass);
        assert!(
            by_id
                .outcome
                .message
                .contains("with id `7`; its `user_id` is NULL or blank"),
            "{}",
            by_id.outcome.message
        );
    }
}
