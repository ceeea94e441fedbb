//! `data-centre`: the row's data centre, the accounts server and the token's `api_domain` agree.
//! After a refresh rejected with `invalid_code` or `invalid_client` — what Zoho answers when a
//! token is sent to the wrong data centre — it asks the other data centres' accounts servers
//! which one knows the refresh token (probing; `probe: false` turns it off).

use tokio::task::JoinSet;

use super::{CheckContext, CheckKind, Fact, OptionDoc, Options, Outcome, Verdict};
use crate::zoho::App;
use crate::{
    checks::outcome::{Afterword, Amend, Status},
    store::{Connection, Field},
    zoho::{
        DataCentre,
        catalogue::{ZohoCode, ZohoError},
        dc::{Host, UNVERIFIED_HOST},
        http::Answer,
        oauth::{self, ClientCredentials, Clients, RefreshAnswer, UserInfoAnswer},
        scopes::Scope,
        throttle,
    },
};

#[derive(Debug, Clone)]
pub struct DataCentreCheck {
    /// Ask the other data centres after a DC-shaped refresh failure.
    pub probe: bool,
}

impl Default for DataCentreCheck {
    fn default() -> Self {
        DataCentreCheck { probe: true }
    }
}

impl CheckKind for DataCentreCheck {
    const NAME: &'static str = "data-centre";
    const ABOUT: &'static str = "the row's data centre, the accounts server and the token's api_domain agree; after invalid_code/invalid_client it asks the other data centres which one knows the refresh token";
    const OPTIONS: &'static [OptionDoc] = &[OptionDoc {
        name: "probe",
        about: "ask the other data centres which one knows a rejected refresh token (default true)",
    }];
    const APP: Option<App> = None;
    const NEEDS: &'static [Fact] = &[];
    const PROVIDES: &'static [Fact] = &[];

    fn from_options(options: &mut Options<'_>) -> Option<Self> {
        Some(DataCentreCheck {
            probe: options.flag("probe").unwrap_or(true),
        })
    }
    async fn run(&self, ctx: &CheckContext) -> Verdict {
        let connection = match ctx.connection() {
            Ok(connection) => connection,
            Err(missing) => return missing.into(),
        };
        if let Some(rejection) = &ctx.facts.refresh_rejection
            && matches!(
                rejection.known,
                Some(ZohoCode::InvalidCode | ZohoCode::InvalidClient)
            )
        {
            if !self.probe {
                return Outcome::warn(format!(
                    "the refresh failed with `{}`, which Zoho also answers when the data centre is wrong; probing the other data centres is off",
                    rejection.wire_code
                ))
                .hint("set `probe: true` on this check, or compare the connection's data centre with the one the user signed up in")
                .code(rejection.wire_code.clone())
                .verdict();
            }
            return probe(ctx, connection, rejection).await;
        }
        let verdict = agreement(ctx, connection);
        if verdict.outcome.status == Status::Pass {
            return legacy_crm_host(ctx, with_user_info(ctx, verdict));
        }
        verdict
    }
}

/// Where the granted scopes allow it, asks the accounts server who the token belongs to: it
/// confirms the token on this data centre and shows the user's email, ZUID and org id (read
/// from `orgid`, `organization_id` or `ZGID`, whichever the data centre sends). No later check
/// needs the answer, so it is an afterword: the dependants start at once and the answer joins
/// this check's evidence when it comes (one round trip off the connection's critical path).
fn with_user_info(ctx: &CheckContext, verdict: Verdict) -> Verdict {
    let (Ok(token), Some(granted)) = (ctx.token(), &ctx.facts.granted_scopes) else {
        return verdict;
    };
    let Ok(wanted) = Scope::parse_required(USER_INFO_SCOPE) else {
        return verdict;
    };
    if !granted.scopes.iter().any(|held| held.covers(&wanted)) {
        return verdict;
    }
    let url = format!("{}/oauth/user/info", ctx.accounts_base());
    let (http, token) = (ctx.env.http.clone(), token.token.clone());
    verdict.then_amend(Afterword::new(async move {
        let answer = http.get(&url, &token, &[]).await;
        let amend: Amend = Box::new(move |outcome| match answer {
            Ok(answer) => user_info_evidence(outcome, &answer),
            Err(error) => {
                let mut outcome = outcome;
                outcome.evidence.push(format!("user info: {error}"));
                outcome
            }
        });
        amend
    }))
}

/// The user info answer, as evidence and details of the check's outcome (a refusal: a warning).
fn user_info_evidence(outcome: Outcome, answer: &Answer) -> Outcome {
    let evidence = answer.summary();
    let mut outcome = outcome;
    match oauth::read_user_info(answer.status, &answer.body) {
        UserInfoAnswer::Found(info) => {
            outcome.evidence.push(format!("{evidence}: user info"));
            for (name, value) in [
                ("Email", info.email),
                ("ZUID", info.zuid),
                ("Name", info.display_name),
            ] {
                if let Some(value) = value {
                    outcome.details.push((name.to_owned(), value));
                }
            }
            if let Some((org_id, field)) = info.org_id {
                outcome
                    .details
                    .push((format!("Org id (user info `{field}`)"), org_id));
            }
        }
        UserInfoAnswer::Rejected(error) => {
            outcome = Outcome::warn(format!(
                "{}; but the accounts server's user info refused the token: {}",
                outcome.message,
                error.describe()
            ))
            .hint(error.hint())
            .code(error.wire_code.clone())
            .evidence_lines(outcome.evidence)
            .evidence(format!("{evidence}: {}", error.wire_code));
        }
        UserInfoAnswer::Unreadable(why) => outcome.evidence.push(format!("{evidence}: {why}")),
    }
    outcome
}

/// The scope `/oauth/user/info` needs.
const USER_INFO_SCOPE: &str = "AaaServer.profile.Read";

/// What the row (or the `env:` store's ZOHO_DC) says its data centre is, for messages.
fn row_says(ctx: &CheckContext, connection: &Connection) -> String {
    let env = ctx.env.settings.store.is_env();
    match connection.dc.raw() {
        Some(raw) if env => format!("ZOHO_DC says `{raw}`"),
        Some(raw) => format!("the row says `{raw}`"),
        None if env => "ZOHO_DC is not set (US assumed)".to_owned(),
        None if ctx.env.settings.store.has(Field::Dc) => {
            "the row stores no dc (US assumed)".to_owned()
        }
        // The Zoho SDKs' table has no dc column: they read the data centre from api_domain.
        None => "the row's api_domain names no data centre (US assumed)".to_owned(),
    }
}

/// Where the connection's dc comes from, for messages.
fn dc_source(ctx: &CheckContext) -> &'static str {
    if ctx.env.settings.store.is_env() {
        "ZOHO_DC"
    } else {
        "the row's dc"
    }
}

/// Where to keep the data centre when none is known: the SDKs read it from api_domain.
fn no_dc_hint(ctx: &CheckContext) -> &'static str {
    let store = &ctx.env.settings.store;
    if store.is_env() {
        "set ZOHO_DC to the data centre Zoho reports with the grant (`location` / `accounts-server`)"
    } else if store.has(Field::Dc) {
        "store the data centre Zoho reports with the grant (`location` / `accounts-server`) and the token answer's api_domain"
    } else {
        "store the token answer's api_domain with the connection: the data centre is read from it"
    }
}

fn agreement(ctx: &CheckContext, connection: &Connection) -> Verdict {
    let home = ctx.dc();
    let row_dc = connection.dc.valid().copied();
    let accounts = ctx.accounts_base();
    let Some(api_domain) = ctx.facts.api_domain.as_deref() else {
        return match row_dc {
            Some(dc) => Outcome::pass(format!(
                "{} `{dc}` gives accounts server {accounts}; no api_domain is stored to compare",
                dc_source(ctx)
            ))
            .verdict(),
            None => Outcome::warn(
                "neither a dc nor an api_domain is stored, so Zoho's US data centre is assumed",
            )
            .hint(no_dc_hint(ctx))
            .verdict(),
        };
    };
    let Some(api_dc) = ctx.env.endpoints.dc_of_api_domain(api_domain) else {
        return Outcome::warn(format!(
            "api_domain `{api_domain}` is not the API host of any Zoho data centre"
        ))
        .hint("store the api_domain of the token answer (https://www.zohoapis.<tld>); it is never the Desk or CRM web host")
        .code("unknown_api_domain")
        .verdict();
    };
    if api_dc != home {
        return Outcome::fail(format!(
            "the token's api_domain {api_domain} belongs to the {} data centre, but {}",
            api_dc.label(),
            row_says(ctx, connection)
        ))
        .hint(format!(
            "{} (accounts server {}, {}); a token only works in its own data centre",
            ctx.env
                .settings
                .store
                .set_dc(api_dc.code(), &api_dc.api_host()),
            api_dc.accounts_host(),
            api_calls_to(ctx, api_dc)
        ))
        .code("dc_mismatch")
        .verdict();
    }
    let origin = if row_dc.is_some() {
        format!("{} `{home}`", dc_source(ctx))
    } else {
        format!("the {} data centre read from api_domain", home.label())
    };
    Outcome::pass(format!(
        "{origin}, accounts server {accounts} and api_domain {api_domain} agree"
    ))
    .verdict()
}

/// A CRM pipeline whose stored `api_domain` is a Zoho host CRM no longer serves its API on
/// (`crm.zoho.eu`, `www.zoho.com`: since v2.1 only `www.`, `sandbox.` and
/// `developer.zohoapis.<tld>` answer, the rest say `INVALID_HOST`) turns a pass into a warning
/// with the host to store; the CRM checks call the data centre's API host meanwhile.
fn legacy_crm_host(ctx: &CheckContext, verdict: Verdict) -> Verdict {
    let endpoints = &ctx.env.endpoints;
    let Some(api_domain) = ctx.facts.api_domain.as_deref() else {
        return verdict;
    };
    if ctx.env.app != crate::zoho::App::Crm || endpoints.serves_crm_api(api_domain) {
        return verdict;
    }
    let Some(dc) = endpoints.dc_of_api_domain(api_domain) else {
        return verdict;
    };
    let host = format!("https://{}", dc.api_host());
    let outcome = verdict.outcome;
    let mut warning = Outcome::warn(format!(
        "{}; but api_domain {api_domain} is not a CRM API host: since API v2.1 Zoho CRM answers INVALID_HOST there, so the CRM checks use the data centre's API host instead",
        outcome.message
    ))
    .hint(format!(
        "store {host} as this connection's api_domain (the token answer's api_domain); CRM serves its API only on www., sandbox. or developer.{}",
        host.trim_start_matches("https://www.")
    ))
    .code("INVALID_HOST")
    .evidence_lines(outcome.evidence);
    warning.details = outcome.details;
    Verdict {
        outcome: warning,
        discoveries: verdict.discoveries,
        afterword: verdict.afterword,
    }
}

/// Where the pipeline's API calls go in that data centre, for hints.
fn api_calls_to(ctx: &CheckContext, dc: DataCentre) -> String {
    match ctx.env.app {
        crate::zoho::App::Desk => format!("Desk calls to {}", dc.desk_host()),
        crate::zoho::App::Crm => format!("API calls to {}", dc.api_host()),
    }
}

enum ProbeResult {
    Knows,
    Rejects,
    /// `invalid_client_secret`: the data centre knows the client, but its secret differs there.
    SecretDiffers,
    Unreachable,
}

async fn probe(ctx: &CheckContext, connection: &Connection, rejection: &ZohoError) -> Verdict {
    let home = ctx.dc();
    let clients = &ctx.env.clients;
    let row_client = connection.client.as_ref();
    // Hosts Zoho documents first: an unverified one is asked (and shown) last.
    let others: Vec<(DataCentre, ClientCredentials)> =
        DataCentre::others_by_evidence(home, Host::Accounts)
            .into_iter()
            .filter_map(|dc| Some((dc, clients.for_dc(row_client, dc, home)?)))
            .collect();
    let Some(refresh_token) = connection
        .refresh_token
        .clone()
        .filter(|_| !others.is_empty())
    else {
        return Outcome::skip("cannot probe other data centres without a refresh token and client")
            .verdict();
    };
    let mut probes = JoinSet::new();
    for (dc, client) in others {
        let (http, base, token) = (
            ctx.env.http.clone(),
            ctx.env.endpoints.accounts(dc),
            refresh_token.clone(),
        );
        probes.spawn(throttle::carrying_gate_waits(async move {
            let result = match oauth::refresh(&http, &base, &client, &token).await {
                Ok((RefreshAnswer::Minted(_), exchange)) => (
                    ProbeResult::Knows,
                    format!("{}: access_token=***", exchange.summary()),
                ),
                Ok((RefreshAnswer::Rejected(error), exchange))
                    if error.known == Some(ZohoCode::InvalidClientSecret) =>
                {
                    (
                        ProbeResult::SecretDiffers,
                        format!("{}: error={}", exchange.summary(), error.wire_code),
                    )
                }
                Ok((RefreshAnswer::Rejected(error), exchange)) => (
                    ProbeResult::Rejects,
                    format!("{}: error={}", exchange.summary(), error.wire_code),
                ),
                Ok((RefreshAnswer::Unreadable(why), exchange)) => (
                    ProbeResult::Unreachable,
                    format!("{}: {why}", exchange.summary()),
                ),
                Err(error) => (ProbeResult::Unreachable, error.to_string()),
            };
            (dc, result)
        }));
    }
    let mut answers = Vec::new();
    while let Some(joined) = probes.join_next().await {
        if let Ok(answer) = joined {
            answers.push(answer);
        }
    }
    answers.sort_by_key(|(dc, _)| (!dc.verified(Host::Accounts), *dc));
    let evidence: Vec<String> = std::iter::once(format!(
        "the refresh at {} answered `{}`; asked the other {} data centres",
        ctx.accounts_base(),
        rejection.wire_code,
        answers.len()
    ))
    .chain(answers.iter().map(|(dc, (_, line))| {
        if dc.verified(Host::Accounts) {
            format!("{}: {line}", dc.code())
        } else {
            format!("{} ({UNVERIFIED_HOST}): {line}", dc.code())
        }
    }))
    .collect();
    let owners: Vec<DataCentre> = answers
        .iter()
        .filter(|(_, (result, _))| matches!(result, ProbeResult::Knows))
        .map(|(dc, _)| *dc)
        .collect();
    let answered = answers
        .iter()
        .filter(|(_, (result, _))| !matches!(result, ProbeResult::Unreachable))
        .count();
    if let Some(owner) = owners.first() {
        return Outcome::fail(format!(
            "this refresh token belongs to the {} data centre ({}); {}",
            owner.label(),
            owner.accounts_host(),
            row_says(ctx, connection)
        ))
        .hint(format!(
            "{}, so refreshes go to {} and {}",
            ctx.env
                .settings
                .store
                .set_dc(owner.code(), &owner.api_host()),
            owner.accounts_host(),
            api_calls_to(ctx, *owner)
        ))
        .code(rejection.wire_code.clone())
        .evidence_lines(evidence)
        .evidence(format!(
            "the probe's successful refresh minted one access token there and discarded it; {}",
            super::token_refresh::EVICTION
        ))
        .verdict();
    }
    let secret_differs: Vec<DataCentre> = answers
        .iter()
        .filter(|(_, (result, _))| matches!(result, ProbeResult::SecretDiffers))
        .map(|(dc, _)| *dc)
        .collect();
    if let Some(first) = secret_differs.first() {
        return secret_differs_verdict(ctx, connection, rejection, &secret_differs, *first)
            .evidence_lines(evidence)
            .verdict();
    }
    let only_invalid_client = answers.iter().all(|(_, (result, line))| {
        matches!(result, ProbeResult::Unreachable) || line.ends_with("error=invalid_client")
    }) && rejection.known == Some(ZohoCode::InvalidClient);
    if answered > 0 && only_invalid_client {
        return Outcome::warn(format!(
            "no data centre accepts this client id ({answered} of {} others answered invalid_client): the client id is wrong, or the client is registered in one data centre only and Multi-DC is off; {}",
            answers.len(),
            row_says(ctx, connection)
        ))
        .hint(invalid_client_hint(home))
        .code(rejection.wire_code.clone())
        .evidence_lines(evidence)
        .verdict();
    }
    if answered == 0 {
        return Outcome::error(
            "could not ask any other data centre whether it knows the refresh token",
        )
        .hint("check the network; or set `probe: false` and compare the connection's data centre by hand")
        .evidence_lines(evidence)
        .verdict();
    }
    Outcome::warn(format!(
        "no data centre knows this refresh token ({answered} of {} others answered no): it was revoked, deleted or mistyped, not sent to the wrong data centre; {}",
        answers.len(),
        row_says(ctx, connection)
    ))
    .hint("re-authorise the connection (access_type=offline, prompt=consent) and store the new refresh token")
    .code(rejection.wire_code.clone())
    .evidence_lines(evidence)
    .verdict()
}

/// Some data centres know the client but answered `invalid_client_secret`: their secret differs
/// (Zoho gives each data centre its own secret for one client id), so they could not say whether
/// they hold the refresh token. Never a "revoked" conclusion.
fn secret_differs_verdict(
    ctx: &CheckContext,
    connection: &Connection,
    rejection: &ZohoError,
    dcs: &[DataCentre],
    first: DataCentre,
) -> Outcome {
    let names: Vec<String> = dcs
        .iter()
        .map(|dc| format!("{} ({})", dc.label(), dc.accounts_host()))
        .collect();
    let variables: Vec<String> = dcs
        .iter()
        .map(|dc| format!("`{}`", Clients::secret_variable(*dc)))
        .collect();
    let states: Vec<String> = dcs
        .iter()
        .zip(&variables)
        .map(|(dc, variable)| match ctx.env.clients.has_own(*dc) {
            true => format!("{variable} does not match it"),
            false => format!("{variable} is not set"),
        })
        .collect();
    let consoles: Vec<String> = dcs.iter().map(|dc| api_console(*dc)).collect();
    let many = dcs.len() > 1;
    Outcome::warn(format!(
        "the refresh at {} failed with `{}`, and the {} data centre{} know{} this client but answered invalid_client_secret, so its secret differs there and {}: {} could not say whether {} the refresh token (not a sign that it was revoked); {}",
        ctx.accounts_base(),
        rejection.wire_code,
        names.join(", "),
        if many { "s" } else { "" },
        if many { "" } else { "s" },
        states.join(", "),
        if many { "they" } else { "it" },
        if many { "they hold" } else { "it holds" },
        row_says(ctx, connection)
    ))
    .hint(format!(
        "set {} to the client secret shown in {} (the client's Multi-DC settings, {} tab) and run again; zoho-doctor then asks with that secret",
        variables.join(", "),
        consoles.join(", "),
        first.label()
    ))
    .code("invalid_client_secret")
}

/// The API console of a data centre, where its client secret is shown.
fn api_console(dc: DataCentre) -> String {
    dc.accounts_host().replacen("accounts.", "api-console.", 1)
}

/// What to do when no data centre knows the client id. China is not reachable through Multi-DC:
/// its clients are registered in China's own console and authorised at accounts.zoho.com.cn.
fn invalid_client_hint(home: DataCentre) -> String {
    if home == DataCentre::Cn {
        return "check the client id (ZOHO_CLIENT_ID or the row's client_id) against China's API console (api-console.zoho.com.cn): China's data centre is not reachable by enabling Multi-DC, so register the client there and start authorisation at accounts.zoho.com.cn".to_owned();
    }
    "check the client id (ZOHO_CLIENT_ID or the row's client_id) against api-console.zoho.com, and enable Multi-DC there if users sign up in several data centres (China excepted: its clients are registered at api-console.zoho.com.cn)".to_owned()
}

#[cfg(test)]
#[path = "data_centre_tests.rs"]
mod tests;
