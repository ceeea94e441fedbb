//! How a run that checked nothing ends: connections selected but every check skipped is exit 1
//! with a note (CI must not read it as a pass); no connection selected is exit 2.

use crate::common::Harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_skipped_is_exit_1_with_a_note() {
    let h = Harness::start().await;
    // A valid pipeline whose every check needs the connection row, for a user without one.
    let pipeline = h.path("skipped.yaml");
    std::fs::write(
        &pipeline,
        "name: skipped\napp: desk\nchecks:\n  - id: refresh\n    kind: token-refresh\n  - id: portal\n    kind: desk-portal\n    needs: [refresh]\n",
    )
    .unwrap();
    let run = h
        .run(pipeline.to_str().unwrap(), &["--user", "no-such-user"])
        .await;
    assert_eq!(
        run.statuses(),
        ["refresh=skip", "portal=skip"],
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1, "nothing was checked: {}", run.stderr);
    assert!(
        run.stderr
            .contains("nothing was checked: every check was skipped"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_where_something_passed_is_not_nothing_checked() {
    let h = Harness::start().await;
    let run = h.desk("healthy").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stderr.contains("nothing was checked"),
        "{}",
        run.stderr
    );
}
