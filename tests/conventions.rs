//! The command-line conventions, through the binary: `-q` shows only what did not pass (the
//! reports keep everything), `--fail-on warn` makes a warning exit 1 (an error always does, a
//! skip never by itself), and piped output wraps at COLUMNS or not at all (`--color always`
//! over NO_COLOR: tests/reports.rs).

#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use common::{Harness, desk_pipeline};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_shows_what_did_not_pass_and_the_reports_keep_everything() {
    let h = Harness::start().await;
    let users = ["--user", "healthy", "--user", "refresh-revoked"];
    let loud = h.run(&desk_pipeline(), &users).await;
    assert!(loud.stdout.contains("user healthy"), "{}", loud.stdout);
    let quiet = h
        .run(&desk_pipeline(), &[&users[..], &["-q"]].concat())
        .await;
    assert_eq!(quiet.code, 1);
    assert!(!quiet.stdout.contains("user healthy"), "{}", quiet.stdout);
    assert!(
        quiet.stdout.contains("user refresh-revoked"),
        "{}",
        quiet.stdout
    );
    assert!(quiet.stdout.contains("fix: re-authorise the connection"));
    assert!(
        !quiet.stdout.contains("PASS   ┆"),
        "no passed check: {}",
        quiet.stdout
    );
    let summary = quiet.stdout.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("desk-profile: 2 connections, "),
        "the summary line counts everything: {summary}"
    );
    // The reports are whole.
    assert_eq!(quiet.json["connections"].as_array().map(Vec::len), Some(2));
    assert!(
        quiet
            .junit
            .contains(r#"<testsuite name="desk-profile / healthy""#)
    );
    // `-q` with nothing wrong prints the summary line alone.
    let calm = h
        .run(&desk_pipeline(), &["--user", "healthy", "--quiet"])
        .await;
    assert_eq!(calm.code, 0);
    assert_eq!(calm.stdout.lines().count(), 1, "{}", calm.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_leaves_the_verbose_trace_alone() {
    let h = Harness::start().await;
    let run = h
        .run(&desk_pipeline(), &["--user", "healthy", "-q", "-v"])
        .await;
    assert!(run.stderr.contains("→ GET"), "the -v trace: {}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_on_warn_fails_a_warning_and_fail_on_fail_does_not() {
    let h = Harness::start().await;
    // `token-expired` ends WARN (refreshed because the stored token expired) and nothing worse.
    let warned = h.desk("token-expired").await;
    assert_eq!(warned.json["summary"]["warned"], 1, "{}", warned.stdout);
    assert_eq!(warned.json["summary"]["failed"], 0);
    assert_eq!(warned.code, 0, "a warning passes by default");
    let given = h
        .run(
            &desk_pipeline(),
            &["--user", "token-expired", "--fail-on", "fail"],
        )
        .await;
    assert_eq!(given.code, 0);
    let refused = h
        .run(
            &desk_pipeline(),
            &["--user", "token-expired", "--fail-on", "warn"],
        )
        .await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--fail-on warn"),
        "says why: {}",
        refused.stderr
    );
    let healthy = h
        .run(
            &desk_pipeline(),
            &["--user", "healthy", "--fail-on", "warn"],
        )
        .await;
    assert_eq!(healthy.code, 0, "{}", healthy.stderr);
    // A failure (with skips after it) fails under either level.
    for level in ["warn", "fail"] {
        let failed = h
            .run(
                &desk_pipeline(),
                &["--user", "refresh-revoked", "--fail-on", level],
            )
            .await;
        assert_eq!(failed.code, 1, "--fail-on {level}");
    }
    let bad = h
        .run(
            &desk_pipeline(),
            &["--user", "healthy", "--fail-on", "skip"],
        )
        .await;
    assert_eq!(bad.code, 2, "an unknown level is a usage error");
}

/// The table of `refresh-revoked` (a long fix and evidence), piped, with COLUMNS set or not.
async fn piped_table(h: &Harness, columns: Option<&str>) -> String {
    let mut cmd = h.command();
    if let Some(columns) = columns {
        cmd.env("COLUMNS", columns);
    }
    cmd.args([
        "run",
        "-p",
        &desk_pipeline(),
        "--store",
        &h.store,
        "--user",
        "refresh-revoked",
    ]);
    String::from_utf8_lossy(&common::output(cmd).await.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn piped_output_wraps_at_columns_and_not_at_all_without_it() {
    let h = Harness::start().await;
    let unwrapped = piped_table(&h, None).await;
    let fix = unwrapped
        .lines()
        .find(|line| line.starts_with("    fix: re-authorise"))
        .expect("the refresh's fix");
    assert!(
        fix.chars().count() > 200 && fix.ends_with("accounts server)"),
        "one whole line: {fix}"
    );
    let wrapped = piped_table(&h, Some("72")).await;
    let long: Vec<&str> = wrapped
        .lines()
        .filter(|line| line.starts_with(['│', '┌', '└', ' ']))
        .filter(|line| line.chars().count() > 72)
        .collect();
    assert!(long.is_empty(), "over COLUMNS=72: {long:#?}");
    assert!(
        wrapped.contains("    fix: re-authorise the connection"),
        "{wrapped}"
    );
    let words = |text: &str| -> Vec<String> {
        text.split_whitespace()
            .filter(|word| !word.contains(['│', '┆']))
            .map(str::to_owned)
            .collect()
    };
    let fix_words = words(fix);
    let joined = words(&wrapped).join(" ");
    assert!(
        joined.contains(&fix_words.join(" ")),
        "the wrapped fix keeps every word"
    );
}
