//! The scenarios the simulator plays: each builds an account in the world and returns the
//! connection row an app would have stored for it — healthy or broken in one specific way.

use serde_json::{Value, json};

use super::{
    setup::*,
    world::{DeskTenant, World},
};

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
                // Zoho wins: Desk bodies as its published examples write them, unless the
                // scenario keeps the numeric form (both occur).
                if setup.zoho_example_json {
                    desk.as_zoho_examples();
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
            // Numbers and real booleans, as Desk also sends them.
            setup.zoho_example_json = false;
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
        "granted only Desk.tickets.ALL, scopes not stored",
        desk,
        |world, desk, crm, setup| {
            setup.token = Token::Expired;
            setup.scopes = vec!["Desk.tickets.ALL"];
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
            // Numbers and real booleans, as Desk also sends them.
            setup.zoho_example_json = false;
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
            // Numbers and real booleans, as Desk also sends them.
            setup.zoho_example_json = false;
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
        "refresh throttled: HTTP 200 Access Denied",
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
    scenario!(
        "orgs-string-flags",
        "Desk answers written as Zoho's examples: string ids and flags (the second organisation `\"isDefault\": \"true\"`), the full /myinfo",
        desk,
        |world, desk, crm, setup| {
            let first = desk.orgs[0]["id"].as_u64().unwrap_or(60_000_000);
            desk.orgs
                .push(org(first + 1, "stringmain", "String Main", true));
            desk.orgs[0] = org(first, "stringother", "String Other", false);
            desk.as_zoho_examples();
            setup.org = Stored::Blank;
        }
    ),
    scenario!(
        "portal-custom-domain",
        "Desk portal blank, the organisation's only portal field a custom-domain URL",
        desk,
        |world, desk, crm, setup| {
            desk.orgs[0]["portalName"] = Value::Null;
            desk.orgs[0]["portalURL"] =
                json!("https://support.zylker.com/support/zylker/ShowHomePage.do");
            setup.portal = Stored::Blank;
        }
    ),
    scenario!(
        "desk-other-dc",
        "the Desk organisation lives in the EU data centre: desk.zoho.com answers an HTML 404",
        desk,
        |world, desk, crm, setup| {
            desk.home_dc = Some("eu".to_owned());
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
        "crm-legacy-api-domain",
        "CRM: the row stores the web host crm.zoho.eu as api_domain (INVALID_HOST since v2.1)",
        crm,
        |world, desk, crm, setup| {
            setup.row_dc = "eu";
            setup.grant_dc = "eu";
            setup.stored_api_domain = Some("https://crm.zoho.eu");
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::SCENARIOS;
    use crate::sim::world::World;

    /// The Desk tenant a scenario builds, and the account's zuid.
    fn tenant(name: &'static str) -> (super::DeskTenant, u64) {
        let mut world = World::new("http://127.0.0.1:1".to_owned());
        let info = SCENARIOS.iter().find(|s| s.name == name).unwrap();
        (info.build)(&mut world, name);
        let account = &world.accounts[0];
        (account.desk.clone(), account.zuid)
    }

    #[test]
    fn myinfo_is_shaped_as_agent_json_example() {
        let (desk, zuid) = tenant("healthy");
        let agent = &desk.agent;
        // Agent.json's example: string ids and zuid, real booleans, nested profile and role.
        assert_eq!(agent["name"], "Ada Lovelace");
        assert_eq!(agent["zuid"], json!(zuid.to_string()), "the account's zuid");
        assert!(agent["id"].is_string() && agent["roleId"].is_string());
        assert_eq!(agent["profile"]["id"], agent["profileId"]);
        assert_eq!(agent["role"]["id"], agent["roleId"]);
        assert_eq!(agent["role"]["name"], "CEO");
        assert_eq!(agent["isConfirmed"], json!(true));
        assert_eq!(agent["isZiaAgent"], json!(false));
        assert_eq!(agent["rolePermissionType"], "Admin");
    }

    #[test]
    fn desk_bodies_default_to_zohos_strings_and_some_scenarios_keep_numbers() {
        let (healthy, _) = tenant("healthy");
        assert!(healthy.orgs[0]["id"].is_string(), "{}", healthy.orgs[0]);
        assert_eq!(healthy.orgs[0]["isDefault"], "true");
        // Helpcenter.json's example: a string id, a real boolean.
        assert!(healthy.help_centres[0]["id"].is_string());
        assert_eq!(healthy.help_centres[0]["isDefault"], json!(true));
        for numeric in ["token-expired", "several-orgs", "orgs-bare-list"] {
            let (desk, _) = tenant(numeric);
            assert!(desk.orgs.iter().all(|org| org["id"].is_u64()), "{numeric}");
            assert!(
                desk.orgs
                    .iter()
                    .all(|org| matches!(org["isDefault"], Value::Bool(_))),
                "{numeric}"
            );
        }
    }

    #[test]
    fn crm_bodies_carry_what_crm_oas_v8_requires() {
        let mut world = World::new("http://127.0.0.1:1".to_owned());
        let info = SCENARIOS.iter().find(|s| s.name == "crm-healthy").unwrap();
        (info.build)(&mut world, "crm-healthy");
        let account = &world.accounts[0];
        let crm = &account.crm;
        // A sample of v8.0/org.json's `Org.required`, with their types.
        for field in [
            "id",
            "zgid",
            "company_name",
            "primary_zuid",
            "currency",
            "country_code",
        ] {
            assert!(
                crm.org[field].is_string(),
                "org.{field}: {}",
                crm.org[field]
            );
        }
        assert_eq!(crm.org["type"], "Production");
        assert!(crm.org["max_per_page"].is_u64() && crm.org["mc_status"].is_boolean());
        assert!(crm.org["license_details"]["paid"].is_boolean());
        // Profile.created_by / modified_by: Minified_User objects (null for built-in profiles).
        for profile in &crm.profiles {
            let by = &profile["modified_by"];
            assert!(by["name"].is_string() && by["id"].is_string() && by["email"].is_string());
            assert!(profile["created_by"].is_null() || profile["created_by"]["id"].is_string());
        }
        assert!(crm.profiles.iter().any(|p| p["created_by"].is_object()));
        let user = &crm.users[0];
        assert_eq!(user["zuid"], json!(account.zuid.to_string()));
        assert_eq!(user["confirm"], json!(true));
        assert!(user["profile"]["id"].is_string() && user["created_by"]["id"].is_string());
    }
}
