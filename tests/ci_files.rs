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
    for file in ["action.yml", "ci/github-actions.yml"] {
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
    for file in ["ci/github-actions.yml", "ci/gitlab-ci.yml"] {
        let text = read(file);
        let marked: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("OWNER/zoho-doctor"))
            .collect();
        assert_eq!(marked.len(), 1, "{file}: {marked:?}");
        assert!(
            marked[0].contains('#'),
            "{file}: the line to change carries a comment"
        );
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
