//! A reader that has gone (`zoho-doctor explain | head -1`): stdout stops quietly, no crash,
//! and the exit code is the one the command would have had (its report files still written).

use std::process::{Command, Stdio};

use crate::common::{Harness, command, desk_pipeline, repo_file};

/// A stdout whose reader is already closed: the first write fails with a broken pipe.
fn closed() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Stdio::from(writer)
}

/// Runs with a closed stdout; returns the exit code and stderr.
fn without_reader(mut cmd: Command) -> (i32, String) {
    let output = cmd
        .stdout(closed())
        .stderr(Stdio::piped())
        .output()
        .expect("binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn list_explain_and_validate_stop_quietly_with_their_own_exit_code() {
    let valid = repo_file("tests/fixtures/valid/minimal.yaml");
    let cases: [(&[&str], i32); 4] = [
        (&["list"], 0),
        (&["explain"], 0),
        (&["explain", "invalid_code"], 0),
        (&["validate", &valid], 0),
    ];
    for (args, expected) in cases {
        let mut cmd = command();
        cmd.args(args);
        let (code, stderr) = without_reader(cmd);
        assert_eq!(code, expected, "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?} says nothing: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_stops_printing_but_writes_its_reports_and_keeps_its_exit_code() {
    let h = Harness::start().await;
    for format in ["table", "json"] {
        let junit = h.path(&format!("{format}.xml"));
        let mut cmd = h.command();
        cmd.args(["run", "-p", &desk_pipeline(), "--store", &h.store])
            .args(["--user", "refresh-revoked", "--format", format, "--junit"])
            .arg(&junit);
        let (code, stderr) = tokio::task::spawn_blocking(move || without_reader(cmd))
            .await
            .unwrap();
        assert_eq!(code, 1, "{format}: the check failed: {stderr}");
        assert!(!stderr.contains("crashed"), "{format}: {stderr}");
        let xml = std::fs::read_to_string(&junit).expect("the JUnit report is written");
        assert!(xml.contains("invalid_code"), "{xml}");
    }
    let mut cmd = h.command();
    cmd.args(["run", "-p", &desk_pipeline(), "--store", &h.store])
        .args(["--user", "healthy", "--junit", "-"]);
    let (code, stderr) = tokio::task::spawn_blocking(move || without_reader(cmd))
        .await
        .unwrap();
    assert_eq!(code, 0, "a report for stdout, which has gone: {stderr}");
    assert!(!stderr.contains("crashed"), "{stderr}");
}

#[test]
fn demo_stops_printing_and_keeps_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("demo.xml");
    let mut cmd = command();
    cmd.arg("demo").arg("--junit").arg(&junit).args([
        "--scenario",
        "healthy",
        "--scenario",
        "refresh-revoked",
    ]);
    let (code, stderr) = without_reader(cmd);
    assert_eq!(
        code, 0,
        "both scenarios are diagnosed as expected: {stderr}"
    );
    assert!(!stderr.contains("crashed"), "{stderr}");
    assert!(junit.exists(), "the JUnit report is written");
}
