//! `connection-exists`: the user has a connection row, and the row can work at all — a refresh
//! token that is there and is not the access token, and a data centre Zoho has.

use super::{CheckContext, CheckKind, Fact, OptionDoc, Options, Outcome, Verdict};
use crate::zoho::App;
use crate::{
    store::{Connection, ExpiryField, Stored},
    zoho::DataCentre,
};

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
    const ABOUT: &'static str = "a connection row exists for the user, with a refresh token that is not the access token and a known data centre";
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
                .hint("connect this user to Zoho first (the OAuth consent flow), or check --user, --store and the table mapping")
                .code("no_connection")
                .verdict();
        };
        if let Stored::Invalid { raw, .. } = &connection.dc {
            return Outcome::fail(format!("the row's dc `{raw}` is not a Zoho data centre"))
                .hint(format!(
                    "store one of {} (or an accounts host such as accounts.zoho.eu)",
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
        let mut outcome =
            Outcome::pass(format!("found the connection row for user `{}`", ctx.user));
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
}
