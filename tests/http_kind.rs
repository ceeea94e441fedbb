//! The `http` kind through the real binary: the shipped examples (`checks/examples/`) pass against
//! the simulator, and fail with the right message when it answers otherwise — a wrong status, a
//! missing field, a Zoho error body — or skip naming the fact they lack.

#[path = "common/mod.rs"]
#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use common::{Harness, Run, repo_file};
use zoho_doctor::sim::{Fault, Service};

const DESK: &str = "checks/examples/desk-tickets.yaml";
const CRM: &str = "checks/examples/crm-leads.yaml";

async fn probe(h: &Harness, example: &str, user: &str) -> Run {
    h.run(&repo_file(example), &["--user", user, "-v"]).await
}

fn statuses(run: &Run) -> Vec<String> {
    run.statuses()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_example_reads_a_ticket_and_then_that_ticket_by_its_saved_id() {
    let h = Harness::start().await;
    let run = probe(&h, DESK, "healthy").await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        statuses(&run),
        [
            "connection=pass",
            "refresh=pass",
            "org=pass",
            "tickets=pass",
            "ticket=pass"
        ]
    );
    let id = h.sim.tickets("healthy")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        run.message("tickets"),
        "GET /api/v1/tickets?limit=1 answered HTTP 200; 3 expectations held"
    );
    assert_eq!(
        run.message("ticket"),
        "GET /api/v1/tickets/{ticket_id} answered HTTP 200; 2 expectations held"
    );
    assert!(
        run.stderr.contains(&format!("/api/v1/tickets/{id}")),
        "the saved id is in the second call:\n{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crm_example_reads_the_leads_module_and_a_lead_by_its_saved_id() {
    let h = Harness::start().await;
    let run = probe(&h, CRM, "crm-healthy").await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        statuses(&run),
        ["connection=pass", "refresh=pass", "leads=pass", "lead=pass"]
    );
    assert_eq!(
        run.message("leads"),
        "GET /crm/{api_version}/Leads?fields=Last_Name,Email&per_page=1 answered HTTP 200; 3 expectations held"
    );
    let id = h.sim.leads("crm-healthy")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        run.stderr.contains(&format!("/crm/v8/Leads/{id}")),
        "the saved id is in the second call:\n{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_status_fails_naming_the_status_expected() {
    let h = Harness::start().await;
    h.sim.set_fault(
        "crm-healthy",
        Fault::Records {
            service: Service::Crm,
            status: 404,
            code: None,
        },
    );
    let run = probe(&h, CRM, "crm-healthy").await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.status("leads"), "fail");
    assert_eq!(
        run.message("leads"),
        "GET /crm/{api_version}/Leads?fields=Last_Name,Email&per_page=1 answered HTTP 404; expected 200 or 204"
    );
    assert_eq!(run.code("leads"), "unexpected_status");
    assert_eq!(run.status("lead"), "skip");

    let h = Harness::start().await;
    h.sim.set_fault(
        "healthy",
        Fault::Records {
            service: Service::Desk,
            status: 202,
            code: None,
        },
    );
    let run = probe(&h, DESK, "healthy").await;
    assert_eq!(run.status("tickets"), "fail");
    assert!(
        run.message("tickets")
            .ends_with("answered HTTP 202; expected 200 or 204"),
        "{}",
        run.message("tickets")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_field_fails_naming_the_pointer_what_was_expected_and_what_was_found() {
    let h = Harness::start().await;
    let mut tickets = h.sim.tickets("healthy");
    tickets[0].as_object_mut().unwrap().remove("subject");
    h.sim.set_tickets("healthy", tickets);
    let run = probe(&h, DESK, "healthy").await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.status("tickets"), "fail");
    assert_eq!(
        run.message("tickets"),
        "GET /api/v1/tickets?limit=1 answered HTTP 200, but /data/0/subject: expected a value that is not empty, found nothing there"
    );
    assert_eq!(run.code("tickets"), "expectation_failed");

    let h = Harness::start().await;
    let mut leads = h.sim.leads("crm-healthy");
    leads[0]["id"] = serde_json::json!("L-1");
    h.sim.set_leads("crm-healthy", leads);
    let run = probe(&h, CRM, "crm-healthy").await;
    assert_eq!(run.status("leads"), "fail");
    assert!(
        run.message("leads")
            .ends_with("but /data/0/id: expected text matching `^[0-9]+$`, found \"L-1\""),
        "{}",
        run.message("leads")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zoho_error_body_fails_with_the_catalogues_diagnosis_and_fix() {
    let h = Harness::start().await;
    h.sim.set_fault(
        "healthy",
        Fault::Records {
            service: Service::Desk,
            status: 403,
            code: Some("LICENSE_ACCESS_LIMITED".to_owned()),
        },
    );
    let run = probe(&h, DESK, "healthy").await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.status("org"), "pass");
    assert_eq!(run.status("tickets"), "fail");
    assert_eq!(run.code("tickets"), "LICENSE_ACCESS_LIMITED");
    let entry = |service, code| {
        zoho_doctor::zoho::catalogue::ZohoCode::from_wire(service, code)
            .expect("in the catalogue")
            .entry()
    };
    let license = entry(
        zoho_doctor::zoho::catalogue::Service::Desk,
        "LICENSE_ACCESS_LIMITED",
    );
    assert!(
        run.message("tickets")
            .starts_with("GET /api/v1/tickets?limit=1: ")
            && run.message("tickets").contains(license.diagnosis),
        "the catalogue's diagnosis: {}",
        run.message("tickets")
    );
    assert!(
        run.hint("tickets").contains(license.fix),
        "{}",
        run.hint("tickets")
    );

    let h = Harness::start().await;
    h.sim.set_fault(
        "crm-healthy",
        Fault::ZohoError {
            service: Service::Crm,
            status: 401,
            code: "OAUTH_SCOPE_MISMATCH".to_owned(),
        },
    );
    let run = probe(&h, CRM, "crm-healthy").await;
    assert_eq!(run.status("leads"), "fail");
    assert_eq!(run.code("leads"), "OAUTH_SCOPE_MISMATCH");
    let explained = entry(
        zoho_doctor::zoho::catalogue::Service::Crm,
        "OAUTH_SCOPE_MISMATCH",
    );
    assert!(
        run.message("leads")
            .starts_with("GET /crm/{api_version}/Leads?fields=Last_Name,Email&per_page=1: "),
        "{}",
        run.message("leads")
    );
    assert!(
        run.hint("leads").contains(explained.fix),
        "the catalogue's fix: {}",
        run.hint("leads")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_scope_is_named_before_the_call() {
    let h = Harness::start().await;
    // The Desk user's grant (Desk scopes only) through the CRM example: no Leads scope, so no
    // Leads call.
    let run = probe(&h, CRM, "healthy").await;
    assert_eq!(run.status("leads"), "fail", "{}", run.stdout);
    assert!(
        run.message("leads")
            .starts_with("missing scope ZohoCRM.modules.leads.READ or "),
        "{}",
        run.message("leads")
    );
    assert_eq!(h.sim.requests_ending("GET", "/Leads"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_ticket_list_answers_204_and_the_check_that_needs_its_saved_id_is_skipped() {
    let h = Harness::start().await;
    h.sim.set_tickets("healthy", Vec::new());
    let run = probe(&h, DESK, "healthy").await;
    assert_eq!(run.status("tickets"), "pass", "{}", run.stdout);
    assert_eq!(
        run.message("tickets"),
        "GET /api/v1/tickets?limit=1 answered HTTP 204"
    );
    assert_eq!(run.status("ticket"), "skip");
    assert_eq!(
        run.message("ticket"),
        "needs `{ticket_id}` (saved by a check this one needs), which is not known for this connection"
    );
}

#[test]
fn both_examples_validate() {
    let output = std::process::Command::new(common::BIN)
        .args(["validate", &repo_file(DESK), &repo_file(CRM)])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_probe_is_retried_as_a_get_is() {
    let h = Harness::start().await;
    h.sim
        .set_fault("crm-healthy", Fault::RateLimited { retry_after: 0 });
    let pipeline = h.path("head.yaml");
    std::fs::write(
        &pipeline,
        "name: head\napp: crm\nsettings: { api_version: v8, retries: 2 }\nchecks:\n  \
         - id: connection\n    kind: connection-exists\n  \
         - id: refresh\n    kind: token-refresh\n  \
         - id: leads\n    kind: http\n    needs: [refresh]\n    \
         request: { method: HEAD, path: \"/crm/{api_version}/Leads\" }\n",
    )
    .expect("pipeline written");
    let run = h
        .run(
            pipeline.to_str().expect("UTF-8"),
            &["--user", "crm-healthy"],
        )
        .await;
    assert_eq!(run.status("leads"), "fail", "{}", run.message("leads"));
    // One request and two retries (settings.retries: 2), as for a GET.
    assert_eq!(h.sim.requests_to("HEAD", "/api/us/crm/v8/Leads"), 3);
}
