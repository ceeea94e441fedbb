//! Tests of `merge`: shard reports combine into one run, and every way they cannot is an error
//! that names the files and the shards.

use super::*;
use crate::report::model::{CheckReport, Status, Summary};

fn connection(user: &str, status: Status) -> ConnectionReport {
    ConnectionReport {
        user: user.to_owned(),
        dc: Some("com".to_owned()),
        status,
        checks: vec![CheckReport {
            id: "refresh".to_owned(),
            kind: "token-refresh".to_owned(),
            status,
            message: "m".to_owned(),
            hint: None,
            code: None,
            evidence: Vec::new(),
            details: Vec::new(),
            duration_ms: 1,
        }],
        profile: Vec::new(),
        changes: Vec::new(),
        write_failed: false,
    }
}

fn shard(index: u64, count: u64, users: &[&str]) -> (PathBuf, RunReport) {
    let connections: Vec<ConnectionReport> = users
        .iter()
        .map(|user| connection(user, Status::Pass))
        .collect();
    let report = RunReport {
        tool: "zoho-doctor test".to_owned(),
        pipeline: "desk-profile".to_owned(),
        pipeline_file: "builtin:desk".to_owned(),
        app: "desk".to_owned(),
        store: "sqlite://x.db".to_owned(),
        started_at: format!("2026-01-01T00:00:0{index}+00:00"),
        duration_ms: 100 + index,
        shard: Some(Shard { index, count }),
        summary: RunReport::summarise(&connections),
        connections,
        interrupted: false,
    };
    (PathBuf::from(format!("shard-{index}.json")), report)
}

fn error(reports: Vec<(PathBuf, RunReport)>) -> String {
    merge(reports).expect_err("not mergeable").to_string()
}

#[test]
fn shards_merge_into_one_run_in_key_order() {
    let mut failed = shard(2, 3, &["u10", "b"]);
    failed.1.connections[1] = connection("b", Status::Fail);
    failed.1.started_at = "2025-12-31T23:59:00+00:00".to_owned();
    let merged = merge(vec![
        failed,
        shard(0, 3, &["u1", "u1#2", "u1#10", "u1#3"]),
        shard(1, 3, &["a"]),
    ])
    .expect("merges");
    let users: Vec<&str> = merged.connections.iter().map(|c| c.user.as_str()).collect();
    assert_eq!(users, ["a", "b", "u1", "u1#2", "u1#3", "u1#10", "u10"]);
    assert_eq!(
        merged.summary,
        Summary {
            connections: 7,
            checks: 7,
            passed: 6,
            failed: 1,
            ..Summary::default()
        }
    );
    assert!(merged.has_failures());
    assert_eq!(merged.shard, None, "the merged report is the whole run");
    assert_eq!(merged.duration_ms, 102, "the longest shard's");
    assert_eq!(
        merged.started_at, "2025-12-31T23:59:00+00:00",
        "the earliest"
    );
    assert!(!merged.interrupted);
    assert_eq!(merged.pipeline_file, "builtin:desk");
}

#[test]
fn an_interrupted_shard_marks_the_merged_report() {
    let mut stopped = shard(1, 2, &["b"]);
    stopped.1.interrupted = true;
    let merged = merge(vec![shard(0, 2, &["a"]), stopped]).expect("merges");
    assert!(merged.interrupted);
}

#[test]
fn one_shard_of_one_is_the_whole_run() {
    let merged = merge(vec![shard(0, 1, &["a"])]).expect("merges");
    assert_eq!(merged.connections.len(), 1);
}

#[test]
fn a_missing_shard_is_named() {
    let message = error(vec![shard(0, 3, &["a"]), shard(2, 3, &["b"])]);
    assert!(message.starts_with("shard 1/3 is missing"), "{message}");
    let message = error(vec![shard(2, 4, &["a"])]);
    assert!(
        message.starts_with("shards 0/4, 1/4, 3/4 are missing"),
        "{message}"
    );
    let message = error(vec![shard(0, 1_000_000_000_000, &["a"])]);
    assert!(
        message.starts_with("shards 1/1000000000000, 2/1000000000000, 3/1000000000000, 4/1000000000000, 5/1000000000000, … are missing"),
        "{message}"
    );
}

#[test]
fn a_duplicated_shard_is_named_with_both_files() {
    let (_, again) = shard(1, 2, &["b"]);
    let message = error(vec![
        shard(0, 2, &["a"]),
        shard(1, 2, &["b"]),
        ("copy.json".into(), again),
    ]);
    assert_eq!(
        message,
        "shard 1/2 is given twice: `shard-1.json` and `copy.json`"
    );
}

#[test]
fn shards_of_different_runs_do_not_merge() {
    let message = error(vec![shard(0, 2, &["a"]), shard(1, 3, &["b"])]);
    assert_eq!(
        message,
        "`shard-0.json` is shard 0/2 but `shard-1.json` is shard 1/3: the shards of one run all have the same N"
    );
    let mut crm = shard(1, 2, &["b"]);
    crm.1.pipeline = "crm-org".to_owned();
    let message = error(vec![shard(0, 2, &["a"]), crm]);
    assert!(
        message.contains("`shard-0.json` ran pipeline `desk-profile` (builtin:desk) but `shard-1.json` ran `crm-org` (builtin:desk)"),
        "{message}"
    );
    let mut file = shard(1, 2, &["b"]);
    file.1.pipeline_file = "./desk.yaml".to_owned();
    let message = error(vec![shard(0, 2, &["a"]), file]);
    assert!(message.contains("share a pipeline"), "{message}");
}

#[test]
fn an_unsharded_report_does_not_merge() {
    let mut whole = shard(1, 2, &["b"]);
    whole.1.shard = None;
    let message = error(vec![shard(0, 2, &["a"]), whole]);
    assert!(
        message.starts_with("`shard-1.json` is not a shard's report"),
        "{message}"
    );
    let mut impossible = shard(0, 2, &["a"]);
    impossible.1.shard = Some(Shard { index: 2, count: 2 });
    assert!(error(vec![impossible]).contains("names shard 2/2, which cannot be"));
}

#[test]
fn a_connection_in_two_shards_means_different_selections() {
    let message = error(vec![shard(0, 2, &["a", "c"]), shard(1, 2, &["c"])]);
    assert_eq!(
        message,
        "connection `c` is in both `shard-0.json` and `shard-1.json`: the shards ran over different selections (every shard needs the same --user list or --all)"
    );
}

#[test]
fn a_file_that_is_not_a_report_is_named_with_where_it_went_wrong() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notes.json");
    std::fs::write(&path, "{\"tool\": \"x\",\n \"pipeline\": 3}").expect("write");
    let message = read(&path).expect_err("not a report").to_string();
    assert!(
        message.starts_with(&format!(
            "`{}` is not a zoho-doctor JSON report",
            path.display()
        )),
        "{message}"
    );
    assert!(message.contains("line 2 column"), "{message}");
    let message = read(&dir.path().join("absent.json"))
        .expect_err("absent")
        .to_string();
    assert!(
        message.starts_with("cannot read the shard report"),
        "{message}"
    );
}
