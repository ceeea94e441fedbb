//! The reports themselves: the demo's JUnit validates against junit-10.xsd and reads back in a
//! JUnit reader; no secret appears in any output; colour follows the TTY, flag and NO_COLOR rules.

#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use common::{Harness, desk_pipeline};

/// The Jenkins xUnit plugin's JUnit schema, vendored (MIT) so a fresh clone can run this test.
fn xsd() -> String {
    format!(
        "{}/tests/fixtures/schema/junit-10.xsd",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junit_validates_against_the_jenkins_schema() {
    let h = Harness::start().await;
    let run = h.run(&desk_pipeline(), &["--all"]).await;
    let path = h.path("all.xml");
    std::fs::write(&path, &run.junit).unwrap();
    let xmllint = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", &xsd()])
        .arg(&path)
        .output();
    match xmllint {
        Err(_) => common::skipped(
            "JUnit schema check: xmllint is not installed (apt-get install libxml2-utils); .ci/run installs it",
        ),
        Ok(output) => assert!(
            output.status.success(),
            "xmllint rejected the report: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junit_reads_back_in_a_junit_reader_with_the_right_counts() {
    let h = Harness::start().await;
    let run = h.run(&desk_pipeline(), &["--all"]).await;
    let report =
        quick_junit::Report::deserialize_from_str(&run.junit).expect("a JUnit reader parses it");
    let summary = &run.json["summary"];
    assert_eq!(report.test_suites.len(), h.sim.seeds().len());
    assert_eq!(report.tests, summary["checks"].as_u64().unwrap() as usize);
    assert_eq!(
        report.failures,
        summary["failed"].as_u64().unwrap() as usize
    );
    assert_eq!(report.errors, summary["errored"].as_u64().unwrap() as usize);
    let revoked = report
        .test_suites
        .iter()
        .find(|suite| suite.name.as_str() == "desk-profile / refresh-revoked")
        .expect("a suite per connection");
    let refresh = revoked
        .test_cases
        .iter()
        .find(|case| case.name.as_str() == "refresh")
        .unwrap();
    assert_eq!(
        refresh.classname.as_ref().unwrap().as_str(),
        "desk-profile.refresh-revoked"
    );
    match &refresh.status {
        quick_junit::TestCaseStatus::NonSuccess {
            kind,
            ty,
            message,
            description,
            ..
        } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Failure);
            assert_eq!(ty.as_ref().unwrap().as_str(), "invalid_code");
            // Annotation tools take the message as the title: pipeline · user · check.
            let message = message.as_ref().unwrap().as_str();
            assert!(
                message.starts_with("desk-profile · refresh-revoked · refresh: refresh rejected: "),
                "{message}"
            );
            // GitLab shows only the body: the diagnosis first, then the fix, then the evidence.
            let body = description.as_ref().unwrap().as_str();
            let lines: Vec<&str> = body.lines().collect();
            assert!(lines[0].starts_with("refresh rejected: "), "{body}");
            assert_eq!(
                lines[1..3],
                ["code: invalid_code", "HTTP status: 200"],
                "{body}"
            );
            assert!(lines[3].starts_with("fix: re-authorise"), "{body}");
            assert!(lines[4].starts_with("evidence: POST "), "{body}");
        }
        other => panic!("refresh should be a failure: {other:?}"),
    }
    let scopes = revoked
        .test_cases
        .iter()
        .find(|case| case.name.as_str() == "scopes")
        .unwrap();
    match &scopes.status {
        quick_junit::TestCaseStatus::Skipped {
            message,
            description,
            ..
        } => {
            assert_eq!(
                message.as_ref().unwrap().as_str(),
                "needs refresh, which failed"
            );
            assert_eq!(
                description.as_ref().unwrap().as_str(),
                "needs refresh, which failed"
            );
        }
        other => panic!("scopes should be skipped: {other:?}"),
    }
    // A WARN passes, and is visible on its suite.
    let expired = report
        .test_suites
        .iter()
        .find(|suite| suite.name.as_str() == "desk-profile / token-expired")
        .unwrap();
    assert_eq!(expired.failures + expired.errors, 0);
    assert!(
        expired
            .properties
            .iter()
            .any(|p| p.name.as_str() == "warn.refresh"
                && p.value.as_str().starts_with("refreshed because")),
        "{:?}",
        expired.properties
    );
    let out = expired.system_out.as_ref().unwrap().as_str();
    assert!(out.starts_with("WARN refresh: refreshed because"), "{out}");
    let properties: Vec<(String, String)> = revoked
        .properties
        .iter()
        .map(|p| (p.name.as_str().to_owned(), p.value.as_str().to_owned()))
        .collect();
    assert!(properties.contains(&("app".into(), "desk".into())));
    assert!(properties.contains(&("dc".into(), "us".into())));
    assert!(properties.contains(&("user".into(), "refresh-revoked".into())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_appears_in_the_table_json_junit_summary_or_verbose_trace() {
    let h = Harness::start().await;
    let summary = h.path("summary.md");
    let run = h
        .run(
            &desk_pipeline(),
            &[
                "--all",
                "--force-refresh",
                "-v",
                "--summary",
                summary.to_str().unwrap(),
            ],
        )
        .await;
    let markdown = std::fs::read_to_string(&summary).expect("the summary is written");
    assert!(markdown.contains("❌ FAIL"), "{markdown}");
    let outputs = [
        ("table", &run.stdout),
        ("trace", &run.stderr),
        ("junit", &run.junit),
        ("json", &run.json.to_string()),
        ("summary", &markdown),
    ];
    assert!(
        run.stderr.contains("→ POST"),
        "the -v trace ran: {}",
        run.stderr
    );
    let mut secrets: Vec<String> = Vec::new();
    for seed in h.sim.seeds() {
        secrets.extend(seed.access_token.clone());
        secrets.extend(seed.refresh_token.clone());
        secrets.extend(seed.client_secret.clone());
    }
    assert!(secrets.len() > 30);
    let token_shape = regex::Regex::new(r"1000\.[0-9a-f]{32}\.[0-9a-f]{32}").unwrap();
    for (name, text) in outputs {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a secret leaked into the {name} output"
            );
        }
        assert!(
            !token_shape.is_match(text),
            "a token-shaped string (a minted token?) is in the {name} output"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colour_only_when_asked_and_an_explicit_flag_wins_over_no_color() {
    let h = Harness::start().await;
    let plain = h
        .run(&desk_pipeline(), &["--user", "refresh-revoked"])
        .await;
    assert!(!plain.stdout.contains('\u{1b}'), "no colour off a TTY");
    assert!(
        coloured_output(&h, None).await.contains('\u{1b}'),
        "--color always colours"
    );
    // no-color.org: NO_COLOR sets the default, a flag the user typed overrides it (`auto`
    // honouring NO_COLOR on a terminal is `job`'s unit test: a test has no terminal).
    assert!(
        coloured_output(&h, Some("1")).await.contains('\u{1b}'),
        "--color always wins over NO_COLOR"
    );
}

/// The table of `--color always`, with NO_COLOR set to `no_color` or unset.
async fn coloured_output(h: &Harness, no_color: Option<&str>) -> String {
    let mut cmd = h.command();
    match no_color {
        Some(value) => cmd.env("NO_COLOR", value),
        None => cmd.env_remove("NO_COLOR"),
    };
    let pipeline = desk_pipeline();
    cmd.args([
        "run",
        "-p",
        &pipeline,
        "--store",
        &h.store,
        "--user",
        "refresh-revoked",
        "--color",
        "always",
    ]);
    String::from_utf8_lossy(&common::output(cmd).await.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_format_prints_the_documented_report_on_stdout() {
    let h = Harness::start().await;
    let mut cmd = h.command();
    cmd.args([
        "run",
        "-p",
        &desk_pipeline(),
        "--store",
        &h.store,
        "--user",
        "healthy",
        "--format",
        "json",
    ]);
    let output = common::output(cmd).await;
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(report["pipeline"], "desk-profile");
    assert_eq!(report["summary"]["passed"], 7);
    let profile = &report["connections"][0]["profile"];
    assert_eq!(profile[0]["name"], "Name");
    assert_eq!(profile[0]["value"], "Ada Lovelace");
}
