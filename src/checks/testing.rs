//! Scaffolding for the check kinds' unit tests, which call a kind's `run` directly with a
//! hand-made `CheckContext`: a run environment pointed at the in-process simulator (or at Zoho's
//! real hosts, for checks that must not call out), a `Connection` read from a scenario's seeded
//! row the way the SQL store reads it (or built by hand), hand-made facts, and the readers the
//! assertions share (discoveries by name, options parsed from YAML, problems with their place).

use std::{sync::Arc, time::Duration};

use chrono::{TimeDelta, Utc};
use secrecy::SecretString;
use serde::Deserialize;

use super::{
    CheckContext, CheckKind, Facts, RunEnv, Settings, Verdict,
    facts::{Discovery, GrantedScopes, ScopeSource, TokenFact},
    options::{Options, Problem, RawValue, S},
};
use crate::{
    redact::Redactor,
    sim::{SeededConnection, Sim},
    store::{Connection, ExpiryField, Snapshot, SqlValue, Stored, stored},
    zoho::{
        AccessToken, App,
        endpoints::{Endpoints, Override},
        http::{HttpOptions, ZohoHttp},
        oauth::{self, ClientCredentials, RefreshAnswer},
        scopes,
    },
};

/// The simulator with every scenario seeded, on an ephemeral loopback port.
pub async fn simulator() -> Sim {
    Sim::start().await.expect("the simulator starts")
}

/// Every Zoho host (accounts, API, Desk) pointed at `sim`.
pub fn sim_endpoints(sim: &Sim) -> Endpoints {
    let simulator = |value: String| Override {
        source_name: "simulator",
        value: Some(value),
    };
    Endpoints::with_overrides(
        simulator(sim.accounts_url()),
        simulator(sim.api_url()),
        simulator(sim.desk_url()),
    )
    .expect("simulator endpoints")
}

/// A run for `app` against `endpoints`: default settings, no `--fix`, no `--force-refresh`, no
/// app-wide client; HTTP without retries, so a test sees each answer as Zoho gave it.
pub fn env(endpoints: Endpoints, app: App) -> RunEnv {
    let redactor = Redactor::new();
    let http = ZohoHttp::new(
        HttpOptions {
            timeout: Duration::from_secs(5),
            retries: 0,
            trace: false,
        },
        redactor.clone(),
    )
    .expect("HTTP client");
    RunEnv {
        http,
        endpoints,
        settings: Settings::default(),
        force_refresh: false,
        fix: false,
        clients: Default::default(),
        redactor,
        app,
        shared: Default::default(),
        limits: Default::default(),
    }
}

/// A run against the simulator.
pub fn sim_env(sim: &Sim, app: App) -> RunEnv {
    env(sim_endpoints(sim), app)
}

/// A run against Zoho's real hosts, for a check that must decide without calling them.
pub fn offline_env(app: App) -> RunEnv {
    env(Endpoints::zoho(), app)
}

/// One check's view: the environment, the row (user `ada` without one) and the facts.
pub fn context(env: RunEnv, connection: Option<Connection>, facts: Facts) -> CheckContext {
    CheckContext {
        user: connection
            .as_ref()
            .map_or_else(|| "ada".to_owned(), |c| c.user_id.clone()),
        env: Arc::new(env),
        connection: connection.map(Arc::new),
        facts,
    }
}

/// A context with the facts the row itself gives, as the runner starts every connection.
pub fn row_context(env: RunEnv, connection: Connection) -> CheckContext {
    let facts = Facts::from_connection(Some(&connection), &env.endpoints);
    context(env, Some(connection), facts)
}

/// The seeded row of one scenario (see `sim/scenarios.rs` for what each one stores).
pub fn seed<'a>(sim: &'a Sim, scenario: &str) -> &'a SeededConnection {
    sim.seed(scenario)
        .unwrap_or_else(|| panic!("no scenario `{scenario}`"))
}

/// The id of the first Desk organisation a scenario's account has: `sim/scenarios.rs` gives the
/// account's organisations ids from 60 000 000 + 10 × the account, and stores a Desk
/// scenario's (non-Desk) `org_id` as 90 000 000 + the account.
pub fn first_desk_org_id(seed: &SeededConnection) -> u64 {
    let org_id: u64 = seed
        .org_id
        .as_deref()
        .and_then(|id| id.parse().ok())
        .expect("a Desk scenario's numeric org_id");
    60_000_000 + 10 * (org_id - 90_000_000)
}

/// The scenario's row (changed as the test says), the facts it gives, and its stored access
/// token as the settled token (live unless the scenario expires or evicts it).
pub fn scenario_context(
    sim: &Sim,
    app: App,
    name: &str,
    change: impl FnOnce(&mut Connection),
) -> CheckContext {
    let mut connection = connection_of(seed(sim, name));
    change(&mut connection);
    let mut ctx = row_context(sim_env(sim, app), connection);
    ctx.facts.token = Some(stored_token(seed(sim, name)));
    ctx
}

/// A seeded row read the way the SQL store reads the seed preset's columns.
pub fn connection_of(seed: &SeededConnection) -> Connection {
    let client = match (&seed.client_id, &seed.client_secret) {
        (Some(client_id), Some(secret)) => Some(ClientCredentials {
            client_id: client_id.clone(),
            client_secret: SecretString::from(secret.clone()),
        }),
        _ => None,
    };
    Connection {
        user_id: seed.user_id.clone(),
        access_token: seed.access_token.clone().map(AccessToken::new),
        refresh_token: seed.refresh_token.clone().map(SecretString::from),
        expiry: seed
            .token_expires_at
            .clone()
            .map_or(ExpiryField::Missing, |at| {
                ExpiryField::read(&SqlValue::Text(at))
            }),
        api_domain: Stored::read(seed.api_domain.clone(), stored::api_domain),
        org_id: seed.org_id.clone(),
        desk_org_id: Stored::read(seed.desk_org_id.clone(), stored::desk_org_id),
        desk_portal: Stored::read(seed.desk_portal.clone(), stored::desk_portal),
        dc: Stored::read(seed.dc.clone(), stored::data_centre),
        scopes: Stored::read(seed.scopes.clone(), stored::scopes),
        client,
        encrypted: Vec::new(),
        snapshot: Snapshot::default(),
    }
}

/// A hand-made row for `user` with nothing stored; tests fill in what their story needs.
pub fn row(user: &str) -> Connection {
    Connection {
        user_id: user.to_owned(),
        access_token: None,
        refresh_token: None,
        expiry: ExpiryField::Missing,
        api_domain: Stored::Absent,
        org_id: None,
        desk_org_id: Stored::Absent,
        desk_portal: Stored::Absent,
        dc: Stored::Absent,
        scopes: Stored::Absent,
        client: None,
        encrypted: Vec::new(),
        snapshot: Snapshot::default(),
    }
}

/// A stored value as the store would read it from `text`.
pub fn stored_as<T>(text: &str, parse: impl FnOnce(&str) -> Result<T, String>) -> Stored<T> {
    Stored::read(Some(text.to_owned()), parse)
}

/// An expiry stored as epoch seconds, `delta` from now.
pub fn expiring_in(delta: TimeDelta) -> ExpiryField {
    ExpiryField::read(&SqlValue::Int((Utc::now() + delta).timestamp()))
}

/// The seed's stored access token as the settled token, as `token-refresh` leaves it when it
/// keeps the stored one.
pub fn stored_token(seed: &SeededConnection) -> TokenFact {
    TokenFact {
        token: AccessToken::new(seed.access_token.clone().expect("a stored access token")),
        expires_at: None,
        minted: false,
    }
}

/// A token the simulator has just minted with the row's refresh token and client, for seeds
/// whose stored access token has expired.
pub async fn fresh_token(ctx: &CheckContext) -> TokenFact {
    let connection = ctx.connection().expect("a row");
    let (client, refresh_token) = (
        connection.client.as_ref().expect("the row's client"),
        connection.refresh_token.as_ref().expect("a refresh token"),
    );
    let (answer, _) = oauth::refresh(&ctx.env.http, &ctx.accounts_base(), client, refresh_token)
        .await
        .expect("the simulator answers");
    let RefreshAnswer::Minted(minted) = answer else {
        panic!("the simulator refused the seed's refresh token: {answer:?}");
    };
    TokenFact {
        token: minted.access_token,
        expires_at: None,
        minted: true,
    }
}

/// Granted scopes from a space- or comma-separated list.
pub fn granted(list: &str, source: ScopeSource) -> GrantedScopes {
    GrantedScopes {
        scopes: scopes::parse_granted_list(list),
        source,
    }
}

/// The discoveries of a verdict by fact name, in order, for one readable assertion.
pub fn discovered(verdict: &Verdict) -> Vec<&'static str> {
    verdict
        .discoveries
        .iter()
        .map(|discovery| match discovery {
            Discovery::Token(_) => "token",
            Discovery::ApiDomain(_) => "api_domain",
            Discovery::Scopes(_) => "scopes",
            Discovery::DeskOrgId(_) => "desk_org_id",
            Discovery::AmbiguousOrg => "ambiguous_org",
            Discovery::DeskPortal(_) => "portal",
            Discovery::RefreshRejected(_) => "refresh_rejection",
            Discovery::Profile(_) => "profile",
        })
        .collect()
}

/// Reads a kind's options from a YAML document whose `check:` mapping holds them, as the
/// pipeline validator does (with `${NAME}` left as written); the kind and the problems found.
pub fn configure<K: CheckKind>(yaml: &str, app: Option<App>) -> (Option<K>, Vec<Problem>) {
    #[derive(Deserialize)]
    struct Document {
        check: S<RawValue>,
    }
    let document: Document = serde_saphyr::from_str(yaml).expect("the test's YAML parses");
    let entries: Vec<(String, S<RawValue>)> = match document.check.value {
        RawValue::Map(entries) => entries
            .into_iter()
            .map(|(key, value)| (key.value, value))
            .collect(),
        other => panic!("`check:` is not a mapping: {other:?}"),
    };
    let expand = |text: &str| Ok::<_, (String, String)>(text.to_owned());
    let mut options = Options::new(&entries, &expand, app);
    let kind = K::from_options(&mut options);
    (kind, options.into_problems())
}

/// A problem as `line:column message`, for assertions on where it points.
pub fn located(problem: &Problem) -> String {
    format!(
        "{}:{} {}",
        problem.at.line(),
        problem.at.column(),
        problem.message
    )
}
