//! Output snapshots: the table (no colour, 100 columns, plain and `-v`), the JSON and the JUnit of
//! every demo scenario through the shipped pipelines, in-process against the simulator. Times,
//! durations, ports and temporary paths are normalised, connections keep the seeds' order — so a
//! change of what users see cannot pass unnoticed. After an intended change:
//! `INSTA_UPDATE=always cargo test --test snapshots`, then review the diff.

#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use common::Harness;
use zoho_doctor::{
    demo::runs_of,
    pipeline,
    report::{self, model::RunReport, table::TableOptions},
};

/// The demo's runs (Desk over the Desk scenarios, CRM over the CRM ones; scenarios whose run is
/// given per-data-centre secrets apart, as the demo runs them), normalised.
async fn demo_reports() -> Vec<RunReport> {
    let h = Harness::start().await;
    let mut reports = Vec::new();
    for (app, shipped) in [
        ("desk", pipeline::shipped::DESK),
        ("crm", pipeline::shipped::CRM),
    ] {
        for (clients, users) in runs_of(h.sim.seeds(), app) {
            let mut report = h.execute_with(shipped, users, false, clients).await;
            normalise(&mut report);
            reports.push(report);
        }
    }
    reports
}

/// What differs from run to run and machine to machine, made fixed.
fn normalise(report: &mut RunReport) {
    report.started_at = "2026-01-01T00:00:00+00:00".to_owned();
    report.duration_ms = 0;
    report.store = "sqlite://[temp]/demo.db".to_owned();
    // Evidence lines carry each exchange's time: "→ 200 (3 ms)".
    let elapsed = regex::Regex::new(r"\(\d+ m?s\)").expect("regex");
    for connection in &mut report.connections {
        for check in &mut connection.checks {
            check.duration_ms = 0;
            for line in &mut check.evidence {
                *line = elapsed.replace_all(line, "(0 ms)").into_owned();
            }
        }
    }
}

/// Simulator ports change every run (ephemeral ports have five digits, so widths do not), and
/// token expiries are seeded relative to now; the placeholders keep each text's width.
fn without_ports(text: &str) -> String {
    let port = regex::Regex::new(r"127\.0\.0\.1:\d{5}").expect("regex");
    let time = regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00").expect("regex");
    let text = port.replace_all(text, "127.0.0.1:PORT");
    time.replace_all(&text, "YYYY-MM-DDTHH:MM:SS+00:00")
        .into_owned()
}

fn table(reports: &[RunReport], verbose: bool) -> String {
    let options = TableOptions {
        colour: false,
        verbose,
        quiet: false,
        width: Some(100),
    };
    let text: String = reports
        .iter()
        .map(|report| report::table::render(report, &options))
        .collect();
    without_ports(&text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_outputs_are_unchanged() {
    let reports = demo_reports().await;
    insta::assert_snapshot!("table", table(&reports, false));
    insta::assert_snapshot!("table_verbose", table(&reports, true));
    let json: Vec<String> = reports.iter().map(report::json::render).collect();
    insta::assert_snapshot!("json", without_ports(&json.join("\n")));
    let all: Vec<&RunReport> = reports.iter().collect();
    let junit = report::junit::render_all(&all).expect("JUnit renders");
    insta::assert_snapshot!("junit", without_ports(&junit));
}

/// A command's stdout, without colour, 140 columns wide.
fn stdout_of(args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_zoho-doctor"))
        .args(args)
        .env("NO_COLOR", "1")
        // Piped output wraps at COLUMNS (and not at all without it): fixed, as a CI log's.
        .env("COLUMNS", "140")
        .output()
        .expect("binary runs");
    assert!(output.status.success(), "{args:?} failed");
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn list_and_explain_are_unchanged() {
    insta::assert_snapshot!("list", stdout_of(&["list"]));
    insta::assert_snapshot!("explain", stdout_of(&["explain"]));
    insta::assert_snapshot!("explain_code", stdout_of(&["explain", "invalid_code"]));
}

#[test]
fn list_wraps_its_notes_to_the_width_like_its_table() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_zoho-doctor"))
        .arg("list")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "72")
        .output()
        .expect("binary runs");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let long: Vec<&str> = text
        .lines()
        .filter(|line| line.chars().count() > 72)
        .collect();
    assert!(
        long.is_empty(),
        "lines over 72 columns:\n{}",
        long.join("\n")
    );
    // Nothing lost: the facts block still names every fact, and a wrapped line hangs indented.
    for (name, _) in zoho_doctor::checks::BUILTIN_FACTS {
        assert!(text.contains(&format!("  {{{name}}}: ")), "{name} missing");
    }
    assert!(text.contains("\n    "), "continuation lines are indented");
}
