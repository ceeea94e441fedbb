//! Hostile answers through the real binary: every service of the simulator (token, user info,
//! Desk, CRM) answers not JSON, an HTML 502, truncated JSON, a huge body, a slow drip past the
//! timeout, a reset mid-body, or escapes in every text field. The check that meets it gets its
//! exact status; nothing panics; no seeded secret and no raw terminal escape reaches any output
//! (escapes show as `\u{…}` text; the JSON report keeps the exact values).

use std::sync::Arc;

use crate::common::{Harness, Run};
use serde_json::Value;
use tokio::sync::Semaphore;
use zoho_doctor::sim::{ESCAPES, Hostile, Service};

/// The pipelines, with a 2 s request timeout and one retry so the drip's timeout comes quickly.
#[derive(Clone, Copy)]
enum Pipe {
    Desk,
    Crm,
}

/// One hostile answer met by one user's connection.
#[derive(Clone, Copy)]
struct Case {
    service: Service,
    answer: Hostile,
    user: &'static str,
    pipe: Pipe,
    /// The check that meets the answer, its exact status, and what its message or evidence
    /// says (lower case), proving it met this answer.
    check: &'static str,
    status: &'static str,
    says: &'static str,
}

impl Case {
    fn name(&self) -> String {
        format!("{:?} {:?} for `{}`", self.service, self.answer, self.user)
    }
}

/// 32 MiB: thousands of times any answer Zoho sends.
const HUGE: Hostile = Hostile::Huge(32 << 20);

fn case(
    service: Service,
    answer: Hostile,
    check: &'static str,
    status: &'static str,
    says: &'static str,
) -> Case {
    let (user, pipe) = match service {
        Service::Crm => ("crm-healthy", Pipe::Crm),
        Service::Token | Service::UserInfo | Service::Desk => ("healthy", Pipe::Desk),
    };
    Case {
        service,
        answer,
        user,
        pipe,
        check,
        status,
        says,
    }
}

/// One finished case: the run and the secrets its user's row holds.
struct Met {
    case: Case,
    run: Run,
    secrets: Vec<String>,
}

/// Runs one case on its own simulator (faults are per user) with `-v`, so the trace, evidence and
/// details are in the output too; a refresh is forced for the token endpoint.
async fn meet(case: Case) -> Met {
    let h = Harness::start().await;
    h.sim.set_fault(
        case.user,
        zoho_doctor::sim::Fault::Hostile {
            service: case.service,
            answer: case.answer,
        },
    );
    let (file, shipped) = match case.pipe {
        Pipe::Desk => ("desk.yaml", "checks/desk.yaml"),
        Pipe::Crm => ("crm.yaml", "checks/crm.yaml"),
    };
    let text =
        std::fs::read_to_string(crate::common::repo_file(shipped)).expect("shipped pipeline");
    assert!(text.contains("timeout: 10s, retries: 2"), "{shipped}");
    let pipeline = h.path(file);
    // Each HTTP request times out after 2 s; each check gets far longer, so a slow drip is the
    // request's timeout, never a race with the check's on a loaded machine.
    let text = text
        .replace("timeout: 10s, retries: 2", "timeout: 2s, retries: 1")
        .replace("\n    kind: ", "\n    timeout: 30s\n    kind: ");
    std::fs::write(&pipeline, text).expect("pipeline written");
    let mut args = vec!["--user".to_owned(), case.user.to_owned(), "-v".to_owned()];
    if case.service == Service::Token {
        args.push("--force-refresh".to_owned());
    }
    if case.answer.needs_raw_port() {
        let (flag, url) = match case.service {
            Service::Token | Service::UserInfo => ("--accounts-url", h.sim.accounts_url()),
            Service::Desk => ("--desk-url", h.sim.desk_url()),
            Service::Crm => ("--api-url", h.sim.api_url()),
        };
        args.extend([flag.to_owned(), h.sim.raw(&url)]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = h.run(&pipeline.display().to_string(), &args).await;
    let seed = h.sim.seed(case.user).expect("a seeded user");
    let secrets = [&seed.access_token, &seed.refresh_token, &seed.client_secret]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    Met { case, run, secrets }
}

/// Runs the cases four at a time.
async fn meet_all(cases: Vec<Case>) -> Vec<Met> {
    let gate = Arc::new(Semaphore::new(4));
    let runs: Vec<_> = cases
        .into_iter()
        .map(|case| {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move {
                let _permit = gate.acquire_owned().await.expect("semaphore");
                meet(case).await
            })
        })
        .collect();
    let mut met = Vec::new();
    for run in runs {
        met.push(run.await.expect("a case finishes"));
    }
    met
}

/// What went wrong with a case's status, its exit, its JUnit, its secrets: one line each.
fn wrong_basics(met: &Met) -> Vec<String> {
    let (case, run) = (&met.case, &met.run);
    let name = case.name();
    let mut wrong = Vec::new();
    if run.code == 101 || run.stderr.contains("crashed") || run.stderr.contains("panicked") {
        wrong.push(format!(
            "{name}: zoho-doctor panicked (exit {}): {}",
            run.code, run.stderr
        ));
        return wrong;
    }
    let Some(checks) = run.json["connections"][0]["checks"].as_array() else {
        wrong.push(format!(
            "{name}: no JSON report (exit {}); stderr: {}",
            run.code, run.stderr
        ));
        return wrong;
    };
    let status = run.status(case.check);
    if status != case.status {
        wrong.push(format!(
            "{name}: `{}` is {status}, expected {}: {}\n      statuses: {}",
            case.check,
            case.status,
            run.message(case.check),
            run.statuses().join(" ")
        ));
    }
    let check = run.check(case.check);
    let said = std::iter::once(&check["message"])
        .chain(check["evidence"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("\n");
    if !said.to_lowercase().contains(case.says) {
        wrong.push(format!(
            "{name}: `{}` does not say `{}`: {said}",
            case.check, case.says
        ));
    }
    // A body that drips in past the timeout is a timeout, with the timeout's fix.
    let hint = check["hint"].as_str().unwrap_or_default();
    if case.answer == Hostile::SlowDrip
        && case.status == "error"
        && !hint.contains("settings.timeout")
    {
        wrong.push(format!(
            "{name}: `{}` hint is not the timeout's: {hint}",
            case.check
        ));
    }
    let failed = checks
        .iter()
        .any(|check| matches!(check["status"].as_str(), Some("fail" | "error")));
    let exit = if failed { 1 } else { 0 };
    if run.code != exit {
        wrong.push(format!("{name}: exit {}, expected {exit}", run.code));
    }
    if let Err(error) = quick_junit::Report::deserialize_from_str(&run.junit) {
        wrong.push(format!("{name}: the JUnit report does not read: {error}"));
    }
    for (output, text) in outputs(run) {
        for secret in &met.secrets {
            if text.contains(secret.as_str()) {
                wrong.push(format!("{name}: a seeded secret leaked into the {output}"));
            }
        }
    }
    wrong
}

/// Every output a user or a CI system reads, by name; the JSON report as written.
fn outputs(run: &Run) -> [(&'static str, String); 4] {
    [
        ("table (stdout)", run.stdout.clone()),
        ("stderr", run.stderr.clone()),
        ("JUnit report", run.junit.clone()),
        ("JSON report", run.json.to_string()),
    ]
}

/// A character a terminal acts on instead of showing: C0 controls but the line feed, DEL, C1
/// controls, and the bidirectional controls that reorder what is shown.
fn is_raw_escape(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The raw escapes in the table, stderr and JUnit, as `output: U+XXXX at …` lines.
fn raw_escapes(met: &Met) -> Vec<String> {
    let name = met.case.name();
    let mut found = Vec::new();
    for (output, text) in [
        ("table (stdout)", &met.run.stdout),
        ("stderr", &met.run.stderr),
        ("JUnit report", &met.run.junit),
    ] {
        let mut seen: Vec<char> = text.chars().filter(|c| is_raw_escape(*c)).collect();
        seen.sort_unstable();
        seen.dedup();
        if let Some(first) = text.find(is_raw_escape) {
            let start = text[..first]
                .char_indices()
                .rev()
                .nth(40)
                .map_or(0, |(at, _)| at);
            found.push(format!(
                "{name}: raw {} in the {output}, first after {:?}",
                seen.iter()
                    .map(|c| format!("U+{:04X}", u32::from(*c)))
                    .collect::<Vec<_>>()
                    .join(" "),
                &text[start..first]
            ));
        }
    }
    found
}

fn assert_none(wrong: Vec<String>, what: &str) {
    assert!(
        wrong.is_empty(),
        "{} {what}:\n  {}",
        wrong.len(),
        wrong.join("\n  ")
    );
}

/// Not JSON, an HTML 502, truncated JSON, a huge body, a slow drip, a reset mid-body — at each
/// service, with the status of the check that meets it.
fn broken_answers() -> Vec<Case> {
    use Hostile::*;
    use Service::*;
    const NOT_AN_OBJECT: &str = "with a body that is not a json object";
    vec![
        // A refresh is one POST, never retried: whatever breaks it is an error (we could not
        // find out), never a pass and never Zoho's "no".
        case(Token, NotJson, "refresh", "error", NOT_AN_OBJECT),
        case(Token, Html502, "refresh", "error", "http 502"),
        case(Token, Truncated, "refresh", "error", NOT_AN_OBJECT),
        case(Token, HUGE, "refresh", "error", NOT_AN_OBJECT),
        case(Token, SlowDrip, "refresh", "error", "timed out"),
        case(Token, ResetMidBody, "refresh", "error", "reset"),
        // User info only confirms the data centre: an unreadable answer is evidence, not a verdict.
        case(UserInfo, NotJson, "data-centre", "pass", NOT_AN_OBJECT),
        case(UserInfo, Html502, "data-centre", "pass", "http 502"),
        case(UserInfo, Truncated, "data-centre", "pass", NOT_AN_OBJECT),
        case(UserInfo, HUGE, "data-centre", "pass", NOT_AN_OBJECT),
        case(UserInfo, SlowDrip, "data-centre", "pass", "timed out"),
        case(UserInfo, ResetMidBody, "data-centre", "pass", "reset"),
        case(Desk, NotJson, "org", "error", "not json"),
        // After the retries, a 5xx without Zoho's error body is a proxy or an outage: an error.
        case(
            Desk,
            Html502,
            "org",
            "error",
            "http 502 without zoho's error body",
        ),
        case(Desk, Truncated, "org", "error", "not json"),
        case(Desk, HUGE, "org", "error", "not json"),
        case(Desk, SlowDrip, "org", "error", "timed out"),
        case(Desk, ResetMidBody, "org", "error", "reset"),
        case(Crm, NotJson, "org", "error", "not json"),
        case(
            Crm,
            Html502,
            "org",
            "error",
            "http 502 without zoho's error body",
        ),
        case(Crm, Truncated, "org", "error", "not json"),
        // Every answer is read up to 1 MiB (`zoho::http::MAX_BODY`): the huge JSON string is cut.
        case(Crm, HUGE, "org", "error", "not json"),
        case(Crm, SlowDrip, "org", "error", "timed out"),
        case(Crm, ResetMidBody, "org", "error", "reset"),
    ]
}

/// Escapes in every text field of a success answer and of a Zoho error answer, at each service.
fn escape_laden_answers() -> Vec<Case> {
    use Service::*;
    let escapes = |service, user: &'static str, check, status, says| Case {
        user,
        pipe: if user.starts_with("crm-") {
            Pipe::Crm
        } else {
            Pipe::Desk
        },
        ..case(service, Hostile::Escapes, check, status, says)
    };
    vec![
        // api_domain and scope carry them: the data centre is not recognised.
        escapes(
            Token,
            "healthy",
            "data-centre",
            "warn",
            "is not the api host",
        ),
        // HTTP 200 with an escape-laden `error`: a code zoho-doctor does not know.
        escapes(Token, "refresh-revoked", "refresh", "fail", "does not know"),
        // The user's email, name and org id carry them, as details.
        escapes(UserInfo, "healthy", "data-centre", "pass", "user info"),
        escapes(Desk, "healthy", "org", "pass", "healthy support"),
        escapes(Desk, "org-stale", "org", "fail", "org-stale support"),
        escapes(Desk, "desk-invalid-oauth", "org", "fail", "invalid_oauth"),
        escapes(Crm, "crm-healthy", "org", "pass", "crm-healthy ltd"),
        escapes(
            Crm,
            "crm-no-permission",
            "profiles",
            "fail",
            "no_permission",
        ),
        escapes(
            Crm,
            "crm-scope-mismatch",
            "scopes",
            "fail",
            "oauth_scope_mismatch",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_broken_answer_gets_its_exact_status_without_a_panic_or_a_leak() {
    let met = meet_all(broken_answers()).await;
    let mut wrong: Vec<String> = met.iter().flat_map(wrong_basics).collect();
    // These bodies hold no escapes, so none may appear either.
    wrong.extend(met.iter().flat_map(raw_escapes));
    assert_none(wrong, "problem(s) with broken answers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_laden_answers_keep_their_statuses_and_their_exact_text_in_the_json_report() {
    let met = meet_all(escape_laden_answers()).await;
    let mut wrong: Vec<String> = met.iter().flat_map(wrong_basics).collect();
    for met in &met {
        if !strings(&met.run.json).any(|text| text.contains(ESCAPES)) {
            wrong.push(format!(
                "{}: the JSON report does not hold the escapes exactly",
                met.case.name()
            ));
        }
    }
    assert_none(wrong, "problem(s) with escape-laden answers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escapes_from_zoho_reach_the_table_stderr_and_junit_only_as_unicode_escapes() {
    let met = meet_all(escape_laden_answers()).await;
    let mut wrong: Vec<String> = met.iter().flat_map(raw_escapes).collect();
    let mut expected: Vec<String> = ESCAPES
        .chars()
        .filter(|c| is_raw_escape(*c))
        .map(|c| format!("\\u{{{:x}}}", u32::from(c)))
        .collect();
    expected.sort();
    expected.dedup();
    for met in &met {
        // JUnit carries every check's message, hint, evidence and details; the table shows
        // messages and hints (wrapped: its borders and blanks are dropped before looking).
        let in_table = met.run.json["connections"][0]["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|check| [&check["message"], &check["hint"]])
            .filter_map(Value::as_str)
            .any(|text| text.contains(ESCAPES));
        let unwrapped: String = met
            .run
            .stdout
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '│' | '┆'))
            .collect();
        let mut shown = vec![("JUnit report", met.run.junit.to_lowercase())];
        if in_table {
            shown.push(("table (stdout)", unwrapped.to_lowercase()));
        }
        for (output, text) in shown {
            let missing: Vec<&str> = expected
                .iter()
                .map(String::as_str)
                .filter(|escaped| !text.contains(escaped))
                .collect();
            if !missing.is_empty() {
                wrong.push(format!(
                    "{}: the {output} does not show {}",
                    met.case.name(),
                    missing.join(" ")
                ));
            }
        }
    }
    assert_none(wrong, "escape(s) not shown as text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_raw_port_passes_a_healthy_connection_through_unchanged() {
    let h = Harness::start().await;
    let desk = h.sim.raw(&h.sim.desk_url());
    let accounts = h.sim.raw(&h.sim.accounts_url());
    assert!(desk.starts_with(&format!("http://{}/desk/", h.sim.raw_addr())));
    let run = h
        .run(
            &crate::common::desk_pipeline(),
            &[
                "--user",
                "healthy",
                "--force-refresh",
                "--desk-url",
                &desk,
                "--accounts-url",
                &accounts,
            ],
        )
        .await;
    assert_eq!(
        run.statuses(),
        [
            "connection=pass",
            // The refreshed token is not stored without --fix.
            "refresh=warn",
            "data-centre=pass",
            "scopes=pass",
            "org=pass",
            "portal=pass",
            "profile=pass"
        ],
        "{}",
        run.stdout
    );
    assert_eq!(
        h.sim.requests("/desk"),
        2,
        "the Desk calls (the organisations, once, and /myinfo) reached the simulator"
    );
}

/// Every string in a JSON value, keys included.
fn strings(value: &Value) -> Box<dyn Iterator<Item = &str> + '_> {
    match value {
        Value::String(text) => Box::new(std::iter::once(text.as_str())),
        Value::Array(items) => Box::new(items.iter().flat_map(strings)),
        Value::Object(fields) => Box::new(
            fields
                .iter()
                .flat_map(|(key, value)| std::iter::once(key.as_str()).chain(strings(value))),
        ),
        _ => Box::new(std::iter::empty()),
    }
}
