//! Every simulator scenario through the real binary and the shipped Desk pipeline: which check
//! diagnoses it, which are skipped, the hint, the exit code and the JUnit content.

mod common;

use common::Harness;

fn expect(run: &common::Run, statuses: &[&str]) {
    assert_eq!(
        run.statuses(),
        statuses,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_connection_passes_every_check_without_spending_the_token_budget() {
    let h = Harness::start().await;
    let run = h.desk("healthy").await;
    assert_eq!(run.code, 0);
    expect(
        &run,
        &[
            "connection=pass",
            "refresh=pass",
            "data-centre=pass",
            "scopes=pass",
            "org=pass",
            "portal=pass",
            "profile=pass",
        ],
    );
    let refresh_token = h
        .sim
        .seed("healthy")
        .unwrap()
        .refresh_token
        .clone()
        .unwrap();
    assert_eq!(
        h.sim.mints(&refresh_token),
        0,
        "a valid stored token must not be refreshed"
    );
    assert!(run.stdout.contains("Name: Ada Lovelace"), "{}", run.stdout);
    assert!(run.stdout.contains("Email: healthy@example.test"));
    assert!(
        !run.stdout.contains("Role id"),
        "internal ids are left out: {}",
        run.stdout
    );
    assert!(!run.junit.contains("<failure"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_access_token_is_refreshed_once_then_every_check_passes() {
    let h = Harness::start().await;
    let run = h.desk("token-expired").await;
    assert_eq!(run.code, 0, "a warning does not fail the run");
    expect(
        &run,
        &[
            "connection=pass",
            "refresh=warn",
            "data-centre=pass",
            "scopes=pass",
            "org=pass",
            "portal=pass",
            "profile=pass",
        ],
    );
    assert!(
        run.message("refresh").contains("expired 10 min ago"),
        "{}",
        run.message("refresh")
    );
    assert!(run.message("refresh").contains("not stored"));
    assert!(run.hint("refresh").contains("--fix"));
    assert!(run.message("scopes").contains("token answer"));
    let refresh_token = h
        .sim
        .seed("token-expired")
        .unwrap()
        .refresh_token
        .clone()
        .unwrap();
    assert_eq!(
        h.sim.mints(&refresh_token),
        1,
        "exactly one mint per connection per run"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_refresh_mints_even_when_the_stored_token_is_valid() {
    let h = Harness::start().await;
    let run = h
        .run(
            &common::desk_pipeline(),
            &["--user", "healthy", "--force-refresh"],
        )
        .await;
    assert_eq!(run.status("refresh"), "warn");
    assert!(run.message("refresh").contains("--force-refresh"));
    let refresh_token = h
        .sim
        .seed("healthy")
        .unwrap()
        .refresh_token
        .clone()
        .unwrap();
    assert_eq!(h.sim.mints(&refresh_token), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_refresh_token_fails_refresh_and_skips_the_rest() {
    let h = Harness::start().await;
    let run = h.desk("refresh-revoked").await;
    assert_eq!(run.code, 1);
    expect(
        &run,
        &[
            "connection=pass",
            "refresh=fail",
            "data-centre=warn",
            "scopes=skip",
            "org=skip",
            "portal=skip",
            "profile=skip",
        ],
    );
    assert_eq!(run.code("refresh"), "invalid_code");
    assert!(
        run.message("refresh").contains("HTTP 200"),
        "{}",
        run.message("refresh")
    );
    assert!(run.hint("refresh").contains("re-authorise"));
    assert!(
        run.message("data-centre")
            .contains("no data centre knows this refresh token")
    );
    assert_eq!(run.message("scopes"), "needs `refresh`, which failed");
    assert!(
        run.junit.contains(r#"type="invalid_code""#),
        "{}",
        run.junit
    );
    assert!(run.junit.contains("<skipped"));
}

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
async fn missing_scope_is_named_exactly_as_it_must_be_regranted() {
    let h = Harness::start().await;
    let run = h.desk("missing-scope").await;
    assert_eq!(run.code, 1);
    expect(
        &run,
        &[
            "connection=pass",
            "refresh=warn",
            "data-centre=pass",
            "scopes=fail",
            "org=skip",
            "portal=skip",
            "profile=skip",
        ],
    );
    assert!(
        run.message("scopes")
            .starts_with("missing scope Desk.settings.READ;"),
        "{}",
        run.message("scopes")
    );
    assert!(run.hint("scopes").contains("Desk.settings.READ"));
    assert_eq!(run.code("scopes"), "missing_scope");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blank_org_id_is_discovered_and_the_profile_is_read_with_it() {
    let h = Harness::start().await;
    let run = h.desk("org-blank").await;
    assert_eq!(run.code, 0);
    expect(
        &run,
        &[
            "connection=pass",
            "refresh=pass",
            "data-centre=pass",
            "scopes=pass",
            "org=warn",
            "portal=pass",
            "profile=pass",
        ],
    );
    assert!(
        run.message("org").starts_with("discovered org id 6"),
        "{}",
        run.message("org")
    );
    assert!(run.message("org").contains("not stored"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_org_id_fails_and_names_the_users_organisations() {
    let h = Harness::start().await;
    let run = h.desk("org-stale").await;
    assert_eq!(run.code, 1);
    expect(
        &run,
        &[
            "connection=pass",
            "refresh=pass",
            "data-centre=pass",
            "scopes=pass",
            "org=fail",
            "portal=pass",
            "profile=skip",
        ],
    );
    assert!(
        run.message("org")
            .contains("60999999 is not among the user's organisations")
    );
    assert!(
        run.hint("org").starts_with("store 6"),
        "{}",
        run.hint("org")
    );
    assert_eq!(run.code("org"), "stale_org_id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_portal_is_discovered_from_the_organisation() {
    let h = Harness::start().await;
    let run = h.desk("portal-missing").await;
    assert_eq!(run.code, 0);
    assert_eq!(run.status("portal"), "warn");
    assert!(
        run.message("portal")
            .starts_with("discovered portal `portalmissing`"),
        "{}",
        run.message("portal")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_organisations_warn_list_them_and_prefer_the_default() {
    let h = Harness::start().await;
    let run = h.desk("several-orgs").await;
    assert_eq!(run.code, 0);
    assert_eq!(run.status("org"), "warn");
    let message = run.message("org");
    assert!(message.contains("belongs to 3 organisations"), "{message}");
    assert!(
        message.starts_with("discovered org id 60000081 (Several Main"),
        "{message}"
    );
    assert!(run.hint("org").contains("the default organisation"));
    assert_eq!(run.status("profile"), "pass");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_as_a_bare_list_are_read() {
    let h = Harness::start().await;
    let run = h.desk("orgs-bare-list").await;
    assert_eq!(run.code, 0);
    assert_eq!(run.status("org"), "warn");
    assert!(run.message("org").starts_with("discovered org id"));
    assert_eq!(run.status("profile"), "pass");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desk_invalid_oauth_is_reported_as_that_failure_never_as_no_organisations() {
    let h = Harness::start().await;
    let run = h.desk("desk-invalid-oauth").await;
    assert_eq!(run.code, 1);
    expect(
        &run,
        &[
            "connection=pass",
            "refresh=pass",
            "data-centre=warn",
            "scopes=pass",
            "org=fail",
            "portal=fail",
            "profile=skip",
        ],
    );
    assert_eq!(run.code("org"), "INVALID_OAUTH");
    // The accounts server's user info already refuses the token: the earliest hint.
    assert_eq!(run.code("data-centre"), "INVALID_OAUTHTOKEN");
    assert!(run.message("org").contains("not an empty list"));
    assert!(run.hint("org").contains("--force-refresh"));
    assert!(run.junit.contains(r#"type="INVALID_OAUTH""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_id_stored_as_portal_is_called_out() {
    let h = Harness::start().await;
    let run = h.desk("portal-is-org-id").await;
    assert_eq!(run.code, 1);
    assert_eq!(run.status("portal"), "fail");
    assert!(
        run.message("portal")
            .contains("which is a Desk organisation id")
    );
    assert!(
        run.hint("portal").contains("`portalisorgid`"),
        "{}",
        run.hint("portal")
    );
    assert_eq!(run.status("profile"), "pass", "the org id itself is fine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_refresh_is_diagnosed_by_its_shape_and_never_retried() {
    let h = Harness::start().await;
    let before = h.sim.requests("/accounts");
    let run = h.desk("refresh-throttled").await;
    assert_eq!(run.code, 1);
    assert_eq!(run.status("refresh"), "fail");
    assert!(
        run.message("refresh").contains("throttling"),
        "{}",
        run.message("refresh")
    );
    assert!(run.hint("refresh").contains("10-minute window"));
    assert_eq!(
        h.sim.requests("/accounts") - before,
        1,
        "one refresh attempt, no retry, no probing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_user_fails_connection_exists_and_skips_the_rest() {
    let h = Harness::start().await;
    let run = h.desk("nobody").await;
    assert_eq!(run.code, 1);
    expect(
        &run,
        &[
            "connection=fail",
            "refresh=skip",
            "data-centre=skip",
            "scopes=skip",
            "org=skip",
            "portal=skip",
            "profile=skip",
        ],
    );
    assert_eq!(
        run.message("connection"),
        "no connection row for user `nobody`"
    );
    assert_eq!(run.code("connection"), "no_connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_checks_every_connection_and_junit_keeps_them_apart() {
    let h = Harness::start().await;
    let run = h.run(&common::desk_pipeline(), &["--all"]).await;
    assert_eq!(run.code, 1);
    let connections = run.json["connections"].as_array().unwrap();
    assert_eq!(connections.len(), h.sim.seeds().len());
    assert_eq!(
        run.junit.matches("<testsuite ").count(),
        h.sim.seeds().len()
    );
    // GitLab drops duplicate classname+name pairs: every pair must be unique.
    let pairs: std::collections::HashSet<String> = run
        .junit
        .lines()
        .filter(|line| line.contains("<testcase "))
        .map(|line| line.trim().to_owned())
        .collect();
    assert_eq!(
        pairs.len(),
        run.json["summary"]["checks"].as_u64().unwrap() as usize
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_desk_answers_are_an_error_not_a_failure() {
    let h = Harness::start().await;
    h.sim.set_fault(
        "healthy",
        zoho_doctor::sim::Fault::Slow(std::time::Duration::from_secs(3)),
    );
    let pipeline = h.path("fast.yaml");
    let text = std::fs::read_to_string(common::desk_pipeline())
        .unwrap()
        .replace("timeout: 10s, retries: 2", "timeout: 500ms, retries: 0");
    std::fs::write(&pipeline, text).unwrap();
    let run = h
        .run(pipeline.to_str().unwrap(), &["--user", "healthy"])
        .await;
    assert_eq!(run.code, 1);
    assert_eq!(run.status("org"), "error", "{}", run.message("org"));
    assert!(run.junit.contains("<error"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_desk_answer_is_an_error() {
    let h = Harness::start().await;
    h.sim
        .set_fault("healthy", zoho_doctor::sim::Fault::Malformed);
    let run = h.desk("healthy").await;
    assert_eq!(run.status("org"), "error");
    assert!(
        run.message("org").contains("not JSON"),
        "{}",
        run.message("org")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_desk_calls_are_retried_then_diagnosed() {
    let h = Harness::start().await;
    h.sim.set_fault(
        "healthy",
        zoho_doctor::sim::Fault::RateLimited { retry_after: 0 },
    );
    let before = h.sim.requests("/desk");
    let run = h.desk("healthy").await;
    assert_eq!(run.status("org"), "fail", "{}", run.message("org"));
    assert_eq!(run.code("org"), "TOO_MANY_REQUESTS");
    // org and portal each: one call and two retries (settings.retries: 2), then profile skipped.
    assert_eq!(h.sim.requests("/desk") - before, 6);
}

// --- Issue 3: the failures real integrations hit, and CRM ---

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_answer_without_api_domain_keeps_the_stored_one_and_says_so() {
    let h = Harness::start().await;
    let run = h.desk("no-api-domain").await;
    assert_eq!(run.code, 0);
    assert_eq!(run.status("refresh"), "warn");
    let stored = h
        .sim
        .seed("no-api-domain")
        .unwrap()
        .api_domain
        .clone()
        .unwrap();
    assert!(
        run.message("refresh").contains(&format!(
            "the answer had no api_domain, so the stored `{stored}` is kept"
        )),
        "{}",
        run.message("refresh")
    );
    assert!(
        run.hint("refresh")
            .contains("never fall back to the US host")
    );
    assert_eq!(
        run.status("data-centre"),
        "pass",
        "the kept api_domain still agrees with the row"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_refresh_token_asks_for_offline_access_and_consent() {
    let h = Harness::start().await;
    let run = h.desk("no-refresh-token").await;
    assert_eq!(run.code, 1);
    expect(
        &run,
        &[
            "connection=fail",
            "refresh=skip",
            "data-centre=skip",
            "scopes=skip",
            "org=skip",
            "portal=skip",
            "profile=skip",
        ],
    );
    assert_eq!(run.code("connection"), "no_refresh_token");
    assert!(
        run.hint("connection")
            .contains("access_type=offline and prompt=consent")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_token_equal_to_the_access_token_is_flagged() {
    let h = Harness::start().await;
    let run = h.desk("refresh-overwritten").await;
    assert_eq!(run.code, 1);
    assert_eq!(run.status("connection"), "fail");
    assert_eq!(run.code("connection"), "refresh_token_overwritten");
    assert!(
        run.message("connection")
            .contains("equals the access token")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_stored_as_a_duration_is_called_implausible() {
    let h = Harness::start().await;
    let run = h.desk("expiry-implausible").await;
    assert_eq!(run.status("refresh"), "warn");
    let message = run.message("refresh");
    assert!(message.contains("expired"), "{message}");
    assert!(message.contains("`3600` reads as 1970-01-01"), "{message}");
    assert!(message.contains("duration"), "{message}");
    assert!(run.hint("refresh").contains("absolute expiry"));
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
async fn unknown_grants_that_the_probe_allows_warn_instead_of_passing_blindly() {
    let h = Harness::start().await;
    // An old-style refresh answer has no `scope`, and the row stores none.
    let run = h.desk("no-api-domain").await;
    assert_eq!(run.status("scopes"), "warn", "{}", run.message("scopes"));
    assert!(
        run.message("scopes")
            .starts_with("the granted scopes are unknown"),
        "{}",
        run.message("scopes")
    );
    assert!(
        run.message("scopes").contains("cannot confirm"),
        "{}",
        run.message("scopes")
    );
    assert!(
        run.check("scopes")["evidence"]
            .to_string()
            .contains("/organizations")
    );
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
        .replace("api_version: v2", &format!("api_version: {version}"))
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
    let pipeline = crm_pipeline_with(&h, "pid.yaml", "    profile_id: \"999\"", "v8");
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
        evidence.contains("/crm/v8/settings/profiles"),
        "api_version is used: {evidence}"
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
async fn a_user_named_twice_is_checked_once() {
    let h = Harness::start().await;
    let run = h
        .run(
            &common::desk_pipeline(),
            &["--user", "token-expired", "--user", "token-expired"],
        )
        .await;
    assert_eq!(run.json["connections"].as_array().unwrap().len(), 1);
    let refresh_token = h
        .sim
        .seed("token-expired")
        .unwrap()
        .refresh_token
        .clone()
        .unwrap();
    assert_eq!(h.sim.mints(&refresh_token), 1, "one mint, not two");
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
async fn several_organisations_without_a_default_say_the_pick_is_a_guess() {
    let h = Harness::start().await;
    let run = h.desk("orgs-no-default").await;
    assert_eq!(run.status("org"), "warn");
    assert!(
        run.message("org").contains("none is marked default"),
        "{}",
        run.message("org")
    );
    assert!(run.hint("org").contains("--fix does not store a guess"));
}
