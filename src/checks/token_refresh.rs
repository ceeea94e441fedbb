//! `token-refresh`: settles on the access token later checks use, spending Zoho's token budget
//! (Zoho allows about 10 mints per refresh token per 10 minutes) only when needed: the stored
//! token is kept while it is outside the refresh skew; otherwise (or with `--force-refresh`)
//! one refresh is made. An answer with an `error` key — even HTTP 200 — or without
//! `access_token` fails, naming Zoho's error and what it means.

use chrono::{TimeDelta, Utc};

use super::{CheckContext, CheckKind, Fact, OptionDoc, Options, Outcome, Verdict, words};
use crate::zoho::App;
use crate::{
    checks::facts::{Discovery, GrantedScopes, ScopeSource, TokenFact},
    store::{ExpiryField, Field},
    zoho::{
        catalogue::ZohoCode,
        oauth::{self, Clients, ExpiresIn, MintedToken, RefreshAnswer},
        scopes,
    },
};

#[derive(Debug, Clone, Default)]
pub struct TokenRefresh;

/// Why a refresh is (or is not) needed.
enum Need {
    Keep { note: Option<String> },
    Refresh(String),
}

impl CheckKind for TokenRefresh {
    const NAME: &'static str = "token-refresh";
    const ABOUT: &'static str = "the access token is usable: kept while outside the refresh skew, else refreshed once; an answer with an `error` key (even HTTP 200) or without `access_token` fails";
    const OPTIONS: &'static [OptionDoc] = &[];
    const APP: Option<App> = None;
    const NEEDS: &'static [Fact] = &[];
    const PROVIDES: &'static [Fact] = &[
        Fact::Token,
        Fact::ApiDomain,
        Fact::GrantedScopes,
        Fact::RefreshRejection,
    ];

    fn from_options(_options: &mut Options<'_>) -> Option<Self> {
        Some(TokenRefresh)
    }
    async fn run(&self, ctx: &CheckContext) -> Verdict {
        let connection = match ctx.connection() {
            Ok(connection) => connection,
            Err(missing) => return missing.into(),
        };
        if let Some(verdict) = super::connection_exists::not_inspectable(connection) {
            return verdict;
        }
        let now = ctx.now();
        let skew = TimeDelta::from_std(ctx.env.settings.refresh_skew).unwrap_or(TimeDelta::MAX);
        let expires_at = match &connection.expiry {
            ExpiryField::Known(expiry) => Some(expiry.at),
            ExpiryField::Missing | ExpiryField::Unreadable(_) => None,
        };
        let need = if ctx.env.force_refresh {
            Need::Refresh("--force-refresh was given".to_owned())
        } else if connection.access_token.is_none() {
            Need::Refresh("the row has no access token".to_owned())
        } else {
            match &connection.expiry {
                ExpiryField::Known(expiry) if expiry.at - now <= skew => {
                    let left = expiry.at - now;
                    Need::Refresh(if left < TimeDelta::zero() {
                        format!("the stored access token expired {} ago", words::span(left))
                    } else {
                        format!(
                            "the stored access token expires in {}, within the {} refresh skew",
                            words::span(left),
                            words::span(skew)
                        )
                    })
                }
                ExpiryField::Known(expiry) => Need::Keep {
                    note: expiry.implausibility(now),
                },
                ExpiryField::Missing => Need::Keep {
                    note: Some(
                        "the row has no token expiry, so the stored access token is used as is"
                            .to_owned(),
                    ),
                },
                ExpiryField::Unreadable(raw) => Need::Keep {
                    note: Some(format!(
                        "the stored expiry `{raw}` is not epoch seconds, epoch milliseconds or a timestamp; the stored access token is used as is"
                    )),
                },
            }
        };
        match need {
            Need::Keep { note } => keep_stored(ctx, expires_at, note),
            Need::Refresh(reason) => {
                // A refresh fixes the token, not the app's expiry arithmetic: say so.
                let implausible = match &connection.expiry {
                    ExpiryField::Known(expiry) => expiry.implausibility(now),
                    ExpiryField::Missing | ExpiryField::Unreadable(_) => None,
                };
                refresh(ctx, &reason, implausible).await
            }
        }
    }
}

fn keep_stored(
    ctx: &CheckContext,
    expires_at: Option<chrono::DateTime<Utc>>,
    note: Option<String>,
) -> Verdict {
    let Some(token) = ctx
        .connection
        .as_deref()
        .and_then(|c| c.access_token.clone())
    else {
        return Outcome::error("no stored access token").verdict();
    };
    let validity = expires_at.map_or_else(String::new, |at| {
        format!(" (expires {})", words::relative(at - ctx.now()))
    });
    let message = format!(
        "using the stored access token{validity}; no refresh needed, so none of Zoho's token budget is spent"
    );
    let outcome = match note {
        Some(note) => Outcome::warn(format!("{message}; but {note}")).hint(
            "store the absolute expiry (now + expires_in seconds) when saving a token; run with --force-refresh to refresh now",
        ),
        None => Outcome::pass(message),
    };
    outcome.verdict().discover(Discovery::Token(TokenFact {
        token,
        expires_at,
        minted: false,
    }))
}

async fn refresh(ctx: &CheckContext, reason: &str, implausible: Option<String>) -> Verdict {
    let Some(connection) = ctx.connection.as_deref() else {
        return Outcome::skip("no connection row").verdict();
    };
    let Some(refresh_token) = &connection.refresh_token else {
        return Outcome::fail(format!("a refresh is needed ({reason}) but the row has no refresh token"))
            .hint("re-authorise with access_type=offline and prompt=consent: Zoho only issues a refresh token then")
            .code("no_refresh_token")
            .verdict();
    };
    let home = ctx.dc();
    let Some(client) = ctx
        .env
        .clients
        .for_dc(connection.client.as_ref(), home, home)
    else {
        return Outcome::error(format!("a refresh is needed ({reason}) but no OAuth client is configured"))
            .hint(format!("set ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET (or {} for this data centre), or add client_id and client_secret columns to the row", Clients::secret_variable(home)))
            .verdict();
    };
    let accounts = ctx.accounts_base();
    let (answer, exchange) =
        match oauth::refresh(&ctx.env.http, &accounts, &client, refresh_token).await {
            Ok(result) => result,
            Err(error) => return Outcome::http_error("refresh", &error).verdict(),
        };
    let evidence = exchange.summary();
    match answer {
        RefreshAnswer::Minted(minted) => minted_verdict(ctx, reason, minted, evidence, implausible),
        RefreshAnswer::Rejected(error) => {
            let status_note = if exchange.status == 200 {
                " (an HTTP 200 that only its `error` key marks as failed: Zoho's silent failure)"
            } else {
                ""
            };
            let mut outcome = Outcome::fail(format!(
                "refresh rejected: {}{status_note}; refreshed because {reason}",
                error.describe()
            ))
            .hint(error.hint())
            .code(error.wire_code.clone())
            .evidence(format!("{evidence}: error={}", error.wire_code));
            if error.known == Some(ZohoCode::RefreshThrottled) {
                outcome = outcome.evidence("not retried: every retry would extend Zoho's throttle window");
            }
            outcome
                .verdict()
                .discover(crate::checks::facts::Discovery::RefreshRejected(error))
        }
        RefreshAnswer::Unreadable(why) => Outcome::error(format!("refresh ({reason}): {why}"))
            .hint("run with -v to see the (redacted) answer; check ZOHO_ACCOUNTS_URL and any proxy in between")
            .evidence(evidence)
            .verdict(),
    }
}

fn minted_verdict(
    ctx: &CheckContext,
    reason: &str,
    minted: MintedToken,
    evidence: String,
    implausible: Option<String>,
) -> Verdict {
    let lifetime = minted.expires_in.lifetime();
    let expires_at = ctx.now() + TimeDelta::from_std(lifetime).unwrap_or(TimeDelta::hours(1));
    let mut fields = vec!["access_token=***".to_owned()];
    if let Some(domain) = &minted.api_domain {
        fields.push(format!("api_domain={domain}"));
    }
    if let Some(scope) = &minted.scope {
        fields.push(format!("scope={scope}"));
    }
    match &minted.expires_in {
        ExpiresIn::Given(expires) => fields.push(format!("expires_in={}", expires.as_secs())),
        ExpiresIn::Missing => fields.push("no expires_in (one hour assumed)".to_owned()),
        ExpiresIn::Implausible(sent) => fields.push(sent.clone()),
    }
    let mut message = format!(
        "refreshed because {reason}: the new access token is valid for {}",
        words::span(TimeDelta::from_std(lifetime).unwrap_or(TimeDelta::hours(1)))
    );
    let mut hints = Vec::new();
    if minted.api_domain.is_none() {
        message.push_str(&match &ctx.facts.api_domain {
            Some(stored) => format!("; the answer had no api_domain, so the stored `{stored}` is kept"),
            None => "; the answer had no api_domain and none is stored, so API calls use the data centre's default host".to_owned(),
        });
        hints.push("when saving a refresh answer without api_domain, keep the stored one — never fall back to the US host");
    }
    if let ExpiresIn::Implausible(sent) = &minted.expires_in {
        message.push_str(&format!(
            "; the answer's `{sent}` is not a token lifetime in seconds (Zoho's tokens live an hour), so one hour is assumed"
        ));
        hints.push("check what answers for the accounts server (a proxy or a mock can rewrite the answer); Zoho sends expires_in as whole seconds");
    }
    if let Some(implausible) = &implausible {
        message.push_str(&format!("; {implausible}"));
        hints.push(
            "store the absolute expiry: now + expires_in seconds (or milliseconds, consistently)",
        );
    }
    if ctx.env.settings.store.is_env() {
        // No row and no app: nothing keeps the token, so every run mints one.
        message.push_str("; the env: store keeps no access token, so each run mints one, counted toward Zoho's limit of about 10 per 10 minutes");
    } else if let Some(unsaved) = ctx.unsaved_note("the new token", Field::AccessToken) {
        message.push_str(&format!(
            "; {unsaved} — until then the app keeps its old token and this mint counts toward Zoho's limit of about 10 per 10 minutes"
        ));
        hints.push("run with --fix to store the refreshed token, or let the app refresh on its own schedule");
    }
    if ctx.env.force_refresh {
        message.push_str(&format!("; {EVICTION}"));
    }
    let outcome = if hints.is_empty() {
        Outcome::pass(message)
    } else {
        Outcome::warn(message).hint(hints.join("; "))
    };
    let outcome = outcome.evidence(format!("{evidence}: {}", fields.join(", ")));
    let mut verdict = outcome.verdict().discover(Discovery::Token(TokenFact {
        token: minted.access_token,
        expires_at: Some(expires_at),
        minted: true,
    }));
    if let Some(domain) = minted.api_domain {
        verdict = verdict.discover(Discovery::ApiDomain(domain));
    }
    if let Some(scope) = minted.scope {
        verdict = verdict.discover(Discovery::Scopes(GrantedScopes {
            scopes: scopes::parse_granted_list(&scope),
            source: ScopeSource::TokenAnswer,
        }));
    }
    verdict
}

/// What every mint may cost the app: Zoho keeps at most 15 live access tokens per refresh token.
pub(super) const EVICTION: &str = "Zoho keeps at most 15 live access tokens per refresh token, so each mint (this one included) may evict the oldest, possibly the token the app is using, which then answers INVALID_OAUTHTOKEN until the app refreshes";

#[cfg(test)]
#[path = "token_refresh_tests.rs"]
mod tests;
