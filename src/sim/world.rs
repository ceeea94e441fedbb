//! The simulator's state: OAuth clients, grants (refresh tokens bound to a data centre), live
//! access tokens that expire, and each account's Zoho Desk data. Handlers lock it briefly.

use std::{
    collections::HashMap,
    hash::{BuildHasher, RandomState},
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use serde_json::Value;

/// One access token lives this long, as at Zoho.
pub const TOKEN_LIFETIME_SECS: u64 = 3600;
/// Zoho allows about this many access-token requests per refresh token per window.
pub const MINTS_PER_WINDOW: usize = 10;
pub const MINT_WINDOW_SECS: u64 = 600;

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// A fresh random hex string; tokens are generated, never written down.
pub fn random_hex(len: usize) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::with_capacity(len + 16);
    while out.len() < len {
        let value = RandomState::new().hash_one(COUNTER.fetch_add(1, Ordering::Relaxed));
        out.push_str(&format!("{value:016x}"));
    }
    out.truncate(len);
    out
}

/// A Zoho-shaped token: `1000.<hex>.<hex>`.
pub fn new_token() -> String {
    format!("1000.{}.{}", random_hex(32), random_hex(32))
}

/// How one account's answers misbehave.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Every Desk and CRM answer is delayed this long.
    Slow(Duration),
    /// Desk and CRM answer 200 with a body that is not JSON.
    Malformed,
    /// Desk and CRM answer 429 with this `Retry-After`.
    RateLimited { retry_after: u64 },
    /// One service answers every call with this Zoho error code, in Zoho's body shape.
    ZohoError {
        service: Service,
        status: u16,
        code: String,
    },
    /// One service's records (Desk tickets, CRM leads) answer with this HTTP status: with the
    /// service's error body for `code`, or without one a JSON body that is no Zoho error
    /// (`{"message": …}`). The built-in checks' calls answer as usual.
    Records {
        service: Service,
        status: u16,
        code: Option<String>,
    },
    /// One service answers every call with a hostile answer (`sim/hostile.rs`). `SlowDrip` and
    /// `ResetMidBody` need the service's URL pointed at the raw port (`Sim::raw`).
    Hostile { service: Service, answer: Hostile },
}

/// What a hostile service answers instead of playing Zoho.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    /// HTTP 200 with a plain-text body.
    NotJson,
    /// HTTP 502 with a proxy's HTML error page.
    Html502,
    /// The service's own answer cut in half (status and type kept, `Content-Length` matching the
    /// cut body): JSON that stops mid-value.
    Truncated,
    /// HTTP 200, `application/json`: one JSON string this many bytes long.
    Huge(usize),
    /// The service's own answer (success or Zoho error) with `ESCAPES` appended to every text
    /// field except ids (keys ending in `id`) and tokens; to `scope` as one more scope.
    Escapes,
    /// Raw port only: the head at once, then the body one byte every 100 ms, past any timeout.
    SlowDrip,
    /// Raw port only: the head and part of the promised body, then a TCP reset (RST).
    ResetMidBody,
}

impl Hostile {
    /// The names `Hostile::parse` reads, for a command-line flag or a test table.
    pub const NAMES: [&'static str; 7] = [
        "not-json",
        "html-502",
        "truncated",
        "huge",
        "escapes",
        "slow-drip",
        "reset-mid-body",
    ];

    /// `huge` is 32 MiB; `huge:N` is N bytes.
    pub fn parse(name: &str) -> Option<Hostile> {
        if let Some(bytes) = name.strip_prefix("huge:") {
            return bytes.parse().ok().map(Hostile::Huge);
        }
        Some(match name {
            "not-json" => Hostile::NotJson,
            "html-502" => Hostile::Html502,
            "truncated" => Hostile::Truncated,
            "huge" => Hostile::Huge(32 << 20),
            "escapes" => Hostile::Escapes,
            "slow-drip" => Hostile::SlowDrip,
            "reset-mid-body" => Hostile::ResetMidBody,
            _ => return None,
        })
    }

    /// Whether only the raw port can play it (axum cannot reset a connection or starve a body).
    pub fn needs_raw_port(self) -> bool {
        matches!(self, Hostile::SlowDrip | Hostile::ResetMidBody)
    }
}

/// What `Hostile::Escapes` appends to every text field: ANSI colour, an OSC window-title change,
/// BEL, NUL, backspace, CR, TAB, DEL, C1 controls (NEL, CSI, OSC) and every bidirectional
/// control (U+202A–E, U+200E/F, U+2066–9, U+061C). No line feed: output may contain those.
pub const ESCAPES: &str = "\u{1b}[31m\u{1b}]0;pwned\u{7}\u{7}\u{0}\u{8}\r\t\u{7f}\u{85}\u{9b}\u{9d}\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{200e}\u{200f}\u{2066}\u{2067}\u{2068}\u{2069}\u{61c}\u{1b}[0m";

/// A simulated service, for faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// The accounts server's token endpoint.
    Token,
    /// The accounts server's `/oauth/user/info`.
    UserInfo,
    Desk,
    Crm,
}

impl Service {
    /// `token`, `user-info`, `desk` or `crm`.
    pub fn parse(name: &str) -> Option<Service> {
        Some(match name {
            "token" => Service::Token,
            "user-info" => Service::UserInfo,
            "desk" => Service::Desk,
            "crm" => Service::Crm,
            _ => return None,
        })
    }
}

pub struct Client {
    pub id: String,
    pub secret: String,
    /// The data centres the client is registered in; `None` is every one (Multi-DC enabled).
    pub dcs: Option<Vec<String>>,
    /// Data centres whose secret for this client differs from `secret` (Zoho gives each data
    /// centre its own unless the developer chose one): (dc, secret).
    pub dc_secrets: Vec<(String, String)>,
}

impl Client {
    /// The secret `dc`'s accounts server expects.
    pub fn secret_in(&self, dc: &str) -> &str {
        self.dc_secrets
            .iter()
            .find(|(own, _)| own == dc)
            .map_or(&self.secret, |(_, secret)| secret)
    }
}

pub struct Grant {
    pub refresh_token: String,
    pub dc: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub account: usize,
    pub revoked: bool,
    /// Whether the token answer carries `api_domain` / `scope` (Zoho's sometimes do not).
    pub answer_api_domain: bool,
    pub answer_scope: bool,
    pub mint_times: Vec<u64>,
}

pub struct Live {
    pub token: String,
    pub dc: String,
    pub scopes: Vec<String>,
    pub account: usize,
    pub expires_at: u64,
}

#[derive(Default, Clone)]
pub struct DeskTenant {
    pub orgs: Vec<Value>,
    /// `/organizations` as a bare list instead of `{"data": [...]}`.
    pub bare_list: bool,
    pub help_centres: Vec<Value>,
    pub agent: Value,
    /// The data centre the Desk organisations live in, when not the token's: the Desk host of
    /// any other answers an HTML 404 page, as Zoho's regional hosts do.
    pub home_dc: Option<String>,
    /// `GET /tickets` (Tickets.json's example shape); empty answers 204.
    pub tickets: Vec<Value>,
}

impl DeskTenant {
    /// Answers as zohodesk-oas's response examples do: organisation ids and flags as strings
    /// (`"id": "3981311"`, `"isDefault": "true"`). The agent and the help centres are already in
    /// `Agent.json`'s and `Helpcenter.json`'s example shapes (string ids beside real booleans, as
    /// those examples write them).
    pub fn as_zoho_examples(&mut self) {
        self.orgs = self.orgs.iter().map(as_zoho_example).collect();
    }
}

/// A Desk body as zohodesk-oas's response examples write it: every number and flag a string
/// (`"id": "3981311"`, `"isDefault": "true"`).
pub fn as_zoho_example(value: &Value) -> Value {
    match value {
        Value::Bool(flag) => Value::String(flag.to_string()),
        Value::Number(number) => Value::String(number.to_string()),
        Value::Array(items) => Value::Array(items.iter().map(as_zoho_example).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, value)| (key.clone(), as_zoho_example(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[derive(Default, Clone)]
pub struct CrmTenant {
    /// `GET /org`'s organisation; `Null` answers 204.
    pub org: Value,
    pub profiles: Vec<Value>,
    pub users: Vec<Value>,
    /// When the profiles last changed (epoch seconds), for `If-Modified-Since`.
    pub profiles_modified: u64,
    /// The user's CRM profile may not read profiles: 403 NO_PERMISSION.
    pub no_permission: bool,
    /// The Leads module's records; empty answers 204.
    pub leads: Vec<Value>,
}

pub struct Account {
    pub user: String,
    pub email: String,
    pub zuid: u64,
    pub desk: DeskTenant,
    pub crm: CrmTenant,
    /// The name user info gives the org id under: it varies by data centre.
    pub user_info_org_field: &'static str,
    pub fault: Option<Fault>,
}

/// The connection row a scenario leaves for the checker, as an app would store it.
#[derive(Debug, Clone, Default)]
pub struct SeededConnection {
    pub scenario: &'static str,
    pub title: &'static str,
    pub user_id: String,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    /// As stored: epoch seconds, epoch milliseconds or ISO text.
    pub token_expires_at: Option<String>,
    pub api_domain: Option<String>,
    pub org_id: Option<String>,
    pub desk_org_id: Option<String>,
    pub desk_portal: Option<String>,
    pub dc: Option<String>,
    pub scopes: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// The Zoho product the scenario is about: `desk` or `crm`.
    pub app: &'static str,
    /// Per-data-centre client secrets the run is given (as `ZOHO_CLIENT_SECRET_<DC>` would):
    /// (dc, secret).
    pub run_secrets: Vec<(String, String)>,
}

/// Runs when an access token is minted, with its refresh token, before the answer is sent:
/// a test's stand-in for the app refreshing at the same moment.
pub type MintHook = std::sync::Arc<
    dyn Fn(String) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send + Sync,
>;

pub struct World {
    pub base: String,
    pub mint_hook: Option<MintHook>,
    pub clients: Vec<Client>,
    pub grants: Vec<Grant>,
    pub live: Vec<Live>,
    pub accounts: Vec<Account>,
    /// Access tokens Zoho no longer knows (evicted by later mints), with their accounts: Zoho
    /// refuses them, but a hostile fault still finds whose they were.
    pub evicted: Vec<(String, usize)>,
    requests: HashMap<String, usize>,
    /// Where each access token sits in `live` and each refresh token in `grants`: a fleet of
    /// thousands of accounts (`sim --copies`) looks a token up on every request, and a scan
    /// per request would make the simulator, not the checker, the benchmark's limit.
    live_at: HashMap<String, usize>,
    grant_at: HashMap<String, usize>,
    /// Grant codes issued (`sim/grants.rs`), used or not.
    pub codes: Vec<super::grants::GrantCode>,
    /// The simulated browser's session: the account and its data centre `/oauth/v2/auth`
    /// grants as.
    pub signed_in: Option<(usize, String)>,
    /// The signed-in user clicks Deny.
    pub deny_consent: bool,
}

/// Why a bearer of a token may not proceed.
pub enum Denial {
    NoToken,
    BadToken,
    Scope,
}

impl World {
    /// Why `dc`'s token endpoint refuses the client a form names (`client_id`, `client_secret`),
    /// as Zoho's `error` code; `None` when it knows the client and the secret is that DC's.
    pub fn client_refusal(
        &self,
        dc: &str,
        params: &std::collections::HashMap<String, String>,
    ) -> Option<&'static str> {
        let client_id = params
            .get("client_id")
            .map(String::as_str)
            .unwrap_or_default();
        let Some(client) = self.clients.iter().find(|client| {
            client.id == client_id
                && client
                    .dcs
                    .as_ref()
                    .is_none_or(|dcs| dcs.iter().any(|d| d == dc))
        }) else {
            return Some("invalid_client");
        };
        (params.get("client_secret").map(String::as_str) != Some(client.secret_in(dc)))
            .then_some("invalid_client_secret")
    }

    pub fn new(base: String) -> World {
        let mut world = World {
            base,
            mint_hook: None,
            clients: Vec::new(),
            grants: Vec::new(),
            live: Vec::new(),
            accounts: Vec::new(),
            evicted: Vec::new(),
            requests: HashMap::new(),
            live_at: HashMap::new(),
            grant_at: HashMap::new(),
            codes: Vec::new(),
            signed_in: None,
            deny_consent: false,
        };
        world.add_client(None);
        world
    }

    /// The client registered in every data centre.
    pub fn default_client(&self) -> (&str, &str) {
        (&self.clients[0].id, &self.clients[0].secret)
    }

    pub fn add_client(&mut self, dcs: Option<Vec<String>>) -> (String, String) {
        let id = format!("1000.{}", random_hex(30).to_uppercase());
        let secret = random_hex(42);
        self.clients.push(Client {
            id: id.clone(),
            secret: secret.clone(),
            dcs,
            dc_secrets: Vec::new(),
        });
        (id, secret)
    }

    pub fn add_account(&mut self, user: &str, desk: DeskTenant, crm: CrmTenant) -> usize {
        let index = self.accounts.len();
        self.accounts.push(Account {
            user: user.to_owned(),
            email: format!("{user}@example.test"),
            zuid: 7_000_000 + index as u64,
            desk,
            crm,
            user_info_org_field: ["orgid", "organization_id", "ZGID"][index % 3],
            fault: None,
        });
        index
    }

    /// The account an access token was issued to: live, expired or evicted.
    pub fn account_of_token(&self, token: &str) -> Option<usize> {
        self.live_of(token).map(|live| live.account).or_else(|| {
            self.evicted
                .iter()
                .find(|(evicted, _)| evicted == token)
                .map(|(_, account)| *account)
        })
    }

    /// An access token's entry in `live` (expired or not): by the index, else by a scan, so an
    /// entry pushed straight onto `live` is found all the same.
    pub fn live_of(&self, token: &str) -> Option<&Live> {
        self.live_at
            .get(token)
            .and_then(|at| self.live.get(*at))
            .filter(|live| live.token == token)
            .or_else(|| self.live.iter().find(|live| live.token == token))
    }

    /// Records a minted access token.
    pub fn add_live(&mut self, live: Live) {
        self.live_at.insert(live.token.clone(), self.live.len());
        self.live.push(live);
    }

    /// The grant a refresh token belongs to: by the index, else by a scan.
    pub fn grant_of(&self, refresh_token: &str) -> Option<usize> {
        self.grant_at
            .get(refresh_token)
            .copied()
            .filter(|at| {
                self.grants
                    .get(*at)
                    .is_some_and(|grant| grant.refresh_token == refresh_token)
            })
            .or_else(|| {
                self.grants
                    .iter()
                    .position(|grant| grant.refresh_token == refresh_token)
            })
    }

    /// An access token of `account` that Zoho has already forgotten.
    pub fn evicted_token(&mut self, account: usize) -> String {
        let token = new_token();
        self.evicted.push((token.clone(), account));
        token
    }

    /// The account a refresh token belongs to, on any data centre, revoked or not.
    pub fn account_of_grant(&self, refresh_token: &str) -> Option<usize> {
        self.grant_of(refresh_token)
            .map(|grant| self.grants[grant].account)
    }

    /// The fault of the account a refresh token belongs to.
    pub fn fault_of_grant(&self, refresh_token: &str) -> Option<Fault> {
        self.account_of_grant(refresh_token)
            .and_then(|account| self.accounts[account].fault.clone())
    }

    /// A refresh token for `account`, valid on `dc` with `client_id`.
    pub fn add_grant(
        &mut self,
        account: usize,
        dc: &str,
        client_id: &str,
        scopes: &[&str],
    ) -> usize {
        let refresh_token = new_token();
        self.grant_at
            .insert(refresh_token.clone(), self.grants.len());
        self.grants.push(Grant {
            refresh_token,
            dc: dc.to_owned(),
            client_id: client_id.to_owned(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            account,
            revoked: false,
            answer_api_domain: true,
            answer_scope: true,
            mint_times: Vec::new(),
        });
        self.grants.len() - 1
    }

    /// An access token of `grant`, live until `expires_at` (epoch seconds).
    pub fn issue(&mut self, grant: usize, expires_at: u64) -> String {
        let grant = &self.grants[grant];
        let token = new_token();
        self.add_live(Live {
            token: token.clone(),
            dc: grant.dc.clone(),
            scopes: grant.scopes.clone(),
            account: grant.account,
            expires_at,
        });
        token
    }

    pub fn api_domain(&self, dc: &str) -> String {
        format!("{}/api/{dc}", self.base)
    }

    pub fn count_request(&mut self, path: &str) {
        let prefix = path.split('/').nth(1).unwrap_or_default();
        *self.requests.entry(format!("/{prefix}")).or_default() += 1;
    }

    pub fn requests(&self, prefix: &str) -> usize {
        self.requests.get(prefix).copied().unwrap_or(0)
    }

    pub fn mints(&self, refresh_token: &str) -> usize {
        self.grants
            .iter()
            .find(|grant| grant.refresh_token == refresh_token)
            .map_or(0, |grant| grant.mint_times.len())
    }

    /// The account of `user`, to change its data.
    pub fn account_mut(&mut self, user: &str) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.user == user)
    }

    pub fn set_fault(&mut self, user: &str, fault: Fault) {
        if let Some(account) = self.accounts.iter_mut().find(|a| a.user == user) {
            account.fault = Some(fault);
        }
    }

    /// The account behind an `Authorization: Zoho-oauthtoken …` header on `dc`, if the token
    /// is live there and holds one of `any_of` (Zoho's OAS lists alternatives).
    pub fn authorise(
        &self,
        header: Option<&str>,
        dc: &str,
        any_of: &[&str],
    ) -> Result<usize, Denial> {
        let token = header
            .and_then(|value| {
                value
                    .strip_prefix("Zoho-oauthtoken ")
                    .or_else(|| value.strip_prefix("Bearer "))
            })
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(Denial::NoToken)?;
        let live = self
            .live_of(token)
            .filter(|live| live.dc == dc && live.expires_at > now_secs())
            .ok_or(Denial::BadToken)?;
        if !any_of.is_empty()
            && !any_of
                .iter()
                .any(|wanted| live.scopes.iter().any(|held| scope_allows(held, wanted)))
        {
            return Err(Denial::Scope);
        }
        Ok(live.account)
    }
}

/// The simulator's own reading of Zoho's scope rules: case-insensitive; `ALL` allows every
/// operation; a scope allows the same operation on the entities beneath it.
fn scope_allows(held: &str, wanted: &str) -> bool {
    let held = held.to_ascii_lowercase();
    let wanted = wanted.to_ascii_lowercase();
    if held == wanted {
        return true;
    }
    let (Some((held_path, held_op)), Some((wanted_path, wanted_op))) =
        (held.rsplit_once('.'), wanted.rsplit_once('.'))
    else {
        return false;
    };
    let path_covers = wanted_path == held_path || wanted_path.starts_with(&format!("{held_path}."));
    path_covers && (held_op == "all" || held_op == wanted_op)
}
