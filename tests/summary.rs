//! The Markdown summary through the binary: `--summary FILE` writes it (replacing the file
//! whole), GITHUB_STEP_SUMMARY gets it appended without asking, `--summary none` writes
//! neither, `--summary -` prints it on stdout with the table on stderr, and the demo writes one
//! for all its runs.

#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use std::path::Path;

use common::{Harness, desk_pipeline};

/// `run` over a healthy and a revoked connection with these extra arguments, and GitHub's step
/// summary at `step_summary` when given.
async fn run(h: &Harness, extra: &[&str], step_summary: Option<&Path>) -> std::process::Output {
    let mut cmd = h.command();
    if let Some(path) = step_summary {
        cmd.env("GITHUB_STEP_SUMMARY", path);
    }
    cmd.args(["run", "-p", &desk_pipeline(), "--store", &h.store])
        .args(["--user", "healthy", "--user", "refresh-revoked"])
        .args(extra);
    common::output(cmd).await
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summary_file_holds_counts_the_failing_connections_and_each_fix() {
    let h = Harness::start().await;
    let path = h.path("summary.md");
    std::fs::write(&path, "an old summary\n").unwrap();
    let output = run(&h, &["--summary", path.to_str().unwrap()], None).await;
    assert_eq!(output.status.code(), Some(1));
    let md = read(&path);
    assert!(
        md.starts_with("## zoho-doctor\n\n### desk-profile ("),
        "replaced whole: {md}"
    );
    assert!(
        md.contains("2 connections, 14 checks: "),
        "the counts: {md}"
    );
    assert!(md.contains("| Connection | DC | Status | connection | refresh |"));
    assert!(
        md.contains("| refresh-revoked | us | ❌ FAIL | ✅ PASS | ❌ FAIL |"),
        "{md}"
    );
    assert!(!md.contains("| healthy |"), "{md}");
    assert!(
        md.contains("- ❌ FAIL · refresh-revoked · **refresh** (invalid\\_code): refresh rejected"),
        "{md}"
    );
    assert!(md.contains("  - Fix: re-authorise the connection"), "{md}");
    // The table still goes to stdout.
    assert!(String::from_utf8_lossy(&output.stdout).contains("user refresh-revoked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_step_summary_is_appended_to_unless_summary_none() {
    let h = Harness::start().await;
    let step = h.path("step_summary");
    std::fs::write(&step, "# an earlier step's summary\n").unwrap();
    run(&h, &[], Some(&step)).await;
    let once = read(&step);
    assert!(
        once.starts_with("# an earlier step's summary\n## zoho-doctor\n"),
        "{once}"
    );
    assert!(
        once.contains("| refresh-revoked | us | ❌ FAIL |"),
        "{once}"
    );

    // With --summary FILE, both.
    let file = h.path("own.md");
    run(&h, &["--summary", file.to_str().unwrap()], Some(&step)).await;
    let twice = read(&step);
    assert_eq!(
        twice.matches("## zoho-doctor\n").count(),
        2,
        "appended again"
    );
    assert_eq!(read(&file), twice[once.len()..], "the same summary in both");

    run(&h, &["--summary", "none"], Some(&step)).await;
    assert_eq!(read(&step), twice, "--summary none leaves it alone");
    assert!(!Path::new("none").exists(), "`none` is no file name");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_summary_that_cannot_be_written_stops_before_the_run() {
    let h = Harness::start().await;
    let output = run(&h, &[], Some(h.dir.path())).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("GITHUB_STEP_SUMMARY") && stderr.contains("--summary none"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("→ POST"),
        "nothing was requested: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summary_on_stdout_puts_the_table_on_stderr() {
    let h = Harness::start().await;
    let output = run(&h, &["--summary", "-"], None).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.starts_with("## zoho-doctor\n"), "{stdout}");
    assert!(stderr.contains("user refresh-revoked"), "{stderr}");
    let both = run(&h, &["--summary", "-", "--json", "-"], None).await;
    assert_eq!(both.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&both.stderr)
            .contains("--json - and --summary - both ask for stdout")
    );
}

#[test]
fn demo_summarises_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("demo.md");
    let mut cmd = common::command();
    cmd.arg("demo")
        .arg("--junit")
        .arg(dir.path().join("demo.xml"))
        .arg("--summary")
        .arg(&summary)
        .args(["--scenario", "refresh-revoked", "--scenario", "crm-healthy"]);
    let output = cmd.output().expect("binary runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let md = read(&summary);
    assert!(md.contains("### desk-profile ("), "{md}");
    assert!(md.contains("### crm-"), "{md}");
    assert!(md.contains("| refresh-revoked | us | ❌ FAIL |"), "{md}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Markdown summary: "),
        "says where it went"
    );
}
