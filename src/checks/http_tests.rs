//! The `http` kind's tests: options read at load (with located problems), expectations judged
//! on hand-made bodies, and runs against the simulator with hand-made facts.

use serde_json::json;

use super::{
    http_request::{HostKind, Target},
    *,
};
use crate::{
    checks::{Facts, facts::ScopeSource, testing::*},
    zoho::{DataCentre, DeskOrgId},
};

fn read(yaml: &str, app: App) -> (Option<HttpCheck>, Vec<String>) {
    let (check, problems) = configure::<HttpCheck>(yaml, Some(app));
    (check, problems.iter().map(located).collect())
}

fn problems(yaml: &str, app: App) -> Vec<String> {
    read(yaml, app).1
}

#[test]
fn a_minimal_check_reads_with_its_defaults() {
    let (check, found) = read("check:\n  request: { path: /api/v1/tickets }\n", App::Desk);
    assert!(found.is_empty(), "{found:?}");
    let check = check.unwrap();
    assert_eq!(check.request.method, Method::Get);
    assert_eq!(check.expect.status, [200]);
    assert!(check.expect.zoho_error_fails);
    assert!(check.request.is_desk());
}

#[test]
fn each_bad_option_is_a_located_problem_with_its_fix() {
    let cases = [
        (
            "check:\n  request: { method: POST, path: /api/v1/x }\n",
            "2:22 `method: POST` is not allowed: a diagnosis only reads",
        ),
        (
            "check:\n  request: { path: /crm/v8/Leads }\n",
            "2:20 `path: /crm/v8/Leads` must start with `/api/v1/` on Zoho Desk",
        ),
        (
            "check:\n  request:\n    path: /api/v1/x\n    headers: { Authorization: x }\n",
            "4:16 the header `Authorization` may not be set by a check",
        ),
        (
            "check:\n  request:\n    path: /api/v1/x\n    headers: { orgid: \"1\" }\n",
            "4:16 the header `orgid` may not be set by a check",
        ),
        (
            "check:\n  request: { path: /api/v1/x }\n  expect:\n    json:\n      - pointer: data/0/id\n        exists: true\n",
            "5:18 `pointer: data/0/id` does not start with `/`",
        ),
        (
            "check:\n  request: { path: /api/v1/x }\n  expect:\n    json:\n      - pointer: /id\n        matches: '[0-9'\n",
            "6:18 `matches: [0-9` is not a valid regex: unclosed character class",
        ),
        (
            "check:\n  request: { path: /api/v1/x }\n  save: { portal: /x }\n",
            "3:11 `save` may not shadow the built-in fact `{portal}`",
        ),
        (
            "check:\n  request: { path: \"/api/v1/{not a name}\" }\n",
            "2:20 `path: /api/v1/{not a name}` has a `{` that does not start a `{fact}`",
        ),
        (
            "check:\n  request: { url: \"https://evil.example/api/v1/x\" }\n",
            "2:19 `url: https://evil.example/api/v1/x` is not on a Zoho accounts, API or Desk host: the token is never sent elsewhere",
        ),
        (
            "check:\n  request: { url: \"http://desk.zoho.com/api/v1/x\" }\n",
            "2:19 `url: http://desk.zoho.com/api/v1/x` uses plain http://; a token only travels over https",
        ),
        (
            "check:\n  request: { path: /api/v1/x }\n  expect: { status: [200, 700] }\n",
            "3:27 `status: 700` is not an HTTP status",
        ),
    ];
    for (yaml, wanted) in cases {
        let found = problems(yaml, App::Desk);
        assert!(
            found.iter().any(|problem| problem.starts_with(wanted)),
            "{yaml}\nwanted {wanted}\nfound {found:?}"
        );
    }
}

#[test]
fn crm_paths_start_with_crm_and_urls_name_their_host_and_data_centre() {
    assert!(
        problems(
            "check:\n  request: { path: \"/crm/{api_version}/Leads\" }\n",
            App::Crm
        )
        .is_empty()
    );
    let found = problems("check:\n  request: { path: /api/v1/x }\n", App::Crm);
    assert!(
        found[0].contains("must start with `/crm/` on Zoho CRM"),
        "{found:?}"
    );
    let (check, found) = read(
        "check:\n  request: { url: \"https://sandbox.zohoapis.eu/crm/{api_version}/org\" }\n",
        App::Crm,
    );
    assert!(found.is_empty(), "{found:?}");
    let Target::Url { host, dc, rest } = check.unwrap().request.target else {
        panic!("a url")
    };
    assert_eq!((host, dc), (HostKind::Sandbox, DataCentre::Eu));
    assert_eq!(rest.shown(), "/crm/{api_version}/org");
}

#[test]
fn equals_takes_zohos_string_ids_and_flags_and_templates() {
    let body = json!({"id": "42", "n": 42, "flag": "true", "list": [1, 2], "name": "Ada"});
    let rule = |yaml: &str| {
        let (check, found) = read(
            &format!(
                "check:\n  request: {{ path: /api/v1/x }}\n  expect:\n    json:\n      - {yaml}\n"
            ),
            App::Desk,
        );
        assert!(found.is_empty(), "{yaml}: {found:?}");
        check.unwrap().expect.json[0].clone()
    };
    let fact = |name: &str| (name == "who").then(|| "Ada".to_owned());
    let holds = |yaml: &str| rule(yaml).judge(&body, &fact).unwrap().is_empty();
    assert!(
        holds("{pointer: /id, equals: 42}"),
        "a string id equals the number"
    );
    assert!(holds("{pointer: /n, equals: 42}"));
    assert!(holds("{pointer: /id, equals: \"42\"}"));
    assert!(holds("{pointer: /flag, equals: true}"), "Zoho's \"true\"");
    assert!(holds("{pointer: /name, equals: \"{who}\"}"));
    assert!(holds("{pointer: /list, count_at_least: 2}"));
    assert!(holds("{pointer: /list, equals: [1, 2]}"));
    assert!(holds("{pointer: /gone, exists: false}"));
    assert!(!holds("{pointer: /list, count_at_least: 3}"));
    assert!(!holds("{pointer: /n, equals: 43}"));
    let misses = rule("{pointer: /name, equals: Bob, matches: '^A'}")
        .judge(&body, &fact)
        .unwrap();
    assert_eq!(
        misses,
        [Miss {
            pointer: "/name".to_owned(),
            expected: "equal to \"Bob\"".to_owned(),
            found: Some("\"Ada\"".to_owned()),
        }]
    );
    let unknown = rule("{pointer: /name, equals: \"{nobody}\"}").judge(&body, &fact);
    assert_eq!(unknown, Err("nobody".to_owned()));
}

#[test]
fn a_regex_is_never_a_template_and_env_text_is_never_one_either() {
    let (check, found) = read(
        "check:\n  request: { path: /api/v1/x }\n  expect:\n    json:\n      - {pointer: /id, matches: '^[0-9]{3}$'}\n",
        App::Desk,
    );
    assert!(found.is_empty(), "{found:?}");
    let rule = &check.unwrap().expect.json[0];
    assert!(
        rule.judge(&json!({"id": "123"}), &|_| None)
            .unwrap()
            .is_empty()
    );
}

/// The healthy Desk scenario with its live token and stored org id.
fn desk_context(sim: &crate::sim::Sim) -> CheckContext {
    let mut ctx = scenario_context(sim, App::Desk, "healthy", |_| {});
    let org = first_desk_org_id(seed(sim, "healthy"));
    ctx.facts.desk_org_id = Some(DeskOrgId(org.to_string()));
    ctx
}

fn check(yaml: &str, app: App) -> HttpCheck {
    let (check, found) = read(yaml, app);
    assert!(found.is_empty(), "{found:?}");
    check.unwrap()
}

#[tokio::test]
async fn a_head_carries_the_org_id_and_passes_on_the_status_alone() {
    let sim = simulator().await;
    let ctx = desk_context(&sim);
    let probe = check(
        "check:\n  request: { method: HEAD, path: /api/v1/tickets }\n  expect:\n    json: [{pointer: /data, exists: true}]\n",
        App::Desk,
    );
    let verdict = probe.run(&ctx).await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
    assert!(
        outcome.evidence[0].starts_with("HEAD http://"),
        "{:?}",
        outcome.evidence
    );
    assert!(
        outcome.evidence[0].contains("(orgId "),
        "{:?}",
        outcome.evidence
    );
    assert_eq!(sim.requests_ending("HEAD", "/api/v1/tickets"), 1);
}

#[tokio::test]
async fn a_fact_absent_at_run_time_skips_naming_it_and_nothing_is_sent() {
    let sim = simulator().await;
    let mut ctx = desk_context(&sim);
    ctx.facts.granted_scopes = Some(granted("Desk.tickets.READ", ScopeSource::StoredColumn));
    let probe = check(
        "check:\n  request: { path: \"/api/v1/agents/{zuid}\" }\n",
        App::Desk,
    );
    let verdict = probe.run(&ctx).await;
    assert_eq!(verdict.outcome.status, Status::Skip);
    assert!(
        verdict
            .outcome
            .message
            .starts_with("needs `{zuid}` (the user's ZUID"),
        "{}",
        verdict.outcome.message
    );
    assert_eq!(sim.requests_ending("GET", "/api/v1/agents"), 0);
    assert_eq!(sim.requests_ending("GET", "/oauth/user/info"), 0);
}

#[tokio::test]
async fn a_url_is_rewritten_through_the_overrides_and_refused_for_another_data_centre() {
    let sim = simulator().await;
    let mut ctx = desk_context(&sim);
    ctx.facts.dc = Some(DataCentre::Us);
    let probe = check(
        "check:\n  request: { url: \"https://desk.zoho.com/api/v1/tickets?limit=1\" }\n",
        App::Desk,
    );
    let verdict = probe.run(&ctx).await;
    assert_eq!(
        verdict.outcome.status,
        Status::Pass,
        "{}",
        verdict.outcome.message
    );
    assert!(verdict.outcome.evidence[0].contains(&sim.base_url()));
    let elsewhere = check(
        "check:\n  request: { url: \"https://desk.zoho.eu/api/v1/tickets\" }\n",
        App::Desk,
    );
    let verdict = elsewhere.run(&ctx).await;
    assert_eq!(verdict.outcome.status, Status::Fail);
    assert_eq!(verdict.outcome.code.as_deref(), Some("other_data_centre"));
}

#[tokio::test]
async fn a_save_becomes_a_discovery_and_a_found_value_is_redacted_and_cut() {
    let sim = simulator().await;
    let ctx = desk_context(&sim);
    let token = ctx.token().unwrap().token.clone();
    let secret = secrecy::ExposeSecret::expose_secret(token.secret()).to_owned();
    ctx.env.redactor.register(&secret);
    let mut tickets = sim.tickets("healthy");
    tickets[0]["subject"] = json!(format!("{secret} {}", "x".repeat(500)));
    sim.set_tickets("healthy", tickets);
    let probe = check(
        "check:\n  request: { path: \"/api/v1/tickets?limit=1\" }\n  expect:\n    json: [{pointer: /data/0/subject, equals: Hello}]\n",
        App::Desk,
    );
    let verdict = probe.run(&ctx).await;
    let message = &verdict.outcome.message;
    assert_eq!(verdict.outcome.status, Status::Fail, "{message}");
    assert!(!message.contains(&secret), "{message}");
    assert!(message.contains("more characters"), "{message}");

    let saver = check(
        "check:\n  request: { path: \"/api/v1/tickets?limit=1\" }\n  save: { ticket_id: /data/0/id, nothing: /nope }\n",
        App::Desk,
    );
    let verdict = saver.run(&ctx).await;
    assert_eq!(verdict.outcome.status, Status::Pass);
    let id = sim.tickets("healthy")[0]["id"].as_str().unwrap().to_owned();
    assert!(matches!(
        &verdict.discoveries[..],
        [Discovery::Saved { name, value }] if name == "ticket_id" && *value == id
    ));
    let mut facts = Facts::default();
    facts.apply(verdict.discoveries[0].clone());
    assert_eq!(facts.saved("ticket_id"), Some(id.as_str()));
}

#[tokio::test]
async fn an_answer_is_read_up_to_one_mebibyte_and_a_cut_one_is_not_judged_as_json() {
    let sim = simulator().await;
    let ctx = desk_context(&sim);
    sim.set_fault(
        "healthy",
        crate::sim::Fault::Hostile {
            service: crate::sim::Service::Desk,
            answer: crate::sim::Hostile::Huge(3 << 20),
        },
    );
    let probe = check(
        "check:\n  request: { path: /api/v1/tickets }\n  expect:\n    json: [{pointer: /data, exists: true}]\n",
        App::Desk,
    );
    let verdict = probe.run(&ctx).await;
    assert_eq!(verdict.outcome.status, Status::Fail);
    assert!(
        verdict.outcome.message.ends_with(
            "but the body is not JSON (cut at 1 MiB: longer than any answer this check can judge)"
        ),
        "{}",
        verdict.outcome.message
    );
}
