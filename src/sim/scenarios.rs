//! The scenarios the simulator plays: each builds an account in the world and returns the
//! connection row an app would have stored for it — healthy or broken in one specific way.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::world::{CrmTenant, DeskTenant, SeededConnection, World, now_secs};

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

const CRM_SCOPES: [&str; 4] = [
    "ZohoCRM.settings.profiles.READ",
    "ZohoCRM.org.READ",
    "ZohoCRM.users.READ",
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

#[derive(Clone)]
enum Expiry {
    Seconds,
    Millis,
    Iso,
    /// Exactly this text, whatever the token's real expiry.
    Raw(&'static str),
}

#[derive(Clone)]
enum Stored {
    Right,
    Blank,
    Value(String),
}

#[derive(Clone)]
struct Setup {
    app: &'static str,
    row_dc: &'static str,
    grant_dc: &'static str,
    scopes: Vec<&'static str>,
    store_scopes: bool,
    token: Token,
    expiry: Expiry,
    org: Stored,
    portal: Stored,
    refresh_token: Stored,
    /// The client is registered only in these data centres (`None`: the multi-DC client).
    own_client: Option<Vec<String>>,
    wrong_secret: bool,
    /// A multi-DC client whose secret differs in this data centre, and whether the run is told it.
    dc_secret: Option<(&'static str, bool)>,
    revoked: bool,
    throttled: bool,
    answer_api_domain: bool,
    answer_scope: bool,
}

impl Setup {
    fn desk() -> Setup {
        Setup {
            app: "desk",
            row_dc: "us",
            grant_dc: "us",
            scopes: DESK_SCOPES.to_vec(),
            store_scopes: true,
            token: Token::Live,
            expiry: Expiry::Seconds,
            org: Stored::Right,
            portal: Stored::Right,
            refresh_token: Stored::Right,
            own_client: None,
            wrong_secret: false,
            dc_secret: None,
            revoked: false,
            throttled: false,
            answer_api_domain: true,
            answer_scope: true,
        }
    }

    fn crm() -> Setup {
        Setup {
            app: "crm",
            scopes: CRM_SCOPES.to_vec(),
            org: Stored::Blank,
            portal: Stored::Blank,
            ..Setup::desk()
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
fn desk_tenant(world: &World, name: &str) -> DeskTenant {
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

/// A CRM organisation with the seed's three sample profiles (seed 003, "Sample Response").
fn crm_tenant(world: &World, name: &str) -> CrmTenant {
    let base = 4_150_868_000_000_000_000u64 + 1000 * world.accounts.len() as u64;
    let admin = json!({"name": "Patricia Boyle", "id": format!("{}", base + 225)});
    let profile = |n: u64,
                   label: &str,
                   description: &str,
                   category: bool,
                   created: Value,
                   created_time: Value| {
        json!({
            "display_label": label,
            "created_time": created_time,
            "modified_time": "2020-04-01T12:57:59+05:30",
            "name": label,
            "modified_by": admin,
            "description": description,
            "id": format!("{}", base + n),
            "category": category,
            "created_by": created,
        })
    };
    CrmTenant {
        org: json!({
            "id": format!("{}", base),
            "zgid": format!("{}", 700_000 + world.accounts.len() as u64),
            "company_name": format!("{name} Ltd"),
            "domain_name": format!("org{}", 700_000 + world.accounts.len() as u64),
            "primary_email": format!("{name}@example.test"),
            "type": "production",
            "time_zone": "Europe/London",
            "iso_code": "GBP",
        }),
        profiles: vec![
            profile(
                11,
                "Administrator",
                "This profile will have all the permissions. Users with Administrator profile will be able to view and manage all the data within the organization account by default.",
                false,
                Value::Null,
                Value::Null,
            ),
            profile(
                14,
                "Standard",
                "This profile will have all the permissions except administrative privileges.",
                false,
                Value::Null,
                Value::Null,
            ),
            profile(
                23,
                "sample",
                "This is a sample profile",
                true,
                admin.clone(),
                json!("2020-03-13T16:28:12+05:30"),
            ),
        ],
        users: vec![json!({
            "id": format!("{}", base + 225),
            "full_name": "Patricia Boyle",
            "email": format!("{name}@example.test"),
            "status": "active",
            "profile": {"name": "Administrator", "id": format!("{}", base + 11)},
            "role": {"name": "CEO", "id": format!("{}", base + 31)},
        })],
        profiles_modified: 1_585_725_479,
        no_permission: false,
    }
}

fn build(
    world: &mut World,
    name: &'static str,
    title: &'static str,
    desk: DeskTenant,
    crm: CrmTenant,
    setup: Setup,
) -> SeededConnection {
    let first_org = desk
        .orgs
        .iter()
        .find(|org| org["isDefault"] == json!(true))
        .or(desk.orgs.first())
        .cloned();
    let crm_org_id = crm.org["id"].as_str().map(str::to_owned);
    let account = world.add_account(name, desk, crm);
    let (mut client_id, mut client_secret) = match &setup.own_client {
        Some(dcs) => world.add_client(Some(dcs.clone())),
        None => {
            let (id, secret) = world.default_client();
            (id.to_owned(), secret.to_owned())
        }
    };
    if setup.wrong_secret {
        client_secret = super::world::random_hex(42);
    }
    let mut run_secrets = Vec::new();
    if let Some((dc, told)) = setup.dc_secret {
        (client_id, client_secret) = world.add_client(None);
        let secret = super::world::random_hex(42);
        let client = world.clients.len() - 1;
        world.clients[client]
            .dc_secrets
            .push((dc.to_owned(), secret.clone()));
        run_secrets.extend(told.then(|| (dc.to_owned(), secret)));
    }
    let grant = world.add_grant(account, setup.grant_dc, &client_id, &setup.scopes);
    let now = now_secs();
    world.grants[grant].revoked = setup.revoked;
    world.grants[grant].answer_api_domain = setup.answer_api_domain;
    world.grants[grant].answer_scope = setup.answer_scope;
    if setup.throttled {
        world.grants[grant].mint_times = vec![now; super::world::MINTS_PER_WINDOW];
    }
    let (access_token, expires_at) = match setup.token {
        Token::Live => (world.issue(grant, now + 3300), now + 3300),
        Token::Expired => (world.issue(grant, now - 600), now - 600),
        Token::Evicted => (world.evicted_token(account), now + 3000),
    };
    let token_expires_at = match setup.expiry {
        Expiry::Seconds => expires_at.to_string(),
        Expiry::Millis => (expires_at * 1000).to_string(),
        Expiry::Iso => Utc
            .timestamp_opt(expires_at as i64, 0)
            .single()
            .map(|at| at.to_rfc3339())
            .unwrap_or_default(),
        Expiry::Raw(text) => text.to_owned(),
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
    let refresh_token = match &setup.refresh_token {
        Stored::Right => Some(world.grants[grant].refresh_token.clone()),
        Stored::Blank => None,
        // A refresh answer's access token written over the refresh token: apps that save the whole
        // refresh answer do this, since Zoho's refresh answer carries no refresh token.
        Stored::Value(_) => Some(access_token.clone()),
    };
    // An app stores the API domain of the data centre it believes in.
    let believed_dc = if setup.row_dc == "com" {
        "us"
    } else {
        setup.row_dc
    };
    SeededConnection {
        scenario: name,
        title,
        user_id: name.to_owned(),
        access_token: Some(access_token),
        refresh_token,
        token_expires_at: Some(token_expires_at),
        api_domain: Some(world.api_domain(believed_dc)),
        org_id: if setup.app == "crm" {
            crm_org_id
        } else {
            Some(format!("{}", 90_000_000 + account as u64))
        },
        desk_org_id: stored(&setup.org, org_id),
        desk_portal: stored(&setup.portal, portal),
        dc: Some(setup.row_dc.to_owned()),
        scopes: setup.store_scopes.then(|| setup.scopes.join(" ")),
        client_id: Some(client_id),
        client_secret: Some(client_secret),
        app: setup.app,
        run_secrets,
    }
}

macro_rules! scenario {
    ($name:literal, $title:literal, $setup_kind:ident, |$world:ident, $desk:ident, $crm:ident, $setup:ident| $body:block) => {
        ScenarioInfo {
            name: $name,
            title: $title,
            build: |world: &mut World, name: &'static str| {
                let $world = world;
                let mut desk = if stringify!($setup_kind) == "crm" { DeskTenant::default() } else { desk_tenant($world, name) };
                let mut crm = crm_tenant($world, name);
                let mut setup = Setup::$setup_kind();
                {
                    // The body adjusts the defaults through these; not every body uses each.
                    let ($desk, $crm, $setup) = (&mut desk, &mut crm, &mut setup);
                    $body
                    let _ = ($desk, $crm, $setup);
                }
                build($world, name, $title, desk, crm, setup)
            },
        }
    };
}

pub static SCENARIOS: &[ScenarioInfo] = &[
    // --- Zoho Desk ---
    scenario!(
        "healthy",
        "everything in order",
        desk,
        |world, desk, crm, setup| {}
    ),
    scenario!(
        "token-expired",
        "access token expired: one refresh, then all pass",
        desk,
        |world, desk, crm, setup| {
            setup.token = Token::Expired;
            setup.expiry = Expiry::Millis;
            setup.store_scopes = false;
        }
    ),
    scenario!(
        "refresh-revoked",
        "refresh token revoked: HTTP 200 + invalid_code",
        desk,
        |world, desk, crm, setup| {
            setup.token = Token::Expired;
            setup.revoked = true;
        }
    ),
    scenario!(
        "wrong-dc",
        "the row says com, the refresh token is the EU data centre's",
        desk,
        |world, desk, crm, setup| {
            setup.token = Token::Expired;
            setup.row_dc = "com";
            setup.grant_dc = "eu";
            setup.own_client = Some(vec!["eu".to_owned()]);
        }
    ),
    scenario!(
        "missing-scope",
        "granted without Desk.settings.READ",
        desk,
        |world, desk, crm, setup| {
            setup.token = Token::Expired;
            setup.scopes = vec!["Desk.basic.READ", "Desk.tickets.ALL"];
            setup.store_scopes = false;
        }
    ),
    scenario!(
        "org-blank",
        "Desk org id blank: discovered from /organizations",
        desk,
        |world, desk, crm, setup| {
            setup.org = Stored::Blank;
            setup.expiry = Expiry::Iso;
        }
    ),
    scenario!(
        "org-stale",
        "stored Desk org id is not among the user's organisations",
        desk,
        |world, desk, crm, setup| {
            setup.org = Stored::Value("60999999".to_owned());
        }
    ),
    scenario!(
        "portal-missing",
        "Desk portal blank: discovered",
        desk,
        |world, desk, crm, setup| {
            setup.portal = Stored::Blank;
        }
    ),
    scenario!(
        "several-orgs",
        "three Desk organisations, the second the default",
        desk,
        |world, desk, crm, setup| {
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
        "orgs-no-default",
        "two Desk organisations, neither the default",
        desk,
        |world, desk, crm, setup| {
            let first = desk.orgs[0]["id"].as_u64().unwrap_or(60_000_000);
            desk.orgs[0]["isDefault"] = json!(false);
            desk.orgs
                .push(org(first + 1, "nodefaultother", "No Default Other", false));
            setup.org = Stored::Blank;
            setup.portal = Stored::Blank;
        }
    ),
    scenario!(
        "orgs-bare-list",
        "/organizations answers a bare list",
        desk,
        |world, desk, crm, setup| {
            desk.bare_list = true;
            setup.org = Stored::Blank;
        }
    ),
    scenario!(
        "desk-invalid-oauth",
        "Desk answers 401 INVALID_OAUTH: the stored token was evicted",
        desk,
        |world, desk, crm, setup| {
            setup.token = Token::Evicted;
        }
    ),
    scenario!(
        "portal-is-org-id",
        "the org id is stored as the portal",
        desk,
        |world, desk, crm, setup| {
            let id = desk.orgs[0]["id"].to_string();
            setup.portal = Stored::Value(id);
        }
    ),
    scenario!(
        "refresh-throttled",
        "refresh throttled: HTTP 400 Access Denied",
        desk,
        |world, desk, crm, setup| {
            setup.token = Token::Expired;
            setup.throttled = true;
        }
    ),
    scenario!(
        "no-api-domain",
        "an old-style refresh answer: no api_domain, no scope",
        desk,
        |world, desk, crm, setup| {
            setup.token = Token::Expired;
            setup.answer_api_domain = false;
            setup.answer_scope = false;
            setup.store_scopes = false;
        }
    ),
    scenario!(
        "no-refresh-token",
        "no refresh token stored (grant without access_type=offline)",
        desk,
        |world, desk, crm, setup| {
            setup.refresh_token = Stored::Blank;
        }
    ),
    scenario!(
        "refresh-overwritten",
        "the refresh token was overwritten with the access token",
        desk,
        |world, desk, crm, setup| {
            setup.refresh_token = Stored::Value(String::new());
        }
    ),
    scenario!(
        "expiry-implausible",
        "the stored expiry is a duration (3600), not a time",
        desk,
        |world, desk, crm, setup| {
            setup.expiry = Expiry::Raw("3600");
        }
    ),
    // --- Zoho CRM ---
    scenario!(
        "crm-healthy",
        "CRM: everything in order",
        crm,
        |world, desk, crm, setup| {}
    ),
    scenario!(
        "crm-scope-mismatch",
        "CRM: granted without the profiles scope, scopes not stored",
        crm,
        |world, desk, crm, setup| {
            setup.scopes = vec!["ZohoCRM.modules.ALL", "ZohoCRM.org.READ"];
            setup.store_scopes = false;
        }
    ),
    scenario!(
        "crm-no-permission",
        "CRM: the user's profile may not read profiles",
        crm,
        |world, desk, crm, setup| {
            crm.no_permission = true;
        }
    ),
    scenario!(
        "crm-other-dc",
        "CRM: the refresh token is the India data centre's (multi-DC client)",
        crm,
        |world, desk, crm, setup| {
            setup.token = Token::Expired;
            setup.grant_dc = "in";
        }
    ),
    scenario!(
        "crm-secret-wrong",
        "CRM: the client secret is wrong",
        crm,
        |world, desk, crm, setup| {
            setup.token = Token::Expired;
            setup.wrong_secret = true;
        }
    ),
    scenario!(
        "crm-no-profiles",
        "CRM: the profiles list answers 204",
        crm,
        |world, desk, crm, setup| {
            crm.profiles.clear();
        }
    ),
    scenario!(
        "crm-eu-secret-unset",
        "CRM: row says com, token is EU's, EU secret differs, not given",
        crm,
        |world, desk, crm, setup| {
            (setup.token, setup.row_dc, setup.grant_dc) = (Token::Expired, "com", "eu");
            setup.dc_secret = Some(("eu", false));
        }
    ),
    scenario!(
        "crm-eu-secret-set",
        "CRM: as crm-eu-secret-unset, ZOHO_CLIENT_SECRET_EU given",
        crm,
        |world, desk, crm, setup| {
            (setup.token, setup.row_dc, setup.grant_dc) = (Token::Expired, "com", "eu");
            setup.dc_secret = Some(("eu", true));
        }
    ),
];
