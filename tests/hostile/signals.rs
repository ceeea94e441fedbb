//! Ctrl-C and SIGTERM during `run --all`: the connections in flight finish, no new one starts,
//! the reports are written marked interrupted, and the exit code is 130 (143 for SIGTERM); a
//! second signal stops at once.

use std::{
    process::{Child, Stdio},
    time::{Duration, Instant},
};

use zoho_doctor::sim::Fault;

use crate::common::{Harness, desk_pipeline};

/// `run --all` over every seeded connection, each Desk answer slowed, started in the background
/// once the simulator has seen its first Desk request (so the signal handlers are in place).
async fn slow_run(h: &Harness) -> (Child, std::path::PathBuf, std::path::PathBuf) {
    for seed in h.sim.seeds() {
        h.sim
            .set_fault(&seed.user_id, Fault::Slow(Duration::from_millis(1500)));
    }
    let (json, junit) = (h.path("run.json"), h.path("run.xml"));
    let child = h
        .command()
        .args(["run", "-p", &desk_pipeline(), "--store", &h.store, "--all"])
        // Few at a time, so that some connections are still waiting when the signal comes.
        .args(["--concurrency", "4"])
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let waiting = Instant::now();
    while h.sim.requests("/desk") == 0 {
        assert!(
            waiting.elapsed() < Duration::from_secs(20),
            "no Desk request came"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (child, json, junit)
}

fn signal(child: &Child, name: &str) {
    let sent = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{name}");
}

async fn finish(child: Child) -> (i32, String) {
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("binary ends");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_lets_the_connections_in_flight_finish_and_writes_the_reports_marked_interrupted() {
    let h = Harness::start().await;
    let (child, json, junit) = slow_run(&h).await;
    signal(&child, "INT");
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 130, "{stderr}");
    assert!(
        stderr.contains("interrupted: no new connection was started"),
        "{stderr}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("JSON report written"))
            .expect("JSON");
    assert_eq!(report["interrupted"], true);
    let checked = report["connections"].as_array().expect("connections").len();
    assert!(
        (1..h.sim.seeds().len()).contains(&checked),
        "the connections in flight finish and no other starts: {checked} of {}",
        h.sim.seeds().len()
    );
    let xml = std::fs::read_to_string(&junit).expect("JUnit report written");
    assert_eq!(
        xml.matches(r#"<property name="interrupted" value="true"/>"#)
            .count(),
        checked,
        "every testsuite carries the property: {xml}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_the_same_way_with_143() {
    let h = Harness::start().await;
    let (child, json, _) = slow_run(&h).await;
    signal(&child, "TERM");
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 143, "{stderr}");
    let report = std::fs::read_to_string(&json).expect("JSON report written");
    assert!(report.contains(r#""interrupted": true"#), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_stops_at_once() {
    let h = Harness::start().await;
    let (child, _, _) = slow_run(&h).await;
    signal(&child, "INT");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = Instant::now();
    signal(&child, "INT");
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 130, "{stderr}");
    // The connections in flight needed seconds more (each Desk answer takes 1.5 s).
    assert!(
        second.elapsed() < Duration::from_millis(1000),
        "took {:?} after the second signal",
        second.elapsed()
    );
}
