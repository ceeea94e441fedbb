//! The GitHub Action and the CI templates, without network: the action's inputs reach flags the
//! CLI accepts, the templates run as copied into an app's repository, and every action used is a
//! major that runs on node24.

#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use std::{collections::BTreeSet, fs};

use common::{command, repo_file};
use regex::Regex;
use serde_json::Value;

fn read(relative: &str) -> String {
    fs::read_to_string(repo_file(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn yaml(relative: &str) -> Value {
    serde_saphyr::from_str(&read(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn run_help() -> String {
    let output = command().args(["run", "--help"]).output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

/// Every action referenced, with the major whose `runs.using` was checked to be node24 (or a
/// composite action, which needs no node at all).
const VERIFIED_ACTIONS: &[&str] = &[
    "actions/checkout@v5",
    "actions/cache/restore@v5",
    "actions/cache/save@v5",
    "mikepenz/action-junit-report@v6",
    "dtolnay/rust-toolchain@stable",
    // node24 from these majors on (upload-artifact v5 and download-artifact v6 still ran node20).
    "actions/upload-artifact@v7",
    "actions/download-artifact@v8",
];

fn uses_lines(text: &str) -> Vec<String> {
    let uses = Regex::new(r"(?m)^\s*(?:-\s*)?uses:\s*([^\s#]+)").unwrap();
    uses.captures_iter(text).map(|c| c[1].to_owned()).collect()
}

#[test]
fn the_action_declares_its_inputs_with_the_documented_defaults() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().expect("inputs");
    for name in [
        "pipeline", "store", "schema", "users", "all", "junit", "fail-on", "summary",
    ] {
        assert!(inputs.contains_key(name), "input {name} missing");
    }
    assert_eq!(inputs["pipeline"]["default"], "desk", "a built-in name");
    assert_eq!(inputs["fail-on"]["default"], "fail");
    assert_eq!(inputs["all"]["default"], "false");
    // Every input reaches the run step.
    let text = read("action.yml");
    for name in inputs.keys() {
        assert!(
            text.contains(&format!("${{{{ inputs.{name} }}}}")),
            "input {name} unused"
        );
    }
}

#[test]
fn every_flag_the_action_passes_is_one_the_cli_accepts() {
    let text = read("action.yml");
    let args_line = Regex::new(r"args\+?=\(([^)]*)\)").unwrap();
    let flag = Regex::new(r"--[a-z][a-z-]*").unwrap();
    let flags: BTreeSet<String> = args_line
        .captures_iter(&text)
        .flat_map(|c| {
            flag.find_iter(c.get(1).unwrap().as_str())
                .map(|m| m.as_str().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    for expected in [
        "--pipeline",
        "--junit",
        "--user",
        "--all",
        "--schema",
        "--fail-on",
        "--summary",
    ] {
        assert!(
            flags.contains(expected),
            "the action never passes {expected}: {flags:?}"
        );
    }
    let help = run_help();
    for flag in &flags {
        let accepted = help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n"));
        assert!(
            accepted,
            "action.yml passes {flag}, which `zoho-doctor run` does not accept"
        );
    }
}

#[test]
fn the_action_installs_from_its_own_checkout_and_caches_the_binary() {
    let text = read("action.yml");
    assert!(text.contains(r#"cargo install --locked --path "$GITHUB_ACTION_PATH""#));
    assert!(
        text.contains("CARGO_TARGET_DIR:"),
        "cargo install --path builds in a temp dir"
    );
    assert!(
        text.contains("sha256sum Cargo.lock"),
        "the key covers Cargo.lock"
    );
    assert!(
        text.contains("github.action_ref"),
        "the key covers the action's ref"
    );
    // Secrets never become arguments: the store input is exported, not passed as --store.
    assert!(!text.contains("--store"));
}

#[test]
fn every_action_used_is_a_verified_node24_major() {
    for file in [
        "action.yml",
        "ci/github-actions.yml",
        "ci/github-actions-matrix.yml",
    ] {
        for used in uses_lines(&read(file)) {
            if used.starts_with("OWNER/") {
                continue;
            }
            assert!(
                VERIFIED_ACTIONS.contains(&used.as_str()),
                "{file}: unverified action {used}"
            );
        }
    }
}

#[test]
fn the_templates_name_the_repository_once_and_no_placeholder_host() {
    let placeholder =
        Regex::new(r"example\.(com|org|net|invalid)|\.invalid\b|\.example\b|localhost").unwrap();
    for (file, lines) in [
        ("ci/github-actions.yml", 1),
        ("ci/gitlab-ci.yml", 1),
        ("ci/github-actions-matrix.yml", 1),
        // The image of each of its two Jobs; its header's build hint is a comment.
        ("ci/k8s-indexed-job.yaml", 2),
    ] {
        let text = read(file);
        let marked: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("OWNER/zoho-doctor") && !l.trim_start().starts_with('#'))
            .collect();
        assert_eq!(marked.len(), lines, "{file}: {marked:?}");
        for line in &marked {
            assert!(
                line.contains('#'),
                "{file}: the line to change carries a comment"
            );
        }
        assert!(
            !placeholder.is_match(&text),
            "{file} holds a placeholder host"
        );
        // Copied into an app's repository: nothing of this repository's layout.
        assert!(
            !text.contains("checks/"),
            "{file} assumes this repository's checks/ folder"
        );
        assert!(!text.contains("--path ."), "{file} builds this repository");
        for secret in ["ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_DOCTOR_STORE"] {
            assert!(text.contains(secret), "{file} does not mention {secret}");
        }
    }
}

#[test]
fn the_github_workflow_uses_the_action_with_its_inputs_and_publishes_junit() {
    let workflow = yaml("ci/github-actions.yml");
    let action = yaml("action.yml");
    let job = &workflow["jobs"]["zoho-connections"];
    assert_eq!(job["permissions"]["checks"], "write");
    let steps = job["steps"].as_array().unwrap();
    let doctor = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("OWNER/zoho-doctor@"))
        })
        .expect("a step uses the action");
    let inputs = action["inputs"].as_object().unwrap();
    for key in doctor["with"].as_object().unwrap().keys() {
        assert!(
            inputs.contains_key(key),
            "the workflow passes {key}, not an input of the action"
        );
    }
    let junit = doctor["with"]["junit"].as_str().unwrap();
    let report = steps
        .iter()
        .find(|s| s["uses"] == "mikepenz/action-junit-report@v6")
        .expect("JUnit published");
    assert_eq!(report["if"], "always()");
    assert_eq!(report["with"]["report_paths"], junit);
}

#[test]
fn the_gitlab_template_installs_locked_from_git_and_reports_junit() {
    let template = yaml("ci/gitlab-ci.yml");
    let job = &template["zoho-doctor"];
    let script: Vec<&str> = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(script[0].starts_with("cargo install --locked"));
    assert!(script[0].contains("--git https://github.com/OWNER/zoho-doctor"));
    let junit = job["artifacts"]["reports"]["junit"].as_str().unwrap();
    assert!(script[1].contains(&format!("--junit {junit}")));
    assert_eq!(job["artifacts"]["when"], "always");
}

fn merge_help() -> String {
    let output = command().args(["merge", "--help"]).output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

/// The N of `--shard I/N` or `--shard auto/N` in a script.
fn shard_count(script: &str) -> Option<String> {
    let shard = Regex::new(r"--shard (?:auto|\S+)/(\d+)").unwrap();
    shard.captures(script).map(|c| c[1].to_owned())
}

#[test]
fn the_indexed_job_runs_one_shard_per_pod_and_merges_every_one() {
    let documents: Vec<Value> =
        serde_saphyr::from_multiple(&read("ci/k8s-indexed-job.yaml")).expect("YAML documents");
    let kind = |kind: &str, name: &str| {
        documents
            .iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
            .clone()
    };
    let claim = kind("PersistentVolumeClaim", "zoho-doctor-reports");
    assert_eq!(claim["spec"]["accessModes"][0], "ReadWriteMany");
    let shards = kind("Job", "zoho-doctor-shards");
    let merge = kind("Job", "zoho-doctor-merge");
    assert_eq!(shards["spec"]["completionMode"], "Indexed");
    let n = shards["spec"]["completions"].clone();
    assert_eq!(shards["spec"]["parallelism"], n, "every shard at once");
    let script = |job: &Value| {
        let pod = &job["spec"]["template"]["spec"];
        assert_eq!(pod["restartPolicy"], "Never");
        assert_eq!(
            pod["volumes"][0]["persistentVolumeClaim"]["claimName"],
            "zoho-doctor-reports"
        );
        let container = &pod["containers"][0];
        assert_eq!(container["volumeMounts"][0]["mountPath"], "/reports");
        container["args"][0].as_str().unwrap().to_owned()
    };
    let run = script(&shards);
    assert_eq!(shard_count(&run), Some(n.to_string()), "{run}");
    assert!(run.contains("--shard auto/"), "{run}");
    assert!(
        run.contains(r#"--json "/reports/shard-$JOB_COMPLETION_INDEX.json""#),
        "{run}"
    );
    assert!(
        !run.contains("--store"),
        "the store URL comes from the Secret"
    );
    let container = &shards["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["envFrom"][0]["secretRef"]["name"], "zoho-doctor");
    let merged = script(&merge);
    assert!(
        merged.contains(&format!("-ge {n} ]")),
        "the merge waits for all {n} reports: {merged}"
    );
    assert!(
        merged.contains("zoho-doctor merge /reports/shard-*.json"),
        "{merged}"
    );
    assert_eq!(
        merge["spec"]["backoffLimit"], 0,
        "the verdict is not retried"
    );
    let (run_help, merge_help) = (run_help(), merge_help());
    for flag in ["--pipeline", "--all", "--shard", "--json"] {
        assert!(run.contains(flag) && run_help.contains(flag), "{flag}");
    }
    for flag in ["--json", "--junit"] {
        assert!(merged.contains(flag) && merge_help.contains(flag), "{flag}");
    }
}

#[test]
fn the_matrix_workflow_shards_by_the_matrix_and_merges_every_shard() {
    let workflow = yaml("ci/github-actions-matrix.yml");
    let jobs = &workflow["jobs"];
    let steps = |job: &str| jobs[job]["steps"].as_array().unwrap().clone();
    let shard = steps("shard");
    let diagnose = shard
        .iter()
        .find(|s| s["run"].as_str().is_some_and(|r| r.contains(" run ")))
        .expect("a step runs zoho-doctor");
    let script = diagnose["run"].as_str().unwrap();
    assert!(script.contains(r#"--shard "$SHARD/$SHARDS""#), "{script}");
    // I and N from the matrix itself: N is never typed twice.
    assert_eq!(diagnose["env"]["SHARD"], "${{ strategy.job-index }}");
    assert_eq!(diagnose["env"]["SHARDS"], "${{ strategy.job-total }}");
    assert_eq!(jobs["shard"]["strategy"]["fail-fast"], false);
    let upload = shard
        .iter()
        .find(|s| s["uses"] == "actions/upload-artifact@v7")
        .expect("each shard uploads its report");
    assert_eq!(upload["with"]["if-no-files-found"], "error");
    let merge = steps("merge");
    assert!(
        jobs["merge"]["if"]
            .as_str()
            .is_some_and(|c| c.contains("always()")),
        "a failed shard is merged as missing, not skipped"
    );
    let download = merge
        .iter()
        .find(|s| s["with"]["pattern"].is_string())
        .expect("the merge downloads every shard");
    assert_eq!(download["with"]["merge-multiple"], true);
    let merging = merge
        .iter()
        .find(|s| s["run"].as_str().is_some_and(|r| r.contains(" merge ")))
        .expect("a step merges");
    let junit = merge
        .iter()
        .find(|s| s["uses"] == "mikepenz/action-junit-report@v6")
        .expect("JUnit published");
    assert_eq!(junit["if"], "always()");
    let path = junit["with"]["report_paths"].as_str().unwrap();
    assert!(
        merging["run"]
            .as_str()
            .unwrap()
            .contains(&format!("--junit {path}"))
    );
    assert_eq!(jobs["merge"]["permissions"]["checks"], "write");
}
