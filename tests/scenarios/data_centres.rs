//! The `data-centre` check: naming the data centre a refresh token or client belongs to by asking
//! the other accounts servers, when not to probe, and reading the user info's org id.

use crate::{
    common::{self, Harness},
    expect,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_data_centre_is_named_by_asking_the_other_accounts_servers() {
    let h = Harness::start().await;
    let run = h.desk("wrong-dc").await;
    assert_eq!(run.code, 1);
    expect(
        &run,
        &[
            "connection=pass",
            "refresh=fail",
            "data-centre=fail",
            "scopes=skip",
            "org=skip",
            "portal=skip",
            "profile=skip",
        ],
    );
    assert_eq!(run.code("refresh"), "invalid_client");
    assert_eq!(
        run.message("data-centre"),
        "this refresh token belongs to the EU data centre (accounts.zoho.eu); the row says `com`"
    );
    assert!(
        run.hint("data-centre").starts_with("set dc=eu"),
        "{}",
        run.hint("data-centre")
    );
    let evidence = run.check("data-centre")["evidence"].to_string();
    assert!(
        evidence.contains("/accounts/eu/oauth/v2/token"),
        "{evidence}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_centre_probing_can_be_switched_off() {
    let h = Harness::start().await;
    let pipeline = h.path("no-probe.yaml");
    let text = std::fs::read_to_string(common::desk_pipeline())
        .unwrap()
        .replace(
            "    after: [refresh]",
            "    after: [refresh]\n    probe: false",
        );
    std::fs::write(&pipeline, text).unwrap();
    let before = h.sim.requests("/accounts");
    let run = h
        .run(pipeline.to_str().unwrap(), &["--user", "wrong-dc"])
        .await;
    assert_eq!(run.status("data-centre"), "warn");
    assert!(
        run.message("data-centre")
            .contains("probing the other data centres is off")
    );
    assert_eq!(
        h.sim.requests("/accounts") - before,
        1,
        "only the refresh itself reached the accounts server"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_info_org_id_is_read_from_whichever_field_the_data_centre_sends() {
    let h = Harness::start().await;
    for (user, field) in [("healthy", "orgid"), ("org-blank", "ZGID")] {
        let run = h.desk(user).await;
        let details = run.check("data-centre")["details"].to_string();
        assert!(
            details.contains(&format!("Org id (user info `{field}`)")),
            "{user}: {details}"
        );
        assert!(
            details.contains(&format!("{user}@example.test")),
            "{user}: {details}"
        );
    }
    let run = h
        .run(&common::desk_pipeline(), &["--user", "token-expired"])
        .await;
    let details = run.check("data-centre")["details"].to_string();
    assert!(
        details.contains("Org id (user info `organization_id`)"),
        "{details}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_token_of_another_data_centre_is_found_by_probing() {
    let h = Harness::start().await;
    let run = h
        .run(
            &common::repo_file("checks/crm.yaml"),
            &["--user", "crm-other-dc"],
        )
        .await;
    assert_eq!(run.status("refresh"), "fail");
    assert_eq!(
        run.code("refresh"),
        "invalid_code",
        "a multi-DC client gets invalid_code on the wrong DC"
    );
    assert_eq!(
        run.message("data-centre"),
        "this refresh token belongs to the India data centre (accounts.zoho.in); the row says `us`"
    );
    assert!(run.hint("data-centre").starts_with("set dc=in"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_client_secret_fails_refresh_without_probing_other_data_centres() {
    let h = Harness::start().await;
    let before = h.sim.requests("/accounts");
    let run = h
        .run(
            &common::repo_file("checks/crm.yaml"),
            &["--user", "crm-secret-wrong"],
        )
        .await;
    assert_eq!(run.status("refresh"), "fail");
    assert_eq!(run.code("refresh"), "invalid_client_secret");
    assert!(run.hint("refresh").contains("api-console.zoho.com"));
    assert_eq!(
        run.status("data-centre"),
        "pass",
        "a wrong secret is not a data-centre problem"
    );
    assert_eq!(h.sim.requests("/accounts") - before, 1, "no probing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_client_id_is_not_called_a_revoked_token() {
    let h = Harness::start().await;
    let mut row = h.sim.seed("token-expired").unwrap().clone();
    row.user_id = "bad-client".to_owned();
    row.client_id = Some("1000.NOSUCHCLIENTANYWHERE".to_owned());
    let path = h.path("bad-client.db");
    zoho_doctor::demo::write_seed_store(&path, &[row])
        .await
        .unwrap();
    let store = format!("sqlite://{}", path.display());
    let run = h
        .run(
            &common::desk_pipeline(),
            &["--store", &store, "--user", "bad-client"],
        )
        .await;
    assert_eq!(run.code("refresh"), "invalid_client");
    assert_eq!(run.status("data-centre"), "warn");
    let message = run.message("data-centre");
    assert!(
        message.starts_with("no data centre accepts this client id"),
        "{message}"
    );
    assert!(!message.contains("revoked"), "{message}");
    assert!(run.hint("data-centre").contains("api-console.zoho.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_mints_at_most_once_per_connection_with_force_refresh_or_a_probe() {
    let h = Harness::start().await;
    for scenario in ["crm-eu-secret-set", "crm-healthy", "crm-other-dc"] {
        let seed = h.sim.seed(scenario).expect("the scenario");
        let (clients, _) = zoho_doctor::demo::runs_of(h.sim.seeds(), "crm")
            .into_iter()
            .find(|(_, users)| users.contains(&seed.user_id))
            .expect("the scenario's run");
        let users = vec![seed.user_id.clone()];
        let report = h
            .execute_with(zoho_doctor::pipeline::shipped::CRM, users, true, clients)
            .await;
        let refresh_token = seed.refresh_token.clone().expect("a refresh token");
        assert_eq!(
            h.sim.mints(&refresh_token),
            1,
            "{scenario}: one mint, not two"
        );
        let checks = &report.connections[0].checks;
        let minted_by = checks
            .iter()
            .find(|check| {
                check.id
                    == if scenario == "crm-healthy" {
                        "refresh"
                    } else {
                        "data-centre"
                    }
            })
            .expect("the minting check");
        let said = format!("{} {:?}", minted_by.message, minted_by.evidence);
        assert!(
            said.contains("at most 15 live access tokens"),
            "{scenario}: {said}"
        );
    }
}
