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
#[path = "connection_exists_tests.rs"]
mod tests;
