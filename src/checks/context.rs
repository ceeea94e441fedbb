//! What a check may read: the run's environment (HTTP client, endpoints, settings, flags), the
//! connection row, a snapshot of the facts earlier checks discovered, and the Zoho answers
//! several checks need, asked once per connection (`SharedAnswers`).

use std::{
    hash::{Hash, Hasher},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use chrono::{DateTime, Utc};

use super::{Outcome, Verdict};
use crate::{
    checks::facts::Settings,
    checks::facts::{Facts, TokenFact},
    redact::Redactor,
    store::{Connection, Field},
    zoho::{
        AccessToken, App, DataCentre, desk,
        endpoints::Endpoints,
        http::{Answer, HttpError, ZohoHttp},
        oauth::Clients,
        throttle::Limits,
    },
};

/// A fact a check needs is missing: the check is skipped with this reason.
#[derive(Debug, Clone, Copy)]
pub struct Missing(pub &'static str);

impl From<Missing> for Verdict {
    fn from(missing: Missing) -> Verdict {
        Outcome::skip(missing.0).verdict()
    }
}

/// Shared by every check of a run; each connection's checks see their connection's copy
/// (`for_connection`), which differs only in its redactor.
pub struct RunEnv {
    pub http: ZohoHttp,
    pub endpoints: Endpoints,
    pub settings: Settings,
    /// `--force-refresh`: mint a token even when the stored one is still valid.
    pub force_refresh: bool,
    /// `--fix`: discoveries will be written back, so they are not "unsaved" warnings.
    pub fix: bool,
    /// The app-wide OAuth clients: the default (`ZOHO_CLIENT_ID` / `ZOHO_CLIENT_SECRET`) and each
    /// data centre's own secret (`ZOHO_CLIENT_SECRET_<DC>`); `Clients::for_dc` picks one.
    pub clients: Clients,
    /// The run's redactor, or in a connection's copy that connection's: the run's secrets, the
    /// connection's own (registered as they appear) and the patterns.
    pub redactor: Redactor,
    /// The pipeline's Zoho product.
    pub app: App,
    /// Answers several checks need, asked once: in a connection's copy, that connection's.
    pub shared: SharedAnswers,
    /// How many connections the fleet runs at once, overall and per organisation (`--rate` is
    /// the HTTP client's, which holds the run's gate).
    pub limits: Limits,
}

/// One connection's Zoho answers that several checks need (`GET /organizations`: the org id,
/// the portal, the scope probe), each asked once: the first check to need it asks, the others
/// await that answer. Keyed by the URL and the token: a call with another token or host is its
/// own.
#[derive(Default)]
pub struct SharedAnswers {
    organizations: tokio::sync::OnceCell<SharedGet>,
}

struct SharedGet {
    url: String,
    /// A hash of the token it was asked with: the token itself stays where it is.
    token: u64,
    answer: Result<Answer, HttpError>,
}

/// An answer from `SharedAnswers`, and whether another check asked for it.
pub struct Shared {
    pub answer: Result<Answer, HttpError>,
    /// Another check asked; this one awaited its answer.
    pub shared: bool,
}

impl Shared {
    /// The evidence line of a shared call: its summary, and that the connection's checks share
    /// it (the `-v` trace shows the one exchange). Worded alike for the check that asked and
    /// those that awaited it: which one asks is a race, and reports must not change with it.
    pub fn summary(answer: &Answer) -> String {
        format!(
            "{} (asked once; shared by this connection's checks)",
            answer.summary()
        )
    }
}

fn token_key(token: &AccessToken) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    secrecy::ExposeSecret::expose_secret(token.secret()).hash(&mut hasher);
    hasher.finish()
}

impl RunEnv {
    /// One connection's copy of the run: the same HTTP client, endpoints and settings, with a
    /// redactor of the connection's own (`Redactor::for_connection`) that its `-v` trace uses too,
    /// so registering the connection's secrets never recompiles anything the fleet shares; its
    /// requests pass the run's gate as organisation `org`'s, when the row names one.
    pub fn for_connection(&self, org: Option<&str>) -> RunEnv {
        let redactor = self.redactor.for_connection();
        RunEnv {
            http: self.http.for_org(org).with_redactor(redactor.clone()),
            endpoints: self.endpoints.clone(),
            settings: self.settings.clone(),
            force_refresh: self.force_refresh,
            fix: self.fix,
            clients: self.clients.clone(),
            redactor,
            app: self.app,
            // Each connection asks for itself.
            shared: SharedAnswers::default(),
            limits: self.limits,
        }
    }
}

/// One check's view of one connection.
pub struct CheckContext {
    pub env: Arc<RunEnv>,
    pub user: String,
    pub connection: Option<Arc<Connection>>,
    pub facts: Facts,
}

impl CheckContext {
    /// The connection row, or why the check cannot run.
    pub fn connection(&self) -> Result<&Connection, Missing> {
        self.connection
            .as_deref()
            .ok_or(Missing("no connection row to check"))
    }

    /// The access token an earlier check settled on, or why the check cannot run.
    pub fn token(&self) -> Result<&TokenFact, Missing> {
        self.facts.token.as_ref().ok_or(Missing(
            "no usable access token: a `token-refresh` check must pass before this one",
        ))
    }

    /// The connection's data centre; Zoho's default (US) when nothing says otherwise.
    pub fn dc(&self) -> DataCentre {
        self.facts.dc.unwrap_or(DataCentre::Us)
    }

    pub fn desk_base(&self) -> String {
        self.env.endpoints.desk(self.dc())
    }

    pub fn accounts_base(&self) -> String {
        self.env.endpoints.accounts(self.dc())
    }

    /// The generic API host for CRM calls: an explicit override, else the token's
    /// `api_domain` (Zoho's rule) when it is a Zoho API host that serves the CRM API, else the
    /// data centre's default. A stored `api_domain` is data, not configuration: a token is never
    /// sent to a host that is not Zoho's, nor to a legacy one such as `crm.zoho.eu` that answers
    /// `INVALID_HOST` since v2.1 (the data-centre check reports both).
    pub fn api_base(&self) -> String {
        let endpoints = &self.env.endpoints;
        if endpoints.api_overridden() {
            return endpoints.api(self.dc());
        }
        match &self.facts.api_domain {
            Some(domain)
                if endpoints.dc_of_api_domain(domain).is_some()
                    && endpoints.serves_crm_api(domain) =>
            {
                domain.trim_end_matches('/').to_owned()
            }
            Some(_) | None => endpoints.api(self.dc()),
        }
    }

    /// `GET {desk}/api/v1/organizations` with `token`, asked once per connection: the first
    /// check asks, the others await its answer (`Shared::shared` then says so).
    pub async fn desk_organizations(&self, token: &AccessToken) -> Shared {
        let base = self.desk_base();
        let url = format!("{base}/api/v1/organizations");
        let key = token_key(token);
        let asked = AtomicBool::new(false);
        let got = self
            .env
            .shared
            .organizations
            .get_or_init(|| async {
                asked.store(true, Ordering::Relaxed);
                SharedGet {
                    url: url.clone(),
                    token: key,
                    answer: desk::get(&self.env.http, &base, "/organizations", token, None).await,
                }
            })
            .await;
        if got.url == url && got.token == key {
            return Shared {
                answer: got.answer.clone(),
                shared: !asked.load(Ordering::Relaxed),
            };
        }
        Shared {
            answer: desk::get(&self.env.http, &base, "/organizations", token, None).await,
            shared: false,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    /// "not stored: run with --fix to save it", or nothing when `--fix` is on or the store has
    /// nowhere to keep `field` (the `env:` store, a table without that column).
    pub fn unsaved_note(&self, what: &str, field: Field) -> Option<String> {
        if self.env.fix {
            return None;
        }
        self.env.settings.store.unsaved_note(what, field)
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        checks::{facts::Facts, testing::*},
        zoho::{App, DataCentre},
    };

    #[tokio::test]
    async fn the_organisations_are_asked_once_per_token_and_the_others_share_the_answer() {
        let sim = simulator().await;
        let ctx = context(sim_env(&sim, App::Desk), None, Facts::default());
        let (ada, bob) = (
            crate::zoho::AccessToken::new("ada-token".to_owned()),
            crate::zoho::AccessToken::new("bob-token".to_owned()),
        );
        let (first, second) =
            tokio::join!(ctx.desk_organizations(&ada), ctx.desk_organizations(&ada));
        assert_eq!(sim.requests_ending("GET", "/api/v1/organizations"), 1);
        assert_eq!(
            [first.shared, second.shared]
                .map(usize::from)
                .iter()
                .sum::<usize>(),
            1,
            "exactly one asked"
        );
        let status = |shared: &super::Shared| shared.answer.as_ref().map(|a| a.status).ok();
        assert_eq!(status(&first), status(&second));
        // Another token is its own call, never the shared answer.
        let other = ctx.desk_organizations(&bob).await;
        assert!(!other.shared);
        assert_eq!(sim.requests_ending("GET", "/api/v1/organizations"), 2);
        // A connection's copy of the run asks for itself.
        let copy = context(ctx.env.for_connection(None), None, Facts::default());
        assert!(!copy.desk_organizations(&ada).await.shared);
        assert_eq!(sim.requests_ending("GET", "/api/v1/organizations"), 3);
    }

    fn api_base_for(api_domain: &str) -> String {
        let facts = Facts {
            dc: Some(DataCentre::Eu),
            api_domain: Some(api_domain.to_owned()),
            ..Facts::default()
        };
        context(offline_env(App::Crm), None, facts).api_base()
    }

    #[test]
    fn crm_calls_go_to_the_api_domain_only_when_it_serves_the_crm_api() {
        assert_eq!(
            api_base_for("https://www.zohoapis.eu/"),
            "https://www.zohoapis.eu"
        );
        assert_eq!(
            api_base_for("https://sandbox.zohoapis.eu"),
            "https://sandbox.zohoapis.eu"
        );
        // Legacy web hosts answer INVALID_HOST since v2.1: the data centre's API host instead.
        assert_eq!(
            api_base_for("https://crm.zoho.eu"),
            "https://www.zohoapis.eu"
        );
        assert_eq!(
            api_base_for("https://www.zoho.eu"),
            "https://www.zohoapis.eu"
        );
        // Not Zoho's at all: never sent the token.
        assert_eq!(
            api_base_for("https://evil.example"),
            "https://www.zohoapis.eu"
        );
    }
}
