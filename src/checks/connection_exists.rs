//! `connection-exists`: the user has a connection row, and the row can work at all — a refresh
//! token that is there and is not the access token, and a data centre Zoho has.

use super::{CheckKind, Fact, OptionDoc, Options, CheckContext, Outcome, Verdict};
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
