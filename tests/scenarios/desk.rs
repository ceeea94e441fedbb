//! The Desk checks after the refresh: scopes, organisation and portal (discovered, stale, several,
//! mistaken for each other), and how a slow, malformed or rate-limited Desk API is reported.

use crate::{
    common::{self, Harness},
    expect,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_scopes_are_named_with_their_alternatives_and_the_re_grant() {
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
    // Granted only Desk.tickets.ALL: each endpoint's alternatives (Zoho's specs) are named, and
    // the re-grant asks for the first alternative of each, once.
    assert_eq!(
        run.message("scopes"),
        "missing scopes Desk.basic.READ or Desk.organization.READ or Desk.settings.READ, Desk.basic.READ or Desk.settings.READ; granted: Desk.tickets.ALL (read from the token answer)"
    );
    assert_eq!(
        run.hint("scopes"),
        "re-authorise with scope Desk.basic.READ added — the consent must list every scope again: scope=Desk.tickets.ALL,Desk.basic.READ"
    );
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
    // The organisations, asked once for org and portal: one call and two retries
    // (settings.retries: 2), then profile skipped.
    assert_eq!(h.sim.requests("/desk") - before, 3);
}
