//! The `connection` and `refresh` checks: what the stored row holds, minting at most once per
//! connection, and every way a refresh fails or a row is malformed.

use crate::{
    common::{self, Harness},
    expect,
};

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
    assert!(
        run.message("refresh").contains("Access Denied (HTTP 200)"),
        "the simulator throttles with HTTP 200, as Zoho does: {}",
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
async fn a_throttle_answered_with_http_400_is_the_throttle_too() {
    let h = Harness::start().await;
    h.sim.set_fault(
        "healthy",
        zoho_doctor::sim::Fault::ZohoError {
            service: zoho_doctor::sim::Service::Token,
            status: 400,
            code: "Access Denied".to_owned(),
        },
    );
    let run = h
        .run(
            &common::desk_pipeline(),
            &["--user", "healthy", "--force-refresh"],
        )
        .await;
    assert_eq!(run.status("refresh"), "fail");
    assert_eq!(run.code("refresh"), "Access Denied");
    let message = run.message("refresh");
    assert!(
        message.contains("Access Denied (HTTP 400)") && message.contains("throttling"),
        "{message}"
    );
    assert!(run.hint("refresh").contains("10-minute window"));
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
