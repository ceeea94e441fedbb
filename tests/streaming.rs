//! Results as they stream: when connections finish out of order (the first one's Desk answers
//! slowed), the report files and a piped table still list them in the users' order and are
//! otherwise what an unhurried run gives; a terminal shows each connection's block as it
//! finishes, with the progress line on stderr; a pipe never gets the progress line, nor a
//! terminal under `-q`.

#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use std::{process::Command, time::Duration};

use common::{Harness, Run, desk_pipeline};
use serde_json::Value;
use zoho_doctor::sim::Fault;

/// In the users' order; the first is slowed in `out_of_order` runs.
const USERS: [&str; 4] = ["healthy", "token-expired", "org-blank", "portal-missing"];

fn user_args() -> Vec<&'static str> {
    USERS.iter().flat_map(|user| ["--user", user]).collect()
}

/// Slows every Desk answer to the first user, so it finishes after the others.
fn slow_first(h: &Harness) {
    h.sim
        .set_fault(USERS[0], Fault::Slow(Duration::from_millis(1200)));
}

/// The JSON report without what differs from run to run: times and durations.
fn normalised(json: &Value) -> String {
    let text = serde_json::to_string_pretty(json).expect("JSON");
    let durations = regex::Regex::new(r#""duration_ms": \d+"#).expect("regex");
    let elapsed = regex::Regex::new(r"\(\d+ m?s\)").expect("regex");
    let started = regex::Regex::new(r#""started_at": "[^"]*""#).expect("regex");
    let text = durations.replace_all(&text, r#""duration_ms": 0"#);
    let text = elapsed.replace_all(&text, "(0 ms)");
    started
        .replace_all(&text, r#""started_at": """#)
        .into_owned()
}

fn users_in(json: &Value) -> Vec<String> {
    json["connections"]
        .as_array()
        .map(|connections| {
            connections
                .iter()
                .filter_map(|c| c["user"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Where each user's table block starts in `text`, in the users' order.
fn block_positions(text: &str) -> Vec<usize> {
    USERS
        .iter()
        .map(|user| {
            text.find(&format!("· user {user} ·"))
                .unwrap_or_else(|| panic!("no block for {user} in:\n{text}"))
        })
        .collect()
}

async fn piped(h: &Harness, extra: &[&str]) -> Run {
    let mut args = user_args();
    args.extend_from_slice(extra);
    h.run(&desk_pipeline(), &args).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_and_a_piped_table_keep_the_users_order_when_connections_finish_out_of_order() {
    let h = Harness::start().await;
    let unhurried = piped(&h, &[]).await;
    slow_first(&h);
    let out_of_order = piped(&h, &[]).await;

    assert_eq!(
        users_in(&out_of_order.json),
        USERS,
        "JSON in the users' order"
    );
    let slowest = out_of_order.json["connections"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|check| check["duration_ms"].as_u64())
        .max()
        .unwrap_or(0);
    assert!(
        slowest >= 1000,
        "the first connection was slowed, so it finished last ({slowest} ms)"
    );
    assert_eq!(
        normalised(&out_of_order.json),
        normalised(&unhurried.json),
        "nothing else changes"
    );
    let suites: Vec<usize> = USERS
        .iter()
        .map(|user| {
            out_of_order
                .junit
                .find(&format!("<testsuite name=\"desk-profile / {user}\""))
                .unwrap_or_else(|| panic!("no suite for {user}:\n{}", out_of_order.junit))
        })
        .collect();
    assert!(suites.is_sorted(), "JUnit in the users' order: {suites:?}");

    let blocks = block_positions(&out_of_order.stdout);
    assert!(blocks.is_sorted(), "a piped table in the users' order");
    // Times differ, and with them the width of the time column.
    let time = regex::Regex::new(r"\d+ ms").expect("regex");
    let rule = regex::Regex::new(r"[ ─═]+").expect("regex");
    let plain = |text: &str| {
        rule.replace_all(&time.replace_all(text, "0 ms"), " ")
            .into_owned()
    };
    assert_eq!(
        plain(&out_of_order.stdout),
        plain(&unhurried.stdout),
        "the piped table is the unhurried run's"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipe_never_gets_the_progress_line() {
    let h = Harness::start().await;
    for extra in [&[][..], &["-v"][..]] {
        let run = piped(&h, extra).await;
        for (stream, text) in [("stderr", &run.stderr), ("stdout", &run.stdout)] {
            assert!(
                !text.contains("conn/s") && !text.contains('\r'),
                "{extra:?}: no progress on {stream}:\n{text}"
            );
        }
        if extra == ["-v"] {
            assert!(run.stderr.contains("→ GET"), "the -v trace is there");
        }
    }
}

/// The binary on a terminal (`script` gives it one): stdout and stderr as the terminal shows
/// them, one stream. `None` when `script` cannot run here.
async fn on_a_terminal(h: &Harness, extra: &[&str]) -> Option<String> {
    let quote = |arg: &str| format!("'{}'", arg.replace('\'', r"'\''"));
    let mut args = vec![
        common::BIN.to_owned(),
        "run".to_owned(),
        "-p".to_owned(),
        desk_pipeline(),
        "--store".to_owned(),
        h.store.clone(),
    ];
    args.extend(user_args().into_iter().map(str::to_owned));
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    let line: Vec<String> = args.iter().map(|arg| quote(arg)).collect();
    let mut command = Command::new("script");
    command
        .args(["-qefc", &line.join(" "), "/dev/null"])
        .env("NO_COLOR", "1")
        .env("ZOHO_ACCOUNTS_URL", h.sim.accounts_url())
        .env("ZOHO_API_URL", h.sim.api_url())
        .env("ZOHO_DESK_URL", h.sim.desk_url())
        .env_remove("GITHUB_STEP_SUMMARY");
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .ok()?;
    let shown = String::from_utf8_lossy(&output.stdout).into_owned();
    if !shown.contains("desk-profile") {
        common::skipped(&format!("`script` gave no terminal here: {shown}"));
        return None;
    }
    Some(shown)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_shows_blocks_as_they_finish_and_the_progress_unless_quiet() {
    let h = Harness::start().await;
    slow_first(&h);
    let Some(shown) = on_a_terminal(&h, &[]).await else {
        return;
    };
    let blocks = block_positions(&shown);
    assert!(
        blocks[1..].iter().all(|&other| other < blocks[0]),
        "the slowed first connection's block comes last on a terminal:\n{shown}"
    );
    assert!(
        shown.contains("0/4, 0 failed, 0.0 conn/s, ETA ?"),
        "the progress line appears:\n{shown}"
    );
    assert!(shown.contains("4/4, "), "and counts to the end:\n{shown}");
    let summary = shown
        .find("desk-profile: 4 connections")
        .expect("summary line");
    assert!(
        shown[..summary].ends_with("\x1b[2K"),
        "the progress line is erased before the summary:\n{shown:?}"
    );

    let quiet = on_a_terminal(&h, &["-q"]).await.expect("terminal again");
    assert!(!quiet.contains("conn/s"), "-q hides the progress:\n{quiet}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_writable_tmpdir_the_finished_connections_wait_in_memory_and_the_reports_are_the_same()
 {
    let h = Harness::start().await;
    let on_disk = piped(&h, &[]).await;
    let json = h.path("in-memory.json");
    let mut command = h.command();
    command
        .env("TMPDIR", h.path("no-such-directory"))
        .args(["run", "-p", &desk_pipeline(), "--store", &h.store])
        .args(user_args())
        .arg("--json")
        .arg(&json);
    let output = common::output(command).await;
    assert_eq!(
        output.status.code(),
        Some(on_disk.code),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let in_memory: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report"))
            .expect("JSON");
    assert_eq!(normalised(&in_memory), normalised(&on_disk.json));
}
