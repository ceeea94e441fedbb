//! Every Zoho error code in the catalogue, driven through the simulator and the real binary:
//! the check that meets it fails (or warns) with that code, and the hint is the catalogue's fix.

mod common;

use common::Harness;
use zoho_doctor::{
    sim::{Fault, Service},
    zoho::catalogue::{Service as ZohoService, ZohoCode},
};

/// Where a code shows up: which simulated service answers it, for which user, which pipeline,
/// which check reports it, and whether a refresh must be forced to reach it.
struct Route {
    service: Service,
    user: &'static str,
    pipeline: &'static str,
    check: &'static str,
    force_refresh: bool,
}

fn route(code: ZohoCode) -> Route {
    let entry = code.entry();
    match (entry.service, code) {
        (ZohoService::Accounts, ZohoCode::UserInfoScope | ZohoCode::UserInfoToken) => Route {
            service: Service::UserInfo,
            user: "healthy",
            pipeline: "checks/desk.yaml",
            check: "data-centre",
            force_refresh: false,
        },
        (ZohoService::Accounts, _) => Route {
            service: Service::Token,
            user: "healthy",
            pipeline: "checks/desk.yaml",
            check: "refresh",
            force_refresh: true,
        },
        (ZohoService::Desk, _) => Route {
            service: Service::Desk,
            user: "healthy",
            pipeline: "checks/desk.yaml",
            check: "org",
            force_refresh: false,
        },
        (ZohoService::Crm, _) => Route {
            service: Service::Crm,
            user: "crm-healthy",
            pipeline: "checks/crm.yaml",
            check: "org",
            force_refresh: false,
        },
    }
}

/// The HTTP status the catalogue says Zoho sends the code with.
fn status_of(http: &str) -> u16 {
    http.parse().expect("catalogue statuses are numbers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_catalogued_error_is_diagnosed_with_its_fix() {
    let h = Harness::start().await;
    let mut checked = 0;
    for &code in ZohoCode::ALL {
        let entry = code.entry();
        let route = route(code);
        h.sim.set_fault(
            route.user,
            Fault::ZohoError {
                service: route.service,
                status: status_of(entry.http),
                code: entry.wire.to_owned(),
            },
        );
        let pipeline = common::repo_file(route.pipeline);
        let mut args = vec!["--user", route.user];
        if route.force_refresh {
            args.push("--force-refresh");
        }
        let run = h.run(&pipeline, &args).await;
        let status = run.status(route.check);
        let expected_status = if route.service == Service::UserInfo {
            "warn"
        } else {
            "fail"
        };
        assert_eq!(
            status,
            expected_status,
            "{}: {}",
            entry.wire,
            run.message(route.check)
        );
        assert_eq!(
            run.code(route.check),
            entry.wire,
            "{}: the code is reported",
            entry.wire
        );
        assert!(
            run.hint(route.check).contains(entry.fix),
            "{}: the hint carries the catalogue's fix\n  hint: {}\n  fix:  {}",
            entry.wire,
            run.hint(route.check),
            entry.fix
        );
        assert!(
            run.message(route.check).contains(entry.diagnosis),
            "{}: the message carries the diagnosis: {}",
            entry.wire,
            run.message(route.check)
        );
        assert!(
            run.junit.contains(&format!(r#"type="{}""#, entry.wire)) || expected_status == "warn",
            "{}: JUnit failure type",
            entry.wire
        );
        checked += 1;
    }
    assert_eq!(checked, ZohoCode::ALL.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_code_still_shows_zohos_own_code_and_status() {
    let h = Harness::start().await;
    h.sim.set_fault(
        "healthy",
        Fault::ZohoError {
            service: Service::Desk,
            status: 418,
            code: "TEAPOT_MODE".to_owned(),
        },
    );
    let run = h.desk("healthy").await;
    assert_eq!(run.status("org"), "fail");
    assert_eq!(run.code("org"), "TEAPOT_MODE");
    let message = run.message("org");
    assert!(message.contains("TEAPOT_MODE (HTTP 418)"), "{message}");
    assert!(
        message.contains("Simulated Zoho Desk error."),
        "Zoho's own message is kept: {message}"
    );
    assert!(
        run.hint("org").contains("does not know `TEAPOT_MODE`"),
        "{}",
        run.hint("org")
    );
}

#[test]
fn explain_prints_the_diagnosis_cause_and_fix() {
    let output = common::command()
        .args(["explain", "oauth_scope_mismatch"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let entry = ZohoCode::CrmOauthScopeMismatch.entry();
    assert!(
        text.starts_with("OAUTH_SCOPE_MISMATCH (crm answers it with HTTP 401)"),
        "{text}"
    );
    assert!(
        text.contains(entry.diagnosis) && text.contains(entry.cause) && text.contains(entry.fix)
    );
}

#[test]
fn explain_without_a_code_lists_every_code() {
    let output = common::command().arg("explain").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for code in ZohoCode::ALL {
        assert!(
            text.contains(code.wire()),
            "{} missing from the list",
            code.wire()
        );
    }
}

#[test]
fn explain_of_an_unknown_code_is_a_usage_error_with_a_suggestion() {
    let output = common::command()
        .args(["explain", "INVALID_TOKN"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("unknown Zoho error code `INVALID_TOKN`; did you mean `INVALID_TOKEN`?"),
        "{text}"
    );
}
