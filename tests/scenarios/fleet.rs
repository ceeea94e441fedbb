//! Which connections a run checks: `--all` (each its own JUnit suite) and a user named twice.

use crate::common::{self, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_checks_every_connection_and_junit_keeps_them_apart() {
    let h = Harness::start().await;
    let run = h.run(&common::desk_pipeline(), &["--all"]).await;
    assert_eq!(run.code, 1);
    let connections = run.json["connections"].as_array().unwrap();
    assert_eq!(connections.len(), h.sim.seeds().len());
    assert_eq!(
        run.junit.matches("<testsuite ").count(),
        h.sim.seeds().len()
    );
    // GitLab drops duplicate classname+name pairs: every pair must be unique.
    let pairs: std::collections::HashSet<String> = run
        .junit
        .lines()
        .filter(|line| line.contains("<testcase "))
        .map(|line| line.trim().to_owned())
        .collect();
    assert_eq!(
        pairs.len(),
        run.json["summary"]["checks"].as_u64().unwrap() as usize
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_named_twice_is_checked_once() {
    let h = Harness::start().await;
    let run = h
        .run(
            &common::desk_pipeline(),
            &["--user", "token-expired", "--user", "token-expired"],
        )
        .await;
    assert_eq!(run.json["connections"].as_array().unwrap().len(), 1);
    let refresh_token = h
        .sim
        .seed("token-expired")
        .unwrap()
        .refresh_token
        .clone()
        .unwrap();
    assert_eq!(h.sim.mints(&refresh_token), 1, "one mint, not two");
}
