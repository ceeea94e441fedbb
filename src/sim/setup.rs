//! What a scenario is made of: the setup each one adjusts (token, expiry, scopes, data centres,
//! stored values), the Desk and CRM tenants it starts from, and `build`, which turns them into an
//! account in the world and the connection row an app would have stored.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::world::{CrmTenant, DeskTenant, SeededConnection, World, now_secs};

/// One scenario of the catalogue.
pub struct ScenarioInfo {
    pub name: &'static str,
    pub title: &'static str,
    pub build: fn(&mut World, &'static str) -> SeededConnection,
}

pub(super) const DESK_SCOPES: [&str; 4] = [
    "Desk.basic.READ",
    "Desk.settings.READ",
    "Desk.tickets.ALL",
    "AaaServer.profile.Read",
];

pub(super) const CRM_SCOPES: [&str; 5] = [
    "ZohoCRM.settings.profiles.READ",
    "ZohoCRM.org.READ",
    "ZohoCRM.users.READ",
    "ZohoCRM.modules.leads.READ",
    "AaaServer.profile.Read",
];

#[derive(Clone, Copy)]
pub(super) enum Token {
    /// Stored and live for another 55 minutes.
    Live,
    /// Stored, expired ten minutes ago: a refresh is due.
    Expired,
    /// Stored with a future expiry, but Zoho no longer knows it (evicted by later mints).
    Evicted,
}

#[derive(Clone)]
pub(super) enum Expiry {
    Seconds,
    Millis,
    Iso,
    /// Exactly this text, whatever the token's real expiry.
    Raw(&'static str),
}

#[derive(Clone)]
pub(super) enum Stored {
    Right,
    Blank,
    Value(String),
}

#[derive(Clone)]
pub(super) struct Setup {
    pub(super) app: &'static str,
    pub(super) row_dc: &'static str,
    pub(super) grant_dc: &'static str,
    pub(super) scopes: Vec<&'static str>,
    pub(super) store_scopes: bool,
    pub(super) token: Token,
    pub(super) expiry: Expiry,
    pub(super) org: Stored,
    pub(super) portal: Stored,
    pub(super) refresh_token: Stored,
    /// The client is registered only in these data centres (`None`: the multi-DC client).
    pub(super) own_client: Option<Vec<String>>,
    pub(super) wrong_secret: bool,
    /// A multi-DC client whose secret differs in this data centre, and whether the run is told it.
    pub(super) dc_secret: Option<(&'static str, bool)>,
    pub(super) revoked: bool,
    pub(super) throttled: bool,
    pub(super) answer_api_domain: bool,
    pub(super) answer_scope: bool,
    /// The row's api_domain when it is not the believed data centre's API host.
    pub(super) stored_api_domain: Option<&'static str>,
    /// Desk answers as zohodesk-oas's examples write them (string ids and flags); `false` keeps
    /// numbers and real booleans, which Desk sends too.
    pub(super) zoho_example_json: bool,
}

impl Setup {
    pub(super) fn desk() -> Setup {
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
            stored_api_domain: None,
            zoho_example_json: true,
        }
    }

    pub(super) fn crm() -> Setup {
        Setup {
            app: "crm",
            scopes: CRM_SCOPES.to_vec(),
            org: Stored::Blank,
            portal: Stored::Blank,
            ..Setup::desk()
        }
    }
}

pub(super) fn org(id: u64, portal: &str, company: &str, default: bool) -> Value {
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
pub(super) fn desk_tenant(world: &World, name: &str) -> DeskTenant {
    let portal: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let base_id = 60_000_000 + 10 * world.accounts.len() as u64;
    DeskTenant {
        orgs: vec![org(base_id, &portal, &format!("{name} Support"), true)],
        bare_list: false,
        // Helpcenter.json's list example: a string id beside real booleans, and no portal name
        // field (the seed's urlName/subDomain/portalName are not Zoho's).
        help_centres: vec![json!({
            "isDefault": true,
            "name": format!("{name} Help Centre"),
            "id": format!("{}", 70_000_000 + base_id),
            "departmentIds": ["5000000000303"],
            "isMultilingualEnabled": false,
            "isEncodedPermalinkAllowed": false,
            "helpCenterLocales": [{
                "name": format!("{name} Help Centre"),
                "locale": "en",
                "type": ["DEFAULT"],
                "status": "ACCESIBLE_IN_HELPCENTER",
            }],
            "locales": ["en"],
            "primaryLocale": "en",
            "logoUrl": null,
            "url": format!("https://support.{portal}.example"),
            "status": "ACTIVE",
        })],
        agent: agent(world, name, base_id),
        home_dc: None,
        tickets: super::records::tickets(name, base_id),
    }
}

/// The agent `/myinfo` answers, in the shape of zohodesk-oas `Agent.json`'s response example:
/// ids (and `zuid`) as strings, `isConfirmed`/`isZiaAgent` as booleans, the full `name`, and the
/// nested `profile` and `role` beside their ids.
fn agent(world: &World, name: &str, base_id: u64) -> Value {
    let (role, profile, department) = ("5000000000101", "5000000000202", "5000000000303");
    // The zuid add_account will give this account.
    let zuid = 7_000_000 + world.accounts.len() as u64;
    json!({
        "associatedChatDepartments": [],
        "lastName": "Lovelace",
        "extn": "",
        "role": {"name": "CEO", "id": role},
        "langCode": "en_US",
        "emailId": format!("{name}@example.test"),
        "photoURL": null,
        "countryCode": "en_US",
        "isConfirmed": true,
        "id": format!("{}", 80_000_000 + base_id),
        "roleId": role,
        "profile": {"name": "Administrator", "id": profile},
        "mobile": "",
        "timeZone": "Europe/London",
        "associatedChatDepartmentIds": [],
        "zuid": zuid.to_string(),
        "associatedDepartmentIds": [department],
        "associatedDepartments": [{"name": format!("{name} Support"), "id": department}],
        "firstName": "Ada",
        "phone": "",
        "profileId": profile,
        "channelExpert": ["Email"],
        "name": "Ada Lovelace",
        "rolePermissionType": "Admin",
        "aboutInfo": "",
        "status": "ACTIVE",
        "isZiaAgent": false,
    })
}

/// One object of two halves (one `json!` of every `Org` field passes the macro's recursion limit).
fn crm_org(mut org: Value, rest: Value) -> Value {
    if let (Value::Object(org), Value::Object(rest)) = (&mut org, rest) {
        org.extend(rest);
    }
    org
}

/// A CRM organisation with the seed's three sample profiles (seed 003, "Sample Response"), its
/// bodies shaped as crm-oas v8's schemas define them: `Org` with its required fields, `Profile`
/// with `created_by`/`modified_by` as `Minified_User` objects (`name`, `id`, `email`), `users`
/// with `zuid`, `confirm` and nested `profile`/`role`.
pub(super) fn crm_tenant(world: &World, name: &str) -> CrmTenant {
    let base = 4_150_868_000_000_000_000u64 + 1000 * world.accounts.len() as u64;
    // The zuid add_account will give this account.
    let zuid = (7_000_000 + world.accounts.len() as u64).to_string();
    let zgid = 700_000 + world.accounts.len() as u64;
    let admin = json!({
        "name": "Patricia Boyle",
        "id": format!("{}", base + 225),
        "email": format!("{name}@example.test"),
    });
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
            "custom": category,
            "type": "normal_profile",
            "permissions_details": [],
            "sections": [],
        })
    };
    CrmTenant {
        org: crm_org(
            json!({
            "id": format!("{}", base),
            "zgid": zgid.to_string(),
            "ezgid": format!("e{zgid}"),
            "company_name": format!("{name} Ltd"),
            "alias": null,
            "domain_name": format!("org{zgid}"),
            "primary_email": format!("{name}@example.test"),
            "primary_zuid": zuid,
            "type": "Production",
            "description": null,
            "time_zone": "Europe/London",
            "iso_code": "GBP",
            }),
            json!({
            "currency": "Pound Sterling - GBP",
            "currency_symbol": "£",
            "currency_locale": "en_GB",
            "country": "United Kingdom",
            "country_code": "GB",
            "city": null,
            "street": null,
            "state": null,
            "zip": null,
            "phone": null,
            "mobile": null,
            "fax": null,
            "photo_id": null,
            "zia_portal_id": null,
            "zia_zgid": null,
            "mc_status": false,
            "gapps_enabled": false,
            "translation_enabled": false,
            "privacy_settings": false,
            "hipaa_compliance_enabled": false,
            "lite_users_enabled": false,
            "deletable_org_account": false,
            "oauth_presence": false,
            "max_per_page": 200,
            "call_icon": null,
            "license_details": {
                "paid_expiry": null,
                "users_license_purchased": 10,
                "trial_type": null,
                "trial_expiry": null,
                "paid": true,
                "paid_type": "enterprise",
                "trial_action": null,
            },
            "hierarchy_preferences": {"type": "Role_Hierarchy", "strictly_reporting": false},
            "checkin_preferences": {"location_radius": null},

            }),
        ),
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
            "zuid": zuid,
            "first_name": "Patricia",
            "last_name": "Boyle",
            "full_name": "Patricia Boyle",
            "email": format!("{name}@example.test"),
            "confirm": true,
            "status": "active",
            "time_zone": "Europe/London",
            "locale": "en_GB",
            "created_by": admin,
            "created_time": "2020-03-13T16:28:12+05:30",
            "Modified_By": admin,
            "Modified_Time": "2020-04-01T12:57:59+05:30",
            "profile": {"name": "Administrator", "id": format!("{}", base + 11)},
            "role": {"name": "CEO", "id": format!("{}", base + 31)},
        })],
        profiles_modified: 1_585_725_479,
        no_permission: false,
        leads: super::records::leads(name, base),
    }
}

pub(super) fn build(
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
        .find(|org| org["isDefault"] == json!(true) || org["isDefault"] == json!("true"))
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
        api_domain: Some(
            setup
                .stored_api_domain
                .map_or_else(|| world.api_domain(believed_dc), str::to_owned),
        ),
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
