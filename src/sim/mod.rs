//! The Zoho simulator: per-DC accounts servers, Zoho Desk and Zoho CRM on loopback, playing
//! Zoho faithfully — refresh tokens valid only on their own data centre, HTTP-200 error answers,
//! expiring access tokens, scope enforcement with Zoho's error bodies, the `orgId` header,
//! 204/304 — and any Zoho error code on demand (`Fault::ZohoError`), or any status
//! (`Fault::Records`). Desk tickets and CRM leads serve users' own `http` probes (`records`).
//! It knows nothing of the checker: it shares no code with it, only the HTTP contract.
//!
//! URLs: `{base}/accounts/{dc}/…`, `{base}/api/{dc}/…`, `{base}/desk/{dc}/api/v1/…`, which is
//! what the `{dc}` placeholder in `ZOHO_*_URL` overrides is for.
//!
//! Hostile answers (`Fault::Hostile`): not JSON, an HTML 502, truncated JSON, a huge body, escapes
//! in every text field — and, on the raw port beside axum (`Sim::raw`), a slow drip past the
//! timeout and a reset mid-body.
//!
//! The authorisation-code flow (`grants.rs`): grant codes that work once and expire, an
//! offline grant or not, and `GET /oauth/v2/auth` redirecting a signed-in user (`Sim::sign_in`)
//! with `code`, `location`, `accounts-server` and `state`.
//!
//! Latency (`Sim::set_latency`, `zoho-doctor sim --latency 50ms`): every answer, the accounts
//! server's included, waits that long first, as Zoho's round trip would.
//!
//! Fleets (`Sim::add_copies`, `zoho-doctor sim --copies token-expired=10000`): copies of a
//! scenario's account, each with its own tokens and organisation, for benchmarks.

mod accounts;
mod copies;
mod crm;
mod desk;
mod grants;
mod hostile;
mod latency;
mod raw;
mod records;
mod scenarios;
mod setup;
mod world;

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    routing::{get, post},
};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub use copies::parse_copies;
pub use scenarios::SCENARIOS;
pub use setup::ScenarioInfo;
pub use world::{ESCAPES, Fault, Hostile, MintHook, SeededConnection, Service};

use latency::Wire;
use world::World;

pub type Shared = Arc<Mutex<World>>;

/// A running simulator. Dropping it stops the server.
pub struct Sim {
    addr: SocketAddr,
    raw_addr: SocketAddr,
    world: Shared,
    wire: Arc<Wire>,
    seeds: Vec<SeededConnection>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    raw_task: JoinHandle<()>,
}

impl Sim {
    /// Starts on an ephemeral loopback port with every scenario seeded.
    pub async fn start() -> std::io::Result<Sim> {
        Sim::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    pub async fn start_on(addr: SocketAddr) -> std::io::Result<Sim> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let mut world = World::new(base);
        let seeds = SCENARIOS
            .iter()
            .map(|scenario| (scenario.build)(&mut world, scenario.name))
            .collect();
        let world: Shared = Arc::new(Mutex::new(world));
        let raw_listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let raw_addr = raw_listener.local_addr()?;
        let raw_task = tokio::spawn(raw::serve(raw_listener, Arc::clone(&world), addr));
        let wire = Arc::new(Wire::default());
        let router = router(Arc::clone(&world), Arc::clone(&wire));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Sim {
            addr,
            raw_addr,
            world,
            wire,
            seeds,
            stop: Some(stop),
            task: Some(task),
            raw_task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// For `ZOHO_ACCOUNTS_URL`.
    pub fn accounts_url(&self) -> String {
        format!("{}/accounts/{{dc}}", self.base_url())
    }

    /// For `ZOHO_API_URL`.
    pub fn api_url(&self) -> String {
        format!("{}/api/{{dc}}", self.base_url())
    }

    /// For `ZOHO_DESK_URL`.
    pub fn desk_url(&self) -> String {
        format!("{}/desk/{{dc}}", self.base_url())
    }

    /// The raw port (`sim/raw.rs`): it plays `Hostile::SlowDrip` and `Hostile::ResetMidBody`
    /// and passes every other request through to the simulator.
    pub fn raw_addr(&self) -> SocketAddr {
        self.raw_addr
    }

    /// One of this simulator's URLs (`desk_url()`, …) through the raw port instead.
    pub fn raw(&self, url: &str) -> String {
        url.replacen(&self.base_url(), &format!("http://{}", self.raw_addr), 1)
    }

    /// The connection rows of every scenario, in catalogue order.
    pub fn seeds(&self) -> &[SeededConnection] {
        &self.seeds
    }

    pub fn seed(&self, scenario: &str) -> Option<&SeededConnection> {
        self.seeds.iter().find(|seed| seed.scenario == scenario)
    }

    /// How many access tokens were minted with this refresh token (for token-budget tests).
    pub fn mints(&self, refresh_token: &str) -> usize {
        self.lock().mints(refresh_token)
    }

    /// How many requests the simulator answered, per path prefix (`/desk`, `/accounts`, …).
    pub fn requests(&self, prefix: &str) -> usize {
        self.lock().requests(prefix)
    }

    /// How many requests had exactly this method and path (`"GET"`,
    /// `"/desk/us/api/v1/organizations"`).
    pub fn requests_to(&self, method: &str, path: &str) -> usize {
        self.wire.requests_to(method, path)
    }

    /// How many requests had this method and a path ending with `suffix`, over every data
    /// centre (`"GET"`, `"/api/v1/organizations"`).
    pub fn requests_ending(&self, method: &str, suffix: &str) -> usize {
        self.wire.requests_ending(method, suffix)
    }

    /// Every answer (every endpoint, the accounts server included) waits this long first, as
    /// Zoho's round trip would. Zero, the default, answers at once; it may change while serving.
    pub fn set_latency(&self, latency: Duration) {
        self.wire.set_latency(latency);
    }

    /// Runs `hook` after each mint, before the answer: the app refreshing concurrently.
    pub fn on_mint(&self, hook: MintHook) {
        self.lock().mint_hook = Some(hook);
    }

    /// Makes one user's answers misbehave (slow, malformed, rate limited, a Zoho error code,
    /// hostile).
    pub fn set_fault(&self, user: &str, fault: Fault) {
        self.lock().set_fault(user, fault);
    }

    /// Replaces one user's Desk tickets (empty: `GET /tickets` answers 204).
    pub fn set_tickets(&self, user: &str, tickets: Vec<serde_json::Value>) {
        if let Some(account) = self.lock().account_mut(user) {
            account.desk.tickets = tickets;
        }
    }

    /// One user's Desk tickets as the simulator serves them.
    pub fn tickets(&self, user: &str) -> Vec<serde_json::Value> {
        self.lock()
            .account_mut(user)
            .map(|account| account.desk.tickets.clone())
            .unwrap_or_default()
    }

    /// Replaces one user's CRM leads (empty: `GET /Leads` answers 204).
    pub fn set_leads(&self, user: &str, leads: Vec<serde_json::Value>) {
        if let Some(account) = self.lock().account_mut(user) {
            account.crm.leads = leads;
        }
    }

    /// One user's CRM leads as the simulator serves them.
    pub fn leads(&self, user: &str) -> Vec<serde_json::Value> {
        self.lock()
            .account_mut(user)
            .map(|account| account.crm.leads.clone())
            .unwrap_or_default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        self.shutdown();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.raw_task.abort();
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn router(world: Shared, wire: Arc<Wire>) -> Router {
    Router::new()
        .route("/accounts/{dc}/oauth/v2/token", post(accounts::token))
        .route("/accounts/{dc}/oauth/user/info", get(accounts::user_info))
        .route("/accounts/{dc}/oauth/v2/auth", get(grants::authorise))
        .route("/desk/{dc}/api/v1/organizations", get(desk::organizations))
        .route("/desk/{dc}/api/v1/helpCenters", get(desk::help_centres))
        .route("/desk/{dc}/api/v1/myinfo", get(desk::my_info))
        .route("/desk/{dc}/api/v1/tickets", get(records::ticket_list))
        .route("/desk/{dc}/api/v1/tickets/{id}", get(records::ticket))
        .route("/api/{dc}/crm/{version}/Leads", get(records::lead_list))
        .route("/api/{dc}/crm/{version}/Leads/{id}", get(records::lead))
        .route("/api/{dc}/crm/{version}/org", get(crm::org))
        .route(
            "/api/{dc}/crm/{version}/settings/profiles",
            get(crm::profiles),
        )
        .route(
            "/api/{dc}/crm/{version}/settings/profiles/{id}",
            get(crm::profile),
        )
        .route("/api/{dc}/crm/{version}/users", get(crm::users))
        .fallback(desk::not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&world),
            hostile::layer,
        ))
        // Outermost, so a hostile answer waits as long as Zoho's own would.
        .layer(axum::middleware::from_fn_with_state(wire, latency::layer))
        .with_state(world)
}
