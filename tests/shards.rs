//! Sharded runs end to end, by the binary against the simulator: `run --shard I/N` checks one
//! slice of the selection and records it in its reports, and `merge` combines the shards into
//! the run one machine would have made — or refuses, with exit 2, shards that are not one
//! complete run.

#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use std::path::{Path, PathBuf};

use common::{Harness, command, output, repo_file};
use serde_json::Value;
use zoho_doctor::{
    report::{json, model::RunReport},
    shard::Shard,
};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

async fn run(command: std::process::Command) -> Out {
    let out = output(command).await;
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn users(report: &Value) -> Vec<String> {
    report["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .map(|c| c["user"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// `user: check=status …` per connection: what a run found, without its times.
fn findings(report: &Value) -> Vec<String> {
    report["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .map(|c| {
            let checks: Vec<String> = c["checks"]
                .as_array()
                .expect("checks")
                .iter()
                .map(|check| format!("{}={}", check["id"], check["status"]))
                .collect();
            format!("{}: {}", c["user"], checks.join(" "))
        })
        .collect()
}

/// Runs shard `index` of `count` of `pipeline` over the seeded store with `extra`, its JSON and
/// JUnit reports written as `NAME.json` and `NAME.xml`.
async fn shard(
    h: &Harness,
    name: &str,
    pipeline: &str,
    spec: &str,
    extra: &[&str],
) -> (Out, PathBuf) {
    let json = h.path(&format!("{name}.json"));
    let mut cmd = h.command();
    cmd.args(["run", "-p", pipeline, "--store", &h.store])
        .args(extra)
        .args(["--shard", spec, "--json"])
        .arg(&json)
        .arg("--junit")
        .arg(h.path(&format!("{name}.xml")));
    (run(cmd).await, json)
}

/// `zoho-doctor merge FILES… --json merged.json --junit merged.xml` in `h`'s directory.
async fn merge(h: &Harness, files: &[&PathBuf]) -> Out {
    let mut cmd = command();
    cmd.arg("merge")
        .args(files)
        .arg("--json")
        .arg(h.path("merged.json"))
        .arg("--junit")
        .arg(h.path("merged.xml"))
        .arg("--summary")
        .arg(h.path("merged.md"))
        .env_remove("GITHUB_STEP_SUMMARY");
    run(cmd).await
}

fn xmllint_accepts(path: &Path) {
    let xsd = repo_file("tests/fixtures/schema/junit-10.xsd");
    match std::process::Command::new("xmllint")
        .args(["--noout", "--schema", &xsd])
        .arg(path)
        .output()
    {
        Err(_) => common::skipped(
            "merged JUnit schema check: xmllint is not installed (apt-get install libxml2-utils); .ci/run installs it",
        ),
        Ok(out) => assert!(
            out.status.success(),
            "xmllint rejected {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_shards_merge_into_the_run_one_machine_makes() {
    // Two simulators, each fresh: the unsharded run and the shards meet the same answers.
    let whole = Harness::start().await;
    let (one, whole_json) = {
        let json = whole.path("whole.json");
        let mut cmd = whole.command();
        cmd.args([
            "run",
            "-p",
            "desk",
            "--store",
            &whole.store,
            "--all",
            "--json",
        ])
        .arg(&json);
        (run(cmd).await, json)
    };
    assert_eq!(one.code, 1, "some scenarios fail: {}", one.stderr);
    let whole = read_json(&whole_json);
    assert!(
        whole.get("shard").is_none(),
        "an unsharded run has no shard"
    );

    let h = Harness::start().await;
    let mut files = Vec::new();
    let mut seen = Vec::new();
    for index in 0..3 {
        let (out, json) = shard(
            &h,
            &format!("s{index}"),
            "desk",
            &format!("{index}/3"),
            &["--all"],
        )
        .await;
        assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
        let report = read_json(&json);
        assert_eq!(
            report["shard"],
            serde_json::json!({"index": index, "count": 3})
        );
        assert_eq!(report["pipeline"], "desk-profile");
        assert_eq!(report["pipeline_file"], "builtin:desk");
        assert!(
            out.stdout
                .contains(&format!("desk-profile (shard {index}/3): ")),
            "the table's summary line names the shard: {}",
            out.stdout
        );
        let junit = std::fs::read_to_string(h.path(&format!("s{index}.xml"))).unwrap();
        assert_eq!(
            junit
                .matches(&format!(r#"<property name="shard" value="{index}/3"/>"#))
                .count(),
            users(&report).len().max(1),
            "every suite says its shard"
        );
        let slice = users(&report);
        assert!(!slice.is_empty(), "30 scenarios fill three shards");
        for user in &slice {
            assert!(
                Shard { index, count: 3 }.holds(user),
                "{user} in shard {index}"
            );
        }
        seen.extend(slice);
        files.push(json);
    }
    seen.sort();
    let mut all = users(&whole);
    all.sort();
    assert_eq!(seen, all, "every connection in exactly one shard");

    // Given in any order.
    let out = merge(&h, &[&files[2], &files[0], &files[1]]).await;
    assert_eq!(out.code, 1, "a merged connection failed: {}", out.stderr);
    // The table, as `run` prints it: every connection, then the whole run's summary.
    assert!(
        out.stdout
            .contains(&format!("desk-profile: {} connections, ", all.len())),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("desk-profile · user healthy · dc us"),
        "{}",
        out.stdout
    );
    let merged = read_json(&h.path("merged.json"));
    assert_eq!(users(&merged), users(&whole), "key order");
    assert_eq!(findings(&merged), findings(&whole));
    assert_eq!(merged["summary"], whole["summary"]);
    assert!(merged.get("shard").is_none());
    assert!(merged.get("interrupted").is_none());
    let durations: Vec<u64> = files
        .iter()
        .map(|f| read_json(f)["duration_ms"].as_u64().unwrap())
        .collect();
    assert_eq!(merged["duration_ms"], *durations.iter().max().unwrap());
    xmllint_accepts(&h.path("merged.xml"));
    let markdown = std::fs::read_to_string(h.path("merged.md")).unwrap();
    assert!(
        markdown.contains(&format!("{} connections, ", all.len())),
        "{markdown}"
    );
    let junit = std::fs::read_to_string(h.path("merged.xml")).unwrap();
    assert_eq!(junit.matches("<testsuite ").count(), all.len());

    // What `merge` and `run` write parses back to the report it came from.
    for path in [&h.path("merged.json"), &files[0]] {
        let text = std::fs::read_to_string(path).unwrap();
        let parsed: RunReport = serde_json::from_str(&text).expect("a report");
        assert_eq!(json::render(&parsed), text, "{}", path.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_that_are_not_one_complete_run_are_refused_with_exit_2() {
    let h = Harness::start().await;
    let mut files = Vec::new();
    for index in 0..3 {
        let (out, json) = shard(
            &h,
            &format!("s{index}"),
            "desk",
            &format!("{index}/3"),
            &["--all"],
        )
        .await;
        assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
        files.push(json);
    }
    let (_, two) = shard(&h, "half", "desk", "0/2", &["--all"]).await;
    let (_, crm) = shard(&h, "crm", "crm", "1/3", &["--all"]).await;
    let (_, whole) = {
        let json = h.path("whole.json");
        let mut cmd = h.command();
        cmd.args(["run", "-p", "desk", "--store", &h.store, "--all", "--json"])
            .arg(&json);
        (run(cmd).await, json)
    };
    let garbage = h.path("notes.json");
    std::fs::write(
        &garbage,
        "{\"tool\": \"zoho-doctor\",\n  \"pipeline\": [1]}",
    )
    .unwrap();
    let shown = |path: &PathBuf| path.display().to_string();
    let cases: Vec<(Vec<&PathBuf>, String)> = vec![
        (
            vec![&files[0], &files[2]],
            "shard 1/3 is missing".to_owned(),
        ),
        (
            vec![&files[0], &files[1], &files[1], &files[2]],
            format!(
                "shard 1/3 is given twice: `{}` and `{}`",
                shown(&files[1]),
                shown(&files[1])
            ),
        ),
        (
            vec![&files[0], &files[1], &files[2], &two],
            format!(
                "`{}` is shard 0/3 but `{}` is shard 0/2",
                shown(&files[0]),
                shown(&two)
            ),
        ),
        (
            vec![&files[0], &crm, &files[2]],
            format!(
                "`{}` ran pipeline `desk-profile` (builtin:desk) but `{}` ran `crm-profiles` (builtin:crm)",
                shown(&files[0]),
                shown(&crm)
            ),
        ),
        (
            vec![&files[0], &garbage],
            format!(
                "`{}` is not a zoho-doctor JSON report (`run --json FILE` writes one): invalid type: sequence, expected a string at line 2",
                shown(&garbage)
            ),
        ),
        (
            vec![&whole, &files[0], &files[1], &files[2]],
            format!("`{}` is not a shard's report", shown(&whole)),
        ),
    ];
    for (inputs, message) in cases {
        let out = merge(&h, &inputs).await;
        assert_eq!(out.code, 2, "{message}: {}", out.stderr);
        assert!(
            out.stderr.contains(&message),
            "expected `{message}` in:\n{}",
            out.stderr
        );
        for name in ["merged.json", "merged.xml", "merged.md"] {
            assert!(!h.path(name).exists(), "{name} written for {message}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_shard_passes_and_an_interrupted_shard_stays_marked() {
    let h = Harness::start().await;
    let holder: usize = (0..2)
        .find(|&index| {
            Shard {
                index: index as u64,
                count: 2,
            }
            .holds("healthy")
        })
        .unwrap();
    let mut files = Vec::new();
    for index in 0..2 {
        let (out, json) = shard(
            &h,
            &format!("h{index}"),
            "desk",
            &format!("{index}/2"),
            &["--user", "healthy"],
        )
        .await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        let report = read_json(&json);
        if index == holder {
            assert_eq!(users(&report), ["healthy"]);
        } else {
            assert!(
                out.stderr
                    .contains("this shard's slice of the selection is empty"),
                "{}",
                out.stderr
            );
            assert_eq!(users(&report), Vec::<String>::new());
            assert_eq!(report["shard"]["index"], index);
            let junit = std::fs::read_to_string(h.path(&format!("h{index}.xml"))).unwrap();
            assert!(
                junit.contains(&format!(r#"<property name="shard" value="{index}/2"/>"#)),
                "{junit}"
            );
            xmllint_accepts(&h.path(&format!("h{index}.xml")));
        }
        files.push(json);
    }
    let out = merge(&h, &[&files[0], &files[1]]).await;
    assert_eq!(out.code, 0, "every merged check passed: {}", out.stderr);
    assert_eq!(users(&read_json(&h.path("merged.json"))), ["healthy"]);

    // A shard a signal stopped (its report marked so by `run`): merged, it stays marked, and
    // the merge does not pass.
    let mut stopped = read_json(&files[holder]);
    stopped["interrupted"] = Value::Bool(true);
    std::fs::write(
        &files[holder],
        serde_json::to_string_pretty(&stopped).unwrap(),
    )
    .unwrap();
    let out = merge(&h, &[&files[0], &files[1]]).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("a shard was interrupted"),
        "{}",
        out.stderr
    );
    assert_eq!(read_json(&h.path("merged.json"))["interrupted"], true);
    let junit = std::fs::read_to_string(h.path("merged.xml")).unwrap();
    assert!(
        junit.contains(r#"<property name="interrupted" value="true"/>"#),
        "{junit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_that_share_a_key_stay_in_its_shard() {
    let h = Harness::start().await;
    let db = h.store.trim_start_matches("sqlite://").to_owned();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{db}"))
        .await
        .unwrap();
    for sql in [
        "CREATE TABLE shared AS SELECT * FROM zoho_connections",
        "INSERT INTO shared SELECT * FROM zoho_connections WHERE user_id IN ('healthy', 'token-expired')",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    let mut seen = Vec::new();
    for index in 0..4 {
        let spec = format!("{index}/4");
        let (out, json) = shard(
            &h,
            &format!("d{index}"),
            "desk",
            &spec,
            &["--all", "--table", "shared"],
        )
        .await;
        assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
        let slice = users(&read_json(&json));
        for key in ["healthy", "token-expired"] {
            let second = format!("{key}#2");
            assert_eq!(
                slice.contains(&key.to_owned()),
                slice.contains(&second),
                "shard {spec}: {slice:?}"
            );
        }
        seen.extend(slice);
    }
    assert!(seen.contains(&"healthy#2".to_owned()), "{seen:?}");
    assert_eq!(
        seen.len(),
        32,
        "30 scenarios and two second rows, each once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_takes_the_shard_from_job_completion_index() {
    let h = Harness::start().await;
    let (_, by_hand) = shard(&h, "hand", "desk", "1/3", &["--all"]).await;
    let mut cmd = h.command();
    let auto = h.path("auto.json");
    cmd.env("JOB_COMPLETION_INDEX", "1")
        .args([
            "run", "-p", "desk", "--store", &h.store, "--all", "--shard", "auto/3", "--json",
        ])
        .arg(&auto);
    let out = run(cmd).await;
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    let auto = read_json(&auto);
    assert_eq!(auto["shard"], serde_json::json!({"index": 1, "count": 3}));
    assert_eq!(users(&auto), users(&read_json(&by_hand)));
}

#[test]
fn a_shard_that_names_no_shard_is_a_usage_error() {
    for (spec, index, message) in [
        (
            "3/3",
            None,
            "--shard `3/3`: shards are numbered from 0, so with 3 shard(s) I is 0 to 2",
        ),
        (
            "0/0",
            None,
            "--shard `0/0`: N, the number of shards, must be 1 or more",
        ),
        ("1-of-3", None, "--shard `1-of-3` is not I/N or auto/N"),
        (
            "auto/3",
            None,
            "--shard auto/3 reads JOB_COMPLETION_INDEX, which is not set",
        ),
        (
            "auto/3",
            Some("3"),
            "--shard auto/3: JOB_COMPLETION_INDEX is `3`, not a shard index from 0 to 2",
        ),
        ("auto/3", Some("one"), "JOB_COMPLETION_INDEX is `one`"),
    ] {
        let mut cmd = command();
        cmd.env_remove("JOB_COMPLETION_INDEX");
        if let Some(index) = index {
            cmd.env("JOB_COMPLETION_INDEX", index);
        }
        // Refused before any store is opened: this one does not exist.
        let out = cmd
            .args([
                "run",
                "-p",
                "desk",
                "--store",
                "sqlite:///nonexistent/x.db",
                "--all",
                "--shard",
                spec,
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{spec}: {stderr}");
        assert!(stderr.contains(message), "{spec}: {stderr}");
    }
}
