//! The shipped CRM pipeline: organisation and profiles, scope mismatch, missing permission, an
//! empty answer, `if_modified_since`, a configured profile id and `api_version`.

use crate::{
    common::{self, Harness},
    expect,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crm_healthy_reads_the_organisation_and_a_profile_by_id() {
    let h = Harness::start().await;
    let run = h
        .run(
            &common::repo_file("checks/crm.yaml"),
            &["--user", "crm-healthy"],
        )
        .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    expect(
        &run,
        &[
            "connection=pass",
            "refresh=pass",
            "data-centre=pass",
            "scopes=pass",
            "org=pass",
            "profiles=pass",
        ],
    );
    assert!(
        run.message("org")
            .starts_with("CRM organisation crm-healthy Ltd (id "),
        "{}",
        run.message("org")
    );
    assert!(
        run.message("profiles")
            .starts_with("3 profile(s) listed; profile `Administrator`"),
        "{}",
        run.message("profiles")
    );
    for line in [
        "Display label: Administrator",
        "Category: no",
        "Modified by: Patricia Boyle",
        "Modified time: 2020-04-01T12:57:59+05:30",
    ] {
        assert!(
            run.stdout.contains(line),
            "`{line}` missing:\n{}",
            run.stdout
        );
    }
    assert!(
        !run.stdout.contains("Created by"),
        "null values are left out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crm_scope_mismatch_is_inferred_from_a_probe_when_grants_are_unknown() {
    let h = Harness::start().await;
    let run = h
        .run(
            &common::repo_file("checks/crm.yaml"),
            &["--user", "crm-scope-mismatch"],
        )
        .await;
    assert_eq!(run.code, 1);
    assert_eq!(run.status("scopes"), "fail");
    assert_eq!(run.code("scopes"), "OAUTH_SCOPE_MISMATCH");
    assert!(
        run.message("scopes")
            .starts_with("the granted scopes are unknown"),
        "{}",
        run.message("scopes")
    );
    assert_eq!(run.status("profiles"), "skip");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crm_no_permission_fails_profiles_and_points_at_the_administrator() {
    let h = Harness::start().await;
    let run = h
        .run(
            &common::repo_file("checks/crm.yaml"),
            &["--user", "crm-no-permission"],
        )
        .await;
    assert_eq!(run.code, 1);
    assert_eq!(run.status("org"), "pass");
    assert_eq!(run.status("profiles"), "fail");
    assert_eq!(run.code("profiles"), "NO_PERMISSION");
    assert!(
        run.message("profiles")
            .contains("Crm_Implied_View_Settings"),
        "details are shown: {}",
        run.message("profiles")
    );
    assert!(run.hint("profiles").contains("administrator"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crm_profiles_answering_204_fail_with_no_profiles() {
    let h = Harness::start().await;
    let run = h
        .run(
            &common::repo_file("checks/crm.yaml"),
            &["--user", "crm-no-profiles"],
        )
        .await;
    assert_eq!(run.status("profiles"), "fail");
    assert_eq!(run.code("profiles"), "no_profiles");
    assert!(run.message("profiles").contains("HTTP 204"));
}

fn crm_pipeline_with(h: &Harness, name: &str, extra: &str, version: &str) -> String {
    let path = h.path(name);
    let text = std::fs::read_to_string(common::repo_file("checks/crm.yaml"))
        .unwrap()
        .replace("api_version: v8", &format!("api_version: {version}"))
        .replace(
            "    needs: [scopes]            # org and profiles run in parallel",
            &format!("    needs: [scopes]\n{extra}"),
        );
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn if_modified_since_answered_304_is_a_pass() {
    let h = Harness::start().await;
    let pipeline = crm_pipeline_with(
        &h,
        "ims.yaml",
        "    if_modified_since: 2026-01-01T00:00:00Z",
        "v2",
    );
    let run = h.run(&pipeline, &["--user", "crm-healthy"]).await;
    assert_eq!(run.status("profiles"), "pass");
    assert!(
        run.message("profiles")
            .contains("unchanged since 2026-01-01T00:00:00Z (HTTP 304)"),
        "{}",
        run.message("profiles")
    );
    let older = crm_pipeline_with(
        &h,
        "ims-old.yaml",
        "    if_modified_since: 2019-05-15T12:00:00+05:30",
        "v2",
    );
    let run = h.run(&older, &["--user", "crm-healthy"]).await;
    assert!(
        run.message("profiles").contains("read by id"),
        "changed since 2019: {}",
        run.message("profiles")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_profile_id_is_read_and_an_unknown_one_fails() {
    let h = Harness::start().await;
    let run = h
        .run(
            &common::repo_file("checks/crm.yaml"),
            &["--user", "crm-healthy", "--format", "json"],
        )
        .await;
    let sample_id = run.json["connections"][0]["checks"][5]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(sample_id.contains("Administrator"));
    let pipeline = crm_pipeline_with(&h, "pid.yaml", "    profile_id: \"999\"", "v2.1");
    let run = h.run(&pipeline, &["--user", "crm-healthy"]).await;
    assert_eq!(run.status("profiles"), "fail");
    assert_eq!(run.code("profiles"), "unknown_profile_id");
    assert!(
        run.message("profiles").contains("`sample`"),
        "the listed profiles are named: {}",
        run.message("profiles")
    );
    let evidence = run.check("profiles")["evidence"].to_string();
    assert!(
        evidence.contains("/crm/v2.1/settings/profiles"),
        "api_version is used: {evidence}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_crm_pipeline_calls_api_v8() {
    let h = Harness::start().await;
    let run = h
        .run(
            &common::repo_file("checks/crm.yaml"),
            &["--user", "crm-healthy"],
        )
        .await;
    assert_eq!(run.status("org"), "pass");
    let evidence = run.check("org")["evidence"].to_string();
    assert!(evidence.contains("/crm/v8/org"), "{evidence}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_api_domain_warns_invalid_host_and_the_crm_checks_still_pass() {
    let h = Harness::start().await;
    let run = h
        .run(
            &common::repo_file("checks/crm.yaml"),
            &["--user", "crm-legacy-api-domain"],
        )
        .await;
    assert_eq!(run.status("data-centre"), "warn");
    assert_eq!(run.code("data-centre"), "INVALID_HOST");
    let message = run.message("data-centre");
    assert!(
        message.contains("api_domain https://crm.zoho.eu is not a CRM API host")
            && message.contains("INVALID_HOST"),
        "{message}"
    );
    assert!(
        run.hint("data-centre")
            .starts_with("store https://www.zohoapis.eu as this connection's api_domain"),
        "{}",
        run.hint("data-centre")
    );
    for check in ["connection", "refresh", "scopes", "org", "profiles"] {
        assert_eq!(run.status(check), "pass", "{check}: {}", run.message(check));
    }
}
