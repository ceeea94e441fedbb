//! Every Zoho error code in the catalogue, driven through the simulator: the check that meets it
//! fails (or warns) with that code, and the hint is the catalogue's fix. The codes run
//! concurrently, in-process, each against its own simulator and store; an unknown code and
//! `explain` go through the real binary. A code only a grant-code exchange meets
//! (`invalid_redirect_uri`) goes through `connect`, with the simulator refusing for the reason
//! the code names, and so does `invalid_code`'s grant wording (a used code).

#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use common::Harness;
use zoho_doctor::{
    pipeline,
    report::{self, model::Status},
    sim::{Fault, Service},
    zoho::catalogue::{Service as ZohoService, ZohoCode},
};

/// Where a code shows up: which simulated service answers it, for which user, which pipeline,
/// which check reports it, and whether a refresh must be forced to reach it.
struct Route {
    service: Service,
    user: &'static str,
    pipeline: (&'static str, &'static str),
    check: &'static str,
    force_refresh: bool,
}

fn route(code: ZohoCode) -> Route {
    let entry = code.entry();
    match (entry.service, code) {
        (ZohoService::Accounts, ZohoCode::UserInfoScope | ZohoCode::UserInfoToken) => Route {
            service: Service::UserInfo,
            user: "healthy",
            pipeline: pipeline::shipped::DESK,
            check: "data-centre",
            force_refresh: false,
        },
        (ZohoService::Accounts, _) => Route {
            service: Service::Token,
            user: "healthy",
            pipeline: pipeline::shipped::DESK,
            check: "refresh",
            force_refresh: true,
        },
        (ZohoService::Desk, _) => Route {
            service: Service::Desk,
            user: "healthy",
            pipeline: pipeline::shipped::DESK,
            check: "org",
            force_refresh: false,
        },
        (ZohoService::Crm, _) => Route {
            service: Service::Crm,
            user: "crm-healthy",
            pipeline: pipeline::shipped::CRM,
            check: "org",
            force_refresh: false,
        },
    }
}

/// How a grant-code exchange is spoilt so that the simulator answers the code for real.
#[derive(Clone, Copy)]
enum Spoil {
    /// The code is exchanged twice: the second time it is used.
    UsedCode,
    /// The exchange sends another redirect URI than the code was requested with.
    WrongRedirect,
}

/// The codes only a grant-code exchange (`connect`) meets; a refresh never sends them.
fn grant_only(code: ZohoCode) -> Option<Spoil> {
    match code {
        ZohoCode::InvalidRedirectUri => Some(Spoil::WrongRedirect),
        _ => None,
    }
}

/// Drives `connect` into `code` through the simulator and returns what its diagnosis got
/// wrong: it must exit 1, name the code and carry the catalogue's grant wording (diagnosis,
/// cause, fix), and store nothing.
async fn grant_misdiagnoses(code: ZohoCode, spoil: Spoil) -> Vec<String> {
    let entry = code.grant_entry();
    let wire = entry.wire;
    let h = Harness::start().await;
    h.sim.add_user("granting");
    let client = h.sim.server_client();
    let registered = "http://127.0.0.1:9/app/callback";
    let grant = h.sim.redirect_grant_code(
        "granting",
        "eu",
        &client.0,
        &["Desk.basic.READ"],
        registered,
    );
    let db = h.path("granted.db");
    let store = format!("sqlite://{}", db.display());
    let attempt = |redirect: &str| {
        let mut command = h.command();
        command
            .args(["connect", "--store", &store, "--user", "g1", "--dc", "eu"])
            .env("ZOHO_CLIENT_ID", &client.0)
            .env("ZOHO_CLIENT_SECRET", &client.1)
            .env("ZOHO_GRANT_CODE", &grant)
            .env("ZOHO_REDIRECT_URI", redirect)
            .stdin(std::process::Stdio::null());
        command
    };
    let mut wrong = Vec::new();
    let redirect = match spoil {
        Spoil::UsedCode => {
            let first = common::output(attempt(registered)).await;
            if first.status.code() != Some(0) {
                wrong.push(format!(
                    "{wire}: the first exchange of the code failed: {}",
                    String::from_utf8_lossy(&first.stderr)
                ));
            }
            std::fs::remove_file(&db).ok();
            registered
        }
        Spoil::WrongRedirect => "http://127.0.0.1:9/other/callback",
    };
    let done = common::output(attempt(redirect)).await;
    let stderr = String::from_utf8_lossy(&done.stderr);
    if done.status.code() != Some(1) {
        wrong.push(format!(
            "{wire}: connect exited {:?}, expected 1: {stderr}",
            done.status.code()
        ));
    }
    for (what, text) in [
        ("code", wire),
        ("diagnosis", entry.diagnosis),
        ("cause", entry.cause),
        ("fix", entry.fix),
    ] {
        if !stderr.contains(text) {
            wrong.push(format!(
                "{wire}: connect's output does not carry the catalogue's {what} `{text}`: {stderr}"
            ));
        }
    }
    if db.exists() {
        wrong.push(format!("{wire}: connect stored a row after the refusal"));
    }
    wrong
}

/// The HTTP status the catalogue says Zoho sends the code with.
fn status_of(http: &str) -> u16 {
    http.parse().expect("catalogue statuses are numbers")
}

/// Runs one code on its own simulator (faults are per user, so codes cannot share one) and
/// returns what its diagnosis got wrong, each line naming the code.
async fn misdiagnoses(code: ZohoCode) -> Vec<String> {
    if let Some(spoil) = grant_only(code) {
        return grant_misdiagnoses(code, spoil).await;
    }
    let entry = code.entry();
    let route = route(code);
    let h = Harness::start().await;
    h.sim.set_fault(
        route.user,
        Fault::ZohoError {
            service: route.service,
            status: status_of(entry.http),
            code: entry.wire.to_owned(),
        },
    );
    let report = h
        .execute(
            route.pipeline,
            vec![route.user.to_owned()],
            route.force_refresh,
        )
        .await;
    let wire = entry.wire;
    let Some(check) = report
        .connections
        .iter()
        .find(|connection| connection.user == route.user)
        .and_then(|connection| connection.checks.iter().find(|c| c.id == route.check))
    else {
        return vec![format!("{wire}: no check `{}` in the report", route.check)];
    };
    let expected_status = if route.service == Service::UserInfo {
        Status::Warn
    } else {
        Status::Fail
    };
    let mut wrong = Vec::new();
    if check.status != expected_status {
        wrong.push(format!(
            "{wire}: `{}` is {:?}, expected {expected_status:?}: {}",
            route.check, check.status, check.message
        ));
    }
    if check.code.as_deref() != Some(wire) {
        wrong.push(format!(
            "{wire}: the code is not reported; `{}` has code {:?}",
            route.check, check.code
        ));
    }
    let hint = check.hint.as_deref().unwrap_or_default();
    if !hint.contains(entry.fix) {
        wrong.push(format!(
            "{wire}: the hint does not carry the catalogue's fix\n    hint: {hint}\n    fix:  {}",
            entry.fix
        ));
    }
    if !check.message.contains(entry.diagnosis) {
        wrong.push(format!(
            "{wire}: the message does not carry the diagnosis `{}`: {}",
            entry.diagnosis, check.message
        ));
    }
    let junit = report::junit::render(&report).expect("JUnit renders");
    if expected_status == Status::Fail && !junit.contains(&format!(r#"type="{wire}""#)) {
        wrong.push(format!(
            "{wire}: the JUnit report has no failure of that type"
        ));
    }
    wrong
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_catalogued_error_is_diagnosed_with_its_fix() {
    let runs: Vec<_> = ZohoCode::ALL
        .iter()
        .map(|&code| (code, tokio::spawn(misdiagnoses(code))))
        .collect();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (code, run) in runs {
        match run.await {
            Ok(found) => {
                checked += 1;
                wrong.extend(found);
            }
            Err(err) => wrong.push(format!("{}: the run did not finish: {err}", code.wire())),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} problem(s) over {} codes:\n  {}",
        wrong.len(),
        ZohoCode::ALL.len(),
        wrong.join("\n  ")
    );
    assert_eq!(checked, ZohoCode::ALL.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_used_grant_code_is_diagnosed_with_the_grant_wording() {
    let wrong = grant_misdiagnoses(ZohoCode::InvalidCode, Spoil::UsedCode).await;
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let grant = ZohoCode::InvalidCode.grant_entry();
    assert_ne!(
        grant.fix,
        ZohoCode::InvalidCode.entry().fix,
        "a grant code has its own fix, not the refresh token's"
    );
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
fn explain_knows_the_redirect_uri_error_of_a_code_exchange() {
    let output = common::command()
        .args(["explain", "invalid_redirect_uri"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let entry = ZohoCode::InvalidRedirectUri.entry();
    assert!(
        text.starts_with("invalid_redirect_uri (accounts answers it with HTTP 200)"),
        "{text}"
    );
    assert!(
        text.contains(entry.diagnosis) && text.contains(entry.cause) && text.contains(entry.fix)
    );
}

#[test]
fn explain_invalid_code_words_it_for_a_refresh_token_and_for_a_grant_code() {
    let output = common::command()
        .args(["explain", "invalid_code"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let (refresh, grant) = (
        ZohoCode::InvalidCode.entry(),
        ZohoCode::InvalidCode.grant_entry(),
    );
    assert!(text.contains(refresh.diagnosis), "{text}");
    assert!(
        text.contains("answering a grant code (`connect`)")
            && text.contains(grant.diagnosis)
            && text.contains(grant.fix),
        "{text}"
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
