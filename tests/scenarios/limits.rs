//! How hard a fleet presses on Zoho: `--concurrency` and `--per-org` bound the connections in
//! flight, `--rate` spaces the requests, a 429 or `Retry-After` holds that host (and
//! organisation) for every connection while other hosts go on, and the accounts server's token
//! throttle holds nothing. Against a fake Zoho that counts the requests in flight; lower time
//! bounds only. And the flags' usage errors, through the binary.

use std::{
    collections::HashMap,
    net::SocketAddr,
    num::NonZeroUsize,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Form, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use zoho_doctor::{
    demo::write_seed_store,
    job::{self, Job, Ui},
    pipeline,
    redact::Redactor,
    report::model::{RunReport, Status},
    runner::interrupt::Interrupt,
    sim::SeededConnection,
    store::{Mapping, Store},
    zoho::{
        AccessToken,
        endpoints::{Endpoints, Override},
        http::{HttpOptions, ZohoHttp},
        oauth::{self, ClientCredentials, RefreshAnswer},
        throttle::{Limits, Rate},
    },
};

use crate::common;

/// Requests in flight and the most seen at once, per group: a refresh token `A-3` is group `A`
/// (and `all`); a GET is its path.
#[derive(Default)]
struct Counts {
    now: HashMap<String, usize>,
    most: HashMap<String, usize>,
    arrived: HashMap<String, usize>,
}

impl Counts {
    fn enter(&mut self, group: &str) {
        let now = self.now.entry(group.to_owned()).or_default();
        *now += 1;
        let now = *now;
        let most = self.most.entry(group.to_owned()).or_default();
        *most = (*most).max(now);
        *self.arrived.entry(group.to_owned()).or_default() += 1;
    }

    fn leave(&mut self, group: &str) {
        if let Some(now) = self.now.get_mut(group) {
            *now -= 1;
        }
    }
}

#[derive(Clone)]
struct Fake {
    counts: Arc<Mutex<Counts>>,
    latency: Duration,
}

impl Fake {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn most(&self, group: &str) -> usize {
        self.counts().most.get(group).copied().unwrap_or(0)
    }

    fn arrived(&self, group: &str) -> usize {
        self.counts().arrived.get(group).copied().unwrap_or(0)
    }
}

/// The token endpoint: mints after the latency; refresh tokens starting `throttled` get Zoho's
/// throttle answer, as a 429 with a long `Retry-After` (the strongest form it could take).
async fn token(State(fake): State<Fake>, Form(form): Form<HashMap<String, String>>) -> Response {
    let refresh_token = form.get("refresh_token").cloned().unwrap_or_default();
    let group = refresh_token
        .split('-')
        .next()
        .unwrap_or_default()
        .to_owned();
    fake.counts().enter(&group);
    fake.counts().enter("all");
    tokio::time::sleep(fake.latency).await;
    fake.counts().leave(&group);
    fake.counts().leave("all");
    if group == "throttled" {
        let body = r#"{"error":"Access Denied","error_description":"You have made too many requests continuously. Please try again after some time.","status":"failure"}"#;
        return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "20")], body).into_response();
    }
    let body = format!(r#"{{"access_token":"at-{refresh_token}","expires_in":3600}}"#);
    (StatusCode::OK, body).into_response()
}

/// Asks every caller to wait a second.
async fn busy(State(fake): State<Fake>) -> Response {
    fake.counts().enter("/busy");
    let body = r#"{"errorCode":"TOO_MANY_REQUESTS","message":"Too many requests"}"#;
    (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], body).into_response()
}

async fn fine(State(fake): State<Fake>) -> Response {
    fake.counts().enter("/ok");
    (StatusCode::OK, "{}").into_response()
}

/// A fake Zoho host on loopback.
async fn fake_zoho(latency: Duration) -> (Fake, SocketAddr) {
    let fake = Fake {
        counts: Arc::default(),
        latency,
    };
    let router = Router::new()
        .route("/{dc}/oauth/v2/token", post(token))
        .route("/busy", get(busy))
        .route("/ok", get(fine))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (fake, addr)
}

/// A Desk row with no access token (so `token-refresh` makes its one request, and warns that
/// the token is not stored without `--fix`) in organisation
/// `org`, if any.
fn row(user: &str, refresh_token: &str, org: Option<&str>) -> SeededConnection {
    SeededConnection {
        scenario: "fleet",
        title: "fleet",
        user_id: user.to_owned(),
        access_token: None,
        refresh_token: Some(refresh_token.to_owned()),
        token_expires_at: None,
        api_domain: None,
        org_id: None,
        desk_org_id: org.map(str::to_owned),
        desk_portal: None,
        dc: Some("us".to_owned()),
        scopes: None,
        client_id: Some("1000.client".to_owned()),
        client_secret: Some("client-secret".to_owned()),
        app: "desk",
        run_secrets: Vec::new(),
    }
}

/// Runs a one-check pipeline (`token-refresh`: one request per connection) over `rows`, every
/// accounts server being the fake at `addr`.
async fn run_fleet(addr: SocketAddr, rows: &[SeededConnection], limits: Limits) -> RunReport {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fleet.db");
    write_seed_store(&db, rows).await.unwrap();
    let endpoints = Endpoints::with_overrides(
        Override {
            source_name: "fake",
            value: Some(format!("http://{addr}/{{dc}}")),
        },
        Override {
            source_name: "fake",
            value: None,
        },
        Override {
            source_name: "fake",
            value: None,
        },
    )
    .unwrap();
    let job = Job {
        pipeline: pipeline::load_str(
            "name: t\napp: desk\nchecks:\n  - id: refresh\n    kind: token-refresh\n",
            "t.yaml",
            &|_| None,
        )
        .unwrap(),
        store: Store::open(
            &format!("sqlite://{}", db.display()),
            Mapping::seed(),
            false,
        )
        .await
        .unwrap(),
        users: Some(rows.iter().map(|row| row.user_id.clone()).collect()),
        endpoints,
        force_refresh: false,
        fix: false,
        clients: Default::default(),
        interrupt: Interrupt::none(),
        limits,
        shard: None,
    };
    let ui = Ui {
        verbose: false,
        colour: false,
        width: None,
        quiet: false,
    };
    job::execute(job, ui, &Redactor::new())
        .await
        .unwrap()
        .report()
        .unwrap()
}

fn count(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap()
}

fn all_refreshed(report: &RunReport) {
    for connection in &report.connections {
        let check = &connection.checks[0];
        assert!(
            matches!(check.status, Status::Pass | Status::Warn)
                && check.message.starts_with("refreshed"),
            "{}: {:?} {}",
            connection.user,
            check.status,
            check.message
        );
    }
}

#[tokio::test]
async fn a_fleet_never_has_more_connections_in_flight_than_its_concurrency() {
    let (fake, addr) = fake_zoho(Duration::from_millis(150)).await;
    let rows: Vec<_> = (0..8)
        .map(|i| row(&format!("u{i}"), &format!("n-{i}"), None))
        .collect();
    let limits = Limits {
        concurrency: count(2),
        ..Limits::default()
    };
    let report = run_fleet(addr, &rows, limits).await;
    assert_eq!(report.connections.len(), 8);
    all_refreshed(&report);
    assert_eq!(fake.arrived("all"), 8);
    assert_eq!(fake.most("all"), 2, "at most 2 at once, and 2 were used");
}

#[tokio::test]
async fn per_org_keeps_one_organisations_connections_apart_while_others_go_on() {
    let (fake, addr) = fake_zoho(Duration::from_millis(300)).await;
    let mut rows = Vec::new();
    for i in 0..3 {
        rows.push(row(&format!("a{i}"), &format!("A-{i}"), Some("111")));
    }
    for i in 0..2 {
        rows.push(row(&format!("b{i}"), &format!("B-{i}"), Some("222")));
    }
    for i in 0..2 {
        rows.push(row(&format!("n{i}"), &format!("N-{i}"), None));
    }
    let limits = Limits {
        per_org: count(1),
        ..Limits::default()
    };
    let report = run_fleet(addr, &rows, limits).await;
    all_refreshed(&report);
    assert_eq!(fake.arrived("A"), 3);
    assert_eq!(
        fake.most("A"),
        1,
        "organisation 111's connections never overlap"
    );
    assert_eq!(fake.most("B"), 1, "nor 222's");
    assert_eq!(
        fake.most("N"),
        2,
        "rows without an organisation are not capped"
    );
    assert!(
        fake.most("all") >= 3,
        "the other organisations went on beside 111's: {} at most",
        fake.most("all")
    );
}

#[tokio::test]
async fn a_rate_spaces_the_fleets_requests() {
    let (fake, addr) = fake_zoho(Duration::ZERO).await;
    let rows: Vec<_> = (0..10)
        .map(|i| row(&format!("u{i}"), &format!("n-{i}"), None))
        .collect();
    let limits = Limits {
        rate: Some(Rate::parse("5/s").unwrap()),
        ..Limits::default()
    };
    let started = Instant::now();
    let report = run_fleet(addr, &rows, limits).await;
    let took = started.elapsed();
    all_refreshed(&report);
    assert_eq!(fake.arrived("all"), 10);
    // Ten requests at 5/s: the first at once, then one every 200 ms.
    assert!(took >= Duration::from_millis(1800), "took {took:?}");
}

fn http() -> ZohoHttp {
    let options = HttpOptions {
        timeout: Duration::from_secs(30),
        retries: 0,
        trace: false,
    };
    ZohoHttp::new(options, Redactor::new()).unwrap()
}

#[tokio::test]
async fn a_429_holds_its_host_for_every_connection_but_not_other_hosts() {
    let (busy_host, busy_addr) = fake_zoho(Duration::ZERO).await;
    let (other_host, other_addr) = fake_zoho(Duration::ZERO).await;
    let run = http();
    let token = AccessToken::new("at".to_owned());
    let (first, second, third) = (run.for_org(None), run.for_org(None), run.for_org(None));
    let answer = first
        .get(&format!("http://{busy_addr}/busy"), &token, &[])
        .await
        .unwrap();
    assert_eq!(answer.status, 429);
    assert!(second.is_held(&format!("http://{busy_addr}/ok")));
    assert!(!second.is_held(&format!("http://{other_addr}/ok")));

    let started = Instant::now();
    let same_host = tokio::spawn({
        let url = format!("http://{busy_addr}/ok");
        let token = token.clone();
        async move {
            second.get(&url, &token, &[]).await.unwrap();
            started.elapsed()
        }
    });
    let answer = third
        .get(&format!("http://{other_addr}/ok"), &token, &[])
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(other_host.arrived("/ok"), 1);
    assert_eq!(
        busy_host.arrived("/ok"),
        0,
        "the other host answered while the held one had not yet been asked"
    );
    let waited = same_host.await.unwrap();
    assert!(waited >= Duration::from_millis(900), "waited {waited:?}");
    assert_eq!(busy_host.arrived("/ok"), 1);
}

#[tokio::test]
async fn a_429_holds_its_organisation_on_other_hosts_too() {
    let (_, busy_addr) = fake_zoho(Duration::ZERO).await;
    let (other_host, other_addr) = fake_zoho(Duration::ZERO).await;
    let run = http();
    let token = AccessToken::new("at".to_owned());
    run.for_org(Some("42"))
        .get(&format!("http://{busy_addr}/busy"), &token, &[])
        .await
        .unwrap();
    let other_url = format!("http://{other_addr}/ok");
    assert!(run.for_org(Some("42")).is_held(&other_url));
    assert!(!run.for_org(Some("7")).is_held(&other_url));
    assert!(!run.for_org(None).is_held(&other_url));
    let started = Instant::now();
    run.for_org(Some("42"))
        .get(&other_url, &token, &[])
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(other_host.arrived("/ok"), 1);
}

#[tokio::test]
async fn the_token_throttle_of_one_refresh_token_holds_no_other_connection() {
    let (fake, addr) = fake_zoho(Duration::ZERO).await;
    let run = http();
    let accounts = format!("http://{addr}/us");
    let client = ClientCredentials {
        client_id: "1000.client".to_owned(),
        client_secret: "client-secret".to_owned().into(),
    };
    let (throttled, other) = (run.for_org(Some("42")), run.for_org(Some("42")));
    let (answer, raw) = oauth::refresh(
        &throttled,
        &accounts,
        &client,
        &"throttled-1".to_owned().into(),
    )
    .await
    .unwrap();
    assert_eq!(raw.status, 429);
    assert!(
        matches!(&answer, RefreshAnswer::Rejected(error) if error.wire_code == "Access Denied"),
        "{answer:?}"
    );
    // Neither the accounts server nor the organisation is held by it.
    let token_url = format!("{accounts}/oauth/v2/token");
    assert!(!other.is_held(&token_url));
    assert!(!other.is_held(&format!("http://{addr}/ok")));
    let (answer, _) = oauth::refresh(&other, &accounts, &client, &"fine-1".to_owned().into())
        .await
        .unwrap();
    assert!(matches!(answer, RefreshAnswer::Minted(_)), "{answer:?}");
    assert_eq!(fake.arrived("fine"), 1);
}

/// The binary's flags reach the fleet: `--concurrency` bounds the run, `--per-org` one
/// organisation's connections (the rows all share one here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binarys_flags_bound_the_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = dir.path().join("refresh.yaml");
    std::fs::write(
        &pipeline,
        "name: t\napp: desk\nchecks:\n  - id: refresh\n    kind: token-refresh\n",
    )
    .unwrap();
    let db = dir.path().join("fleet.db");
    let rows: Vec<_> = (0..6)
        .map(|i| row(&format!("u{i}"), &format!("n-{i}"), Some("111")))
        .collect();
    write_seed_store(&db, &rows).await.unwrap();
    for (flags, most) in [
        (["--concurrency", "2", "--per-org", "5"], 2),
        (["--concurrency", "5", "--per-org", "1"], 1),
    ] {
        let (fake, addr) = fake_zoho(Duration::from_millis(150)).await;
        let mut command = common::command();
        command
            .env("ZOHO_ACCOUNTS_URL", format!("http://{addr}/{{dc}}"))
            .args(["run", "--all", "-p"])
            .arg(&pipeline)
            .arg("--store")
            .arg(format!("sqlite://{}", db.display()))
            .args(flags);
        let output = common::output(command).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{flags:?}: {stderr}");
        assert_eq!(fake.arrived("all"), 6, "{flags:?}");
        assert_eq!(fake.most("all"), most, "{flags:?}");
    }
}

/// `-v` says how long a request waited for its turn under `--rate`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trace_shows_the_pacing_of_a_rate() {
    let h = common::Harness::start().await;
    let run = h
        .run(
            &common::desk_pipeline(),
            &["--user", "healthy", "--rate", "5/s", "-v"],
        )
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("first by --rate)"), "{}", run.stderr);
}

fn usage_error(flag_and_value: &[&str]) -> (i32, String) {
    let output = common::command()
        .args(["run", "-p", &common::desk_pipeline(), "--all"])
        .args(flag_and_value)
        .output()
        .expect("binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn zero_or_malformed_limits_are_usage_errors_naming_the_form() {
    for (args, says) in [
        (["--concurrency", "0"], "at least 1"),
        (["--concurrency", "many"], "whole number"),
        (["--per-org", "0"], "at least 1"),
        (["--per-org", "1.5"], "whole number"),
        (["--rate", "0/s"], "N/s"),
        (["--rate", "5"], "N/s"),
        (["--rate", "5/m"], "N/s"),
    ] {
        let (code, stderr) = usage_error(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(args[0]), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn run_help_shows_the_limits_and_their_defaults() {
    let output = common::command()
        .args(["run", "--help"])
        .output()
        .expect("binary runs");
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--concurrency <N>"), "{help}");
    assert!(help.contains("[default: 16]"), "{help}");
    assert!(help.contains("--per-org <N>"), "{help}");
    assert!(help.contains("[default: 10]"), "{help}");
    assert!(help.contains("--rate <N/s>"), "{help}");
}
