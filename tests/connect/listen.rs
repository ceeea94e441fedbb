//! `connect --listen` through the simulator's redirect, Deny, and `--print-url`'s parameters.

use std::{
    io::{BufRead as _, BufReader, Read as _, Write as _},
    net::TcpStream,
    process::Stdio,
};

use crate::{Done, assert_hidden, column, common::Harness, connect, row, run};

/// A GET on loopback, without following redirects: the status and the `Location` header.
fn get(url: &str) -> (u16, Option<String>) {
    let url = url::Url::parse(url).expect("a URL");
    let mut stream =
        TcpStream::connect((url.host_str().expect("a host"), url.port().expect("a port")))
            .expect("connects");
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        url.host_str().unwrap_or_default()
    )
    .expect("sends");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("reads");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let location = answer
        .lines()
        .find_map(|line| {
            line.strip_prefix("location: ")
                .or_else(|| line.strip_prefix("Location: "))
        })
        .map(str::to_owned);
    (status, location)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("binds")
        .local_addr()
        .expect("addr")
        .port()
}

/// Starts `connect --listen`, opens the printed URL as a browser would (the simulator signs the
/// user in and redirects to the receiver), and waits for the command.
async fn listen_flow(h: &Harness, store: &str, user: &str) -> (Done, u16) {
    let client = h.sim.server_client();
    let port = free_port();
    let mut command = connect(
        h,
        store,
        &client,
        &[
            "-v",
            "--user",
            user,
            "--listen",
            "--listen-port",
            &port.to_string(),
        ],
    );
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let (done, status) = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("spawns");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut seen = String::new();
        let link = loop {
            let line = lines.next().expect("a URL is printed").expect("a line");
            seen.push_str(&line);
            seen.push('\n');
            if line.starts_with("http") {
                break line;
            }
        };
        let (status, location) = get(&link);
        let mut status = status;
        if let Some(callback) = location {
            status = get(&callback).0;
        }
        for line in lines {
            seen.push_str(&line.expect("a line"));
            seen.push('\n');
        }
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("reads");
        let code = child.wait().expect("finishes").code().unwrap_or(-1);
        (
            Done {
                code,
                stdout: seen,
                stderr,
            },
            status,
        )
    })
    .await
    .expect("join");
    (done, status)
}

#[tokio::test]
async fn listen_takes_the_code_and_the_data_centre_from_the_redirect() {
    let h = Harness::start().await;
    h.sim.add_user("roamer");
    h.sim.sign_in("roamer", "eu");
    let db = h.path("listen.db");
    let store = format!("sqlite://{}", db.display());
    let (done, status) = listen_flow(&h, &store, "roamer-1").await;
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert_eq!(status, 200, "the browser got the closing page");
    assert!(
        done.stdout.contains("/accounts/us/oauth/v2/auth?"),
        "asked the US server: {}",
        done.stdout
    );
    assert!(done.stdout.contains("EU data centre"), "{}", done.stdout);
    let stored = row(&db, "roamer-1").await;
    assert_eq!(column(&stored, "dc"), "eu", "from accounts-server");
    assert!(
        done.stderr.contains("← GET /callback?code=***&location=eu"),
        "the -v trace shows the redirect, redacted: {}",
        done.stderr
    );
    assert!(
        !done.stderr.contains("state=") || done.stderr.contains("state=***"),
        "{}",
        done.stderr
    );
    assert!(column(&stored, "api_domain").ends_with("/api/eu"));
    assert!(!column(&stored, "desk_portal").is_empty());
    assert_eq!(
        column(&stored, "client_id"),
        "",
        "a server-based client is not stored per row"
    );
    assert_hidden(
        &done,
        &[&h.sim.server_client().1, &column(&stored, "refresh_token")],
    );
}

#[tokio::test]
async fn listen_says_clearly_when_the_user_clicks_deny() {
    let h = Harness::start().await;
    h.sim.add_user("shy");
    h.sim.sign_in("shy", "us");
    h.sim.deny_consent();
    let db = h.path("denied.db");
    let store = format!("sqlite://{}", db.display());
    let (done, status) = listen_flow(&h, &store, "shy-1").await;
    assert_eq!(done.code, 2, "{}\n{}", done.stdout, done.stderr);
    assert_eq!(status, 200);
    assert!(done.stderr.contains("clicked Deny"), "{}", done.stderr);
    assert!(!db.exists());
}

#[tokio::test]
async fn print_url_carries_every_parameter() {
    let h = Harness::start().await;
    let client = h.sim.server_client();
    let mut command = connect(
        &h,
        "sqlite://unused.db",
        &client,
        &["--user", "1", "--dc", "eu", "--print-url"],
    );
    command.env("ZOHO_REDIRECT_URI", "https://app.example/zoho/callback");
    let done = run(command).await;
    assert_eq!(done.code, 0, "{}", done.stderr);
    let link = done
        .stdout
        .lines()
        .find(|line| line.starts_with("http"))
        .expect("a URL");
    let url = url::Url::parse(link).expect("a URL");
    assert!(url.path().ends_with("/accounts/eu/oauth/v2/auth"), "{url}");
    let params: std::collections::HashMap<String, String> =
        url.query_pairs().into_owned().collect();
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], client.0);
    assert_eq!(params["scope"], "Desk.basic.READ,AaaServer.profile.Read");
    assert_eq!(params["access_type"], "offline");
    assert_eq!(params["prompt"], "consent");
    assert_eq!(params["redirect_uri"], "https://app.example/zoho/callback");
    assert_eq!(params["state"].len(), 32);
    assert!(params["state"].chars().all(|c| c.is_ascii_hexdigit()));
    assert!(!done.stdout.contains(&client.1));
}

#[tokio::test]
async fn a_server_based_code_needs_the_same_redirect_uri() {
    let h = Harness::start().await;
    h.sim.add_user("pasted");
    h.sim.sign_in("pasted", "jp");
    let client = h.sim.server_client();
    let registered = "http://127.0.0.1:9/app/callback";
    // The app's own redirect handler receives the code (here: read from the redirect).
    let auth = format!(
        "{}/accounts/us/oauth/v2/auth?response_type=code&client_id={}&scope=Desk.basic.READ&access_type=offline&redirect_uri={}&state=s",
        h.sim.base_url(),
        client.0,
        url::form_urlencoded::byte_serialize(registered.as_bytes()).collect::<String>()
    );
    let (status, location) = tokio::task::spawn_blocking(move || get(&auth))
        .await
        .expect("join");
    assert_eq!(status, 302);
    let location = url::Url::parse(&location.expect("a redirect")).expect("a URL");
    let pairs: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(pairs["location"], "jp");
    let code = pairs["code"].clone();
    let db = h.path("pasted.db");
    let store = format!("sqlite://{}", db.display());
    let attempt = |redirect: &str| {
        let mut command = connect(&h, &store, &client, &["--user", "p1", "--dc", "jp"]);
        command
            .env("ZOHO_GRANT_CODE", &code)
            .env("ZOHO_REDIRECT_URI", redirect);
        command
    };
    let done = run(attempt("http://127.0.0.1:9/other")).await;
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    assert!(
        done.stderr.contains("invalid_redirect_uri"),
        "{}",
        done.stderr
    );
    assert!(!db.exists(), "nothing stored");
    assert_hidden(&done, &[&code, &client.1]);
    let done = run(attempt(registered)).await;
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert_eq!(column(&row(&db, "p1").await, "dc"), "jp");
}
