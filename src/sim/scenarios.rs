//! The scenarios the simulator plays: each builds an account in the world and returns the
//! connection row an app would have stored for it — healthy or broken in one specific way.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::world::{DeskTenant, SeededConnection, World, new_token, now_secs};

/// One scenario of the catalogue.
pub struct ScenarioInfo {
    pub name: &'static str,
    pub title: &'static str,
    pub build: fn(&mut World, &'static str) -> SeededConnection,
}

const DESK_SCOPES: [&str; 4] = [
    "Desk.basic.READ",
    "Desk.settings.READ",
    "Desk.tickets.ALL",
    "AaaServer.profile.Read",
];

#[derive(Clone, Copy)]
enum Token {
    /// Stored and live for another 55 minutes.
    Live,
    /// Stored, expired ten minutes ago: a refresh is due.
    Expired,
    /// Stored with a future expiry, but Zoho no longer knows it (evicted by later mints).
    Evicted,
}

#[derive(Clone, Copy)]
enum ExpiryFormat {
    Seconds,
    Millis,
    Iso,
}

#[derive(Clone)]
enum Stored {
    Right,
    Blank,
    Value(String),
}

#[derive(Clone)]
struct Setup {
    row_dc: &'static str,
    grant_dc: &'static str,
    scopes: Vec<&'static str>,
    store_scopes: bool,
    token: Token,
    expiry: ExpiryFormat,
    org: Stored,
    portal: Stored,
    /// The client is registered only in these data centres (`None`: the multi-DC client).
    own_client: Option<Vec<String>>,
    revoked: bool,
    throttled: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            row_dc: "us",
            grant_dc: "us",
            scopes: DESK_SCOPES.to_vec(),
            store_scopes: true,
            token: Token::Live,
            expiry: ExpiryFormat::Seconds,
            org: Stored::Right,
            portal: Stored::Right,
            own_client: None,
            revoked: false,
            throttled: false,
        }
    }
}

fn org(id: u64, portal: &str, company: &str, default: bool) -> Value {
    json!({
        "id": id,
        "companyName": company,
        "portalName": portal,
        "portalURL": format!("https://{portal}.zohodesk.com"),
        "isDefault": default,
        "edition": "PROFESSIONAL",
        "isAdminInOrg": true,
        "isSandboxPortal": false,
    })
}

/// One organisation with a help centre and an agent: what most Desk accounts look like.
fn tenant(world: &World, name: &str) -> DeskTenant {
    let portal: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let base_id = 60_000_000 + 10 * world.accounts.len() as u64;
    DeskTenant {
        orgs: vec![org(base_id, &portal, &format!("{name} Support"), true)],
        bare_list: false,
        help_centres: vec![json!({
            "id": format!("{}", 70_000_000 + base_id),
            "name": format!("{name} Help Centre"),
            "url": format!("https://support.{portal}.example"),
            "isDefault": true,
            "status": "ACTIVE",
            "primaryLocale": "en",
        })],
        agent: json!({
            "id": format!("{}", 80_000_000 + base_id),
            "firstName": "Ada",
            "lastName": "Lovelace",
            "emailId": format!("{name}@example.test"),
            "status": "ACTIVE",
            "roleId": "5000000000101",
            "profileId": "5000000000202",
            "langCode": "en_US",
            "timeZone": "Europe/London",
            "isConfirmed": true,
            "photoURL": null,
        }),
    }
}

fn build(
    world: &mut World,
    name: &'static str,
    title: &'static str,
    desk: DeskTenant,
    setup: Setup,
) -> SeededConnection {
    let first_org = desk
        .orgs
        .iter()
        .find(|org| org["isDefault"] == json!(true))
        .or(desk.orgs.first())
        .cloned();
    let account = world.add_account(name, desk);
    let (client_id, client_secret) = match &setup.own_client {
        Some(dcs) => world.add_client(Some(dcs.clone())),
        None => {
            let (id, secret) = world.default_client();
            (id.to_owned(), secret.to_owned())
        }
    };
    let grant = world.add_grant(account, setup.grant_dc, &client_id, &setup.scopes);
    let now = now_secs();
    world.grants[grant].revoked = setup.revoked;
    if setup.throttled {
        world.grants[grant].mint_times = vec![now; super::world::MINTS_PER_WINDOW];
    }
    let (access_token, expires_at) = match setup.token {
        Token::Live => (world.issue(grant, now + 3300), now + 3300),
        Token::Expired => (world.issue(grant, now - 600), now - 600),
        Token::Evicted => (new_token(), now + 3000),
    };
    let token_expires_at = match setup.expiry {
        ExpiryFormat::Seconds => expires_at.to_string(),
        ExpiryFormat::Millis => (expires_at * 1000).to_string(),
        ExpiryFormat::Iso => Utc
            .timestamp_opt(expires_at as i64, 0)
            .single()
            .map(|at| at.to_rfc3339())
            .unwrap_or_default(),
    };
    let org_id = first_org.as_ref().map(|org| match &org["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let portal = first_org
        .as_ref()
        .and_then(|org| org["portalName"].as_str().map(str::to_owned));
    let stored = |choice: &Stored, right: Option<String>| match choice {
        Stored::Right => right,
        Stored::Blank => None,
        Stored::Value(value) => Some(value.clone()),
    };
    // An app stores the API domain of the data centre it believes in.
    let row_dc = match setup.row_dc {
        "com" => "us",
        other => other,
    };
    SeededConnection {
        scenario: name,
        title,
        user_id: name.to_owned(),
        access_token: Some(access_token),
        refresh_token: Some(world.grants[grant].refresh_token.clone()),
        token_expires_at: Some(token_expires_at),
        api_domain: Some(world.api_domain(row_dc)),
        org_id: Some(format!("{}", 90_000_000 + account as u64)),
        desk_org_id: stored(&setup.org, org_id.clone()),
        desk_portal: stored(&setup.portal, portal),
        dc: Some(setup.row_dc.to_owned()),
        scopes: setup.store_scopes.then(|| setup.scopes.join(" ")),
        client_id: Some(client_id),
        client_secret: Some(client_secret),
    }
}

macro_rules! scenario {
    ($name:literal, $title:literal, |$world:ident, $desk:ident, $setup:ident| $body:block) => {
        ScenarioInfo {
            name: $name,
            title: $title,
            build: |world: &mut World, name: &'static str| {
                let $world = world;
                #[allow(unused_mut)]
                let mut $desk = tenant($world, name);
                #[allow(unused_mut)]
                let mut $setup = Setup::default();
                $body
                build($world, name, $title, $desk, $setup)
            },
        }
    };
}

pub static SCENARIOS: &[ScenarioInfo] = &[
    scenario!("healthy", "everything in order", |world, desk, setup| {}),
    scenario!(
        "token-expired",
        "access token expired: one refresh, then all pass",
        |world, desk, setup| {
            setup.token = Token::Expired;
            setup.expiry = ExpiryFormat::Millis;
            setup.store_scopes = false;
        }
    ),
    scenario!(
        "refresh-revoked",
        "refresh token revoked: HTTP 200 + invalid_code",
        |world, desk, setup| {
            setup.token = Token::Expired;
            setup.revoked = true;
        }
    ),
    scenario!(
        "wrong-dc",
        "the row says com, the refresh token is the EU data centre's",
        |world, desk, setup| {
            setup.token = Token::Expired;
            setup.row_dc = "com";
            setup.grant_dc = "eu";
            setup.own_client = Some(vec!["eu".to_owned()]);
        }
    ),
    scenario!(
        "missing-scope",
        "granted without Desk.settings.READ",
        |world, desk, setup| {
            setup.token = Token::Expired;
            setup.scopes = vec!["Desk.basic.READ", "Desk.tickets.ALL"];
            setup.store_scopes = false;
        }
    ),
    scenario!(
        "org-blank",
        "Desk org id blank: discovered from /organizations",
        |world, desk, setup| {
            setup.org = Stored::Blank;
            setup.expiry = ExpiryFormat::Iso;
        }
    ),
    scenario!(
        "org-stale",
        "stored Desk org id is not among the user's organisations",
        |world, desk, setup| {
            setup.org = Stored::Value("60999999".to_owned());
        }
    ),
    scenario!(
        "portal-missing",
        "Desk portal blank: discovered",
        |world, desk, setup| {
            setup.portal = Stored::Blank;
        }
    ),
    scenario!(
        "several-orgs",
        "three Desk organisations, the second the default",
        |world, desk, setup| {
            let first = desk.orgs[0]["id"].as_u64().unwrap_or(60_000_000);
            desk.orgs[0]["isDefault"] = json!(false);
            desk.orgs
                .push(org(first + 1, "severalmain", "Several Main", true));
            desk.orgs
                .push(org(first + 2, "severallab", "Several Lab", false));
            setup.org = Stored::Blank;
        }
    ),
    scenario!(
        "orgs-bare-list",
        "/organizations answers a bare list",
        |world, desk, setup| {
            desk.bare_list = true;
            setup.org = Stored::Blank;
        }
    ),
    scenario!(
        "desk-invalid-oauth",
        "Desk answers 401 INVALID_OAUTH: the stored token was evicted",
        |world, desk, setup| {
            setup.token = Token::Evicted;
        }
    ),
    scenario!(
        "portal-is-org-id",
        "the org id is stored as the portal",
        |world, desk, setup| {
            let id = desk.orgs[0]["id"].to_string();
            setup.portal = Stored::Value(id);
        }
    ),
    scenario!(
        "refresh-throttled",
        "refresh throttled: HTTP 400 Access Denied",
        |world, desk, setup| {
            setup.token = Token::Expired;
            setup.throttled = true;
        }
    ),
];
